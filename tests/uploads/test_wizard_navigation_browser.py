"""The wizard's pills and the cancel button in a real Chromium, in Turkish and English."""

import pytest
from playwright.sync_api import expect

from accounts.roles import MARKETER
from accounts.services import user_with_role
from tests.conftest import panel_login, screenshot
from tests.uploads.conftest import fixture_path
from tests.uploads.factories import IysConnectorFactory, attributes_create
from uploads.models import Upload
from uploads.services import upload_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "tr": {"status": "2. Durum", "subscribed": "Abone", "save": "Kaydet ve sütunları eşleştir",
           "cancel": "Bu yüklemeyi iptal et", "cancelled": "İptal edildi",
           "upload": "Yükle ve sütunları eşleştir", "iys": "İYS Senkronizasyonu"},
    "en": {"status": "2. Status", "subscribed": "Subscribed", "save": "Save and match columns",
           "cancel": "Cancel this upload", "cancelled": "Cancelled",
           "upload": "Upload and match columns", "iys": "IYS Synchronize"},
}


@pytest.mark.parametrize("language", ["tr", "en"])
def test_a_marketer_goes_back_to_the_status_then_cancels_the_draft(chromium, live_server,
                                                                   language):
    words = WORDS[language]
    attributes_create()
    IysConnectorFactory(integrator_mode=True)
    _user, password = user_with_role(username="pazarlama", role=MARKETER)
    context = chromium.new_context(base_url=live_server.url, locale=language,
                                   extra_http_headers={"Accept-Language": language})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        panel_login(page, "pazarlama", password)
        page.goto("/admin/uploads/upload/add/")
        page.locator("#id_name").fill("Liste")
        page.locator("#id_file").set_input_files(str(fixture_path("subscribed.csv")))
        page.get_by_label(words["iys"]).check()
        page.get_by_role("button", name=words["upload"]).click()
        expect(page.locator("#matching")).to_be_visible()
        screenshot(page, f"upload-pills-matching-{language}")

        page.locator("#wizard-steps").get_by_role("link", name=words["status"]).click()
        expect(page.get_by_label(words["iys"])).to_be_checked()
        page.get_by_label(words["subscribed"], exact=True).check()
        screenshot(page, f"upload-pills-status-{language}")
        page.get_by_role("button", name=words["save"]).click()

        expect(page.locator("#matching")).to_be_visible()
        upload = Upload.objects.get()
        assert (upload.mode, upload.state) == (Upload.Mode.SUBSCRIBED, Upload.State.DRAFT)
        path = upload_path(upload)
        assert path.exists()

        page.get_by_role("button", name=words["cancel"]).click()
        expect(page.locator("#upload-state")).to_have_text(words["cancelled"])
        screenshot(page, f"upload-cancelled-{language}")
        upload.refresh_from_db()
        assert upload.state == Upload.State.CANCELLED and not path.exists()
    finally:
        context.close()
