"""The app's one background pattern: a small QObject task per job, run on a worker thread.

How it works
- A `Task` owns one call into core code. `run()` executes on a thread of the app's own
  `QThreadPool` (wrapped in a QRunnable); widgets are never touched there.
- The worker never emits the public signals itself. It emits private signals that are
  connected to the task's own slots with `Qt.QueuedConnection`; those slots run on the
  GUI thread (where the task was created) and re-emit `progress`, `finished`, `failed`,
  `cancelled`. So anything connected to a task's public signals (methods or lambdas)
  always runs on the GUI thread.
- `cancel()` sets a `threading.Event` that core code polls (`cancelled=task.cancel_flag`);
  `runner().cancel_owned(window)` cancels every task owned by a window or its children.
- Network tasks take a `client_factory` and make their own client (`own_client`,
  `call_client`), closed when the task ends: a requests.Session is never shared between
  threads.
- `TaskRunner.start(task, owner=widget)` keeps the task referenced until it has ended, so
  Python never collects a running task; once it has ended its connections are dropped, so
  nothing (not even a long-lived owner) keeps it alive. `start(task, owner=...)` uses the app's shared
  runner. With an `owner`, the task is cancelled and goes silent (no signal at all) once
  the owner is destroyed, so slots and lambdas never touch deleted widgets.

Exactly one end signal is emitted per task: `finished(result)`, `failed(sentence)` or
`cancelled()`. `failed` carries one sentence: a `CanvasError`'s own text, else a generic
sentence (never a traceback, never a token).
"""
from __future__ import annotations

import collections.abc
import contextlib
import itertools
import logging
import sys
import threading
import warnings
from typing import Any, Callable, Iterator, Sequence

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

MAX_THREADS = 8  # short tasks: connect, terms, validation, keyring, history, one upload
MAX_POLLERS = 32  # one thread per import followed (pollers never queue behind short tasks)


def describe_error(exc: BaseException) -> str:
    """One sentence for the user about `exc`."""
    from sis_desktop.core.canvas.errors import CanvasError
    if isinstance(exc, CanvasError):
        return str(exc) or "Canvas refused the request."
    if isinstance(exc, _sentence_errors()):
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        name = exc.filename or "a file"
        return f"Could not find {name}; check that it still exists and try again."
    if isinstance(exc, PermissionError):
        name = exc.filename or "a file"
        return f"Permission denied for {name}; check that you may read or write it."
    if isinstance(exc, OSError):
        what = f" ({exc.strerror})" if exc.strerror else ""
        return f"A disk or system error stopped this task{what}; check the files and try again."
    return (f"An unexpected error stopped this task ({type(exc).__name__}); "
            "see the log for details.")


def _sentence_errors() -> tuple[type, ...]:
    """Core errors whose text is already a sentence for the user (only modules already
    imported can have raised them, so nothing heavy is imported here)."""
    found: list[type] = []
    for module, name in (("sis_desktop.core.profiles", "ProfileError"),
                         ("sis_desktop.core.secrets", "KeyringUnavailable"),
                         ("sis_desktop.core.history", "HistoryError"),
                         ("sis_desktop.core.import_flow", "PrepareError")):
        cls = getattr(sys.modules.get(module), name, None)
        if isinstance(cls, type):
            found.append(cls)
    return tuple(found)


class Task(QObject):
    """Base class: subclasses implement `run()` (worker thread) and return the result."""

    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    # worker → GUI thread relays (connected with QueuedConnection in __init__)
    _progress_relay = Signal(object)
    _end_relay = Signal(str, object)
    _ended = Signal()  # always emitted last, even when silenced; the runner listens

    #: When True a result that arrives after `cancel()` is still delivered as `finished`
    #: (an upload that Canvas accepted exists, whatever the user clicked).
    keep_result_after_cancel = False

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.cancel_flag = threading.Event()
        self.running = False
        self.done = False
        self.silenced = False
        self._progress_relay.connect(self._deliver_progress, Qt.QueuedConnection)
        self._end_relay.connect(self._deliver_end, Qt.QueuedConnection)

    # ---- API for subclasses (worker thread) -------------------------------------------
    def run(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def report(self, value: Any) -> None:
        """Send a progress value to the GUI thread (safe from the worker)."""
        try:
            self._progress_relay.emit(value)
        except RuntimeError:  # the task's QObject is gone (app shutting down)
            self.cancel_flag.set()

    # ---- API for the GUI thread ------------------------------------------------------
    def cancel(self) -> None:
        self.cancel_flag.set()

    @Slot()
    def silence(self) -> None:
        """Cancel and emit nothing more (the task's owner is gone)."""
        self.silenced = True
        self.cancel_flag.set()

    @property
    def is_cancelled(self) -> bool:
        return self.cancel_flag.is_set()

    # ---- internals --------------------------------------------------------------------
    def _execute(self) -> None:
        """Runs on the worker thread."""
        from sis_desktop.core.canvas.errors import CanvasError, Cancelled
        try:
            result = self.run()
            if isinstance(result, collections.abc.Iterator):
                result = list(result)  # lazy pages must be read here, not on the GUI thread
        except Cancelled:
            self._end("cancelled", None)
        except BaseException as exc:  # noqa: BLE001 - every failure becomes one sentence
            if self.is_cancelled:
                self._end("cancelled", None)
            else:
                if isinstance(exc, CanvasError):  # an answer we expect: its sentence says it all
                    log.info("%s failed: %s", type(self).__name__, exc)
                else:
                    log.warning("%s failed: %s", type(self).__name__, type(exc).__name__,
                                exc_info=exc)
                self._end("failed", describe_error(exc))
        else:
            if self.is_cancelled and not self.keep_result_after_cancel:
                self._end("cancelled", None)
            else:
                self._end("finished", result)

    def _end(self, kind: str, value: Any) -> None:
        try:
            self._end_relay.emit(kind, value)
        except RuntimeError:  # the task's QObject is gone (app shutting down): nobody listens
            log.debug("%s ended (%s) after its owner was deleted", type(self).__name__, kind)

    @Slot(object)
    def _deliver_progress(self, value: Any) -> None:
        if not self.done and not self.silenced:
            self.progress.emit(value)

    @Slot(str, object)
    def _deliver_end(self, kind: str, value: Any) -> None:
        self.running = False
        self.done = True
        try:
            if self.silenced:
                pass
            elif kind == "finished":
                self.finished.emit(value)
            elif kind == "failed":
                self.failed.emit(value)
            else:
                self.cancelled.emit()
        finally:
            self._ended.emit()
            self._release()

    def _release(self) -> None:
        """Drop every connection once the task has ended: slots are often lambdas that
        refer to the task, a cycle through Qt that Python's collector cannot see."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # "nothing was connected"
            for signal in (self.progress, self.finished, self.failed, self.cancelled,
                           self._progress_relay, self._end_relay, self._ended):
                with contextlib.suppress(RuntimeError, TypeError, SystemError):
                    signal.disconnect()


class _Runnable(QRunnable):
    """Runs one task on a pool thread, then tells the runner the worker has let go of it."""

    def __init__(self, task: Task, exited: Callable[[int], None], key: int):
        super().__init__()
        self.setAutoDelete(True)
        self._task: Task | None = task
        self._exited, self._key = exited, key

    def run(self) -> None:
        task, self._task = self._task, None
        try:
            task._execute()
        finally:
            del task  # the worker's last reference: only now may the runner forget the task
            with contextlib.suppress(RuntimeError):  # the runner is gone (app shutting down)
                self._exited(self._key)


class TaskRunner(QObject):
    """Starts tasks on its own thread pool and keeps them alive until they end.

    A task counts as active until both have happened: its end signal was delivered on the
    GUI thread, and the worker thread returned (and so let go of it). Either may come first."""

    _worker_exited = Signal(int)

    def __init__(self, parent: QObject | None = None, max_threads: int = MAX_THREADS):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._active: dict[int, Task] = {}
        self._waiting: dict[int, set[str]] = {}
        self._owners: dict[Task, QObject] = {}
        self._keys = itertools.count(1)
        self._worker_exited.connect(self._settle_exit, Qt.QueuedConnection)

    def _settle(self, key: int, what: str) -> None:
        waiting = self._waiting.get(key)
        if waiting is None:
            return
        waiting.discard(what)
        if not waiting:
            del self._waiting[key]
            self._active.pop(key, None)

    @Slot(int)
    def _settle_exit(self, key: int) -> None:
        self._settle(key, "exited")

    def start(self, task: Task, owner: QObject | None = None) -> Task:
        key = next(self._keys)
        self._active[key] = task
        self._waiting[key] = {"ended", "exited"}
        links = []
        if owner is not None:
            self._owners[task] = owner
            links = [owner.destroyed.connect(task.silence),
                     owner.destroyed.connect(lambda *_: self._owners.pop(task, None))]

        def ended() -> None:
            self._owners.pop(task, None)
            for link in links:  # a long-lived owner must not keep every ended task alive
                QObject.disconnect(link)
            self._settle(key, "ended")
        task._ended.connect(ended)  # dropped by the task itself once emitted
        task.running = True
        self.pool.start(_Runnable(task, self._worker_exited.emit, key))
        return task

    def active(self) -> list[Task]:
        return list(self._active.values())

    def cancel_all(self) -> None:
        for task in list(self._active.values()):
            task.cancel()

    def cancel_owned(self, ancestor: QObject) -> None:
        """Cancel the running tasks owned by `ancestor` or by any object inside it."""
        for task, owner in list(self._owners.items()):
            obj: QObject | None = owner
            while obj is not None and obj is not ancestor:
                obj = obj.parent()
            if obj is ancestor:
                task.cancel()

    def wait(self, msecs: int = -1) -> bool:
        """Block until every worker returned (used only at shutdown)."""
        return self.pool.waitForDone(msecs)


_runner: TaskRunner | None = None
_poll_runner: TaskRunner | None = None


def runner() -> TaskRunner:
    """The app's shared runner for short tasks (created on first use, on the GUI thread)."""
    global _runner
    if _runner is None:
        _runner = TaskRunner()
    return _runner


def poll_runner() -> TaskRunner:
    """The runner of long pollers (hour-long follows of imports), on a pool of its own so
    that connecting, loading terms and validation never wait behind them. Only
    `followers.Followers` starts tasks here: one per import followed."""
    global _poll_runner
    if _poll_runner is None:
        _poll_runner = TaskRunner(max_threads=MAX_POLLERS)
    return _poll_runner


def start(task: Task, owner: QObject | None = None) -> Task:
    """Start `task` on the shared runner and return it (connect signals before or after:
    they are delivered by the event loop). Pass the widget whose slots the task's signals
    reach as `owner`."""
    return runner().start(task, owner)


# ---- clients -----------------------------------------------------------------------------

ClientFactory = Callable[[], Any]


@contextlib.contextmanager
def own_client(client_factory: ClientFactory) -> Iterator[Any]:
    """Worker: a fresh client (its own requests.Session, which is not shared between
    threads) for one task, closed when the block ends."""
    client = client_factory()
    try:
        yield client
    finally:
        close = getattr(client, "close", None)
        if close is not None:
            close()


def call_client(client_factory: ClientFactory, method: str, *args: Any, **kwargs: Any) -> Any:
    """Worker: `<fresh client>.<method>(*args, **kwargs)`; an iterator result is read to a
    list before the client is closed."""
    with own_client(client_factory) as client:
        result = getattr(client, method)(*args, **kwargs)
        return list(result) if isinstance(result, collections.abc.Iterator) else result


# ---- concrete tasks -----------------------------------------------------------------------

class CallTask(Task):
    """One-off call `fn(*args, **kwargs)` (terms, account, importing check, error rows…).

    An iterator result is read to a list on the worker thread."""

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any):
        super().__init__()
        self._fn, self._args, self._kwargs = fn, args, kwargs

    def run(self) -> Any:
        return self._fn(*self._args, **self._kwargs)


class ValidateTask(Task):
    """Pre-flight check of the chosen files; result is a `sis_csv.Report`.

    `progress` carries whatever `validate_paths` reports, as a tuple of its arguments."""

    def __init__(self, paths: Sequence[str]):
        super().__init__()
        self.paths = [str(p) for p in paths]

    def run(self) -> Any:
        from sis_desktop.core.sis_csv import validate_paths
        return validate_paths(self.paths, cancelled=self.cancel_flag,
                              on_progress=lambda *args: self.report(args))
