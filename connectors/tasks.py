"""Celery tasks: thin wrappers that call the connector's services."""

import logging

from celery import shared_task

from connectors.services.initial import iys_initial_sync
from connectors.services.locks import JobBusy
from connectors.services.pull import iys_pull
from connectors.services.push import iys_push, iys_push_consent
from connectors.services.reconcile import iys_reconcile

logger = logging.getLogger(__name__)


def _run(job, **kwargs) -> str:
    try:
        report = str(job(**kwargs))
    except JobBusy:
        report = f"{job.__name__}: already running elsewhere"
    logger.info(report)
    return report


@shared_task(name="connectors.iys_push")
def iys_push_task() -> str:
    return _run(iys_push)


@shared_task(name="connectors.iys_push_consent")
def iys_push_consent_task(consent_id: int) -> str:
    return iys_push_consent(consent_id=consent_id)


@shared_task(name="connectors.iys_pull")
def iys_pull_task() -> str:
    return _run(iys_pull)


@shared_task(name="connectors.iys_initial_sync")
def iys_initial_sync_task() -> str:
    return _run(iys_initial_sync)


@shared_task(name="connectors.iys_reconcile")
def iys_reconcile_task() -> str:
    return _run(iys_reconcile)
