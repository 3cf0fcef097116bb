from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from consents.choices import Channel, ConsentSource, ConsentStatus, Permission
from consents.dates import parse_consent_date
from consents.identifiers import normalize_email, normalize_external_id, normalize_phone
from consents.models import Consent, Contact
from consents.services import attributes_clean, consent_facts, consent_validate


class ContactAdminForm(forms.ModelForm):
    # A permission changed here is a consent the person gave or withdrew: it is recorded (now,
    # from this source) and goes to İYS like any other.
    consent_source = forms.ChoiceField(
        label=_("Consent source"), required=False,
        choices=[("", "---------"), *((value, label) for value, label in ConsentSource.choices
                                     if value != ConsentSource.HS_2015)],
        help_text=_("Where the person gave or withdrew consent: needed when a permission "
                    "changes. The change is recorded as a consent dated now and sent to İYS."))

    class Meta:
        model = Contact
        fields = ["email", "phone", "external_id", "email_permission", "sms_permission",
                  "call_permission", "consent_source", "attributes"]

    def permission_changes(self) -> dict[str, str]:
        """The channels whose permission this form changes: channel -> new permission."""
        return {channel: self.cleaned_data[f"{channel}_permission"]
                for channel in Channel.values
                if f"{channel}_permission" in self.cleaned_data
                and self.cleaned_data[f"{channel}_permission"]
                != (self.initial.get(f"{channel}_permission") or Permission.OPT_OUT)}

    def clean(self):
        cleaned = super().clean()
        changes = self.permission_changes()
        if changes and not cleaned.get("consent_source"):
            self.add_error("consent_source", ValidationError(
                _("Choose where the person gave or withdrew consent: a permission change is "
                  "recorded as a consent."), code="source_required"))
        for channel in changes:
            needed = "email" if channel == Channel.EMAIL else "phone"
            if not cleaned.get(needed):
                self.add_error(f"{channel}_permission", ValidationError(
                    _("A %(channel)s permission needs the contact's %(field)s.")
                    % {"channel": Channel(channel).label, "field": Contact._meta.get_field(
                        needed).verbose_name}, code="no_recipient"))
        return cleaned

    def _clean_identifier(self, name, normalize):
        value = self.cleaned_data.get(name)
        return normalize(value) if value else None

    def clean_email(self):
        return self._clean_identifier("email", normalize_email)

    def clean_phone(self):
        return self._clean_identifier("phone", normalize_phone)

    def clean_external_id(self):
        return self._clean_identifier("external_id", normalize_external_id)

    def clean_attributes(self):
        values = self.cleaned_data.get("attributes") or {}
        if not isinstance(values, dict):
            raise ValidationError(
                _('Profile attributes must be a JSON object, e.g. {"city": "İzmir"}.'),
                code="not_object")
        return attributes_clean(values)


class ConsentAdminForm(forms.ModelForm):
    """Recording a new consent by hand; the date is read as Turkey time."""

    consent_date = forms.CharField(required=False,
                                   help_text="dd.mm.yy hh:mm:ss / YYYY-MM-DD HH:MM:SS")
    status = forms.ChoiceField(choices=ConsentStatus.choices)

    class Meta:
        model = Consent
        fields = ["contact", "recipient_type", "type", "status", "source", "consent_date"]

    def clean_consent_date(self):
        raw = self.cleaned_data.get("consent_date")
        return parse_consent_date(raw) if raw else None

    def consent_fields(self) -> dict:
        data = self.cleaned_data
        return {name: data.get(name) for name in
                ("type", "status", "source", "consent_date", "recipient_type")}

    def clean(self):
        cleaned = super().clean()
        if self.errors or not cleaned.get("contact"):
            return cleaned
        try:
            consent_validate(consent_facts(contact=cleaned["contact"], **self.consent_fields()))
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return cleaned
