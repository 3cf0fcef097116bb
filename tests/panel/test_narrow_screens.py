"""On a 390 px phone the upload steps, the summary and the contacts list do not scroll
sideways: wide tables scroll inside their own box."""

import re

import pytest
from playwright.sync_api import expect

from accounts.roles import MARKETER
from accounts.services import user_with_role
from tests.conftest import axe_check, panel_login, screenshot
from tests.consents.factories import ContactFactory
from tests.uploads.conftest import fixture_path
from tests.uploads.factories import attributes_create
from uploads.models import Upload
from uploads.services import upload_run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTH = 390


def assert_fits(page, name: str) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    screenshot(page, f"narrow-{name}")
    assert width <= WIDTH, f"{name}: the page is {width} px wide on a {WIDTH} px screen"
    axe_check(page)


@pytest.mark.parametrize("language", ["tr", "en"])
def test_upload_steps_summary_and_contacts_fit_a_phone(page_in, language):
    attributes_create()
    contacts = [ContactFactory(email=f"uzun.bir.adres.{n}@ornek-bir-alan-adi.example.com.tr",
                               attributes={"city": "Kahramanmaraş"}) for n in range(3)]
    _user, password = user_with_role(username="pazarlama", role=MARKETER)
    page = page_in(language, width=WIDTH)
    page.goto("/admin/login/")
    assert_fits(page, f"login-{language}")
    panel_login(page, "pazarlama", password)

    page.goto("/admin/uploads/upload/add/")
    assert_fits(page, f"upload-file-{language}")
    page.locator("#id_name").fill("Telefon listesi")
    page.locator("input[type=file]").set_input_files(str(fixture_path(
        "case1_email_and_phone.csv")))
    page.locator("input[name=mode][value=iys]").check()
    page.locator("form input[type=submit], form button[type=submit]").last.click()

    expect(page).to_have_url(re.compile(r"/matching/$"))
    assert_fits(page, f"upload-matching-{language}")
    page.locator(".submit-row input[type=submit]").click()
    upload = Upload.objects.get()
    upload_run(upload_id=upload.pk)  # the worker's part, here in the test process

    page.goto(f"/admin/uploads/upload/{upload.pk}/change/")
    expect(page.locator("#summary")).to_be_visible()
    assert_fits(page, f"upload-summary-{language}")

    page.goto("/admin/consents/contact/")
    assert_fits(page, f"contacts-{language}")
    page.goto(f"/admin/consents/contact/{contacts[0].pk}/change/")
    assert_fits(page, f"contact-{language}")
