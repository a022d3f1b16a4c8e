"""The HTTP side: one handler per connection, faults, the `/__sandbox/` control routes."""
from __future__ import annotations

import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from . import api
from .body import BodyReader
from .faults import Fault

if TYPE_CHECKING:
    from .server import Sandbox

THROTTLE_BODY = b"403 Forbidden (Rate Limit Exceeded)\n"
PROXY_PAGES = {
    502: b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
         b"</h1></center></body></html>\n",
    503: b"<html><head><title>503 Service Temporarily Unavailable</title></head><body><center>"
         b"<h1>503 Service Temporarily Unavailable</h1></center></body></html>\n",
}
NOT_JSON_PAGE = (b"<!DOCTYPE html><html><head><title>Canvas is down for maintenance</title>"
                 b"</head><body><h1>We'll be right back.</h1></body></html>\n")


class SandboxHTTPServer(ThreadingHTTPServer):
    """Tracks open connections so `stop()` can cut them, as a real restart would."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, sandbox: "Sandbox") -> None:
        self.sandbox = sandbox
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, Handler)

    def process_request(self, request, client_address):
        with self._conn_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._conn_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address) -> None:
        """A client that went away is normal here; anything else is printed as usual."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    def cut_connections(self) -> None:
        with self._conn_lock:
            conns = list(self._connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "CanvasSandbox/1.0"
    disable_nagle_algorithm = True  # small answers would otherwise wait ~40 ms for a delayed ACK

    timeout = 60

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format, *args) -> None:  # quiet; the sandbox is not a web log
        return

    def do_GET(self):
        self._handle()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def _body(self) -> BodyReader:
        length = self.headers.get("Content-Length")
        chunked = "chunked" in (self.headers.get("Transfer-Encoding") or "").lower()
        try:
            size = int(length) if length and not chunked else None
        except ValueError:
            size = 0
        return BodyReader(self.rfile, size, chunked)

    def _handle(self) -> None:
        sandbox: "Sandbox" = self.server.sandbox
        parts = urlsplit(self.path)
        query = parse_qsl(parts.query, keep_blank_values=True)
        body = self._body()
        if parts.path.startswith("/__sandbox/"):
            self._send(self._control(sandbox, parts.path, body))
            return
        sandbox.seen_request(self.command, parts.path)
        fault = sandbox.faults.take(self.command, parts.path)
        if fault is not None:
            if fault.kind == "drop":
                self._hang_up()
                return
            if fault.kind == "slow":
                time.sleep(fault.delay if fault.delay is not None else 2.0)
            elif fault.kind != "drop_after_body":
                body.drain()
                self._send(self._fault_response(sandbox, fault))
                return
        request = api.Request(self.command, parts.path, query, self.headers, body)
        try:
            response = api.dispatch(sandbox, request)
        except Exception:  # noqa: BLE001 — any bug becomes Canvas's generic 500, never a hang
            body.drain()
            response = api.error_500(sandbox)
        body.drain()
        if fault is not None and fault.kind == "drop_after_body":
            self._hang_up()
            return
        self._send(response)

    def _hang_up(self) -> None:
        """Close the connection without answering (the client may already be gone)."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _fault_response(self, sandbox: "Sandbox", fault: Fault) -> api.Response:
        kind = fault.kind
        if kind == "500":
            return api.error_500(sandbox)
        if kind in ("502", "503"):
            return api.Response(int(kind), PROXY_PAGES[int(kind)], "text/html")
        if kind == "throttle":
            return api.Response(403, THROTTLE_BODY, "text/plain; charset=utf-8",
                                {"X-Rate-Limit-Remaining": "-12.5"})
        if kind == "429":
            retry = fault.delay if fault.delay is not None else 1
            return api.Response(429, THROTTLE_BODY.replace(b"403 Forbidden", b"429 Too Many Requests"),
                                "text/plain; charset=utf-8",
                                {"Retry-After": str(int(retry) if float(retry).is_integer() else retry),
                                 "X-Rate-Limit-Remaining": "0.0"})
        if kind == "not_json":
            return api.Response(200, NOT_JSON_PAGE, "text/html; charset=utf-8")
        return api.json_response(401, api.REVOKED_TOKEN, api.WWW_AUTH)  # "401"

    def _control(self, sandbox: "Sandbox", path: str, body: BodyReader) -> api.Response:
        data = b""
        while chunk := body.read():
            data += chunk
            if len(data) > api.MAX_SMALL_BODY:
                body.drain()
                return api.json_response(413, {"error": "body too large"})
        try:
            payload = json.loads(data) if data.strip() else {}
        except ValueError:
            return api.json_response(400, {"error": "the body is not JSON"})
        if not isinstance(payload, dict):
            return api.json_response(400, {"error": "send a JSON object"})
        name = path[len("/__sandbox/"):].strip("/")
        try:
            if name == "faults" and self.command == "POST":
                fault = sandbox.inject_fault(payload.pop("kind", None), **payload)
                return api.json_response(200, {"kind": fault.kind, "count": fault.count})
            if name == "faults" and self.command == "DELETE":
                sandbox.clear_faults()
                return api.json_response(200, {"cleared": True})
            if name == "hold" and self.command == "POST":
                sandbox.hold(payload.get("state", "created"))
                return api.json_response(200, {"held": payload.get("state", "created")})
            if name == "release" and self.command == "POST":
                sandbox.release()
                return api.json_response(200, {"held": None})
        except (TypeError, ValueError) as exc:
            return api.json_response(400, {"error": str(exc)})
        return api.json_response(404, api.NOT_FOUND)

    def _send(self, response: api.Response) -> None:
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
