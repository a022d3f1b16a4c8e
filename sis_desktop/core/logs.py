"""The app's log file, with every secret masked before anything is written.

`setup_logging()` puts a rotating file (`sis-desktop.log`, 1 MB × 3) under `log_dir()` on the
root logger, so records from `requests`/`urllib3` land there too. The redacting filter sits
on the handlers (a filter on a logger does not see records propagated from child loggers):
it masks bearer tokens, Authorization headers, access-token and api-key query values and
every token given to `register_secret()`, in the message, its arguments, the traceback and
the stack.
A small in-memory ring keeps the last warning/error lines for `diagnostics_text()`.
"""
from __future__ import annotations

import collections
import logging
import logging.handlers
import os
import re
import threading
from pathlib import Path

from sis_desktop.core import paths

LOG_FILE_NAME = "sis-desktop.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 3
RING_SIZE = 50
REDACTED = "[REDACTED]"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_MIN_SECRET_LENGTH = 4  # shorter strings would mask ordinary words
_PATTERNS = (
    # Authorization: Bearer abc / 'Authorization': 'Bearer abc' / authorization=abc
    (re.compile(r"""(authorization['"]?\s*[:=]\s*['"]?)(?:(bearer|token|basic)\s+)?[^\s'",;}]+""",
                re.IGNORECASE),
     lambda m: f"{m.group(1)}{m.group(2) + ' ' if m.group(2) else ''}{REDACTED}"),
    (re.compile(r"\b(bearer)\s+[A-Za-z0-9~._+/=-]+", re.IGNORECASE),
     lambda m: f"{m.group(1)} {REDACTED}"),
    (re.compile(r"\b(access_token|api_key)=[^&\s'\"#]+", re.IGNORECASE),
     lambda m: f"{m.group(1)}={REDACTED}"),
)

_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(secret: str | None) -> None:
    """From now on, mask this exact string wherever it appears in a log record."""
    if secret and len(secret) >= _MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(secret)


def forget_secret(secret: str | None) -> None:
    """Stop masking a string (e.g. a token that was deleted)."""
    with _lock:
        _secrets.discard(secret or "")


def redact(text: str) -> str:
    """`text` with registered secrets, bearer tokens, Authorization values and access-token
    or api-key query values replaced by REDACTED."""
    if not text:
        return text
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:  # longest first, so a token that contains another is fully masked
        text = text.replace(secret, REDACTED)
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record so that no secret survives formatting; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what we can, masked
            message = f"{record.msg!r} % {record.args!r}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class RecentRecords(logging.Handler):
    """Keeps the last `size` formatted warning/error lines in memory."""

    def __init__(self, size: int = RING_SIZE, level: int = logging.WARNING):
        super().__init__(level)
        self._lines: collections.deque[str] = collections.deque(maxlen=size)
        self.addFilter(RedactingFilter())
        self.setFormatter(logging.Formatter(FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._lines.append(self.format(record))
        except Exception:
            self.handleError(record)

    def lines(self) -> list[str]:
        return list(self._lines)

    def clear(self) -> None:
        self._lines.clear()


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating file readable by its owner only (logs name hosts, accounts and files).

    A write that fails (a full disk, a quota) costs one warning line on stderr, then the
    file is given up for this run: never logging's "--- Logging error ---" dumps."""

    failed = False

    def emit(self, record: logging.LogRecord) -> None:
        if not self.failed:
            super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:
        import sys
        if self.failed:
            return
        self.failed = True
        exc = sys.exc_info()[1]
        why = getattr(exc, "strerror", None) or type(exc).__name__ if exc else "unknown error"
        try:
            sys.stderr.write(f"warning: the log file {self.baseFilename} could not be written "
                             f"({why}); nothing more is logged to it in this run.\n")
        except Exception:  # noqa: BLE001 - no stderr either: stay silent
            pass
        try:
            if self.stream is not None:
                self.stream.close()
        except OSError:
            pass

    def _open(self):
        stream = super()._open()
        try:
            os.chmod(self.baseFilename, 0o600)
        except OSError:
            pass
        return stream


_file_handler: _PrivateRotatingFileHandler | None = None
_ring = RecentRecords()
_previous_root_level: int | None = None


def setup_logging(level: int = logging.INFO) -> Path:
    """Install the log file and the ring on the root logger; return the log file's path.

    Calling it again changes only the level, unless `log_dir()` moved (then the file moves)."""
    global _file_handler, _previous_root_level
    path = paths.log_dir() / LOG_FILE_NAME
    root = logging.getLogger()
    with _lock:
        if _file_handler is not None and Path(_file_handler.baseFilename) != path.resolve():
            root.removeHandler(_file_handler)
            _file_handler.close()
            _file_handler = None
        if _file_handler is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = _PrivateRotatingFileHandler(
                path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=False,
                errors="backslashreplace")
            handler.addFilter(RedactingFilter())
            handler.setFormatter(logging.Formatter(FORMAT))
            root.addHandler(handler)
            _file_handler = handler
        _file_handler.setLevel(level)
        if _ring not in root.handlers:
            root.addHandler(_ring)
        if root.level == logging.NOTSET or root.level > level:
            if _previous_root_level is None:
                _previous_root_level = root.level
            root.setLevel(level)
    return path


def shutdown_logging() -> None:
    """Remove and close what `setup_logging()` installed, and empty the ring (at exit, and
    between tests)."""
    global _file_handler, _previous_root_level
    root = logging.getLogger()
    with _lock:
        if _previous_root_level is not None:
            root.setLevel(_previous_root_level)
            _previous_root_level = None
        if _file_handler is not None:
            root.removeHandler(_file_handler)
            _file_handler.close()
            _file_handler = None
        root.removeHandler(_ring)
        _ring.clear()


def recent_problems() -> list[str]:
    """The last warning/error lines logged since start-up (already masked), oldest first."""
    return _ring.lines()


def log_file() -> Path | None:
    """Where the log is being written, or None before `setup_logging()`."""
    return Path(_file_handler.baseFilename) if _file_handler is not None else None
