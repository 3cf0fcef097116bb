"""Celery entry points of consents: take an id, call the service."""

from celery import shared_task

from consents.export_jobs import TASK_NAME, export_job_fail, export_job_run


@shared_task(name=TASK_NAME, bind=True, acks_late=True, reject_on_worker_lost=True,
             max_retries=2)
def export_job_process(self, job_id: int) -> None:
    try:
        export_job_run(job_id=job_id)
    except Exception as error:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=error, countdown=10) from error  # writes the file again
        export_job_fail(job_id=job_id, error=error)
