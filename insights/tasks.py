"""Celery tasks: thin wrappers over the insights services."""

from celery import shared_task

from insights.dashboard import dashboard_refresh
from insights.exports import EXPORT_TASK, segment_export_run


@shared_task(name="insights.dashboard_refresh")
def dashboard_refresh_task() -> int:
    return dashboard_refresh().took_ms


@shared_task(name=EXPORT_TASK)
def segment_export_task(export_id: int) -> int:
    return segment_export_run(export_id=export_id).rows
