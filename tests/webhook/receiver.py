"""A real HTTP receiver for webhook tests: records every request and answers as told (fail the
next N, hang until released)."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str


@dataclass
class Receiver:
    url: str = ""
    requests: list[Received] = field(default_factory=list)
    failures_left: int = 0
    failure_status: int = 500
    status: int = 200
    hang: bool = False
    released: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, times: int, status: int = 500) -> None:
        self.failures_left = times
        self.failure_status = status

    def answer(self) -> int:
        with self.lock:
            if self.failures_left > 0:
                self.failures_left -= 1
                return self.failure_status
            return self.status


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up (the timeout test) is expected


def start(receiver: Receiver) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length).decode()
            with receiver.lock:
                receiver.requests.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
            if receiver.hang:
                receiver.released.wait(10)
            status = receiver.answer()
            payload = b"" if status == 204 else f"answer {status}".encode()
            self.send_response(status)
            if status in (301, 302):
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if payload:
                self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = _QuietServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/easypay"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def closed_port_url() -> str:
    """A URL on this machine where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks"
