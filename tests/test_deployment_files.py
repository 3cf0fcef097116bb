"""The deployment files stay valid: docker-compose.yml passes `docker compose config`."""

import shutil
import subprocess

import pytest
from django.conf import settings

COMPOSE = (["docker", "compose"] if subprocess.run(
    ["docker", "compose", "version"], capture_output=True).returncode == 0
    else ["docker-compose"]) if shutil.which("docker") else ["docker-compose"]


@pytest.mark.skipif(not shutil.which(COMPOSE[0]), reason="no docker compose client installed")
def test_docker_compose_config_is_valid():
    result = subprocess.run([*COMPOSE, "config", "--services"], cwd=settings.BASE_DIR,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == {"postgres", "redis", "web", "worker", "beat"}
