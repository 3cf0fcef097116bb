"""Segment exports: CSV or XLSX files written by the worker, a page (keyset) at a time."""

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from celery import current_app
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook

from consents.exports import formula_safe
from consents.models import ProfileAttribute
from insights.models import Segment, SegmentExport
from insights.segments import segment_page

EXPORT_TASK = "insights.segment_export"
EXPORT_PAGE = 5000
FIXED_COLUMNS = ("id", "email", "phone", "external_id", "email_permission", "sms_permission",
                 "call_permission", "created_at", "updated_at")


def export_root() -> Path:
    """Outside any public URL space; only the admin's download view reads it."""
    return Path(settings.PRIVATE_UPLOAD_ROOT) / "segment-exports"


def export_path(export: SegmentExport) -> Path:
    return export_root() / export.file_name


def segment_export_request(*, segment: Segment, format: str,
                           user: AbstractBaseUser | None = None) -> SegmentExport:
    """Queue an export for the worker (after commit)."""
    export = SegmentExport.objects.create(segment=segment, format=format, created_by=user)
    transaction.on_commit(lambda: current_app.send_task(EXPORT_TASK, args=[export.pk]))
    return export


def _rows(segment: Segment, attributes: list[str]) -> Iterator[list[Any]]:
    after = 0
    while True:
        page = segment_page(rules=segment.rules, sendable_channel=segment.sendable_channel,
                            after=after, limit=EXPORT_PAGE)
        for contact in page:
            yield [contact.pk, contact.email or "", contact.phone or "",
                   contact.external_id or "", contact.email_permission, contact.sms_permission,
                   contact.call_permission,
                   timezone.localtime(contact.created_at).isoformat(timespec="seconds"),
                   timezone.localtime(contact.updated_at).isoformat(timespec="seconds"),
                   *(contact.attributes.get(name, "") for name in attributes)]
        if len(page) < EXPORT_PAGE:
            return
        after = page[-1].pk


def _safe(value: Any) -> Any:
    return formula_safe(value) if isinstance(value, str) else value


def segment_export_run(*, export_id: int) -> SegmentExport:
    """Write the file; safe to run twice (a finished export is left alone)."""
    export = SegmentExport.objects.select_related("segment").get(pk=export_id)
    if export.state in (SegmentExport.State.DONE, SegmentExport.State.FAILED):
        return export
    export.state = SegmentExport.State.RUNNING
    export.file_name = (f"segment-{export.segment_id}-export-{export.pk}."
                        f"{export.format}")
    export.save(update_fields=["state", "file_name"])
    attributes = list(ProfileAttribute.objects.order_by("name").values_list("name", flat=True))
    header = [*FIXED_COLUMNS, *attributes]
    path = export_path(export)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    rows = 0
    try:
        if export.format == SegmentExport.Format.XLSX:
            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet(export.segment.name[:31] or "segment")
            sheet.append(header)
            for row in _rows(export.segment, attributes):
                sheet.append([_safe(v) for v in row])
                rows += 1
            workbook.save(partial)
        else:
            with partial.open("w", newline="", encoding="utf-8-sig") as handle:
                writer = csv.writer(handle)
                writer.writerow(header)
                for row in _rows(export.segment, attributes):
                    writer.writerow([_safe(v) for v in row])
                    rows += 1
        partial.replace(path)
    except Exception as error:
        partial.unlink(missing_ok=True)
        export.state, export.message = SegmentExport.State.FAILED, str(error)[:500]
        export.finished_at = timezone.now()
        export.save(update_fields=["state", "message", "finished_at"])
        raise
    export.state, export.rows, export.finished_at = SegmentExport.State.DONE, rows, timezone.now()
    export.save(update_fields=["state", "rows", "finished_at"])
    return export
