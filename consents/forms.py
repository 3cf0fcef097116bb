from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from consents.choices import ConsentStatus
from consents.dates import parse_consent_date
from consents.identifiers import normalize_email, normalize_external_id, normalize_phone
from consents.models import Consent, Contact
from consents.services import attributes_clean, consent_facts, consent_validate


class ContactAdminForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["email", "phone", "external_id", "email_permission", "sms_permission",
                  "call_permission", "attributes"]

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
