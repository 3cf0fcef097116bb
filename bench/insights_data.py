"""Data for the dashboard and segment benchmarks, generated in SQL (generate_series): a
million contacts and five million events in a minute or two, not an upload's hours.

Used by bench/dashboard.py and bench/segments.py on their own database
(DATABASE_URL, default `iys_hub_insightsbench`, created and migrated here).
"""

import json
import time

# What the generated contacts hold: a city (text), an age (number), a signup date (date).
CITIES = ("istanbul", "ankara", "izmir", "bursa", "antalya", "adana", "konya", "gaziantep",
          "kayseri", "trabzon")
ATTRIBUTES = (("city", "City", "text"), ("age", "Age", "number"), ("signup", "Signup", "date"))

_CONTACTS = """
INSERT INTO consents_contact (id, email, phone, external_id, email_permission, sms_permission,
                              call_permission, email_iys_status, sms_iys_status, call_iys_status,
                              attributes, created_at, updated_at)
SELECT i, 'kisi' || i || '@example.com', '+90532' || lpad(i::text, 7, '0'), 'ext-' || i,
       CASE WHEN i %% 10 < 6 THEN 'opt_in' ELSE 'opt_out' END,
       CASE WHEN i %% 7 < 4 THEN 'opt_in' ELSE 'opt_out' END,
       CASE WHEN i %% 5 < 1 THEN 'opt_in' ELSE 'opt_out' END,
       CASE WHEN i %% 10 < 5 THEN 'ONAY' WHEN i %% 10 = 9 THEN 'RET' ELSE '' END,
       CASE WHEN i %% 7 < 3 THEN 'ONAY' WHEN i %% 7 = 6 THEN 'RET' ELSE '' END,
       CASE WHEN i %% 5 < 1 THEN 'ONAY' ELSE '' END,
       jsonb_build_object('city', (%(cities)s::text[])[1 + i %% 10], 'age', 18 + i %% 63,
                          'signup', (date '2024-01-01' + (i %% 700))::text),
       now() - (i %% 365) * interval '1 day', now() - (i %% 90) * interval '1 day'
FROM generate_series(1, %(contacts)s) AS i
"""
# Two current consents per contact (MESAJ, EPOSTA) in a spread of İYS states.
_CONSENTS = """
INSERT INTO consents_consent (id, contact_id, recipient, recipient_type, type, status, source,
    consent_date, is_current, iys_state, iys_transaction_id, iys_request_id, iys_error_code,
    iys_error_message, iys_attempts, iys_updated_at, created_at)
SELECT 2 * c.i - t.k, c.i,
       CASE t.k WHEN 0 THEN 'kisi' || c.i || '@example.com'
                ELSE '+90532' || lpad(c.i::text, 7, '0') END,
       'BIREYSEL', CASE t.k WHEN 0 THEN 'EPOSTA' ELSE 'MESAJ' END,
       CASE WHEN (c.i + t.k) %% 10 < 7 THEN 'ONAY' ELSE 'RET' END, 'HS_WEB',
       now() - (c.i %% 365) * interval '1 day', true,
       s.state, '', '', s.code, s.message, 1, now(), now() - (c.i %% 365) * interval '1 day'
FROM generate_series(1, %(contacts)s) AS c(i)
CROSS JOIN (VALUES (0), (1)) AS t(k)
CROSS JOIN LATERAL (SELECT * FROM (VALUES
    (0, 'accepted', '', ''), (1, 'accepted', '', ''), (2, 'accepted', '', ''),
    (3, 'accepted', '', ''), (4, 'accepted', '', ''), (5, 'accepted', '', ''),
    (6, 'pending', '', ''), (7, 'rejected', 'H178', 'Not newer than the stored consent'),
    (8, 'local', 'LATE', ''), (9, 'local', '', '')) AS v(n, state, code, message)
    WHERE v.n = (c.i * 3 + t.k) %% 10) AS s
"""
# Consent events spread over a year and the four origins, plus İYS's answers.
_EVENTS = """
INSERT INTO consents_consentevent (contact_id, consent_id, kind, field, before, after, origin,
    origin_reference, row_number, actor_id, actor_label, created_at)
SELECT 1 + i %% %(contacts)s, NULL,
       CASE WHEN i %% 5 = 4 THEN 'delivery' ELSE 'consent' END, 'MESAJ', NULL,
       CASE WHEN i %% 5 = 4 THEN jsonb_build_object(
                'iys_state', (ARRAY['accepted', 'accepted', 'rejected', 'local'])[1 + i %% 4],
                'error_code', CASE WHEN i %% 4 = 3 THEN 'LATE' ELSE '' END)
            ELSE jsonb_build_object('status', CASE WHEN i %% 3 = 0 THEN 'RET' ELSE 'ONAY' END,
                                    'permission', 'opt_in') END,
       (ARRAY['upload', 'api', 'iys_pull', 'admin'])[1 + i %% 4], 'bench', NULL, NULL, '',
       now() - ((i::bigint * 7919) %% (365 * 24 * 60)) * interval '1 minute' - interval '2 minutes'
FROM generate_series(1, %(events)s) AS i
"""


def generate(*, contacts: int, events: int) -> dict[str, float]:
    """Empty the bench tables and fill them; returns the seconds each step took."""
    from django.db import connection

    from bench.upload import connector_integrator
    from consents.models import ProfileAttribute

    connector_integrator()  # installed: sendable needs İYS's ONAY (consents.selectors)
    for name, label, type_ in ATTRIBUTES:
        ProfileAttribute.objects.get_or_create(name=name, defaults={"label": label, "type": type_})
    took = {}
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE consents_consentevent, consents_consent, consents_contact, "
                       "insights_dailycount, insights_dailycountcursor, "
                       "insights_dashboardsnapshot RESTART IDENTITY CASCADE")
        for name, sql in (("contacts", _CONTACTS), ("consents", _CONSENTS),
                          ("events", _EVENTS)):
            started = time.monotonic()
            cursor.execute(sql, {"contacts": contacts, "events": events,
                                 "cities": list(CITIES)})
            took[name] = round(time.monotonic() - started, 1)
        for table in ("consents_contact", "consents_consent"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT max(id) FROM {table}))")
        started = time.monotonic()
        cursor.execute("VACUUM ANALYZE consents_contact")
        cursor.execute("VACUUM ANALYZE consents_consent")
        cursor.execute("VACUUM ANALYZE consents_consentevent")
        took["vacuum"] = round(time.monotonic() - started, 1)
    return took


def report_show(report: dict, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")
