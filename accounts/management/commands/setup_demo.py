from django.core.management.base import BaseCommand

from accounts.roles import ADMIN, MARKETER, STAFF
from accounts.services import user_with_role
from connectors.services import connector_configure
from consents.models import ProfileAttribute

DEMO_ATTRIBUTES = [
    ("first_name", "Ad / First name", ProfileAttribute.Type.TEXT),
    ("last_name", "Soyad / Last name", ProfileAttribute.Type.TEXT),
    ("city", "Şehir / City", ProfileAttribute.Type.TEXT),
    ("birth_date", "Doğum tarihi / Birth date", ProfileAttribute.Type.DATE),
    ("loyalty_points", "Puan / Loyalty points", ProfileAttribute.Type.NUMBER),
    ("vip", "VIP", ProfileAttribute.Type.BOOLEAN),
]


class Command(BaseCommand):
    help = "Create demo logins (one per role) and demo profile attributes, and print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--sandbox-url", default="",
                            help="Point the İYS connector at this İYS sandbox.")

    def handle(self, *args, sandbox_url: str, **options):
        for name, label, type_ in DEMO_ATTRIBUTES:
            ProfileAttribute.objects.get_or_create(name=name,
                                                   defaults={"label": label, "type": type_})
        if sandbox_url:
            connector_configure(base_url=sandbox_url, username="demo", password="demo-password",
                                iys_code="100000", brand_code="100001", integrator=True)
        lines = []
        for username, role in (("admin", ADMIN), ("marketer", MARKETER), ("staff", STAFF)):
            _user, password = user_with_role(username=username, role=role)
            lines.append(f"  {role:<9} user: {username:<9} password: {password}")
        banner = "=" * 64
        self.stdout.write("\n".join([banner, "  İYS Permission Hub: http://127.0.0.1:8000/admin/",
                                     *lines, banner]))
