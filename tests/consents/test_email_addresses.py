"""E-mail addresses in İYS's format (definitions.md, "E-posta"): what is folded, what is
refused and why, for the API, the panel and uploads alike (consents.identifiers)."""

import pytest
from django.core.exceptions import ValidationError

from consents.identifiers import normalize_email


@pytest.mark.parametrize(("raw", "stored"), [
    ("Ayse.Yilmaz@Example.com", "ayse.yilmaz@example.com"),
    (" ali+news@example.com.tr ", "ali+news@example.com.tr"),
    ("a_b-c@sub.example-domain.com", "a_b-c@sub.example-domain.com"),
    ("ａｌｉ＠ｅｘａｍｐｌｅ．ｃｏｍ", "ali@example.com"),  # full-width, folded by NFKC
    ("ALI@ＥＸＡＭＰＬＥ.com", "ali@example.com"),
])
def test_addresses_are_stored_lower_case_and_ascii(raw, stored):
    assert normalize_email(raw) == stored


@pytest.mark.parametrize(("raw", "code", "says"), [
    ("o'brien@example.com", "email_special_characters", "special characters such as '"),
    ("a!b@example.com", "email_special_characters", "such as !"),
    ("a%b@example.com", "email_special_characters", "such as %"),
    ("a&b=c@example.com", "email_special_characters", "such as & ="),
    ("a/b?c@example.com", "email_special_characters", "such as / ?"),
    ("a^b@example.com", "email_special_characters", "such as ^"),
    ("a,b@example.com", "email_special_characters", "such as ,"),
    ('"quoted"@example.com', "email_special_characters", 'such as "'),
    ("user@[127.0.0.1]", "email_special_characters", "such as [ ]"),
    ("a\u201db@example.com", "email_not_latin", "has “\u201d”"),
    ("user@localhost", "email_invalid", "at least name@example.com"),
    ("a b@example.com", "email_invalid", "without spaces"),
    ("a@b.c", "email_length", "6 to 265"),
    ("x" * 260 + "@example.com", "email_length", "6 to 265"),
    ("ayşe@example.com", "email_turkish_letters", "Turkish letters"),
    ("a\u200bb@example.com", "email_invisible", "U+200B"),
    ("ali@exa\u200dmple.com", "email_invisible", "U+200D"),
    ("\u202eali@example.com", "email_invisible", "U+202E"),
    ("ali@example.com\u2066", "email_invisible", "U+2066"),
    ("\ufeffali@example.com", "email_invisible", "U+FEFF"),
    ("ali\u00a0veli@example.com", "email_invisible", "U+00A0"),
    ("paypal@p\u0430ypal.com", "email_mixed_script", "Cyrillic, Latin"),
    ("ali@g\u03bfogle.com", "email_mixed_script", "Greek, Latin"),
    ("ali@почта.рф", "email_not_latin", "has “п”"),
    ("a²@example.com", "email_not_latin", "has “²”"),  # NFKC would make it a2@: refused
    ("ali@ex\ufb01le.com", "email_not_latin", "has “ﬁ”"),
])
def test_addresses_iys_would_refuse_are_refused_with_the_reason(raw, code, says):
    with pytest.raises(ValidationError) as refused:
        normalize_email(raw)
    assert refused.value.code == code
    assert says in refused.value.messages[0]
