"""`manage.py iys_sandbox` runs as its own server and keeps its state on disk."""

import socket
import subprocess
import sys
import time

from django.conf import settings

from tests.connectors.conftest import client_for
from tests.connectors.test_iys_client import consent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(port: int, state_dir) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "manage.py", "iys_sandbox", "--port", str(port), "--state-dir",
         str(state_dir), "--username", "u", "--password", "p", "--iys-code", "7",
         "--brand-code", "8"], cwd=settings.BASE_DIR, stdout=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.1)


class Server:  # what client_for needs
    def __init__(self, port):
        self.url = f"http://127.0.0.1:{port}"
        self.config = type("C", (), {"iys_code": "7", "brand_code": "8", "username": "u",
                                     "password": "p"})


def test_the_sandbox_command_keeps_its_state_across_a_restart(tmp_path):
    port = free_port()
    process = start(port, tmp_path)
    try:
        client = client_for(Server(port))
        added = client.consent_add(consent())
    finally:
        process.terminate()
        process.wait(timeout=10)
    process = start(port, tmp_path)
    try:
        stored = client_for(Server(port)).consent_status(
            recipient="+905321112233", recipient_type="BIREYSEL", type="MESAJ")
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert stored["transactionId"] == added["transactionId"]
