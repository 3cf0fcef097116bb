"""The İYS connector's settings: one row per installation."""

from datetime import time

from django.db import models
from django.utils.translation import gettext_lazy as _

from connectors.secrets import EncryptedSecretField
from consents.models import Consent


class IysConnector(models.Model):
    class Route(models.TextChoices):
        IYS_API = "iys", _("İYS API directly")
        ILETIMERKEZI = "iletimerkezi", _("Through the SMS provider iletiMerkezi")

    brand_code = models.CharField(_("brand code"), max_length=32, blank=True)
    iys_code = models.CharField(_("İYS code"), max_length=32, blank=True)
    is_active = models.BooleanField(_("installed"), default=False,
                                    help_text=_("Needs the brand code and the İYS code."))
    integrator_mode = models.BooleanField(
        _("İYS Integrator"), default=False,
        help_text=_("We create and manage recipients in İYS. Unchecked: Sync mode, İYS is the "
                    "master and only recipients it already knows are updated."))
    mutabakat_confirmed = models.BooleanField(
        _("Mutabakat Yönetimi is enabled and the integrator permission is granted in the "
          "İYS portal"), default=False)
    permission_message = models.BooleanField(_("message permission granted"), default=True)
    permission_call = models.BooleanField(_("call permission granted"), default=True)
    permission_email = models.BooleanField(_("e-mail permission granted"), default=True)
    route = models.CharField(_("route"), max_length=16, choices=Route.choices,
                             default=Route.IYS_API)
    base_url = models.URLField(_("İYS API address"), blank=True)
    username = models.CharField(_("İYS API user name"), max_length=150, blank=True)
    # Secrets are write-only: forms never render them back (see connectors.forms), and they
    # are stored encrypted (connectors.secrets).
    password = EncryptedSecretField(_("İYS API password"), blank=True)
    iletimerkezi_url = models.URLField(_("iletiMerkezi API address"), blank=True)
    iletimerkezi_key = EncryptedSecretField(_("iletiMerkezi API key"), blank=True)
    iletimerkezi_hash = EncryptedSecretField(_("iletiMerkezi API hash"), blank=True)
    night_window_start = models.TimeField(
        _("initial sync starts at"), default=time(2, 0),
        help_text=_("Europe/Istanbul time; the initial sync of Sync mode starts then."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # What the jobs have done: shown read-only on the settings page.
    class InitialSync(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        SCHEDULED = "scheduled", _("Scheduled for the night window")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")

    initial_sync_state = models.CharField(_("initial sync"), max_length=12,
                                          choices=InitialSync.choices,
                                          default=InitialSync.NOT_STARTED)
    initial_sync_not_before = models.DateTimeField(_("initial sync starts"), null=True,
                                                   blank=True)
    initial_sync_checkpoint = models.BigIntegerField(
        _("initial sync checkpoint"), default=0,
        help_text=_("The last contact reconciled; a restart continues after it."))
    initial_sync_done = models.PositiveIntegerField(_("contacts reconciled"), default=0)
    initial_sync_total = models.PositiveIntegerField(_("contacts to reconcile"), default=0)
    initial_sync_finished_at = models.DateTimeField(_("initial sync finished"), null=True,
                                                    blank=True)
    pull_cursor_hs = models.CharField(_("pull cursor (service providers)"), max_length=255,
                                      blank=True)
    pull_cursor_iys = models.CharField(_("pull cursor (citizens in İYS)"), max_length=255,
                                       blank=True)
    last_pull_at = models.DateTimeField(_("last pull"), null=True, blank=True)
    last_push_at = models.DateTimeField(_("last push"), null=True, blank=True)
    last_reconcile_at = models.DateTimeField(_("last reconciliation"), null=True, blank=True)
    blocked_reason = models.TextField(
        _("push stopped"), blank=True,
        help_text=_("Why consents are not being sent; fix it and save the settings."))
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("İYS connector")
        verbose_name_plural = _("İYS connector")

    def __str__(self) -> str:
        return str(_("İYS connector"))

    @classmethod
    def load(cls) -> "IysConnector":
        connector, _created = cls.objects.get_or_create(pk=1)
        return connector

    @property
    def is_ready(self) -> bool:
        return self.is_active and bool(self.brand_code and self.iys_code)

    def channel_permitted(self, consent_type: str) -> bool:
        return {"MESAJ": self.permission_message, "ARAMA": self.permission_call,
                "EPOSTA": self.permission_email}.get(consent_type, False)


class JobLock(models.Model):
    """One running copy of each connector job; expires if its worker dies."""

    name = models.CharField(max_length=32, primary_key=True)
    owner = models.CharField(max_length=64, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("job lock")
        verbose_name_plural = _("job locks")

    def __str__(self) -> str:
        return self.name


class IysBulkRequest(models.Model):
    """A bulk request sent to İYS: which consent sits at which index, until every result is in."""

    request_id = models.CharField(_("İYS request ID"), max_length=64, unique=True)
    consent_ids = models.JSONField(_("consents, in request order"))
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    polls = models.PositiveIntegerField(_("polls"), default=0)

    class Meta:
        ordering = ["id"]
        verbose_name = _("İYS bulk request")
        verbose_name_plural = _("İYS bulk requests")

    def __str__(self) -> str:
        return self.request_id


class ReconciliationDifference(models.Model):
    """Mutabakat: where İYS's daily change file and our records disagree."""

    class Kind(models.TextChoices):
        MISSING_HERE = "missing_here", _("In İYS, not here")
        STATUS_DIFFERS = "status_differs", _("Status differs")
        MISSING_IN_IYS = "missing_in_iys", _("Accepted here, not in İYS's file")

    report_date = models.DateField(_("report date"))
    recipient = models.CharField(_("recipient"), max_length=265)
    recipient_type = models.CharField(_("recipient type"), max_length=8)
    type = models.CharField(_("type"), max_length=6)
    kind = models.CharField(_("difference"), max_length=16, choices=Kind.choices)
    iys_status = models.CharField(_("status in İYS"), max_length=4, blank=True)
    local_status = models.CharField(_("status here"), max_length=4, blank=True)
    iys_transaction_id = models.CharField(_("İYS transaction ID"), max_length=64, blank=True)
    found_at = models.DateTimeField(_("found at"), auto_now_add=True)

    class Meta:
        ordering = ["-report_date", "recipient"]
        verbose_name = _("reconciliation difference")
        verbose_name_plural = _("reconciliation differences")
        constraints = [models.UniqueConstraint(
            fields=["report_date", "recipient", "recipient_type", "type"],
            name="one_difference_per_report_recipient_type")]

    def __str__(self) -> str:
        return f"{self.report_date} {self.recipient} {self.type}"


class IysRejection(Consent):
    """Consents İYS refused for good, filterable by error code (a read-only view)."""

    class Meta:
        proxy = True
        verbose_name = _("İYS rejection")
        verbose_name_plural = _("İYS rejections")
