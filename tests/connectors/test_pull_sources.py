"""The pull reads citizens' changes (source=IYS) and providers' changes (source=HS), each on its
own: an empty answer (204) or a failure on one does not keep the other from being read."""

import time
from datetime import datetime

import pytest

from connectors.models import IysConnector
from connectors.sandbox.rules import format_date
from connectors.sandbox.server import SandboxHandler, fail
from connectors.services.pull import iys_pull
from consents.models import Consent
from consents.rules import TURKEY
from tests.connectors.conftest import configure


def provider_changes(server, count: int) -> None:
    """Consents another provider added to İYS two hours ago (source=HS changes)."""
    created = time.time() - 7200
    with server.state.lock:
        for n in range(count):
            server.state.store({"recipient": f"+90532444{n:04d}", "recipientType": "BIREYSEL",
                                "type": "MESAJ", "status": "ONAY", "source": "HS_WEB",
                                "consentDate": format_date(datetime.fromtimestamp(
                                    created - 60, TURKEY))},
                               change_source="HS", creation_ts=created + n)


@pytest.mark.django_db
def test_an_empty_page_of_citizens_changes_is_followed_by_the_providers_changes(sandbox):
    provider_changes(sandbox, 3)
    configure(sandbox, integrator=False)
    report = iys_pull()
    assert report.recorded == 3 and not report.notes
    assert Consent.objects.filter(recipient__startswith="+90532444").count() == 3
    answers = [(r["query"].split("&")[0], r["status"])
               for r in sandbox.state.requests("/consents/changes")]
    assert answers == [("source=IYS", 204), ("source=HS", 200), ("source=HS", 204)]
    assert IysConnector.load().pull_cursor_hs and not IysConnector.load().pull_cursor_iys


@pytest.mark.django_db
def test_citizens_changes_failing_do_not_keep_the_providers_changes_away(sandbox, settings,
                                                                         monkeypatch):
    settings.IYS_CLIENT_OPTIONS = {"max_retries": 1, "backoff_base": 0.01}
    changes = SandboxHandler.changes

    def iys_source_broken(self, *, body, query):
        if query.get("source") == ["IYS"]:
            raise fail("H015")
        return changes(self, body=body, query=query)

    monkeypatch.setattr(SandboxHandler, "changes", iys_source_broken)
    provider_changes(sandbox, 2)
    configure(sandbox, integrator=False)
    report = iys_pull()
    assert report.recorded == 2
    assert len(report.notes) == 1 and "source=IYS" in report.notes[0]


@pytest.mark.django_db
def test_the_page_size_is_at_most_what_iys_allows(sandbox):
    configure(sandbox, integrator=False)
    iys_pull(page_size=5000)
    assert all("limit=1000" in r["query"] for r in sandbox.state.requests("/consents/changes"))
