"""The İYS sandbox on a free loopback port, and a connector pointed at it."""

import contextlib
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.cache import cache

from connectors.iys.client import IysClient
from connectors.sandbox.server import SandboxConfig, SandboxServer, serve
from connectors.sandbox.state import SandboxState
from connectors.services import connector_configure, guard
from tests.connectors.contract import ContractRecorder


@pytest.fixture(autouse=True)
def iys_contract(request, monkeypatch) -> Iterator[ContractRecorder]:
    """Every connector test checks the İYS contract (openapi.json): each answer a sandbox
    gives and each request an IysClient sends. A test fails when either side drifts.
    ``@pytest.mark.invalid_requests``: the test sends invalid requests on purpose; their
    answers are still checked."""
    recorder = ContractRecorder(
        check_requests=request.node.get_closest_marker("invalid_requests") is None)
    client_init = IysClient.__init__

    def init_with_contract_hook(self, *args, **kwargs) -> None:
        client_init(self, *args, **kwargs)
        self.session.hooks["response"].append(recorder.client_response)

    monkeypatch.setattr(IysClient, "__init__", init_with_contract_hook)
    yield recorder
    assert not recorder.problems, "İYS contract broken:\n" + "\n".join(recorder.problems)


@pytest.fixture(autouse=True)
def whitelist_counts_fresh() -> None:
    """The whitelist guard's answer counts live in the shared cache: each test starts at 0."""
    hour = int(time.time() // 3600)
    cache.delete_many([guard._bucket(kind, h) for kind in ("total", "failed")
                       for h in range(hour - guard.HOURS, hour + 1)])


@pytest.fixture
def start_sandbox(tmp_path, iys_contract) -> Iterator[Callable[..., SandboxServer]]:
    """Start a sandbox (options as in SandboxConfig); stopped after the test."""
    servers: list[SandboxServer] = []

    def start(**options) -> SandboxServer:
        state = SandboxState(tmp_path / f"sandbox-{len(servers)}")
        server = serve(SandboxConfig(**{"bulk_delay": 0.2, "retry_after": 0.2, **options}),
                       state)
        server.observers.append(iys_contract.sandbox_exchange)
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
