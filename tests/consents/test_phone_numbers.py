"""Phone numbers need a country code and are stored E.164; the fast path matches phonenumbers."""

import random

import phonenumbers
import pytest
from django.core.exceptions import ValidationError

from consents.identifiers import normalize_phone, turkish_mobile_prefixes


@pytest.mark.parametrize(("raw", "stored"), [
    ("+905321234567", "+905321234567"),
    ("+90 532 123 45 67", "+905321234567"),
    ("0090-532-123-4567", "+905321234567"),
    ("+44 20 7946 0958", "+442079460958"),
])
def test_numbers_are_stored_in_e164(raw, stored):
    assert normalize_phone(raw) == stored


@pytest.mark.parametrize(("raw", "code"), [
    ("05321234567", "phone_country_code"),
    ("5321234567", "phone_country_code"),
    ("+905201234567", "phone_invalid"),  # 520 is no operator's prefix
    ("+90532123456", "phone_invalid"),
    ("+90abc", "phone_invalid"),
])
def test_bad_numbers_get_a_clear_reason(raw, code):
    with pytest.raises(ValidationError) as refused:
        normalize_phone(raw)
    assert refused.value.code == code


def test_the_fast_path_accepts_exactly_what_phonenumbers_accepts():
    assert {"532", "505", "544", "555"} <= turkish_mobile_prefixes()
    rng = random.Random(20261124)
    for _ in range(5000):
        number = f"+905{rng.randrange(10**9):09d}"
        expected = phonenumbers.is_valid_number(phonenumbers.parse(number, None))
        try:
            normalize_phone(number)
            accepted = True
        except ValidationError:
            accepted = False
        assert accepted == expected, number
