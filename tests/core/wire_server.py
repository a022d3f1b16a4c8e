"""A tiny loopback HTTP server that records requests byte for byte and answers from a script.

For what the sandbox does not show: the exact framing of an upload (Content-Length, no
chunking, multipart parts), redirects to another host, and arbitrary error bodies.
"""
from __future__ import annotations

import json
import re
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]          # lower-case names
    header_names: list[str]          # as sent
    body: bytes
    chunked: bool


@dataclass
class Answer:
    status: int = 200
    body: bytes | str | dict | list = b"{}"
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        body = self.body
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        if isinstance(body, str):
            body = body.encode("utf-8")
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        return body, headers


Route = Callable[[Recorded], Answer]


class WireServer:
    """`on(method, path_regex, answer_or_fn)`; unmatched requests get 404. `.requests`
    holds every request received."""

    def __init__(self, host: str = "127.0.0.1"):
        self.requests: list[Recorded] = []
        self._routes: list[tuple[str, re.Pattern, Route]] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _handle(self) -> None:
                owner._serve(self)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url_for(self, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        return self.url_for()

    def on(self, method: str, path: str, answer: Answer | Route) -> None:
        route = answer if callable(answer) else (lambda _rec, a=answer: a)
        self._routes.insert(0, (method.upper(), re.compile(path), route))

    def __enter__(self) -> "WireServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ---- serving ---------------------------------------------------------------------------
    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        chunked = "chunked" in (h.headers.get("Transfer-Encoding") or "").lower()
        if chunked:
            body = _read_chunked(h.rfile)
        else:
            body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        parts = urlsplit(h.path)
        rec = Recorded(h.command, parts.path, parse_qsl(parts.query, keep_blank_values=True),
                       {k.lower(): v for k, v in h.headers.items()}, list(h.headers.keys()),
                       body, chunked)
        with self._lock:
            self.requests.append(rec)
        for method, pattern, route in self._routes:
            if method == h.command and pattern.search(parts.path):
                answer = route(rec)
                break
        else:
            answer = Answer(404, {"errors": [{"message": "The specified resource does not exist."}]})
        if answer is None:  # a route may drop the connection instead of answering
            h.close_connection = True
            h.connection.shutdown(socket.SHUT_RDWR)
            return
        payload, headers = answer.encoded()
        h.send_response(answer.status)
        for name, value in headers.items():
            h.send_header(name, value)
        h.send_header("Content-Length", str(len(payload)))
        h.end_headers()
        h.wfile.write(payload)


def _read_chunked(stream) -> bytes:
    out = bytearray()
    while True:
        size = int(stream.readline().split(b";")[0].strip() or b"0", 16)
        if size == 0:
            stream.readline()
            return bytes(out)
        out += stream.read(size)
        stream.readline()
