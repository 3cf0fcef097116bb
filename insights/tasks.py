"""Celery tasks: thin wrappers over the insights services."""

from celery import shared_task

from insights.dashboard import dashboard_refresh


@shared_task(name="insights.dashboard_refresh")
def dashboard_refresh_task() -> int:
    return dashboard_refresh().took_ms
