"""Targeting › Contacts: search and filters (exports: test_exports.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consents.services import consent_apply
from tests.consents.factories import ConsentInputFactory, ContactFactory

pytestmark = pytest.mark.django_db
URL = "/admin/consents/contact/"


@pytest.fixture
def contacts(origin):
    ayse = ContactFactory(email="ayse@example.com", phone="+905321000001", external_id="C-1")
    mehmet = ContactFactory(email="mehmet@example.com", phone="+905321000002",
                            external_id="C-2")
    consent_apply(contact=ayse, origin=origin, **ConsentInputFactory(type="EPOSTA"))
    consent_apply(contact=mehmet, origin=origin,
                  **ConsentInputFactory(type="MESAJ", status="RET", source="HS_MOBIL",
                                        consent_date=timezone.now() - timedelta(hours=2)))
    return ayse, mehmet


def listed(response) -> set[str]:
    return {c.email for c in response.context["cl"].result_list}


@pytest.mark.parametrize(("query", "expected"), [
    ("ayse@example.com", {"ayse@example.com"}),
    ("+905321000002", {"mehmet@example.com"}),
    ("C-2", {"mehmet@example.com"}),
    (" AYSE@Example.com ", {"ayse@example.com"}),  # written as it is stored
    ("0532 100 00 02", {"mehmet@example.com"}),  # the national form of a mobile number
    ("ayse", set()),  # whole identifiers only: a search is an index probe
])
def test_search_by_email_phone_or_external_id(staff_client, contacts, query, expected):
    assert listed(staff_client.get(URL, {"q": query})) == expected


@pytest.mark.parametrize(("url", "query"), [
    ("/admin/consents/consent/", "0532 100 00 02"),
    ("/admin/consents/consentevent/", "+90 532 100 00 02"),
])
def test_consent_lists_search_the_contact_identifiers(staff_client, contacts, url, query):
    found = staff_client.get(url, {"q": query}).context["cl"].result_list
    assert found and {row.contact.email for row in found} == {"mehmet@example.com"}


@pytest.mark.parametrize(("params", "expected"), [
    ({"email_permission__exact": "opt_in"}, {"ayse@example.com"}),
    ({"iys_status": "RET"}, {"mehmet@example.com"}),
    ({"iys_source": "HS_MOBIL"}, {"mehmet@example.com"}),
    ({"iys_state": "local"}, {"ayse@example.com", "mehmet@example.com"}),
    ({"iys_state": "rejected"}, set()),
])
def test_filters(staff_client, contacts, params, expected):
    assert listed(staff_client.get(URL, params)) == expected


def test_contacts_cannot_be_deleted(admin_role_client, contacts):
    ayse, _ = contacts
    assert admin_role_client.get(f"{URL}{ayse.pk}/delete/").status_code == 403
