"""A corpus of hostile contact files, generated: each with the words its refusal must hold.

Binary data, archives and documents under a .csv/.txt/.xlsx name, UTF-32, NUL bytes (in the
head and deep in the file), quotes never closed, too many columns, too long cells, broken
workbooks, empty files. Each one must be refused with a clear message, never a crash, and
leave no stored file behind.
"""

import gzip
import io
import random
import zipfile
from pathlib import Path

import openpyxl

HEADER = "email,phonenumber,IYSSource,IYSStatus,IYSConsentDate"


def _rows(count: int, start: int = 0) -> str:
    return "".join(f"k{i}@example.com,+90532{i:07d},HS_WEB,ONAY,07.08.25 10:25:00\n"
                   for i in range(start, start + count))


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER.split(","))
    workbook.save(buffer)
    return buffer.getvalue()


def hostile_files(folder: Path) -> list[tuple[Path, str]]:
    """Write the corpus into ``folder``: (path, a phrase the refusal must contain)."""
    rng = random.Random(19)
    text = (HEADER + "\n" + _rows(50)).encode()
    binary = "binary data"
    cases: list[tuple[str, bytes, str]] = []
    for i, size in enumerate((64, 1024, 70_000, 300_000, 5)):
        data = bytes(rng.randrange(256) for _ in range(size))
        cases.append((f"random_{i}.csv", b"\x01\x02\x03" + data, binary))
    for i in range(3):  # random bytes that are mostly printable: control bytes give them away
        data = bytes(rng.choice(b"abc,;\x00\x01\x02\x03\x04\x05\x06\x07") for _ in range(4000))
        cases.append((f"noise_{i}.txt", data, "NUL"))
    cases += [
        ("zip_renamed.csv", _zip({"contacts.csv": text}), "ZIP archive"),
        ("xlsx_renamed.csv", _xlsx(), "ZIP archive"),
        ("zip_renamed.txt", _zip({"a.txt": b"x"}), "ZIP archive"),
        ("empty_zip.csv", _zip({}), "ZIP archive"),
        ("gzip_renamed.txt", gzip.compress(text), "gzip"),
        ("gzip_renamed.csv", gzip.compress(b""), "gzip"),
        ("utf32_le_bom.csv", text.decode().encode("utf-32"), "UTF-32"),
        ("utf32_be_bom.csv", b"\x00\x00\xfe\xff" + text.decode().encode("utf-32-be"),
         "UTF-32"),
        ("utf32_le_no_bom.csv", text.decode().encode("utf-32-le"), "UTF-32"),
        ("utf32_be_no_bom.txt", text.decode().encode("utf-32-be"), "UTF-32"),
        ("nul_in_a_cell.csv", (HEADER + "\nk@example.com,+905321234567,HS_WEB,ONAY,"
                               "07.08.25 10:25:00\na\x00b@example.com,,,,\n").encode(), "NUL"),
        ("nul_deep_in_the_file.csv",
         (HEADER + "\n" + _rows(20_000) + "x\x00@example.com,,,,\n").encode(), "line 20002"),
        ("nul_in_utf16.txt", (HEADER + "\n" + _rows(3) + "a\x00b,,,,\n").encode("utf-16"),
         "NUL"),
        ("nul_deep_in_utf16.txt",
         (HEADER + "\n" + _rows(20_000) + "a\x00b,,,,\n").encode("utf-16"), "NUL"),
        ("pdf_renamed.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF"),
        ("xls_renamed.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), ".xls"),
        ("png_renamed.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100), "NUL"),
        ("elf_renamed.txt", b"\x7fELF\x02\x01\x01" + bytes(200), "NUL"),
        ("unterminated_quote.csv",
         (HEADER + "\n" + _rows(3) + 'k9@example.com,"+905329999999,HS_WEB,ONAY,'
          "07.08.25 10:25:00\n" + _rows(5, 10)).encode(), "never closed"),
        ("unterminated_quote_at_the_end.csv",
         (HEADER + "\n" + _rows(3) + '"k9@example.com,+905329999999\n').encode(),
         "never closed"),
        ("unterminated_quote_deep.csv",
         (HEADER + "\n" + _rows(20_000) + '"x@example.com,a\n' + _rows(40, 30_000)).encode(),
         "never closed"),
        ("unterminated_quote_swallowing_everything.csv",
         (HEADER + "\n" + '"' + _rows(2_000)).encode(), "Row 2"),
        ("columns_131073.csv", (",".join(f"c{i}" for i in range(131_073)) + "\n1\n").encode(),
         "columns"),
        ("columns_1001.csv", (",".join(f"c{i}" for i in range(1001)) + "\n").encode(),
         "1,001 columns"),
        ("columns_deep.csv", (HEADER + "\n" + _rows(20_000) + "," * 2000 + "\n").encode(),
         "2,001 columns"),
        ("long_cell.csv", (HEADER + "\n" + "a" * 10_001 + "@example.com,,,,\n").encode(),
         "longer than 10,000"),
        ("long_cell_deep.csv",
         (HEADER + "\n" + _rows(20_000) + "b" * 60_000 + ",,,,\n").encode(),
         "longer than 10,000"),
        ("empty.csv", b"", "empty"),
        ("only_bom.csv", b"\xef\xbb\xbf", "empty"),
        ("only_newlines.txt", b"\r\n\r\n\n\n", "empty"),
        ("only_separators.csv", b",,,\n,,,\n\n, ,\n", "no rows"),
        ("utf16_bom_only.txt", b"\xff\xfe", "empty"),
        ("control_characters.csv", ("email\n" + "\x01\x02\x03\x04\x05x\n" * 200).encode(),
         binary),
        ("text_named.xlsx", text, "not an Excel workbook"),
        ("random_named.xlsx", bytes(rng.randrange(256) for _ in range(2000)),
         "not an Excel workbook"),
        ("zip_without_workbook.xlsx", _zip({"hello.txt": b"hi"}), "Excel workbook"),
        ("truncated.xlsx", _xlsx()[:300], "Excel workbook"),
        ("program.exe", b"MZ\x90\x00", "Upload a CSV, TXT or Excel file"),
        ("contacts.csv.gz", gzip.compress(text), "Upload a CSV, TXT or Excel file"),
        ("contacts", text, "Upload a CSV, TXT or Excel file"),
    ]
    written = []
    for name, data, phrase in cases:
        path = folder / name
        path.write_bytes(data)
        written.append((path, phrase))
    return written
