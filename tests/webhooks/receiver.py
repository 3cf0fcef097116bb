"""A webhook receiver on loopback for tests: records what it got, can fail on purpose."""

import json
import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from webhooks.signing import EVENT_ID_HEADER, SIGNATURE_HEADER, signature_verify


class Receiver:
    def __init__(self, secret: str = "", fail_rate: float = 0.0, status: int = 200,
                 port: int = 0, seed: int = 7):
        self.secret, self.fail_rate, self.status = secret, fail_rate, status
        self.received: list[dict] = []  # every request that was answered 2xx
        self.attempts = 0
        self.bad_signatures = 0
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.attempts += 1
                    if receiver.secret and not signature_verify(
                            receiver.secret, self.headers.get(SIGNATURE_HEADER, ""), body):
                        receiver.bad_signatures += 1
                    fail = receiver.random.random() < receiver.fail_rate
                    status = 500 if fail else receiver.status
                    if 200 <= status < 300:
                        receiver.received.append({"id": self.headers.get(EVENT_ID_HEADER),
                                                  "body": json.loads(body)})
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"boom")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
