"""Targeting › Contacts: search, filters and exports to CSV and XLSX."""

import csv
import io
from datetime import timedelta

import openpyxl
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


def _export(client, url: str, file_format: int):
    """Post the django-import-export export form with every column ticked."""
    form = client.get(url + "export/").context["form"]
    columns = {name: "on" for name in form.fields if name not in ("resource", "format",
                                                                  "export_items")}
    return client.post(url + "export/", {"format": file_format, "resource": 0, **columns})


def test_contacts_export_to_csv(staff_client, contacts):
    response = _export(staff_client, URL, 0)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {row["email"] for row in rows} == {"ayse@example.com", "mehmet@example.com"}
    assert {row["sms_permission"] for row in rows} == {"opt_out"}


def test_consent_history_exports_to_xlsx(staff_client, contacts):
    response = _export(staff_client, "/admin/consents/consentevent/", 1)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    assert "origin" in header and "kind" in header
    # Ayşe: consent + opt-in; Mehmet: a RET consent, his SMS was opt-out already.
    assert sheet.max_row - 1 == 3


def test_contacts_cannot_be_deleted(admin_role_client, contacts):
    ayse, _ = contacts
    assert admin_role_client.get(f"{URL}{ayse.pk}/delete/").status_code == 403
