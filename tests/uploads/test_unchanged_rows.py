"""Rows that change nothing (a re-upload's) are found by one query instead of being decided one
by one; the summary, the row messages and the history are exactly what deciding them gives."""

import pytest
from django.db import connection, transaction
from django.utils import timezone

from connectors.models import IysConnector
from consents.models import Consent, ConsentEvent, Contact
from uploads import pipeline
from uploads.models import Upload
from uploads.parsing import iter_records
from uploads.pipeline import Columns, chunk_apply
from uploads.services import upload_create_from_path, upload_path, upload_run

pytestmark = [pytest.mark.usefixtures("frozen_now", "attributes", "integrator"),
              pytest.mark.skipif(connection.vendor != "postgresql",
                                 reason="PostgreSQL finds the unchanged rows; elsewhere every "
                                        "row is decided")]

HEADER = "email,phonenumber,external_id,city,IYSSource,IYSStatus,IYSConsentDate\n"
FIRST = HEADER + (
    "a@example.com,+905321000001,A1,Ankara,HS_WEB,ONAY,07.08.25 09:00:00\n"
    "b@example.com,+905321000002,B1,Bursa,HS_WEB,ONAY,07.08.25 09:00:00\n"
    "c@example.com,+905321000003,C1,Çorum,HS_WEB,ONAY,07.08.25 09:00:00\n"
    "d@example.com,,D1,Denizli,HS_WEB,RET,07.08.25 09:00:00\n"
    "e@example.com,+905321000005,,Edirne,HS_WEB,ONAY,07.08.25 09:00:00\n"
    "g@example.com,,G1,Giresun,HS_WEB,RET,07.08.25 09:00:00\n"
    "h@example.com,,H1,Hatay,HS_WEB,ONAY,07.08.25 09:00:00\n"
    "k@example.com,+905321000011,K1,Kars,HS_WEB,ONAY,07.08.25 09:00:00\n"
)
SECOND = HEADER + (
    "k@example.com,+905321000011,K1,Kars,HS_WEB,ONAY,07.08.25 09:30:00\n"  # 2 newer ONAY: recorded
    "b@example.com,+905321000002,B1,Balıkesir,HS_WEB,ONAY,07.08.25 09:00:00\n"  # 3 new city
    "c@example.com,+905321000003,C1,Çorum,HS_WEB,RET,07.08.25 09:30:00\n"  # 4 opts out...
    "c@example.com,+905321000003,C1,Çorum,HS_WEB,ONAY,07.08.25 09:00:00\n"  # 5 ...later row wins
    "d@example.com,,D1,Denizli,HS_WEB,RET,07.08.25 09:00:00\n"  # 6 unchanged, e-mail only
    ",+905321000005,,Edirne,HS_WEB,ONAY,07.08.25 09:00:00\n"  # 7 unchanged, found by phone
    "a@example.com,+905321000001,A1,Ankara,HS_WEB,ONAY,07.08.25 09:00:00\n"  # 8 unchanged...
    "a@example.com,+905321000002,,Ankara,HS_WEB,ONAY,07.08.25 09:00:00\n"  # 9 ...b's phone
    "f@example.com,+905321000006,F1,Fethiye,HS_WEB,ONAY,07.08.25 09:00:00\n"  # 10 new contact
    "g@example.com,,G1,Giresun,HS_2015,RET,07.08.25 09:00:00\n"  # 11 HS_2015 needs 01.05.2015
    "h@example.com,,H1,Hatay,HS_WEB,ONAY,09.08.25 09:00:00\n"  # 12 a date in the future
    "h@example.com,,H1,Hatay,HS_WEB,BELKI,07.08.25 09:00:00\n"  # 13 not an İYS status
)


def upload_file(tmp_path, name: str, text: str, mode: str = Upload.Mode.IYS) -> Upload:
    path = tmp_path / name
    path.write_text(text)
    return upload_create_from_path(path=path, mode=mode)


def outcome(upload: Upload, *, skip_unchanged: bool) -> tuple:
    """What deciding the whole file as one chunk shows and writes (then rolled back)."""
    records = list(iter_records(upload_path(upload), encoding=upload.encoding,
                                delimiter=upload.delimiter))[1:]
    latest_event = ConsentEvent.objects.order_by("-id").values_list("id", flat=True).first()
    with transaction.atomic():
        result = chunk_apply(upload=upload, records=records, columns=Columns.of(upload),
                             connector=IysConnector.load(), now=timezone.now(),
                             skip_unchanged=skip_unchanged)
        shown = (dict(result.counts),
                 sorted((e.row_number, e.kind, e.column, e.text) for e in result.errors))
        written = (
            list(ConsentEvent.objects.filter(id__gt=latest_event).order_by("id").values_list(
                "contact__email", "kind", "field", "before", "after", "row_number")),
            list(Consent.objects.order_by("recipient", "type", "id").values_list(
                "recipient", "type", "status", "is_current")),
            list(Contact.objects.order_by("email").values_list(
                "email", "phone", "external_id", "attributes", "email_permission",
                "sms_permission")))
        transaction.set_rollback(True)
    return shown, written


def rows_set_apart(upload: Upload, monkeypatch) -> list[int]:
    """The rows of ``upload`` the query sets apart as changing nothing."""
    found = []
    real = pipeline._unchanged_split

    def spy(rows, **kwargs):
        rest, unchanged = real(rows, **kwargs)
        found.extend(row.number for row, _contact in unchanged)
        return rest, unchanged

    monkeypatch.setattr(pipeline, "_unchanged_split", spy)
    outcome(upload, skip_unchanged=True)
    return sorted(found)


def test_a_reupload_with_changes_reads_and_writes_as_if_every_row_were_decided(
        tmp_path, monkeypatch):
    upload_run(upload_id=upload_file(tmp_path, "first.csv", FIRST).pk)
    second = upload_file(tmp_path, "second.csv", SECOND)

    assert outcome(second, skip_unchanged=True) == outcome(second, skip_unchanged=False)
    # Rows 8 and 5 share their contact with a row that changes it: decided the usual way.
    assert rows_set_apart(second, monkeypatch) == [6, 7]


def test_the_same_file_again_changes_nothing_and_reports_every_row_as_unchanged(tmp_path,
                                                                               monkeypatch):
    upload_run(upload_id=upload_file(tmp_path, "first.csv", FIRST).pk)
    events = ConsentEvent.objects.count()
    again = upload_run(upload_id=upload_file(tmp_path, "again.csv", FIRST).pk)

    assert again.counts["unchanged"] == 8 and again.counts["created"] == 0
    assert again.counts["updated"] == 0 and again.counts["consents_already"] == 13
    assert again.counts["consents"] == 0 and ConsentEvent.objects.count() == events
    assert not again.row_errors.exists()
    assert rows_set_apart(upload_file(tmp_path, "third.csv", FIRST), monkeypatch) == [
        2, 3, 4, 5, 6, 7, 8, 9]


@pytest.mark.parametrize("mode", [Upload.Mode.SUBSCRIBED, Upload.Mode.UNSUBSCRIBED])
def test_a_fixed_status_reupload_finds_the_contacts_that_already_have_it(tmp_path, mode,
                                                                        monkeypatch):
    header = "email,phonenumber,external_id,city\n"
    upload_run(upload_id=upload_file(tmp_path, "first.csv", header + (
        "a@example.com,+905321000001,A1,Ankara\n"
        "b@example.com,+905321000002,B1,Bursa\n"), mode=Upload.Mode.SUBSCRIBED).pk)
    second = upload_file(tmp_path, "second.csv", header + (
        "a@example.com,+905321000001,A1,Ankara\n"
        "b@example.com,,B1,Bolu\n"
        "c@example.com,,,Çorum\n"), mode=mode)

    assert outcome(second, skip_unchanged=True) == outcome(second, skip_unchanged=False)
    expected = [2] if mode == Upload.Mode.SUBSCRIBED else []
    assert rows_set_apart(second, monkeypatch) == expected
