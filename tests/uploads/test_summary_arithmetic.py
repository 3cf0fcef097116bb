"""Summaries that add up: over every case file, every row and every consent falls into one
named bucket, the buckets add up to the totals shown, and they agree with what was stored."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from consents.choices import IysState, Origin
from consents.models import Consent, ConsentEvent, Contact
from tests.uploads.conftest import FIXTURES, run_upload
from tests.uploads.factories import IysConnectorFactory
from uploads.models import Upload, UploadRowError
from uploads.summary import COUNT_KEYS, summary_sections

pytestmark = pytest.mark.usefixtures("frozen_now", "attributes")

CASE_FILES = sorted(path.name for path in FIXTURES.iterdir()
                    if path.suffix in (".csv", ".txt") and not path.name.startswith("blocked"))
RECORDED = ("queued_for_iys", "check_for_iys", "local_only", "local_not_for_iys")


def upload_events(upload: Upload):
    return ConsentEvent.objects.filter(origin=Origin.UPLOAD, origin_reference=upload.reference)


def assert_adds_up(upload: Upload) -> None:
    counts = upload.counts
    sections = {s["key"]: s for s in summary_sections(counts=counts, mode=upload.mode)}
    rows = sections["rows"]
    assert sum(count for _k, _l, count in rows["buckets"]) == rows["total"] == upload.rows_done
    assert set(counts) <= set(COUNT_KEYS), "a count in no bucket"
    consents = Consent.objects.filter(pk__in=upload_events(upload).values("consent_id"))
    if upload.mode == Upload.Mode.IYS:
        assert "permissions" not in sections
        assert sum(counts.get(key, 0) for key in RECORDED) == counts["consents"]
        assert counts["consents"] == consents.count()
        assert counts.get("queued_for_iys", 0) == consents.filter(
            iys_state=IysState.PENDING).count()
        assert counts.get("check_for_iys", 0) == consents.filter(iys_state=IysState.CHECK).count()
        assert counts.get("local_only", 0) + counts.get("local_not_for_iys", 0) == (
            consents.filter(iys_state=IysState.LOCAL).count())
    else:
        assert "consents" not in sections and counts["consents"] == 0
    created = upload_events(upload).filter(field="created").count()
    assert counts["created"] == created
    # The error filter counts rows, as the summary does.
    optout_rows = (upload.row_errors.filter(kind=UploadRowError.Kind.OPTOUT)
                   .values("row_number").distinct().count())
    assert optout_rows == counts.get("optout", 0)


# The connector's mode plays no part in a fixed status.
@pytest.mark.parametrize(("mode", "integrator"), [
    (Upload.Mode.IYS, True), (Upload.Mode.IYS, False), (Upload.Mode.SUBSCRIBED, True)],
    ids=["iys-integrator", "iys-sync", "subscribed"])
@pytest.mark.parametrize("name", CASE_FILES)
def test_every_bucket_adds_up_and_a_reupload_updates_nothing(name, mode, integrator):
    IysConnectorFactory(integrator_mode=integrator)

    try:
        first = run_upload(name, mode=mode)
    except ValidationError:
        first = None  # a matching this mode cannot use
    if first is None or first.state == Upload.State.BLOCKED:
        # A file this status cannot use (e.g. no İYS columns for IYS Synchronize) is blocked
        # with its reason, and nothing of it is recorded: there is nothing to add up.
        assert first is None or first.message
        assert not ConsentEvent.objects.filter(origin=Origin.UPLOAD).exists()
        return
    assert_adds_up(first)

    events = ConsentEvent.objects.count()
    again = run_upload(name, mode=mode)
    assert_adds_up(again)
    assert (again.counts["created"], again.counts["updated"], again.counts["consents"]) == (
        0, 0, 0)
    assert ConsentEvent.objects.count() == events


def test_consents_neither_queued_nor_late_have_their_buckets():
    """Issue 17's file (a): consents recorded but neither queued nor late fit no bucket."""
    IysConnectorFactory(integrator_mode=True, permission_message=False)
    Contact.objects.create(email="bilinen@example.com")

    not_permitted = run_upload("case1_email_and_phone.csv")  # SMS: no partner permission
    asked_first = run_upload("connector_modes.csv")  # a RET: İYS is asked first

    assert (not_permitted.counts["consents"], not_permitted.counts["queued_for_iys"],
            not_permitted.counts["local_not_for_iys"]) == (2, 1, 1)
    assert (asked_first.counts["consents"], asked_first.counts["queued_for_iys"],
            asked_first.counts["check_for_iys"]) == (2, 1, 1)


def test_the_opt_out_count_and_its_error_filter_agree(marketer_client):
    """Issue 17: "7 kept as opt-out" stood beside an error filter of 10."""
    IysConnectorFactory(integrator_mode=True)
    upload = run_upload("case6_invalid_iys_fields.csv")
    page = " ".join(marketer_client.get(
        reverse("admin:uploads_upload_change", args=[upload.pk])).content.decode().split())

    assert upload.counts["optout"] == 4 and upload.counts["consents_optout"] == 8
    assert "Kept as opt-out (4)" in page
    assert 'data-bucket="consents_optout">8<' in page and 'data-bucket="consents-total">8<' in page


def test_the_connector_pages_not_sent_count_is_what_its_link_lists(admin_role_client):
    IysConnectorFactory(integrator_mode=True)
    run_upload("case3_sms_only.csv")  # a first RET past the deadline: kept here
    local = Consent.objects.filter(iys_state=IysState.LOCAL).count()
    assert local == 1

    from connectors.models import IysConnector
    page = admin_role_client.get(reverse("admin:connectors_iysconnector_change",
                                         args=[IysConnector.load().pk])).content.decode()
    listed = admin_role_client.get(reverse("admin:consents_consent_changelist"),
                                   {"iys_state__exact": IysState.LOCAL}).context["cl"].result_count

    link = f'?iys_state__exact={IysState.LOCAL}">{local}</a>'
    assert link in page and listed == local
