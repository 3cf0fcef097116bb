"""A marketer builds a segment with a live count, saves it, exports it and downloads the file."""

from pathlib import Path

import pytest

from accounts.roles import MARKETER
from accounts.services import user_with_role
from consents.models import ProfileAttribute
from insights.exports import segment_export_run
from insights.models import Segment, SegmentExport
from tests.conftest import panel_login, screenshot
from tests.consents.factories import ContactFactory, ProfileAttributeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_segment_is_built_counted_and_exported(page, settings, tmp_path):
    settings.PRIVATE_UPLOAD_ROOT = tmp_path
    ProfileAttributeFactory(name="city", label="City", type=ProfileAttribute.Type.TEXT)
    for city in ("Ankara", "Ankara", "İzmir"):
        ContactFactory(attributes={"city": city}, sms_permission="opt_in")
    ContactFactory(attributes={"city": "Ankara"})  # opted out of SMS
    _user, password = user_with_role(username="marketer", role=MARKETER)
    panel_login(page, "marketer", password)

    page.goto("/admin/insights/segment/add/")
    page.fill("#id_name", "Ankara SMS")
    page.click("#segment-add")  # channel permission: sms opt-in
    rule = page.locator("#segment-rules .rule").nth(0)
    rule.locator("[data-part=channel]").select_option("sms")
    rule.locator("[data-part=value]").select_option("opt_in")
    page.wait_for_function("() => document.getElementById('segment-count').dataset.count === '3'")
    page.click("#segment-add")
    city = page.locator("#segment-rules .rule").nth(1)
    city.locator("[data-part=field]").select_option("attribute:city")
    city.locator("[data-part=value]").fill("Ankara")
    page.wait_for_function("() => document.getElementById('segment-count').dataset.count === '2'")
    assert "2" in page.locator("#segment-count").inner_text()
    screenshot(page, "segment-builder")
    page.click("input[name=_save]")
    segment = Segment.objects.get()
    assert len(segment.rules) == 2

    page.goto("/admin/insights/segment/")
    page.check(f"input[name=_selected_action][value='{segment.pk}']")
    page.select_option("select[name=action]", "export_csv")
    page.click("button[name=index]")
    export = SegmentExport.objects.get()
    segment_export_run(export_id=export.pk)  # the worker's task body
    page.goto("/admin/insights/segmentexport/")
    with page.expect_download() as download:
        page.click("a.export-download")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.count("\n") == 3  # header and two contacts
    screenshot(page, "segment-exports")
