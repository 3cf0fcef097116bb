import json
import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
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
DEMO_LOGINS = (("admin", ADMIN), ("marketer", MARKETER), ("staff", STAFF))
# The demo passwords `make run` printed, kept so that the next run prints them again instead
# of making new ones. Local state of a demo (var/, never committed), readable by its owner only.
DEMO_PASSWORDS_FILE = Path(settings.VAR_DIR) / "demo-logins.json"


class Command(BaseCommand):
    help = ("Create demo logins (one per role) and demo profile attributes, and print the "
            "logins. Existing demo logins keep their passwords.")

    def add_arguments(self, parser):
        parser.add_argument("--sandbox-url", default="",
                            help="Point the İYS connector at this İYS sandbox.")
        parser.add_argument("--panel-url", default="http://127.0.0.1:8000/admin/",
                            help="The panel's address, as the banner prints it.")
        parser.add_argument("--passwords-file", type=Path, default=DEMO_PASSWORDS_FILE,
                            help="Where the demo passwords are kept between runs.")

    def handle(self, *args, sandbox_url: str, panel_url: str, passwords_file: Path,
               **options):
        self.passwords_file = passwords_file
        for name, label, type_ in DEMO_ATTRIBUTES:
            ProfileAttribute.objects.get_or_create(name=name,
                                                   defaults={"label": label, "type": type_})
        if sandbox_url:
            connector_configure(base_url=sandbox_url, username="demo", password="demo-password",
                                iys_code="100000", brand_code="100001", integrator=True)
        known = self._known_passwords()
        lines = []
        for username, role in DEMO_LOGINS:
            password = self._login(username, role, known)
            shown = password or "(kept as it was set; not shown)"
            lines.append(f"  {role:<9} user: {username:<9} password: {shown}")
        self._keep_passwords(known)
        banner = "=" * 64
        self.stdout.write("\n".join([banner, f"  İYS Permission Hub: {panel_url}", *lines,
                                     banner]))

    def _login(self, username: str, role: str, known: dict[str, str]) -> str | None:
        """The demo login's password: the one printed before when it still works; a new one
        only for a login that does not exist yet. A password someone changed is left alone."""
        user = get_user_model().objects.filter(username=username).first()
        if user is not None:
            password = known.get(username)
            if password and user.check_password(password):
                return password
            if user.has_usable_password():
                return None
        _user, password = user_with_role(username=username, role=role)
        known[username] = password
        return password

    def _known_passwords(self) -> dict[str, str]:
        try:
            return json.loads(self.passwords_file.read_text())
        except (OSError, ValueError):
            return {}

    def _keep_passwords(self, known: dict[str, str]) -> None:
        self.passwords_file.touch(mode=0o600, exist_ok=True)
        os.chmod(self.passwords_file, 0o600)
        self.passwords_file.write_text(json.dumps(known, indent=2))
