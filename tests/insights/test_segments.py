"""Segments: conditions over permissions, sources, dates and typed profile attributes."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from consents.choices import ConsentSource, ConsentType, Origin
from consents.models import Contact, ProfileAttribute
from consents.origins import ChangeOrigin
from consents.services import consent_apply
from insights.segments import rules_clean, segment_count, segment_page
from tests.consents.factories import ConsentInputFactory, ContactFactory, ProfileAttributeFactory
from tests.uploads.factories import IysConnectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    ProfileAttributeFactory(name="city", type=ProfileAttribute.Type.TEXT)
    ProfileAttributeFactory(name="age", type=ProfileAttribute.Type.NUMBER)
    ProfileAttributeFactory(name="signup", type=ProfileAttribute.Type.DATE)
    ProfileAttributeFactory(name="vip", type=ProfileAttribute.Type.BOOLEAN)
    return {
        "ayse": ContactFactory(attributes={"city": "İstanbul", "age": 34, "signup": "2025-03-01",
                                           "vip": True}, sms_permission="opt_in"),
        "mehmet": ContactFactory(attributes={"city": "Ankara", "age": 51,
                                             "signup": "2024-11-20"}),
        "zeynep": ContactFactory(attributes={"age": 19}, sms_permission="opt_in"),
    }


def names(rules, people) -> set[str]:
    pks = {c.pk for c in segment_page(rules=rules_clean(rules), limit=100)}
    return {name for name, contact in people.items() if contact.pk in pks}


@pytest.mark.parametrize("rule, expected", [
    ({"field": "attribute", "name": "city", "op": "equals", "value": "Ankara"}, {"mehmet"}),
    ({"field": "attribute", "name": "city", "op": "contains", "value": "stan"}, {"ayse"}),
    ({"field": "attribute", "name": "city", "op": "empty"}, {"zeynep"}),
    ({"field": "attribute", "name": "city", "op": "not_empty"}, {"ayse", "mehmet"}),
    ({"field": "attribute", "name": "age", "op": "between", "from": "30", "to": "60"},
     {"ayse", "mehmet"}),
    ({"field": "attribute", "name": "age", "op": "between", "to": 20}, {"zeynep"}),
    ({"field": "attribute", "name": "age", "op": "equals", "value": "51"}, {"mehmet"}),
    ({"field": "attribute", "name": "signup", "op": "between", "from": "2025-01-01"}, {"ayse"}),
    ({"field": "attribute", "name": "vip", "op": "is", "value": True}, {"ayse"}),
    ({"field": "permission", "channel": "sms", "value": "opt_in"}, {"ayse", "zeynep"}),
])
def test_each_condition_selects_the_right_contacts(people, rule, expected):
    assert names([rule], people) == expected


def test_conditions_combine_with_and(people):
    rules = [{"field": "permission", "channel": "sms", "value": "opt_in"},
             {"field": "attribute", "name": "age", "op": "between", "from": 30}]
    assert names(rules, people) == {"ayse"}
    assert segment_count(rules=rules) == 1


def test_consent_source_and_dates(people):
    consent_apply(contact=people["mehmet"], **ConsentInputFactory(
        type=ConsentType.MESAJ, source=ConsentSource.HS_CAGRI_MERKEZI),
        origin=ChangeOrigin(kind=Origin.API))
    assert names([{"field": "source", "value": "HS_CAGRI_MERKEZI"}], people) == {"mehmet"}
    Contact.objects.filter(pk=people["zeynep"].pk).update(
        created_at=timezone.now() - timedelta(days=40))
    today = timezone.localdate().isoformat()
    assert names([{"field": "created_at", "from": today}], people) == {"ayse", "mehmet"}
    assert names([{"field": "updated_at", "to": today}], people) == {"ayse", "mehmet", "zeynep"}


def test_bad_conditions_get_clear_messages(people):
    with pytest.raises(ValidationError) as caught:
        rules_clean([{"field": "attribute", "name": "age", "op": "contains", "value": "3"},
                     {"field": "attribute", "name": "nope", "op": "equals", "value": "x"},
                     {"field": "attribute", "name": "age", "op": "between", "from": "abc"},
                     {"field": "created_at"}, {"field": "permission", "channel": "fax"}])
    messages = caught.value.messages
    assert len(messages) == 5
    assert messages[0].startswith("Condition 1:") and "contains" in messages[0]
    assert "nope" in messages[1]
    assert "abc" in messages[2]


def test_sendable_and_what_iys_holds(people):
    IysConnectorFactory()  # installed: sendable needs İYS's ONAY as well as the opt-in
    Contact.objects.filter(pk=people["ayse"].pk).update(sms_iys_status="ONAY")
    Contact.objects.filter(pk=people["mehmet"].pk).update(sms_iys_status="RET")
    sendable = [{"field": "sendable", "channel": "sms", "value": True}]
    assert names(sendable, people) == {"ayse"}  # zeynep opted in, İYS holds nothing
    assert names([{**sendable[0], "value": False}], people) == {"mehmet", "zeynep"}
    assert names([{"field": "iys_status", "channel": "sms", "value": "RET"}], people) == {
        "mehmet"}
    assert names([{"field": "iys_status", "channel": "sms", "value": ""}], people) == {"zeynep"}
    city = [{"field": "attribute", "name": "city", "op": "not_empty"}]
    assert segment_count(rules=city, sendable_channel="sms") == 1
