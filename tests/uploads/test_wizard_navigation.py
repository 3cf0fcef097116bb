"""The wizard's steps link back (change the status), a draft can be cancelled, and drafts
left for a week are cancelled by beat: the file deleted, the record kept."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from tests.uploads.conftest import fixture_path
from uploads.models import Upload
from uploads.services import upload_create_from_path, upload_drafts_expire, upload_path

pytestmark = pytest.mark.usefixtures("attributes", "integrator")


@pytest.fixture
def draft():
    return upload_create_from_path(path=fixture_path("subscribed.csv"), mode=Upload.Mode.IYS)


def test_the_steps_link_back_and_the_status_can_be_changed(draft, marketer_client):
    matching_url = reverse("admin:uploads_upload_matching", args=[draft.pk])
    status_url = reverse("admin:uploads_upload_status", args=[draft.pk])
    page = marketer_client.get(matching_url).content.decode()
    assert f'<a href="{status_url}">2. Status</a>' in page
    assert f'<a href="{reverse("admin:uploads_upload_add")}">1. File</a>' in page
    assert '<li class="current" aria-current="step">3. Matching</li>' in page

    response = marketer_client.post(status_url, {"mode": Upload.Mode.SUBSCRIBED})

    assert response.status_code == 302 and response["Location"] == matching_url
    draft.refresh_from_db()
    assert (draft.mode, draft.state) == (Upload.Mode.SUBSCRIBED, Upload.State.DRAFT)
    assert "status <strong>Subscribed</strong>" in marketer_client.get(
        matching_url).content.decode()


def test_a_blocked_upload_gets_another_status_and_is_no_longer_blocked(draft, marketer_client):
    from uploads.services import upload_matching_save

    draft = upload_matching_save(upload=draft, mapping=draft.mapping)
    assert draft.state == Upload.State.BLOCKED  # IYS Synchronize without the İYS columns

    marketer_client.post(reverse("admin:uploads_upload_status", args=[draft.pk]),
                         {"mode": Upload.Mode.SUBSCRIBED})

    draft.refresh_from_db()
    assert (draft.mode, draft.state, draft.message) == (Upload.Mode.SUBSCRIBED,
                                                        Upload.State.DRAFT, "")


def test_a_draft_is_cancelled_its_file_deleted_and_its_record_kept(draft, marketer_client):
    path = upload_path(draft)
    assert path.exists()

    response = marketer_client.post(reverse("admin:uploads_upload_cancel", args=[draft.pk]),
                                    follow=True)

    draft.refresh_from_db()
    assert draft.state == Upload.State.CANCELLED and not path.exists()
    page = response.content.decode()
    assert "was cancelled; its file was deleted and the record kept" in page
    assert "Cancelled before processing; the file was deleted." in page
    # The matching step is closed for it.
    again = marketer_client.get(reverse("admin:uploads_upload_matching", args=[draft.pk]))
    assert again.status_code == 302


def test_a_started_upload_cannot_be_cancelled(draft, marketer_client):
    Upload.objects.filter(pk=draft.pk).update(state=Upload.State.PROCESSING)

    response = marketer_client.post(reverse("admin:uploads_upload_cancel", args=[draft.pk]),
                                    follow=True)

    assert "Only an upload that has not started can be cancelled." in response.content.decode()
    assert Upload.objects.get(pk=draft.pk).state == Upload.State.PROCESSING
    assert upload_path(draft).exists()


def test_staff_can_neither_cancel_nor_change_the_status(draft, staff_client):
    cancel = staff_client.post(reverse("admin:uploads_upload_cancel", args=[draft.pk]))
    status = staff_client.post(reverse("admin:uploads_upload_status", args=[draft.pk]),
                               {"mode": Upload.Mode.SUBSCRIBED})

    assert cancel.status_code == status.status_code == 403
    draft.refresh_from_db()
    assert (draft.state, draft.mode) == (Upload.State.DRAFT, Upload.Mode.IYS)


def test_drafts_left_for_a_week_are_cancelled_by_beat(draft):
    old = upload_create_from_path(path=fixture_path("subscribed.csv"), mode=Upload.Mode.IYS)
    Upload.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    done = upload_create_from_path(path=fixture_path("subscribed.csv"), mode=Upload.Mode.IYS)
    Upload.objects.filter(pk=done.pk).update(created_at=timezone.now() - timedelta(days=30),
                                             state=Upload.State.DONE)

    assert upload_drafts_expire() == 1

    old.refresh_from_db()
    assert old.state == Upload.State.CANCELLED and not upload_path(old).exists()
    assert "more than 7 days" in old.message
    assert Upload.objects.get(pk=draft.pk).state == Upload.State.DRAFT
    assert upload_path(draft).exists() and upload_path(done).exists()
    assert PeriodicTask.objects.filter(task="uploads.drafts_expire", enabled=True).exists()
