import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from accounts.roles import ADMIN, MARKETER, STAFF
from accounts.services import user_with_role
from consents.choices import Origin
from consents.services import ChangeOrigin


@pytest.fixture
def origin() -> ChangeOrigin:
    return ChangeOrigin(kind=Origin.SYSTEM, reference="test")


def _role_client(client, role: str):
    user, _password = user_with_role(username=role.lower(), role=role)
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def admin_role_client(client, db):
    return _role_client(client, ADMIN)


@pytest.fixture
def marketer_client(client, db):
    return _role_client(client, MARKETER)


@pytest.fixture
def staff_client(client, db):
    return _role_client(client, STAFF)


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "pw")


def celery_env(extra_env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a Celery process on the test database (and the test broker)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail("worker tests need PostgreSQL (run them through `make test`)")
    db = connection.settings_dict
    database_url = (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}"
                    f":{db['PORT'] or 5432}/{db['NAME']}")
    return {**os.environ, "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "config.settings.test", **(extra_env or {})}


def celery_worker_start(extra_env: dict[str, str] | None = None,
                        pool: str = "prefork") -> subprocess.Popen:
    """Start a Celery worker process on the test database and broker; wait until it answers.

    ``extra_env``: settings for the worker (e.g. UPLOAD_CHUNK_ROWS); ``pool="solo"``: the
    tasks run in the process itself, so killing it kills them."""
    from config.celery_app import app

    name = f"test-{uuid.uuid4().hex[:8]}@localhost"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "WARNING",
         "--concurrency", "1", "--pool", pool, "--hostname", name, "--without-gossip",
         "--without-mingle"],
        env=celery_env(extra_env), cwd=settings.BASE_DIR)
    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[name], timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("the Celery worker did not start")
    return process


def celery_worker_stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def celery_worker_process(transactional_db):
    """A real Celery worker in its own process, on the test database and the test broker.

    Tests using it commit their data (transactional_db) so that the worker can see it.
    """
    from config.celery_app import app

    app.control.purge()
    process = celery_worker_start()
    yield process
    celery_worker_stop(process)


# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made by the
# test body around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium():
    """Debian's chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, locale="en-US",
                                   extra_http_headers={"Accept-Language": "en"})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Keep a screenshot as a test artefact under test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def panel_login(page, username: str, password: str) -> None:
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
