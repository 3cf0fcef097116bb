"""GET /api/v1/contacts/<email|phone|external_id> returns permissions, attributes, consents."""

import pytest

from consents.services import consent_apply
from tests.consents.factories import ConsentInputFactory, ContactFactory, ProfileAttributeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(origin):
    ProfileAttributeFactory(name="city")
    contact = ContactFactory(email="mehmet@example.com", phone="+905329998877",
                             external_id="CRM-42", attributes={"city": "İzmir"})
    consent_apply(contact=contact, origin=origin, **ConsentInputFactory(type="MESAJ"))
    return contact


@pytest.mark.parametrize("identifier", ["mehmet@example.com", "MEHMET@example.com",
                                        "+905329998877", "CRM-42"])
def test_a_contact_is_found_by_any_identifier(api, contact, identifier):
    response = api.get_contact(identifier)
    assert response.status_code == 200
    data = response.json()
    assert (data["email"], data["phone"], data["external_id"]) == (
        "mehmet@example.com", "+905329998877", "CRM-42")
    assert data["permissions"] == {"email": "opt_out", "sms": "opt_in", "call": "opt_out"}
    assert data["attributes"] == {"city": "İzmir"}
    [consent] = data["consents"]
    assert {k: consent[k] for k in ("recipient", "type", "status", "source", "iys_state")} == {
        "recipient": "+905329998877", "type": "MESAJ", "status": "ONAY", "source": "HS_WEB",
        "iys_state": "local"}


@pytest.mark.parametrize("identifier", ["nobody@example.com", "+905320000000", "CRM-0",
                                        "not an email@", "%00"])
def test_an_unknown_contact_is_a_404(api, contact, identifier):
    response = api.get_contact(identifier)
    assert response.status_code == 404
    assert response.json()["errors"]["identifier"]


def test_the_lookup_needs_a_key(client, contact):
    assert client.get("/api/v1/contacts/CRM-42").status_code == 401
