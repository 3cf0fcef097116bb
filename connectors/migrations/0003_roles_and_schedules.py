from django.db import migrations

from accounts.roles import roles_sync

# The connector's jobs in django-celery-beat: visible and editable under Periodic tasks.
INTERVALS = [
    ("İYS push", "connectors.iys_push", 1, "minutes"),
    ("İYS pull", "connectors.iys_pull", 15, "minutes"),
    ("İYS initial sync (Sync mode, from the night window)", "connectors.iys_initial_sync", 10,
     "minutes"),
]
RECONCILE = ("İYS reconciliation (Mutabakat)", "connectors.iys_reconcile")


def schedules_create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, every, period in INTERVALS:
        interval, _created = IntervalSchedule.objects.get_or_create(every=every, period=period)
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task,
                                                                "interval": interval})
    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute="30", hour="3", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="Europe/Istanbul")
    PeriodicTask.objects.get_or_create(name=RECONCILE[0], defaults={"task": RECONCILE[1],
                                                                    "crontab": crontab})


def schedules_remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[i[0] for i in INTERVALS] + [RECONCILE[0]]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0002_iysbulkrequest_joblock_iysrejection_and_more"),
        ("accounts", "0001_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        migrations.RunPython(roles_sync, migrations.RunPython.noop),
        migrations.RunPython(schedules_create, schedules_remove),
    ]
