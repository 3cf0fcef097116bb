"""Targeting › Contacts: search and filters (exports: test_exports.py)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from consents.services import consent_apply
from tests.consents.factories import ConsentInputFactory, ContactFactory, ProfileAttributeFactory

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
    ContactFactory(email="zeynep@example.com.tr", phone=None, external_id="Z-1")
    return ayse, mehmet


def listed(response) -> set[str]:
    return {c.email for c in response.context["cl"].result_list}


@pytest.mark.parametrize(("query", "expected"), [
    ("ayse@example.com", {"ayse@example.com"}),
    ("+905321000002", {"mehmet@example.com"}),
    ("C-2", {"mehmet@example.com"}),
    (" AYSE@Example.com ", {"ayse@example.com"}),  # written as it is stored
    ("0532 100 00 02", {"mehmet@example.com"}),  # the national form of a mobile number
    ("532 100 00 02", {"mehmet@example.com"}),
    ("905321000002", {"mehmet@example.com"}),
    ("+90 532 100 00 02", {"mehmet@example.com"}),
    ("@example.com", {"ayse@example.com", "mehmet@example.com"}),  # an e-mail domain
    ("@EXAMPLE.com.tr", {"zeynep@example.com.tr"}),
    ("@ample.com", set()),  # a domain is whole after the @
    ("C-", {"ayse@example.com", "mehmet@example.com"}),  # the start of an external ID
    ("c-", set()),  # external IDs are case-sensitive, as stored
    ("ayse", set()),  # an e-mail is whole: a search is an index probe
])
def test_search_by_email_phone_or_external_id(staff_client, contacts, query, expected):
    assert listed(staff_client.get(URL, {"q": query})) == expected


@pytest.mark.parametrize(("query", "index"), [
    ("@example.com.tr", "contact_email_reversed_idx"),
    ("C-1", "contact_external_id_prefix_idx"),
])
def test_domain_and_prefix_searches_can_use_an_index(staff_client, contacts, query, index):
    """The list at a million contacts stays fast (bench/admin_list.py) only if an index
    answers; with sequential scans off, the plan shows which one."""
    queryset = staff_client.get(URL, {"q": query}).context["cl"].queryset
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    assert index in plan


def test_the_list_says_what_can_be_searched(staff_client, contacts):
    page = staff_client.get(URL).content.decode()
    assert "@example.com.tr" in page and "0532 123 45 67" in page


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


def test_the_list_is_titled_contacts_and_shows_names_when_known(staff_client, contacts):
    assert "Select contact" not in staff_client.get(URL).content.decode()
    assert staff_client.get(URL).context["title"] == "Contacts"
    ProfileAttributeFactory(name="first_name", label="First name")
    ProfileAttributeFactory(name="last_name", label="Last name")
    ContactFactory(email="can@example.com", attributes={"first_name": "Can",
                                                        "last_name": "Öztürk"})
    page = staff_client.get(URL).content.decode()
    assert "Can Öztürk" in page
