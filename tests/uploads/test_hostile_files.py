"""Hostile files (issue 19, part 6): refused with a clear message, never a crash, and nothing
of them stored, through the wizard and through `import_contacts`."""

import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from tests.uploads.hostile import hostile_files
from uploads.models import Upload

pytestmark = pytest.mark.usefixtures("attributes", "integrator")
ADD = reverse("admin:uploads_upload_add")


@pytest.fixture
def private_root(settings, tmp_path):
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "private"
    return settings.PRIVATE_UPLOAD_ROOT


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return hostile_files(tmp_path_factory.mktemp("hostile"))


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_the_corpus_has_at_least_40_files(corpus):
    assert len(corpus) >= 40


def test_the_wizard_refuses_each_hostile_file_clearly_and_keeps_nothing(
        marketer_client, private_root, corpus):
    unclear = []
    for path, phrase in corpus:
        with open(path, "rb") as file:
            response = marketer_client.post(ADD, {"name": "x", "file": file, "mode": "iys"})

        page = " ".join(response.content.decode().split())
        assert response.status_code == 200, path.name
        errors = " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page))
        if phrase not in errors:
            unclear.append((path.name, errors))
        assert not Upload.objects.exists(), path.name
        assert stored_files(private_root) == [], path.name
    assert unclear == [], "\n".join(map(str, unclear))


def test_import_contacts_refuses_each_hostile_file_on_stderr_and_keeps_nothing(
        capsys, private_root, corpus):
    unclear = []
    for path, phrase in corpus:
        try:
            call_command("import_contacts", str(path), "--status", "iys")
        except SystemExit as exit_:
            code = exit_.code
        except CommandError as error:  # manage.py prints it on stderr and exits 1
            code, message = 1, str(error)
        else:
            code = 0
        out, err = capsys.readouterr()
        message = err if code == 2 else message if code == 1 else ""
        assert code != 0, path.name
        if phrase not in message:
            unclear.append((path.name, message))
        assert "Traceback" not in err + out
        assert not Upload.objects.exists(), path.name
        assert stored_files(private_root) == [], path.name
    assert unclear == [], "\n".join(map(str, unclear))


def test_a_refusal_is_translated(marketer_client, private_root, corpus):
    path = dict((p.name, p) for p, _phrase in corpus)["gzip_renamed.txt"]
    # override: the request switches this thread to Turkish; the next tests read English
    with open(path, "rb") as file, translation.override("en"):
        response = marketer_client.post(ADD, {"name": "x", "file": file, "mode": "iys"},
                                        HTTP_ACCEPT_LANGUAGE="tr")

    assert "sıkıştırılmış (gzip)" in response.content.decode()
