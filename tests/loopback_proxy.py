"""A loopback HTTP proxy that lets the vendor double save a write, then mishandles its answer.

    with LocalServer(fake) as vendor, LoopbackProxy(vendor.base_url) as proxy:
        proxy.fault("POST", r"/crm/v3/objects/notes$", "drop")   # saved, never answered
        connector = HubSpotConnector(..., {"base_url": proxy.base_url})

Each rule applies to the next `times` requests it matches (then they pass untouched). Modes:

- `drop`: forward (the vendor saves), then close the client's connection without an answer;
- `hold`: forward, then keep the client waiting until `release()` (or the test kills it),
  then drop; `held` is set once a request is held;
- `delay:S`: forward, answer S seconds later;
- `garble`: forward, answer 200 with bytes that are not JSON;
- `5xx`: forward, answer 502 with an HTML error page (a gateway that lost the answer);
- `late:S`: drop the client's connection at once, forward S seconds later (the vendor saves
  late, after the client gave up);
- `slow:S`: forward S seconds after the request came, answer normally.

Only 127.0.0.1. Every request seen is in `seen` (method, path, body), for assertions.
"""

from __future__ import annotations

import http.client
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Rule:
    method: str
    path: re.Pattern[str]
    mode: str
    times: int


class LoopbackProxy:
    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.rules: list[Rule] = []
        self.seen: list[tuple[str, str, bytes]] = []
        self.held = threading.Event()
        self._release = threading.Event()
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                proxy.seen.append((self.command, self.path, body))
                mode = proxy._take(self.command, urlsplit(self.path).path)
                if mode.startswith("late:"):
                    self.close_connection = True
                    self.connection.close()
                    threading.Event().wait(float(mode[5:]))
                    proxy._forward(self.command, self.path, dict(self.headers), body)
                    return
                if mode.startswith("slow:"):
                    threading.Event().wait(float(mode[5:]))
                status, headers, data = proxy._forward(
                    self.command, self.path, dict(self.headers), body
                )
                if mode == "hold":
                    proxy.held.set()
                    proxy._release.wait()
                if mode in ("drop", "hold"):
                    self.close_connection = True
                    self.connection.close()
                    return
                if mode.startswith("delay:"):
                    threading.Event().wait(float(mode[6:]))
                if mode == "garble":
                    status, headers, data = 200, {"Content-Type": "application/json"}, b"{\x00<h"
                elif mode == "5xx":
                    status, headers = 502, {"Content-Type": "text/html"}
                    data = b"<html><body>502 Bad Gateway</body></html>"
                self.send_response(status)
                for key, value in headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client killed mid-answer is the point of these tests

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def fault(self, method: str, path: str, mode: str, times: int = 1) -> None:
        with self._lock:
            self.rules.append(Rule(method, re.compile(path), mode, times))

    def release(self) -> None:
        self._release.set()

    def _take(self, method: str, path: str) -> str:
        with self._lock:
            for rule in self.rules:
                if rule.times > 0 and rule.method == method and rule.path.search(path):
                    rule.times -= 1
                    return rule.mode
        return "pass"

    def _forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(*self.upstream, timeout=30)
        try:
            sent = {k: v for k, v in headers.items() if k.lower() not in ("host", "connection")}
            conn.request(method, path, body=body or None, headers=sent)
            answer = conn.getresponse()
            return answer.status, dict(answer.getheaders()), answer.read()
        finally:
            conn.close()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> LoopbackProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
