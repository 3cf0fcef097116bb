"""Case scenarios 1–6 of the panel guide (seed 000), each with its own fixture file."""

import pytest

from consents.choices import IysState, Origin, Permission
from consents.models import Consent, ConsentEvent, Contact
from consents.rules import TURKEY
from consents.services import ChangeOrigin, consent_apply
from tests.uploads.conftest import NOW, run_upload
from uploads.models import UploadRowError

pytestmark = pytest.mark.usefixtures("frozen_now", "attributes", "integrator")


def current(recipient: str, type_: str) -> Consent | None:
    return Consent.objects.filter(recipient=recipient, type=type_, is_current=True).first()


def test_case1_one_status_applies_to_email_and_sms():
    upload = run_upload("case1_email_and_phone.csv")

    contact = Contact.objects.get(email="ayse@example.com")
    assert contact.phone == "+905321112233"
    assert contact.email_permission == contact.sms_permission == Permission.OPT_IN
    for recipient, type_ in (("ayse@example.com", "EPOSTA"), ("+905321112233", "MESAJ")):
        consent = current(recipient, type_)
        assert (consent.status, consent.source, consent.iys_state) == (
            "ONAY", "HS_WEB", IysState.PENDING)
        given = consent.consent_date.astimezone(TURKEY)
        assert given.strftime("%d.%m.%y %H:%M:%S") == "07.08.25 10:25:00"
    assert upload.counts["created"] == 1
    assert upload.counts["queued_for_iys"] == 2


def test_case2_email_only_leaves_sms_opt_out_for_a_new_contact():
    run_upload("case2_email_only.csv")

    contact = Contact.objects.get(email="mehmet@example.com")
    assert contact.email_permission == Permission.OPT_IN
    assert contact.sms_permission == Permission.OPT_OUT
    assert not contact.consents.filter(type="MESAJ").exists()


def test_case2_1_only_the_email_permission_of_a_known_contact_changes():
    contact = Contact.objects.create(email="zeynep@example.com", phone="+905351234567")
    origin = ChangeOrigin(kind=Origin.ADMIN)
    for type_ in ("EPOSTA", "MESAJ"):
        consent_apply(contact=contact, type=type_, status="ONAY", source="HS_WEB",
                      consent_date=NOW.replace(day=6), origin=origin)
    sms_before = current("+905351234567", "MESAJ")

    upload = run_upload("case2_1_email_of_known_contact.csv")

    contact.refresh_from_db()
    assert contact.email_permission == Permission.OPT_OUT
    assert contact.sms_permission == Permission.OPT_IN
    assert current("+905351234567", "MESAJ") == sms_before
    assert current("zeynep@example.com", "EPOSTA").status == "RET"
    assert upload.counts["updated"] == 1 and upload.counts["created"] == 0


def test_case3_phone_only_with_the_guide_rows():
    upload = run_upload("case3_sms_only.csv")

    approved = Contact.objects.get(phone="+905377778888")
    assert approved.sms_permission == Permission.OPT_IN
    assert approved.email_permission == Permission.OPT_OUT and approved.email is None
    assert current("+905377778888", "MESAJ").iys_state == IysState.PENDING
    refused = Contact.objects.get(phone="+905399998877")
    assert refused.sms_permission == Permission.OPT_OUT
    # A first RET and a date past the 3-business-day limit: recorded here, not sent.
    assert current("+905399998877", "MESAJ").iys_state == IysState.LOCAL
    assert upload.counts["queued_for_iys"] == 1


def test_case4_external_id_is_the_key():
    existing = Contact.objects.create(external_id="CRM-1001", email="eski@example.com")

    upload = run_upload("case4_external_id.csv")

    existing.refresh_from_db()
    assert Contact.objects.count() == 1
    assert (existing.email, existing.phone) == ("ali@example.com", "+905301234567")
    assert upload.counts["updated"] == 1
    event = ConsentEvent.objects.filter(contact=existing, field="updated").get()
    assert event.before == {"email": "eski@example.com", "phone": None}
    assert (event.origin, event.row_number) == (Origin.UPLOAD, 2)


def test_case5_profile_attributes_with_type_checks():
    upload = run_upload("case5_profile_attributes.csv")

    contact = Contact.objects.get(email="elif@example.com")
    assert contact.attributes == {"first_name": "Elif", "city": "İzmir", "vip": True}
    assert contact.email_permission == Permission.OPT_IN
    cell = UploadRowError.objects.get(upload=upload, kind=UploadRowError.Kind.CELL)
    assert (cell.row_number, cell.column, cell.value) == (2, "loyalty_points", "lots")
    assert "not a number" in cell.text
    assert upload.counts["rejected"] == 0
    assert upload.ignored_columns == [{
        "column": "surname",
        "reason": "No profile attribute “surname”: create it under Developers › Profile "
                  "Attributes."}]


def test_case5_ext_id_column_with_profile_attributes():
    upload = run_upload("case5_external_id_and_profile_attributes.csv")

    contact = Contact.objects.get(external_id="CRM-5001")
    assert contact.email == "can@example.com"
    assert contact.attributes == {"first_name": "Can", "birth_date": "1990-02-14"}
    assert upload.mapping[0] == "external_id"


def test_case6_missing_or_wrong_iys_fields_keep_the_contact_opt_out():
    upload = run_upload("case6_invalid_iys_fields.csv")

    assert Contact.objects.count() == 4
    for contact in Contact.objects.all():
        assert contact.email_permission == contact.sms_permission == Permission.OPT_OUT
    assert not Consent.objects.exists()
    assert upload.counts["optout"] == 4
    assert upload.counts["queued_for_iys"] == 0
    listed = {(e.row_number, e.column) for e in upload.row_errors.all()}
    assert listed == {(2, "IYSSource"), (3, "IYSSource"), (4, "IYSStatus"),
                      (5, "IYSConsentDate")}
    assert all("Kept as opt-out" in e.text for e in upload.row_errors.all())
    assert "“Mobile” is not an İYS source" in upload.row_errors.get(row_number=3).text
