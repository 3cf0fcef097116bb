from django.db import migrations

from accounts.roles import roles_sync

# In django-celery-beat, every minute: the dashboard's summary tables (docs/performance.md,
# "Dashboard") and the webhook delivery run (retries, and anything a down broker missed).
TASKS = [("Dashboard refresh", "insights.dashboard_refresh"),
         ("Webhook delivery", "webhooks.deliver")]


def schedules_create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _created = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    for name, task in TASKS:
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task,
                                                                "interval": interval})


def schedules_remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, _task in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0001_initial"),
        ("webhooks", "0001_initial"),
        ("connectors", "0004_bulk_requests_kept"),
        ("uploads", "0002_roles"),
        ("api", "0001_initial"),
        ("consents", "0010_event_without_consent_index"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        migrations.RunPython(roles_sync, migrations.RunPython.noop),
        migrations.RunPython(schedules_create, schedules_remove),
    ]
