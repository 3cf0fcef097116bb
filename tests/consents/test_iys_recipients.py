"""A contact may be known by any valid number, but İYS keeps call and message consents only
for Turkish numbers (+90 and ten digits): others are refused before anything is stored or
queued, with the reason, and stay on the contact."""

from datetime import datetime

import pytest
from django.core.exceptions import ValidationError

from consents.identifiers import normalize_phone
from consents.models import Consent
from consents.rules import TURKEY, ConsentFacts, consent_check, consent_violations
from consents.services import consent_apply, contact_upsert
from tests.consents.factories import ConsentInputFactory

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=TURKEY)


def facts(recipient: str, type_: str = "MESAJ") -> ConsentFacts:
    return ConsentFacts(recipient=recipient, recipient_type="BIREYSEL", type=type_,
                        status="ONAY", source="HS_WEB", consent_date=NOW)


@pytest.mark.parametrize("raw", ["+1 302 365 1234", "+44 20 7946 0958", "+49 30 901820",
                                 "+90 444 1 444"])
@pytest.mark.parametrize("type_", ["MESAJ", "ARAMA"])
def test_a_number_outside_iys_is_an_identifier_but_not_an_iys_recipient(raw, type_):
    stored = normalize_phone(raw)  # a valid number: a contact may be known by it
    for normalized in (False, True):  # the API and panel, and the upload pipeline
        problems = consent_violations(facts(stored, type_), current=None, now=NOW,
                                      recipient_normalized=normalized)
        assert [(field, code) for field, code, _m in problems] == [("recipient",
                                                                    "phone_not_iys")]
    with pytest.raises(ValidationError) as refused:
        consent_check(facts(raw, type_), current=None, now=NOW)
    assert "only for Turkish numbers" in refused.value.message_dict["recipient"][0]


@pytest.mark.parametrize("number", ["+905321234567", "+902121234567", "+908502220600"])
def test_turkish_mobile_and_landline_numbers_are_iys_recipients(number):
    assert consent_violations(facts(number), current=None, now=NOW) == []


@pytest.mark.parametrize(("raw", "stored"), [
    ("+９０ ５３２ １２３ ４５ ６７", "+905321234567"),  # full-width, folded
    ("+90 (532) 123-45.67", "+905321234567"),
])
def test_written_numbers_are_folded_to_e164(raw, stored):
    assert normalize_phone(raw) == stored


@pytest.mark.parametrize("raw", ["++905321234567", "tel:+905321234567",
                                 "+90 532 123 45 67 ext 5", "+90532123456x",
                                 "+٩٠٥٣٢١٢٣٤٥٦٧", "+90 532\u200b123 45 67"])
def test_letters_and_odd_digits_are_refused_not_skipped(raw):
    # phonenumbers itself would skip the letters and store another number than the one written
    with pytest.raises(ValidationError) as refused:
        normalize_phone(raw)
    assert refused.value.code == "phone_invalid"


@pytest.mark.django_db
def test_the_api_path_stores_nothing_for_a_foreign_number(origin):
    contact, _created = contact_upsert(phone="+1 302 365 1234", origin=origin)
    assert contact.phone == "+13023651234"
    with pytest.raises(ValidationError) as refused:
        consent_apply(contact=contact, origin=origin, **ConsentInputFactory(type="MESAJ"))
    assert "recipient" in refused.value.message_dict
    assert not Consent.objects.exists()
