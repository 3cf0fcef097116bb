"""Contact uploads: the stored file, its column matching, progress, summary and row errors."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from uploads.errors import row_error_text


class Upload(models.Model):
    """One contact file on its way through the wizard and the pipeline."""

    class Mode(models.TextChoices):
        SUBSCRIBED = "subscribed", _("Subscribed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        IYS = "iys", _("IYS Synchronize")

    class State(models.TextChoices):
        DRAFT = "draft", _("Matching columns")
        QUEUED = "queued", _("Queued")
        PROCESSING = "processing", _("Processing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        BLOCKED = "blocked", _("Blocked")
        CANCELLED = "cancelled", _("Cancelled")

    name = models.CharField(_("file name"), max_length=200,
                            help_text=_("Shown in the list of file transfers."))
    original_name = models.CharField(_("uploaded file"), max_length=255)
    stored_path = models.CharField(_("stored file"), max_length=255, editable=False,
                                   help_text=_("Relative to the private upload folder."))
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    mode = models.CharField(_("status"), max_length=12, choices=Mode.choices, default=Mode.IYS)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=1, blank=True)
    has_header = models.BooleanField(_("first row holds column names"), default=True)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True,
                             help_text=_("The sheet of an Excel workbook that is read."))
    sheets = models.JSONField(_("sheets"), default=list, blank=True)
    guarded = models.BooleanField(
        _("formula guard read back"), default=False,
        help_text=_("The file is a corrected error file: the ' before + = - @ is removed."))
    default_country = models.CharField(
        _("country of numbers without a country code"), max_length=2, blank=True,
        help_text=_("TR: numbers such as 0532 123 45 67 are read as +90. Empty: refused."))
    notices = models.JSONField(_("notices"), default=list, blank=True,
                               help_text=_("What the file's reading noticed, e.g. lines in "
                                           "another encoding."))
    headers = models.JSONField(_("columns"), default=list, blank=True)
    samples = models.JSONField(_("sample rows"), default=list, blank=True)
    mapping = models.JSONField(_("column matching"), default=list, blank=True,
                               help_text=_("One target per column; empty: not imported."))
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.DRAFT)
    message = models.TextField(_("message"), blank=True,
                               help_text=_("Why the upload was blocked or failed."))
    rows_total = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(_("rows processed"), default=0)
    checkpoint = models.PositiveIntegerField(
        _("checkpoint"), default=0,
        help_text=_("File records (header included) fully written; a restart resumes here."))
    counts = models.JSONField(_("summary counts"), default=dict, blank=True)
    ignored_columns = models.JSONField(_("ignored columns"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("uploaded by"))
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now, editable=False)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(
        _("handed to the worker at"), null=True, blank=True,
        help_text=_("Empty while queued: the broker was unreachable; beat sends it again."))
    heartbeat_at = models.DateTimeField(
        _("last sign of life"), null=True, blank=True,
        help_text=_("A running upload updates it every few seconds."))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("contact upload")
        verbose_name_plural = _("Contact Upload")

    def __str__(self) -> str:
        return self.name

    @property
    def reference(self) -> str:
        """How consent events name this upload (origin reference)."""
        return f"upload:{self.pk}:{self.name}"[:255]

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(100, int(self.rows_done * 100 / self.rows_total))

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED, self.State.BLOCKED,
                              self.State.CANCELLED)

    @property
    def is_stale(self) -> bool:
        """Processing, but its worker has given no sign of life for a while (it died)."""
        if self.state != self.State.PROCESSING:
            return False
        last = self.heartbeat_at or self.started_at
        return last is None or (timezone.now() - last).total_seconds() > (
            settings.UPLOAD_STALE_SECONDS)


class UploadRowError(models.Model):
    """A row (or one cell of it) that was not applied as written, and why."""

    class Kind(models.TextChoices):
        REJECTED = "rejected", _("Row rejected")
        OPTOUT = "optout", _("Kept as opt-out")
        CELL = "cell", _("Cell not imported")
        NOT_RECORDED = "consent", _("Consent not recorded")
        LOCAL = "local", _("Stored locally, not sent to İYS")
        DUPLICATE = "duplicate", _("Replaced by a later row")

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="row_errors",
                               verbose_name=_("upload"))
    row_number = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=255, blank=True)
    value = models.TextField(_("value"), blank=True)
    message = models.TextField(_("message"), blank=True,
                               help_text=_("The wording of an error without a known code (and "
                                           "of errors stored before codes existed)."))
    code = models.CharField(_("error code"), max_length=40, blank=True)
    params = models.JSONField(_("error parameters"), default=dict, blank=True)
    channels = models.CharField(_("channels"), max_length=40, blank=True,
                                help_text=_("The channels the error concerns, e.g. email,sms."))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices,
                            default=Kind.REJECTED)

    class Meta:
        ordering = ["row_number", "id"]
        verbose_name = _("upload row error")
        verbose_name_plural = _("upload row errors")
        indexes = [models.Index(fields=["upload", "row_number"], name="uploadrowerror_row_idx")]

    def __str__(self) -> str:
        return f"{self.row_number}: {self.text}"

    @property
    def text(self) -> str:
        """The error in the active language, its channels in front."""
        return row_error_text(code=self.code, params=self.params, kind=self.kind,
                              channels=self.channels, fallback=self.message)


class UploadMapping(models.Model):
    """The column matching last saved for a set of headers, offered again next time."""

    signature = models.CharField(_("header signature"), max_length=64, unique=True)
    headers = models.JSONField(_("columns"), default=list)
    mapping = models.JSONField(_("column matching"), default=list)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("remembered column matching")
        verbose_name_plural = _("remembered column matchings")

    def __str__(self) -> str:
        return ", ".join(self.headers)[:100]
