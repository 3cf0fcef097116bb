from datetime import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone, translation

from consents.rules import TURKEY
from tests.uploads.factories import IysConnectorFactory, attributes_create
from uploads import tasks
from uploads.models import Upload
from uploads.services import upload_create_from_path, upload_matching_save, upload_run

FIXTURES = Path(__file__).parent / "fixtures"
# The day after the seed's Case 3 consent (07.08.25 10:25:00), a Friday, Turkey time.
NOW = datetime(2025, 8, 8, 10, 0, tzinfo=TURKEY)


@pytest.fixture
def frozen_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


@pytest.fixture
def attributes(db):
    attributes_create()


@pytest.fixture
def integrator(db):
    return IysConnectorFactory(integrator_mode=True)


@pytest.fixture
def sync_connector(db):
    return IysConnectorFactory(integrator_mode=False)


@pytest.fixture
def no_worker(monkeypatch):
    """Run the queued task in the test process, after commit, as the worker would."""
    monkeypatch.setattr(tasks.upload_process, "delay",
                        lambda upload_id: tasks.upload_process.apply(args=[upload_id]))


def fixture_path(name: str) -> Path:
    return FIXTURES / name


def run_upload_file(path: Path, mode: str = Upload.Mode.IYS, **options) -> Upload:
    """Upload a file as the wizard does, with the auto-detected matching, and run it."""
    upload = upload_create_from_path(path=path, mode=mode, **options)
    upload = upload_matching_save(upload=upload, mapping=upload.mapping)
    return upload_run(upload_id=upload.pk)


def run_upload(name: str, mode: str = Upload.Mode.IYS, mapping: dict[str, str] | None = None,
               ) -> Upload:
    """Upload a fixture file as the wizard does: store, match (auto + overrides), run."""
    upload = upload_create_from_path(path=fixture_path(name), mode=mode)
    targets = list(upload.mapping)
    for header, target in (mapping or {}).items():
        targets[upload.headers.index(header)] = target
    upload = upload_matching_save(upload=upload, mapping=targets)
    if upload.state == Upload.State.BLOCKED:
        return upload
    return upload_run(upload_id=upload.pk)


@pytest.fixture(autouse=True)
def language_reset():
    """A request in Turkish (LocaleMiddleware) leaves Turkish active in the test's thread:
    back to the settings' language after each test."""
    yield
    translation.activate(settings.LANGUAGE_CODE)
