"""What the real İYS and iletiMerkezi refuse, with the official codes, HTTP statuses and
messages of ``shared/iys-official/error-codes.md`` and the formats of ``definitions.md``.

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
FIELDS = ("recipient", "recipientType", "type", "status", "source", "consentDate",
          "retailerCode", "retailerAccess")
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
EPOCH = datetime(2015, 5, 1, 0, 0, 0, tzinfo=TURKEY)
PHONE = re.compile(r"\+90[0-9]{10}")
# definitions.md: no Turkish letters, no special characters ({[(!'^%&/()=?,”½²³°¶)}] …), no
# spaces, "+" allowed before the @ as a label, at least {1}@{2}.{2}, 6 to 265 characters.
EMAIL = re.compile(r"[A-Za-z0-9._+-]+@(?P<host>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)"
                   r"\.[A-Za-z0-9-]{2,}")

# (HTTP status, message) of each code the sandbox answers with, as in error-codes.md.
OFFICIAL: dict[str, tuple[int, str]] = {
    codes.INVALID_JSON: (400, "Gönderilen istek JSON formatına uygun olmalıdır."),
    codes.SERVER_ERROR: (500, "Beklenmedik bir hata oluştu."),
    codes.RATE_LIMIT_PER_SECOND: (429, "Saniyede kabul edilen istek limitinine ulaşıldı. "
                                       "Lütfen daha sonra tekrar deneyiniz."),
    codes.TOKEN_RATE_LIMIT: (429, "Saatte kabul edilen kimlik doğrulama istek limitine "
                                  "ulaşıldı. Lütfen daha sonra tekrar deneyiniz."),
    codes.STATUS_QUERY_LIMIT: (429, "Saatte kabul edilen tekil izin durumu sorgulama istek "
                                    "limitine ulaşıldı. Lütfen daha sonra tekrar deneyiniz."),
    codes.HISTORY_LIMIT: (429, "Saatte kabul edilen izin geçmişi listeleme istek limitine "
                               "ulaşıldı. Lütfen daha sonra tekrar deneyiniz."),
    codes.BULK_INVALID: (400, "Çoklu izin ekleme isteği geçerli olmalıdır."),
    codes.STATUS_REQUEST_INVALID: (400, "İzin sorgulama isteği geçerli olmalıdır."),
    codes.STATUS_MISSING: (422, "Durum (status) bulunamadı."),
    codes.TYPE_MISSING: (422, "İzin tipi (type) bulunamadı."),
    codes.DATE_MISSING: (422, "İzin tarihi (consentDate) bulunamadı."),
    codes.SOURCE_MISSING: (422, "İzin kaynağı (source) bulunamadı."),
    codes.RECIPIENT_MISSING: (422, "Alıcı (recipient) bulunamadı."),
    codes.STATUS_INVALID: (422, "Durum (status) için uygun değerler: ONAY, RET"),
    codes.RECIPIENT_TYPE_INVALID: (422, "Alıcı tipi (recipientType) için uygun değerler: "
                                        "BIREYSEL, TACIR"),
    codes.TYPE_INVALID: (422, "İzin tipi (type) için uygun değerler: ARAMA, MESAJ, EPOSTA"),
    codes.FIELD_UNKNOWN: (422, "Alan değeri kabul edilemedi. İstek gövdesinde bulunabilecek "
                               "değerler: " + ", ".join(FIELDS)),
    codes.SOURCE_INVALID: (422, "İzin kaynağı (source) için uygun değerler: "
                                + ", ".join(SOURCES)),
    codes.EMAIL_INVALID: (422, "Alıcı (recipient) kabul edilemedi. Geçerli bir eposta adresi "
                               "giriniz."),
    codes.PHONE_INVALID: (422, "Alıcı (recipient) için E164 uluslararası([+][country code]"
                               "[area code][local phone number]) formatına uygun bir telefon "
                               "numarası girilmelidir. (örn. +905xxxxxxxxx)"),
    codes.BUSY: (400, "Ulaşmaya çalıştığınız servis şu anda meşguldür. Lütfen daha sonra "
                      "tekrar deneyiniz."),
    codes.RATE_LIMIT: (429, "Saniyede kabul edilen istek limitine ulaşıldı. Lütfen daha "
                            "sonra tekrar deneyiniz."),
    codes.BULK_TOO_LARGE: (422, "Tek seferde eklenecek izin sayısı en fazla 1000 olmalıdır."),
    codes.RECIPIENTS_TOO_MANY: (422, "Alıcı listesi (recipients) uzunluğu en fazla 1000 "
                                     "olmalıdır."),
    codes.INTEGRATOR_NOT_FOUND: (404, "Entegratör bulunamadı."),
    codes.HS_2015_DATE: (422, "İzin kaynağı “1 Mayıs 2015 öncesi” olan izinler için, izin "
                              "tarihi sadece 2015-05-01 00:00:00 olabilir."),
    codes.BEFORE_2015: (422, "İzinler için 1 Mayıs 2015’den önceki tarihler kabul "
                             "edilmemektedir."),
    codes.DATE_FORMAT: (422, "İzin tarihi yyyy-mm-dd hh:mm:ss formatında olmalıdır."),
    codes.PHONE_TOO_LONG: (422, "Alıcı için telefon numaraları 15 karakterden uzun "
                                "olmamalıdır."),
    codes.FUTURE_DATE: (422, "Mevcut tarih ve saatten ileri bir tarih ve saat "
                             "girilmemelidir."),
    codes.RECIPIENTS_EMPTY: (422, "Alıcı listesi (recipients) kabul edilemedi. Liste boş "
                                  "olmamalıdır."),
    codes.RECIPIENTS_MISSING: (422, "Alıcı listesi (recipients) bulunamadı."),
    codes.RECIPIENT_TYPE_MISSING: (422, "Alıcı tipi (recipientType) bulunamadı."),
    codes.SAME_STATUS: (400, "İzin durumu (status) güncellemesi için farklı bir durum "
                             "girilmelidir. İzin durumu: ONAY / RET"),
    codes.FIRST_IS_RET: (400, "İlk defa kaydedilen bir iznin durum (status) bilgisi RET "
                              "olmamalıdır."),
    codes.NOT_NEWER: (400, "Sistemdeki iznin tarihinden önceki tarihli izinlerle güncelleme "
                           "yapılamaz."),
    codes.BULK_DUPLICATE: (422, "İzin listede daha önce tanımlandı. Liste içinde izinler alıcı "
                                "tipi (recipientType), tip (type) ve alıcı (recipient) "
                                "değerleri için tekrarlanamaz."),
    codes.REQUEST_ID_TOO_LONG: (422, "requestId 36 karakterden daha uzun olamaz."),
    codes.LOGIN_MISSING: (400, "Kullanıcı adı veya şifre eksik!"),
    codes.LOGIN_FAILED: (401, "Kullanıcı kimlik bilgileri geçersiz!"),
    codes.TOKEN_INVALID: (401, "Eksik veya geçersiz jeton!"),
    codes.NOT_YOUR_BRAND: (403, "Alan, kullanıcı izinleriyle eşleştirilemiyor"),
    codes.HS_KARAR_STATUS: (422, "HS_KARAR kaynağından iletilen izinler için durum bilgisi RET "
                                 "olmalıdır."),
    codes.TACIR_DATE_REQUIRED: (400, "TACIR izinleri güncellenirken izin tarihi (consentDate) "
                                     "verilmelidir"),
    codes.TACIR_SOURCE_REQUIRED: (400, "TACIR izinleri güncellenirken izin kaynağı (source) "
                                       "verilmelidir."),
    codes.MESAJ_NEEDS_PHONE: (422, "İzin tipi (type) MESAJ için, alıcı (recipient) telefon "
                                   "formatında olmalıdır."),
    codes.TOO_LATE: (422, "Üç iş günü öncesinde alınan izinler kaydedilemez."),
    codes.RECIPIENTS_NOT_LIST: (422, "Alıcı listesi (recipients) liste olmalıdır."),
    codes.REPORT_DATE_FORMAT: (422, "Tarih formatı yyyy-aa-gg şeklinde olmalıdır."),
    codes.REPORT_OUT_OF_RANGE: (422, "reportDate alanı en fazla 7 gün önce olabilir."),
    codes.CHANGES_SOURCE_INVALID: (422, "İzin kaynağı (source) bulunamadı."),
    codes.CHANGES_LIMIT_INVALID: (422, "limit değeri en fazla 1000 olabilir."),
    codes.AGREEMENT_STATUS_INVALID: (422, "false kabul edilemedi. İzin verilen değerler: true"),
    codes.SUBSCRIPTION_CLOSED: (403, "Abonelik durumu CLOSED iken api kullanılamamaktadır."),
    codes.SUBSCRIPTION_NOT_FOUND: (403, "İYS numarası için ait abonelik kaydı bulunamadı"),
    codes.QUOTA_USED_UP: (422, "Kullanılan izin sayısı maksimum sayıya ulaştığı için yeni izin "
                               "eklenememektedir."),
    codes.SUBSCRIPTION_NO_API: (403, "Aboneliğiniz API kullanımını içermemektedir."),
}


def parse_date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, DATE_FORMAT).replace(tzinfo=TURKEY)
    except ValueError:
        return None


def format_date(value: datetime) -> str:
    return value.astimezone(TURKEY).strftime(DATE_FORMAT)


def error(code: str, location: str = "", value: Any = None) -> dict[str, Any]:
    """One item of an ``errors`` list, with the official message of ``code``."""
    found: dict[str, Any] = {"code": code, "message": OFFICIAL[code][1]}
    if location:
        found["location"] = [location]
    if value is not None:
        found["value"] = value if isinstance(value, str) else str(value)
    return found


def http_status(errors: list[dict[str, Any]]) -> int:
    """The HTTP status of an answer carrying ``errors``: that of its first code."""
    return OFFICIAL[errors[0]["code"]][0]


def email_error(recipient: str) -> bool:
    """True when İYS refuses this e-mail address (definitions.md)."""
    if not 6 <= len(recipient) <= 265:
        return True
    found = EMAIL.fullmatch(recipient)
    return found is None or len(found["host"]) < 2


def recipient_error(recipient: Any, type_: Any) -> str | None:
    """The code refusing this recipient for this type, or None."""
    if not isinstance(recipient, str) or not recipient:
        return codes.RECIPIENT_MISSING
    if type_ == "EPOSTA":
        return codes.EMAIL_INVALID if email_error(recipient) else None
    if "@" in recipient and type_ == "MESAJ":
        return codes.MESAJ_NEEDS_PHONE
    if len(recipient) > 15:
        return codes.PHONE_TOO_LONG
    if not PHONE.fullmatch(recipient):
        return codes.PHONE_INVALID
    return None


def consent_item_errors(item: Any, *, now: datetime) -> list[dict[str, Any]]:
    """Checks that need no stored state (shape, vocabulary, dates, the 3-business-day rule)."""
    if not isinstance(item, dict):
        return [error(codes.BULK_INVALID)]
    found: list[dict[str, Any]] = []
    for name in item:
        if name not in FIELDS:
            found.append(error(codes.FIELD_UNKNOWN, name))
    for name, missing, invalid, allowed in (
            ("recipientType", codes.RECIPIENT_TYPE_MISSING, codes.RECIPIENT_TYPE_INVALID,
             RECIPIENT_TYPES),
            ("type", codes.TYPE_MISSING, codes.TYPE_INVALID, TYPES),
            ("status", codes.STATUS_MISSING, codes.STATUS_INVALID, STATUSES)):
        if item.get(name) in (None, ""):
            found.append(error(missing, name))
        elif item[name] not in allowed:
            found.append(error(invalid, name, item[name]))
    if item.get("recipient") in (None, ""):
        found.append(error(codes.RECIPIENT_MISSING, "recipient"))
    if found:
        return found
    problem = recipient_error(item["recipient"], item["type"])
    if problem:
        found.append(error(problem, "recipient", item["recipient"]))
    individual = item["recipientType"] == "BIREYSEL"
    source, raw_date = item.get("source"), item.get("consentDate")
    if individual and not source:
        found.append(error(codes.SOURCE_MISSING, "source"))
    if individual and not raw_date:
        found.append(error(codes.DATE_MISSING, "consentDate"))
    if source and source not in SOURCES:
        found.append(error(codes.SOURCE_INVALID, "source", source))
    when = None
    if raw_date:
        when = parse_date(raw_date)
        if when is None:
            found.append(error(codes.DATE_FORMAT, "consentDate", raw_date))
    if when is not None:
        if when > now:
            found.append(error(codes.FUTURE_DATE, "consentDate", raw_date))
        if when < EPOCH:
            found.append(error(codes.BEFORE_2015, "consentDate", raw_date))
        elif source != "HS_2015" and now > iys_deadline(when):
            found.append(error(codes.TOO_LATE, "consentDate", raw_date))
    if source == "HS_2015" and when != EPOCH:
        found.append(error(codes.HS_2015_DATE, "source", source))
    if source == "HS_KARAR" and item["status"] != "RET":
        found.append(error(codes.HS_KARAR_STATUS, "status", item["status"]))
    if "retailerCode" in item and not isinstance(item["retailerCode"], int):
        found.append(error(codes.FIELD_UNKNOWN, "retailerCode", item["retailerCode"]))
    if "retailerAccess" in item and not (
            isinstance(item["retailerAccess"], list)
            and all(isinstance(code, int) for code in item["retailerAccess"])):
        found.append(error(codes.FIELD_UNKNOWN, "retailerAccess", item["retailerAccess"]))
    return found


def against_stored_errors(item: dict[str, Any], stored: dict[str, Any] | None
                          ) -> list[dict[str, Any]]:
    """The rules that compare with the consent İYS already stores for this recipient."""
    if stored is None:
        if item["status"] == "RET":
            return [error(codes.FIRST_IS_RET, "status", "RET")]
        return []
    found = []
    if item["recipientType"] == "TACIR":  # optional on a first add only
        if not item.get("consentDate"):
            found.append(error(codes.TACIR_DATE_REQUIRED, "consentDate"))
        if not item.get("source"):
            found.append(error(codes.TACIR_SOURCE_REQUIRED, "source"))
    new, old = parse_date(item.get("consentDate")), parse_date(stored.get("consentDate"))
    if new is not None and old is not None and new <= old:
        found.append(error(codes.NOT_NEWER, "consentDate", item.get("consentDate")))
    if item["status"] == stored["status"]:
        found.append(error(codes.SAME_STATUS, "status", item["status"]))
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
        return f"{OFFICIAL[problem][1]}: {record['recipient']}"
    when = parse_date(record["consentDate"])
    if when is None:
        return "consentDate YYYY-MM-DD HH:MM:SS biçiminde olmalıdır"
    if when > now:
        return "consentDate gelecekte olamaz"
    if now - when > timedelta(days=3):
        return "consentDate 3 günden eski olamaz"
    return None
