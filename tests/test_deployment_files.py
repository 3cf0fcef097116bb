"""The deployment files stay valid: docker-compose.yml passes `docker compose config`."""

import os
import shutil
import subprocess

import pytest
from django.conf import settings

COMPOSE = (["docker", "compose"] if subprocess.run(
    ["docker", "compose", "version"], capture_output=True).returncode == 0
    else ["docker-compose"]) if shutil.which("docker") else ["docker-compose"]


@pytest.mark.skipif(not shutil.which(COMPOSE[0]), reason="no docker compose client installed")
def compose(*arguments: str, **environment: str) -> subprocess.CompletedProcess:
    return subprocess.run([*COMPOSE, *arguments], cwd=settings.BASE_DIR, capture_output=True,
                          text=True, env={**os.environ, **environment})


SECRETS = {"DJANGO_SECRET_KEY": "k" * 50, "POSTGRES_PASSWORD": "owner", "APP_DB_PASSWORD": "app"}


@pytest.mark.skipif(not shutil.which(COMPOSE[0]), reason="no docker compose client installed")
def test_docker_compose_config_is_valid():
    result = compose("config", "--services", **SECRETS)
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == {"postgres", "redis", "migrate", "web", "worker",
                                          "beat"}


@pytest.mark.skipif(not shutil.which(COMPOSE[0]), reason="no docker compose client installed")
@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_docker_compose_refuses_to_start_without_its_secrets(missing):
    result = compose("config", **{**SECRETS, missing: ""})
    assert result.returncode != 0
    assert missing in result.stderr


@pytest.mark.skipif(not shutil.which(COMPOSE[0]), reason="no docker compose client installed")
def test_the_app_connects_as_its_own_role_and_only_migrate_as_the_owner():
    result = compose("config", **SECRETS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("DJANGO_DB_ROLE: owner") == 1  # the migrate service alone
    assert "postgres://iys_app:app@postgres" in result.stdout
