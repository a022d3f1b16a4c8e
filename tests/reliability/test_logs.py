"""The log file: where it lives, that it rotates, and that no secret ever reaches it."""
from __future__ import annotations

import http.server
import logging
import threading

import pytest
import requests

from sis_desktop.core import logs
from tests.conftest import private_file

TOKEN = "tok-SECRET-1234567890"


@pytest.fixture(autouse=True)
def forget_token():
    yield
    logs.forget_secret(TOKEN)


def _read_all(log_dir) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(log_dir.iterdir()))


def test_setup_puts_one_private_file_under_log_dir_and_is_idempotent(isolated_dirs):
    first = logs.setup_logging()
    second = logs.setup_logging(logging.DEBUG)
    assert first == second == isolated_dirs["logs"] / "sis-desktop.log"
    ours = [h for h in logging.getLogger().handlers
            if getattr(h, "baseFilename", None) == str(first)]
    assert len(ours) == 1
    assert ours[0].level == logging.DEBUG
    logging.getLogger("sis_desktop.test").info("hello from the test")
    assert "hello from the test" in first.read_text(encoding="utf-8")
    assert private_file(first)


def test_file_follows_log_dir_when_it_changes(isolated_dirs, tmp_path, monkeypatch):
    logs.setup_logging()
    monkeypatch.setenv("SIS_DESKTOP_LOG_DIR", str(tmp_path / "elsewhere"))
    moved = logs.setup_logging()
    assert moved == tmp_path / "elsewhere" / "sis-desktop.log"
    logging.getLogger("sis_desktop.test").warning("after the move")
    assert "after the move" in moved.read_text(encoding="utf-8")
    assert "after the move" not in (isolated_dirs["logs"] / "sis-desktop.log").read_text()


def test_registered_secret_is_masked_in_message_args_traceback_and_stack(isolated_dirs):
    path = logs.setup_logging()
    logs.register_secret(TOKEN)
    log = logging.getLogger("sis_desktop.test")
    log.info("token is %s", TOKEN)
    log.info(f"inline {TOKEN}", stack_info=True)
    try:
        raise RuntimeError(f"boom with {TOKEN}")
    except RuntimeError:
        log.exception("failed while using %r", {"token": TOKEN})
    text = path.read_text(encoding="utf-8")
    assert TOKEN not in text
    assert text.count(logs.REDACTED) >= 4
    assert "RuntimeError" in text and "Traceback" in text  # the traceback itself is kept


@pytest.mark.parametrize("line, leaked", [
    ("Authorization: Bearer abcDEF123456", "abcDEF123456"),
    ("headers={'Authorization': 'Bearer xyz987654321', 'Accept': 'x'}", "xyz987654321"),
    ("authorization=plainvalue999", "plainvalue999"),
    ("GET /api/v1/users/self?access_token=qwe123456789&per_page=10", "qwe123456789"),
    ("POST https://h/x?api_key=key777777777", "key777777777"),
    ("bearer lowercase5555555", "lowercase5555555"),
])
def test_patterns_are_masked_without_registration(line, leaked):
    masked = logs.redact(line)
    assert leaked not in masked
    assert logs.REDACTED in masked


def test_redact_leaves_ordinary_text_alone():
    text = "Imported 3 users from users.csv (import 42) at https://canvas.example.edu"
    assert logs.redact(text) == text


def test_bad_format_string_is_kept_masked_not_dropped():
    logs.register_secret(TOKEN)
    record = logging.LogRecord("sis_desktop.test", logging.WARNING, __file__, 1,
                               "%d items for %s", ("not-a-number", TOKEN), None)
    assert logs.RedactingFilter().filter(record) is True
    text = logging.Formatter().format(record)
    assert "not-a-number" in text and TOKEN not in text


class _Quiet(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_urllib3_debug_records_from_a_real_request_do_not_leak(isolated_dirs):
    """Records propagated from urllib3's own logger pass the handler's filter too."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        path = logs.setup_logging(logging.DEBUG)  # no register_secret: patterns alone
        url = f"http://127.0.0.1:{server.server_port}/api/v1/x?access_token={TOKEN}"
        assert requests.get(url, headers={"Authorization": f"Bearer {TOKEN}"},
                            timeout=5).status_code == 204
    finally:
        server.shutdown()
        server.server_close()
    text = path.read_text(encoding="utf-8")
    assert "urllib3" in text and "/api/v1/x" in text  # the debug line is there...
    assert TOKEN not in text  # ...masked


def test_log_rotates_at_one_megabyte_keeping_three_backups(isolated_dirs):
    path = logs.setup_logging()
    log = logging.getLogger("sis_desktop.test")
    line = "x" * 10_000
    for _ in range(500):  # ~5 MB
        log.info(line)
    files = sorted(p.name for p in isolated_dirs["logs"].iterdir())
    assert files == ["sis-desktop.log", "sis-desktop.log.1", "sis-desktop.log.2",
                     "sis-desktop.log.3"]
    assert all(p.stat().st_size <= logs.MAX_BYTES for p in isolated_dirs["logs"].iterdir())
    assert path.exists()


def test_ring_keeps_only_the_last_warnings_and_errors(isolated_dirs):
    logs.setup_logging()
    logs.register_secret(TOKEN)
    log = logging.getLogger("sis_desktop.test")
    log.info("an info line")
    for n in range(logs.RING_SIZE + 5):
        log.warning("warning %d", n)
    log.error("last error with %s", TOKEN)
    problems = logs.recent_problems()
    assert len(problems) == logs.RING_SIZE
    assert not any("an info line" in p for p in problems)
    assert "warning 0" not in "\n".join(problems)
    assert problems[-1].endswith(f"last error with {logs.REDACTED}")


def test_shutdown_removes_handlers_and_restores_root_level(isolated_dirs):
    root = logging.getLogger()
    before_level, before = root.level, list(root.handlers)
    logs.setup_logging(logging.DEBUG)
    logs.shutdown_logging()
    assert root.handlers == before
    assert root.level == before_level
    assert logs.log_file() is None
