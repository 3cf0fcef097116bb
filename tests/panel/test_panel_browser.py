"""The panel in a real Chromium, in Turkish and English: a refused page, the contact page's
typed attributes, a large export's download link; axe-core on every page visited."""

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.roles import ADMIN, MARKETER, STAFF
from accounts.services import user_with_role
from consents.models import Contact, ProfileAttribute
from tests.conftest import axe_check, panel_login, screenshot
from tests.consents.factories import ContactFactory, ProfileAttributeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LANGUAGES = ["tr", "en"]
TEXT = {
    "tr": {"refused": "Bu sayfayı açamazsınız", "save": "Kaydet", "yes": "Evet",
           "download": "Dosyayı indir", "ready": "İndirmeye hazır", "city": "Şehir",
           "go": "Gönder", "rows": "3 / 3 satır"},
    "en": {"refused": "You may not open this page", "save": "Save", "yes": "Yes",
           "download": "Download the file", "ready": "Ready to download", "city": "Şehir",
           "go": "Submit", "rows": "3 of 3 rows"},
}


def _login(page_in, language: str, role: str, *, width: int = 1280):
    _user, password = user_with_role(username=role.lower(), role=role)
    page = page_in(language, width=width)
    page.goto("/admin/login/")
    axe_check(page)
    panel_login(page, role.lower(), password)
    return page


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_refused_page_is_the_panels_own_in_the_users_language(page_in, language):
    page = _login(page_in, language, MARKETER)
    response = page.goto("/admin/connectors/iysconnector/")
    assert response.status == 403
    expect(page.locator("h1")).to_have_text(TEXT[language]["refused"])
    expect(page.locator("#site-name")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", language)
    axe_check(page)
    screenshot(page, f"panel-403-{language}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_contact_page_edits_typed_attributes(page_in, language):
    ProfileAttributeFactory(name="city", label="Şehir")
    ProfileAttributeFactory(name="birthday", label="Doğum günü",
                            type=ProfileAttribute.Type.DATE)
    ProfileAttributeFactory(name="score", label="Puan", type=ProfileAttribute.Type.NUMBER)
    ProfileAttributeFactory(name="vip", label="VIP", type=ProfileAttribute.Type.BOOLEAN)
    contact = ContactFactory(attributes={"city": "İzmir"})
    page = _login(page_in, language, ADMIN)

    page.goto(f"/admin/consents/contact/{contact.pk}/change/")
    expect(page.get_by_label(TEXT[language]["city"])).to_have_value("İzmir")
    expect(page.get_by_label("Doğum günü")).to_have_attribute("type", "date")
    expect(page.locator("textarea[name=attributes]")).to_have_count(0)
    axe_check(page)
    page.get_by_label(TEXT[language]["city"]).fill("Van")
    page.get_by_label("Doğum günü").fill("1990-05-17")
    page.get_by_label("Puan").fill("12,5" if language == "tr" else "12.5")
    page.get_by_label("VIP").select_option(label=TEXT[language]["yes"])
    screenshot(page, f"contact-typed-attributes-{language}")
    page.get_by_role("button", name=TEXT[language]["save"], exact=True).click()

    expect(page.locator(".messagelist .success")).to_be_visible()
    contact.refresh_from_db()
    assert contact.attributes == {"city": "Van", "birthday": "1990-05-17", "score": 12.5,
                                  "vip": True}


@pytest.mark.worker
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_large_export_ends_in_a_download_link(page_in, language, settings,
                                                 celery_worker_process):
    settings.EXPORT_ASYNC_ROWS = 2  # "large" for the test: past it, the worker writes the file
    ProfileAttributeFactory(name="city", label="Şehir")
    for n, city in enumerate(["İzmir", "Van", "=1+1"]):
        ContactFactory(email=f"kisi{n}@example.com", attributes={"city": city})
    page = _login(page_in, language, STAFF)

    page.goto("/admin/consents/contact/")
    axe_check(page)
    page.locator("a.export_link").click()
    expect(page.locator("#id_format")).to_be_visible()
    axe_check(page)
    page.locator("#id_format").select_option(label="csv")
    page.locator("form input[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/admin/consents/exportjob/\d+/change/$"))
    expect(page.locator("#export-bar")).to_be_visible()
    expect(page.locator("#export-state")).to_have_text(TEXT[language]["ready"], timeout=60_000)
    link = page.get_by_role("link", name=TEXT[language]["download"])
    expect(link).to_be_visible()
    expect(page.locator("#export-text")).to_have_text(TEXT[language]["rows"])
    expect(page.locator("#export-message")).to_be_hidden()
    axe_check(page)
    screenshot(page, f"export-download-link-{language}")
    with page.expect_download() as download:
        link.click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(row["Şehir"] for row in rows) == ["'=1+1", "Van", "İzmir"]
    assert Contact.objects.count() == 3
