"""`manage.py import_contacts`: the same pipeline for operators and scripts."""

import json

import pytest
from django.core.management import call_command

from consents.models import Contact
from tests.uploads.conftest import fixture_path

pytestmark = pytest.mark.usefixtures("frozen_now", "attributes", "integrator")


def run(capsys, *args: str) -> tuple[int, str, str]:
    try:
        call_command("import_contacts", *args)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def test_json_output_has_the_summary_and_every_row_error(capsys):
    code, out, _err = run(capsys, str(fixture_path("case6_invalid_iys_fields.csv")),
                          "--status", "iys", "--json")

    assert code == 0
    result = json.loads(out)
    assert {"rows", "created", "updated", "optout", "rejected", "ignored_columns",
            "queued_for_iys", "errors"} <= set(result)
    assert (result["rows"], result["created"], result["optout"]) == (4, 4, 4)
    assert {
        k: result["errors"][1][k] for k in ("row", "column")} == {"row": 3, "column": "IYSSource"}
    assert "Mobile" in result["errors"][1]["message"]


def test_map_names_the_columns_of_a_bare_list(capsys):
    code, out, _err = run(capsys, str(fixture_path("user_upload_bare_list.txt")),
                          "--status", "subscribed", "--map", "Column 2=external_id",
                          "--map", "Column 1=token", "--json")

    assert code == 0
    assert json.loads(out)["created"] == 3
    assert Contact.objects.get(external_id="CRM-2002").attributes["token"].startswith("d0a1")


def test_unknown_columns_are_reported_as_ignored(capsys):
    _code, out, _err = run(capsys, str(fixture_path("unknown_columns.csv")),
                           "--status", "unsubscribed", "--json")

    assert [c["column"] for c in json.loads(out)["ignored_columns"]] == ["surname", "address"]


def test_a_blocked_upload_exits_2_with_the_reason_on_stderr(capsys):
    code, _out, err = run(capsys, str(fixture_path("blocked_missing_iys_columns.csv")),
                          "--status", "iys", "--json")

    assert code == 2
    assert "missing: IYSSource, IYSConsentDate" in err
    assert not Contact.objects.exists()


def test_a_map_to_an_unknown_attribute_exits_2(capsys):
    code, _out, err = run(capsys, str(fixture_path("unknown_columns.csv")), "--status",
                          "subscribed", "--map", "surname=soyad")

    assert code == 2 and "“soyad” is not a profile attribute" in err


def test_plain_output_lists_the_summary_buckets(capsys):
    code, out, _err = run(capsys, str(fixture_path("case1_email_and_phone.csv")),
                          "--status", "iys")

    assert code == 0
    lines = out.splitlines()
    assert lines[:3] == ["Rows read: 1", "  Contacts created: 1", "  Contacts updated: 0"]
    assert "Consents in the rows applied: 2" in lines
    assert "  Recorded and queued for İYS: 2" in lines


def test_errors_csv_writes_the_file_the_wizard_offers(capsys, tmp_path, marketer_client,
                                                      monkeypatch):
    from django.urls import reverse

    monkeypatch.setenv("LANGUAGE", "tr")
    target = tmp_path / "hatalar.csv"
    code, out, _err = run(capsys, str(fixture_path("case6_invalid_iys_fields.csv")),
                          "--status", "iys", "--json", "--errors-csv", str(target))
    upload_id = json.loads(out)["upload_id"]

    download = marketer_client.get(reverse("admin:uploads_upload_errors", args=[upload_id]),
                                   HTTP_ACCEPT_LANGUAGE="tr")

    assert code == 0
    written = target.read_bytes()
    assert written == b"".join(download.streaming_content)
    lines = written.decode("utf-8-sig").splitlines()
    assert lines[0].endswith(",hata") and len(lines) == 5
    assert "bir İYS kaynağı değil" in lines[2]
