"""What an upload does to consents already waiting, and to an existing contact's consents when
its row is bad: the consent state machine on the upload path."""

import pytest

from consents.choices import IysState, Origin, Permission
from consents.models import Consent, Contact
from consents.services import ChangeOrigin, consent_apply
from tests.uploads.conftest import NOW
from uploads.models import Upload, UploadRowError
from uploads.services import upload_create_from_path, upload_matching_save, upload_run

pytestmark = pytest.mark.usefixtures("frozen_now", "attributes", "integrator")
HEADER = "email,phonenumber,IYSSource,IYSStatus,IYSConsentDate\n"


def upload_text(tmp_path, text: str) -> Upload:
    path = tmp_path / "file.csv"
    path.write_text(HEADER + text, encoding="utf-8")
    upload = upload_create_from_path(path=path, mode=Upload.Mode.IYS)
    upload = upload_matching_save(upload=upload, mapping=list(upload.mapping))
    return upload_run(upload_id=upload.pk)


def test_a_ret_row_supersedes_a_waiting_onay_and_waits_for_iys_to_be_asked(tmp_path):
    contact = Contact.objects.create(phone="+905321112233")
    onay = consent_apply(contact=contact, type="MESAJ", status="ONAY", source="HS_WEB",
                         consent_date=NOW.replace(hour=8), origin=ChangeOrigin(kind=Origin.API))
    assert onay.iys_state == IysState.PENDING

    upload = upload_text(tmp_path, ",+905321112233,HS_WEB,RET,08.08.25 09:00:00\n")

    onay.refresh_from_db()
    assert onay.iys_state == IysState.SUPERSEDED and not onay.is_current
    ret = Consent.objects.get(is_current=True)
    assert (ret.status, ret.iys_state) == ("RET", IysState.CHECK)
    assert upload.counts["superseded"] == 1 and upload.counts["check_for_iys"] == 1
    assert upload.counts["queued_for_iys"] == 0


def test_a_bad_iys_field_leaves_an_existing_contacts_consent_and_permission(tmp_path):
    contact = Contact.objects.create(email="ayse@example.com")
    consent_apply(contact=contact, type="EPOSTA", status="ONAY", source="HS_WEB",
                  consent_date=NOW.replace(hour=8), origin=ChangeOrigin(kind=Origin.API))

    upload = upload_text(tmp_path, "ayse@example.com,,HS_2015,ONAY,08.08.25 09:00:00\n")

    contact.refresh_from_db()
    assert contact.email_permission == Permission.OPT_IN  # not taken away
    assert Consent.objects.get(is_current=True).source == "HS_WEB"
    [error] = UploadRowError.objects.filter(upload=upload)
    assert error.kind == UploadRowError.Kind.NOT_RECORDED
    assert upload.counts["not_recorded"] == 1 and upload.counts["optout"] == 0

    # A later valid ONAY row is recorded as usual (the permission was never lost).
    upload_text(tmp_path, "ayse@example.com,,HS_WEB,ONAY,08.08.25 09:30:00\n")
    assert Consent.objects.get(is_current=True).consent_date > NOW.replace(hour=8)
