"""`Sandbox`: a local Canvas-compatible SIS Imports server on 127.0.0.1, for tests, demos
and `sis-desktop-cli sandbox`. Never listens on any other address."""
from __future__ import annotations

import collections
import itertools
import shutil
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from .faults import Fault, FaultBook
from .handler import SandboxHTTPServer
from .processor import Worker, restore_job
from .records import ImportRecord, ProgressRecord, StoredFile
from .world import ROOT_ACCOUNT_ID, World

HOLD_STATES = ("created", "importing", "cleanup_batch")


class Sandbox:
    """A Canvas stand-in: root account 1 (SIS on), sub-account 2, root account 3 (SIS off).

    `speed` scales every processing delay: 1.0 is like a real Canvas (a few seconds for a
    small file), tests use a large value. `data_dir` holds uploads (a temp folder if None)."""

    def __init__(self, port: int = 0, token: str = "sandbox", speed: float = 1.0,
                 data_dir: str | Path | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be greater than 0.")
        self.token = token
        self.speed = float(speed)
        self.account_id = ROOT_ACCOUNT_ID
        self._port = int(port)
        self._own_dir = data_dir is None
        self.data_dir = Path(data_dir) if data_dir is not None else \
            Path(tempfile.mkdtemp(prefix="sis-sandbox-"))
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self.world = World()
        self.imports: dict[int, ImportRecord] = {}
        self.files: dict[int, StoredFile] = {}
        self.progresses: dict[int, ProgressRecord] = {}
        self.faults = FaultBook()
        self.requests_seen: collections.Counter[tuple[str, str]] = collections.Counter()
        self._counters: dict[str, itertools.count] = defaultdict(lambda: itertools.count(1))
        self._report_numbers = itertools.count(4001)
        self._hold: str | None = None
        # seconds between the terminal state and errors_attachment appearing (Canvas writes
        # the errors file in a later job); 0 = at once
        self.errors_file_delay = 0.0
        self._forced_failures: list[str] = []
        self._bucket = (0.0, time.monotonic())
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._worker = Worker(self)
        self.on_stop: list = []  # callables run by stop() (e.g. the reports' file store)

    # ----- lifecycle
    def start(self) -> "Sandbox":
        if self._server is not None:
            return self
        self._server = SandboxHTTPServer(("127.0.0.1", self._port), self)
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={
            "poll_interval": 0.05}, name=f"sandbox-http-{self._port}", daemon=True)
        self._thread.start()
        self._worker.start()
        return self

    def stop(self) -> None:
        """Stop serving and processing; state is kept, `start()` resumes on the same port."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            server.cut_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._worker.stop()
        for hook in list(self.on_stop):
            hook()

    def close(self) -> None:
        """Stop, and remove the data folder if the sandbox made it."""
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def client(self):
        """A CanvasClient for this sandbox's root account."""
        from sis_desktop.core.canvas.client import CanvasClient
        return CanvasClient(self.url, self.token, self.account_id)

    def target(self, profile_name: str | None = "Sandbox"):
        """The sandbox as an import `Target` (its address, account and a client factory)."""
        from sis_desktop.core.import_flow import Target
        return Target(self.url, self.account_id, None, profile_name, self.client)

    # ----- test controls

    def hold(self, state: str = "created") -> None:
        """Pause processing: new imports stay `created`, or (state="importing" /
        "cleanup_batch") the running import pauses when it reaches that state."""
        if state not in HOLD_STATES:
            raise ValueError(f"hold() takes one of {', '.join(HOLD_STATES)}.")
        with self.lock:
            self._hold = state

    def release(self) -> None:
        with self.lock:
            self._hold = None
        self._worker.wake()

    def held_at(self, state: str) -> bool:
        with self.lock:
            return self._hold == state

    def seen_request(self, method: str, path: str) -> None:
        """Count one API request (tests count the polls a client sends)."""
        with self.lock:
            self.requests_seen[(method.upper(), path)] += 1

    def request_count(self, method: str, path_regex: str) -> int:
        """How many `method` requests had a path matching `path_regex` (searched)."""
        import re
        pattern = re.compile(path_regex)
        with self.lock:
            return sum(n for (m, p), n in self.requests_seen.items()
                       if m == method.upper() and pattern.search(p))

    def inject_fault(self, kind: str, *, method: str | None = None, path: str | None = None,
                     count: int = 1, delay: float | None = None) -> Fault:
        """Make the next `count` matching requests fail in the way `kind` says."""
        fault = Fault(kind, method, path, count, delay)
        self.faults.add(fault)
        return fault

    def clear_faults(self) -> None:
        self.faults.clear()

    def fail_next_import(self, message: str = "Unexpected error in the sandbox") -> None:
        """The next import to start ends `failed` with data.error_message = message."""
        with self.lock:
            self._forced_failures.append(message)

    def take_forced_failure(self) -> str | None:
        with self.lock:
            return self._forced_failures.pop(0) if self._forced_failures else None

    def import_json(self, import_id: int) -> dict[str, Any]:
        """The SisImport JSON the API would return now (for assertions)."""
        with self.lock:
            return self.imports[import_id].to_json(self.url)

    # ----- helpers for the API and the worker
    def next_id(self, kind: str) -> int:
        with self.lock:
            return next(self._counters[kind])

    def next_report_number(self) -> int:
        with self.lock:
            return next(self._report_numbers)

    def wake_worker(self) -> None:
        self._worker.wake()

    def queue_restore(self, record: ImportRecord, progress: ProgressRecord, **filters) -> None:
        self._worker.add_restore(restore_job(self, record, progress, **filters))

    def uploads_dir(self) -> Path:
        path = self.data_dir / "incoming"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def work_dir(self, import_id: int) -> Path:
        path = self.data_dir / "imports" / str(import_id)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def store_upload(self, import_id: int, source: Path | None, name: str | None) -> Path:
        """Move the received body into the import's folder (an empty file if none)."""
        target = self.work_dir(import_id) / "upload" / (name or "sis_import.zip")
        target.parent.mkdir(parents=True, exist_ok=True)
        if source is None:
            target.touch()
        else:
            shutil.move(str(source), target)
        return target

    def add_file(self, display_name: str, path: Path, content_type: str) -> StoredFile:
        with self.lock:
            stored = StoredFile(self.next_id("file"), display_name, path, content_type)
            self.files[stored.id] = stored
            return stored

    def rate_headers(self) -> dict[str, str]:
        """X-Request-Cost / X-Rate-Limit-Remaining from a small leaky bucket (10 units/s)."""
        cost = 0.0125
        with self.lock:
            level, then = self._bucket
            current = time.monotonic()
            level = max(0.0, level - (current - then) * 10.0) + cost
            self._bucket = (level, current)
        return {"X-Request-Cost": f"{cost:.4f}", "X-Rate-Limit-Remaining": f"{600.0 - level:.4f}"}
