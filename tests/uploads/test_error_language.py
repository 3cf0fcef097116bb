"""Row errors are stored as codes and worded in the reader's language, naming their channel,
once per row: in the panel, in the error file and on the command line."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from tests.uploads.conftest import fixture_path, run_upload
from uploads.models import Upload, UploadRowError
from uploads.services import upload_errors_csv

pytestmark = pytest.mark.usefixtures("frozen_now", "attributes", "integrator")

SOURCE_EN = "“Mobile” is not an İYS source; use one of the 13 HS_ values."
SOURCE_TR = "“Mobile” bir İYS kaynağı değil; 13 HS_ değerinden birini kullanın."


@pytest.fixture
def upload_in_turkish():
    """case6 run by a worker speaking Turkish (the default language of the panel)."""
    with translation.override("tr"):
        return run_upload("case6_invalid_iys_fields.csv")


def error_file(upload: Upload, language: str) -> list[list[str]]:
    with translation.override(language):
        text = "".join(upload_errors_csv(upload))
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_errors_are_stored_as_codes_not_words(upload_in_turkish):
    error = upload_in_turkish.row_errors.get(row_number=3)

    assert (error.code, error.params, error.message) == ("source", {"source": "Mobile"}, "")
    assert error.channels == "email,sms"


def test_the_panel_words_errors_in_the_viewers_language(upload_in_turkish, marketer_client):
    url = reverse("admin:uploads_upload_change", args=[upload_in_turkish.pk])

    english = marketer_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    turkish = marketer_client.get(url, HTTP_ACCEPT_LANGUAGE="tr").content.decode()

    assert f"E-mail, SMS: {SOURCE_EN} Kept as opt-out; nothing sent to İYS." in english
    assert SOURCE_TR in turkish and SOURCE_EN not in turkish
    assert "Kept as opt-out" not in turkish


def test_the_error_file_speaks_the_language_of_the_request(upload_in_turkish, marketer_client):
    url = reverse("admin:uploads_upload_errors", args=[upload_in_turkish.pk])

    english = b"".join(marketer_client.get(url, HTTP_ACCEPT_LANGUAGE="en").streaming_content)
    turkish = b"".join(marketer_client.get(url, HTTP_ACCEPT_LANGUAGE="tr").streaming_content)

    english_rows = list(csv.reader(io.StringIO(english.decode().lstrip("\ufeff"))))
    turkish_rows = list(csv.reader(io.StringIO(turkish.decode().lstrip("\ufeff"))))
    assert english_rows[0][-1] == "error" and turkish_rows[0][-1] == "hata"
    assert SOURCE_EN in english_rows[2][-1] and SOURCE_TR in turkish_rows[2][-1]


def test_a_problem_of_both_channels_is_listed_once_naming_both(tmp_path):
    # A future date breaks the rule for the e-mail and the SMS consent alike.
    path = tmp_path / "future.csv"
    path.write_text("email,phonenumber,IYSSource,IYSStatus,IYSConsentDate\n"
                    "gelecek@example.com,+905341000009,HS_WEB,ONAY,09.08.25 10:25:00\n")
    from uploads.services import upload_create_from_path, upload_matching_save, upload_run

    upload = upload_create_from_path(path=path, mode=Upload.Mode.IYS)
    upload = upload_run(upload_id=upload_matching_save(upload=upload, mapping=upload.mapping).pk)

    errors = list(upload.row_errors.all())
    assert [(e.code, e.channels) for e in errors] == [("future_date", "email,sms")]
    cell = error_file(upload, "en")[1][-1]
    assert cell == ("IYSConsentDate: E-mail, SMS: The consent date cannot be in the future. "
                    "Kept as opt-out; nothing sent to İYS.")


def test_an_error_stored_before_codes_shows_its_stored_words(upload_in_turkish):
    UploadRowError.objects.create(upload=upload_in_turkish, row_number=2, column="email",
                                  message="Eski biçimde saklanmış hata.")

    rows = error_file(upload_in_turkish, "en")

    assert "email: Eski biçimde saklanmış hata." in rows[1][-1]


def test_the_command_line_speaks_the_language_of_LANGUAGE(capsys, monkeypatch):
    monkeypatch.setenv("LANGUAGE", "tr_TR:en")
    call_command("import_contacts", str(fixture_path("case6_invalid_iys_fields.csv")),
                 "--status", "iys", "--json")
    turkish = json.loads(capsys.readouterr().out)

    monkeypatch.setenv("LANGUAGE", "en")
    call_command("import_contacts", str(fixture_path("case6_invalid_iys_fields.csv")),
                 "--status", "iys", "--json")
    english = json.loads(capsys.readouterr().out)

    assert SOURCE_TR in turkish["errors"][1]["message"]
    assert english["errors"][1]["message"].startswith(f"E-mail, SMS: {SOURCE_EN}")
