"""Live progress in a real Chromium while a real worker runs the upload: the text is in the
page's language with its number format, in Turkish and in English."""

import re
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import MARKETER
from accounts.services import user_with_role
from consents.rules import TURKEY
from tests.conftest import celery_worker_start, celery_worker_stop, panel_login, screenshot
from tests.uploads.factories import IysConnectorFactory, attributes_create
from uploads.models import Upload
from uploads.services import upload_create_from_path, upload_matching_save, upload_queue

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow,
              pytest.mark.django_db(transaction=True)]
ROWS = 30_000
# Small chunks: the bar moves a hundred rows at a time, slowly enough to watch.
SLOW_WORKER = {"UPLOAD_CHUNK_ROWS": "100"}
# The text while running, e.g. "12.300 / 30.000 satır" or "12,300 of 30,000 rows".
RUNNING = {"tr": re.compile(r"^[1-9]\d{0,2}(\.\d{3})? / 30\.000 satır$"),
           "en": re.compile(r"^[1-9]\d{0,2}(,\d{3})? of 30,000 rows$")}
FINISHED = {"tr": "30.000 / 30.000 satır", "en": "30,000 of 30,000 rows"}
DONE = {"tr": "Tamamlandı", "en": "Done"}


@pytest.fixture
def big_file(tmp_path):
    path = tmp_path / "buyuk.csv"
    given = (timezone.now() - timedelta(hours=1)).astimezone(TURKEY).strftime("%d.%m.%y %H:%M:%S")
    path.write_text("email,IYSSource,IYSStatus,IYSConsentDate\n" + "".join(
        f"kisi{i}@example.com,HS_WEB,ONAY,{given}\n" for i in range(ROWS)))
    return path


@pytest.mark.parametrize("language", ["tr", "en"])
def test_the_progress_text_is_live_translated_and_grouped(chromium, live_server, big_file,
                                                          language):
    attributes_create()
    IysConnectorFactory(integrator_mode=True)
    user, password = user_with_role(username="pazarlama", role=MARKETER)
    upload = upload_create_from_path(path=big_file, mode=Upload.Mode.IYS, user=user)
    upload = upload_matching_save(upload=upload, mapping=upload.mapping)
    context = chromium.new_context(base_url=live_server.url, locale=language,
                                   extra_http_headers={"Accept-Language": language})
    page = context.new_page()
    page.set_default_timeout(15_000)
    worker = celery_worker_start(SLOW_WORKER)
    try:
        panel_login(page, "pazarlama", password)
        with transaction.atomic():
            upload_queue(upload=upload)
        page.goto(f"/admin/uploads/upload/{upload.pk}/change/")

        text = page.locator("#progress-text")
        expect(text).to_have_text(RUNNING[language], timeout=60_000)
        assert Upload.objects.get(pk=upload.pk).state == Upload.State.PROCESSING
        assert "%" not in text.inner_text()
        screenshot(page, f"upload-progress-running-{language}")

        expect(page.locator("#upload-state")).to_have_text(DONE[language], timeout=120_000)
        expect(page.locator("#progress-text")).to_have_text(FINISHED[language])
        screenshot(page, f"upload-progress-done-{language}")
    finally:
        celery_worker_stop(worker)
        context.close()
