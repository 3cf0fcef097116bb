"""The İYS connector's settings: one row per installation."""

from datetime import time

from django.db import models
from django.utils.translation import gettext_lazy as _


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
    # Secrets are write-only: forms never render them back (see connectors.forms).
    password = models.CharField(_("İYS API password"), max_length=255, blank=True)
    iletimerkezi_url = models.URLField(_("iletiMerkezi API address"), blank=True)
    iletimerkezi_key = models.CharField(_("iletiMerkezi API key"), max_length=255, blank=True)
    iletimerkezi_hash = models.CharField(_("iletiMerkezi API hash"), max_length=255, blank=True)
    night_window_start = models.TimeField(_("initial sync starts at"), default=time(2, 0))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

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
