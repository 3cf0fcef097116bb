"""Row errors as a code and its parameters, worded in the reader's language when shown.

The pipeline runs in the worker, in whatever language it has; the panel, the error file and
the command line each word an error when they show it. A code this catalogue does not know
(or an error stored before codes existed) shows the message stored with it.

The wording of the codes that consents.identifiers, consents.dates, consents.services and
consents.rules raise is repeated here with the same English text, so the catalogues' existing
translations apply: keep both in step (a new code is one line below).
"""

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from consents.choices import Channel
from consents.identifiers import EMAIL_MAX, EMAIL_MIN

MESSAGES = {
    # The upload's own.
    "iys_identifier_required": _("IYS Synchronize needs an email or a phonenumber on every row."),
    "no_identifier": _("Give at least one identifier: e-mail, phone or external ID."),
    "type_needs_email": _("%(type)s needs an e-mail address on the row."),
    "type_needs_phone": _("%(type)s needs a phone number on the row."),
    "iys_field_empty": _("The İYS field is empty."),
    "duplicate_later_row": _("The same contact is on row %(row)d; the later row wins."),
    "duplicate_earlier_row": _("The same contact was on an earlier row; this later row wins."),
    "identifier_taken": _("%(value)s already belongs to another contact."),
    "late": _("The consent date is more than 3 business days ago (Turkey time): stored here, "
              "not sent to İYS."),
    # consents.identifiers
    "email_turkish_letters": _("E-mail addresses cannot contain Turkish letters (İYS rule)."),
    "email_length": _("An e-mail address must be %(min)d to %(max)d characters long."),
    "email_invalid": _("“%(value)s” is not a valid e-mail address."),
    "phone_country_code": _("Phone number “%(value)s” has no country code; write it as "
                            "+905XXXXXXXXX."),
    "phone_invalid": _("“%(value)s” is not a valid phone number."),
    "external_id_length": _("An external ID can be at most 255 characters long."),
    # consents.services (profile attributes) and consents.dates
    "number": _("“%(value)s” is not a number."),
    "date": _("“%(value)s” is not a date; write it as YYYY-MM-DD or dd.mm.yyyy."),
    "boolean": _("“%(value)s” is not yes or no."),
    "date_format": _("“%(value)s” is not a consent date; write it as dd.mm.yy hh:mm:ss "
                     "or YYYY-MM-DD HH:MM:SS (Turkey time)."),
    # consents.rules
    "phone_not_iys": _("İYS keeps consents only for Turkish numbers written +90 and ten digits; "
                       "%(value)s can stay on the contact, but no call or message consent can "
                       "be recorded for it."),
    "status": _("Status must be ONAY or RET."),
    "type": _("Type must be MESAJ, EPOSTA or ARAMA."),
    "recipient_type": _("Recipient type must be BIREYSEL or TACIR."),
    "source": _("“%(source)s” is not an İYS source; use one of the 13 HS_ values."),
    "source_required": _("A source is required for individual (BIREYSEL) consents."),
    "date_required": _("A consent date is required for individual (BIREYSEL) consents."),
    "future_date": _("The consent date cannot be in the future."),
    "before_2015": _("The consent date cannot be before 01.05.2015 00:00:00."),
    "hs_2015_date": _("HS_2015 is only valid with the consent date 01.05.2015 00:00:00."),
    "hs_karar_status": _("HS_KARAR (a ruling) can only record a RET."),
    "not_newer": _("The consent date must be later than the stored consent's date "
                   "(%(stored)s)."),
}
# Parameters a code always has (constants, not stored per error).
FIXED_PARAMS = {"email_length": {"min": EMAIL_MIN, "max": EMAIL_MAX}}
# What a kind of error adds to its message.
KIND_WRAPPERS = {"optout": _("%(message)s Kept as opt-out; nothing sent to İYS."),
                 "cell": _("%(message)s This cell was not imported; the rest of the row was."),
                 "consent": _("%(message)s Nothing recorded; the contact keeps its consents.")}
CHANNEL_LABELS = dict(Channel.choices)
# The channel an identifier column feeds.
IDENTIFIER_CHANNELS = {"email": (Channel.EMAIL.value,), "phone": (Channel.SMS.value,)}


def channels_join(channels: Iterable[str]) -> str:
    """Channels as stored: "email,sms", each once, in the order given."""
    return ",".join(dict.fromkeys(channel for channel in channels if channel))


def row_error_message(*, code: str, params: dict, kind: str, fallback: str) -> str:
    """The error's message in the active language (without its channels)."""
    template = MESSAGES.get(code)
    if template is None:
        return fallback
    try:
        message = str(template) % {**FIXED_PARAMS.get(code, {}), **(params or {})}
    except (KeyError, TypeError, ValueError):
        return fallback
    wrapper = KIND_WRAPPERS.get(kind)
    return str(wrapper) % {"message": message} if wrapper else message


def row_error_text(*, code: str, params: dict, kind: str, channels: str, fallback: str) -> str:
    """The message with the channels it concerns in front: "E-mail, SMS: …"."""
    message = row_error_message(code=code, params=params, kind=kind, fallback=fallback)
    names = [str(CHANNEL_LABELS.get(channel, channel)) for channel in channels.split(",")
             if channel]
    return f"{', '.join(names)}: {message}" if names else message


def row_errors_join(items: Iterable[tuple[str, str]]) -> str:
    """A row's errors (column, text) as one cell of the error file, each listed once."""
    unique = dict.fromkeys(f"{column}: {text}" if column else text for column, text in items)
    return " | ".join(unique)
