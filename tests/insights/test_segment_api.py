"""GET /api/v1/segments/<id>/contacts: keyset pages, stable while contacts change."""

import pytest

from api.services import api_key_create
from consents.models import Contact
from consents.origins import ChangeOrigin
from consents.services import consent_apply
from tests.consents.factories import ConsentInputFactory, ContactFactory
from tests.insights.factories import SegmentFactory

pytestmark = pytest.mark.django_db

OPTED_IN = [{"field": "permission", "channel": "email", "value": "opt_in"}]


@pytest.fixture
def api(client):
    _key, raw = api_key_create(name="crm")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def test_pages_follow_the_cursor_and_stay_stable_while_data_changes(api):
    members = [ContactFactory(email_permission="opt_in") for _ in range(7)]
    ContactFactory()  # not in the segment
    segment = SegmentFactory(rules=OPTED_IN)
    url = f"/api/v1/segments/{segment.pk}/contacts"
    first = api.get(url, {"limit": 3}).json()
    assert [c["email"] for c in first["contacts"]] == [m.email for m in members[:3]]
    assert set(first["contacts"][0]) >= {"id", "email", "phone", "permissions", "attributes",
                                         "consents", "channels", "tacir"}
    # Meanwhile: a member already read leaves, a new one joins at the end.
    Contact.objects.filter(pk=members[0].pk).update(email_permission="opt_out")
    late = ContactFactory(email_permission="opt_in")
    seen = [c["email"] for c in first["contacts"]]
    cursor = first["next_cursor"]
    while cursor:
        page = api.get(url, {"limit": 3, "cursor": cursor}).json()
        seen += [c["email"] for c in page["contacts"]]
        cursor = page["next_cursor"]
    assert seen == [m.email for m in members] + [late.email]  # none skipped, none twice


def test_a_contact_reads_as_the_contact_api_shows_it(api, client):
    contact = ContactFactory(email_permission="opt_in")
    consent_apply(contact=contact, **ConsentInputFactory(), origin=ChangeOrigin(kind="api"))
    segment = SegmentFactory(rules=OPTED_IN)
    [row] = api.get(f"/api/v1/segments/{segment.pk}/contacts").json()["contacts"]
    single = api.get(f"/api/v1/contacts/{contact.email}").json()
    assert {k: v for k, v in row.items() if k != "id"} == single


def test_a_key_is_required_and_bad_input_is_explained(client, api):
    segment = SegmentFactory()
    assert client.get(f"/api/v1/segments/{segment.pk}/contacts",
                      HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    assert api.get("/api/v1/segments/999999/contacts").status_code == 404
    response = api.get(f"/api/v1/segments/{segment.pk}/contacts", {"cursor": "abc"})
    assert response.status_code == 400 and "cursor" in response.json()["errors"]
    assert api.get(f"/api/v1/segments/{segment.pk}/contacts",
                   {"limit": 100000}).status_code == 400
