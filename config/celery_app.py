from celery import Celery

from config.environment import settings_module_default

settings_module_default()  # DJANGO_ENV picks local or production settings

app = Celery("iys_hub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
