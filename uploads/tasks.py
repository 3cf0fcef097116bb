"""Celery entry points: take an id, call the service."""

from celery import shared_task

from uploads.services import upload_drafts_expire, upload_fail, upload_run, uploads_watch


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=3)
def upload_process(self, upload_id: int) -> None:
    try:
        upload_run(upload_id=upload_id)
    except Exception as error:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=error, countdown=10) from error  # resumes at the checkpoint
        upload_fail(upload_id=upload_id, error=error)


@shared_task(name="uploads.uploads_watch")
def uploads_watch_task() -> dict:
    return uploads_watch()


@shared_task(name="uploads.drafts_expire")
def drafts_expire_task() -> int:
    return upload_drafts_expire()
