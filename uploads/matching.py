"""Matching file columns to profile attributes: exact name, known alternatives, close spellings.

Names are compared Turkish-aware (İ, I, ı and i are one letter; ş/s, ğ/g, ü/u, ö/o, ç/c too)
and without spaces or punctuation, so ``E-Posta``, ``IYSSource`` and ``Telefon Numarası``
all find their attribute. A matching saved for the same set of headers is offered again.
"""

import difflib
import hashlib
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consents.models import ProfileAttribute
from uploads.models import Upload, UploadMapping

EMAIL, PHONE, EXTERNAL_ID = "email", "phone", "external_id"
IYS_SOURCE, IYS_STATUS, IYS_CONSENT_DATE = "iys_source", "iys_status", "iys_consent_date"
IYS_TYPE, IYS_RECIPIENT_TYPE = "iys_type", "iys_recipient_type"
IDENTIFIERS = (EMAIL, PHONE, EXTERNAL_ID)
IYS_FIELDS = (IYS_SOURCE, IYS_STATUS, IYS_CONSENT_DATE)  # required by IYS Synchronize
# Optional: absent, e-mail gives EPOSTA, phone MESAJ, and recipients are BIREYSEL.
IYS_OPTIONAL_FIELDS = (IYS_TYPE, IYS_RECIPIENT_TYPE)
ATTRIBUTE_PREFIX = "attribute:"
IGNORE = ""

FIXED_TARGETS = {
    EMAIL: gettext_lazy("email (e-mail address)"),
    PHONE: gettext_lazy("phonenumber (with country code)"),
    EXTERNAL_ID: gettext_lazy("external_id"),
    IYS_SOURCE: gettext_lazy("IYSSource"),
    IYS_STATUS: gettext_lazy("IYSStatus"),
    IYS_CONSENT_DATE: gettext_lazy("IYSConsentDate"),
    IYS_TYPE: gettext_lazy("IYSType (MESAJ, ARAMA or EPOSTA)"),
    IYS_RECIPIENT_TYPE: gettext_lazy("IYSRecipientType (BIREYSEL or TACIR)"),
}
# The names the panel guide uses: matched as exact names.
EXACT_NAMES = {
    EMAIL: ("email",),
    PHONE: ("phone", "phonenumber"),
    EXTERNAL_ID: ("external_id",),
    IYS_SOURCE: ("IYSSource",),
    IYS_STATUS: ("IYSStatus",),
    IYS_CONSENT_DATE: ("IYSConsentDate",),
    IYS_TYPE: ("IYSType",),
    IYS_RECIPIENT_TYPE: ("IYSRecipientType",),
}
# Alternative names marketers' files use (Turkish and English, the guide's own misspelling).
ALIASES = {
    EMAIL: ("e-mail", "mail", "e-posta", "eposta adresi", "email address", "mail adresi"),
    PHONE: ("telefon", "tel", "gsm", "gsm no", "cep", "cep telefonu", "mobile", "msisdn",
            "phone number", "telefon numarası", "telefon no", "cep no"),
    EXTERNAL_ID: ("extId", "external id", "externalId", "ext id", "müşteri no", "customer id",
                  "customer no", "user id", "userId"),
    IYS_SOURCE: ("IYSource", "İYS Kaynak", "iys source", "source", "kaynak", "izin kaynağı"),
    IYS_STATUS: ("İYS Durum", "iys status", "status", "durum", "izin durumu"),
    IYS_CONSENT_DATE: ("İYS Tarih", "iys consent date", "consent date", "consentDate",
                       "izin tarihi", "onay tarihi"),
    IYS_TYPE: ("İYS Tip", "İYS Tipi", "iys type", "izin tipi", "izin türü", "consent type",
               "type", "tip", "kanal"),
    IYS_RECIPIENT_TYPE: ("İYS Alıcı Tipi", "iys recipient type", "recipient type",
                         "recipientType", "alıcı tipi", "alıcı türü"),
}
# Names Turkish and English files give well-known profile attributes, used when the panel has
# an attribute of that name (the first one present wins: "Ad Soyad" goes to full_name, else
# name, else first_name).
ATTRIBUTE_ALIASES = {
    ("first_name",): ("isim", "ad", "adı", "adi", "first name", "firstname", "given name"),
    ("last_name",): ("soyisim", "soyad", "soyadı", "soyadi", "last name",
                     "family name"),
    ("full_name", "name", "first_name"): ("ad soyad", "adı soyadı", "isim soyisim",
                                          "ad soyadı", "full name", "name surname",
                                          "müşteri adı", "customer name"),
}
CLOSE_CUTOFF = 0.8
_FOLD = str.maketrans({"İ": "i", "I": "i", "ı": "i", "Ş": "s", "ş": "s", "Ğ": "g", "ğ": "g",
                       "Ü": "u", "ü": "u", "Ö": "o", "ö": "o", "Ç": "c", "ç": "c"})


def fold(name: str) -> str:
    """A column name reduced for comparison: Turkish-aware lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z]", "", name.translate(_FOLD).casefold())


def attribute_target(name: str) -> str:
    return f"{ATTRIBUTE_PREFIX}{name}"


def target_choices() -> list[tuple[str, str]]:
    """Everything a column can be matched to, "do not import" first."""
    choices = [(IGNORE, _("— do not import —"))]
    choices += [(key, str(label)) for key, label in FIXED_TARGETS.items()]
    choices += [(attribute_target(a.name), f"{a.name} ({a.get_type_display()})")
                for a in ProfileAttribute.objects.order_by("name")]
    return choices


@dataclass(frozen=True)
class ColumnMatch:
    target: str
    how: str  # "exact", "alternative", "close", "remembered" or "" (no match: shown red)


def _name_tables(attributes: list[ProfileAttribute]) -> tuple[dict[str, str], dict[str, str]]:
    exact = {fold(name): target for target, names in EXACT_NAMES.items() for name in names}
    for attribute in attributes:
        exact.setdefault(fold(attribute.name), attribute_target(attribute.name))
    aliases = {fold(name): target for target, names in ALIASES.items() for name in names}
    configured = {attribute.name for attribute in attributes}
    for candidates, names in ATTRIBUTE_ALIASES.items():
        present = next((name for name in candidates if name in configured), None)
        if present is not None:
            for name in names:
                aliases.setdefault(fold(name), attribute_target(present))
    for attribute in attributes:
        for part in re.split(r"[/|]", attribute.label or ""):
            if fold(part):
                aliases.setdefault(fold(part), attribute_target(attribute.name))
    return exact, aliases


def header_signature(headers: list[str]) -> str:
    return hashlib.sha256("\x1f".join(sorted(fold(h) for h in headers)).encode()).hexdigest()


# What a headerless column holding only e-mails, or only phone numbers, looks like.
EMAIL_LIKE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE_LIKE = re.compile(r"'?\+?[0-9\s\-().]{10,20}")


def column_kind(values: list[str]) -> str | None:
    """EMAIL or PHONE for a column whose every value looks like one, else None."""
    if not values:
        return None
    if all(EMAIL_LIKE.fullmatch(v) for v in values):
        return EMAIL
    if all(PHONE_LIKE.fullmatch(v) and sum(c.isdigit() for c in v) >= 10 for v in values):
        return PHONE
    return None


def columns_auto_match(headers: list[str], *, has_header: bool = True,
                       values: list[list[str]] | None = None) -> list[ColumnMatch]:
    """The matching offered first: a remembered one for these headers, else auto-detection.

    ``values``: per column, the first values of the file; a headerless column of only e-mails
    or only phone numbers is matched by them."""
    attributes = list(ProfileAttribute.objects.all())
    valid = {target for target, _label in target_choices()}
    if has_header:
        remembered = UploadMapping.objects.filter(signature=header_signature(headers)).first()
        if remembered is not None:
            by_name = dict(zip((fold(h) for h in remembered.headers), remembered.mapping,
                               strict=False))
            return [ColumnMatch(by_name.get(fold(h), IGNORE), "remembered")
                    if by_name.get(fold(h), IGNORE) in valid else ColumnMatch(IGNORE, "")
                    for h in headers]
    if not has_header:
        found: list[ColumnMatch] = []
        for index in range(len(headers)):
            kind = column_kind((values or [])[index] if index < len(values or []) else [])
            taken = kind in {match.target for match in found}
            found.append(ColumnMatch(kind, "content") if kind and not taken
                         else ColumnMatch(IGNORE, ""))
        return found
    exact, aliases = _name_tables(attributes)
    matches: list[ColumnMatch | None] = [None] * len(headers)
    taken: set[str] = set()

    def take(index: int, target: str | None, how: str) -> None:
        if target and target not in taken and matches[index] is None:
            matches[index] = ColumnMatch(target, how)
            taken.add(target)

    folded = [fold(h) for h in headers]
    for index, name in enumerate(folded):
        take(index, exact.get(name), "exact")
    for index, name in enumerate(folded):
        take(index, aliases.get(name), "alternative")
    known = {**aliases, **exact}
    for index, name in enumerate(folded):
        if matches[index] is None and len(name) >= 4:
            close = difflib.get_close_matches(name, list(known), n=1, cutoff=CLOSE_CUTOFF)
            take(index, known[close[0]] if close else None, "close")
    return [match or ColumnMatch(IGNORE, "") for match in matches]


def looks_like_header(cells: list[str]) -> bool:
    """A first row names columns when a cell matches a target, or no cell looks like data."""
    exact, aliases = _name_tables(list(ProfileAttribute.objects.all()))
    folded = [fold(cell) for cell in cells]
    if any(name in exact or name in aliases for name in folded):
        return True
    data_like = re.compile(r"^[+0-9@]|@|^\s*$|\d{3,}")
    return not any(data_like.search(cell) for cell in cells)


def mapping_problems(*, headers: list[str], mapping: list[str], mode: str) -> list[str]:
    """What keeps a matching from being saved (a column twice, no identifier)."""
    problems = []
    chosen = [target for target in mapping if target]
    for target in sorted({t for t in chosen if chosen.count(t) > 1}):
        columns = [h for h, t in zip(headers, mapping, strict=False) if t == target]
        problems.append(_("%(columns)s are all matched to %(target)s; match it once.")
                        % {"columns": ", ".join(columns), "target": target_label(target)})
    wanted = (EMAIL, PHONE) if mode == Upload.Mode.IYS else IDENTIFIERS
    if not any(target in chosen for target in wanted):
        problems.append(
            _("Match a column to email or phonenumber: IYS Synchronize needs at least one.")
            if mode == Upload.Mode.IYS else
            _("Match a column to email, phonenumber or external_id: they decide which contact "
              "a row creates or updates."))
    return problems


def missing_iys_columns(mapping: list[str]) -> list[str]:
    return [str(FIXED_TARGETS[field]) for field in IYS_FIELDS if field not in mapping]


def target_label(target: str) -> str:
    if target in FIXED_TARGETS:
        return str(FIXED_TARGETS[target])
    return target.removeprefix(ATTRIBUTE_PREFIX)


def ignored_columns(*, headers: list[str], mapping: list[str], mode: str) -> list[dict]:
    """Each column that will not be imported, with the reason the summary shows."""
    exact, aliases = _name_tables(list(ProfileAttribute.objects.all()))
    ignored = []
    for header, target in zip(headers, mapping, strict=False):
        if target in (*IYS_FIELDS, *IYS_OPTIONAL_FIELDS) and mode != Upload.Mode.IYS:
            reason = _("İYS fields are not used with the Subscribed or Unsubscribed status.")
        elif target:
            continue
        elif fold(header) in exact or fold(header) in aliases:
            reason = _("Set to “do not import” in the matching step.")
        else:
            reason = _("No profile attribute “%(name)s”: create it under Developers › Profile "
                       "Attributes.") % {"name": header}
        ignored.append({"column": header, "reason": reason})
    return ignored


def mapping_remember(*, headers: list[str], mapping: list[str]) -> None:
    UploadMapping.objects.update_or_create(signature=header_signature(headers),
                                           defaults={"headers": headers, "mapping": mapping})
