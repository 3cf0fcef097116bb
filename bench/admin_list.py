"""Time the admin contacts list (filters and searches) on the bench database.

    python bench/admin_list.py [--fill 100000]

Runs on DATABASE_URL (default the bench's own, `iys_hub_bench`). With --fill N it first tops
the contacts up to N (created and migrated if needed; bulk inserts, e-mails spread over
gmail.com 30%, hotmail.com 20% and 2,000 company domains); without it, run it after
`bench/upload.py --rows 1000000` has filled the database. For a million contacts:
`python bench/admin_list.py --fill 1000000` (about 3 minutes of inserts, then the timings).

Renders each list through Django's test client as a superuser, six times, and prints the
median and the slowest of the last five in milliseconds, and the first render.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.datagen import CITIES, FIRST, LAST, external_id, phone
from bench.upload import django_setup

FILL_BATCH = 10_000


def email(index: int) -> str:
    bucket = index % 10
    domain = ("gmail.com" if bucket < 3 else "hotmail.com" if bucket < 5
              else f"firma{index % 2000}.com.tr")
    return f"musteri{index}@{domain}"


def contacts_fill(total: int) -> None:
    """Top the contacts up to `total` (identifiers as bench/datagen.py writes them)."""
    from django.core.management import call_command
    from django.db import connection

    from consents.models import Contact

    call_command("migrate", verbosity=0)
    start = Contact.objects.count()
    for first in range(start, total, FILL_BATCH):
        Contact.objects.bulk_create([
            Contact(email=email(i), phone=phone(i), external_id=external_id(i),
                    email_permission="opt_in" if i % 2 else "opt_out",
                    sms_permission="opt_in" if i % 3 else "opt_out",
                    attributes={"first_name": FIRST[i % len(FIRST)],
                                "last_name": LAST[i % len(LAST)],
                                "city": CITIES[i % len(CITIES)]})
            for i in range(first, min(first + FILL_BATCH, total))])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE consents_contact")


def database_create() -> None:
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    with psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432,
                         user=db["USER"], password=db["PASSWORD"] or None, dbname="postgres",
                         autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                             [db["NAME"]]).fetchone():
            admin.execute(f'CREATE DATABASE "{db["NAME"]}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fill", type=int, default=0,
                        help="top the contacts up to this many first")
    args = parser.parse_args()
    django_setup()
    if args.fill:
        database_create()
        contacts_fill(args.fill)
    from django.contrib.auth import get_user_model
    from django.test import Client

    from consents.models import Contact

    user, _created = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True})
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    total = Contact.objects.count()
    contact = Contact.objects.order_by("id")[total // 2]
    # A company domain (a few dozen contacts) when the fill made them; else the middle one's.
    contact = (Contact.objects.filter(pk__gte=contact.pk, email__contains="@firma")
               .order_by("id").first() or contact)
    phone_e164 = contact.phone.replace("+", "%2B")
    national = contact.phone[3:]  # 5XXXXXXXXX
    domain = contact.email.split("@")[1]
    cases = {
        "filter": "?email_permission__exact=opt_in",
        "filter + e-mail search": f"?email_permission__exact=opt_in&q={contact.email}",
        "filter + phone search": f"?sms_permission__exact={contact.sms_permission}"
                                 f"&q={phone_e164}",
        "phone search": f"?q={phone_e164}",
        "phone 0532… with spaces": f"?q=0{national[:3]}+{national[3:6]}+{national[6:]}",
        "phone 532…": f"?q={national}",
        "phone 90532…": f"?q=90{national}",
        "phone +90 532 …": f"?q=%2B90+{national[:3]}+{national[3:]}",
        f"domain @{domain}": f"?q=%40{domain}",
        "domain @gmail.com (30%)": "?q=%40gmail.com",
        "domain, no match": "?q=%40nowhere.example",
        "external ID prefix (narrow)": f"?q={contact.external_id[:-1]}",
        "external ID prefix (broad)": f"?q={contact.external_id[:4]}",
        "İYS status filter": "?iys_status=ONAY",
        "İYS status + e-mail search": f"?iys_status=ONAY&q={contact.email}",
        "filter + search, no match": "?email_permission__exact=opt_in&q=nobody%40example.com",
    }
    print(f"{total} contacts")
    for name, query in cases.items():
        times = []
        for _run in range(6):
            started = time.perf_counter()
            response = client.get("/admin/consents/contact/" + query)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        found = contact.email in response.content.decode()
        print(f"{name:30} median {statistics.median(times[1:]):6.1f} ms   "
              f"slowest {max(times[1:]):6.1f} ms   first {times[0]:6.1f} ms   "
              f"shows the contact: {found}")


if __name__ == "__main__":
    main()
