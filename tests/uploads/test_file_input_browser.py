"""The file-input side of the wizard in a real Chromium, in Turkish and in English: an Excel
workbook with two sheets, a file of 0532… numbers with the +90 choice, and the error file
downloaded, fixed and uploaded again. A real Celery worker processes each upload."""

import csv
import io
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import MARKETER
from accounts.services import user_with_role
from consents.models import Consent, Contact
from consents.rules import TURKEY
from tests.conftest import panel_login, screenshot
from tests.uploads.factories import IysConnectorFactory, attributes_create
from uploads.models import Upload

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
TURKISH_NUMBERS = {"en": "Numbers without a country code are Turkish (+90)",
                   "tr": "Ülke kodu olmayan numaralar Türkiye numarasıdır (+90)"}
SHEET_PROMPT = {"en": "The workbook has several sheets",
                "tr": "Çalışma kitabında birden çok sayfa var"}
SAVE = "form:has(#matching) input[type=submit]"


@pytest.fixture(params=["en", "tr"])
def lang_page(request, chromium, live_server):
    """A page whose browser asks for the panel in one language."""
    context = chromium.new_context(base_url=live_server.url, locale=request.param,
                                   extra_http_headers={"Accept-Language": request.param})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.lang = request.param
    yield page
    context.close()


@pytest.fixture
def marketer(lang_page):
    attributes_create()
    IysConnectorFactory(integrator_mode=True)
    _user, password = user_with_role(username="pazarlama", role=MARKETER)
    panel_login(lang_page, "pazarlama", password)
    return lang_page


def recent() -> str:
    return (timezone.now() - timedelta(hours=1)).astimezone(TURKEY).strftime("%d.%m.%y %H:%M:%S")


def upload(page, path: Path, name: str, *, turkish_numbers: bool = False) -> None:
    page.goto("/admin/uploads/upload/add/")
    page.locator("#id_name").fill(name)
    page.locator("#id_file").set_input_files(str(path))
    page.locator("input[name=mode][value=iys]").check()
    if turkish_numbers:
        page.get_by_label(TURKISH_NUMBERS[page.lang]).check()
    page.locator("form[enctype='multipart/form-data'] input[type=submit]").click()
    expect(page.locator("#matching")).to_be_visible()


def wait_for_summary(page) -> None:
    expect(page.locator("#summary")).to_be_visible(timeout=90_000)


def test_an_excel_workbook_with_two_sheets(marketer, celery_worker_process, tmp_path):
    page = marketer
    when = timezone.now().astimezone(TURKEY).replace(tzinfo=None) - timedelta(hours=1)
    book = openpyxl.Workbook()
    book.active.title = "Notlar"
    book.active.append(["Bu sayfada kişi yok"])
    sheet = book.create_sheet("Kişiler")
    sheet.append(["E-Posta", "GSM", "IYSSource", "IYSStatus", "IYSConsentDate", "İsim"])
    sheet.append(["ayse@example.com", "+905321234567", "HS_WEB", "ONAY", when, "Ayşe"])
    sheet.append(["mert@example.com", "+905321234568", "HS_WEB", "RET", when, "Mert"])
    path = tmp_path / "kampanya.xlsx"
    book.save(path)

    upload(page, path, f"Excel {page.lang}")
    expect(page.locator("#sheet-form")).to_contain_text(SHEET_PROMPT[page.lang])
    page.locator("#sheet-form select").select_option("Kişiler")
    screenshot(page, f"upload-xlsx-sheet-{page.lang}")
    page.locator("#sheet-form input[type=submit]").click()
    expect(page.locator("tr[data-column='E-Posta'] .label")).not_to_have_text("")
    expect(page.locator("tr.unmatched")).to_have_count(0)
    page.locator(SAVE).click()

    wait_for_summary(page)
    screenshot(page, f"upload-xlsx-summary-{page.lang}")
    assert Upload.objects.get().sheet == "Kişiler"
    assert Contact.objects.get(email="ayse@example.com").attributes == {"first_name": "Ayşe"}
    assert Consent.objects.filter(status="RET", recipient="+905321234568").exists()


def test_a_file_of_local_numbers_with_the_turkish_choice(marketer, celery_worker_process,
                                                          tmp_path):
    page = marketer
    path = tmp_path / "cep.csv"
    path.write_text("E-Posta;Cep;IYSSource;IYSStatus;IYSConsentDate\n"
                    f"a@example.com;0532 123 45 67;HS_WEB;ONAY;{recent()}\n"
                    f"b@example.com;(0535) 123 45 68;HS_WEB;ONAY;{recent()}\n",
                    encoding="utf-8")

    page.goto("/admin/uploads/upload/add/")
    expect(page.get_by_label(TURKISH_NUMBERS[page.lang])).not_to_be_checked()
    upload(page, path, f"Cep {page.lang}", turkish_numbers=True)
    page.locator(SAVE).click()

    wait_for_summary(page)
    expect(page.locator("#row-errors")).to_have_count(0)
    screenshot(page, f"upload-turkish-numbers-{page.lang}")
    assert sorted(Contact.objects.values_list("phone", flat=True)) == ["+905321234567",
                                                                      "+905351234568"]
    page.goto("/admin/uploads/upload/add/")
    expect(page.get_by_label(TURKISH_NUMBERS[page.lang])).to_be_checked()  # remembered


def test_the_error_file_round_trip(marketer, celery_worker_process, tmp_path):
    page = marketer
    path = tmp_path / "ilk.csv"
    path.write_text("email,phonenumber,IYSSource,IYSStatus,IYSConsentDate\n"
                    f"iyi@example.com,+905321000958,HS_WEB,ONAY,{recent()}\n"
                    f"bozuk@@example.com,+905321000959,HS_WEB,ONAY,{recent()}\n",
                    encoding="utf-8")
    upload(page, path, f"İlk {page.lang}")
    page.locator(SAVE).click()
    wait_for_summary(page)
    expect(page.locator("#row-errors tbody tr")).to_have_count(1)

    with page.expect_download() as download:
        page.locator("a[href$='errors.csv']").click()
    rows = list(csv.reader(io.StringIO(
        Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[1][:2] == ["bozuk@@example.com", "'+905321000959"]
    rows[1][0] = "duzgun@example.com"
    fixed = tmp_path / "duzeltilmis.csv"
    with open(fixed, "w", newline="", encoding="utf-8-sig") as out:
        csv.writer(out).writerows(rows)

    upload(page, fixed, f"Düzeltilmiş {page.lang}")
    screenshot(page, f"upload-error-file-again-{page.lang}")
    page.locator(SAVE).click()
    wait_for_summary(page)
    expect(page.locator("#row-errors")).to_have_count(0)
    screenshot(page, f"upload-error-file-accepted-{page.lang}")
    assert Contact.objects.get(phone="+905321000959").email == "duzgun@example.com"
    assert Upload.objects.order_by("-id").first().counts["rejected"] == 0
