import math
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from consents.choices import TYPE_OF_CHANNEL, Channel, ConsentStatus, ConsentType, RecipientType
from consents.dates import parse_consent_date
from consents.identifiers import normalize_email, normalize_phone

# Text PostgreSQL cannot store (NUL) or that is not text at all (a lone surrogate, which a
# JSON body can carry as "\ud800" and psycopg cannot encode).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def json_scalar(value, *, numbers: bool = False):
    """A JSON field's value as text: a string (or a finite number, where ``numbers``).
    A list, an object or a boolean is refused, never stored as its Python text."""
    if value is None or isinstance(value, str):
        text = value
    elif numbers and isinstance(value, int) and not isinstance(value, bool):
        text = str(value)  # not through float: a 400-digit integer would overflow it
    elif numbers and isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(_("Give a finite number or a string."), code="type")
        text = str(int(value)) if value.is_integer() else repr(value)
    else:
        raise ValidationError(_("Give a string or a number.") if numbers
                              else _("Give a string."), code="type")
    if text and UNSTORABLE.search(text):
        raise ValidationError(_("The text holds a character that cannot be stored (a NUL "
                                "byte or a lone surrogate)."), code="unstorable")
    return text


class JsonCharField(forms.CharField):
    def __init__(self, *, numbers: bool = False, **kwargs):
        self.numbers = numbers
        super().__init__(**kwargs)

    def to_python(self, value):
        return super().to_python(json_scalar(value, numbers=self.numbers))


class JsonChoiceField(forms.ChoiceField):
    def to_python(self, value):
        return super().to_python(json_scalar(value))


class ConsentCaptureForm(forms.Form):
    """The body of POST /api/v1/consents: each field a JSON string (external_id may be a
    number)."""

    email = JsonCharField(required=False, strip=True)
    phone = JsonCharField(required=False, strip=True)
    external_id = JsonCharField(required=False, strip=True, numbers=True)
    type = JsonChoiceField(required=False, choices=ConsentType.choices)
    channel = JsonChoiceField(required=False, choices=Channel.choices,
                              help_text=_("email, sms or call; an alternative to type."))
    status = JsonChoiceField(choices=ConsentStatus.choices)
    source = JsonCharField(required=False)
    consent_date = JsonCharField(required=False)
    recipient_type = JsonChoiceField(required=False, choices=RecipientType.choices)

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
