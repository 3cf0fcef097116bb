"""IYSType and IYSRecipientType columns: call consents and TACIR records come by file; without
them an e-mail gives EPOSTA, a phone MESAJ, for BIREYSEL recipients."""

import pytest

from consents.choices import Permission
from consents.models import Consent, Contact
from tests.uploads.conftest import run_upload_file
from uploads.matching import columns_auto_match
from uploads.models import Upload, UploadRowError
from uploads.services import upload_create_from_path

pytestmark = pytest.mark.usefixtures("frozen_now", "attributes", "integrator")
HEADER = "email,phonenumber,IYSType,IYSRecipientType,IYSSource,IYSStatus,IYSConsentDate\n"


def upload_text(tmp_path, text: str) -> Upload:
    path = tmp_path / "iys.csv"
    path.write_text(text, encoding="utf-8")
    return run_upload_file(path)


def test_the_columns_are_matched_by_their_names():
    assert [m.target for m in columns_auto_match(["IYSType", "IYSRECIPIENTTYPE"])] == [
        "iys_type", "iys_recipient_type"]
    assert [m.target for m in columns_auto_match(["İzin Tipi", "İYS ALICI TİPİ"])] == [
        "iys_type", "iys_recipient_type"]


def test_an_arama_row_records_a_call_consent_only(tmp_path):
    upload = upload_text(tmp_path, HEADER + "a@example.com,+905321234567,ARAMA,,HS_WEB,ONAY,"
                                            "07.08.25 10:25:00\n")

    assert list(Consent.objects.values_list("type", "recipient", "recipient_type")) == [
        ("ARAMA", "+905321234567", "BIREYSEL")]
    contact = Contact.objects.get()
    assert contact.call_permission == Permission.OPT_IN
    assert contact.sms_permission == Permission.OPT_OUT
    assert upload.counts["consents"] == 1


def test_a_tacir_row_records_tacir_consents(tmp_path):
    upload_text(tmp_path, HEADER + "b@example.com,+905321234568,EPOSTA,tacir,HS_WEB,ONAY,"
                                   "07.08.25 10:25:00\n"
                                   "c@example.com,+905321234569,,TACIR,HS_WEB,RET,"
                                   "07.08.25 10:25:00\n")

    assert sorted(Consent.objects.values_list("recipient", "type", "recipient_type", "status")
                  ) == [("+905321234569", "MESAJ", "TACIR", "RET"),
                        ("b@example.com", "EPOSTA", "TACIR", "ONAY"),
                        ("c@example.com", "EPOSTA", "TACIR", "RET")]


def test_without_the_columns_today_s_behaviour_stays(tmp_path):
    upload_text(tmp_path, "email,phonenumber,IYSSource,IYSStatus,IYSConsentDate\n"
                          "d@example.com,+905321234570,HS_WEB,ONAY,07.08.25 10:25:00\n")

    assert sorted(Consent.objects.values_list("type", "recipient_type")) == [
        ("EPOSTA", "BIREYSEL"), ("MESAJ", "BIREYSEL")]


def test_unknown_values_keep_the_row_as_opt_out_with_the_reason(tmp_path):
    upload = upload_text(tmp_path, HEADER + "e@example.com,,FAKS,KURUM,HS_WEB,ONAY,"
                                            "07.08.25 10:25:00\n")

    assert not Consent.objects.exists()
    messages = sorted((e.column, e.text) for e in upload.row_errors.all())
    assert messages[0][0] == "IYSRecipientType" and "BIREYSEL or TACIR" in messages[0][1]
    assert messages[1][0] == "IYSType" and "MESAJ, EPOSTA or ARAMA" in messages[1][1]
    assert upload.counts["optout"] == 1


def test_a_type_whose_recipient_is_missing_is_reported(tmp_path):
    upload = upload_text(tmp_path, HEADER + "f@example.com,,MESAJ,,HS_WEB,ONAY,"
                                            "07.08.25 10:25:00\n")

    assert not Consent.objects.exists()
    error = upload.row_errors.get()
    assert error.kind == UploadRowError.Kind.NOT_RECORDED
    assert "MESAJ needs a phone number" in error.text


def test_in_subscribed_mode_the_columns_are_listed_as_not_used(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("email,IYSType\ng@example.com,ARAMA\n")
    upload = upload_create_from_path(path=path, mode=Upload.Mode.SUBSCRIBED)

    assert upload.ignored_columns[0]["column"] == "IYSType"


def test_a_tacir_row_without_source_and_date_is_carried_to_the_rules(tmp_path):
    upload = upload_text(tmp_path, HEADER + "h@example.com,,EPOSTA,TACIR,,ONAY,\n"
                                            "i@example.com,,EPOSTA,,,ONAY,\n")

    consent = Consent.objects.get()
    assert (consent.recipient, consent.recipient_type, consent.source, consent.consent_date) == (
        "h@example.com", "TACIR", "", None)
    assert {e.column for e in upload.row_errors.all()} == {"IYSSource", "IYSConsentDate"}
    assert {e.row_number for e in upload.row_errors.all()} == {3}  # the BIREYSEL row
