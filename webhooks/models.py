"""Webhook endpoints, their outbox of events and the log of every delivery attempt."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connectors.secrets import EncryptedSecretField


class EventType(models.TextChoices):
    CONSENT_CHANGED = "consent.changed", _("A consent changed (batched per upload)")
    CONSENT_IYS_REJECTED = "consent.iys_rejected", _("İYS rejected a consent")
    UPLOAD_FINISHED = "upload.finished", _("An upload finished")
    CONNECTOR_BLOCKED = "connector.blocked", _("The İYS connector stopped sending")


class WebhookEndpoint(models.Model):
    """A URL that receives the events it subscribes to, signed with its own secret."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500,
                          help_text=_("http or https; checked against internal addresses."))
    events = models.JSONField(_("events"), default=list)
    # The signing secret must be usable to sign, so it is kept, not hashed; the panel never
    # shows it again after creation. Kept in one column so that encryption at rest (Fernet)
    # can wrap it later without changing callers (webhooks.services.endpoint_secret).
    secret = EncryptedSecretField(editable=False)
    secret_prefix = models.CharField(_("secret starts with"), max_length=12, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_reason = models.TextField(_("disabled because"), blank=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    # A worker delivering to this endpoint holds the lease: one at a time keeps the order.
    lease_owner = models.CharField(max_length=64, blank=True, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, editable=False, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.name


class WebhookEvent(models.Model):
    """The outbox: one row per event and endpoint, written in the changing transaction."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Gave up")

    # No database FK constraint: the outbox insert must never wait on a lock that a delivery
    # holds on the endpoint row (a slow receiver must not slow a consent write).
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.PROTECT, related_name="outbox",
                                 verbose_name=_("webhook"), db_constraint=False, db_index=False)
    event_id = models.UUIDField(_("event ID"), default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(_("event"), max_length=32, choices=EventType.choices)
    data = models.JSONField(_("data"))
    items = models.PositiveIntegerField(_("items"), default=1)
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        indexes = [
            models.Index(fields=["endpoint", "id"], name="webhookevent_pending_idx",
                         condition=models.Q(state="pending")),
            models.Index(fields=["endpoint", "-id"], name="webhookevent_endpoint_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class WebhookDelivery(models.Model):
    """One attempt to deliver an event: what the receiver answered."""

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries",
                              verbose_name=_("event"))
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE,
                                 related_name="deliveries", verbose_name=_("webhook"))
    status_code = models.PositiveIntegerField(_("status code"), null=True, blank=True)
    ok = models.BooleanField(_("delivered"), default=False)
    error = models.CharField(_("error"), max_length=255, blank=True)
    response_excerpt = models.TextField(_("response"), blank=True)
    duration_ms = models.PositiveIntegerField(_("time (ms)"), default=0)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["endpoint", "-id"], name="webhookdelivery_endpoint_idx")]

    def __str__(self) -> str:
        return f"{self.event_id} {self.status_code or self.error}"
