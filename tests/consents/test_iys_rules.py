"""Each İYS validation rule, checked before anything is stored or queued."""

from datetime import UTC, datetime, timedelta

import pytest

from consents.rules import (
    IYS_EPOCH,
    TURKEY,
    ConsentFacts,
    IysLateness,
    StoredConsent,
    consent_errors,
    is_too_late_for_iys,
    iys_deadline,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=TURKEY)


def facts(**overrides) -> ConsentFacts:
    values = {"recipient": "ayse@example.com", "recipient_type": "BIREYSEL", "type": "EPOSTA",
              "status": "ONAY", "source": "HS_WEB", "consent_date": NOW - timedelta(hours=2)}
    return ConsentFacts(**{**values, **overrides})


def codes(errors) -> dict[str, list[str]]:
    return {field: [e.code for e in errs] for field, errs in errors.items()}


def test_a_valid_consent_passes():
    assert consent_errors(facts(), current=None, now=NOW) == {}


def test_a_future_consent_date_is_refused():
    errors = consent_errors(facts(consent_date=NOW + timedelta(minutes=5)), current=None, now=NOW)
    assert codes(errors) == {"consent_date": ["future_date"]}
    assert "future" in errors["consent_date"][0].messages[0]


def test_a_date_before_may_2015_is_refused():
    errors = consent_errors(facts(consent_date=IYS_EPOCH - timedelta(seconds=1)), current=None,
                            now=NOW)
    assert codes(errors) == {"consent_date": ["before_2015"]}


def test_hs_2015_needs_exactly_the_first_of_may_2015():
    assert consent_errors(facts(source="HS_2015", consent_date=IYS_EPOCH), current=None,
                          now=NOW) == {}
    errors = consent_errors(facts(source="HS_2015"), current=None, now=NOW)
    assert codes(errors) == {"source": ["hs_2015_date"]}


def test_hs_karar_only_records_a_ret():
    assert consent_errors(facts(source="HS_KARAR", status="RET"), current=None, now=NOW) == {}
    errors = consent_errors(facts(source="HS_KARAR", status="ONAY"), current=None, now=NOW)
    assert codes(errors) == {"source": ["hs_karar_status"]}


def test_a_new_consent_must_be_newer_than_the_stored_one():
    stored = StoredConsent(status="ONAY", consent_date=NOW - timedelta(hours=1))
    errors = consent_errors(facts(status="RET", consent_date=NOW - timedelta(hours=3)),
                            current=stored, now=NOW)
    assert codes(errors) == {"consent_date": ["not_newer"]}
    assert stored.consent_date.astimezone(TURKEY).strftime("%d.%m.%Y %H:%M") in (
        errors["consent_date"][0].messages[0])


def test_the_same_status_cannot_be_repeated_without_a_newer_date():
    stored = StoredConsent(status="ONAY", consent_date=NOW - timedelta(days=1))
    errors = consent_errors(facts(status="ONAY", consent_date=stored.consent_date),
                            current=stored, now=NOW)
    assert codes(errors) == {"consent_date": ["not_newer"], "status": ["same_status"]}


def test_a_newer_consent_of_the_same_status_is_recorded():
    # The newest date wins: an older consent of the other status arriving later is refused.
    stored = StoredConsent(status="RET", consent_date=NOW - timedelta(days=1))
    assert consent_errors(facts(status="RET"), current=stored, now=NOW) == {}


def test_a_status_change_with_a_newer_date_passes():
    stored = StoredConsent(status="ONAY", consent_date=NOW - timedelta(days=1))
    assert consent_errors(facts(status="RET"), current=stored, now=NOW) == {}


@pytest.mark.parametrize(("field", "value", "code"), [
    ("source", "HS_FORM", "source"),
    ("status", "EVET", "status"),
    ("type", "PUSH", "type"),
    ("recipient_type", "KURUM", "recipient_type"),
])
def test_values_outside_the_iys_vocabulary_are_refused(field, value, code):
    errors = consent_errors(facts(**{field: value}), current=None, now=NOW)
    assert code in codes(errors)[field]


def test_individual_consents_need_a_source_and_a_date():
    errors = consent_errors(facts(source="", consent_date=None), current=None, now=NOW)
    assert codes(errors) == {"source": ["source_required"], "consent_date": ["date_required"]}


def test_merchant_consents_need_no_source_or_date():
    merchant = facts(recipient_type="TACIR", source="", consent_date=None)
    assert consent_errors(merchant, current=None, now=NOW) == {}


@pytest.mark.parametrize(("type_", "recipient", "code"), [
    ("EPOSTA", "ayşe@example.com", "email_turkish_letters"),
    ("EPOSTA", "a@b.c", "email_length"),
    ("MESAJ", "05321234567", "phone_country_code"),
    ("ARAMA", "+90123", "phone_invalid"),
])
def test_recipients_must_fit_their_channel(type_, recipient, code):
    errors = consent_errors(facts(type=type_, recipient=recipient), current=None, now=NOW)
    assert codes(errors) == {"recipient": [code]}


def test_the_deadline_counts_three_business_days_skipping_weekends():
    friday = datetime(2026, 11, 20, 10, 0, tzinfo=TURKEY)
    assert iys_deadline(friday) == datetime(2026, 11, 25, 10, 0, tzinfo=TURKEY)


def test_the_deadline_skips_turkish_public_holidays():
    # 29 October (Republic Day) 2026 is a Thursday.
    tuesday = datetime(2026, 10, 27, 9, 30, tzinfo=TURKEY)
    assert iys_deadline(tuesday) == datetime(2026, 11, 2, 9, 30, tzinfo=TURKEY)


def test_a_consent_past_its_deadline_is_too_late_for_iys():
    given = datetime(2026, 11, 16, 12, 0, tzinfo=TURKEY)  # Monday; deadline Thursday 12:00
    assert not is_too_late_for_iys(given, now=datetime(2026, 11, 19, 11, 59, tzinfo=TURKEY))
    assert is_too_late_for_iys(given, now=datetime(2026, 11, 19, 12, 1, tzinfo=TURKEY))


@pytest.mark.parametrize("now", [datetime(2026, 11, 19, 11, 59, tzinfo=TURKEY),
                                 datetime(2026, 11, 19, 12, 1, tzinfo=TURKEY),
                                 datetime(2026, 11, 2, 9, 30, tzinfo=TURKEY),
                                 datetime(2026, 10, 31, 8, 0, tzinfo=UTC)])  # 11:00 Turkey
def test_the_lateness_check_agrees_with_the_deadline_for_every_date(now):
    # Every hour over three weeks around the national holiday of 29 October and weekends.
    dates = [datetime(2026, 10, 20, 0, 30, tzinfo=TURKEY) + timedelta(hours=h)
             for h in range(24 * 31)]
    late = IysLateness(now)
    assert [late(when) for when in dates] == [now > iys_deadline(when) for when in dates]
    assert late(None) is False


@pytest.mark.parametrize("start", [
    datetime(2016, 3, 24, 0, 0, tzinfo=TURKEY),  # clocks went forward on 27 March 2016
    datetime(2015, 11, 5, 0, 0, tzinfo=TURKEY),  # and back on 8 November 2015
    datetime(2026, 11, 16, 0, 0, tzinfo=TURKEY),
])
@pytest.mark.parametrize("zone", [TURKEY, UTC])  # as a file gives them, as the database does
def test_too_late_is_exactly_past_the_deadline_across_clock_changes(start, zone):
    for hour in range(0, 96, 1):
        given = (start + timedelta(hours=hour, minutes=30)).astimezone(zone)
        deadline = iys_deadline(given)
        for now in (deadline - timedelta(seconds=1), deadline, deadline + timedelta(seconds=1),
                    given + timedelta(days=3, hours=-1, seconds=-1)):
            assert is_too_late_for_iys(given, now=now) == (now > deadline), (given, now)
