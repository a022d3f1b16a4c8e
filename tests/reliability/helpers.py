"""Shared pieces of the reliability tests: tiny loopback HTTP servers,
the bad-input corpus, and a guard that refuses any connection off this machine."""
from __future__ import annotations

import contextlib
import http.server
import importlib.util
import ipaddress
import socket
import threading
from pathlib import Path
from typing import Callable, Iterator

DATA = Path(__file__).resolve().parent.parent / "data"
BAD = DATA / "bad"


def load_corpus():
    """tests/data/make_bad_corpus.py as a module (tests/data is not a package)."""
    spec = importlib.util.spec_from_file_location("make_bad_corpus", DATA / "make_bad_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


Handler = Callable[[http.server.BaseHTTPRequestHandler], None]


@contextlib.contextmanager
def loopback_server(handle: Handler) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A one-function HTTP server on 127.0.0.1: yields (base URL, list of received headers)."""
    seen: list[dict[str, str]] = []

    class _Handler(http.server.BaseHTTPRequestHandler):
        def _any(self):
            seen.append({k.lower(): v for k, v in self.headers.items()} | {":path": self.path})
            handle(self)

        do_GET = do_POST = do_PUT = _any

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", seen
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def loopback_only(monkeypatch) -> Iterator[list[object]]:
    """Any attempt to connect off this machine is refused and recorded (a safety net)."""
    attempts: list[object] = []
    real_connect = socket.socket.connect

    def guarded(sock, address):
        host = address[0] if isinstance(address, tuple) else None
        try:
            loop = host is None or host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loop = False
        if not loop:
            attempts.append(address)
            raise ConnectionRefusedError("test guard: only loopback may be contacted")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    real_getaddrinfo = socket.getaddrinfo

    def guarded_lookup(host, *args, **kw):
        if host not in ("localhost", None) and not _is_ip_loopback(host):
            attempts.append(host)
            raise socket.gaierror("test guard: no name lookups off this machine")
        return real_getaddrinfo(host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", guarded_lookup)
    yield attempts


def _is_ip_loopback(host) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


REPO = Path(__file__).resolve().parents[2]
USERS_CSV = REPO / "resources" / "samples" / "users.csv"
FAST = (0.01, 0.02, 0.05)  # poll intervals for tests: the sandbox finishes in milliseconds


def one_sentence(text: str, *, secret: str | None = None) -> str:
    """Assert `text` is what a user should see: one line, no traceback, no secret."""
    text = text.strip()
    assert text, "no message at all"
    assert "\n" not in text, f"more than one line: {text!r}"
    assert "Traceback" not in text and 'File "' not in text, text
    assert len(text) < 500, text
    if secret:
        assert secret not in text
    return text


def write_big_csv(path: Path, rows: int = 120_000) -> Path:
    """A valid users.csv of ~8 MB: bigger than any socket buffer, so a drop hits mid-upload."""
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("user_id,login_id,first_name,last_name,email,status\n")
        for n in range(rows):
            fh.write(f"u{n},login{n},First{n},Last{n},u{n}@example.edu,active\n")
    return path


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll a condition with a deadline (for state another thread or process changes)."""
    import time
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        threading.Event().wait(0.01)
