"""Exports of contacts and consent history, CSV and XLSX: what a spreadsheet user opens."""

import csv
import io

import openpyxl
import pytest

from consents.choices import Origin
from consents.models import ConsentEvent, Contact, ProfileAttribute
from consents.selectors import sendable_q
from consents.services import consent_apply
from tests.consents.factories import ConsentInputFactory, ContactFactory, ProfileAttributeFactory
from tests.uploads.factories import IysConnectorFactory

pytestmark = pytest.mark.django_db
CONTACTS = "/admin/consents/contact/"
EVENTS = "/admin/consents/consentevent/"
CSV_FORMAT, XLSX_FORMAT = 0, 1
# What an attacker puts in a cell (issue 19): each would run as a formula in Excel/LibreOffice.
HOSTILE = ['==HYPERLINK("http://evil.example/x","click")', "+cmd|' /C calc'!A0",
           "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)", "\t=1+1", "\r=1+1", "=1+1"]


def export(client, url: str, file_format: int, expect: int = 200):
    """Post django-import-export's export form with every column ticked."""
    form = client.get(url + "export/").context["form"]
    columns = {name: "on" for name in form.fields if name not in ("resource", "format",
                                                                  "export_items")}
    response = client.post(url + "export/", {"format": file_format, "resource": 0, **columns})
    assert response.status_code == expect
    return response


def csv_rows(response) -> list[list[str]]:
    assert response.content.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def xlsx_sheet(response):
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


@pytest.fixture
def hostile(origin):
    ProfileAttributeFactory(name="note", label="Not")
    contacts = [ContactFactory(external_id=value.strip() + f"-{n}", attributes={"note": value})
                for n, value in enumerate(HOSTILE)]
    for contact, value in zip(contacts, HOSTILE, strict=True):
        ConsentEvent.objects.create(contact=contact, kind=ConsentEvent.Kind.CONTACT,
                                    field="updated", before={"note": None},
                                    after={"note": value}, origin=Origin.ADMIN,
                                    origin_reference=value, actor_label=value)
    return contacts


def _unsafe_text(value) -> bool:
    return isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize("url", [CONTACTS, EVENTS])
def test_no_csv_cell_can_run_as_a_formula(staff_client, hostile, url):
    rows = csv_rows(export(staff_client, url, CSV_FORMAT))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if _unsafe_text(cell)]
    for value in HOSTILE:  # each is still there, behind the guard, in full
        assert "'" + value in cells


@pytest.mark.parametrize("url", [CONTACTS, EVENTS])
def test_no_xlsx_cell_is_a_formula(staff_client, hostile, url):
    sheet = xlsx_sheet(export(staff_client, url, XLSX_FORMAT))
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.value for cell in cells if cell.data_type == "f"]
    assert not [cell.value for cell in cells if _unsafe_text(cell.value)]
    values = {cell.value for cell in cells}
    for value in HOSTILE:  # XML keeps a carriage return as a line feed
        assert "'" + value.replace("\r", "\n") in values


def test_contacts_export_has_a_column_per_attribute_in_real_utf8(staff_client, origin):
    ProfileAttributeFactory(name="city", label="Şehir")
    ProfileAttributeFactory(name="vip", label="VIP", type=ProfileAttribute.Type.BOOLEAN)
    contact = ContactFactory(email="ayse@example.com", attributes={"city": "İzmir", "vip": True})
    consent_apply(contact=contact, origin=origin, **ConsentInputFactory(type="EPOSTA"))

    header, row = csv_rows(export(staff_client, CONTACTS, CSV_FORMAT))
    record = dict(zip(header, row, strict=True))
    assert record["Şehir"] == "İzmir" and record["VIP"] == "Yes"
    assert record["E-mail permission"] == "Opt-in" and record["SMS permission"] == "Opt-out"
    # No connector installed: opt-in is sendable; İYS holds nothing known yet.
    assert record["E-mail sendable"] == "Yes" and record["SMS sendable"] == "No"
    assert record["E-mail in İYS"] == "Nothing known"
    assert "\\u" not in header and "attributes" not in header


def test_sendable_in_the_export_is_the_panels_sendable(staff_client, origin):
    """With a connector installed only İYS's ONAY makes an opt-in sendable."""
    IysConnectorFactory()
    held = ContactFactory(email="onay@example.com", email_permission="opt_in",
                          email_iys_status="ONAY")
    ContactFactory(email="bekliyor@example.com", email_permission="opt_in")
    header, *rows = csv_rows(export(staff_client, CONTACTS, CSV_FORMAT))
    records = {r["E-mail"]: r for r in (dict(zip(header, row, strict=True)) for row in rows)}
    assert records["onay@example.com"]["E-mail sendable"] == "Yes"
    assert records["onay@example.com"]["E-mail in İYS"] == "ONAY"
    assert records["bekliyor@example.com"]["E-mail sendable"] == "No"
    sendable = Contact.objects.filter(sendable_q("email"))
    assert list(sendable) == [held]


def test_export_headers_follow_the_language(staff_client):
    ContactFactory(email="ayse@example.com")
    staff_client.post("/i18n/setlang/", {"language": "tr", "next": CONTACTS})
    form = staff_client.get(CONTACTS + "export/").content.decode()
    assert "E-posta izni" in form and "Email Permission" not in form  # the column choices
    header = [cell.value for cell in xlsx_sheet(export(staff_client, CONTACTS, XLSX_FORMAT))[1]]
    assert "E-posta" in header and "E-posta izni" in header


def test_consent_history_export_reads_like_the_panel(staff_client, origin):
    contact = ContactFactory(phone="+905321000001")
    consent_apply(contact=contact, origin=origin,
                  **ConsentInputFactory(type="MESAJ", status="ONAY"))
    sheet = xlsx_sheet(export(staff_client, EVENTS, XLSX_FORMAT))
    header = [cell.value for cell in sheet[1]]
    change = sheet.cell(row=2, column=header.index("Change") + 1).value
    assert change.startswith("SMS: Opt-out → Opt-in (ONAY, HS_WEB, ")
    assert sheet.max_row == 2  # the history has its own file: events only, one per change
