"""Files as marketers have them: encodings and delimiters detected, not asked."""

from datetime import datetime

import pytest
from django.core.exceptions import ValidationError

from consents.dates import parse_consent_date
from consents.models import Contact
from consents.rules import TURKEY
from tests.uploads.conftest import fixture_path, run_upload, run_upload_file
from uploads.matching import looks_like_header
from uploads.models import Upload
from uploads.parsing import FileUnreadable, file_preview, iter_records
from uploads.services import upload_create_from_path, upload_path

pytestmark = pytest.mark.usefixtures("attributes")


@pytest.mark.parametrize(("name", "encoding"), [
    ("encoding_utf8.csv", "utf-8"),
    ("encoding_utf8_bom.csv", "utf-8-sig"),
    ("encoding_utf16.txt", "utf-16"),
    ("encoding_windows1254.csv", "cp1254"),
])
def test_the_encoding_is_detected_and_turkish_letters_survive(name, encoding):
    upload = run_upload(name, mode=Upload.Mode.SUBSCRIBED)

    assert upload.encoding == encoding
    assert upload.headers == ["email", "first_name", "city"]  # no BOM left on "email"
    assert upload.samples[1] == ["Şükrü", "İlknur Işık"]
    assert Contact.objects.get(email="sukru@example.com").attributes == {
        "first_name": "Şükrü", "city": "İstanbul"}
    assert Contact.objects.get(email="ilknur@example.com").attributes["city"] == "Muğla"


@pytest.mark.parametrize(("name", "delimiter"), [
    ("delimiter_comma.csv", ","), ("delimiter_semicolon.csv", ";"),
    ("delimiter_tab.txt", "\t"), ("delimiter_pipe.txt", "|"),
])
def test_the_delimiter_is_detected(name, delimiter):
    preview = file_preview(fixture_path(name), looks_like_header=looks_like_header)

    assert preview.delimiter == delimiter
    assert preview.headers == ["email", "first_name", "city"]
    assert preview.samples[0] == ["sukru@example.com", "ilknur@example.com"]


def test_quoted_fields_keep_their_delimiters_and_quotes():
    preview = file_preview(fixture_path("quoted_fields.csv"), looks_like_header=looks_like_header)

    assert preview.delimiter == ";"
    assert preview.samples[1:] == [["Ayşe; Nur"], ['İstanbul "Avrupa"']]


def test_a_bare_list_has_no_header_and_numbered_columns():
    preview = file_preview(fixture_path("user_upload_bare_list.txt"),
                           looks_like_header=looks_like_header)

    assert not preview.has_header
    assert preview.headers == ["Column 1", "Column 2"]
    assert preview.samples[1] == ["CRM-2001", "CRM-2002", "CRM-2003"]


def test_records_are_streamed_one_at_a_time(tmp_path):
    path = tmp_path / "many.csv"
    path.write_text("email\n" + "".join(f"k{i}@example.com\n" for i in range(5000)))

    records = iter_records(path, encoding="utf-8", delimiter=",")

    assert next(records) == (1, ["email"])
    assert next(records) == (2, ["k0@example.com"])


def test_an_empty_file_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(FileUnreadable, match="The file is empty"):
        file_preview(path, looks_like_header=looks_like_header)


def test_a_file_that_is_not_a_csv_txt_or_xlsx_is_refused(tmp_path):
    path = tmp_path / "contacts.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ValidationError, match=r"Upload a CSV, TXT or Excel file \(\.csv, "):
        upload_create_from_path(path=path, mode=Upload.Mode.SUBSCRIBED)


def test_a_broken_xlsx_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "contacts.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(ValidationError, match="not an Excel workbook"):
        upload_create_from_path(path=path, mode=Upload.Mode.SUBSCRIBED)


def test_a_file_over_the_size_limit_is_refused(tmp_path, settings):
    settings.UPLOAD_MAX_BYTES = 10
    path = tmp_path / "big.csv"
    path.write_text("email\nbuyuk@example.com\n")
    with pytest.raises(ValidationError, match="larger than the limit"):
        upload_create_from_path(path=path, mode=Upload.Mode.SUBSCRIBED)


def test_the_file_is_stored_outside_the_public_space(settings):
    upload = upload_create_from_path(path=fixture_path("subscribed.csv"),
                                     mode=Upload.Mode.SUBSCRIBED)

    stored = upload_path(upload)
    assert stored.is_file() and stored.is_relative_to(settings.PRIVATE_UPLOAD_ROOT)
    assert not stored.is_relative_to(settings.STATIC_ROOT)


def test_windows_1254_rows_after_a_plain_ascii_head_are_still_read(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"email,city\n" + b"a@example.com,Ankara\n" * 3
                     + "b@example.com,Muğla\n".encode("cp1254"))

    rows = [cells for _n, cells in iter_records(path, encoding="utf-8", delimiter=",")]

    assert rows[-1] == ["b@example.com", "Muğla"]


@pytest.mark.parametrize("written", ["02.12.2024 09:00", "02/12/2024 09:00",
                                     "02/12/2024 09:00:00", "2024-12-02 09:00"])
def test_excel_style_dates_without_seconds_are_turkey_time(written):
    assert parse_consent_date(written) == datetime(2024, 12, 2, 9, 0, tzinfo=TURKEY)


def test_a_utf8_file_with_windows_1254_lines_is_read_right_and_the_lines_named(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"email;city\n" + "a@example.com;İzmir\n".encode()
                     + "b@example.com;Muğla\n".encode("cp1254")
                     + "c@example.com;Çanakkale\n".encode()
                     + "d@example.com;Şırnak\n".encode("cp1254"))

    upload = run_upload_file(path, mode=Upload.Mode.SUBSCRIBED)

    assert upload.encoding == "utf-8"
    assert len(upload.notices) == 1 and "Lines 3, 5 are not UTF-8" in upload.notices[0]
    assert dict(Contact.objects.values_list("email", "attributes__city")) == {
        "a@example.com": "İzmir", "b@example.com": "Muğla", "c@example.com": "Çanakkale",
        "d@example.com": "Şırnak"}


def test_a_multiline_address_is_not_taken_for_an_unterminated_quote(tmp_path):
    path = tmp_path / "address.csv"
    path.write_text('email,city,address\na@example.com,İstanbul,"Moda Cd. 5\nKadıköy, 34710"\n'
                    'b@example.com,Ankara,\n')

    upload = run_upload_file(path, mode=Upload.Mode.SUBSCRIBED)

    assert upload.rows_total == 2 and upload.counts["created"] == 2
