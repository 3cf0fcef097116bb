"""A task killed or redelivered mid-file resumes without duplicating or losing a row."""

import pytest

from consents.models import Consent, ConsentEvent, Contact
from uploads import services
from uploads.models import Upload
from uploads.services import upload_create_from_path, upload_matching_save, upload_run

pytestmark = pytest.mark.usefixtures("frozen_now", "attributes", "integrator")


class Killed(Exception):
    pass


@pytest.fixture
def upload(tmp_path, settings):
    settings.UPLOAD_CHUNK_ROWS = 2
    path = tmp_path / "seven.csv"
    path.write_text("email,IYSSource,IYSStatus,IYSConsentDate\n" + "".join(
        f"kisi{i}@example.com,HS_WEB,ONAY,07.08.25 10:25:00\n" for i in range(7)))
    created = upload_create_from_path(path=path, mode=Upload.Mode.IYS)
    return upload_matching_save(upload=created, mapping=created.mapping)


def test_a_run_killed_after_two_chunks_resumes_at_the_checkpoint(upload, monkeypatch):
    real = services.chunk_apply
    calls = []

    def dies_on_the_third_chunk(**kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise Killed
        return real(**kwargs)

    monkeypatch.setattr(services, "chunk_apply", dies_on_the_third_chunk)
    with pytest.raises(Killed):
        upload_run(upload_id=upload.pk)
    upload.refresh_from_db()
    assert (upload.state, upload.rows_done, upload.checkpoint) == ("processing", 4, 5)
    assert Contact.objects.count() == 4  # the third chunk was rolled back whole

    monkeypatch.setattr(services, "chunk_apply", real)
    upload = upload_run(upload_id=upload.pk)

    assert (upload.state, upload.rows_done, upload.rows_total) == ("done", 7, 7)
    assert Contact.objects.count() == 7 and Consent.objects.count() == 7
    assert ConsentEvent.objects.filter(field="created").count() == 7
    assert upload.counts["created"] == 7 and upload.counts["duplicates"] == 0


def test_a_redelivered_task_after_the_end_changes_nothing(upload):
    upload_run(upload_id=upload.pk)
    events = ConsentEvent.objects.count()

    again = upload_run(upload_id=upload.pk)

    assert again.state == Upload.State.DONE and ConsentEvent.objects.count() == events
    assert again.counts["created"] == 7


def test_a_chunk_already_written_by_another_run_is_skipped(upload):
    upload_run(upload_id=upload.pk)
    Upload.objects.filter(pk=upload.pk).update(state=Upload.State.PROCESSING)

    upload_run(upload_id=upload.pk)  # a second worker starting over from a stale copy

    assert Contact.objects.count() == 7 and Consent.objects.count() == 7


def test_a_failure_is_recorded_with_how_far_it_got(upload, monkeypatch):
    from uploads.tasks import upload_process

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "chunk_apply", broken)
    upload_process.apply(args=[upload.pk], retries=3)

    upload.refresh_from_db()
    assert upload.state == Upload.State.FAILED
    assert "database went away" in upload.message
    assert (upload.rows_done, upload.rows_total) == (0, 7)


def test_a_failed_upload_is_resumed_from_the_panel(upload, monkeypatch, marketer_client,
                                                   django_capture_on_commit_callbacks):
    from django.urls import reverse

    from uploads import tasks

    real = services.chunk_apply
    calls = []

    def dies_once_on_the_second_chunk(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise Killed("disk full")
        return real(**kwargs)

    monkeypatch.setattr(services, "chunk_apply", dies_once_on_the_second_chunk)
    with pytest.raises(Killed):
        upload_run(upload_id=upload.pk)
    services.upload_fail(upload_id=upload.pk, error=Killed("disk full"))
    page = marketer_client.get(reverse("admin:uploads_upload_change", args=[upload.pk]))
    assert "2 of 7 rows were written before it stopped" in page.content.decode()
    assert "Resume from row 4" in page.content.decode()

    monkeypatch.setattr(tasks.upload_process, "delay",
                        lambda upload_id: tasks.upload_process.apply(args=[upload_id]))
    with django_capture_on_commit_callbacks(execute=True):
        marketer_client.post(reverse("admin:uploads_upload_resume", args=[upload.pk]))

    upload.refresh_from_db()
    assert upload.state == Upload.State.DONE and upload.rows_done == 7
    assert Contact.objects.count() == 7


def test_staff_cannot_resume(upload, staff_client):
    from django.urls import reverse

    Upload.objects.filter(pk=upload.pk).update(state=Upload.State.FAILED)
    response = staff_client.post(reverse("admin:uploads_upload_resume", args=[upload.pk]))

    assert response.status_code == 403
    assert Upload.objects.get(pk=upload.pk).state == Upload.State.FAILED
