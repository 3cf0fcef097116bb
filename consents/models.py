"""Contacts, their İYS consents and the append-only history of every change."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consents.choices import (
    ConsentSource,
    ConsentStatus,
    ConsentType,
    IysHeld,
    IysState,
    Origin,
    Permission,
    RecipientType,
)


class AppendOnlyError(Exception):
    """Consent data is legal evidence: it is never deleted or rewritten."""


class ProfileAttribute(models.Model):
    class Type(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("Number")
        DATE = "date", _("Date")
        BOOLEAN = "boolean", _("Boolean")

    name = models.SlugField(_("name"), max_length=64, unique=True,
                            help_text=_("Key used in files and the API, e.g. city."))
    label = models.CharField(_("label"), max_length=120)
    type = models.CharField(_("type"), max_length=10, choices=Type.choices, default=Type.TEXT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("profile attribute")
        verbose_name_plural = _("profile attributes")

    def __str__(self) -> str:
        return self.label or self.name


class Contact(models.Model):
    """One person the brand messages, known by at least one identifier."""

    # Unique through Meta.constraints, not unique=True: on PostgreSQL that would add a second
    # (LIKE pattern) index per identifier, which no query uses and every new contact pays for.
    # NULL, not "", for a missing identifier: a unique constraint admits many NULLs.
    email = models.CharField(_("e-mail"), max_length=265, null=True, blank=True)  # noqa: DJ001
    phone = models.CharField(_("phone"), max_length=16, null=True, blank=True,  # noqa: DJ001
                             help_text=_("E.164 with country code, e.g. +905321234567."))
    external_id = models.CharField(_("external ID"), max_length=255, null=True,  # noqa: DJ001
                                   blank=True)
    email_permission = models.CharField(_("e-mail permission"), max_length=8,
                                        choices=Permission.choices, default=Permission.OPT_OUT)
    sms_permission = models.CharField(_("SMS permission"), max_length=8,
                                      choices=Permission.choices, default=Permission.OPT_OUT)
    call_permission = models.CharField(_("call permission"), max_length=8,
                                       choices=Permission.choices, default=Permission.OPT_OUT)
    # What İYS holds for the individual (BIREYSEL) record of each channel, as the hub learnt it
    # from accepted pushes, pulls, the initial sync and status queries. "Sendable" needs ONAY
    # here when a connector is installed (consents.selectors.channel_state).
    email_iys_status = models.CharField(_("e-mail in İYS"), max_length=4, blank=True,
                                        choices=IysHeld.choices, default=IysHeld.NOTHING,
                                        db_default=IysHeld.NOTHING)
    sms_iys_status = models.CharField(_("SMS in İYS"), max_length=4, blank=True,
                                      choices=IysHeld.choices, default=IysHeld.NOTHING,
                                      db_default=IysHeld.NOTHING)
    call_iys_status = models.CharField(_("call in İYS"), max_length=4, blank=True,
                                       choices=IysHeld.choices, default=IysHeld.NOTHING,
                                       db_default=IysHeld.NOTHING)
    attributes = models.JSONField(_("profile attributes"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.CheckConstraint(
                condition=Q(email__isnull=False) | Q(phone__isnull=False)
                | Q(external_id__isnull=False),
                name="contact_has_identifier",
            ),
            *(models.UniqueConstraint(fields=[name], name=f"contact_{name}_unique")
              for name in ("email", "phone", "external_id")),
        ]

    def __str__(self) -> str:
        return self.external_id or self.email or self.phone or f"#{self.pk}"

    def permission(self, channel: str) -> str:
        return getattr(self, f"{channel}_permission")

    def iys_status(self, channel: str) -> str:
        return getattr(self, f"{channel}_iys_status")


class ConsentQuerySet(models.QuerySet):
    def update(self, **kwargs):
        rewritten = set(kwargs) - Consent.DELIVERY_FIELDS
        if rewritten:
            raise AppendOnlyError(f"consent fields cannot be rewritten: {sorted(rewritten)}")
        return super().update(**kwargs)

    def delete(self):
        raise AppendOnlyError("consents are never deleted")

    def current(self):
        return self.filter(is_current=True)


class Consent(models.Model):
    """One İYS consent record. What it says never changes; only its delivery state moves on."""

    # Everything else is what the consent says and is immutable once stored.
    DELIVERY_FIELDS = frozenset({
        "is_current", "iys_state", "iys_transaction_id", "iys_request_id", "iys_error_code",
        "iys_error_message", "iys_updated_at", "iys_attempts",
    })

    # No database FK constraint, as for events: an upload writes two consents per row and
    # PostgreSQL would check each at commit; a trigger refuses deleting a contact instead.
    # (contact, type) below serves lookups by contact: no index of its own.
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="consents",
                                verbose_name=_("contact"), db_constraint=False, db_index=False)
    recipient = models.CharField(_("recipient"), max_length=265)
    recipient_type = models.CharField(_("recipient type"), max_length=8,
                                      choices=RecipientType.choices, default=RecipientType.BIREYSEL)
    type = models.CharField(_("type"), max_length=6, choices=ConsentType.choices)
    status = models.CharField(_("status"), max_length=4, choices=ConsentStatus.choices)
    source = models.CharField(_("source"), max_length=20, choices=ConsentSource.choices,
                              blank=True)
    consent_date = models.DateTimeField(_("consent date"), null=True, blank=True)
    is_current = models.BooleanField(_("current"), default=True)
    iys_state = models.CharField(_("İYS state"), max_length=10, choices=IysState.choices,
                                 default=IysState.LOCAL)
    iys_transaction_id = models.CharField(_("İYS transaction ID"), max_length=64, blank=True)
    iys_request_id = models.CharField(_("İYS bulk request ID"), max_length=64, blank=True)
    iys_error_code = models.CharField(_("İYS error code"), max_length=16, blank=True)
    iys_error_message = models.TextField(_("İYS error message"), blank=True)
    iys_attempts = models.PositiveIntegerField(_("delivery attempts"), default=0)
    iys_updated_at = models.DateTimeField(_("İYS state changed"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "recipient_type", "type"], condition=Q(is_current=True),
                name="one_current_consent_per_recipient_and_type",
            ),
        ]
        indexes = [
            # Only states that wait or need a look (the outbox, the waiting count, the rejected
            # list): an accepted or local consent, the vast majority, costs this index nothing.
            models.Index(fields=["iys_state", "id"], name="consent_iys_state_idx", condition=Q(
                iys_state__in=[IysState.PENDING, IysState.SENT, IysState.REJECTED,
                               IysState.CHECK])),
            models.Index(fields=["contact", "type"], name="consent_contact_type_idx"),
            # The pull looks changes up by transaction ID; a consent not yet sent has none,
            # so new consents cost this index nothing.
            models.Index(fields=["iys_transaction_id"], condition=~Q(iys_transaction_id=""),
                         name="consent_iys_transaction_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {self.type} {self.status}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            update_fields = kwargs.get("update_fields")
            if not update_fields or set(update_fields) - self.DELIVERY_FIELDS:
                raise AppendOnlyError("a stored consent cannot be rewritten; record a new one")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("consents are never deleted")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("consent events are append-only")

    def delete(self):
        raise AppendOnlyError("consent events are append-only")


class ConsentEvent(models.Model):
    """Append-only history: who changed what, when, and where the change came from."""

    class Kind(models.TextChoices):
        CONSENT = "consent", _("Consent recorded")
        PERMISSION = "permission", _("Permission changed")
        DELIVERY = "delivery", _("İYS delivery")
        CONTACT = "contact", _("Contact changed")

    # No database FK constraints here: an upload writes three events per row, and PostgreSQL
    # checks each constraint row by row at commit. Integrity holds without them: events are
    # written by the services next to the rows they name, and triggers refuse deleting a
    # contact or a consent (migration 0006).
    # event_contact_idx (contact, -id) serves lookups by contact: no index of its own. No
    # query looks events up by consent (consents are never deleted, so PROTECT never asks),
    # and an index on it took a seventh of a fresh upload's WAL records: none.
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="events",
                                verbose_name=_("contact"), db_constraint=False, db_index=False)
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="events", verbose_name=_("consent"),
                                db_constraint=False, db_index=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    field = models.CharField(_("field"), max_length=64, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    origin_reference = models.CharField(_("origin reference"), max_length=255, blank=True,
                                        help_text=_("Upload file, API key, İYS cursor…"))
    row_number = models.PositiveIntegerField(_("row"), null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+", verbose_name=_("actor"),
                              db_index=False, db_constraint=False)  # Django's PROTECT guards
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")
        indexes = [models.Index(fields=["contact", "-id"], name="event_contact_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.field}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("consent events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("consent events are append-only")
