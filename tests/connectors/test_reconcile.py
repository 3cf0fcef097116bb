"""Mutabakat: İYS's daily change file compared with our records, differences in the admin."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from connectors.models import ReconciliationDifference
from connectors.services.reconcile import iys_reconcile
from consents.choices import ConsentStatus, IysState
from consents.rules import TURKEY
from tests.connectors.conftest import configure
from tests.connectors.factories import waiting_consents
from tests.consents.factories import consent_columns_set

Kind = ReconciliationDifference.Kind


@pytest.mark.django_db
def test_differences_with_the_daily_file_are_listed_in_the_admin(sandbox,
                                                                 admin_role_client):
    configure(sandbox, integrator=True)
    same, differs, ours_only = waiting_consents(3, state=IysState.ACCEPTED)
    yesterday = datetime.now(TURKEY) - timedelta(days=1)
    consent_columns_set(ours_only, iys_transaction_id="not-in-iys", iys_updated_at=yesterday)
    state = sandbox.state
    state.citizen_change(recipient=same.recipient, type_="MESAJ", status="ONAY", age=86400)
    state.citizen_change(recipient=differs.recipient, type_="MESAJ", status="RET", age=86400)
    state.citizen_change(recipient="+905550001122", type_="MESAJ", status="ONAY", age=86400)

    report = iys_reconcile()

    assert report.rows == 3 and report.differences == 3
    found = {d.recipient: d for d in ReconciliationDifference.objects.all()}
    assert found[differs.recipient].kind == Kind.STATUS_DIFFERS
    assert (found[differs.recipient].iys_status,
            found[differs.recipient].local_status) == ("RET", ConsentStatus.ONAY)
    assert found["+905550001122"].kind == Kind.MISSING_HERE
    assert found[ours_only.recipient].kind == Kind.MISSING_IN_IYS
    assert same.recipient not in found
    assert iys_reconcile().differences == 3  # run again: the same list, not twice
    assert ReconciliationDifference.objects.count() == 3

    page = admin_role_client.get(
        reverse("admin:connectors_reconciliationdifference_changelist"))
    assert page.status_code == 200 and "+905550001122" in page.content.decode()
