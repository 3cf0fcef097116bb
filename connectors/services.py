"""The connector's push policy: which consents are queued for İYS."""

from connectors.models import IysConnector
from consents.choices import ConsentStatus, IysState
from consents.models import Consent
from consents.rules import ConsentFacts, is_too_late_for_iys

KNOWN_TO_IYS = {IysState.SENT, IysState.ACCEPTED}


def iys_delivery_state(facts: ConsentFacts, *, previous: Consent | None,
                       connector: IysConnector | None = None) -> str:
    """PENDING when the consent should go to İYS in the connector's mode, otherwise LOCAL.

    Integrator mode creates and updates recipients; Sync mode only updates recipients İYS
    already knows. A consent past its 3-business-day deadline stays local, and so does a
    first record that is a RET (İYS rejects it: H175).
    """
    connector = connector or IysConnector.load()
    if not connector.is_ready or not connector.channel_permitted(facts.type):
        return IysState.LOCAL
    if is_too_late_for_iys(facts.consent_date):
        return IysState.LOCAL
    known = previous is not None and previous.iys_state in KNOWN_TO_IYS
    if connector.integrator_mode:
        return IysState.PENDING if known or facts.status == ConsentStatus.ONAY else IysState.LOCAL
    return IysState.PENDING if known else IysState.LOCAL


def connector_configure(*, base_url: str, username: str, password: str, iys_code: str,
                        brand_code: str, integrator: bool) -> IysConnector:
    """Install the connector as the settings page would (used by deployments and `make run`)."""
    connector = IysConnector.load()
    connector.base_url = base_url
    connector.username = username
    if password:
        connector.password = password
    connector.iys_code = iys_code
    connector.brand_code = brand_code
    connector.integrator_mode = integrator
    connector.mutabakat_confirmed = connector.mutabakat_confirmed or integrator
    connector.is_active = bool(iys_code and brand_code)
    connector.save()
    return connector
