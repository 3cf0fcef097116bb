"""Roles are enforced on the server: each role opens what it may and gets 403 elsewhere."""

import pytest

pytestmark = pytest.mark.django_db

PAGES = {
    "contacts": "/admin/consents/contact/",
    "consents": "/admin/consents/consent/",
    "history": "/admin/consents/consentevent/",
    "connector": "/admin/connectors/iysconnector/1/change/",
    "attributes": "/admin/consents/profileattribute/",
    "attribute_add": "/admin/consents/profileattribute/add/",
    "api_keys": "/admin/api/apikey/",
    "contact_add": "/admin/consents/contact/add/",
    "users": "/admin/auth/user/",
}

ALLOWED = {
    "admin": set(PAGES),
    "marketer": {"contacts", "consents", "attributes"},
    "staff": {"contacts", "consents", "history", "attributes"},
}


@pytest.fixture
def connector_row(db):
    from connectors.models import IysConnector

    return IysConnector.load()


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_each_role_opens_only_its_pages(request, connector_row, role, page):
    client = request.getfixturevalue(
        {"admin": "admin_role_client", "marketer": "marketer_client",
         "staff": "staff_client"}[role])
    response = client.get(PAGES[page])
    assert response.status_code == (200 if page in ALLOWED[role] else 403), (role, page)


def test_a_marketer_opening_the_connector_settings_gets_403(marketer_client, connector_row):
    assert marketer_client.get("/admin/connectors/iysconnector/").status_code == 403


def test_staff_cannot_change_a_contact(staff_client):
    from tests.consents.factories import ContactFactory

    contact = ContactFactory()
    response = staff_client.post(f"/admin/consents/contact/{contact.pk}/change/",
                                 {"email": "x@example.com"})
    assert response.status_code == 403


def test_the_roles_are_groups_made_by_migration(db):
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {"Admin", "Marketer", "Staff"}
    admin_permissions = Group.objects.get(name="Admin").permissions
    assert admin_permissions.filter(codename="change_iysconnector").exists()
    assert not Group.objects.get(name="Marketer").permissions.filter(
        codename__contains="iysconnector").exists()
