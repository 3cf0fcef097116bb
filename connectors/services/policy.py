"""The connector's push policy (which consents are queued for İYS) and its settings."""

from datetime import datetime, timedelta

from django.utils import timezone

from connectors.models import IysConnector
from connectors.services.push import consent_push_soon
from consents.choices import ConsentStatus, IysState
from consents.models import Consent
from consents.policy import Decision
from consents.rules import TURKEY, ConsentFacts, is_too_late_for_iys

KNOWN_TO_IYS = {IysState.SENT, IysState.ACCEPTED}
_ONAY, _RET = ConsentStatus.ONAY.value, ConsentStatus.RET.value


def iys_delivery_state(facts: ConsentFacts, *, previous: Consent | None,
                       connector: IysConnector | None = None, late: bool | None = None,
                       held: str | None = None) -> Decision:
    """Whether a new consent goes to İYS (PENDING), waits for İYS to be asked (CHECK) or stays
    here (LOCAL, with the reason).

    ``previous``: the consent it replaces, after superseding (a pending one never went out);
    ``held``: what İYS holds for the individual record as the hub knows it ("ONAY", "RET",
    "" unknown; None for TACIR, which the contact does not track). Integrator mode creates and
    updates recipients; Sync mode only updates recipients İYS already knows. A consent past its
    3-business-day deadline stays local. A RET goes when İYS holds (or is being sent) an ONAY,
    stays when İYS already holds RET, and otherwise waits for the push to ask İYS: a first RET
    is refused by İYS (H175), but an ONAY registered elsewhere must be revoked.
    """
    connector = connector or IysConnector.load()
    if not connector.is_ready:
        return Decision(IysState.LOCAL, "NOT_INSTALLED")
    if not connector.channel_permitted(facts.type):
        return Decision(IysState.LOCAL, "NOT_PERMITTED")
    if is_too_late_for_iys(facts.consent_date) if late is None else late:
        return Decision(IysState.LOCAL, "LATE")
    in_flight = previous is not None and previous.iys_state == IysState.SENT
    accepted = previous is not None and previous.iys_state == IysState.ACCEPTED
    if not held and accepted:  # what İYS took from us last is what it holds
        held = previous.status
    if held == facts.status and not in_flight:
        return Decision(IysState.LOCAL, "ALREADY_IN_IYS")
    known = in_flight or accepted or bool(held)
    if facts.status == _ONAY:
        if connector.integrator_mode or known:
            return Decision(IysState.PENDING)
        return Decision(IysState.LOCAL, "SYNC_UNKNOWN")
    if in_flight or held == _ONAY:
        return Decision(IysState.PENDING)
    # iletiMerkezi has no status query: the RET goes, and İYS refuses it only if it holds
    # nothing (better refused than an ONAY left standing).
    if connector.route == IysConnector.Route.ILETIMERKEZI:
        return Decision(IysState.PENDING)
    return Decision(IysState.CHECK)


class ConnectorPolicy:
    """The connector's policy as consents/ asks for it (consents.policy)."""

    def installed(self) -> bool:
        return IysConnector.load().is_ready

    def decide(self, facts: ConsentFacts, *, previous: Consent | None,
               held: str | None) -> Decision:
        return iys_delivery_state(facts, previous=previous, held=held)

    def push_soon(self, consent_id: int) -> None:
        consent_push_soon(consent_id=consent_id)


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
    # In Integrator mode too: the hub imports what İYS holds before it decides anything.
    if (connector.is_ready
            and connector.initial_sync_state in (IysConnector.InitialSync.NOT_STARTED,
                                                 IysConnector.InitialSync.SCHEDULED)):
        connector.initial_sync_state = IysConnector.InitialSync.SCHEDULED
        connector.initial_sync_not_before = night_window_next(connector)
        fields += ["initial_sync_state", "initial_sync_not_before"]
    IysConnector.objects.filter(pk=connector.pk).update(
        **{field: getattr(connector, field) for field in fields})
    return connector
