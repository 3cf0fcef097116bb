"""The chunked write path: a chunk of file rows becomes one set of bulk statements.

Per chunk: read the cells, clean identifiers and attributes with consents.services, load the
existing contacts and their current consents in one query each, decide each row in Python
(consents.rules for every İYS rule, connectors.services for what is queued for İYS), then
write with consents.bulk. The same contact on several rows: the last row wins.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from connectors.models import IysConnector
from connectors.services import iys_delivery_state
from consents.bulk import (
    ConsentIntent,
    ConsentRecord,
    ContactChange,
    ContactRecord,
    Unchanged,
    WriteResult,
    consents_current_load,
    contact_changes_write,
    contacts_load,
    contacts_unchanged,
    contacts_with_events,
)
from consents.choices import CHANNEL_OF_TYPE, ConsentType, Origin, Permission
from consents.dates import parse_consent_date
from consents.delivery import SUPERSEDABLE
from consents.identifiers import normalize_phone_turkish
from consents.models import ProfileAttribute
from consents.policy import Decision
from consents.rules import (
    CONSENT_TYPES,
    RECIPIENT_TYPES,
    SOURCES,
    STATUSES,
    TURKEY,
    ConsentFacts,
    IysLateness,
    StoredConsent,
    consent_violations,
)
from consents.services import (
    IDENTIFIER_NORMALIZERS,
    ChangeOrigin,
    attribute_value_clean,
)
from uploads import matching
from uploads.errors import IDENTIFIER_CHANNELS, MESSAGES, channels_join
from uploads.models import Upload, UploadRowError
from uploads.parsing import unguard
from uploads.summary import COUNT_KEYS, consent_bucket  # noqa: F401 (COUNT_KEYS: services)

Kind = UploadRowError.Kind


@dataclass(frozen=True)
class Columns:
    """Where each target sits in a row of this upload."""

    headers: list[str]
    index: dict[str, int]
    attributes: list[tuple[int, ProfileAttribute]]

    @classmethod
    def of(cls, upload: Upload) -> "Columns":
        index, attributes = {}, []
        configured = {a.name: a for a in ProfileAttribute.objects.all()}
        for position, target in enumerate(upload.mapping):
            if target.startswith(matching.ATTRIBUTE_PREFIX):
                attribute = configured.get(target.removeprefix(matching.ATTRIBUTE_PREFIX))
                if attribute is not None:
                    attributes.append((position, attribute))
            elif target:
                index[target] = position
        return cls(headers=list(upload.headers), index=index, attributes=attributes)

    def cell(self, cells: list[str], target: str) -> str:
        position = self.index.get(target)
        if position is None or position >= len(cells):
            return ""
        return cells[position].strip()

    def header(self, target: str) -> str:
        position = self.index.get(target)
        return self.headers[position] if position is not None else target


@dataclass(slots=True)
class Row:
    number: int
    cells: list[str]
    ids: dict[str, str | None]
    attributes: dict[str, Any]
    iys: tuple[str, str, datetime] | None = None  # source, status, date when all valid
    # The IYSType and IYSRecipientType cells ("" where empty), None where neither is matched:
    # then e-mail gives EPOSTA, phone MESAJ, and the recipient is BIREYSEL.
    kind: tuple[str, str] | None = None
    # (column, value, code, params, message) of each İYS cell that is not valid
    iys_problems: list[tuple[str, str, str, dict, str]] = field(default_factory=list)


@dataclass
class ChunkResult:
    counts: Counter
    errors: list[UploadRowError]
    written: WriteResult | None = None
    # Most of its rows named contacts that exist: the next chunk is worth the query for rows
    # that change nothing (chunk_apply's skip_unchanged).
    mostly_existing: bool = False
    # Nine rows in ten changed nothing: the file repeats what is stored (a re-upload).
    mostly_unchanged: bool = False


@dataclass
class RecentWrites:
    """What the previous chunk writes, perhaps not committed yet: a pipelined run decides the
    next chunk from the database plus this, while that chunk is still being written."""

    contacts: dict[int, ContactRecord]  # created or updated, as they are after the chunk
    currents: dict[tuple[str, str], ConsentRecord]
    event_contacts: set[int]
    tacir: dict[tuple[str, str], ConsentRecord] = field(default_factory=dict)

    @classmethod
    def of(cls, written: WriteResult) -> "RecentWrites":
        return cls(contacts={record.pk: record for record in written.touched},
                   currents={(c.recipient, c.type): c for c in written.consents
                             if c.recipient_type == _BIREYSEL},
                   event_contacts=written.event_contacts,
                   tacir={(c.recipient, c.type): c for c in written.consents
                          if c.recipient_type == _TACIR})

    def touches(self, contact: Unchanged) -> bool:
        """Whether these writes change this contact or its current consents."""
        return (contact.pk in self.contacts or (contact.email, _EPOSTA) in self.currents
                or (contact.phone, _MESAJ) in self.currents)

    def contacts_overlay(self, loaded: list[ContactRecord], emails: set[str], phones: set[str],
                         external_ids: set[str]) -> list[ContactRecord]:
        """What contacts_load would return once the previous chunk is committed."""
        found = {record.pk: self.contacts.get(record.pk, record) for record in loaded}
        found.update((record.pk, record) for record in self.contacts.values())
        return [record for record in found.values()
                if record.external_id in external_ids or record.email in emails
                or record.phone in phones]


@dataclass
class ChunkRead:
    """A chunk's rows read and cleaned: needs no database, so it can be done ahead."""

    records: list[tuple[int, list[str]]]
    rows: list[Row]
    counts: Counter
    errors: list[UploadRowError]


class _Slot:
    """One contact the chunk writes to: an existing one or a new one."""

    __slots__ = ("contact", "rows")

    def __init__(self, contact: ContactRecord | None):
        self.contact = contact
        self.rows: list[Row] = []


_TEXT = str(ProfileAttribute.Type.TEXT)
_EPOSTA, _MESAJ = str(ConsentType.EPOSTA), str(ConsentType.MESAJ)
_OPT_IN, _OPT_OUT = str(Permission.OPT_IN), str(Permission.OPT_OUT)
_BIREYSEL, _TACIR = "BIREYSEL", "TACIR"
_CHANNEL_OF_TYPE = {str(type_): str(channel) for type_, channel in CHANNEL_OF_TYPE.items()}
_ALREADY = "consents_already"  # uploads.summary: consents the recipient already holds
_SUPERSEDABLE = frozenset(str(state) for state in SUPERSEDABLE)


class _Reader:
    """Reads the rows of one upload: column positions and per-column work decided once.

    A million-row file is read row by row in the thread that competes with the deciding one
    for the interpreter, so the common row (identifiers and İYS cells that are all valid)
    takes a straight path; any problem goes the careful way, which words each message."""

    def __init__(self, upload: Upload, columns: Columns):
        self.upload, self.columns, self.iys_mode = upload, columns, upload.mode == Upload.Mode.IYS
        self.identifiers = [(name, columns.index.get(name)) for name in matching.IDENTIFIERS]
        normalizers = dict(IDENTIFIER_NORMALIZERS)
        if upload.default_country == "TR":
            normalizers["phone"] = normalize_phone_turkish
        self.normalizers = [(name, position, normalizers[name])
                            for name, position in self.identifiers]
        self.kind_positions = [columns.index.get(target)
                               for target in matching.IYS_OPTIONAL_FIELDS]
        self.kind_matched = self.iys_mode and self.kind_positions != [None, None]
        self.iys_positions = [columns.index.get(target) for target in matching.IYS_FIELDS]
        # The straight path reads the three İYS cells where all three columns are matched.
        self.iys_matched = self.iys_mode and None not in self.iys_positions
        # Every position this reader looks at: a row at least this wide needs no bounds checks.
        self.width = 1 + max((position for position in
                              [*columns.index.values(), *(p for p, _a in columns.attributes)]),
                             default=-1)
        # Text attributes need only the stripped cell (attribute_value_clean's text branch).
        self.attributes = [(position, attribute, attribute.type == _TEXT)
                           for position, attribute in columns.attributes]

    def error(self, errors: list[UploadRowError], number: int, column: str, value: str,
              code: str, params: dict | None = None, kind: str = Kind.REJECTED,
              channels: str = "", message: str = "") -> None:
        errors.append(_row_error(self.upload, number, code=code, params=params, kind=kind,
                                 column=column, value=value, channels=channels,
                                 message=message))

    def read(self, number: int, cells: list[str], errors: list[UploadRowError]) -> Row | None:
        width = len(cells)
        ids = self._identifiers_fast(cells) if width >= self.width else None
        if ids is None:
            ids = self._identifiers(number, cells, width, errors)
            if ids is None:
                return None
        if self.iys_mode and not (ids["email"] or ids["phone"]):
            self.error(errors, number, "", "", "iys_identifier_required")
            return None
        attributes = {}
        for position, attribute, text in self.attributes:
            value = cells[position].strip() if position < width else ""
            if text:
                if value:
                    attributes[attribute.name] = value
                continue
            try:
                cleaned = attribute_value_clean(attribute, value)
            except ValidationError as problem:
                (_name, code, message), *_others = _error_messages(problem)
                self.error(errors, number, self.columns.headers[position], value, code,
                           {"value": value}, Kind.CELL, message=message)
                continue
            if cleaned is not None:
                attributes[attribute.name] = cleaned
        row = Row(number, cells, ids, attributes)
        if self.iys_mode:
            if self.kind_matched:
                self._kind_read(row, width)
            if self.iys_matched and width >= self.width:
                source_at, status_at, date_at = self.iys_positions
                self._iys_fast(row, cells[source_at].strip().upper(),
                               cells[status_at].strip().upper(), cells[date_at].strip())
            if row.iys is None:
                self._iys_read(row, width)
            elif self.kind_matched and row.iys_problems:  # a wrong IYSType or recipient type
                row.iys = None
        return row

    def _kind_read(self, row: Row, width: int) -> None:
        """The row's IYSType and IYSRecipientType; a value İYS does not know keeps the row
        as opt-out, as a wrong İYS field does."""
        type_, recipient_type = (row.cells[p].strip().upper() if p is not None and p < width
                                 else "" for p in self.kind_positions)
        row.kind = (type_, recipient_type)
        header = self.columns.header
        if type_ and type_ not in CONSENT_TYPES:
            row.iys_problems.append((header(matching.IYS_TYPE), type_, "type", {}, ""))
        if recipient_type and recipient_type not in RECIPIENT_TYPES:
            row.iys_problems.append((header(matching.IYS_RECIPIENT_TYPE), recipient_type,
                                     "recipient_type", {}, ""))

    def _identifiers_fast(self, cells: list[str]) -> dict[str, str | None] | None:
        """identifiers_clean's answer for a row whose identifiers are all valid (the cells
        are there), else None: the careful way then words the problems."""
        ids = {}
        try:
            for name, position, normalize in self.normalizers:
                value = cells[position].strip() if position is not None else ""
                ids[name] = normalize(value) if value else None
        except ValidationError as problem:
            _error_release(problem)
            return None
        return ids if ids["email"] or ids["phone"] or ids["external_id"] else None

    def _identifiers(self, number: int, cells: list[str], width: int,
                     errors: list[UploadRowError]) -> dict[str, str | None] | None:
        """The row's identifiers the careful way. A bad e-mail or phone cell is reported and
        left out when another identifier names the contact: the row's other consent still
        goes through. A bad external ID (the contact's key) rejects the row."""
        ids: dict[str, str | None] = {}
        bad = []
        for name, position, normalize in self.normalizers:
            # unguard: a corrected error file whose guard the head of the file did not show
            value = (unguard([cells[position].strip()])[0].strip()
                     if position is not None and position < width else "")
            ids[name] = None
            if value:
                try:
                    ids[name] = normalize(value)
                except ValidationError as problem:
                    (_name, code, message), *_others = _error_messages(problem)
                    bad.append((name, value, code, message))
        keeps = any(ids.values()) and all(name != "external_id" for name, *_r in bad)
        if not bad and not keeps:
            self.error(errors, number, "", "", "no_identifier")
        for name, value, code, message in bad:
            self.error(errors, number, self.columns.header(name), value, code, {"value": value},
                       Kind.CELL if keeps else Kind.REJECTED,
                       channels=channels_join(IDENTIFIER_CHANNELS.get(name, ())),
                       message=message)
        return ids if keeps else None

    @staticmethod
    def _iys_fast(row: Row, source: str, status: str, raw_date: str) -> None:
        if source in SOURCES and status in STATUSES and raw_date:
            try:  # the common case: three valid cells
                row.iys = (source, status, parse_consent_date(raw_date))
            except ValidationError as problem:
                _error_release(problem)

    def _iys_read(self, row: Row, width: int) -> None:
        cells = row.cells
        raw_source, raw_status, raw_date = (cells[p].strip() if p is not None and p < width
                                            else "" for p in self.iys_positions)
        source, status = raw_source.upper(), raw_status.upper()
        self._iys_fast(row, source, status, raw_date)
        if row.iys is not None:
            return
        header = self.columns.header
        problems = row.iys_problems
        # A TACIR record may come without source and date: consents.rules decides when
        # they are needed (an update), so empty cells are carried through as they are.
        tacir = row.kind is not None and row.kind[1] == _TACIR
        for target, value in ((matching.IYS_SOURCE, source), (matching.IYS_STATUS, status),
                              (matching.IYS_CONSENT_DATE, raw_date)):
            if not value and not (tacir and target != matching.IYS_STATUS):
                problems.append((header(target), "", "iys_field_empty", {}, ""))
        if source and source not in SOURCES:
            problems.append((header(matching.IYS_SOURCE), raw_source, "source",
                             {"source": raw_source}, ""))
        if status and status not in STATUSES:
            problems.append((header(matching.IYS_STATUS), raw_status, "status", {}, ""))
        when = None
        if raw_date:
            try:
                when = parse_consent_date(raw_date)
            except ValidationError as problem:
                (_name, code, message), *_others = _error_messages(problem)
                problems.append((header(matching.IYS_CONSENT_DATE), raw_date, code,
                                 {"value": raw_date}, message))
        if not problems:
            row.iys = (source, status, when)


def _row_error(upload: Upload, number: int, *, code: str, params: dict | None = None,
               kind: str = Kind.REJECTED, column: str = "", value: str = "",
               channels: str = "", message: str = "") -> UploadRowError:
    """A row error as its code and parameters (uploads.errors words it for each reader);
    the message is kept only for a code the catalogue does not know."""
    return UploadRowError(upload=upload, row_number=number, column=column, value=value[:1000],
                          code=code, params=params or {}, channels=channels, kind=kind,
                          message="" if code in MESSAGES else message)


def _error_messages(error: ValidationError) -> list[tuple[str, str, str]]:
    """(field or "", code, first message) of each error a caught ValidationError holds; the
    error is released afterwards (see _error_release)."""
    if hasattr(error, "error_dict"):
        found = [(name, item.code or "", item.messages[0])
                 for name, items in error.error_dict.items() for item in items]
    else:
        found = [("", error.code or "", error.messages[0])]
    _error_release(error)
    return found


def _error_release(error: BaseException) -> None:
    """Break the reference cycles of a caught error whose messages have been read.

    A single-message ValidationError refers to itself (``error_list = [self]``), so only the
    cycle collector frees it, and until then its traceback, and its context's, hold every
    calling frame up to chunk_read: the whole chunk of rows. The upload runs the collector
    rarely (services._fewer_collector_passes), so nothing a chunk leaves may need it.
    """
    pending, seen = [error], set()
    while pending:
        item = pending.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        pending += [item.__context__, item.__cause__]
        item.__traceback__ = item.__context__ = item.__cause__ = None
        if isinstance(item, ValidationError):
            if hasattr(item, "error_dict"):
                pending += [e for errors in item.error_dict.values() for e in errors]
                item.error_dict = {}
            else:
                pending += [e for e in item.error_list if e is not item]
                item.error_list = []


def chunk_read(*, upload: Upload, records: list[tuple[int, list[str]]],
               columns: Columns) -> ChunkRead:
    """Read and clean a chunk's rows (no database access: safe to run ahead in a thread)."""
    counts: Counter = Counter()
    errors: list[UploadRowError] = []
    rows = []
    reader = _Reader(upload, columns)
    read = reader.read
    for number, cells in records:
        if not "".join(cells).strip():
            continue  # a blank line is not a row
        counts["rows"] += 1
        row = read(number, cells, errors)
        if row is None:
            counts["rejected"] += 1
        else:
            rows.append(row)
    counts["cell_errors"] += sum(1 for e in errors if e.kind == Kind.CELL)
    return ChunkRead(records=records, rows=rows, counts=counts, errors=errors)


def chunk_apply(*, upload: Upload, records: list[tuple[int, list[str]]], columns: Columns,
                connector: IysConnector, actor=None, now: datetime,
                read: ChunkRead | None = None, recent: RecentWrites | None = None,
                defer: bool = False, earlier_events: bool = True,
                skip_unchanged: bool = True) -> ChunkResult:
    """Decide and write one chunk of rows; call inside a transaction.

    ``read`` is the chunk_read of exactly these records when it was done ahead. ``defer``
    (PostgreSQL): decide and prepare the statements only; chunk_flush writes them later,
    ``recent`` being what the chunk before writes meanwhile. ``earlier_events=False``: the
    run knows this upload has written no history event before this chunk (e.g. a re-upload
    that changed nothing yet), so no contact can have been on an earlier row.
    ``skip_unchanged``: first find, in one query, the rows that would change nothing (see
    _unchanged_split); worth it when most rows name existing contacts.
    """
    if read is None or read.records is not records:
        read = chunk_read(upload=upload, records=records, columns=columns)
    counts, errors, rows = read.counts, read.errors, read.rows
    unchanged: list[tuple[Row, Unchanged]] = []
    if skip_unchanged:
        rows, unchanged = _unchanged_split(rows, upload=upload, now=now, recent=recent)

    keys = {"emails": {r.ids["email"] for r in rows if r.ids["email"]},
            "phones": {r.ids["phone"] for r in rows if r.ids["phone"]},
            "external_ids": {r.ids["external_id"] for r in rows if r.ids["external_id"]}}
    existing = contacts_load(**keys)
    if recent is not None:
        existing = recent.contacts_overlay(existing, **keys)
    slots = _slots_resolve(rows, existing, errors, upload, counts, columns)
    known = [s.contact.pk for s in slots if s.contact is not None]
    known += [contact.pk for _row, contact in unchanged]
    seen_before = contacts_with_events(contact_ids=known if earlier_events else [],
                                       origin=Origin.UPLOAD, reference=upload.reference)
    if recent is not None:
        seen_before |= recent.event_contacts.intersection(known)

    winners = []
    for slot in slots:
        *replaced, last = slot.rows
        for row in replaced:
            counts["duplicates"] += 1
            errors.append(_row_error(upload, row.number, kind=Kind.DUPLICATE,
                                     code="duplicate_later_row", params={"row": last.number}))
        winners.append((slot, last))
    for row, contact in unchanged:
        counts[_ALREADY if upload.mode == Upload.Mode.IYS else "permissions_same"] += (
            (row.ids["email"] is not None) + (row.ids["phone"] is not None))
        if contact.pk in seen_before:
            _earlier_row_note(upload, row, errors, counts)
        else:
            counts["unchanged"] += 1

    recipients = {value for _slot, row in winners
                  for value in (row.ids["email"], row.ids["phone"]) if value}
    currents = consents_current_load(recipients=recipients)
    if recent is not None:
        currents.update((key, consent) for key, consent in recent.currents.items()
                        if key[0] in recipients)
    changes = []
    decide = _Decider(upload, columns, currents, _DeliveryPolicy(connector, now), errors, counts,
                      now)
    tacir = {value for _slot, row in winners if row.kind is not None and row.kind[1] == _TACIR
             for value in (row.ids["email"], row.ids["phone"]) if value}
    if tacir:
        decide.tacir_currents = consents_current_load(recipients=tacir, recipient_type=_TACIR)
        if recent is not None:
            decide.tacir_currents.update((key, consent) for key, consent in recent.tacir.items()
                                         if key[0] in tacir)
    for slot, row in winners:
        change = ContactChange(row.number, slot.contact, row.ids, row.attributes)
        decide(change, row)
        changes.append(change)

    origin = ChangeOrigin(kind=Origin.UPLOAD, reference=upload.reference, actor=actor)
    written = contact_changes_write(changes, origin=origin, defer=defer)
    counts["consents"] += len(written.consents)
    for slot, row in winners:  # a contact that got no event changed nothing
        if slot.contact is not None and slot.contact.pk in seen_before:
            _earlier_row_note(upload, row, errors, counts)
        else:
            counts["created" if slot.contact is None else
                   "updated" if slot.contact.pk in written.event_contacts else "unchanged"] += 1
    # Earlier consents still waiting that this upload's consents replaced: never sent.
    counts["superseded"] += sum(1 for change in changes for intent in change.consents
                                if intent.previous is not None
                                and intent.previous.iys_state in _SUPERSEDABLE)
    result = ChunkResult(counts=counts, errors=errors, written=written,
                         mostly_existing=2 * len(known) >= len(read.rows),
                         mostly_unchanged=10 * len(unchanged) >= 9 * len(read.rows))
    if not defer:
        chunk_flush(result)
    return result


def _earlier_row_note(upload: Upload, row: Row, errors: list[UploadRowError],
                      counts: Counter) -> None:
    """The row is applied, and counted with the rows of a contact that appears again: the
    contact's earlier row was counted already (created or updated)."""
    counts["duplicates"] += 1
    errors.append(_row_error(upload, row.number, kind=Kind.DUPLICATE,
                             code="duplicate_earlier_row"))


def chunk_flush(result: ChunkResult) -> None:
    """Write what chunk_apply(defer=True) prepared; call inside the chunk's transaction."""
    result.written.flush()
    UploadRowError.objects.bulk_create(result.errors)


# The identifiers in the order a row's contact is looked for.
_IDENTIFIERS = ("external_id", "email", "phone")


def _slots_resolve(rows: list[Row], existing: list[ContactRecord], errors: list[UploadRowError],
                   upload: Upload, counts: Counter, columns: Columns) -> list[_Slot]:
    """Group rows by the contact they write to: external ID first, then e-mail, then phone.

    A row whose identifiers belong to two different contacts is rejected, as
    consents.services would refuse it (an identifier belongs to one contact).
    """
    claims: dict[tuple[str, str], _Slot] = {}
    slots: list[_Slot] = []
    for contact in existing:
        slot = _Slot(contact)
        for name in _IDENTIFIERS:
            value = getattr(contact, name)
            if value:
                claims[(name, value)] = slot
    for row in rows:
        keys = [(name, row.ids[name]) for name in _IDENTIFIERS if row.ids[name]]
        slot = next((claims[key] for key in keys if key in claims), None)
        if slot is None:
            slot = _Slot(None)
        taken = [(name, value) for name, value in keys
                 if claims.get((name, value), slot) is not slot]
        if taken:
            counts["rejected"] += 1
            for name, value in taken:
                errors.append(_row_error(
                    upload, row.number, code="identifier_taken", params={"value": value},
                    column=columns.header(name), value=value,
                    channels=channels_join(IDENTIFIER_CHANNELS.get(name, ()))))
            continue
        for key in keys:
            claims[key] = slot
        if not slot.rows:
            slots.append(slot)
        slot.rows.append(row)
    return slots


def _unchanged_split(rows: list[Row], *, upload: Upload, now: datetime,
                     recent: RecentWrites | None) -> tuple[list[Row], list[tuple[Row, Unchanged]]]:
    """Set apart the rows that would change nothing, found by PostgreSQL in one query rather
    than loaded and decided one by one: a re-upload's rows, mostly.

    Such a row names one contact that already holds its identifiers and attributes, and each
    consent it gives is one _Decider would skip: valid by every İYS rule and of the status
    the recipient's current consent has. A row another row of the chunk (or the chunk written
    just before) may touch is decided the usual way: who wins and what it finds depend on
    the other row.
    """
    if upload.mode == Upload.Mode.IYS:
        # A row with an IYSType or IYSRecipientType is decided the usual way: the query
        # compares e-mail with EPOSTA and phone with MESAJ, for BIREYSEL recipients.
        candidates = [row for row in rows if row.iys is not None
                      and (row.kind is None or row.kind == ("", ""))]
        found = contacts_unchanged([(row.ids, row.attributes, row.iys[1], row.iys[2])
                                    for row in candidates])
        local_now = timezone.localtime(now, TURKEY)
        found = {i: contact for i, contact in found.items()
                 if _consents_valid(candidates[i], local_now)}
    else:
        candidates, fixed = rows, _fixed_permission(upload)
        found = contacts_unchanged([(row.ids, row.attributes, fixed, None) for row in rows],
                                   by_permission=True)
    if not found:
        return rows, []
    unchanged = {id(candidates[i]): contact for i, contact in found.items()}
    _unchanged_untangle(rows, unchanged, recent)
    rest = [row for row in rows if id(row) not in unchanged]
    return rest, [(row, unchanged[id(row)]) for row in rows if id(row) in unchanged]


def _consents_valid(row: Row, now: datetime) -> bool:
    """The row's consents break no İYS rule of their own (what the recipient's current
    consent says is checked by the query): their only difference is the type, which the
    vocabulary check accepts for both."""
    source, status, when = row.iys
    facts = ConsentFacts(recipient="", recipient_type=_BIREYSEL, type=_EPOSTA, status=status,
                         source=source, consent_date=when)
    return not consent_violations(facts, current=None, now=now, recipient_normalized=True)


def _unchanged_untangle(rows: list[Row], unchanged: dict[int, Unchanged],
                        recent: RecentWrites | None) -> None:
    """Give back to the usual way every unchanged row whose contact another row of the chunk
    names, or the chunk before writes to (not committed yet, so the query did not see it)."""
    taken = {(name, row.ids[name]) for row in rows if id(row) not in unchanged
             for name in _IDENTIFIERS if row.ids[name]}
    repeated = Counter(contact.pk for contact in unchanged.values())
    moved = True
    while moved:
        moved = False
        for row in rows:
            contact = unchanged.get(id(row))
            if contact is None:
                continue
            keys = (("external_id", contact.external_id), ("email", contact.email),
                    ("phone", contact.phone))
            if (repeated[contact.pk] > 1 or not taken.isdisjoint(keys)
                    or (recent is not None and recent.touches(contact))):
                del unchanged[id(row)]
                taken.update(key for key in keys if key[1])
                moved = True


class _DeliveryPolicy:
    """connectors.services.iys_delivery_state and the 3-business-day check, asked once per
    distinct answer in a chunk: the state depends only on the connector, the consent's type
    and status, whether it is late and whether İYS already knows the recipient; lateness
    on the consent date (the row's consents share it)."""

    def __init__(self, connector: IysConnector, now: datetime):
        self.connector, self.now = connector, now
        self.states: dict[tuple, str] = {}
        self.too_late = IysLateness(now)

    def state(self, facts: ConsentFacts, previous, late: bool, held: str | None) -> Decision:
        """The delivery decision; ``late``: self.too_late(facts.consent_date); ``held``: what
        İYS holds for the individual record (None for TACIR)."""
        key = (facts.type, facts.status, late, held,
               previous.iys_state if previous is not None else None,
               previous.status if previous is not None else None)
        if key not in self.states:
            self.states[key] = iys_delivery_state(facts, previous=previous, held=held,
                                                  connector=self.connector, late=late)
        return self.states[key]


# The file column of each consent field a rule names.
_RULE_COLUMNS = {"source": matching.IYS_SOURCE, "status": matching.IYS_STATUS,
                 "consent_date": matching.IYS_CONSENT_DATE}


def _violation_params(code: str, facts: ConsentFacts,
                      stored: StoredConsent | None) -> tuple[tuple[str, str], ...]:
    """The parameters uploads.errors needs to word a broken rule (hashable)."""
    if code == "source":
        return (("source", facts.source),)
    if code == "phone_not_iys":
        return (("value", facts.recipient),)
    if code == "not_newer" and stored is not None and stored.consent_date is not None:
        when = timezone.localtime(stored.consent_date, TURKEY)
        return (("stored", when.strftime("%d.%m.%Y %H:%M:%S")),)
    return ()


def _fixed_permission(upload: Upload) -> str:
    """The permission a Subscribed or Unsubscribed upload gives every channel of a row."""
    return _OPT_IN if upload.mode == Upload.Mode.SUBSCRIBED else _OPT_OUT


class _Decider:
    """The row's consents (IYS Synchronize) or fixed permissions (Subscribed/Unsubscribed)."""

    def __init__(self, upload: Upload, columns: Columns, currents: dict,
                 policy: _DeliveryPolicy, errors: list[UploadRowError], counts: Counter,
                 now: datetime):
        self.upload, self.columns, self.currents, self.policy = (upload, columns, currents,
                                                                 policy)
        # In Turkey time, as the file's consent dates are: comparing datetimes of one time
        # zone skips two UTC-offset lookups per comparison (0.6 µs each, four per row).
        self.errors, self.counts, self.now = errors, counts, timezone.localtime(now, TURKEY)
        self.iys_mode = upload.mode == Upload.Mode.IYS
        self.fixed = _fixed_permission(upload)
        self.tacir_currents: dict = {}  # TACIR recipients' current consents, where rows have any

    def note(self, row: Row, kind: str, column: str, value: str, code: str,
             params: dict | None = None, channels: str = "", message: str = "") -> None:
        self.errors.append(_row_error(self.upload, row.number, code=code, params=params,
                                      kind=kind, column=column, value=value,
                                      channels=channels, message=message))

    def __call__(self, change: ContactChange, row: Row) -> None:
        email, phone = row.ids["email"], row.ids["phone"]
        channels = []
        if email:
            channels.append((_EPOSTA, "email", email))
        if phone:
            channels.append((_MESAJ, "sms", phone))
        if row.kind is not None and row.kind[0] and row.iys is not None:
            channels = self._typed_channels(row, email, phone)
        if not self.iys_mode:
            change.permissions = {channel: self.fixed for _t, channel, _r in channels}
            for _t, channel, _r in channels:
                same = (change.contact is not None
                        and getattr(change.contact, f"{channel}_permission") == self.fixed)
                self.counts["permissions_same" if same else "permissions_set"] += 1
            return
        if row.iys is None:
            names = channels_join(channel for _t, channel, _r in channels)
            if change.contact is not None:
                # An existing contact keeps its consents and permissions (Case 6's "created as
                # opt-out" is for new contacts): the row is reported, nothing changes.
                self.counts["not_recorded"] += 1
                self.counts["consents_kept"] += len(channels)
                for column, value, code, params, message in row.iys_problems:
                    self.note(row, Kind.NOT_RECORDED, column, value, code, params, names,
                              message)
                return
            self.counts["optout"] += 1
            self.counts["consents_optout"] += len(channels)
            change.permissions = {channel: _OPT_OUT for _t, channel, _r in channels}
            for column, value, code, params, message in row.iys_problems:
                self.note(row, Kind.OPTOUT, column, value, code, params, names, message)
            return
        self._consents(change, row, channels)

    def _typed_channels(self, row: Row, email: str | None, phone: str | None) -> list:
        """The one channel a row's IYSType names, if the row has its recipient."""
        type_ = row.kind[0]
        recipient = email if type_ == _EPOSTA else phone
        if recipient is None:
            self.note(row, Kind.NOT_RECORDED, self.columns.header(matching.IYS_TYPE), type_,
                      "type_needs_email" if type_ == _EPOSTA else "type_needs_phone",
                      {"type": type_})
            return []
        return [(type_, _CHANNEL_OF_TYPE[type_], recipient)]

    def _consents(self, change: ContactChange, row: Row, channels: list) -> None:
        source, status, when = row.iys
        recipient_type = (row.kind[1] or _BIREYSEL) if row.kind is not None else _BIREYSEL
        currents = self.currents if recipient_type == _BIREYSEL else self.tacir_currents
        columns, now = self.columns, self.now
        too_late = self.policy.too_late(when)  # the row's consents share the date
        optout = kept_noted = False
        # One note per problem, naming every channel it concerns: (kind, column target, code,
        # params) -> channels, and the words of a code the catalogue does not know.
        notes: dict[tuple, list[str]] = {}
        words: dict[tuple, Callable[[], str]] = {}
        for type_, channel, recipient in channels:
            facts = ConsentFacts(recipient=recipient, recipient_type=recipient_type, type=type_,
                                 status=status, source=source, consent_date=when)
            current = currents.get((recipient, type_))
            stored = StoredConsent(current.status, current.consent_date) if current else None
            # The reader normalised the row's e-mail and phone (identifiers_clean).
            problems = consent_violations(facts, current=stored, now=now,
                                          recipient_normalized=True)
            if problems:
                codes = {code for _field, code, _message in problems}
                if "same_status" in codes:
                    self.counts[_ALREADY] += 1
                    continue  # İYS and we already hold this status: nothing new to record
                if codes == {"not_newer"}:
                    kind, bucket = Kind.NOT_RECORDED, "consents_older"
                elif change.contact is not None:
                    # An existing contact keeps its current consent and permission; a new
                    # contact's channel is created as opt-out (Case 6).
                    kind, bucket, kept_noted = Kind.NOT_RECORDED, "consents_kept", True
                else:
                    kind, bucket, optout = Kind.OPTOUT, "consents_optout", True
                    change.permissions[channel] = _OPT_OUT
                self.counts[bucket] += 1
                # A recipient İYS does not keep (a foreign number) is its identifier's column.
                channel_column = matching.EMAIL if type_ == _EPOSTA else matching.PHONE
                for field_name, code, message in problems:
                    column = (channel_column if field_name == "recipient"
                              else _RULE_COLUMNS.get(field_name, field_name))
                    key = (kind, column, code, _violation_params(code, facts, stored))
                    notes.setdefault(key, []).append(channel)
                    words.setdefault(key, message)
                continue
            # What İYS holds is tracked for the individual record only (None for TACIR).
            held = (None if recipient_type != _BIREYSEL else
                    change.contact.held_status(channel) if change.contact is not None else "")
            decision = self.policy.state(facts, current, too_late, held)
            self.counts[consent_bucket(decision.state, late=too_late)] += 1
            if too_late:
                notes.setdefault((Kind.LOCAL, matching.IYS_CONSENT_DATE, "late", ()),
                                 []).append(channel)
            change.consents.append(ConsentIntent(type_, status, source, when, decision.state,
                                                 current, recipient_type,
                                                 reason=decision.reason))
        for key, names in notes.items():
            kind, column, code, params = key
            self.note(row, kind, columns.header(column), columns.cell(row.cells, column), code,
                      dict(params), channels_join(names),
                      "" if code in MESSAGES else words[key]())
        if optout:
            self.counts["optout"] += 1
        elif kept_noted:
            self.counts["not_recorded"] += 1
