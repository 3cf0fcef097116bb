"""What the real İYS and iletiMerkezi refuse, written from the contract (shared/iys-api.md).

Deliberately independent of consents.rules except for the Turkish business-day calendar: the
sandbox exists to catch our own mistakes, so it must not share them.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from connectors.iys import errors as codes
from consents.rules import TURKEY, iys_deadline

RECIPIENT_TYPES = ("BIREYSEL", "TACIR")
TYPES = ("MESAJ", "EPOSTA", "ARAMA")
STATUSES = ("ONAY", "RET")
SOURCES = ("HS_FIZIKSEL_ORTAM", "HS_ISLAK_IMZA", "HS_WEB", "HS_CAGRI_MERKEZI",
           "HS_SOSYAL_MEDYA", "HS_EPOSTA", "HS_MESAJ", "HS_MOBIL", "HS_EORTAM", "HS_ETKINLIK",
           "HS_2015", "HS_ATM", "HS_KARAR")
CITIZEN_SOURCES = ("IYS_MOBIL", "IYS_WEB", "IYS_CAGRI_MERKEZI", "IYS_KISA_MESAJ")
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
EPOCH = datetime(2015, 5, 1, 0, 0, 0, tzinfo=TURKEY)
PHONE = re.compile(r"\+90[0-9]{10}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
TURKISH_LETTERS = set("çğıöşüÇĞİÖŞÜ")


def parse_date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, DATE_FORMAT).replace(tzinfo=TURKEY)
    except ValueError:
        return None


def format_date(value: datetime) -> str:
    return value.astimezone(TURKEY).strftime(DATE_FORMAT)


def error(code: str, location: str, value: Any, message: str) -> dict[str, Any]:
    return {"code": code, "location": [location], "value": value, "message": message}


def recipient_error(recipient: Any, type_: Any) -> str | None:
    if not isinstance(recipient, str) or not recipient:
        return "alıcı zorunludur"
    if type_ == "EPOSTA":
        if not 6 <= len(recipient) <= 265:
            return "e-posta adresi 6-265 karakter olmalıdır"
        if TURKISH_LETTERS & set(recipient):
            return "e-posta adresinde Türkçe karakter olamaz"
        if not EMAIL.fullmatch(recipient):
            return "geçersiz e-posta adresi"
    elif not PHONE.fullmatch(recipient):
        return "telefon numarası +90 ile başlayan E.164 biçiminde olmalıdır"
    return None


def consent_item_errors(item: Any, *, now: datetime) -> list[dict[str, Any]]:
    """Checks that need no stored state (shape, vocabulary, dates, the 3-business-day rule)."""
    if not isinstance(item, dict):
        return [error(codes.INVALID_FIELD, "body", None, "izin nesnesi bekleniyor")]
    found: list[dict[str, Any]] = []
    for name in ("recipient", "recipientType", "type", "status"):
        if item.get(name) in (None, ""):
            found.append(error(codes.FIELD_REQUIRED, name, None, f"{name} zorunludur"))
    for name, allowed in (("recipientType", RECIPIENT_TYPES), ("type", TYPES),
                          ("status", STATUSES)):
        if item.get(name) not in (None, "") and item.get(name) not in allowed:
            found.append(error(codes.INVALID_FIELD, name, item.get(name),
                               f"{name} geçersiz"))
    if found:
        return found
    problem = recipient_error(item["recipient"], item["type"])
    if problem:
        found.append(error(codes.INVALID_RECIPIENT, "recipient", item["recipient"], problem))
    individual = item["recipientType"] == "BIREYSEL"
    source, raw_date = item.get("source"), item.get("consentDate")
    if individual and not source:
        found.append(error(codes.FIELD_REQUIRED, "source", None, "source zorunludur"))
    if individual and not raw_date:
        found.append(error(codes.FIELD_REQUIRED, "consentDate", None, "consentDate zorunludur"))
    if source and source not in SOURCES:
        found.append(error(codes.INVALID_FIELD, "source", source, "source geçersiz"))
    when = None
    if raw_date:
        when = parse_date(raw_date)
        if when is None:
            found.append(error(codes.INVALID_FIELD, "consentDate", raw_date,
                               "consentDate YYYY-MM-DD HH:mm:ss biçiminde olmalıdır"))
    if when is not None:
        if when > now:
            found.append(error(codes.FUTURE_DATE, "consentDate", raw_date,
                               "consentDate gelecekte olamaz"))
        if when < EPOCH:
            found.append(error(codes.BEFORE_2015, "consentDate", raw_date,
                               "consentDate 2015-05-01 00:00:00 öncesi olamaz"))
        elif source != "HS_2015" and now > iys_deadline(when):
            found.append(error(codes.TOO_LATE, "consentDate", raw_date,
                               "izin, alındıktan en geç 3 iş günü içinde yüklenmelidir"))
    if source == "HS_2015" and when != EPOCH:
        found.append(error(codes.HS_2015_DATE, "source", source,
                           "HS_2015 yalnızca 2015-05-01 00:00:00 tarihiyle kullanılabilir"))
    if source == "HS_KARAR" and item["status"] != "RET":
        found.append(error(codes.HS_KARAR_STATUS, "status", item["status"],
                           "HS_KARAR yalnızca RET olabilir"))
    if "retailerCode" in item and not isinstance(item["retailerCode"], int):
        found.append(error(codes.INVALID_FIELD, "retailerCode", item["retailerCode"],
                           "retailerCode sayı olmalıdır"))
    if "retailerAccess" in item and not (
            isinstance(item["retailerAccess"], list)
            and all(isinstance(code, int) for code in item["retailerAccess"])):
        found.append(error(codes.INVALID_FIELD, "retailerAccess", item["retailerAccess"],
                           "retailerAccess sayı listesi olmalıdır"))
    return found


def against_stored_errors(item: dict[str, Any], stored: dict[str, Any] | None
                          ) -> list[dict[str, Any]]:
    """The rules that compare with the consent İYS already stores for this recipient."""
    if stored is None:
        if item["status"] == "RET":
            return [error(codes.FIRST_IS_RET, "status", "RET",
                          "alıcının ilk kaydı RET olamaz")]
        return []
    found = []
    new, old = parse_date(item.get("consentDate")), parse_date(stored.get("consentDate"))
    if new is not None and old is not None and new <= old:
        found.append(error(codes.NOT_NEWER, "consentDate", item.get("consentDate"),
                           "consentDate kayıtlı izinden sonra olmalıdır"))
    if item["status"] == stored["status"]:
        found.append(error(codes.SAME_STATUS, "status", item["status"],
                           "alıcının durumu zaten " + stored["status"]))
    return found


def iletimerkezi_record_error(record: Any, *, now: datetime) -> str | None:
    """iletiMerkezi's reasons, one per record (the batch fails on the first one)."""
    if not isinstance(record, dict):
        return "kayıt nesne olmalıdır"
    for name in ("recipient", "recipientType", "type", "status", "source", "consentDate"):
        if record.get(name) in (None, ""):
            return f"{name} zorunludur"
    for name, allowed in (("recipientType", RECIPIENT_TYPES), ("type", TYPES),
                          ("status", STATUSES)):
        if record[name] not in allowed:
            return f"{name} geçersiz: {record[name]}"
    if record["source"] not in SOURCES or record["source"] == "HS_2015":
        return f"source geçersiz: {record['source']}"
    problem = recipient_error(record["recipient"], record["type"])
    if problem:
        return f"{problem}: {record['recipient']}"
    when = parse_date(record["consentDate"])
    if when is None:
        return "consentDate YYYY-MM-DD HH:MM:SS biçiminde olmalıdır"
    if when > now:
        return "consentDate gelecekte olamaz"
    if now - when > timedelta(days=3):
        return "consentDate 3 günden eski olamaz"
    return None
