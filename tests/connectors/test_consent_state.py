"""Consent state that is legally right: İYS never keeps what a person revoked, and "sendable"
means İYS agrees. Each test is one of the failures the consent-state issue found, against the
sandbox over sockets."""

from datetime import timedelta

import pytest
from django.utils import timezone

from connectors.models import IysConnector
from connectors.services.push import iys_push
from consents.choices import IysState, Permission
from consents.models import Consent, ConsentEvent, Contact
from consents.selectors import channel_state, sendable_q
from consents.services import ChangeOrigin, consent_apply, permission_set
from tests.connectors.conftest import client_for, configure

pytestmark = pytest.mark.django_db

ORIGIN = ChangeOrigin(kind="api", reference="test")


def ago(**delta) -> timezone.datetime:
    return (timezone.now() - timedelta(**delta)).replace(microsecond=0)


def capture(contact: Contact, status: str, when, **extra) -> Consent:
    return consent_apply(contact=contact, type="MESAJ", status=status, source="HS_WEB",
                         consent_date=when, origin=ORIGIN, **extra)


def iys_holds(server, recipient: str, recipient_type: str = "BIREYSEL") -> str | None:
    rows = [row for row in server.state.consent_rows()
            if row["recipient"] == recipient and row["recipient_type"] == recipient_type]
    return rows[-1]["status"] if rows else None


def test_a_ret_before_the_push_supersedes_the_waiting_onay_which_never_reaches_iys(sandbox):
    configure(sandbox, integrator=True)
    contact = Contact.objects.create(phone="+905321000001")
    onay = capture(contact, "ONAY", ago(hours=3))
    ret = capture(contact, "RET", ago(hours=1))

    onay.refresh_from_db()
    assert onay.iys_state == IysState.SUPERSEDED
    assert ConsentEvent.objects.filter(consent=onay, kind="delivery",
                                       after__iys_state="superseded").exists()
    assert ret.iys_state == IysState.CHECK  # İYS may hold an ONAY from elsewhere: ask first

    iys_push(poll_wait=10)

    ret.refresh_from_db()
    assert iys_holds(sandbox, contact.phone) is None  # the revoked ONAY never went
    assert (ret.iys_state, ret.iys_error_code) == (IysState.LOCAL, "IYS_NO_ONAY")
    assert not channel_state(contact, "sms").sendable


def test_a_ret_reaches_iys_when_iys_holds_an_onay_we_never_sent(sandbox):
    configure(sandbox, integrator=True)
    # Registered through another channel: the hub only has a Subscribed upload's flag.
    client = client_for(sandbox)
    client.consent_add({"recipient": "+905321000002", "recipientType": "BIREYSEL",
                        "type": "MESAJ", "status": "ONAY", "source": "HS_WEB",
                        "consentDate": ago(hours=5).astimezone(
                            timezone.get_current_timezone()).strftime("%Y-%m-%d %H:%M:%S")})
    client.close()
    contact = Contact.objects.create(phone="+905321000002")
    permission_set(contact=contact, channel="sms", value=Permission.OPT_IN, origin=ORIGIN)
    ret = capture(contact, "RET", ago(hours=1))
    assert ret.iys_state == IysState.CHECK

    report = iys_push(poll_wait=10)

    ret.refresh_from_db()
    assert report.ret_sent_after_check == 1
    assert ret.iys_state == IysState.ACCEPTED
    assert iys_holds(sandbox, contact.phone) == "RET"
    contact.refresh_from_db()
    assert contact.sms_iys_status == "RET" and contact.sms_permission == Permission.OPT_OUT


def test_an_accepted_onay_is_what_makes_a_channel_sendable(sandbox):
    configure(sandbox, integrator=True)
    contact = Contact.objects.create(phone="+905321000003")
    capture(contact, "ONAY", ago(hours=1))
    state = channel_state(contact, "sms")
    assert state.permission == Permission.OPT_IN and state.pending and not state.sendable

    iys_push(poll_wait=10)

    contact.refresh_from_db()
    state = channel_state(contact, "sms")
    assert (state.iys_status, state.pending, state.sendable) == ("ONAY", False, True)
    assert Contact.objects.filter(sendable_q("sms"), pk=contact.pk).exists()


@pytest.mark.parametrize("when, source", [
    (lambda: ago(days=10), "HS_WEB"),  # past the 3-business-day deadline
    (lambda: timezone.datetime(2015, 5, 1, tzinfo=timezone.get_current_timezone()), "HS_2015"),
])
def test_an_onay_iys_never_gets_is_opt_in_but_not_sendable(sandbox, when, source):
    configure(sandbox, integrator=True)
    contact = Contact.objects.create(phone="+905321000004")
    consent = capture(contact, "ONAY", when()) if source != "HS_2015" else consent_apply(
        contact=contact, type="MESAJ", status="ONAY", source=source, consent_date=when(),
        origin=ORIGIN)
    assert consent.iys_state == IysState.LOCAL
    state = channel_state(contact, "sms")
    assert state.permission == Permission.OPT_IN and not state.sendable
    assert "3 business days" in state.reason


def test_sync_mode_recipients_unknown_to_iys_are_not_sendable(sandbox):
    configure(sandbox, integrator=False)
    contact = Contact.objects.create(phone="+905321000005")
    consent = capture(contact, "ONAY", ago(hours=1))
    assert (consent.iys_state, consent.iys_error_code) == (IysState.LOCAL, "SYNC_UNKNOWN")
    state = channel_state(contact, "sms")
    assert state.permission == Permission.OPT_IN and not state.sendable
    assert "does not know" in state.reason


def test_a_rejected_consent_is_not_sendable(start_sandbox):
    server = start_sandbox()
    configure(server, integrator=True)
    contact = Contact.objects.create(phone="+905321000006")
    consent = capture(contact, "ONAY", ago(hours=1))
    Consent.objects.filter(pk=consent.pk).update(iys_state=IysState.REJECTED,
                                                 iys_error_code="H108")
    state = channel_state(contact, "sms")
    assert not state.sendable and "H108" in state.reason


def test_a_subscribed_flag_over_an_iys_ret_is_never_sendable(sandbox):
    configure(sandbox, integrator=True)
    contact = Contact.objects.create(phone="+905321000007", sms_iys_status="RET")
    permission_set(contact=contact, channel="sms", value=Permission.OPT_IN, origin=ORIGIN)
    state = channel_state(contact, "sms")
    assert state.permission == Permission.OPT_IN and not state.sendable
    assert "RET" in state.reason


def test_a_tacir_record_never_changes_the_individuals_permission(sandbox):
    configure(sandbox, integrator=True)
    contact = Contact.objects.create(phone="+905321000008")
    capture(contact, "RET", ago(hours=5))
    consent_apply(contact=contact, type="MESAJ", status="ONAY", recipient_type="TACIR",
                  origin=ORIGIN)  # a first TACIR add may come without date or source
    contact.refresh_from_db()
    assert contact.sms_permission == Permission.OPT_OUT
    with pytest.raises(Exception) as refused:  # an update needs both (H462 / H463)
        consent_apply(contact=contact, type="MESAJ", status="RET", recipient_type="TACIR",
                      origin=ORIGIN)
    assert {"source", "consent_date"} <= set(refused.value.message_dict)


def test_an_older_consent_in_flight_makes_the_newer_one_wait_for_its_result(start_sandbox):
    server = start_sandbox(bulk_delay=3)
    configure(server, integrator=True)
    contact = Contact.objects.create(phone="+905321000009")
    onay = capture(contact, "ONAY", ago(hours=3))
    iys_push(poll_wait=0.1)  # sent; İYS's answer not in yet
    onay.refresh_from_db()
    assert onay.iys_state == IysState.SENT

    ret = capture(contact, "RET", ago(hours=1))
    assert ret.iys_state == IysState.PENDING  # it must follow the ONAY into İYS
    onay.refresh_from_db()
    assert onay.iys_state == IysState.SENT  # in flight: never superseded

    iys_push(poll_wait=0.1)
    ret.refresh_from_db()
    assert ret.iys_state == IysState.PENDING  # waits while the ONAY's result is unknown

    server.config.bulk_delay = 0
    iys_push(poll_wait=10)  # the ONAY's result
    iys_push(poll_wait=10)  # then the RET
    assert iys_holds(server, contact.phone) == "RET"


def test_through_iletimerkezi_a_ret_goes_without_asking_since_there_is_no_status_query(sandbox):
    configure(sandbox, integrator=True)
    IysConnector.objects.update(route=IysConnector.Route.ILETIMERKEZI)
    contact = Contact.objects.create(phone="+905321000010")
    assert capture(contact, "RET", ago(hours=1)).iys_state == IysState.PENDING
