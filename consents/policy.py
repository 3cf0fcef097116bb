"""The İYS delivery policy that consents ask for, registered by the connector at start-up.

consents/ records consents; whether one goes to İYS, waits for a check or stays here is the
connector's decision (its mode, partner permissions and deadline). The connector app registers
its policy in its AppConfig.ready(), so consents never imports connectors. Without a connector
app every consent stays local and the channel permission alone decides what is sendable.
"""

from typing import NamedTuple, Protocol

from consents.choices import IysState
from consents.models import Consent
from consents.rules import ConsentFacts


class Decision(NamedTuple):
    """A new consent's delivery state, and for a local one the reason it stays here."""

    state: str
    reason: str = ""


class DeliveryPolicy(Protocol):
    def installed(self) -> bool:
        """Whether an İYS connector is installed: then "sendable" needs İYS's ONAY."""

    def decide(self, facts: ConsentFacts, *, previous: Consent | None,
               held: str | None) -> Decision:
        """``previous``: the consent it replaces (after superseding); ``held``: what İYS
        holds for the individual record ("ONAY", "RET", "" unknown), None for TACIR."""

    def push_soon(self, consent_id: int) -> None:
        """After commit of a single capture: send it now where the mode allows."""


class LocalOnly:
    """No connector: consents stay here."""

    def installed(self) -> bool:
        return False

    def decide(self, facts: ConsentFacts, *, previous: Consent | None,
               held: str | None) -> Decision:
        return Decision(IysState.LOCAL, "NOT_INSTALLED")

    def push_soon(self, consent_id: int) -> None:
        return None


_registered: list[DeliveryPolicy] = [LocalOnly()]


def delivery_policy_register(policy: DeliveryPolicy) -> None:
    _registered[0] = policy


def delivery_policy() -> DeliveryPolicy:
    return _registered[0]
