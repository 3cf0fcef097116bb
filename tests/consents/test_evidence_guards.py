"""The evidence cannot be wiped (issue 19, part 2): under the application's database role,
TRUNCATE, flush, disabling a trigger, changing an id and swapping ``is_current`` are refused,
while every change the application makes itself, with its event, still goes through."""

import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.commands import flush as django_flush
from django.db import DatabaseError, connection, transaction

from consents.choices import ConsentStatus, IysState, Origin
from consents.delivery import DeliveryUpdate, consent_delivery_bulk_update
from consents.models import Consent, ConsentEvent, Contact
from consents.services import ChangeOrigin, consent_apply, consent_delivery_update
from tests.consents.factories import ConsentInputFactory, ContactFactory
from tests.consents.roles import as_role, commit_checks

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql",
                                 reason="database roles and triggers are PostgreSQL's")]

EVIDENCE_TABLES = ("consents_contact", "consents_consent", "consents_consentevent")


def refused(statement: str, params=None, role: str | None = None) -> str:
    """The database's refusal of ``statement`` (run in a savepoint, as ``role`` if given)."""
    with pytest.raises(DatabaseError) as error, transaction.atomic(), \
            connection.cursor() as cursor:
        if role:
            cursor.execute(f'SET LOCAL ROLE "{role}"')
        cursor.execute(statement, params)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # checks deferred to commit, now
    return str(error.value)


# Tests of "no change without its event in the same transaction": the history is committed
# before the test changes it (in a test's own transaction everything would be "this one").
transactional = pytest.mark.django_db(transaction=True)


@pytest.fixture
def history(origin):
    """An older ONAY replaced by a newer RET, for one e-mail address."""
    contact = ContactFactory()
    older = consent_apply(contact=contact, origin=origin,
                          **ConsentInputFactory(status=ConsentStatus.ONAY))
    newer = consent_apply(contact=contact, origin=origin,
                          **ConsentInputFactory(status=ConsentStatus.RET))
    return older, newer


def counts() -> tuple[int, int, int]:
    return (Contact.objects.count(), Consent.objects.count(), ConsentEvent.objects.count())


@pytest.mark.parametrize("table", EVIDENCE_TABLES)
def test_truncate_is_refused_under_the_app_role(history, app_role, table):
    before = counts()
    assert "permission denied" in refused(f"TRUNCATE {table} CASCADE", role=app_role)
    assert counts() == before


@pytest.mark.parametrize("table", EVIDENCE_TABLES)
def test_truncate_is_refused_even_for_the_owner(history, table):
    before = counts()
    assert "legal evidence" in refused(f"TRUNCATE {table} CASCADE")
    assert counts() == before


def test_flush_refuses_with_a_clear_message(history, settings):
    settings.EVIDENCE_WIPE_ALLOWED = False
    before = counts()
    with pytest.raises(CommandError, match="legal evidence"):
        call_command("flush", interactive=False, verbosity=0)
    assert counts() == before


def test_manage_py_flush_prints_no_traceback():
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    result = subprocess.run([sys.executable, "manage.py", "flush", "--noinput"],
                            cwd=settings.BASE_DIR, env=environment, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 1
    assert "yasal kanıttır" in result.stderr  # the local settings speak Turkish
    assert "Traceback" not in result.stderr


def test_djangos_own_flush_cannot_empty_the_tables_under_the_app_role(history, app_role):
    before = counts()
    with pytest.raises(CommandError), as_role(app_role):
        with connection.cursor() as cursor:  # even when it claims the wipe is intended
            cursor.execute("SET iys.allow_wipe = on")
        django_flush.Command().handle(database="default", verbosity=0, interactive=False,
                                      reset_sequences=False, inhibit_post_migrate=True)
    with connection.cursor() as cursor:
        cursor.execute("RESET iys.allow_wipe")
    assert counts() == before


@pytest.mark.parametrize("statement", [
    "ALTER TABLE {table} DISABLE TRIGGER ALL",
    "ALTER TABLE {table} DISABLE TRIGGER USER",
    "DROP TRIGGER consent_never_deleted ON consents_consent",
    "DROP TABLE {table} CASCADE",
])
@pytest.mark.parametrize("table", EVIDENCE_TABLES)
def test_triggers_cannot_be_disabled_or_dropped_under_the_app_role(history, app_role, statement,
                                                                   table):
    assert "must be owner" in refused(statement.format(table=table), role=app_role)


@pytest.mark.parametrize("table", ["consents_contact", "consents_consent"])
@pytest.mark.parametrize("role", ["app", "owner"])
def test_an_id_cannot_change(history, app_role, table, role):
    older, _newer = history
    pk = older.contact_id if table == "consents_contact" else older.pk
    message = refused(f"UPDATE {table} SET id = id + 1000000 WHERE id = %s", [pk],
                      role=app_role if role == "app" else None)
    assert ("permission denied" if role == "app" else "append-only") in message
    assert Consent.objects.filter(pk=older.pk, contact_id=older.contact_id).exists()


@transactional
def test_swapping_is_current_without_events_is_refused(history, app_role):
    older, newer = history
    with transaction.atomic(), as_role(app_role), \
            pytest.raises(DatabaseError, match="without its event"), transaction.atomic():
        Consent.objects.filter(pk=newer.pk).update(is_current=False)
        Consent.objects.filter(pk=older.pk).update(is_current=True)
        commit_checks()
    assert Consent.objects.get(is_current=True, recipient=older.recipient).pk == newer.pk


@transactional
@pytest.mark.parametrize("change", [
    {"iys_state": IysState.ACCEPTED, "iys_transaction_id": "forged"},
    {"iys_transaction_id": "forged"},
    {"is_current": False},
])
def test_a_delivery_or_current_change_without_its_event_is_refused(history, app_role, change):
    _older, newer = history
    assert "without its event" in refused(
        "UPDATE consents_consent SET " + ", ".join(f"{column} = %s" for column in change)
        + " WHERE id = %s", [*change.values(), newer.pk], role=app_role)


@transactional
def test_a_swap_with_its_events_is_kept_as_evidence(history, app_role, origin):
    """The rule is "no change without its event", whoever writes it: a change that records
    itself is let through, and stays in the history."""
    older, newer = history
    with transaction.atomic(), as_role(app_role):
        Consent.objects.filter(pk=newer.pk).update(is_current=False)
        Consent.objects.filter(pk=older.pk).update(is_current=True)
        for consent in (older, newer):
            ConsentEvent.objects.create(contact_id=consent.contact_id, consent=consent,
                                        kind=ConsentEvent.Kind.CONSENT, field="is_current",
                                        **origin.event_fields())
        commit_checks()
    assert Consent.objects.get(pk=older.pk).is_current


@transactional
def test_an_event_of_an_earlier_transaction_does_not_cover_a_change(history, app_role):
    _older, newer = history  # newer's own CONSENT event exists, but from before
    assert ConsentEvent.objects.filter(consent=newer).exists()
    assert "without its event" in refused(
        "UPDATE consents_consent SET iys_state = 'accepted' WHERE id = %s", [newer.pk],
        role=app_role)


@transactional
def test_the_applications_own_changes_pass_under_the_app_role(app_role, origin):
    """Replacing a consent, moving delivery one by one and in bulk: all under the restricted
    role, with the checks deferred to commit run."""
    with transaction.atomic(), as_role(app_role):
        contact = ContactFactory()
        first = consent_apply(contact=contact, origin=origin, **ConsentInputFactory())
        second = consent_apply(contact=contact, origin=origin,
                               **ConsentInputFactory(status=ConsentStatus.RET))
        consent_delivery_update(consent=second, state=IysState.SENT, request_id="r-1",
                                origin=origin)
        applied = consent_delivery_bulk_update(updates=[
            DeliveryUpdate(consent_id=second.pk, state=IysState.ACCEPTED, transaction_id="t-1"),
            DeliveryUpdate(consent_id=first.pk, state=IysState.LOCAL, error_code="SUPERSEDED"),
        ], origin=ChangeOrigin(kind=Origin.IYS_PULL, reference="test"))
        commit_checks()
    assert len(applied) == 2
    assert Consent.objects.get(pk=second.pk).iys_transaction_id == "t-1"


def test_db_app_role_creates_the_applications_login_role(settings):
    role = f"{connection.settings_dict['NAME']}_cmd"[:63]
    settings.APP_DATABASE = {"USER": role, "PASSWORD": "app-password"}
    call_command("db_app_role", stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = %s", [role])
        assert cursor.fetchone() == (True, False)
        cursor.execute("SELECT has_table_privilege(%s, 'consents_consent', 'DELETE'), "
                       "has_table_privilege(%s, 'consents_consent', 'INSERT')", [role, role])
        assert cursor.fetchone() == (False, True)


def test_db_app_role_refuses_to_restrict_the_owner(settings):
    settings.APP_DATABASE = {"USER": connection.settings_dict["USER"], "PASSWORD": ""}
    with pytest.raises(CommandError, match="other than the owner"):
        call_command("db_app_role")
