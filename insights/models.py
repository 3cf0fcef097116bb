"""The dashboard's summary tables, saved segments and their exports."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DashboardSnapshot(models.Model):
    """The headline numbers, computed by beat (insights.dashboard_refresh) and read in one row.

    ``numbers``: {channel: {contacts, opt_in, sendable, pending, rejected, local: {reason: n}}},
    ``rejections``: [[code, count, message], …] the top İYS rejection codes."""

    numbers = models.JSONField(default=dict)
    rejections = models.JSONField(default=list)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    took_ms = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("dashboard snapshot")
        verbose_name_plural = _("dashboard snapshots")

    def __str__(self) -> str:
        return f"{self.refreshed_at}"

    @classmethod
    def load(cls) -> "DashboardSnapshot":
        snapshot, _created = cls.objects.get_or_create(pk=1)
        return snapshot


class DailyCount(models.Model):
    """Per day (Turkey time): opt-ins and opt-outs by origin, İYS results. Added to
    incrementally from the consent events after ``DailyCountCursor.last_event_id``."""

    class Metric(models.TextChoices):
        OPT_IN = "opt_in", _("Opt-ins")
        OPT_OUT = "opt_out", _("Opt-outs")
        ACCEPTED = "accepted", _("Accepted by İYS")
        REJECTED = "rejected", _("Rejected by İYS")
        LATE = "late", _("Too late for İYS")

    day = models.DateField()
    metric = models.CharField(max_length=10, choices=Metric.choices)
    origin = models.CharField(max_length=10, blank=True)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("daily count")
        verbose_name_plural = _("daily counts")
        constraints = [models.UniqueConstraint(fields=["day", "metric", "origin"],
                                               name="dailycount_day_metric_origin")]

    def __str__(self) -> str:
        return f"{self.day} {self.metric} {self.origin} {self.count}"


class DailyCountCursor(models.Model):
    """The last consent event counted into DailyCount (events are append-only, ids grow)."""

    last_event_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("daily count cursor")
        verbose_name_plural = _("daily count cursors")

    def __str__(self) -> str:
        return str(self.last_event_id)


class Segment(models.Model):
    """A saved, named filter over contacts (see insights.segments for the rules' shape)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    rules = models.JSONField(_("rules"), default=list, blank=True)
    sendable_channel = models.CharField(
        _("only sendable on"), max_length=8, blank=True,
        help_text=_("Restrict to contacts a campaign may message on this channel."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, editable=False, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self) -> str:
        return self.name


class SegmentExport(models.Model):
    """A segment written to a CSV or XLSX file by the worker."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="exports",
                                verbose_name=_("segment"))
    format = models.CharField(_("format"), max_length=4, choices=Format.choices,
                              default=Format.CSV)
    state = models.CharField(_("state"), max_length=8, choices=State.choices,
                             default=State.QUEUED)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    file_name = models.CharField(_("file"), max_length=255, blank=True, editable=False)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, editable=False, related_name="+",
                                   verbose_name=_("requested by"))
    created_at = models.DateTimeField(_("requested at"), default=timezone.now, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("segment export")
        verbose_name_plural = _("segment exports")

    def __str__(self) -> str:
        return f"{self.segment} ({self.format})"
