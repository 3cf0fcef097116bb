"""The error file goes back in: download it, fix a cell, upload it again, and the row is
accepted. Its formula guard (a ' before + = - @) is read back, never taken as data."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from consents.models import Contact
from uploads.models import Upload
from uploads.parsing import unguard
from uploads.services import upload_errors_csv

pytestmark = pytest.mark.usefixtures("frozen_now", "attributes", "integrator")
ADD = reverse("admin:uploads_upload_add")


def wizard_upload(client, name: str, data: bytes, django_capture_on_commit_callbacks) -> Upload:
    file = io.BytesIO(data)
    file.name = name
    response = client.post(ADD, {"name": name, "file": file, "mode": "iys"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    upload = Upload.objects.order_by("-id").first()
    form = {f"column_{i}": target for i, target in enumerate(upload.mapping)}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:uploads_upload_matching", args=[upload.pk]), form)
    upload.refresh_from_db()
    return upload


def test_only_our_own_guard_is_read_back():
    assert unguard(["'+905321000959", "'=1+1", "'-5", "'@x", "'\tx", "'abc", "'", "''+1"]) == [
        "+905321000959", "=1+1", "-5", "@x", "\tx", "'abc", "'", "''+1"]


def test_download_fix_one_cell_reupload_and_the_row_is_accepted(
        marketer_client, no_worker, django_capture_on_commit_callbacks):
    original = ("email,phonenumber,IYSSource,IYSStatus,IYSConsentDate\n"
                "iyi@example.com,+905321000958,HS_WEB,ONAY,07.08.25 10:25:00\n"
                "bozuk@@example.com,+905321000959,HS_WEB,ONAY,07.08.25 10:25:00\n")
    first = wizard_upload(marketer_client, "ilk.csv", original.encode(),
                          django_capture_on_commit_callbacks)
    assert first.counts["created"] == 2  # the phone carried the row; the e-mail cell is listed

    response = marketer_client.get(reverse("admin:uploads_upload_errors", args=[first.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content)
                                       .decode("utf-8-sig"))))
    assert rows[1][:2] == ["bozuk@@example.com", "'+905321000959"]
    rows[1][0] = "duzgun@example.com"  # the fix
    fixed = io.StringIO()
    csv.writer(fixed).writerows(rows)

    second = wizard_upload(marketer_client, "duzeltilmis.csv",
                           ("\ufeff" + fixed.getvalue()).encode(),
                           django_capture_on_commit_callbacks)

    assert second.guarded
    assert second.mapping[:5] == ["email", "phone", "iys_source", "iys_status",
                                  "iys_consent_date"]
    assert second.state == Upload.State.DONE and not second.row_errors.exists()
    assert second.counts["updated"] == 1 and second.counts["rejected"] == 0
    contact = Contact.objects.get(phone="+905321000959")
    assert contact.email == "duzgun@example.com"


def test_import_contacts_writes_the_same_error_file_and_takes_it_back(tmp_path, capsys):
    path = tmp_path / "ilk.csv"
    path.write_text("email,phonenumber,IYSSource,IYSStatus,IYSConsentDate\n"
                    "bozuk@@example.com,+905321000959,HS_WEB,ONAY,07.08.25 10:25:00\n")
    errors = tmp_path / "hatalar.csv"
    call_command("import_contacts", str(path), "--status", "iys", "--errors-csv", str(errors))

    upload = Upload.objects.get()
    assert errors.read_bytes() == "".join(upload_errors_csv(upload)).encode()
    rows = list(csv.reader(io.StringIO(errors.read_text(encoding="utf-8-sig"))))
    rows[1][0] = "duzgun@example.com"
    with open(errors, "w", newline="", encoding="utf-8-sig") as out:
        csv.writer(out).writerows(rows)

    call_command("import_contacts", str(errors), "--status", "iys", "--json")

    assert json.loads(capsys.readouterr().out.splitlines()[-1])["errors"] == []
    assert Contact.objects.get(phone="+905321000959").email == "duzgun@example.com"
