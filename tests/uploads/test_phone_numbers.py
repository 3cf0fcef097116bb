"""Turkish phone exports: refused by default (the seeds want the country code), read as +90
when the uploader says so; a bad phone cell never takes the row's e-mail consent with it."""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from consents.choices import Permission
from consents.models import Consent, Contact
from tests.uploads.conftest import run_upload, run_upload_file
from uploads.models import Upload, UploadRowError
from uploads.services import default_country_for

pytestmark = pytest.mark.usefixtures("frozen_now", "attributes", "integrator")
TURKISH_FORMS = ["0532 123 45 67", "905321234568", "(0535) 123 45 69", "5321234570",
                 "+90 532 123 45 71"]


@pytest.fixture
def turkish_export(tmp_path):
    path = tmp_path / "ihracat.csv"
    path.write_text("email;Cep;IYSSource;IYSStatus;IYSConsentDate\n" + "".join(
        f"k{i}@example.com;{phone};HS_WEB;ONAY;07.08.25 10:25:00\n"
        for i, phone in enumerate(TURKISH_FORMS)), encoding="utf-8")
    return path


def test_by_default_numbers_without_a_country_code_are_refused_but_the_email_goes_through(
        turkish_export):
    upload = run_upload_file(turkish_export)

    cells = UploadRowError.objects.filter(upload=upload, kind=UploadRowError.Kind.CELL)
    assert sorted(cells.values_list("value", flat=True)) == sorted(TURKISH_FORMS[:4])
    assert all("has no country code" in e.text and "the rest of the row was" in e.text
               for e in cells)
    assert upload.counts["rejected"] == 0 and upload.counts["created"] == 5
    # Every row's e-mail consent is recorded; only the last row had a usable phone.
    assert Consent.objects.filter(type="EPOSTA").count() == 5
    assert list(Consent.objects.filter(type="MESAJ").values_list("recipient", flat=True)) == [
        "+905321234571"]
    assert Contact.objects.get(email="k0@example.com").phone is None


def test_with_the_turkish_choice_every_local_form_becomes_plus_90(turkish_export):
    upload = run_upload_file(turkish_export, default_country="TR")

    assert not upload.row_errors.exists()
    assert sorted(Contact.objects.values_list("phone", flat=True)) == [
        "+905321234567", "+905321234568", "+905321234570", "+905321234571", "+905351234569"]
    assert Contact.objects.get(email="k0@example.com").sms_permission == Permission.OPT_IN


def test_a_number_with_a_country_code_that_is_invalid_is_not_told_it_lacks_one(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("email,phonenumber\na@example.com,+90 532 12\nb@example.com,'+9053x\n")
    upload = run_upload_file(path, mode=Upload.Mode.SUBSCRIBED)

    messages = [e.text for e in upload.row_errors.all()]
    assert len(messages) == 2
    assert all("is not a valid phone number" in m for m in messages)
    assert not any("country code" in m for m in messages)


def test_a_bad_phone_with_only_an_external_id_left_keeps_the_row_in_subscribed_mode(tmp_path):
    path = tmp_path / "ext.csv"
    path.write_text("external_id,phonenumber\nCRM-1,0532\n")
    upload = run_upload_file(path, mode=Upload.Mode.SUBSCRIBED)

    assert Contact.objects.get().external_id == "CRM-1"
    assert upload.row_errors.get().kind == UploadRowError.Kind.CELL


def test_the_seed_row_with_only_a_local_phone_is_still_rejected():
    upload = run_upload("phone_without_country_code.csv")

    assert upload.counts["rejected"] == 1


def test_the_choice_is_remembered_per_user_and_offered_on_the_status_step(
        marketer_client, turkish_export):
    add = reverse("admin:uploads_upload_add")
    page = marketer_client.get(add).content.decode()
    assert "Numbers without a country code are Turkish (+90)" in page
    assert 'name="turkish_numbers" id="id_turkish_numbers" checked' not in page

    with open(turkish_export, "rb") as file:
        marketer_client.post(add, {"name": "x", "file": file, "mode": "iys",
                                   "turkish_numbers": "on"})
    upload = Upload.objects.get()
    assert upload.default_country == "TR"
    assert default_country_for(upload.created_by) == "TR"
    assert 'id="id_turkish_numbers" checked' in marketer_client.get(add).content.decode()


def test_import_contacts_takes_default_country_tr(turkish_export, capsys):
    call_command("import_contacts", str(turkish_export), "--status", "iys",
                 "--default-country", "TR", "--json")

    result = json.loads(capsys.readouterr().out)
    assert result["created"] == 5 and result["errors"] == []
    assert Contact.objects.filter(phone="+905351234569").exists()
