"""Exports past EXPORT_ASYNC_ROWS are written by the worker and end in a private download."""

import csv
import io
import time
from datetime import timedelta

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from accounts.roles import ADMIN, MARKETER, STAFF
from accounts.services import user_with_role
from consents.export_jobs import export_job_run, export_path
from consents.models import Contact, ExportJob
from tests.consents.factories import ContactFactory, ProfileAttributeFactory
from tests.panel.test_exports import export

CONTACTS = "/admin/consents/contact/"


def _client(username: str, role: str) -> Client:
    client = Client()
    client.force_login(user_with_role(username=username, role=role)[0])
    return client


def _contacts() -> None:
    ProfileAttributeFactory(name="city", label="Şehir")
    ContactFactory(email="ayse@example.com", attributes={"city": "İzmir"})
    ContactFactory(email="mehmet@example.com", attributes={"city": "=HYPERLINK(\"x\")"})
    ContactFactory(email="can@example.com", attributes={"city": "Van"})


def _wait_until_finished(job: ExportJob, seconds: float = 60) -> ExportJob:
    deadline = time.monotonic() + seconds
    while not ExportJob.objects.get(pk=job.pk).is_finished:
        assert time.monotonic() < deadline, "the worker did not finish the export"
        time.sleep(0.2)
    return ExportJob.objects.get(pk=job.pk)


@pytest.mark.worker
def test_a_large_export_is_written_by_the_worker_and_downloaded(celery_worker_process,
                                                                 settings):
    settings.EXPORT_ASYNC_ROWS = 2
    _contacts()
    staff = _client("personel", STAFF)

    response = export(staff, CONTACTS, 0, expect=302)
    job = ExportJob.objects.get()
    assert response["Location"] == f"/admin/consents/exportjob/{job.pk}/change/"
    assert (job.rows_total, job.file_format, job.resource) == (3, "csv", "contacts")
    page = staff.get(response["Location"]).content.decode()
    assert 'id="export-bar"' in page

    job = _wait_until_finished(job)
    assert job.state == "done" and job.rows_done == 3
    progress = staff.get(f"/admin/consents/exportjob/{job.pk}/progress/").json()
    assert progress["percent"] == 100 and progress["download_url"]
    download = staff.get(progress["download_url"])
    content = b"".join(download.streaming_content)
    assert content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert sorted(row["Şehir"] for row in rows) == ["'=HYPERLINK(\"x\")", "Van", "İzmir"]


@pytest.mark.django_db
def test_the_file_is_private_to_its_requester_and_admins(settings):
    settings.EXPORT_ASYNC_ROWS = 2
    _contacts()
    staff = _client("personel", STAFF)
    export(staff, CONTACTS, 1, expect=302)
    job = ExportJob.objects.get()
    export_job_run(job_id=job.pk)  # what the worker does
    urls = [f"/admin/consents/exportjob/{job.pk}/change/",
            f"/admin/consents/exportjob/{job.pk}/progress/",
            f"/admin/consents/exportjob/{job.pk}/download/"]

    other = _client("pazarlama", MARKETER)
    assert [other.get(url).status_code for url in urls] == [403, 403, 403]
    assert job.pk not in [j.pk for j in other.get("/admin/consents/exportjob/")
                          .context["cl"].result_list]
    admin = _client("yonetici", ADMIN)
    assert [admin.get(url).status_code for url in urls] == [200, 200, 200]

    sheet = openpyxl.load_workbook(
        io.BytesIO(b"".join(staff.get(urls[2]).streaming_content))).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert sheet.max_row == 4 and not [c for c in cells if c.data_type == "f"]
    assert "'=HYPERLINK(\"x\")" in {c.value for c in cells}


@pytest.mark.django_db
def test_a_filtered_list_exports_only_its_rows(settings):
    settings.EXPORT_ASYNC_ROWS = 1
    _contacts()
    staff = _client("personel", STAFF)
    form = staff.get(CONTACTS + "export/?q=%40example.com").context["form"]
    columns = {name: "on" for name in form.fields if name.startswith("contactresource_")}
    staff.post(CONTACTS + "export/?q=%40example.com", {"format": 0, "resource": 0, **columns})
    assert Contact.objects.count() == 3
    ContactFactory(email="zeynep@other.example")
    job = ExportJob.objects.get()
    export_job_run(job_id=job.pk)
    assert ExportJob.objects.get(pk=job.pk).rows_done == 3  # not the other domain's contact


@pytest.mark.django_db
def test_files_are_deleted_a_week_after_they_were_written(settings):
    settings.EXPORT_ASYNC_ROWS = 2
    _contacts()
    staff = _client("personel", STAFF)
    export(staff, CONTACTS, 0, expect=302)
    old = ExportJob.objects.get()
    export_job_run(job_id=old.pk)
    old.refresh_from_db()
    assert export_path(old).exists()
    ExportJob.objects.filter(pk=old.pk).update(
        finished_at=timezone.now() - timedelta(days=8))

    export(staff, CONTACTS, 0, expect=302)
    export_job_run(job_id=ExportJob.objects.exclude(pk=old.pk).get().pk)
    old.refresh_from_db()
    assert old.state == "expired" and not export_path(old).exists()
    assert staff.get(f"/admin/consents/exportjob/{old.pk}/download/").status_code == 404
