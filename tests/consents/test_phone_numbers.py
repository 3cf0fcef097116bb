"""Phone numbers need a country code and are stored E.164; the fast path matches phonenumbers."""

import random

import phonenumbers
import pytest
from django.core.exceptions import ValidationError

from consents.identifiers import (
    normalize_phone,
    normalize_phone_turkish,
    turkish_mobile_prefixes,
)


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
    ("'+9053x", "phone_invalid"),  # not digits: invalid, not "no country code"
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


@pytest.mark.parametrize("raw", ["0532 123 45 67", "905321234567", "(0532) 123 45 67",
                                 "5321234567", "+90 532 123 45 67", "0090 532 123 45 67"])
def test_with_turkey_as_the_default_every_local_form_is_plus_90(raw):
    assert normalize_phone_turkish(raw) == "+905321234567"


@pytest.mark.parametrize(("raw", "message"), [
    ("0532 123", "not a valid Turkish phone number"),
    ("+90532123456", "not a valid phone number"),
    ("05x2", "not a valid phone number"),
])
def test_with_turkey_as_the_default_bad_numbers_are_still_refused(raw, message):
    with pytest.raises(ValidationError, match=message):
        normalize_phone_turkish(raw)
