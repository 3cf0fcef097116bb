"""`make run` prints the demo logins; a second run prints the same passwords, not new ones."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def _run(passwords_file, *options) -> dict[str, str]:
    out = StringIO()
    call_command("setup_demo", "--passwords-file", str(passwords_file), *options, stdout=out)
    return dict(re.findall(r"user: (\w+)\s+password: (.+)", out.getvalue()))


def test_a_second_run_keeps_and_prints_the_same_passwords(tmp_path):
    first = _run(tmp_path / "demo.json", "--panel-url", "http://127.0.0.1:8100/admin/")
    second = _run(tmp_path / "demo.json")
    assert set(first) == {"admin", "marketer", "staff"}
    assert second == first
    for username, password in first.items():
        assert get_user_model().objects.get(username=username).check_password(password)
    assert oct((tmp_path / "demo.json").stat().st_mode & 0o777) == "0o600"


def test_a_password_someone_changed_is_not_reset(tmp_path):
    _run(tmp_path / "demo.json")
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("my own password")
    admin.save()
    again = _run(tmp_path / "demo.json")
    admin.refresh_from_db()
    assert admin.check_password("my own password")
    assert "not shown" in again["admin"]


def test_the_banner_names_the_panels_address(tmp_path):
    out = StringIO()
    call_command("setup_demo", "--passwords-file", str(tmp_path / "d.json"),
                 "--panel-url", "http://127.0.0.1:8100/admin/", stdout=out)
    assert "İYS Permission Hub: http://127.0.0.1:8100/admin/" in out.getvalue()
