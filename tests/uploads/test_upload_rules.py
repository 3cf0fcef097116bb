"""The upload rules beyond the case scenarios, each with its own small fixture file."""

import pytest

from consents.choices import IysState, Origin, Permission
from consents.models import Consent, ConsentEvent, Contact
from consents.services import ChangeOrigin, consent_apply, consent_delivery_update
from tests.uploads.conftest import NOW, run_upload
from uploads.models import Upload, UploadRowError

pytestmark = pytest.mark.usefixtures("frozen_now", "attributes")


@pytest.mark.usefixtures("integrator")
def test_iys_synchronize_without_the_iys_columns_is_blocked_and_writes_nothing():
    upload = run_upload("blocked_missing_iys_columns.csv")

    assert upload.state == Upload.State.BLOCKED
    assert "missing: IYSSource, IYSConsentDate" in upload.message
    assert not Contact.objects.exists() and not ConsentEvent.objects.exists()


@pytest.mark.usefixtures("integrator")
def test_a_phone_without_country_code_rejects_the_row_with_the_reason():
    upload = run_upload("phone_without_country_code.csv")

    error = upload.row_errors.get()
    assert (error.row_number, error.column, error.value) == (2, "phonenumber", "05321234567")
    assert "has no country code; write it as +905XXXXXXXXX" in error.text
    assert list(Contact.objects.values_list("phone", flat=True)) == ["+905321234568"]
    assert upload.counts["rejected"] == 1 and upload.counts["created"] == 1


@pytest.mark.usefixtures("integrator")
def test_the_last_row_of_a_contact_wins_and_the_summary_says_so():
    upload = run_upload("duplicate_rows.csv")

    contact = Contact.objects.get(email="tekrar@example.com")
    assert contact.attributes["city"] == "İstanbul"
    assert contact.email_permission == Permission.OPT_OUT
    assert Consent.objects.filter(contact=contact).count() == 1  # only the winning row's
    assert upload.counts["duplicates"] == 1 and upload.counts["created"] == 2
    note = upload.row_errors.get(kind=UploadRowError.Kind.DUPLICATE)
    assert note.row_number == 2 and "row 4" in note.text


@pytest.mark.usefixtures("integrator")
def test_a_contact_repeated_in_a_later_chunk_is_counted_too(settings):
    settings.UPLOAD_CHUNK_ROWS = 1
    upload = run_upload("duplicate_rows.csv")

    assert Contact.objects.get(email="tekrar@example.com").attributes["city"] == "İstanbul"
    assert upload.counts["duplicates"] == 1
    assert upload.row_errors.get(kind=UploadRowError.Kind.DUPLICATE).row_number == 4


@pytest.mark.usefixtures("integrator")
def test_a_consent_older_than_3_business_days_is_stored_locally_and_reported():
    upload = run_upload("three_business_days.csv")

    late = Consent.objects.get(recipient="gec@example.com")
    assert (late.status, late.iys_state) == ("ONAY", IysState.LOCAL)
    assert Consent.objects.get(recipient="zamaninda@example.com").iys_state == IysState.PENDING
    note = upload.row_errors.get(kind=UploadRowError.Kind.LOCAL)
    assert note.row_number == 2 and "3 business days" in note.text
    assert upload.counts["local_only"] == 1 and upload.counts["queued_for_iys"] == 1


def test_unknown_columns_are_ignored_with_the_reason():
    upload = run_upload("unknown_columns.csv", mode=Upload.Mode.SUBSCRIBED)

    assert [c["column"] for c in upload.ignored_columns] == ["surname", "address"]
    assert "create it under Developers › Profile Attributes" in upload.ignored_columns[0]["reason"]
    assert Contact.objects.get().attributes == {"city": "Eskişehir"}


def test_an_attribute_of_the_wrong_type_rejects_the_cell_not_the_row():
    upload = run_upload("attribute_type_errors.csv", mode=Upload.Mode.SUBSCRIBED)

    contact = Contact.objects.get(email="tip@example.com")
    assert contact.attributes == {"loyalty_points": 12.5, "city": "Konya"}
    assert contact.email_permission == Permission.OPT_IN
    cells = {(e.column, e.value) for e in upload.row_errors.filter(kind="cell")}
    assert cells == {("birth_date", "31.02.1990"), ("vip", "maybe")}
    assert upload.counts["rejected"] == 0 and upload.counts["cell_errors"] == 2


def test_subscribed_opts_in_the_channels_each_row_has_and_creates_nothing_in_iys(integrator):
    upload = run_upload("subscribed.csv", mode=Upload.Mode.SUBSCRIBED)

    both = Contact.objects.get(email="abone@example.com")
    assert both.email_permission == both.sms_permission == Permission.OPT_IN
    email_only = Contact.objects.get(email="sadece.eposta@example.com")
    assert (email_only.email_permission, email_only.sms_permission) == (
        Permission.OPT_IN, Permission.OPT_OUT)
    assert not Consent.objects.exists() and upload.counts["queued_for_iys"] == 0
    event = ConsentEvent.objects.filter(contact=both, kind="permission", field="sms").get()
    assert (event.origin, event.row_number, event.after) == (Origin.UPLOAD, 2, "opt_in")


def test_unsubscribed_opts_out_a_subscribed_contact():
    Contact.objects.create(email="abone@example.com", email_permission=Permission.OPT_IN)

    run_upload("subscribed.csv", mode=Upload.Mode.UNSUBSCRIBED)

    assert Contact.objects.get(email="abone@example.com").email_permission == Permission.OPT_OUT


def test_a_bare_txt_user_list_gets_its_columns_named_by_the_marketer():
    upload = run_upload("user_upload_bare_list.txt", mode=Upload.Mode.SUBSCRIBED,
                        mapping={"Column 1": "attribute:token", "Column 2": "external_id"})

    assert upload.has_header is False
    assert upload.counts["rows"] == 3 and upload.counts["created"] == 3
    contact = Contact.objects.get(external_id="CRM-2001")
    assert contact.attributes == {"token": "c9f1e2d3b4a5968778695a4b3c2d1e0f"}


def _known_to_iys(email: str) -> None:
    contact = Contact.objects.create(email=email)
    consent = consent_apply(contact=contact, type="EPOSTA", status="ONAY", source="HS_WEB",
                            consent_date=NOW.replace(day=6),
                            origin=ChangeOrigin(kind=Origin.IYS_PULL))
    consent_delivery_update(consent=consent, state=IysState.ACCEPTED,
                            origin=ChangeOrigin(kind=Origin.IYS_PULL))


def test_integrator_mode_queues_new_recipients_and_updates(integrator):
    _known_to_iys("bilinen@example.com")

    upload = run_upload("connector_modes.csv")

    assert Consent.objects.get(recipient="yeni@example.com").iys_state == IysState.PENDING
    assert Consent.objects.current().get(
        recipient="bilinen@example.com").iys_state == IysState.PENDING
    assert upload.counts["queued_for_iys"] == 2


def test_sync_mode_only_queues_recipients_iys_already_knows(sync_connector):
    _known_to_iys("bilinen@example.com")

    upload = run_upload("connector_modes.csv")

    assert Consent.objects.get(recipient="yeni@example.com").iys_state == IysState.LOCAL
    assert Consent.objects.current().get(
        recipient="bilinen@example.com").iys_state == IysState.PENDING
    assert upload.counts["queued_for_iys"] == 1


def test_without_an_installed_connector_nothing_is_queued():
    upload = run_upload("connector_modes.csv")

    assert upload.counts["consents"] == 2 and upload.counts["queued_for_iys"] == 0


@pytest.mark.usefixtures("integrator")
def test_every_change_is_in_the_history_with_the_upload_and_row():
    upload = run_upload("case1_email_and_phone.csv")

    events = ConsentEvent.objects.filter(origin=Origin.UPLOAD)
    assert sorted((e.kind, e.field) for e in events) == [
        ("consent", "EPOSTA"), ("consent", "MESAJ"), ("contact", "created")]
    assert {e.row_number for e in events} == {2}
    assert {e.origin_reference for e in events} == {upload.reference}
    email = events.get(kind="consent", field="EPOSTA")  # the permission it changed with it
    assert email.consent == Consent.objects.get(type="EPOSTA")
    assert (email.before, email.after["permission"]) == ({"permission": "opt_out"}, "opt_in")


def test_a_row_joining_two_known_contacts_is_rejected_and_both_stay_as_they_were():
    Contact.objects.create(email="iki@example.com")
    Contact.objects.create(phone="+905371112233", external_id="CRM-9")

    upload = run_upload("identifier_conflict.csv", mode=Upload.Mode.SUBSCRIBED)

    error = upload.row_errors.get()
    assert (error.row_number, error.column) == (2, "phonenumber")
    assert "+905371112233 already belongs to another contact" in error.text
    assert Contact.objects.get(email="iki@example.com").phone is None
    assert upload.counts["rejected"] == 1 and not ConsentEvent.objects.exists()
