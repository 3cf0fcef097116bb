"""A task run (no transaction around it) decides each chunk while the previous one is still
being written; what the previous chunk writes counts exactly as if it were committed."""

import pytest
from django.db import connection

from consents.models import Consent, ConsentEvent, Contact
from tests.uploads.conftest import run_upload
from uploads.models import Upload, UploadRowError
from uploads.services import upload_create_from_path, upload_run

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("frozen_now", "attributes", "integrator"),
              pytest.mark.skipif(connection.vendor != "postgresql",
                                 reason="the pipelined run needs PostgreSQL; elsewhere chunks "
                                        "go one by one")]


@pytest.fixture(autouse=True)
def one_row_per_chunk(settings):
    settings.UPLOAD_CHUNK_ROWS = 1


def test_a_contact_created_by_the_chunk_before_is_found_and_its_later_row_wins():
    upload = run_upload("duplicate_rows.csv")

    contact = Contact.objects.get(email="tekrar@example.com")
    assert contact.attributes["city"] == "İstanbul" and contact.email_permission == "opt_out"
    assert Contact.objects.count() == 2 and upload.counts["duplicates"] == 1
    assert upload.row_errors.get(kind=UploadRowError.Kind.DUPLICATE).row_number == 4


def test_a_consent_recorded_by_the_chunk_before_is_the_one_the_next_chunk_replaces(tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text("email,IYSSource,IYSStatus,IYSConsentDate\n"
                    "ayni@example.com,HS_WEB,ONAY,07.08.25 09:00:00\n"
                    "ayni@example.com,HS_WEB,RET,07.08.25 10:00:00\n")
    upload = upload_create_from_path(path=path, mode=Upload.Mode.IYS)
    upload = upload_run(upload_id=upload.pk)

    first, second = Consent.objects.order_by("id")
    assert (first.status, first.is_current, second.status, second.is_current) == (
        "ONAY", False, "RET", True)
    event = ConsentEvent.objects.get(consent=second, kind="consent")
    assert event.before["status"] == "ONAY" and event.row_number == 3
    assert Contact.objects.get().email_permission == "opt_out"
    assert upload.counts["consents"] == 2 and upload.counts["duplicates"] == 1


@pytest.mark.parametrize("between", [1, 2, 3])
def test_what_a_contact_got_chunks_before_is_what_a_later_chunk_changes(tmp_path, between):
    path = tmp_path / "apart.csv"
    path.write_text("email,phonenumber,city,IYSSource,IYSStatus,IYSConsentDate\n"
                    "uzak@example.com,,Ankara,HS_WEB,ONAY,07.08.25 09:00:00\n"
                    + "".join(f"ara{i}@example.com,,,HS_WEB,ONAY,07.08.25 09:00:00\n"
                              for i in range(between))
                    + "uzak@example.com,+905321000009,İzmir,HS_WEB,RET,07.08.25 10:00:00\n")
    upload = upload_create_from_path(path=path, mode=Upload.Mode.IYS)
    upload = upload_run(upload_id=upload.pk)

    contact = Contact.objects.get(email="uzak@example.com")
    assert contact.phone == "+905321000009" and contact.attributes["city"] == "İzmir"
    assert Contact.objects.count() == 1 + between
    first, second = Consent.objects.filter(recipient="uzak@example.com").order_by("id")
    assert (first.is_current, second.status, second.is_current) == (False, "RET", True)
    assert upload.counts["duplicates"] == 1 and upload.state == Upload.State.DONE


def test_a_checkpoint_moved_by_another_run_sends_the_run_on_chunk_by_chunk(tmp_path,
                                                                          monkeypatch):
    from uploads import services

    path = tmp_path / "five.csv"
    path.write_text("email,IYSSource,IYSStatus,IYSConsentDate\n" + "".join(
        f"kisi{i}@example.com,HS_WEB,ONAY,07.08.25 09:00:00\n" for i in range(5)))
    upload = upload_create_from_path(path=path, mode=Upload.Mode.IYS)
    real, calls = services.chunk_apply, []

    def another_run_wrote_the_first_row(**kwargs):
        calls.append(kwargs.get("defer", False))
        if len(calls) == 1:  # as if a redelivered task had just committed row 2
            Upload.objects.filter(pk=upload.pk).update(checkpoint=2)
        return real(**kwargs)

    monkeypatch.setattr(services, "chunk_apply", another_run_wrote_the_first_row)
    upload = upload_run(upload_id=upload.pk)

    assert upload.state == Upload.State.DONE and upload.checkpoint == 6
    assert sorted(Contact.objects.values_list("email", flat=True)) == [
        f"kisi{i}@example.com" for i in range(1, 5)]  # row 2 is the other run's
    assert calls[0] is True and calls[-1] is False  # pipelined first, then one by one


def test_a_row_as_the_database_had_it_before_the_chunk_before_still_counts(tmp_path):
    """The chunk before may not be committed when the next is decided: a row that looks
    unchanged against the database is a change against what that chunk writes."""
    first = tmp_path / "first.csv"
    first.write_text("email,IYSSource,IYSStatus,IYSConsentDate\n"
                     "geri@example.com,HS_WEB,ONAY,07.08.25 09:00:00\n")
    upload_run(upload_id=upload_create_from_path(path=first, mode=Upload.Mode.IYS).pk)
    second = tmp_path / "second.csv"
    second.write_text("email,IYSSource,IYSStatus,IYSConsentDate\n"
                      "geri@example.com,HS_WEB,RET,07.08.25 10:00:00\n"
                      "geri@example.com,HS_WEB,ONAY,07.08.25 11:00:00\n")
    upload = upload_run(upload_id=upload_create_from_path(path=second, mode=Upload.Mode.IYS).pk)

    assert list(Consent.objects.order_by("id").values_list("status", "is_current")) == [
        ("ONAY", False), ("RET", False), ("ONAY", True)]
    assert upload.counts["consents"] == 2 and upload.counts["duplicates"] == 1
    assert Contact.objects.get().email_permission == "opt_in"


def test_a_reupload_that_turns_into_changes_part_way_records_every_change(tmp_path):
    """Chunks grow while the file repeats what is stored; the rows after that still count."""
    header = "email,IYSSource,IYSStatus,IYSConsentDate\n"
    first = tmp_path / "first.csv"
    first.write_text(header + "".join(f"k{i}@example.com,HS_WEB,ONAY,07.08.25 09:00:00\n"
                                      for i in range(8)))
    upload_run(upload_id=upload_create_from_path(path=first, mode=Upload.Mode.IYS).pk)
    second = tmp_path / "second.csv"
    second.write_text(header + "".join(f"k{i}@example.com,HS_WEB,ONAY,07.08.25 09:00:00\n"
                                       for i in range(6))
                      + "k6@example.com,HS_WEB,RET,07.08.25 10:00:00\n"
                      + "k7@example.com,HS_WEB,RET,07.08.25 10:00:00\n"
                      + "yeni@example.com,HS_WEB,ONAY,07.08.25 10:00:00\n")
    upload = upload_run(upload_id=upload_create_from_path(path=second, mode=Upload.Mode.IYS).pk)

    assert (upload.counts["unchanged"], upload.counts["updated"], upload.counts["created"],
            upload.counts["consents"]) == (6, 2, 1, 3)
    assert set(Consent.objects.filter(is_current=True, status="RET").values_list(
        "recipient", flat=True)) == {"k6@example.com", "k7@example.com"}
    assert upload.rows_done == 9 and upload.state == Upload.State.DONE


def test_a_tacir_consent_recorded_by_the_chunk_before_is_the_one_the_next_chunk_replaces(
        tmp_path):
    path = tmp_path / "tacir.csv"
    path.write_text("email,IYSRecipientType,IYSSource,IYSStatus,IYSConsentDate\n"
                    "firma@example.com,TACIR,HS_WEB,ONAY,07.08.25 09:00:00\n"
                    "firma@example.com,TACIR,HS_WEB,RET,07.08.25 10:00:00\n")
    upload = upload_create_from_path(path=path, mode=Upload.Mode.IYS)
    upload = upload_run(upload_id=upload.pk)

    assert upload.state == Upload.State.DONE, upload.message
    first, second = Consent.objects.order_by("id")
    assert (first.status, first.is_current, second.status, second.is_current) == (
        "ONAY", False, "RET", True)
    assert {first.recipient_type, second.recipient_type} == {"TACIR"}
