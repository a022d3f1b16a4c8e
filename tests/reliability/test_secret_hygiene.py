"""The token travels only in the Authorization header, to the Canvas it belongs to, over
verified TLS (or loopback)."""
from __future__ import annotations

import argparse
import io
import logging
import sys

import pytest

from sis_desktop.cli.common import client_from_args
from sis_desktop.cli.main import main
from sis_desktop.core import diagnostics, logs
from sis_desktop.core.canvas.client import CanvasClient
from sis_desktop.core.canvas.errors import CanvasError, InsecureURL
from sis_desktop.core.profiles import Profile, client_for
from sis_desktop.sandbox import Sandbox

from .helpers import USERS_CSV, loopback_only, loopback_server, one_sentence

TOKEN = "tok-SECRET-1234567890"


@pytest.mark.parametrize("url", ["http://example.org", "http://10.0.0.5:8080",
                                 "http://canvas.example.edu/api/v1/", "ftp://example.org"])
@pytest.mark.parametrize("command", [["status", "1"], ["list"], ["import", "users.csv"]])
def test_cli_refuses_plain_http_off_loopback_before_any_request(
        url, command, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("CANVAS_API_TOKEN", TOKEN)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "users.csv").write_bytes(USERS_CSV.read_bytes())
    with loopback_only(monkeypatch) as attempts:
        code = main(["--url", url, "--account", "1", *command])
    out, err = capsys.readouterr()
    assert code == 2
    assert attempts == []  # no connection, no name lookup
    assert TOKEN not in out + err
    one_sentence(err)


def test_client_refuses_plain_http_off_loopback(monkeypatch):
    with loopback_only(monkeypatch) as attempts:
        with pytest.raises(InsecureURL) as caught:
            CanvasClient("http://example.org", TOKEN, 1)
    assert attempts == [] and TOKEN not in str(caught.value)


@pytest.mark.parametrize("url", ["http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1",
                                 "https://canvas.example.edu"])
def test_loopback_http_and_any_https_are_accepted(url):
    assert CanvasClient(url, TOKEN, 1).base_url.startswith(url.split(":")[0])


def test_tls_verification_is_always_on_and_a_ca_bundle_is_used(tmp_path, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    client = CanvasClient("https://canvas.example.edu", TOKEN, 1)
    assert client._http.session.verify is True
    bundle = tmp_path / "school-proxy.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))  # used when the profile names none
    assert CanvasClient("https://canvas.example.edu", TOKEN, 1)._http.session.verify == str(bundle)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "other.pem"))  # the profile's wins
    assert CanvasClient("https://canvas.example.edu", TOKEN, 1,
                        ca_bundle=str(bundle))._http.session.verify == str(bundle)
    profile = Profile.new("Proxy", "https://canvas.example.edu", 1, ca_bundle=str(bundle))
    assert client_for(profile, TOKEN)._http.session.verify == str(bundle)


def test_token_only_in_the_authorization_header():
    def answer(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.end_headers()
        handler.wfile.write(b'{"id": 1, "name": "Root", "root_account_id": null}')

    with loopback_server(answer) as (url, seen):
        client = CanvasClient(url, TOKEN, 1)
        client.get_account()
        client.check_user()
    assert len(seen) == 2
    for headers in seen:
        assert headers["authorization"] == f"Bearer {TOKEN}"
        assert TOKEN not in headers[":path"]
        assert all(TOKEN not in v for k, v in headers.items() if k != "authorization")
    assert TOKEN not in repr(client)


@pytest.mark.parametrize("target_host", ["localhost", "127.0.0.1"])
def test_authorization_is_dropped_when_a_redirect_leaves_the_host(target_host):
    def other(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.end_headers()
        handler.wfile.write(b'{"id": 1, "name": "Me"}')

    with loopback_server(other) as (other_url, other_seen):
        port = other_url.rsplit(":", 1)[1]

        def redirect(handler):
            handler.send_response(302)
            handler.send_header("Location", f"http://{target_host}:{port}{handler.path}")
            handler.end_headers()

        with loopback_server(redirect) as (url, seen):
            try:
                CanvasClient(url, TOKEN, 1).check_user()
            except CanvasError:
                pass  # 127.0.0.2 may not be routable everywhere; what matters is below
    assert seen[0]["authorization"] == f"Bearer {TOKEN}"
    assert all("authorization" not in h for h in other_seen)
    assert all(TOKEN not in str(h) for h in other_seen)


def test_errors_from_a_refused_connection_do_not_carry_the_token():
    client = CanvasClient("http://127.0.0.1:9", TOKEN, 1, max_retries=0, timeout=(2, 2))
    with pytest.raises(CanvasError) as caught:
        client.check_user()
    assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value)
    assert TOKEN not in "".join(str(a) for a in caught.value.args)


# ---- a realistic session, then a scan of everything it left behind -------------------------------
def test_cli_uses_the_profiles_ca_bundle(memory_keyring, tmp_path, monkeypatch, capsys):
    bundle = tmp_path / "school-proxy.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setattr(sys, "stdin", io.StringIO(TOKEN + "\n"))
    assert main(["profiles", "add", "Proxy", "--url", "https://canvas.example.edu",
                 "--account", "1", "--ca-bundle", str(bundle), "--token-stdin"]) == 0
    client = client_from_args(argparse.Namespace(url=None, account=None, profile="Proxy"))
    assert client._http.session.verify == str(bundle)


def test_a_whole_session_leaves_the_token_nowhere(memory_keyring, isolated_dirs, tmp_path,
                                                  capsys, monkeypatch):
    outputs: list[str] = []

    def cli(*argv: str, stdin: str = "") -> int:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(argv))
        out, err = capsys.readouterr()
        outputs.extend([out, err])
        assert "Traceback" not in out + err
        return code

    logs.setup_logging(logging.DEBUG)  # as the app does; urllib3's debug lines included
    try:
        with Sandbox(token=TOKEN, speed=1000.0, data_dir=tmp_path / "sandbox-data") as sandbox:
            assert cli("profiles", "add", "Sandbox", "--url", sandbox.url, "--account", "1",
                       "--token-stdin", stdin=TOKEN + "\n") == 0
            assert TOKEN in memory_keyring.entries.values()  # it went to the keyring…
            p = ["--profile", "Sandbox"]
            assert cli("profiles", "test", "Sandbox") == 0
            assert cli("profiles", "list", "--json") == 0
            assert cli(*p, "import", "--wait", str(USERS_CSV)) == 0
            assert cli(*p, "import", "--json", "--force", str(USERS_CSV)) == 0  # same files again
            (first, second) = sorted(sandbox.imports)
            assert cli(*p, "status", str(first)) == 0
            assert cli(*p, "status", "--json", "--wait", str(second)) == 0
            assert cli(*p, "list") == 0
            assert cli(*p, "list", "--json") == 0
            assert cli("history", "--json") == 0
            assert cli(*p, "errors", str(first)) == 0
            assert cli(*p, "status", "999999") == 3  # a failing call
            sandbox.inject_fault("401", method="GET")
            assert cli(*p, "list") == 3  # the token refused
            sandbox.inject_fault("drop_after_body", method="POST")
            assert cli(*p, "import", "--force", str(USERS_CSV)) == 4  # a lost answer: "may exist"
            sandbox.inject_fault("not_json", method="GET", count=10)
            assert cli(*p, "status", str(first)) == 3
            client = CanvasClient(sandbox.url, TOKEN, 1, max_retries=0)
            for kind in ("500", "not_json", "401"):
                sandbox.inject_fault(kind)
                with pytest.raises(CanvasError) as caught:
                    client.get_import(first)
                outputs.extend([str(caught.value), repr(caught.value), caught.value.body or ""])
                diagnostics.write_crash_report(caught.type, caught.value, caught.tb)
            outputs.append(diagnostics.diagnostics_text())
    finally:
        logs.shutdown_logging()

    log_text = (isolated_dirs["logs"] / "sis-desktop.log").read_text(encoding="utf-8")
    assert "urllib3" in log_text  # the scan below covered real HTTP logging
    assert len(list(isolated_dirs["logs"].glob("crash-*.txt"))) == 3
    leaks = [str(p) for d in isolated_dirs.values() for p in d.rglob("*")
             if p.is_file() and TOKEN.encode() in p.read_bytes()]
    assert leaks == []
    assert [o for o in outputs if TOKEN in o] == []
    assert any((isolated_dirs["config"]).iterdir()) and any(isolated_dirs["data"].iterdir())
