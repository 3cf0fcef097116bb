"""The data migration that tells existing contacts what İYS holds, from delivery states."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("consents", "0010_event_without_consent_index")]
AFTER = [("consents", "0011_channel_iys_status")]


@pytest.mark.django_db(transaction=True)
def test_existing_contacts_learn_what_iys_holds_from_accepted_consents():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Contact, Consent = apps.get_model("consents", "Contact"), apps.get_model("consents", "Consent")
    now = timezone.now()
    ret_later = Contact.objects.create(phone="+905321000001", email="a@example.com")
    only_sent = Contact.objects.create(phone="+905321000002")
    never = Contact.objects.create(phone="+905321000003")

    def consent(contact, type_, status, state, hours, recipient_type="BIREYSEL"):
        Consent.objects.create(
            contact=contact, recipient=contact.email if type_ == "EPOSTA" else contact.phone,
            recipient_type=recipient_type, type=type_, status=status, source="HS_WEB",
            consent_date=now - timezone.timedelta(hours=hours), iys_state=state,
            is_current=False)

    consent(ret_later, "MESAJ", "ONAY", "accepted", 5)
    consent(ret_later, "MESAJ", "RET", "accepted", 2)  # the newest accepted wins
    consent(ret_later, "EPOSTA", "ONAY", "accepted", 3)
    consent(ret_later, "ARAMA", "ONAY", "accepted", 3, recipient_type="TACIR")  # not ours
    consent(only_sent, "MESAJ", "ONAY", "sent", 1)  # result unknown: nothing held yet
    consent(never, "MESAJ", "ONAY", "local", 1)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    held = {c.phone: (c.email_iys_status, c.sms_iys_status, c.call_iys_status)
            for c in apps.get_model("consents", "Contact").objects.all()}
    assert held == {"+905321000001": ("ONAY", "RET", ""), "+905321000002": ("", "", ""),
                    "+905321000003": ("", "", "")}
    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
