"""Reading contact files as marketers really have them, one record at a time.

CSV and TXT: the encoding (UTF-8 with or without BOM, UTF-16, Windows-1254) and the delimiter
(, ; tab |) are detected from the head of the file; the body is streamed, never held whole.
XLSX: one sheet, read with openpyxl in read-only (streaming) mode, its cells turned into the
text a CSV export would hold. Hostile files (binary, archives, UTF-32, NUL bytes, endless
quotes, too many columns or too long cells) are refused at upload with a message saying why.
"""

import codecs
import csv
import dataclasses
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import openpyxl
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consents.rules import TURKEY

HEAD_BYTES = 256 * 1024
DELIMITERS = (",", ";", "\t", "|")
SAMPLE_ROWS = 3
PROBE_ROWS = 20  # rows the column kinds of a headerless file are guessed from
MAX_COLUMNS = 1000
MAX_CELL = 10_000  # characters in one cell
# The csv module refuses a longer field itself (csv.Error), in C, at no cost per row.
csv.field_size_limit(MAX_CELL)
XLSX = "xlsx"  # Upload.encoding of a workbook: its cells are typed, not encoded text
# The cell prefixes a spreadsheet would run as a formula, and our error file's guard before
# them (services.formula_safe): read back, the guard goes.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"
# Bytes files that are not text begin with, and what to say about them.
MAGIC = (
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty archive
    (b"PK\x07\x08", "zip"),  # a spanned archive
    (b"\x1f\x8b", "gzip"),
    (b"\xd0\xcf\x11\xe0", "xls"),
    (b"%PDF", "pdf"),
    (b"\xff\xfe\x00\x00", "utf32"),
    (b"\x00\x00\xfe\xff", "utf32"),
)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FileUnreadable(Exception):
    """The file cannot be read as a contact list; the message says why."""


@dataclass(frozen=True)
class Preview:
    encoding: str
    delimiter: str
    has_header: bool
    headers: list[str]
    samples: list[list[str]]  # per column, a few values
    probe: list[list[str]] = field(default_factory=list)  # per column, up to PROBE_ROWS values
    sheets: list[str] = field(default_factory=list)  # XLSX: every sheet, in workbook order
    sheet: str = ""  # XLSX: the sheet read
    guarded: bool = False  # cells carry our formula guard (a corrected error file)
    rows: int | None = None  # XLSX: data rows as the sheet's dimension says, where it has one


@dataclass
class Scan:
    """What reading a whole CSV or TXT once at upload found."""

    rows: int  # data rows (header and blank lines not counted)
    encoding: str
    notices: list[str] = field(default_factory=list)


def detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise FileUnreadable(_unsupported("utf32"))
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    if sample and sample.count(b"\x00") * 4 > len(sample):  # UTF-16 without a BOM
        body = sample[:len(sample) - len(sample) % 4]
        if body and (not body[1::4].strip(b"\x00") and not body[2::4].strip(b"\x00")
                     and (not body[3::4].strip(b"\x00") or not body[0::4].strip(b"\x00"))):
            raise FileUnreadable(_unsupported("utf32"))  # 3 NUL bytes in every 4: UTF-32
        return "utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:  # not just a character cut at the end of the head
            return "cp1254"  # Turkish Excel ("Windows-1254")
    return "utf-8"


def _unsupported(kind: str) -> str:
    return {
        "zip": _("This is a ZIP archive, not a CSV or TXT file. An Excel workbook is one too: "
                 "save it as .xlsx (under its own name) or as CSV, and upload that."),
        "gzip": _("This is a compressed (gzip) file, not a CSV or TXT file: unpack it and "
                  "upload the file inside."),
        "xls": _("This is an old Excel (.xls) or other Office file: save it as .xlsx or CSV "
                 "and upload that."),
        "pdf": _("This is a PDF document, not a contact list: upload a CSV, TXT or XLSX file."),
        "utf32": _("The file is in UTF-32, which is not supported: save it as UTF-8 and upload "
                   "it again."),
        "binary": _("This is not a text file (it holds binary data): upload a CSV, TXT or XLSX "
                    "contact list."),
        "nul": _("The file holds NUL characters (binary data) on line %(line)d: save it again "
                 "as a plain CSV (UTF-8) and upload it."),
    }[kind]


def detect_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the first lines into the same number (>1) of fields."""
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            widths = [len(row) for row in csv.reader(lines, delimiter=delimiter) if row]
        except csv.Error:  # a cell too long: file_preview says so
            continue
        if not widths or widths[0] < 2:
            continue
        consistent = sum(1 for width in widths if width == widths[0])
        score = (consistent, widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _cp1254_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    """Bytes that are not UTF-8 in a file that looked like UTF-8 at its head: Turkish Excel
    rows appended later. Read them as Windows-1254 rather than stopping the upload."""
    bad = error.object[error.start:error.end]
    return bad.decode("cp1254", errors="replace"), error.end


codecs.register_error("iys_cp1254_fallback", _cp1254_fallback)


def open_text(path: Path, encoding: str) -> io.TextIOWrapper:
    errors = "iys_cp1254_fallback" if encoding.startswith("utf-8") else "strict"
    return io.TextIOWrapper(open(path, "rb"), encoding=encoding, errors=errors, newline="")


def unguard(cells: list[str]) -> list[str]:
    """The cells without the guard our error file puts before a formula-like value."""
    return [cell[1:] if cell[:1] == GUARD and cell[1:2] in FORMULA_PREFIXES and cell[1:2]
            else cell for cell in cells]


def iter_records(path: Path, *, encoding: str, delimiter: str, sheet: str = "",
                 guarded: bool = False) -> Iterator[tuple[int, list[str]]]:
    """(record number from 1, cells) for every record of the file, header included."""
    records = (_xlsx_records(path, sheet) if encoding == XLSX
               else _csv_records(path, encoding, delimiter))
    if not guarded:
        yield from records
        return
    for number, cells in records:
        yield number, unguard(cells)


def _csv_records(path: Path, encoding: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    with open_text(path, encoding) as stream:
        reader = csv.reader(stream, delimiter=delimiter)
        number = 0
        try:
            for number, cells in enumerate(reader, start=1):
                yield number, cells
        except (UnicodeDecodeError, csv.Error) as error:
            raise _unreadable(error, encoding, number) from None


def _unreadable(error: Exception, encoding: str, number: int) -> FileUnreadable:
    """What stopped the reading after record ``number``, said for the uploader."""
    if isinstance(error, UnicodeDecodeError):
        return FileUnreadable(
            _("The file is not readable as %(encoding)s after row %(row)d; save it as "
              "UTF-8 and upload it again.") % {"encoding": encoding, "row": number})
    return FileUnreadable(_csv_error_message(error, number + 1))


def _csv_error_message(error: csv.Error, row: int) -> str:
    if "field larger than field limit" in str(error):
        return _("Row %(row)d has a cell longer than %(limit)s characters (or a quote that is "
                 "never closed): shorten it and upload the file again.") % {
            "row": row, "limit": f"{MAX_CELL:,}"}
    return _("Row %(row)d cannot be read: %(error)s") % {"row": row, "error": error}


def file_preview(path: Path, *, looks_like_header, sheet: str = "") -> Preview:
    """Encoding, delimiter, header row and a few sample values per column.

    ``looks_like_header(cells)`` says whether a first row names columns; a TXT list of users
    (``token,externalId`` per line, no header) gets numbered columns instead.
    """
    if path.suffix.lower() == ".xlsx":
        return _xlsx_preview(path, looks_like_header, sheet)
    with open(path, "rb") as raw:
        head = raw.read(HEAD_BYTES)
    if not head.strip(b"\x00\r\n\t \xef\xbb\xbf\xff\xfe"):
        raise FileUnreadable(_("The file is empty."))
    for magic, kind in MAGIC:
        if head.startswith(magic):
            raise FileUnreadable(_unsupported(kind))
    encoding = detect_encoding(head)
    text = head.decode(encoding, errors="ignore").lstrip("\ufeff")
    if "\x00" in text:
        raise FileUnreadable(_unsupported("nul") % {"line": text.count("\n", 0,
                                                                      text.index("\x00")) + 1})
    if len(CONTROL.findall(text[:65536])) * 100 > min(len(text), 65536):
        raise FileUnreadable(_unsupported("binary"))
    lines = text.splitlines()[:PROBE_ROWS + 1]
    if len(head) == HEAD_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut in the middle
    delimiter = detect_delimiter(lines)
    try:
        rows = [row for row in csv.reader(lines, delimiter=delimiter)
                if any(c.strip() for c in row)]
    except csv.Error as error:
        raise FileUnreadable(_csv_error_message(error, 1)) from None
    return _preview(rows, looks_like_header, encoding=encoding, delimiter=delimiter)


def _preview(rows: list[list[str]], looks_like_header, **found) -> Preview:
    if not rows:
        raise FileUnreadable(_("The file has no rows."))
    width = max(len(row) for row in rows)
    if width > MAX_COLUMNS:
        raise FileUnreadable(_too_many_columns(width))
    guarded = any(cell[:1] == GUARD and cell[1:2] in FORMULA_PREFIXES and cell[1:2]
                  for row in rows for cell in row)
    if guarded:
        rows = [unguard(row) for row in rows]
    has_header = looks_like_header(rows[0])
    if has_header:
        headers = [cell.strip() or _("Column %(n)d") % {"n": i + 1}
                   for i, cell in enumerate(rows[0])]
        headers += [_("Column %(n)d") % {"n": i + 1} for i in range(len(headers), width)]
        data = rows[1:]
    else:
        headers = [_("Column %(n)d") % {"n": i + 1} for i in range(width)]
        data = rows
    probe = [[row[i].strip() for row in data[:PROBE_ROWS] if i < len(row) and row[i].strip()]
             for i in range(width)]
    return Preview(has_header=has_header, headers=headers,
                   samples=[values[:SAMPLE_ROWS] for values in probe], probe=probe,
                   guarded=guarded, **found)


def _too_many_columns(width: int) -> str:
    return _("The file has %(width)s columns; at most %(limit)s can be read. Remove the columns "
             "you do not import, or check the delimiter.") % {"width": f"{width:,}",
                                                               "limit": f"{MAX_COLUMNS:,}"}


def file_scan(path: Path, *, encoding: str, delimiter: str, has_header: bool) -> Scan:
    """Read a CSV or TXT once, whole, at upload: refuse what the pipeline could not import
    (NUL bytes, a quote never closed, too many columns, too long cells) before anything is
    written, and count its rows (so the worker need not read it an extra time).

    A UTF-8 file with Windows-1254 lines in it (Turkish Excel rows pasted in) is read with the
    Windows-1254 fallback, and the lines are named in a notice; where the head chose
    Windows-1254 for such a file, UTF-8 is chosen instead, or its UTF-8 rows would be mojibake.
    """
    encoding, notices = _encoding_check(path, encoding)
    rows = width = 0
    with open_text(path, encoding) as stream:
        reader = csv.reader(stream, delimiter=delimiter)
        number = line = 0
        cells: list[str] = []
        try:
            for number, cells in enumerate(reader, start=1):
                if len(cells) > MAX_COLUMNS:
                    raise FileUnreadable(_("Row %(row)d: %(problem)s") % {
                        "row": number, "problem": _too_many_columns(len(cells))})
                width = width or len(cells)
                if reader.line_num - line > 1:  # a record over several lines: a quoted cell
                    _quote_check(cells, delimiter, width, number, line + 1, reader.line_num)
                line = reader.line_num
                if "".join(cells).strip():  # as chunk_read counts rows
                    rows += 1
        except (UnicodeDecodeError, csv.Error) as error:
            raise _unreadable(error, encoding, number) from None
        if any(cell.endswith(("\n", "\r")) for cell in cells):  # the file ended in a quote
            raise FileUnreadable(_unterminated(number, line, line))
    return Scan(rows=max(0, rows - (1 if has_header else 0)), encoding=encoding,
                notices=notices)


def _unterminated(number: int, first: int, last: int) -> str:
    return _("Row %(row)d (line %(first)d): a quote (\") opened in this row is never closed, "
             "so lines %(first)d to %(last)d were read as one cell. Close or remove the "
             "quote and upload the file again.") % {"row": number, "first": first,
                                                   "last": last}


def _quote_check(cells: list[str], delimiter: str, width: int, number: int, first: int,
                 last: int) -> None:
    """A cell over several lines is fine (an address), unless its lines look like rows of
    the file: then a quote was opened and never closed, and swallowed the rows after it."""
    enough = max(1, width - 1)  # delimiters that make a line look like a whole row
    for cell in cells:
        lines = cell.splitlines()
        if len(lines) > 1 and any(text.count(delimiter) >= enough for text in lines[1:]):
            raise FileUnreadable(_unterminated(number, first, last))


def _encoding_check(path: Path, encoding: str) -> tuple[str, list[str]]:
    """(the encoding to read with, notices): NUL bytes refused; mixed UTF-8 and Windows-1254
    lines found and named. Reads in blocks at C speed; line by line only when needed."""
    if encoding.startswith("utf-16"):
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        with open(path, "rb") as raw:
            lines = 0
            while block := raw.read(1024 * 1024):
                try:
                    text = decoder.decode(block)
                except UnicodeDecodeError:
                    raise FileUnreadable(_unsupported("binary")) from None
                if "\x00" in text:
                    raise FileUnreadable(_unsupported("nul") % {
                        "line": lines + text.count("\n", 0, text.index("\x00")) + 1})
                lines += text.count("\n")
        return encoding, []
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    utf8 = True
    with open(path, "rb") as raw:
        lines = 0
        while block := raw.read(1024 * 1024):
            if b"\x00" in block:
                raise FileUnreadable(_unsupported("nul") % {
                    "line": lines + block.count(b"\n", 0, block.index(b"\x00")) + 1})
            lines += block.count(b"\n")
            if utf8:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    utf8 = False
    if utf8:
        return encoding, []
    other, multibyte = [], 0
    with open(path, "rb") as raw:
        for line_number, line in enumerate(raw, start=1):
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                other.append(line_number)
            else:
                multibyte += 1
    if not multibyte:
        return "cp1254", []  # Windows-1254 throughout
    shown = ", ".join(str(n) for n in other[:20]) + (" …" if len(other) > 20 else "")
    return ("utf-8-sig" if encoding == "utf-8-sig" else "utf-8"), [ngettext(
        "Line %(lines)s is not UTF-8 like the rest of the file; it was read as Windows-1254 "
        "(Turkish Excel). Check its letters in the summary, or save the whole file as UTF-8.",
        "Lines %(lines)s are not UTF-8 like the rest of the file; they were read as "
        "Windows-1254 (Turkish Excel). Check their letters, or save the whole file as UTF-8.",
        len(other)) % {"lines": shown}]


# XLSX -----------------------------------------------------------------------------------------

def _workbook(path: Path):
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except zipfile.BadZipFile:
        raise FileUnreadable(_("This is not an Excel workbook (.xlsx) that can be read: save "
                               "it again from Excel as .xlsx, or as CSV.")) from None
    except Exception as error:  # openpyxl raises whatever its zip and XML readers meet
        raise FileUnreadable(_("The Excel workbook cannot be read (%(error)s): save it again "
                               "from Excel as .xlsx, or as CSV.")
                             % {"error": type(error).__name__}) from None


def _sheet(workbook, sheet: str):
    if not sheet:
        return workbook.worksheets[0]
    if sheet not in workbook.sheetnames:
        raise FileUnreadable(_("The workbook has no sheet “%(sheet)s”; its sheets: %(sheets)s.")
                             % {"sheet": sheet, "sheets": ", ".join(workbook.sheetnames)})
    return workbook[sheet]


def xlsx_text(value) -> str:
    """A cell's value as the text a CSV export would hold: whole numbers without ".0" or an
    exponent (a phone 905321234567 stays one), dates and times as Turkey wall time."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e18:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(TURKEY)
        return value.strftime("%d.%m.%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _xlsx_records(path: Path, sheet: str) -> Iterator[tuple[int, list[str]]]:
    workbook = _workbook(path)
    try:
        # max_col: a sheet whose used range claims 16,384 columns is read no wider than it
        # takes to refuse it; an empty row (openpyxl pads the gaps) costs one any().
        rows = _sheet(workbook, sheet).iter_rows(values_only=True, max_col=MAX_COLUMNS + 1)
        number = 0
        try:
            for number, values in enumerate(rows, start=1):
                if not any(values):
                    yield number, []
                    continue
                cells = [value if value.__class__ is str else xlsx_text(value)
                         for value in values]
                while cells and not cells[-1]:
                    cells.pop()
                if len(cells) > MAX_COLUMNS:
                    raise FileUnreadable(_("Row %(row)d: %(problem)s") % {
                        "row": number, "problem": _too_many_columns(len(cells))})
                for cell in cells:
                    if len(cell) > MAX_CELL:
                        raise FileUnreadable(_csv_error_message(
                            csv.Error("field larger than field limit"), number))
                yield number, cells
        except FileUnreadable:
            raise
        except Exception as error:  # a broken sheet deep in the file
            raise FileUnreadable(_("Row %(row)d of the workbook cannot be read (%(error)s).")
                                 % {"row": number + 1, "error": type(error).__name__}) from None
    finally:
        workbook.close()


def _xlsx_preview(path: Path, looks_like_header, sheet: str) -> Preview:
    workbook = _workbook(path)
    try:
        sheets = list(workbook.sheetnames)
        worksheet = _sheet(workbook, sheet)
        # Excel writes the used range (<dimension>): the rows are known without reading them
        # all, which at 77 µs a row is most of a workbook's reading time.
        chosen, last_row, width = worksheet.title, worksheet.max_row, worksheet.max_column
    finally:
        workbook.close()
    if width and width > MAX_COLUMNS:
        raise FileUnreadable(_too_many_columns(width))
    rows = []
    for _number, cells in _xlsx_records(path, chosen):
        if any(cell.strip() for cell in cells):
            rows.append(cells)
        if len(rows) > PROBE_ROWS:
            break
    if not rows:
        raise FileUnreadable(_("The sheet “%(sheet)s” has no rows.") % {"sheet": chosen})
    preview = _preview(rows, looks_like_header, encoding=XLSX, delimiter="", sheets=sheets,
                       sheet=chosen)
    if last_row:
        preview = dataclasses.replace(preview, rows=max(0, last_row - preview.has_header))
    return preview
