"""Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords the panel shows
a translated lockout page, the right password is refused while locked, and only the Admin
role sees (and can clear) the lockouts."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model

from accounts.roles import ADMIN, MARKETER, STAFF
from accounts.services import user_with_role
from tests.conftest import panel_login, screenshot

LOGIN = "/admin/login/"


def sign_in(client, username: str, password: str, ip: str = "10.1.2.3", **headers):
    return client.post(LOGIN, {"username": username, "password": password,
                               "next": "/admin/"}, REMOTE_ADDR=ip, headers=headers)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def marketer(db):
    return user_with_role(username="pinar", role=MARKETER)


@pytest.mark.django_db
def test_wrong_passwords_lock_the_sign_in_and_the_right_one_is_refused(client, settings,
                                                                       marketer):
    _user, password = marketer
    settings.AXES_FAILURE_LIMIT = 3
    answers = [sign_in(client, "pinar", "wrong-password") for _ in range(3)]
    assert [a.status_code for a in answers[:2]] == [200, 200]  # the form says it is wrong
    locked = answers[2]
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == 15 * 60
    assert b"signing in is locked for 15 minutes" in locked.content
    assert b'id="site-name"' in locked.content  # the panel's page, not bare text

    refused = sign_in(client, "pinar", password)
    assert refused.status_code == 429
    assert not signed_in(client)
    # Another address is locked out of this username too: guessing cannot move on.
    assert sign_in(client, "pinar", password, ip="10.9.9.9").status_code == 429
    assert not signed_in(client)


@pytest.mark.django_db
def test_the_lockout_page_speaks_turkish(client, settings, marketer):
    settings.AXES_FAILURE_LIMIT = 2
    sign_in(client, "pinar", "x")
    locked = sign_in(client, "pinar", "x", **{"Accept-Language": "tr"})
    assert locked.status_code == 429
    assert "15 dakika" in locked.content.decode()


@pytest.mark.django_db
def test_a_right_password_before_the_limit_starts_the_count_again(client, settings, marketer):
    _user, password = marketer
    settings.AXES_FAILURE_LIMIT = 3
    sign_in(client, "pinar", "wrong")
    sign_in(client, "pinar", "wrong")
    assert sign_in(client, "pinar", password).status_code == 302 and signed_in(client)
    client.logout()
    sign_in(client, "pinar", "wrong")
    sign_in(client, "pinar", "wrong")
    assert sign_in(client, "pinar", password).status_code == 302


@pytest.mark.django_db
def test_only_the_admin_role_sees_and_clears_lockouts(client, settings, marketer):
    settings.AXES_FAILURE_LIMIT = 2
    sign_in(client, "pinar", "x")
    sign_in(client, "pinar", "x")
    for role, allowed in ((ADMIN, True), (MARKETER, False), (STAFF, False)):
        user, _password = user_with_role(username=f"{role.lower()}-1", role=role)
        client.force_login(user)
        listing = client.get("/admin/axes/accessattempt/")
        assert listing.status_code == (200 if allowed else 403), role
        if allowed:
            assert b"pinar" in listing.content
    # The admin deletes the attempt: the marketer can sign in again.
    admin_user = get_user_model().objects.get(username="admin-1")
    client.force_login(admin_user)
    attempt = AccessAttempt.objects.get(username="pinar")
    client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    client.logout()
    assert sign_in(client, "pinar", marketer[1]).status_code == 302


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_lockout_in_a_real_browser(page, settings):
    settings.AXES_FAILURE_LIMIT = 3
    _user, password = user_with_role(username="selin", role=STAFF)
    for _ in range(3):
        panel_login(page, "selin", "wrong-password")
    assert page.get_by_role("alert").inner_text().startswith("Too many failed sign-ins.")
    assert page.locator("#site-name").inner_text() == "İYS Permission Hub"
    screenshot(page, "login-lockout")
    panel_login(page, "selin", password)
    assert page.get_by_role("alert").is_visible()
    assert page.goto("/admin/").url.endswith("/admin/login/?next=/admin/")
