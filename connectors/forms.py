from django import forms
from django.utils.translation import gettext_lazy as _

from connectors.models import IysConnector
from connectors.secrets import endpoint_validate
from connectors.services.status import connector_test

SECRET_FIELDS = ("password", "iletimerkezi_key", "iletimerkezi_hash")
# Each address and the secrets sent to it: a changed address needs them typed again, so that a
# stored secret never reaches an address it was not given for (e.g. by "Test connection").
SECRETS_OF_ADDRESS = {"base_url": ("password",),
                      "iletimerkezi_url": ("iletimerkezi_key", "iletimerkezi_hash")}
SETTINGS_FIELDS = ["is_active", "brand_code", "iys_code", "integrator_mode", "mutabakat_confirmed",
                   "permission_message", "permission_call", "permission_email", "route",
                   "base_url", "username", "password", "iletimerkezi_url", "iletimerkezi_key",
                   "iletimerkezi_hash", "night_window_start"]


class IysConnectorForm(forms.ModelForm):
    """Secrets are write-only: never rendered back; left empty, the stored value is kept."""

    base_url = forms.URLField(label=_("İYS API address"), required=False, assume_scheme="https",
                              validators=[endpoint_validate])
    iletimerkezi_url = forms.URLField(label=_("iletiMerkezi API address"), required=False,
                                      assume_scheme="https", validators=[endpoint_validate])

    class Meta:
        model = IysConnector
        fields = SETTINGS_FIELDS
        widgets = {name: forms.PasswordInput(render_value=False) for name in SECRET_FIELDS}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SECRET_FIELDS:
            field = self.fields[name]
            field.required = False
            if getattr(self.instance, name, ""):
                field.help_text = _("A value is stored. Leave empty to keep it.")

    @property
    def changed_data(self) -> list[str]:
        """A secret counts as changed only when a new one was typed (the history says so and
        nothing more); an empty secret field keeps the stored value."""
        return [name for name in super().changed_data
                if name not in SECRET_FIELDS or self._typed_secret(name)]

    def _typed_secret(self, name: str) -> bool:
        typed = self.data.get(self.add_prefix(name), "")
        return bool(typed) and typed != self.initial.get(name, "")

    def clean(self):
        cleaned = super().clean()
        for address, secrets in SECRETS_OF_ADDRESS.items():
            stored = self.initial.get(address) or ""
            if stored and cleaned.get(address, stored) != stored:
                for name in secrets:
                    if self.initial.get(name) and not cleaned.get(name):
                        self.add_error(name, _(
                            "The address changed: type this again. A stored secret is never "
                            "sent to a new address."))
        for name in SECRET_FIELDS:
            if not cleaned.get(name):
                cleaned[name] = getattr(self.instance, name, "")
        if cleaned.get("is_active") and not (cleaned.get("brand_code") and cleaned.get("iys_code")):
            raise forms.ValidationError(
                _("The brand code and the İYS code are both required to install the connector."))
        if cleaned.get("route") == IysConnector.Route.ILETIMERKEZI and not all(
                cleaned.get(name) for name in ("iletimerkezi_url", "iletimerkezi_key",
                                               "iletimerkezi_hash")):
            self.add_error("route", _(
                "The iletiMerkezi route needs the iletiMerkezi API address, key and hash."))
        if cleaned.get("integrator_mode") and not cleaned.get("mutabakat_confirmed"):
            self.add_error("mutabakat_confirmed", _(
                "Confirm that Mutabakat Yönetimi is enabled and the integrator permission is "
                "granted in the İYS portal before turning on Integrator mode."))
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        # "Save and test connection" tests the settings as posted first and saves only when
        # the connection works, unless the admin chose "Save anyway".
        self.connection_failed = False
        if self.errors or "_test_connection" not in self.data or "_save_anyway" in self.data:
            return
        ok, message = connector_test(connector=self.instance)
        self.instance.connection_test = (ok, message)
        if not ok:
            self.connection_failed = True
            self.add_error(None, _("%(message)s Nothing was saved. Correct the settings and "
                                   "test again, or save anyway (type the secrets again).")
                           % {"message": message})
