from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from consents.choices import TYPE_OF_CHANNEL, Channel, ConsentStatus, ConsentType, RecipientType
from consents.dates import parse_consent_date
from consents.identifiers import normalize_email, normalize_phone


class ConsentCaptureForm(forms.Form):
    """The body of POST /api/v1/consents."""

    email = forms.CharField(required=False, strip=True)
    phone = forms.CharField(required=False, strip=True)
    external_id = forms.CharField(required=False, strip=True)
    type = forms.ChoiceField(required=False, choices=ConsentType.choices)
    channel = forms.ChoiceField(required=False, choices=Channel.choices,
                                help_text=_("email, sms or call; an alternative to type."))
    status = forms.ChoiceField(choices=ConsentStatus.choices)
    source = forms.CharField(required=False)
    consent_date = forms.CharField(required=False)
    recipient_type = forms.ChoiceField(required=False, choices=RecipientType.choices)

    def clean_email(self):
        value = self.cleaned_data["email"]
        return normalize_email(value) if value else None

    def clean_phone(self):
        value = self.cleaned_data["phone"]
        return normalize_phone(value) if value else None

    def clean_consent_date(self):
        raw = self.cleaned_data["consent_date"]
        return parse_consent_date(raw) if raw else None

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("type") and cleaned.get("channel"):
            cleaned["type"] = TYPE_OF_CHANNEL[Channel(cleaned["channel"])]
        if not cleaned.get("type") and "type" not in self.errors and "channel" not in self.errors:
            self.add_error("type", ValidationError(
                _("Give the consent type (MESAJ, EPOSTA, ARAMA) or the channel "
                  "(email, sms, call)."), code="required"))
        cleaned["recipient_type"] = cleaned.get("recipient_type") or RecipientType.BIREYSEL
        identifiers = ("email", "phone", "external_id")
        if not any(cleaned.get(name) or name in self.errors for name in identifiers):
            raise ValidationError(_("Give at least one identifier: e-mail, phone or external ID."),
                                  code="no_identifier")
        return cleaned
