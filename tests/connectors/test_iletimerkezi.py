"""The provider route: consents go to İYS through iletiMerkezi in atomic batches."""

import pytest

from connectors.iletimerkezi.client import IletiMerkeziClient
from connectors.models import IysConnector
from connectors.services.push import iys_push
from consents.choices import IysState
from consents.models import Consent
from tests.connectors.conftest import configure
from tests.connectors.factories import waiting_consents
from tests.consents.factories import consent_columns_set


def route_through_iletimerkezi(server, *, key="demo-key", hash="demo-hash") -> None:
    configure(server, integrator=True)
    IysConnector.objects.update(route=IysConnector.Route.ILETIMERKEZI,
                                iletimerkezi_url=server.url, iletimerkezi_key=key,
                                iletimerkezi_hash=hash)


@pytest.mark.django_db
def test_one_bad_record_is_isolated_the_others_are_accepted(sandbox):
    route_through_iletimerkezi(sandbox)
    waiting_consents(37)
    [bad] = waiting_consents(1, start=37)
    waiting_consents(62, start=38)
    # A malformed number that slipped in (e.g. an old import made before the rules existed).
    bad = Consent.objects.create(contact=bad.contact, recipient="+9053211", type=bad.type,
                                 status=bad.status, source=bad.source, is_current=False,
                                 consent_date=bad.consent_date, iys_state=IysState.PENDING)
    for other in Consent.objects.filter(contact=bad.contact).exclude(pk=bad.pk):
        consent_columns_set(other, iys_state=IysState.LOCAL)

    report = iys_push()

    assert report.accepted == 99 and report.rejected == 1
    assert sandbox.state.provider_count() == 99
    bad.refresh_from_db()
    assert bad.iys_state == IysState.REJECTED
    assert bad.iys_error_code == "ILETIMERKEZI_422" and "+9053211" in bad.iys_error_message
    calls = sandbox.state.requests("/v1/consent/create/json")
    assert 2 < len(calls) <= 2 * 7 + 1  # halving isolates it in about log2(100) steps


def test_batches_hold_at_most_5000_records(sandbox):
    client = IletiMerkeziClient(base_url=sandbox.url, key="demo-key", hash="demo-hash",
                                brand_code="100001")
    with pytest.raises(ValueError):
        client.consent_create([{}] * 5001)


@pytest.mark.django_db
def test_bad_credentials_stop_pushing_and_tell_the_admin_what_to_fix(sandbox,
                                                                    admin_role_client):
    route_through_iletimerkezi(sandbox, hash="wrong-hash")
    waiting_consents(3)
    iys_push()
    connector = IysConnector.load()
    assert "API key and hash" in connector.blocked_reason
    assert Consent.objects.filter(iys_state=IysState.PENDING).count() == 3  # nothing lost
    calls = len(sandbox.state.requests())
    iys_push()
    assert len(sandbox.state.requests()) == calls  # stopped until the admin fixes it

    page = admin_role_client.get(f"/admin/connectors/iysconnector/{connector.pk}/change/")
    assert "Allow API access" in page.content.decode()
    assert "wrong-hash" not in page.content.decode()

    from tests.connectors.test_settings_page import form_data
    admin_role_client.post(page.wsgi_request.path, form_data(
        integrator_mode="on", mutabakat_confirmed="on", route="iletimerkezi",
        base_url=sandbox.url, iletimerkezi_url=sandbox.url, iletimerkezi_hash="demo-hash"))
    assert IysConnector.load().blocked_reason == ""  # fixed and saved: pushing resumes
    assert iys_push().accepted == 3


@pytest.mark.django_db
@pytest.mark.parametrize(("options", "expected"), [
    ({"iletimerkezi_active": False}, "no active İYS subscription"),
    ({"iletimerkezi_quota": 2}, "quota is used up"),
])
def test_no_subscription_or_no_quota_stop_pushing(start_sandbox, options, expected):
    server = start_sandbox(**options)
    route_through_iletimerkezi(server)
    waiting_consents(3)
    iys_push()
    assert expected in IysConnector.load().blocked_reason
    assert Consent.objects.filter(iys_state=IysState.PENDING).count() == 3


@pytest.mark.django_db
def test_the_test_button_checks_the_iletimerkezi_key_without_storing_anything(sandbox):
    from connectors.services.status import connector_test

    route_through_iletimerkezi(sandbox)
    assert connector_test(connector=IysConnector.load()) == (
        True, "iletiMerkezi accepted the API key and hash.")
    route_through_iletimerkezi(sandbox, hash="wrong-hash")
    ok, message = connector_test(connector=IysConnector.load())
    assert not ok and "Üyelik bilgileri hatalı" in message and "wrong-hash" not in message
    assert sandbox.state.provider_count() == 0


@pytest.mark.django_db
def test_sync_mode_through_iletimerkezi_sends_only_recipients_known_to_iys(sandbox):
    route_through_iletimerkezi(sandbox)
    [known_before] = waiting_consents(1, state=IysState.ACCEPTED)
    known = Consent.objects.create(contact=known_before.contact,
                                   recipient=known_before.recipient, type=known_before.type,
                                   status="RET", source="HS_WEB", is_current=False,
                                   consent_date=known_before.consent_date,
                                   iys_state=IysState.PENDING)
    [unknown] = waiting_consents(1, start=1)
    IysConnector.objects.update(integrator_mode=False)
    report = iys_push()
    assert report.accepted == 1 and report.not_sent == 1
    known.refresh_from_db()
    unknown.refresh_from_db()
    assert known.iys_state == IysState.ACCEPTED
    assert unknown.iys_error_code == "SYNC_UNKNOWN"
    assert sandbox.state.provider_count() == 1
