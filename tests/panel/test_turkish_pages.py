"""Turkish pages spell capital İ right: Python's upper() makes "izinler" "Izinler"."""

import re

import pytest
from django.utils.html import strip_tags

from connectors.models import IysConnector
from tests.consents.factories import ContactFactory

pytestmark = pytest.mark.django_db
# A word starting with a dotless capital I followed by a small letter: "Izin", "Ilk", "Işlem"
# ("Islak imza" is right: ıslak; "Europe/Istanbul" is a time zone's name).
WRONG_CAPITAL_I = re.compile(r"(?<!/)\bI(?!slak)[a-zçğıöşü]\w*")


def _pages(contact) -> list[str]:
    connector = IysConnector.load()
    return ["/admin/", "/admin/consents/contact/", f"/admin/consents/contact/{contact.pk}/change/",
            "/admin/consents/consent/", "/admin/consents/consent/add/",
            "/admin/consents/consentevent/", "/admin/consents/profileattribute/",
            f"/admin/connectors/iysconnector/{connector.pk}/change/",
            "/admin/uploads/upload/", "/admin/uploads/upload/add/", "/admin/api/apikey/",
            "/admin/auth/group/", "/admin/auth/group/add/", "/admin/auth/user/add/",
            "/admin/django_celery_beat/periodictask/",
            "/admin/django_celery_beat/periodictask/add/",
            "/admin/django_celery_beat/intervalschedule/"]


def test_no_page_writes_a_dotless_capital_i_in_turkish(admin_role_client):
    contact = ContactFactory()
    wrong = {}
    for url in _pages(contact):
        response = admin_role_client.get(url, headers={"Accept-Language": "tr"})
        assert response.status_code == 200, url
        text = strip_tags(response.content.decode())
        assert 'lang="tr"' in response.content.decode()
        found = sorted(set(WRONG_CAPITAL_I.findall(text)))
        if found:
            wrong[url] = found
    assert not wrong


def test_permissions_and_hand_recorded_consents_are_named_in_turkish(admin_role_client):
    tr = {"Accept-Language": "tr"}
    group = admin_role_client.get("/admin/auth/group/add/", headers=tr).content.decode()
    assert "Can add" not in group and "Kişi yükleme: ekleyebilir" in group
    consent = admin_role_client.get("/admin/consents/consent/add/", headers=tr).content.decode()
    assert "Consent date" not in consent and "Status:" not in consent
