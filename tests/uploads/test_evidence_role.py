"""An upload and a re-upload that replaces consents write everything the evidence triggers ask
for (issue 19): they pass under the application's restricted role, with the checks deferred
to commit run."""

import pytest
from django.db import connection

from consents.models import Consent, ConsentEvent
from tests.consents.roles import as_role
from tests.uploads.test_unchanged_rows import FIRST, HEADER, upload_file
from uploads.models import Upload
from uploads.services import upload_run

# a@ opts out later the same day: the re-upload replaces a@'s current e-mail consent
SECOND = HEADER + "a@example.com,+905321000001,A1,Ankara,HS_WEB,RET,07.08.25 09:30:00\n"

# Transactional: each chunk commits, so the checks run at real commits, as in production.
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("frozen_now", "attributes", "integrator"),
              pytest.mark.skipif(connection.vendor != "postgresql",
                                 reason="database roles and triggers are PostgreSQL's")]


def test_an_upload_and_a_re_upload_pass_under_the_app_role(app_role, tmp_path):
    with as_role(app_role):
        first = upload_run(upload_id=upload_file(tmp_path, "first.csv", FIRST).pk)
        second = upload_run(upload_id=upload_file(tmp_path, "second.csv", SECOND).pk)
    assert (first.state, second.state) == (Upload.State.DONE, Upload.State.DONE)
    replaced = Consent.objects.filter(is_current=False)
    assert replaced.exists()
    # each consent the re-upload replaced is named by the replacing consent's event
    for consent in replaced:
        assert ConsentEvent.objects.filter(
            consent__recipient=consent.recipient, consent__type=consent.type,
            consent__is_current=True, kind=ConsentEvent.Kind.CONSENT).exists()
