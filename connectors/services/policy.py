"""The connector's push policy (which consents are queued for İYS) and its settings."""

from datetime import datetime, timedelta

from django.utils import timezone

from connectors.models import IysConnector
from connectors.secrets import endpoint_validate
from consents.choices import ConsentStatus, IysState
from consents.models import Consent
from consents.rules import TURKEY, ConsentFacts, is_too_late_for_iys

KNOWN_TO_IYS = {IysState.SENT, IysState.ACCEPTED}


def iys_delivery_state(facts: ConsentFacts, *, previous: Consent | None,
                       connector: IysConnector | None = None, late: bool | None = None) -> str:
    """PENDING when the consent should go to İYS in the connector's mode, otherwise LOCAL.

    Integrator mode creates and updates recipients; Sync mode only updates recipients İYS
    already knows. A consent past its 3-business-day deadline stays local, and so does a
    first record that is a RET (İYS rejects it: H175). ``late``: the caller already knows
    whether the consent is past its deadline.
    """
    connector = connector or IysConnector.load()
    if not connector.is_ready or not connector.channel_permitted(facts.type):
        return IysState.LOCAL
    if is_too_late_for_iys(facts.consent_date) if late is None else late:
        return IysState.LOCAL
    known = previous is not None and previous.iys_state in KNOWN_TO_IYS
    if connector.integrator_mode:
        return IysState.PENDING if known or facts.status == ConsentStatus.ONAY else IysState.LOCAL
    return IysState.PENDING if known else IysState.LOCAL


def connector_configure(*, base_url: str, username: str, password: str, iys_code: str,
                        brand_code: str, integrator: bool) -> IysConnector:
    """Install the connector as the settings page would (used by deployments and `make run`)."""
    endpoint_validate(base_url)
    connector = IysConnector.load()
    if base_url != connector.base_url and not password:
        connector.password = ""  # a stored password never follows a new address
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
    connector_settings_saved(connector=connector)
    return connector


def night_window_next(connector: IysConnector, now: datetime | None = None) -> datetime:
    """The next start of the night window (Europe/Istanbul)."""
    local = timezone.localtime(now or timezone.now(), TURKEY)
    start = local.replace(hour=connector.night_window_start.hour,
                          minute=connector.night_window_start.minute, second=0, microsecond=0)
    return start if start > local else start + timedelta(days=1)


def connector_settings_saved(*, connector: IysConnector) -> IysConnector:
    """After the settings change: clear a stop the admin has fixed; in Sync mode, plan the
    initial sync for the night window. A mode switch takes effect at the next job."""
    fields = ["blocked_reason"]
    connector.blocked_reason = ""
    if (connector.is_ready and not connector.integrator_mode
            and connector.initial_sync_state in (IysConnector.InitialSync.NOT_STARTED,
                                                 IysConnector.InitialSync.SCHEDULED)):
        connector.initial_sync_state = IysConnector.InitialSync.SCHEDULED
        connector.initial_sync_not_before = night_window_next(connector)
        fields += ["initial_sync_state", "initial_sync_not_before"]
    IysConnector.objects.filter(pk=connector.pk).update(
        **{field: getattr(connector, field) for field in fields})
    return connector
