"""The İYS sandbox on a free loopback port, and a connector pointed at it."""

import contextlib
import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from connectors.iys.client import IysClient
from connectors.sandbox.server import SandboxConfig, SandboxServer, serve
from connectors.sandbox.state import SandboxState
from connectors.services import connector_configure


@pytest.fixture
def start_sandbox(tmp_path) -> Iterator[Callable[..., SandboxServer]]:
    """Start a sandbox (options as in SandboxConfig); stopped after the test."""
    servers: list[SandboxServer] = []

    def start(**options) -> SandboxServer:
        state = SandboxState(tmp_path / f"sandbox-{len(servers)}")
        server = serve(SandboxConfig(**{"bulk_delay": 0.2, "retry_after": 0.2, **options}),
                       state)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def sandbox(start_sandbox) -> SandboxServer:
    return start_sandbox()


def configure(server: SandboxServer, *, integrator: bool = True):
    config = server.config
    return connector_configure(base_url=server.url, username=config.username,
                               password=config.password, iys_code=config.iys_code,
                               brand_code=config.brand_code, integrator=integrator)


def client_for(server: SandboxServer, **options) -> IysClient:
    config = server.config
    return IysClient(base_url=server.url, iys_code=config.iys_code,
                     brand_code=config.brand_code, username=config.username,
                     password=config.password, **{"backoff_base": 0.05, **options})


def kill_worker(process) -> None:
    """SIGKILL a Celery worker and its pool children: a crash, not a shutdown."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    for pid in [*children, str(process.pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid), signal.SIGKILL)
    process.wait(timeout=10)
