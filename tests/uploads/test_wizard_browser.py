"""The Contact Upload wizard in a real Chromium, processed by a real Celery worker."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import MARKETER
from accounts.services import user_with_role
from consents.models import Contact
from consents.rules import TURKEY
from tests.conftest import panel_login, screenshot
from tests.uploads.conftest import fixture_path
from tests.uploads.factories import IysConnectorFactory, attributes_create
from uploads.models import Upload

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROWS = 3000


@pytest.fixture
def contact_file(tmp_path):
    path = tmp_path / "kampanya.csv"
    given = (timezone.now() - timedelta(hours=1)).astimezone(TURKEY).strftime("%d.%m.%y %H:%M:%S")
    lines = ["E-Posta;GSM;IYSSource;IYSStatus;IYSConsentDate;city;surname"]
    lines += [f"kisi{i}@example.com;+90532{i:07d};HS_WEB;ONAY;{given};İzmir;Kaya{i}"
              for i in range(ROWS)]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")
    return path


def test_a_marketer_uploads_fixes_a_red_column_and_reads_the_summary(
        page, celery_worker_process, contact_file):
    attributes_create()
    IysConnectorFactory(integrator_mode=True)
    _user, password = user_with_role(username="pazarlama", role=MARKETER)
    panel_login(page, "pazarlama", password)

    page.goto("/admin/")
    page.locator("#content-main").get_by_role("link", name="Contact Upload").click()
    page.get_by_role("link", name=re.compile("Add contact upload")).click()
    page.get_by_label("File name").fill("Ağustos kampanyası")
    page.get_by_label("File:", exact=True).set_input_files(str(contact_file))
    page.get_by_label(re.compile("IYS Synchronize")).check()
    screenshot(page, "upload-1-file-and-status")
    page.get_by_role("button", name="Upload and match columns").click()

    red = page.locator("tr.unmatched")
    expect(red).to_have_count(1)
    expect(red.locator("td.column")).to_have_text("surname")
    expect(page.locator("#import-count")).to_have_text("6")
    screenshot(page, "upload-2-matching-with-a-red-column")
    red.get_by_role("button", name="Edit the attribute of surname").click()
    page.locator("tr[data-column=surname] select").select_option("attribute:last_name")
    expect(page.locator("tr.unmatched")).to_have_count(0)
    expect(page.locator("#import-count")).to_have_text("7")
    screenshot(page, "upload-3-matching-fixed")
    page.get_by_role("button", name="Save").click()

    expect(page.locator("#progress-bar")).to_be_visible()
    expect(page.locator("#summary")).to_be_visible(timeout=90_000)
    expect(page.locator("#upload-state")).to_have_text("Done")
    expect(page.locator("#progress-text")).to_have_text(f"{ROWS:,} of {ROWS:,} rows")
    summary = page.locator("#summary")
    expect(summary.get_by_role("row", name=re.compile("Rows read"))).to_contain_text(f"{ROWS:,}")
    expect(summary.get_by_role("row", name=re.compile("Contacts created"))).to_contain_text(
        f"{ROWS:,}")
    expect(summary.get_by_role("row", name=re.compile("Recorded and queued for İYS"))
           ).to_contain_text(f"{2 * ROWS:,}")
    screenshot(page, "upload-4-summary")

    upload = Upload.objects.get()
    assert upload.state == Upload.State.DONE and upload.counts["created"] == ROWS
    contact = Contact.objects.get(email="kisi7@example.com")
    assert contact.phone == "+905320000007"
    assert contact.attributes == {"city": "İzmir", "last_name": "Kaya7"}

    page.goto("/admin/uploads/upload/")
    expect(page.get_by_role("link", name="Ağustos kampanyası")).to_be_visible()
    screenshot(page, "upload-5-file-transfers")


def _upload(page, path, mode: str) -> None:
    page.goto("/admin/uploads/upload/add/")
    page.get_by_label("File name").fill(path.stem)
    page.get_by_label("File:", exact=True).set_input_files(str(path))
    page.get_by_label(re.compile(mode)).check()
    page.get_by_role("button", name="Upload and match columns").click()


def test_a_file_without_the_iys_columns_is_blocked_with_the_missing_names(page):
    attributes_create()
    _user, password = user_with_role(username="pazarlama", role=MARKETER)
    panel_login(page, "pazarlama", password)

    _upload(page, fixture_path("blocked_missing_iys_columns.csv"), "IYS Synchronize")
    page.get_by_role("button", name="Save").click()

    expect(page.locator("#upload-state")).to_have_text("Blocked")
    expect(page.locator("#upload-message")).to_contain_text("missing: IYSSource, IYSConsentDate")
    screenshot(page, "upload-blocked")
    assert not Contact.objects.exists()


def test_row_errors_are_listed_filtered_and_downloadable(page, celery_worker_process):
    attributes_create()
    _user, password = user_with_role(username="pazarlama", role=MARKETER)
    panel_login(page, "pazarlama", password)

    _upload(page, fixture_path("case6_invalid_iys_fields.csv"), "IYS Synchronize")
    page.get_by_role("button", name="Save").click()

    expect(page.locator("#summary")).to_be_visible(timeout=60_000)
    expect(page.locator("#row-errors tbody tr")).to_have_count(4)
    expect(page.locator("#row-errors")).to_contain_text("“Mobile” is not an İYS source")
    screenshot(page, "upload-row-errors")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the rows with errors (CSV)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "email,phonenumber,IYSSource,IYSStatus,IYSConsentDate,error"
    assert len(text.splitlines()) == 5


def test_a_bare_user_list_gets_its_columns_named_through_the_edit_control(page):
    attributes_create()
    _user, password = user_with_role(username="pazarlama", role=MARKETER)
    panel_login(page, "pazarlama", password)

    _upload(page, fixture_path("user_upload_bare_list.txt"), "Subscribed")

    expect(page.get_by_text("The first line holds data, not column names")).to_be_visible()
    expect(page.locator("tr.unmatched")).to_have_count(2)
    expect(page.locator("#import-count")).to_have_text("0")
    for column, target in (("Column 1", "attribute:token"), ("Column 2", "external_id")):
        row = page.locator(f"tr[data-column='{column}']")
        row.get_by_role("button", name=f"Edit the attribute of {column}").click()
        row.locator("select").select_option(target)
    expect(page.locator("#import-count")).to_have_text("2")
    screenshot(page, "upload-bare-list-named")
    page.get_by_role("button", name="Save").click()

    expect(page.locator("#upload-state")).to_have_text(re.compile("Queued|Processing|Done"))
    assert Upload.objects.get().mapping == ["attribute:token", "external_id"]
