"""A property of the consent state machine, over 500 random sequences at once: whatever the
order of ONAY and RET captures, pushes, 5xx answers and lost answers, once the outbox drains
İYS holds what the newest local consent says, and never an ONAY a newer local RET revoked."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from connectors.services.push import iys_push
from consents.choices import OPEN_STATES
from consents.models import Consent, Contact
from consents.services import ChangeOrigin, consent_apply
from tests.connectors.conftest import configure

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SEQUENCES = 500
ORIGIN = ChangeOrigin(kind="api", reference="property test")


def iys_status_of(server) -> dict[str, str]:
    """What the sandbox (İYS) holds now per recipient: its newest record."""
    held: dict[str, str] = {}
    for row in server.state.consent_rows():
        if row["recipient_type"] == "BIREYSEL" and row["type"] == "MESAJ":
            held[row["recipient"]] = row["status"]
    return held


def test_iys_ends_with_the_newest_local_consent_whatever_the_interleaving(start_sandbox):
    rng = random.Random(20261202)
    server = start_sandbox(bulk_delay=0.05, fault_seed=7)
    configure(server, integrator=True)
    start = timezone.now().replace(microsecond=0) - timedelta(hours=20)
    contacts = Contact.objects.bulk_create(
        [Contact(phone=f"+90533{n:07d}") for n in range(SEQUENCES)])
    last = {contact.pk: start for contact in contacts}
    newest: dict[str, str] = {}

    for _step in range(12):
        # Some sequences capture one or two movements, with rising dates, before the next push.
        for contact in rng.sample(contacts, k=SEQUENCES // 3):
            for _movement in range(rng.choice((1, 1, 2))):
                last[contact.pk] += timedelta(seconds=rng.randint(1, 600))
                status = rng.choice(("ONAY", "RET"))
                consent_apply(contact=contact, type="MESAJ", status=status, source="HS_WEB",
                              consent_date=last[contact.pk], origin=ORIGIN)
                newest[contact.phone] = status
        # Pushes meet a faulty İYS: 5xx answers, answers lost after İYS stored the request.
        server.config.error_rate = rng.choice((0.0, 0.05, 0.15))
        server.config.drop_rate = rng.choice((0.0, 0.05))
        iys_push(poll_wait=rng.choice((0.0, 2.0)))

    server.config.error_rate = server.config.drop_rate = 0.0
    for _drain in range(20):
        if not Consent.objects.filter(iys_state__in=OPEN_STATES).exists():
            break
        iys_push(poll_wait=10)
    assert not Consent.objects.filter(iys_state__in=OPEN_STATES).exists()

    held = iys_status_of(server)
    wrong = {phone: (status, held.get(phone)) for phone, status in newest.items()
             if held.get(phone) != status and not (status == "RET" and phone not in held)}
    assert not wrong  # ONAY newest: İYS holds ONAY; RET newest: İYS holds RET or nothing
    for contact in Contact.objects.filter(phone__in=list(newest)):
        current = Consent.objects.get(contact=contact, is_current=True)
        assert current.status == newest[contact.phone]
        # The hub knows what İYS holds: sendable only where İYS holds ONAY.
        assert (contact.sms_iys_status == "ONAY") == (held.get(contact.phone) == "ONAY")
