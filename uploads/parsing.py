"""Reading contact files as marketers really have them, one record at a time.

The encoding (UTF-8 with or without BOM, UTF-16, Windows-1254) and the delimiter
(, ; tab |) are detected from the head of the file; the body is streamed, never held whole.
"""

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

HEAD_BYTES = 256 * 1024
DELIMITERS = (",", ";", "\t", "|")
SAMPLE_ROWS = 3
csv.field_size_limit(1024 * 1024)


class FileUnreadable(Exception):
    """The file cannot be read as a CSV or TXT contact list; the message says why."""


@dataclass(frozen=True)
class Preview:
    encoding: str
    delimiter: str
    has_header: bool
    headers: list[str]
    samples: list[list[str]]  # per column, a few values


def detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    if sample and sample.count(b"\x00") * 4 > len(sample):  # UTF-16 without a BOM
        return "utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:  # not just a character cut at the end of the head
            return "cp1254"  # Turkish Excel ("Windows-1254")
    return "utf-8"


def detect_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the first lines into the same number (>1) of fields."""
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        widths = [len(row) for row in csv.reader(lines, delimiter=delimiter) if row]
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


def iter_records(path: Path, *, encoding: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(record number from 1, cells) for every record of the file, header included."""
    with open_text(path, encoding) as stream:
        reader = csv.reader(stream, delimiter=delimiter)
        number = 0
        try:
            for number, cells in enumerate(reader, start=1):
                yield number, cells
        except UnicodeDecodeError:
            raise FileUnreadable(
                _("The file is not readable as %(encoding)s after row %(row)d; save it as "
                  "UTF-8 and upload it again.") % {"encoding": encoding, "row": number}) from None
        except csv.Error as error:
            raise FileUnreadable(_("Row %(row)d cannot be read: %(error)s")
                                 % {"row": number + 1, "error": error}) from None


def file_preview(path: Path, *, looks_like_header) -> Preview:
    """Encoding, delimiter, header row and a few sample values per column.

    ``looks_like_header(cells)`` says whether a first row names columns; a TXT list of users
    (``token,externalId`` per line, no header) gets numbered columns instead.
    """
    with open(path, "rb") as raw:
        head = raw.read(HEAD_BYTES)
    if not head.strip(b"\x00\r\n\t \xef\xbb\xbf\xff\xfe"):
        raise FileUnreadable(_("The file is empty."))
    encoding = detect_encoding(head)
    text = head.decode(encoding, errors="ignore").lstrip("\ufeff")
    lines = text.splitlines()[:20]
    if len(head) == HEAD_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut in the middle
    delimiter = detect_delimiter(lines)
    rows = [row for row in csv.reader(lines, delimiter=delimiter) if any(c.strip() for c in row)]
    if not rows:
        raise FileUnreadable(_("The file has no rows."))
    width = max(len(row) for row in rows)
    has_header = looks_like_header(rows[0])
    if has_header:
        headers = [cell.strip() or _("Column %(n)d") % {"n": i + 1}
                   for i, cell in enumerate(rows[0])]
        headers += [_("Column %(n)d") % {"n": i + 1} for i in range(len(headers), width)]
        data = rows[1:1 + SAMPLE_ROWS]
    else:
        headers = [_("Column %(n)d") % {"n": i + 1} for i in range(width)]
        data = rows[:SAMPLE_ROWS]
    samples = [[row[i].strip() for row in data if i < len(row) and row[i].strip()]
               for i in range(width)]
    return Preview(encoding=encoding, delimiter=delimiter, has_header=has_header,
                   headers=headers, samples=samples)
