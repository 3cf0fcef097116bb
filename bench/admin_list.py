"""Time the admin contacts list (filters and exact searches) on the bench database.

    python bench/admin_list.py

Run it after `bench/upload.py --rows 1000000` has filled the bench database (DATABASE_URL,
default the bench's own). Renders each list through Django's test client as a superuser,
six times, and prints the median and the slowest of the last five in milliseconds.
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.upload import django_setup


def main() -> None:
    django_setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from consents.models import Contact

    user, _created = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True})
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    total = Contact.objects.count()
    contact = Contact.objects.order_by("id")[total // 2]
    phone = contact.phone.replace("+", "%2B")
    cases = {
        "filter": "?email_permission__exact=opt_in",
        "filter + e-mail search": f"?email_permission__exact=opt_in&q={contact.email}",
        "filter + phone search": f"?sms_permission__exact={contact.sms_permission}&q={phone}",
        "phone search": f"?q={phone}",
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
        print(f"{name:28} median {statistics.median(times[1:]):6.1f} ms   "
              f"slowest {max(times[1:]):6.1f} ms   first {times[0]:6.1f} ms   "
              f"shows the contact: {found}")


if __name__ == "__main__":
    main()
