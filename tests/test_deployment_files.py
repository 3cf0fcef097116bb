"""The deployment files stay valid: docker-compose.yml passes `docker compose config`."""

import os
import shutil
import subprocess
import sys

import pytest
from django.conf import settings

COMPOSE = (["docker", "compose"] if subprocess.run(
    ["docker", "compose", "version"], capture_output=True).returncode == 0
    else ["docker-compose"]) if shutil.which("docker") else ["docker-compose"]


@pytest.mark.skipif(not shutil.which(COMPOSE[0]), reason="no docker compose client installed")
def compose(*arguments: str, **environment: str) -> subprocess.CompletedProcess:
    return subprocess.run([*COMPOSE, *arguments], cwd=settings.BASE_DIR, capture_output=True,
                          text=True, env={**os.environ, **environment})


SECRETS = {"DJANGO_SECRET_KEY": "k" * 50, "POSTGRES_PASSWORD": "owner", "APP_DB_PASSWORD": "app",
           "SECRETS_ENCRYPTION_KEYS": "k"}


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
    assert result.stdout.count("DATABASE_MIGRATE_URL") == 1  # the owner's password too
    assert "postgres://iys_app:app@postgres" in result.stdout


@pytest.mark.skipif(not shutil.which(COMPOSE[0]), reason="no docker compose client installed")
def test_docker_compose_is_production_safe_unless_the_demo_override_is_used():
    secure = compose("config", **SECRETS)
    assert secure.returncode == 0, secure.stderr
    assert 'DJANGO_SSL_REDIRECT: "true"' in secure.stdout
    assert 'DJANGO_SECURE_COOKIES: "true"' in secure.stdout
    demo = compose("-f", "docker-compose.yml", "-f", "docker-compose.override.example.yml",
                   "config", **SECRETS)
    assert demo.returncode == 0, demo.stderr
    assert 'DJANGO_SSL_REDIRECT: "false"' in demo.stdout


# Production settings as a deployment sets them (no database connection is needed).
PRODUCTION = {"DJANGO_ENV": "production", "DJANGO_SETTINGS_MODULE": "config.settings.production",
              "DJANGO_SECRET_KEY": "a-production-secret-" + "x1y2z3" * 8,
              "DJANGO_ALLOWED_HOSTS": "iys.example.com",
              "SECRETS_ENCRYPTION_KEYS": "cw_0x689RpI-jtRR7oE8h_eQsKImvJ8-ucsE0a9ia2M=",
              "DATABASE_URL": "postgres://iys_app:app@127.0.0.1:5432/iys_hub"}


def manage(*arguments: str, **environment: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith("DJANGO_") and k not in ("SECRETS_ENCRYPTION_KEYS",)}
    return subprocess.run([sys.executable, "manage.py", *arguments], cwd=settings.BASE_DIR,
                          capture_output=True, text=True, env={**clean, **environment},
                          timeout=120)


def test_check_deploy_with_production_settings_warns_of_nothing():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_when_https_is_turned_off():
    """The demo override's settings: the same check sees what they give up."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION,
                    DJANGO_SSL_REDIRECT="false", DJANGO_HSTS_SECONDS="0",
                    DJANGO_SECURE_COOKIES="false")
    assert result.returncode != 0
    for warning in ("W004", "W008", "W012", "W016"):
        assert warning in result.stderr


def test_manage_py_takes_the_production_settings_when_djangos_env_says_production():
    environment = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = manage("shell", "-c", "from django.conf import settings; "
                    "print(settings.SETTINGS_MODULE, settings.DEBUG)", **environment)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["config.settings.production", "False"]


@pytest.mark.parametrize("environment", [
    {"DJANGO_SETTINGS_MODULE": "config.settings.local"},  # local settings on a production host
    {"DJANGO_SECRET_KEY": "dev-only-not-secret-change-me"},
    {"DJANGO_SECRET_KEY": "short"},
    {"DJANGO_DEBUG": "true"},
    {"SECRETS_ENCRYPTION_KEYS": ""},
])
def test_production_refuses_to_start_unsafe(environment):
    result = manage("check", **{**PRODUCTION, **environment})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
