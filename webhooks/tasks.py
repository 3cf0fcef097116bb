"""Celery tasks: thin wrappers over webhooks.services."""

from celery import shared_task

from webhooks.services import DELIVER_TASK, webhooks_deliver


@shared_task(name=DELIVER_TASK)
def webhooks_deliver_task() -> int:
    return webhooks_deliver()
