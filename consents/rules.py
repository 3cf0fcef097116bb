"""The İYS validation rules, checked by one function before a consent is stored or queued."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from consents.choices import ConsentSource, ConsentStatus, ConsentType, RecipientType
from consents.identifiers import normalize_email, normalize_phone

TURKEY = ZoneInfo("Europe/Istanbul")
IYS_EPOCH = datetime(2015, 5, 1, 0, 0, 0, tzinfo=TURKEY)
IYS_BUSINESS_DAYS = 3


@dataclass(frozen=True)
class ConsentFacts:
    """What a consent says: the fields İYS validates."""

    recipient: str
    recipient_type: str
    type: str
    status: str
    source: str
    consent_date: datetime | None


@dataclass(frozen=True)
class StoredConsent:
    status: str
    consent_date: datetime | None


def consent_check(facts: ConsentFacts, *, current: StoredConsent | None,
                  now: datetime | None = None) -> None:
    """Raise a ValidationError keyed by field, with one clear message per broken İYS rule."""
    errors = consent_errors(facts, current=current, now=now)
    if errors:
        raise ValidationError(errors)


def consent_errors(facts: ConsentFacts, *, current: StoredConsent | None,
                   now: datetime | None = None) -> dict[str, list[ValidationError]]:
    now = now or timezone.now()
    errors: dict[str, list[ValidationError]] = {}

    def add(field: str, message: str, code: str) -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    _check_vocabulary(facts, add)
    _check_recipient(facts, add)
    _check_date_and_source(facts, now, add)
    if current is not None and not errors:
        _check_against_current(facts, current, add)
    return errors


def _check_vocabulary(facts: ConsentFacts, add) -> None:
    if facts.recipient_type not in RecipientType.values:
        add("recipient_type", _("Recipient type must be BIREYSEL or TACIR."), "recipient_type")
    if facts.type not in ConsentType.values:
        add("type", _("Type must be MESAJ, EPOSTA or ARAMA."), "type")
    if facts.status not in ConsentStatus.values:
        add("status", _("Status must be ONAY or RET."), "status")
    if facts.source and facts.source not in ConsentSource.values:
        add("source", _("“%(source)s” is not an İYS source; use one of the 13 HS_ values.")
            % {"source": facts.source}, "source")


def _check_recipient(facts: ConsentFacts, add) -> None:
    try:
        if facts.type == ConsentType.EPOSTA:
            normalize_email(facts.recipient)
        elif facts.type in (ConsentType.MESAJ, ConsentType.ARAMA):
            normalize_phone(facts.recipient)
    except ValidationError as error:
        add("recipient", error.messages[0], error.code or "recipient")


def _check_date_and_source(facts: ConsentFacts, now: datetime, add) -> None:
    individual = facts.recipient_type == RecipientType.BIREYSEL
    if individual and not facts.source:
        add("source", _("A source is required for individual (BIREYSEL) consents."),
            "source_required")
    if individual and facts.consent_date is None:
        add("consent_date", _("A consent date is required for individual (BIREYSEL) consents."),
            "date_required")
    when = facts.consent_date
    if when is not None:
        if when > now:
            add("consent_date", _("The consent date cannot be in the future."), "future_date")
        if when < IYS_EPOCH:
            add("consent_date", _("The consent date cannot be before 01.05.2015 00:00:00."),
                "before_2015")
    if facts.source == ConsentSource.HS_2015 and when != IYS_EPOCH:
        add("source", _("HS_2015 is only valid with the consent date 01.05.2015 00:00:00."),
            "hs_2015_date")
    if facts.source == ConsentSource.HS_KARAR and facts.status != ConsentStatus.RET:
        add("source", _("HS_KARAR (a ruling) can only record a RET."), "hs_karar_status")


def _check_against_current(facts: ConsentFacts, current: StoredConsent, add) -> None:
    if (facts.consent_date and current.consent_date
            and facts.consent_date <= current.consent_date):
        stored = timezone.localtime(current.consent_date, TURKEY)
        add("consent_date",
            _("The consent date must be later than the stored consent's date (%(stored)s).")
            % {"stored": stored.strftime("%d.%m.%Y %H:%M:%S")}, "not_newer")
    if facts.status == current.status:
        add("status", _("The recipient already has status %(status)s for this type.")
            % {"status": current.status}, "same_status")


@lru_cache(maxsize=64)
def _turkish_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("TR", years=year)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _turkish_holidays(day.year)


def iys_deadline(consent_date: datetime) -> datetime:
    """The last moment İYS accepts this consent: 3 business days (Turkey) after it was given."""
    local = timezone.localtime(consent_date, TURKEY)
    day, counted = local.date(), 0
    while counted < IYS_BUSINESS_DAYS:
        day += timedelta(days=1)
        if is_business_day(day):
            counted += 1
    return datetime.combine(day, local.timetz())


def is_too_late_for_iys(consent_date: datetime | None, now: datetime | None = None) -> bool:
    return consent_date is not None and (now or timezone.now()) > iys_deadline(consent_date)
