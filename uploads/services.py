"""Contact uploads: store the file, match its columns, run the chunked pipeline, report."""

import contextlib
import csv
import gc
import logging
import queue
import threading
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as KombuOperationalError

from connectors.models import IysConnector
from uploads import matching
from uploads.errors import row_error_text, row_errors_join
from uploads.models import Upload, UploadRowError
from uploads.parsing import (
    FORMULA_PREFIXES,
    XLSX,
    FileUnreadable,
    file_preview,
    file_scan,
    iter_records,
)
from uploads.pipeline import (
    COUNT_KEYS,
    ChunkRead,
    ChunkResult,
    Columns,
    RecentWrites,
    chunk_apply,
    chunk_flush,
    chunk_read,
)
from uploads.summary import summary_sections

logger = logging.getLogger(__name__)
ALLOWED_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx")
DEFAULT_COUNTRIES = ("", "TR")


def chunk_rows() -> int:
    return settings.UPLOAD_CHUNK_ROWS


def upload_path(upload: Upload) -> Path:
    return Path(settings.PRIVATE_UPLOAD_ROOT) / upload.stored_path


def upload_create(*, name: str, file_name: str, chunks: Iterable[bytes], mode: str,
                  user: AbstractBaseUser | None = None, sheet: str = "",
                  default_country: str = "") -> Upload:
    """Store an uploaded file privately (streamed, size-limited) and read its columns.

    A file that cannot be imported is refused here with the reason, and nothing of it is
    kept. ``sheet``: the sheet of an XLSX workbook (default: its first); ``default_country``
    "TR": phone numbers without a country code are Turkish."""
    suffix = Path(file_name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ValidationError(_("Upload a CSV, TXT or Excel file (.csv, .txt, .xlsx)."),
                              code="file_type")
    if mode not in Upload.Mode.values:
        raise ValidationError(_("Choose Subscribed, Unsubscribed or IYS Synchronize."),
                              code="mode")
    if default_country not in DEFAULT_COUNTRIES:
        raise ValidationError(_("The default country can only be TR."), code="country")
    root = Path(settings.PRIVATE_UPLOAD_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    stored = f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"
    path = root / stored
    path.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    try:
        with open(path, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > settings.UPLOAD_MAX_BYTES:
                    raise ValidationError(
                        _("The file is larger than the limit of %(limit)d MB.")
                        % {"limit": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}, code="too_big")
                out.write(chunk)
        preview = file_preview(path, looks_like_header=matching.looks_like_header, sheet=sheet)
        rows_total, encoding, notices = preview.rows, preview.encoding, []
        if preview.encoding != XLSX:  # a workbook's rows are counted by the worker if unsized
            scan = file_scan(path, encoding=preview.encoding, delimiter=preview.delimiter,
                             has_header=preview.has_header)
            rows_total, encoding, notices = scan.rows, scan.encoding, scan.notices
        matches = matching.columns_auto_match(preview.headers, has_header=preview.has_header,
                                              values=preview.probe)
        mapping = [m.target for m in matches]
        return Upload.objects.create(
            name=name.strip() or file_name, original_name=file_name[:255], stored_path=stored,
            size=size, mode=mode, encoding=encoding, delimiter=preview.delimiter,
            has_header=preview.has_header, headers=preview.headers, samples=preview.samples,
            sheet=preview.sheet, sheets=preview.sheets, guarded=preview.guarded,
            default_country=default_country, notices=notices, rows_total=rows_total,
            mapping=mapping, created_by=user,
            ignored_columns=matching.ignored_columns(headers=preview.headers, mapping=mapping,
                                                     mode=mode))
    except FileUnreadable as error:
        path.unlink(missing_ok=True)
        raise ValidationError(str(error), code="unreadable") from None
    except BaseException:  # refused or broken: no stored file without its upload
        path.unlink(missing_ok=True)
        raise


def upload_sheet_choose(*, upload: Upload, sheet: str) -> Upload:
    """Read another sheet of an uploaded workbook: its columns are matched anew."""
    if upload.state not in (Upload.State.DRAFT, Upload.State.BLOCKED):
        raise ValidationError(_("This upload has already started."), code="started")
    if upload.encoding != XLSX:
        raise ValidationError(_("Only an Excel workbook has sheets."), code="sheet")
    try:
        preview = file_preview(upload_path(upload), looks_like_header=matching.looks_like_header,
                               sheet=sheet)
    except FileUnreadable as error:
        raise ValidationError(str(error), code="unreadable") from None
    matches = matching.columns_auto_match(preview.headers, has_header=preview.has_header,
                                          values=preview.probe)
    upload.sheet, upload.has_header, upload.guarded = (preview.sheet, preview.has_header,
                                                       preview.guarded)
    upload.headers, upload.samples = preview.headers, preview.samples
    upload.mapping = [m.target for m in matches]
    upload.ignored_columns = matching.ignored_columns(headers=upload.headers,
                                                      mapping=upload.mapping, mode=upload.mode)
    upload.rows_total, upload.state, upload.message = preview.rows, Upload.State.DRAFT, ""
    upload.save()
    return upload


def default_country_for(user: AbstractBaseUser | None) -> str:
    """The user's last choice for numbers without a country code (their last upload's)."""
    if user is None or not user.pk:
        return ""
    last = (Upload.objects.filter(created_by=user).order_by("-id")
            .values_list("default_country", flat=True).first())
    return last or ""


def upload_create_from_path(*, path: Path, mode: str, name: str = "",
                            user: AbstractBaseUser | None = None, sheet: str = "",
                            default_country: str = "") -> Upload:
    def chunks() -> Iterator[bytes]:
        with open(path, "rb") as source:
            while block := source.read(1024 * 1024):
                yield block

    return upload_create(name=name or path.name, file_name=path.name, chunks=chunks(),
                         mode=mode, user=user, sheet=sheet, default_country=default_country)


def upload_records(upload: Upload, path: Path) -> Iterator[tuple[int, list[str]]]:
    """The upload's file, record by record, as its reading was decided at upload."""
    return iter_records(path, encoding=upload.encoding, delimiter=upload.delimiter,
                        sheet=upload.sheet, guarded=upload.guarded)


def upload_matching_save(*, upload: Upload, mapping: list[str], remember: bool = True) -> Upload:
    """Save the column matching. Raises ValidationError for a matching that cannot work;
    IYS Synchronize without the three İYS columns blocks the upload (nothing written)."""
    if upload.state not in (Upload.State.DRAFT, Upload.State.BLOCKED):
        raise ValidationError(_("This upload has already started."), code="started")
    valid = {target for target, _label in matching.target_choices()}
    mapping = [(target if target in valid else "") for target in mapping]
    mapping += [""] * (len(upload.headers) - len(mapping))
    problems = matching.mapping_problems(headers=upload.headers, mapping=mapping,
                                         mode=upload.mode)
    if problems:
        raise ValidationError(problems, code="mapping")
    upload.mapping = mapping
    upload.ignored_columns = matching.ignored_columns(headers=upload.headers, mapping=mapping,
                                                      mode=upload.mode)
    upload.state, upload.message = Upload.State.DRAFT, ""
    if remember and upload.has_header:
        matching.mapping_remember(headers=upload.headers, mapping=mapping)
    _block_if_iys_columns_missing(upload)
    upload.save()
    return upload


def _block_if_iys_columns_missing(upload: Upload) -> bool:
    if upload.mode != Upload.Mode.IYS:
        return False
    missing = matching.missing_iys_columns(upload.mapping)
    if not missing:
        return False
    upload.state = Upload.State.BLOCKED
    upload.message = _("IYS Synchronize needs the İYS columns; missing: %(columns)s. Nothing "
                       "was imported. Add them to the file or match them, or choose the "
                       "Subscribed or Unsubscribed status.") % {"columns": ", ".join(missing)}
    return True


def upload_mode_change(*, upload: Upload, mode: str) -> Upload:
    """Step 2 again: another status for an upload still at the matching step."""
    if upload.state not in (Upload.State.DRAFT, Upload.State.BLOCKED):
        raise ValidationError(_("This upload has already started."), code="started")
    if mode not in Upload.Mode.values:
        raise ValidationError(_("Choose Subscribed, Unsubscribed or IYS Synchronize."),
                              code="mode")
    upload.mode, upload.state, upload.message = mode, Upload.State.DRAFT, ""
    upload.ignored_columns = matching.ignored_columns(headers=upload.headers,
                                                      mapping=upload.mapping, mode=mode)
    upload.save(update_fields=["mode", "state", "message", "ignored_columns"])
    return upload


def upload_cancel(*, upload: Upload, reason: str = "") -> Upload:
    """Cancel an upload that has not started: its file is deleted, the record stays as
    evidence of what was attempted."""
    if upload.state not in (Upload.State.DRAFT, Upload.State.BLOCKED):
        raise ValidationError(_("Only an upload that has not started can be cancelled."),
                              code="state")
    upload_path(upload).unlink(missing_ok=True)
    upload.state, upload.finished_at = Upload.State.CANCELLED, timezone.now()
    upload.message = reason or _("Cancelled before processing; the file was deleted.")
    upload.save(update_fields=["state", "finished_at", "message"])
    return upload


def upload_drafts_expire() -> int:
    """Cancel the uploads left at the matching step for UPLOAD_DRAFT_DAYS (beat, hourly)."""
    days = settings.UPLOAD_DRAFT_DAYS
    old = Upload.objects.filter(state__in=[Upload.State.DRAFT, Upload.State.BLOCKED],
                                created_at__lt=timezone.now() - timedelta(days=days))
    cancelled = 0
    for upload in old.iterator():
        upload_cancel(upload=upload, reason=_(
            "Cancelled automatically: left at the matching step for more than %(days)d days; "
            "the file was deleted.") % {"days": days})
        cancelled += 1
    return cancelled


def upload_queue(*, upload: Upload) -> Upload:
    """Queue a matched upload; it is handed to the worker after the transaction commits.

    The upload row is its own outbox: queued and not yet dispatched until the broker took the
    task, so a broker that is down loses nothing (uploads_watch sends it again from beat)."""
    if upload.state != Upload.State.DRAFT:
        raise ValidationError(_("Only an upload waiting for its matching can be started."),
                              code="state")
    upload.state, upload.dispatched_at = Upload.State.QUEUED, None
    upload.save(update_fields=["state", "dispatched_at"])
    transaction.on_commit(lambda: upload_dispatch(upload_id=upload.pk))
    return upload


def upload_dispatch(*, upload_id: int) -> bool:
    """Hand a queued upload to the worker; False when the broker cannot be reached: the
    upload stays queued and beat tries again (uploads_watch)."""
    from uploads.tasks import upload_process

    try:
        upload_process.delay(upload_id)
    except (KombuOperationalError, OSError) as error:
        logger.warning("upload %s stays queued: the broker is unreachable (%s)", upload_id,
                       error)
        return False
    Upload.objects.filter(pk=upload_id, state=Upload.State.QUEUED).update(
        dispatched_at=timezone.now())
    return True


def upload_may_resume(upload: Upload) -> bool:
    """A failed upload, or one whose worker died (no heartbeat), can go on from its
    checkpoint."""
    return upload.state == Upload.State.FAILED or upload.is_stale


def upload_resume(*, upload: Upload) -> Upload:
    """Queue a failed or stuck upload again; it goes on from its checkpoint, nothing is
    written twice."""
    if not upload_may_resume(upload):
        raise ValidationError(_("Only a failed or stuck upload can be resumed."), code="state")
    upload.state, upload.message, upload.finished_at = Upload.State.QUEUED, "", None
    upload.dispatched_at = None
    upload.save(update_fields=["state", "message", "finished_at", "dispatched_at"])
    transaction.on_commit(lambda: upload_dispatch(upload_id=upload.pk))
    return upload


def uploads_watch() -> dict[str, int]:
    """Beat's watch over uploads: queue again those whose worker died (no heartbeat for
    UPLOAD_STALE_SECONDS; they resume at their checkpoint), and hand to the worker the
    queued ones the broker never took (or whose task never started)."""
    now = timezone.now()
    silent_since = now - timedelta(seconds=settings.UPLOAD_STALE_SECONDS)
    stale = Q(state=Upload.State.PROCESSING) & (
        Q(heartbeat_at__lt=silent_since)
        | Q(heartbeat_at__isnull=True, started_at__lt=silent_since))
    requeued = Upload.objects.filter(stale).update(state=Upload.State.QUEUED,
                                                   dispatched_at=None)
    if requeued:
        logger.warning("%d stuck upload(s) queued again to resume at their checkpoint",
                       requeued)
    resend = Q(dispatched_at__isnull=True) | Q(
        dispatched_at__lt=now - timedelta(seconds=settings.UPLOAD_REDISPATCH_SECONDS))
    waiting = Upload.objects.filter(resend, state=Upload.State.QUEUED).values_list("pk",
                                                                                   flat=True)
    dispatched = sum(upload_dispatch(upload_id=pk) for pk in list(waiting))
    return {"requeued": requeued, "dispatched": dispatched}


def upload_run(*, upload_id: int) -> Upload:
    """Run (or resume from its checkpoint) the pipeline; safe to call twice."""
    upload = Upload.objects.get(pk=upload_id)
    if upload.is_finished or (upload.state == Upload.State.DRAFT and not upload.mapping):
        return upload
    if _block_if_iys_columns_missing(upload):
        upload.finished_at = timezone.now()
        upload.save()
        return upload
    path = upload_path(upload)
    try:
        if upload.rows_total is None:
            upload.rows_total = _data_rows(upload, path)
        upload.state = Upload.State.PROCESSING
        upload.started_at = upload.started_at or timezone.now()
        upload.heartbeat_at = timezone.now()
        upload.save(update_fields=["rows_total", "state", "started_at", "heartbeat_at"])
        with _fewer_collector_passes(), _heartbeat(upload.pk):
            _run_chunks(upload, path)
    except FileUnreadable as error:
        return _fail(upload.pk, str(error))
    upload = Upload.objects.get(pk=upload.pk)
    _statistics_refresh(upload)
    upload.state = Upload.State.DONE
    upload.finished_at = timezone.now()
    upload.save(update_fields=["state", "finished_at"])
    return upload


# Rows after which an upload refreshes the planner's statistics itself.
STATISTICS_AFTER_ROWS = 10_000


def _statistics_refresh(upload: Upload) -> None:
    """ANALYZE the tables a large upload filled (about 0.3 s at a million contacts).

    The panel's lists estimate their counts from these statistics and the planner picks its
    plans by them: until they are refreshed, a list over a freshly loaded million contacts
    counts them exactly (seconds per page). Autovacuum would refresh them later, or never
    where it is switched off.
    """
    if connection.vendor != "postgresql" or upload.rows_done < STATISTICS_AFTER_ROWS:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        # A third of the default sample: the lists filter on columns of a few values each,
        # and their counts need only the number of rows (0.3 s instead of 1.1-1.5 s after a
        # million-row upload).
        cursor.execute("SET LOCAL default_statistics_target = 30")
        cursor.execute("ANALYZE consents_contact, consents_consent, consents_consentevent")


@contextlib.contextmanager
def _heartbeat(upload_id: int) -> Iterator[None]:
    """Beat every UPLOAD_HEARTBEAT_SECONDS while the upload runs, from a thread with its own
    connection (a chunk's transaction holds the upload's row; the beat waits for it). A
    worker killed mid-file stops beating, and beat queues the upload again."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(settings.UPLOAD_HEARTBEAT_SECONDS):
                Upload.objects.filter(pk=upload_id, state=Upload.State.PROCESSING).update(
                    heartbeat_at=timezone.now())
        except Exception:  # a missed beat only makes the upload look stuck sooner
            logger.exception("upload %s: heartbeat stopped", upload_id)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name="upload-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@contextlib.contextmanager
def _fewer_collector_passes() -> Iterator[None]:
    """A chunk holds a few hundred thousand objects at once, all freed by reference counting
    when it is done (pipeline._error_release keeps caught errors from tying a chunk into a
    reference cycle). With CPython's default threshold (700 allocations) the cycle collector
    traced them thousands of times per chunk, a quarter of the upload's CPU time; at 100,000
    still once per chunk. It runs once per million allocations instead: memory stays flat
    because there is almost no cyclic garbage to wait for."""
    before = gc.get_threshold()
    gc.set_threshold(1_000_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _data_rows(upload: Upload, path: Path) -> int:
    rows = sum(1 for _n, cells in upload_records(upload, path) if "".join(cells).strip())
    return max(0, rows - (1 if upload.has_header else 0))


def _run_chunks(upload: Upload, path: Path) -> None:
    columns = Columns.of(upload)
    connector = IysConnector.load()  # once per run: the push policy is decided per chunk
    # The writer thread has its own connection: it cannot see a caller's open transaction
    # (tests), and SQLite allows one writer; there every chunk is decided and written in turn.
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        try:
            _run_pipelined(upload, path, columns, connector)
            return
        except _Stale:  # another run of the task moved the checkpoint: go on one by one
            upload = Upload.objects.get(pk=upload.pk)
    with _ReadAhead(upload, path, columns) as chunks:
        for batch, read in chunks:
            upload = _chunk_commit(upload, batch, columns, connector, read)


# Where a file repeats what is stored (a re-upload), chunks this many times larger: such a
# chunk writes almost nothing and holds little, and each chunk costs the same handful of
# round trips and thread hand-overs. Three times: a chunk that turns out to change every
# row must still fit the worker's memory (a fresh upload in 7,500-row chunks peaks at 237 MB).
UNCHANGED_CHUNK_FACTOR = 3


class _Stale(Exception):
    """The checkpoint moved under a pipelined run: its decisions ahead are out of date."""


def _run_pipelined(upload: Upload, path: Path, columns: Columns,
                   connector: IysConnector) -> None:
    """Decide chunk n+1 (database as of chunk n-1, plus what chunk n writes, kept in memory)
    while a writer thread writes and commits chunk n: Python and PostgreSQL work at once."""
    actor, expected, recent = upload.created_by, upload.checkpoint, None
    # Whether this upload has written history events yet: until it has, no contact can have
    # been on an earlier row, and the lookup (every event of every known contact) is skipped.
    earlier_events = upload.checkpoint > 0
    # Looking for rows that change nothing pays off when most rows name existing contacts (a
    # re-upload); the chunk before tells, and a fresh file's chunks skip the query.
    skip_unchanged = True
    with _ReadAhead(upload, path, columns) as chunks, _Writer(upload.pk) as writer:
        for batch, read in chunks:
            records = [(n, cells) for n, cells in batch if n > expected]
            if not records:
                continue
            if len(records) == len(batch):
                records = batch  # the read done ahead is for exactly these records
            with transaction.atomic():  # reads only; ids come from the sequences
                result = chunk_apply(upload=upload, records=records, columns=columns,
                                     connector=connector, actor=actor, now=timezone.now(),
                                     read=read, recent=recent, defer=True,
                                     earlier_events=earlier_events,
                                     skip_unchanged=skip_unchanged)
            skip_unchanged = result.mostly_existing
            chunks.size = chunk_rows() * (UNCHANGED_CHUNK_FACTOR if result.mostly_unchanged
                                          else 1)
            last_number = records[-1][0]
            writer.write(last_number, result, expected)
            expected, recent = last_number, RecentWrites.of(result.written)
            earlier_events = earlier_events or bool(recent.event_contacts)
        writer.wait()


class _Writer:
    """Writes decided chunks one at a time, each with its checkpoint in one transaction, in
    its own thread (and database connection). At most one chunk waits: memory stays flat."""

    def __init__(self, upload_id: int):
        self.upload_id = upload_id
        self.inbox: queue.Queue = queue.Queue(maxsize=1)
        self.done: queue.Queue = queue.Queue()
        self.in_flight = 0
        self.thread = threading.Thread(target=self._run, name="upload-writer", daemon=True)

    def __enter__(self) -> "_Writer":
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.inbox.put(None)
        self.thread.join()

    def write(self, last_number: int, result: ChunkResult, expected: int) -> None:
        """Hand a chunk over once the one before it is committed (its error raised here).

        Only the chunk's last row number travels, not its rows: a chunk's cells are freed
        while it is written, which keeps the peak memory of the run lower."""
        self.wait()
        self.inbox.put((last_number, result, expected))
        self.in_flight += 1

    def wait(self) -> None:
        while self.in_flight:
            error = self.done.get()
            self.in_flight -= 1
            if error is not None:
                raise error

    def _run(self) -> None:
        try:
            while (item := self.inbox.get()) is not None:
                try:
                    self._write(*item)
                except BaseException as error:  # raised in the deciding thread
                    self.done.put(error)
                    while self.inbox.get() is not None:
                        self.done.put(error)
                    return
                self.done.put(None)
        finally:
            connection.close()  # this thread's own connection

    def _write(self, last_number: int, result: ChunkResult, expected: int) -> None:
        with transaction.atomic():
            _commit_without_waiting_for_disk()
            locked = Upload.objects.select_for_update().get(pk=self.upload_id)
            if locked.checkpoint != expected:
                raise _Stale
            chunk_flush(result)
            _checkpoint_save(locked, last_number, result)


class _ReadAhead:
    """Parses and cleans the next chunk in a thread while the current one is written.

    chunk_read needs no database, so it runs while this thread waits for PostgreSQL (COPY and
    commit release the GIL). At most one chunk waits in the queue: memory stays flat.
    """

    _END = object()

    def __init__(self, upload: Upload, path: Path, columns: Columns):
        self.upload, self.path, self.columns = upload, path, columns
        # Rows per chunk, read anew before each chunk: the consuming thread may change it.
        self.size = chunk_rows()
        self.queue: queue.Queue = queue.Queue(maxsize=1)
        self.stop = threading.Event()
        self.language = translation.get_language()
        self.thread = threading.Thread(target=self._produce, name="upload-read-ahead",
                                       daemon=True)

    def __enter__(self) -> "_ReadAhead":
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop.set()
        while self.thread.is_alive():
            with contextlib.suppress(queue.Empty):
                self.queue.get(timeout=0.1)  # unblock a producer waiting to put
        self.thread.join()

    def __iter__(self) -> Iterator[tuple[list[tuple[int, list[str]]], ChunkRead]]:
        while (item := self.queue.get()) is not self._END:
            if isinstance(item, BaseException):
                raise item
            yield item

    def _put(self, item) -> bool:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        upload = self.upload
        skip_header = upload.has_header
        batch: list[tuple[int, list[str]]] = []
        try:
            with translation.override(self.language):
                for number, cells in upload_records(upload, self.path):
                    if number <= upload.checkpoint or (skip_header and number == 1):
                        continue
                    batch.append((number, cells))
                    if len(batch) >= self.size:
                        if not self._put((batch, chunk_read(upload=upload, records=batch,
                                                            columns=self.columns))):
                            return
                        batch = []
                if batch and not self._put((batch, chunk_read(upload=upload, records=batch,
                                                              columns=self.columns))):
                    return
        except BaseException as error:  # handed to the consuming thread, which raises it
            self._put(error)
            return
        self._put(self._END)


def _chunk_commit(upload: Upload, batch: list[tuple[int, list[str]]], columns: Columns,
                  connector: IysConnector, read: ChunkRead | None = None) -> Upload:
    """Write one chunk and move the checkpoint in the same transaction."""
    with transaction.atomic():
        _commit_without_waiting_for_disk()
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        records = [(n, cells) for n, cells in batch if n > locked.checkpoint]
        if not records:
            return locked  # another run of the task wrote this chunk already
        if len(records) == len(batch):
            records = batch  # the read done ahead is for exactly these records
        result = chunk_apply(upload=locked, records=records, columns=columns,
                             connector=connector, actor=locked.created_by, now=timezone.now(),
                             read=read)
        _checkpoint_save(locked, records[-1][0], result)
    return locked


def _commit_without_waiting_for_disk() -> None:
    """A chunk's commit need not wait for the disk: its checkpoint is in the same transaction,
    so if a crash loses the last commits, both go together and the resumed run writes those
    chunks again. PostgreSQL never corrupts data this way (synchronous_commit off)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def _checkpoint_save(locked: Upload, last_number: int, result: ChunkResult) -> None:
    """Add the chunk's counts and move the checkpoint (in the chunk's transaction)."""
    counts = Counter({key: 0 for key in COUNT_KEYS})
    counts.update(locked.counts)
    counts.update(result.counts)
    locked.counts = dict(counts)
    locked.checkpoint = last_number
    locked.rows_done += result.counts["rows"]
    locked.save(update_fields=["counts", "checkpoint", "rows_done"])


def _fail(upload_id: int, message: str) -> Upload:
    upload = Upload.objects.get(pk=upload_id)
    upload.state = Upload.State.FAILED
    upload.message = message
    upload.finished_at = timezone.now()
    upload.save(update_fields=["state", "message", "finished_at"])
    return upload


def upload_fail(*, upload_id: int, error: BaseException) -> Upload:
    """Record that the pipeline stopped; what was written so far is in the summary."""
    logger.exception("upload %s failed", upload_id, exc_info=error)
    return _fail(upload_id, _("Processing stopped: %(error)s") % {"error": error})


def upload_summary(upload: Upload) -> dict:
    """What the result screen and `import_contacts --json` report."""
    counts = {key: upload.counts.get(key, 0) for key in COUNT_KEYS}
    sections = {section["key"]: {"total": section["total"],
                                 **{key: count for key, _label, count in section["buckets"]}}
                for section in summary_sections(counts=counts, mode=upload.mode)}
    return {**counts, "state": upload.state, "message": upload.message,
            "rows_total": upload.rows_total, "rows_done": upload.rows_done,
            "ignored_columns": upload.ignored_columns, "sections": sections}


def formula_safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection)."""
    return f"'{value}" if value.startswith(FORMULA_PREFIXES) else value


class _Echo:
    def write(self, value: str) -> str:
        return value


def upload_errors_csv(upload: Upload) -> Iterator[str]:
    """The original rows that have errors, plus an error column; streamed, formula-safe."""
    writer = csv.writer(_Echo())
    error_rows = (UploadRowError.objects.filter(upload=upload).order_by("row_number", "id")
                  .values_list("row_number", "column", "code", "params", "kind", "channels",
                               "message").iterator(chunk_size=2000))
    pending = next(error_rows, None)
    header = [*upload.headers, _("error")]
    yield "\ufeff" + writer.writerow([formula_safe(cell) for cell in header])
    if pending is None:
        return
    for number, cells in upload_records(upload, upload_path(upload)):
        messages = []
        while pending is not None and pending[0] == number:
            _number, column, code, params, kind, channels, message = pending
            messages.append((column, row_error_text(code=code, params=params, kind=kind,
                                                    channels=channels, fallback=message)))
            pending = next(error_rows, None)
        if messages:
            yield writer.writerow([formula_safe(cell) for cell in cells]
                                  + [formula_safe(row_errors_join(messages))])
        if pending is None:
            return
