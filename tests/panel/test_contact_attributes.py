"""The contact page: one typed field per profile attribute, saved through the services."""

import pytest

from consents.models import ConsentEvent, Contact, ProfileAttribute
from tests.consents.factories import ContactFactory, ProfileAttributeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def attributes():
    ProfileAttributeFactory(name="city", label="City")
    ProfileAttributeFactory(name="score", label="Score", type=ProfileAttribute.Type.NUMBER)
    ProfileAttributeFactory(name="birthday", label="Birthday", type=ProfileAttribute.Type.DATE)
    ProfileAttributeFactory(name="vip", label="VIP", type=ProfileAttribute.Type.BOOLEAN)


def _post(client, contact, **attributes):
    data = {"email": contact.email, "phone": contact.phone, "external_id": contact.external_id,
            "email_permission": contact.email_permission,
            "sms_permission": contact.sms_permission,
            "call_permission": contact.call_permission,
            "consents-TOTAL_FORMS": 0, "consents-INITIAL_FORMS": 0}
    data.update({f"attribute_{name}": value for name, value in attributes.items()})
    return client.post(f"/admin/consents/contact/{contact.pk}/change/", data)


def test_each_attribute_is_a_field_of_its_type(admin_role_client, attributes):
    contact = ContactFactory(attributes={"city": "İzmir", "score": 7, "vip": True,
                                         "birthday": "1990-05-17"})
    form = admin_role_client.get(f"/admin/consents/contact/{contact.pk}/change/").content.decode()
    assert 'name="attributes"' not in form  # no JSON textarea
    assert 'name="attribute_city"' in form and 'value="İzmir"' in form
    assert 'type="date" name="attribute_birthday"' in form and 'value="1990-05-17"' in form
    assert '<select name="attribute_vip"' in form


def test_saving_typed_attributes_goes_through_the_services(admin_role_client, attributes):
    contact = ContactFactory(attributes={"city": "İzmir"})
    response = _post(admin_role_client, contact, city="Ankara", score="3.5",
                     birthday="1990-05-17", vip="true")
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.attributes == {"city": "Ankara", "score": 3.5, "birthday": "1990-05-17",
                                  "vip": True}
    event = ConsentEvent.objects.get(kind="contact", field="updated")
    assert event.before["city"] == "İzmir" and event.after["city"] == "Ankara"
    assert event.actor_label == "admin"


def test_a_bad_value_is_refused_by_its_field_and_nothing_is_lost(admin_role_client, attributes):
    contact = ContactFactory(attributes={"score": 1})
    response = _post(admin_role_client, contact, score="many", birthday="31.02.2020")
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"attribute_score", "attribute_birthday"}
    assert Contact.objects.get(pk=contact.pk).attributes == {"score": 1}


def test_emptying_a_field_clears_the_attribute(admin_role_client, attributes):
    contact = ContactFactory(attributes={"city": "İzmir", "vip": False})
    assert _post(admin_role_client, contact, city="", vip="unknown").status_code == 302
    contact.refresh_from_db()
    assert contact.attributes == {}


def test_a_read_only_role_sees_the_stored_values_with_their_labels(staff_client, attributes):
    contact = ContactFactory(attributes={"city": "İzmir", "vip": True})
    page = staff_client.get(f"/admin/consents/contact/{contact.pk}/change/").content.decode()
    assert "<th>City</th><td>İzmir</td>" in page and "<th>VIP</th><td>Yes</td>" in page
    assert "Attribute city" not in page and "None" not in page
