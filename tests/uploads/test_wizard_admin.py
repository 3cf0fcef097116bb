"""Targeting › Contact Upload driven step by step as a marketer, and who may do what."""

import csv
import io

import pytest
from django.urls import reverse

from consents.models import Contact
from tests.uploads.conftest import fixture_path
from uploads.models import Upload
from uploads.services import upload_create_from_path

pytestmark = pytest.mark.usefixtures("frozen_now", "attributes", "integrator")
ADD = reverse("admin:uploads_upload_add")


def post_file(client, name: str, mode: str = "iys"):
    with open(fixture_path(name), "rb") as file:
        return client.post(ADD, {"name": "Kampanya", "file": file, "mode": mode})


def test_a_marketer_uploads_matches_and_reads_the_summary(marketer_client, no_worker,
                                                         django_capture_on_commit_callbacks):
    response = post_file(marketer_client, "case5_profile_attributes.csv")
    upload = Upload.objects.get()
    matching_url = reverse("admin:uploads_upload_matching", args=[upload.pk])
    assert response.status_code == 302 and response["Location"] == matching_url

    page = marketer_client.get(matching_url).content.decode()
    assert "surname" in page and "Not matched: will not be imported" in page
    assert "9</strong> of 10 columns will be imported" in " ".join(page.split())

    form = {f"column_{i}": target for i, target in enumerate(upload.mapping)}
    form["column_9"] = "attribute:last_name"  # the red column, fixed through ✏️
    with django_capture_on_commit_callbacks(execute=True):
        response = marketer_client.post(matching_url, form)
    assert response.status_code == 302

    upload.refresh_from_db()
    assert upload.state == Upload.State.DONE
    assert Contact.objects.get().attributes["last_name"] == "Kaya"
    summary = " ".join(marketer_client.get(response["Location"]).content.decode().split())
    assert 'Contacts created</th><td class="count" data-bucket="created">1<' in summary
    assert "loyalty_points" in summary and "is not a number" in summary


def test_a_matching_without_the_iys_columns_blocks_with_the_reason(marketer_client):
    post_file(marketer_client, "blocked_missing_iys_columns.csv")
    upload = Upload.objects.get()

    response = marketer_client.post(reverse("admin:uploads_upload_matching", args=[upload.pk]),
                                    {"column_0": "email", "column_1": "iys_status"}, follow=True)

    upload.refresh_from_db()
    assert upload.state == Upload.State.BLOCKED
    assert "missing: IYSSource, IYSConsentDate" in response.content.decode()
    assert not Contact.objects.exists()


def test_a_matching_with_a_column_twice_is_shown_again_with_the_problem(marketer_client):
    post_file(marketer_client, "unknown_columns.csv", mode="subscribed")
    upload = Upload.objects.get()

    response = marketer_client.post(
        reverse("admin:uploads_upload_matching", args=[upload.pk]),
        {"column_0": "email", "column_1": "attribute:city", "column_3": "attribute:city"})

    assert response.status_code == 200
    assert "surname, city are all matched to city" in response.content.decode()
    upload.refresh_from_db()
    assert upload.state == Upload.State.DRAFT


def test_a_bad_file_is_refused_on_the_form_not_with_a_500(marketer_client, tmp_path):
    path = tmp_path / "contacts.pdf"
    path.write_bytes(b"%PDF-1.4")
    with open(path, "rb") as file:
        response = marketer_client.post(ADD, {"name": "x", "file": file, "mode": "iys"})

    assert response.status_code == 200
    assert "Upload a CSV, TXT or Excel file" in response.content.decode()


def test_staff_reads_results_but_cannot_upload(staff_client):
    upload = upload_create_from_path(path=fixture_path("case1_email_and_phone.csv"),
                                     mode=Upload.Mode.IYS)

    assert staff_client.get(ADD).status_code == 403
    assert post_file(staff_client, "case1_email_and_phone.csv").status_code == 403
    matching_url = reverse("admin:uploads_upload_matching", args=[upload.pk])
    assert staff_client.get(matching_url).status_code == 403
    assert staff_client.post(matching_url, {"column_0": "email"}).status_code == 403
    assert Upload.objects.count() == 1
    assert staff_client.get(reverse("admin:uploads_upload_changelist")).status_code == 200
    assert staff_client.get(reverse("admin:uploads_upload_change",
                                    args=[upload.pk])).status_code == 200
    assert staff_client.get(reverse("admin:uploads_upload_progress",
                                    args=[upload.pk])).json()["state"] == "draft"


def test_admin_may_upload(admin_role_client):
    assert admin_role_client.get(ADD).status_code == 200
    assert post_file(admin_role_client, "case1_email_and_phone.csv").status_code == 302


def test_the_list_of_file_transfers_shows_each_upload_with_its_state(marketer_client):
    post_file(marketer_client, "case1_email_and_phone.csv")

    page = marketer_client.get(reverse("admin:uploads_upload_changelist")).content.decode()

    assert "File transfers" in page and "Kampanya" in page and "Matching columns" in page


def test_the_error_rows_download_is_formula_safe(marketer_client, no_worker,
                                                 django_capture_on_commit_callbacks):
    post_file(marketer_client, "formula_injection.csv", mode="subscribed")
    upload = Upload.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        marketer_client.post(reverse("admin:uploads_upload_matching", args=[upload.pk]),
                             {"column_0": "email", "column_1": "phone",
                              "column_2": "attribute:city"})

    response = marketer_client.get(reverse("admin:uploads_upload_errors", args=[upload.pk]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text)))
    assert header == ["email", "phonenumber", "city", "error"]
    assert row[0] == "'=HYPERLINK(\"http://evil.example/x\")"
    assert row[1] == "'+905351112233" and row[2] == "'@SUM(1+1)"
    assert "not a valid e-mail address" in row[3]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)
