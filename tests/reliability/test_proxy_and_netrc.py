"""The token never reaches a proxy or another host: loopback never goes through a proxy
(the proxy here listens on 127.0.0.2 and records what it receives), remote hosts still use
the proxy the environment names, and ~/.netrc is never read, so a redirect to another host
carries no Authorization of any kind."""
from __future__ import annotations

import contextlib
import http.server
import json
import os
import subprocess
import threading

import pytest

from tests.conftest import installed_script
from tests.core.wire_server import Answer, WireServer

TOKEN = "7~" + "p" * 40
IMPORT = {"id": 5, "workflow_state": "imported", "progress": 100}


@contextlib.contextmanager
def recording_proxy():
    """An HTTP proxy on 127.0.0.2 that records every request line and header, and answers
    502 (it forwards nothing)."""
    seen: list[str] = []

    class Proxy(http.server.BaseHTTPRequestHandler):
        def _any(self):
            seen.append(f"{self.command} {self.path}\n{self.headers}")
            self.send_response(502)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = do_PUT = do_CONNECT = _any

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.2", 0), Proxy)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.2:{server.server_port}", seen
    finally:
        server.shutdown()
        server.server_close()


def _cli(*argv: str, env: dict[str, str]):
    full = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    full.update(CANVAS_API_TOKEN=TOKEN, **env)
    done = subprocess.run([str(installed_script("sis-desktop-cli")), *argv], env=full,
                          capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout, done.stderr


def test_loopback_never_goes_through_the_proxy():
    with recording_proxy() as (proxy, seen), WireServer() as canvas:
        canvas.on("GET", r"/sis_imports/5$", Answer(200, IMPORT))
        env = {"http_proxy": proxy, "HTTP_PROXY": proxy, "https_proxy": proxy,
               "ALL_PROXY": proxy}
        for host in ("127.0.0.1", "localhost"):
            code, out, err = _cli("--url", canvas.url_for(host), "--account", "1",
                                  "status", "5", "--json", env=env)
            assert code == 0, err
            assert json.loads(out)["id"] == 5
        assert seen == []
        assert len(canvas.requests) == 2
        assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in canvas.requests)


def test_a_remote_host_still_uses_the_proxy_from_the_environment():
    with recording_proxy() as (proxy, seen):
        code, out, err = _cli("--url", "https://canvas.example.edu", "--account", "1",
                              "--timeout", "20", "status", "5", env={"https_proxy": proxy})
    assert code == 3
    assert seen and all(s.startswith("CONNECT canvas.example.edu:443") for s in seen)
    assert not any(TOKEN in s for s in seen)  # a CONNECT carries no request headers of ours


def test_netrc_is_never_read_so_a_redirect_carries_no_credentials(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    netrc = home / ".netrc"
    netrc.write_text("machine 127.0.0.2 login stolen password hunter2\n"
                     "default login anyone password hunter3\n")
    netrc.chmod(0o600)
    with WireServer(host="127.0.0.2") as other, WireServer() as canvas:
        other.on("GET", r"/landing$", Answer(200, IMPORT))
        canvas.on("GET", r"/sis_imports/5$",
                  Answer(302, b"", {"Location": f"{other.url_for('127.0.0.2')}/landing"}))
        code, out, err = _cli("--url", canvas.url, "--account", "1", "status", "5", "--json",
                              env={"HOME": str(home)})
        assert code == 0, err
        assert canvas.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
        (landed,) = other.requests
        assert "authorization" not in landed.headers
        assert "proxy-authorization" not in landed.headers


@pytest.mark.parametrize("url", ["http://evil.localhost:3000", "http://localhost.localdomain",
                                 "http://x.localhost"])
def test_a_name_under_localhost_is_not_loopback(url, capsys):
    """Such names are resolved through DNS like any host: plain http is refused for them."""
    from sis_desktop.cli.main import main
    code = main(["--url", url, "--account", "1", "list"])
    assert code == 2
    assert "uses plain http" in capsys.readouterr().err
