"""A realistic contact file with a fixed seed: what a retailer's marketer uploads.

Columns: email, phonenumber (+905…), external_id, the three İYS fields with recent dates, and
three profile attributes with Turkish text. About 2% of rows are invalid in varied ways.
"""

import csv
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

TURKEY = ZoneInfo("Europe/Istanbul")
HEADER = ["email", "phonenumber", "external_id", "IYSSource", "IYSStatus", "IYSConsentDate",
          "first_name", "last_name", "city"]
PREFIXES = ["530", "532", "533", "535", "536", "537", "541", "542", "543", "544", "545", "505",
            "506", "507", "551", "552", "553", "554", "555", "559"]
SOURCES = ["HS_WEB", "HS_MOBIL", "HS_CAGRI_MERKEZI", "HS_FIZIKSEL_ORTAM", "HS_EPOSTA",
           "HS_MESAJ", "HS_ETKINLIK", "HS_ISLAK_IMZA"]
FIRST = ["Ayşe", "Mehmet", "Fatma", "Ahmet", "Emine", "Mustafa", "Hatice", "Ali", "Zeynep",
         "Hüseyin", "Elif", "İbrahim", "Şule", "Gökhan", "Çağla", "Ömer", "Özge", "Ümit"]
LAST = ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım", "Öztürk", "Aydın",
        "Özdemir", "Arslan", "Doğan", "Kılıç", "Aslan", "Çetin", "Kara", "Koç", "Kurt", "Güneş"]
CITIES = ["İstanbul", "Ankara", "İzmir", "Bursa", "Antalya", "Şanlıurfa", "Eskişehir",
          "Diyarbakır", "Muğla", "Çanakkale", "Iğdır", "Kırşehir"]
INVALID_KINDS = ["phone_without_country_code", "bad_email", "bad_source", "bad_status",
                 "bad_date", "future_date", "empty_status"]


def phone(index: int) -> str:
    return f"+90{PREFIXES[index % len(PREFIXES)]}{index // len(PREFIXES):07d}"


def email(index: int) -> str:
    return f"musteri{index}@ornek-magaza.com.tr"


def external_id(index: int) -> str:
    return f"CRM{index:09d}"


def rows(count: int, *, seed: int = 20261124, now: datetime | None = None,
         opt_ins_only: bool = False) -> Iterator[list[str]]:
    """``opt_ins_only``: every row valid and ONAY, so each gives İYS two consents to add."""
    rng = random.Random(seed)
    now = (now or datetime.now(TURKEY)).astimezone(TURKEY)
    for index in range(count):
        when = now - timedelta(seconds=rng.randrange(3600, 36 * 3600))
        row = [email(index), phone(index), external_id(index), rng.choice(SOURCES),
               "ONAY" if rng.random() < 0.8 or opt_ins_only else "RET",
               when.strftime("%d.%m.%y %H:%M:%S"),
               rng.choice(FIRST), rng.choice(LAST), rng.choice(CITIES)]
        if rng.random() < 0.02 and not opt_ins_only:
            _spoil(row, rng.choice(INVALID_KINDS), now)
        yield row


def _spoil(row: list[str], kind: str, now: datetime) -> None:
    if kind == "phone_without_country_code":
        row[1] = "0" + row[1][3:]
    elif kind == "bad_email":
        row[0] = row[0].replace("@", " at ")
    elif kind == "bad_source":
        row[3] = "HS_FORM"
    elif kind == "bad_status":
        row[4] = "EVET"
    elif kind == "bad_date":
        row[5] = row[5].replace(".", "/")
    elif kind == "future_date":
        row[5] = (now + timedelta(days=3)).strftime("%d.%m.%y %H:%M:%S")
    elif kind == "empty_status":
        row[4] = ""


def write_file(path: Path, count: int, *, seed: int = 20261124) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows(count, seed=seed))
    return path
