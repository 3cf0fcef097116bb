"""Large exports: written by the worker into a private file, with progress, then downloaded.

An export of more than settings.EXPORT_ASYNC_ROWS rows never runs in a request. The panel
stores the list's filtered queryset with the job; the worker streams it row by row through
the same resource (same columns, same formula guard) into CSV (with a BOM) or XLSX (openpyxl's
write-only mode), so memory stays flat however many rows there are.
"""

import csv
import logging
import pickle
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from import_export.resources import ModelResource
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from accounts.roles import ADMIN
from config.celery_app import app
from consents.models import ExportJob
from consents.resources import ConsentEventResource, ContactResource

logger = logging.getLogger(__name__)
EXPORT_RESOURCES: dict[str, type[ModelResource]] = {
    ExportJob.Resource.CONTACTS: ContactResource,
    ExportJob.Resource.EVENTS: ConsentEventResource,
}
XLSX_MAX_ROWS = 1_048_576 - 1  # a sheet's limit, less the header row
PROGRESS_EVERY = 2_000
CHUNK_ROWS = 2_000
TASK_NAME = "consents.export_job_process"
# A file is deleted this long after it was written (the job's record stays): exports hold
# personal data, and a million-row file is large.
KEEP_FILES = timedelta(days=7)


class ExportTooLarge(ValueError):
    """The rows do not fit the chosen format."""


def export_is_large(rows: int) -> bool:
    return rows > settings.EXPORT_ASYNC_ROWS


def export_job_start(*, resource: str, queryset: QuerySet, fields: list[str] | None,
                     file_format: str, user: AbstractBaseUser, rows: int) -> ExportJob:
    """Record the export and hand it to the worker once the record is committed."""
    if file_format == ExportJob.Format.XLSX and rows > XLSX_MAX_ROWS:
        raise ExportTooLarge(_(
            "%(rows)d rows do not fit in one XLSX sheet (at most %(max)d). Export CSV, or "
            "narrow the list with a filter.") % {"rows": rows, "max": XLSX_MAX_ROWS})
    job = ExportJob.objects.create(
        requested_by=user, resource=resource, file_format=file_format,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        query=pickle.dumps(queryset.query), fields=list(fields or []), rows_total=rows)
    transaction.on_commit(lambda: app.send_task(TASK_NAME, args=[job.pk]))
    return job


def export_job_visible(job: ExportJob, user: AbstractBaseUser) -> bool:
    """Only the requester and the panel's admins see a job and its file."""
    return job.requested_by_id == user.pk or user_is_admin(user)


def user_is_admin(user: AbstractBaseUser) -> bool:
    return user.is_superuser or user.groups.filter(name=ADMIN).exists()


def export_jobs_for(user: AbstractBaseUser) -> QuerySet[ExportJob]:
    jobs = ExportJob.objects.all()
    return jobs if user_is_admin(user) else jobs.filter(requested_by=user)


def export_path(job: ExportJob) -> Path:
    return Path(settings.PRIVATE_EXPORT_ROOT) / job.file_name


def export_files_expire() -> int:
    """Delete the files of exports finished more than KEEP_FILES ago; returns how many."""
    expired = 0
    for job in ExportJob.objects.filter(state=ExportJob.State.DONE,
                                        finished_at__lt=timezone.now() - KEEP_FILES):
        export_path(job).unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(state=ExportJob.State.EXPIRED)
        expired += 1
    return expired


def export_job_run(*, job_id: int) -> None:
    """Write the file (again, from the start, if a worker died half-way)."""
    export_files_expire()  # each export clears the old ones: no beat schedule needed
    job = ExportJob.objects.get(pk=job_id)
    if job.state == ExportJob.State.DONE:
        return  # a redelivered task: the file is there
    resource_class = EXPORT_RESOURCES[job.resource]
    queryset = resource_class._meta.model.objects.all()
    queryset.query = pickle.loads(bytes(job.query))  # written by export_job_start only
    stamp = timezone.localtime(job.created_at).strftime("%Y-%m-%d-%H%M")
    job.file_name = f"{job.resource}-{stamp}-{job.pk}.{job.file_format}"
    job.state, job.rows_done = ExportJob.State.RUNNING, 0
    job.save(update_fields=["file_name", "state", "rows_done"])
    path = export_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    with translation.override(job.language):
        resource = resource_class()
        rows = _rows(resource, queryset, job.fields or None)
        header = next(rows)
        progress = _Progress(job)
        temporary = path.with_suffix(".part")
        if job.file_format == ExportJob.Format.XLSX:
            _write_xlsx(temporary, header, rows, progress)
        else:
            _write_csv(temporary, header, rows, progress)
        temporary.replace(path)
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportJob.State.DONE, rows_done=progress.done, rows_total=progress.done,
        finished_at=timezone.now(), message="")


def export_job_fail(*, job_id: int, error: Exception) -> None:
    logger.exception("export %s failed", job_id, exc_info=error)
    ExportJob.objects.filter(pk=job_id).update(
        state=ExportJob.State.FAILED, finished_at=timezone.now(),
        message=_("The export stopped with an error; start it again."))


class _Progress:
    def __init__(self, job: ExportJob):
        self.job, self.done = job, 0

    def step(self) -> None:
        self.done += 1
        if self.done % PROGRESS_EVERY == 0:
            ExportJob.objects.filter(pk=self.job.pk).update(rows_done=self.done)


def _rows(resource: ModelResource, queryset: QuerySet,
          fields: list[str] | None) -> Iterator[list]:
    """The header, then one list of cells per row (each already formula-safe)."""
    yield resource.get_export_headers(selected_fields=fields)
    export_fields = resource.get_export_fields(fields)
    for instance in queryset.iterator(chunk_size=CHUNK_ROWS):
        yield [resource.export_field(field, instance) for field in export_fields]


def _write_csv(path: Path, header: list, rows: Iterator[list], progress: _Progress) -> None:
    # utf-8-sig: a BOM, so that Excel reads it as UTF-8 (as the panel's direct exports do).
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            progress.step()


def _xlsx_cell(value):
    return ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", value) \
        if isinstance(value, str) else value


def _write_xlsx(path: Path, header: list, rows: Iterator[list], progress: _Progress) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_cell(value) for value in row])
        progress.step()
    book.save(path)
