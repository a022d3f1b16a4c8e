"""Followers: at most one poller per import, shared by every view that shows it.

An import is known by `(Canvas address, account, import id)` — its `Target` says where it
lives, so following never depends on the profile selected now. The upload's progress panel,
a History row, the status panel and the resume at start all ask `followers().follow(...)`;
the first request starts a `FollowTask` on the pollers' own pool, later ones subscribe to
the same stream. Views connect to `updated` / `ended` and pick out their key. When the last
subscriber lets go (or is destroyed) the poller stops; the import goes on in Canvas.

Each poll writes the history best-effort (`HistoryRecorder`): a failed write is a `warned`
sentence, never the end of following.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from . import tasks

if TYPE_CHECKING:
    from sis_desktop.core.import_flow import Target

Key = tuple[str, str, int]


def key_of(target: Target, import_id: int | str) -> Key:
    return (target.url, target.account_id, int(import_id))


class FollowTask(tasks.Task):
    """Poll one import on its own Canvas until it ends, recording each change; `progress`
    carries each SisImport seen, or a str when the history could not be written."""

    def __init__(self, target: Target, import_id: int, **poll_kw: Any):
        super().__init__()
        self.target, self.import_id, self.poll_kw = target, int(import_id), poll_kw

    def run(self) -> Any:
        from sis_desktop.core.import_flow import HistoryRecorder, follow_import
        recorder = HistoryRecorder(on_warning=self.report)
        return follow_import(self.target, self.import_id, recorder=recorder,
                             on_update=self.report, cancelled=self.cancel_flag, **self.poll_kw)


class Followers(QObject):
    """The app's pollers, one per import (see the module's text)."""

    updated = Signal(object, object)     # key, SisImport
    ended = Signal(object, str, object)  # key, "finished" | "failed" | "cancelled", value
    warned = Signal(object, str)         # key, sentence (e.g. the history is not written)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._tasks: dict[Key, FollowTask] = {}
        self._subscribers: dict[Key, set[int]] = {}
        self._links: dict[tuple[Key, int], Any] = {}
        self.poll_kw: dict[str, Any] = {}  # tests may pass e.g. intervals to new pollers

    # ---- subscribing --------------------------------------------------------------------
    def follow(self, target: Target, import_id: int | str, subscriber: QObject,
               **poll_kw: Any) -> Key:
        """Follow the import for `subscriber` (starting a poller only if none runs;
        `poll_kw` goes to a new poller's `client.poll`, e.g. `intervals`)."""
        key = key_of(target, import_id)
        subs = self._subscribers.setdefault(key, set())
        if id(subscriber) not in subs:
            subs.add(id(subscriber))
            self._links[(key, id(subscriber))] = subscriber.destroyed.connect(
                lambda *_, k=key, s=id(subscriber): self._drop(k, s))
        running = self._tasks.get(key)
        if running is None or running.is_cancelled:  # a stopping poller is replaced
            task = FollowTask(target, int(import_id), **{**self.poll_kw, **poll_kw})
            self._tasks[key] = task
            task.progress.connect(lambda value, k=key: self._progress(k, value))
            task.finished.connect(lambda sis, k=key, t=task: self._end(k, t, "finished", sis))
            task.failed.connect(lambda text, k=key, t=task: self._end(k, t, "failed", text))
            task.cancelled.connect(lambda k=key, t=task: self._end(k, t, "cancelled", None))
            tasks.poll_runner().start(task, self)
        return key

    def release(self, key: Key, subscriber: QObject) -> None:
        """`subscriber` no longer needs the import; the poller stops when nobody does."""
        self._drop(key, id(subscriber))

    def _unlink(self, key: Key, subscriber_id: int) -> None:
        """Forget the watch on a subscriber's `destroyed` (it may be gone already)."""
        link = self._links.pop((key, subscriber_id), None)
        if link is not None:
            try:
                QObject.disconnect(link)
            except (RuntimeError, TypeError):
                pass

    def _drop(self, key: Key, subscriber_id: int) -> None:
        self._unlink(key, subscriber_id)
        subs = self._subscribers.get(key)
        if subs is None:
            return
        subs.discard(subscriber_id)
        if not subs:
            del self._subscribers[key]
            task = self._tasks.get(key)
            if task is not None:
                task.cancel()

    # ---- state --------------------------------------------------------------------------
    def is_following(self, key: Key) -> bool:
        return key in self._tasks

    def following(self) -> list[Key]:
        return list(self._tasks)

    def stop_all(self) -> None:
        """Stop every poller (at shutdown); the imports go on in Canvas."""
        for task in list(self._tasks.values()):
            task.cancel()

    # ---- task signals (GUI thread) ------------------------------------------------------
    def _progress(self, key: Key, value: Any) -> None:
        if isinstance(value, str):
            self.warned.emit(key, value)
        else:
            self.updated.emit(key, value)

    def _end(self, key: Key, task: FollowTask, kind: str, value: Any) -> None:
        if self._tasks.get(key) is not task:  # replaced by a newer poller: it speaks now
            return
        del self._tasks[key]
        for subscriber_id in self._subscribers.pop(key, set()):
            self._unlink(key, subscriber_id)
        self.ended.emit(key, kind, value)


_followers: Followers | None = None


def followers() -> Followers:
    """The app's shared Followers (created on first use, on the GUI thread)."""
    global _followers
    if _followers is None:
        _followers = Followers()
    return _followers
