"""Normalising the three contact identifiers: e-mail, phone (E.164) and external ID.

E-mail addresses follow İYS's format (shared/iys-official/definitions.md, "E-posta"): only
a–z, digits and ``. _ - +`` before the @, letters, digits, hyphens and dots after it, a dot
and a top-level domain of two letters or more, 6 to 265 characters, no Turkish letters, no
special characters, no spaces. Full-width forms (ａｌｉ＠ｅｘａｍｐｌｅ．ｃｏｍ) are folded to
ASCII; invisible and text-direction characters, other scripts and mixed-script domains (a
Cyrillic ``а`` in ``pаypal.com``) are refused with a message that says which.

Phone numbers are stored E.164 whatever their country: a contact may be known by a foreign
number. Only the İYS rules (consents.rules) ask for a Turkish one.
"""

import re
import unicodedata
from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

TURKISH_LETTERS = set("çğıöşüÇĞİÖŞÜ")
EMAIL_MIN, EMAIL_MAX = 6, 265
PHONE_MAX = 15 + 1  # "+" and at most 15 digits (E.164)
# The overwhelmingly common case, a Turkish mobile number, is checked without phonenumbers
# (about 20x faster per number), but only for operator prefixes phonenumbers itself accepts.
TURKISH_MOBILE = re.compile(r"\+905[0-9]{9}")
PHONE_PUNCTUATION = re.compile(r"[\s\-().]")
PHONE_CHARACTERS = re.compile(r"\+?[0-9]+")
# A plain ASCII address (dot-atom local part, LDH labels, a letters-only top-level domain) is a
# strict subset of what Django's validate_email accepts: such addresses skip the validator.
# This is also all İYS accepts: anything else is refused, and the slow path only words why.
PLAIN_EMAIL = re.compile(r"[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*"
                         r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
EMAIL_ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._+-@")
# NFKC only where it is safe: the full-width forms U+FF01-FF5E are ASCII U+0021-007E written
# wide (an East Asian keyboard's "ａｌｉ＠ｅｘａｍｐｌｅ．ｃｏｍ"). Elsewhere NFKC changes what an
# address says (² → 2, ℡ → TEL, ﬁ → fi), so such characters are refused, not folded.
FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
# Unicode categories no address may hold: format characters (zero-width space and joiners,
# bidi controls such as U+202E, the BOM, the soft hyphen), controls, separators, surrogates,
# private-use and unassigned code points.
INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp", "Cs", "Co", "Cn"})


@lru_cache(maxsize=1)
def turkish_mobile_prefixes() -> frozenset[str]:
    """The 5XX prefixes whose every number phonenumbers holds valid, learnt from its metadata."""
    prefixes = set()
    for prefix in range(500, 600):
        samples = (f"+90{prefix}{d}{e}00000" for d in range(10) for e in (0, 5, 9))
        if all(phonenumbers.is_valid_number(phonenumbers.parse(s, None)) for s in samples):
            prefixes.add(str(prefix))
    return frozenset(prefixes)


def normalize_email(raw: str) -> str:
    value = raw.strip().lower()
    if EMAIL_MIN <= len(value) <= EMAIL_MAX and PLAIN_EMAIL.fullmatch(value):
        return value  # the common case: nothing below could refuse it
    if not value.isascii():
        value = _email_ascii(raw.strip()).lower()
    if not EMAIL_MIN <= len(value) <= EMAIL_MAX:
        raise ValidationError(
            _("An e-mail address must be %(min)d to %(max)d characters long.")
            % {"min": EMAIL_MIN, "max": EMAIL_MAX}, code="email_length")
    if PLAIN_EMAIL.fullmatch(value):
        return value  # full-width characters folded
    special = "".join(dict.fromkeys(char for char in value if char not in EMAIL_ALLOWED))
    if special.strip():
        raise ValidationError(
            _("“%(value)s” is not a valid e-mail address: İYS refuses special characters "
              "such as %(chars)s.") % {"value": raw, "chars": " ".join(special.replace(" ", ""))},
            code="email_special_characters")
    raise ValidationError(
        _("“%(value)s” is not a valid e-mail address: İYS needs at least name@example.com, "
          "without spaces.") % {"value": raw}, code="email_invalid")


def _email_ascii(value: str) -> str:
    """A non-ASCII address folded to ASCII where that is safe, else a ValidationError that
    names the character or the scripts at fault."""
    for char in value:
        if unicodedata.category(char) in INVISIBLE_CATEGORIES:
            raise ValidationError(
                _("The e-mail address holds an invisible or text-direction character "
                  "(U+%(code)04X); type it again.") % {"code": ord(char)},
                code="email_invisible")
    if TURKISH_LETTERS & set(value):
        raise ValidationError(_("E-mail addresses cannot contain Turkish letters (İYS rule)."),
                              code="email_turkish_letters")
    folded = value.translate(FULL_WIDTH)
    if folded.isascii():
        return folded
    _local, _at, domain = folded.rpartition("@")
    scripts = sorted({unicodedata.name(char, "?").split()[0].capitalize()
                      for char in domain if char.isalpha()})
    if len(scripts) > 1:
        raise ValidationError(
            _("The domain of “%(value)s” mixes alphabets (%(scripts)s), so it can imitate "
              "another address; it is refused.") % {"value": value, "scripts": ", ".join(scripts)},
            code="email_mixed_script")
    other = next(char for char in folded if not char.isascii())
    raise ValidationError(
        _("E-mail addresses can hold only the letters a–z, digits and . _ - + (İYS rule); "
          "“%(value)s” has “%(char)s”.") % {"value": value, "char": other},
        code="email_not_latin")


def normalize_phone(raw: str) -> str:
    value = raw.strip()
    if (len(value) == 13 and TURKISH_MOBILE.fullmatch(value)
            and value[3:6] in turkish_mobile_prefixes()):
        return value  # already written as +905XXXXXXXXX: nothing to remove
    value = PHONE_PUNCTUATION.sub("", value)
    if not value.isascii():
        value = value.translate(FULL_WIDTH)  # ＋９０… typed on a full-width keyboard
    if not PHONE_CHARACTERS.fullmatch(value):
        # phonenumbers would skip letters and a second "+" ("tel:", "ext 5", "++90…"), so
        # such a value would be stored as a number other than the one written.
        raise ValidationError(
            _("“%(value)s” is not a valid phone number: write only digits, spaces and + - ( ).")
            % {"value": raw}, code="phone_invalid")
    if value.startswith("00"):
        value = "+" + value[2:]
    if TURKISH_MOBILE.fullmatch(value) and value[3:6] in turkish_mobile_prefixes():
        return value
    if not value.startswith("+"):
        if not value.isdigit():  # not a number missing its country code: just not a number
            raise ValidationError(_("“%(value)s” is not a valid phone number.")
                                  % {"value": raw}, code="phone_invalid")
        raise ValidationError(
            _("Phone number “%(value)s” has no country code; write it as +905XXXXXXXXX, or "
              "choose “Numbers without a country code are Turkish (+90)”.")
            % {"value": raw}, code="phone_country_code")
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(_("“%(value)s” is not a valid phone number.") % {"value": raw},
                              code="phone_invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_phone_turkish(raw: str) -> str:
    """normalize_phone for a file whose numbers without a country code are Turkish, as
    Turkish exports write them: 0532 123 45 67, 90532…, (0535) …, 5321234567."""
    value = PHONE_PUNCTUATION.sub("", raw.strip())
    if not value.isdigit() or value.startswith("00"):
        return normalize_phone(raw)
    if len(value) == 12 and value.startswith("90"):
        national = value[2:]
    elif len(value) == 11 and value.startswith("0"):
        national = value[1:]
    else:
        national = value
    try:
        return normalize_phone(f"+90{national}")
    except ValidationError:
        raise ValidationError(_("“%(value)s” is not a valid Turkish phone number.")
                              % {"value": raw}, code="phone_invalid") from None


def normalize_external_id(raw: str) -> str:
    value = raw.strip()
    if len(value) > 255:
        raise ValidationError(_("An external ID can be at most 255 characters long."),
                              code="external_id_length")
    return value


def identifier_kind(value: str) -> str:
    """Guess which identifier a lookup value is: e-mail, phone or external ID."""
    if "@" in value:
        return "email"
    if re.fullmatch(r"\+[0-9\s\-()]{6,}", value.strip()):
        return "phone"
    return "external_id"
