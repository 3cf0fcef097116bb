"""Excel workbooks: read in streaming mode, one sheet chosen, typed cells as the text the
pipeline understands (a phone stored as a number stays whole, a date cell is Turkey time)."""

import json
from datetime import datetime

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from consents.models import Consent, Contact
from consents.rules import TURKEY
from uploads.models import Upload
from uploads.parsing import xlsx_text
from uploads.services import upload_create_from_path, upload_matching_save, upload_run

pytestmark = pytest.mark.usefixtures("frozen_now", "attributes", "integrator")


def workbook(path, sheets: dict[str, list[list]]):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def excel_export(tmp_path):
    return workbook(tmp_path / "kampanya.xlsx", {
        "Notlar": [["Bu sayfada kişi yok"]],
        "Kişiler": [
            ["E-Posta", "GSM", "IYSSource", "IYSStatus", "IYSConsentDate", "Puan", "İsim"],
            ["ayse@example.com", 905321234567, "HS_WEB", "ONAY", datetime(2025, 8, 7, 10, 25),
             1500.0, "Ayşe"],
            ["mert@example.com", "+905321234568", "HS_WEB", "RET", "07.08.2025 10:25", 3,
             "Mert"],
        ],
    })


def test_typed_cells_become_the_text_a_csv_would_hold():
    assert xlsx_text(905321234567) == "905321234567"
    assert xlsx_text(9.05321234567e11) == "905321234567"
    assert xlsx_text(12.5) == "12.5"
    assert xlsx_text(datetime(2025, 8, 7, 10, 25)) == "07.08.2025 10:25:00"
    assert xlsx_text(None) == "" and xlsx_text(True) == "TRUE"


def test_the_chosen_sheet_is_read_and_its_cells_understood(excel_export):
    upload = upload_create_from_path(path=excel_export, mode=Upload.Mode.IYS, sheet="Kişiler",
                                     default_country="TR")
    assert (upload.encoding, upload.sheet, upload.sheets) == ("xlsx", "Kişiler",
                                                              ["Notlar", "Kişiler"])
    assert upload.rows_total == 2  # from the sheet's dimension, before any row is read
    assert upload.mapping == ["email", "phone", "iys_source", "iys_status",
                              "iys_consent_date", "attribute:loyalty_points",
                              "attribute:first_name"]
    upload = upload_run(upload_id=upload_matching_save(upload=upload,
                                                       mapping=upload.mapping).pk)

    assert upload.state == Upload.State.DONE and upload.rows_total == 2
    assert not upload.row_errors.exists()
    ayse = Contact.objects.get(email="ayse@example.com")
    assert ayse.phone == "+905321234567"
    assert ayse.attributes == {"first_name": "Ayşe", "loyalty_points": 1500}
    consent = Consent.objects.get(recipient="ayse@example.com")
    assert consent.consent_date == datetime(2025, 8, 7, 10, 25, tzinfo=TURKEY)
    assert Consent.objects.get(recipient="mert@example.com").status == "RET"


def test_the_first_sheet_is_read_when_none_is_chosen(excel_export):
    upload = upload_create_from_path(path=excel_export, mode=Upload.Mode.IYS)

    assert upload.sheet == "Notlar" and upload.headers == ["Bu sayfada kişi yok"]


def test_an_unknown_sheet_is_refused_naming_the_sheets(excel_export, capsys):
    with pytest.raises(SystemExit) as exit_:
        call_command("import_contacts", str(excel_export), "--status", "iys", "--sheet", "Yok")

    assert exit_.value.code == 2
    assert "no sheet “Yok”; its sheets: Notlar, Kişiler" in capsys.readouterr().err


def test_import_contacts_reads_a_sheet_by_name(excel_export, capsys):
    call_command("import_contacts", str(excel_export), "--status", "iys", "--sheet", "Kişiler",
                 "--default-country", "TR", "--json")

    result = json.loads(capsys.readouterr().out)
    assert (result["rows"], result["created"], result["errors"]) == (2, 2, [])


def test_the_wizard_accepts_xlsx_and_offers_the_sheets(marketer_client, excel_export):
    with open(excel_export, "rb") as file:
        response = marketer_client.post(reverse("admin:uploads_upload_add"),
                                        {"name": "Excel", "file": file, "mode": "iys"})
    upload = Upload.objects.get()
    matching_url = reverse("admin:uploads_upload_matching", args=[upload.pk])
    assert response["Location"] == matching_url
    page = marketer_client.get(matching_url).content.decode()
    assert 'id="sheet-form"' in page and "Kişiler" in page

    response = marketer_client.post(reverse("admin:uploads_upload_sheet", args=[upload.pk]),
                                    {"sheet": "Kişiler"})
    upload.refresh_from_db()
    assert response["Location"] == matching_url
    assert upload.sheet == "Kişiler" and upload.headers[0] == "E-Posta"
    assert upload.mapping[:2] == ["email", "phone"]


def test_a_sheet_wider_than_1000_columns_is_refused_without_reading_it_all(tmp_path):
    path = workbook(tmp_path / "wide.xlsx", {"Geniş": [["email", *[""] * 1500, "son"],
                                                       ["a@example.com"]]})

    with pytest.raises(ValidationError, match="at most 1,000 can be read"):
        upload_create_from_path(path=path, mode=Upload.Mode.SUBSCRIBED)
    assert not Upload.objects.exists()


def test_empty_rows_between_contacts_are_skipped(tmp_path):
    path = workbook(tmp_path / "gaps.xlsx", {"Kişiler": [["email"], ["a@example.com"], [],
                                                         [None, None], ["b@example.com"]]})

    upload = upload_create_from_path(path=path, mode=Upload.Mode.SUBSCRIBED)
    upload = upload_run(upload_id=upload_matching_save(upload=upload, mapping=upload.mapping).pk)

    assert upload.counts["rows"] == 2 and upload.counts["created"] == 2
