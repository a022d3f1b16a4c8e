"""The background-task pattern: signals arrive on the GUI thread, one end signal per task."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThread

from sis_desktop.core.canvas.errors import Cancelled, NetworkError
from sis_desktop.gui import tasks
from sis_desktop.gui.tasks import CallTask, Task, TaskRunner, describe_error


class _Steps(Task):
    """Reports three steps, waiting for `gate` before finishing."""

    def __init__(self, gate: threading.Event):
        super().__init__()
        self.gate = gate
        self.worker_thread = None

    def run(self):
        self.worker_thread = threading.get_ident()
        for i in range(3):
            self.report(i)
        if not self.gate.wait(5):
            raise TimeoutError("gate never opened")
        if self.is_cancelled:
            raise Cancelled("Cancelled.")
        return "done"


@pytest.fixture
def runner(qapp):
    r = TaskRunner()
    yield r
    r.cancel_all()
    r.wait(5000)


def test_progress_and_result_reach_gui_thread(qtbot, runner):
    gate = threading.Event()
    task = _Steps(gate)
    seen, threads = [], []
    task.progress.connect(lambda v: (seen.append(v), threads.append(QThread.currentThread())))
    with qtbot.waitSignal(task.finished, timeout=5000) as blocker:
        runner.start(task)
        qtbot.waitUntil(lambda: len(seen) == 3, timeout=5000)
        assert task in runner.active()
        gate.set()
    assert blocker.args == ["done"]
    assert seen == [0, 1, 2]
    assert all(t is QThread.currentThread() for t in threads)
    assert task.worker_thread != threading.get_ident()
    qtbot.waitUntil(lambda: task not in runner.active())
    assert task.done and not task.running


def test_canvas_error_becomes_its_sentence(qtbot, runner):
    def boom():
        raise NetworkError("Could not reach Canvas at 127.0.0.1; check your connection.")
    task = CallTask(boom)
    with qtbot.waitSignal(task.failed, timeout=5000) as blocker:
        with qtbot.assertNotEmitted(task.finished):
            runner.start(task)
    assert blocker.args == ["Could not reach Canvas at 127.0.0.1; check your connection."]


def test_unexpected_error_is_a_sentence_without_traceback(qtbot, runner):
    task = CallTask(lambda: {}["missing"])
    with qtbot.waitSignal(task.failed, timeout=5000) as blocker:
        runner.start(task)
    text = blocker.args[0]
    assert "KeyError" in text and "Traceback" not in text and "\n" not in text


def test_cancel_ends_with_cancelled_only(qtbot, runner):
    gate = threading.Event()
    task = _Steps(gate)
    runner.start(task)
    qtbot.waitUntil(lambda: task.worker_thread is not None, timeout=5000)
    with qtbot.waitSignal(task.cancelled, timeout=5000):
        with qtbot.assertNotEmitted(task.finished), qtbot.assertNotEmitted(task.failed):
            task.cancel()
            gate.set()


def test_iterator_result_is_read_on_worker(qtbot, runner):
    reader = []

    def pages():
        reader.append(threading.get_ident())
        yield from (1, 2, 3)
    task = CallTask(pages)
    with qtbot.waitSignal(task.finished, timeout=5000) as blocker:
        runner.start(task)
    assert blocker.args == [[1, 2, 3]]
    assert reader and reader[0] != threading.get_ident()


def test_shared_runner_keeps_task_alive(qtbot):
    results = []
    tasks.start(CallTask(lambda a, b=0: a + b, 2, b=3)).finished.connect(results.append)
    qtbot.waitUntil(lambda: results == [5], timeout=5000)


def test_describe_error_for_files(tmp_path):
    assert "Could not find" in describe_error(FileNotFoundError(2, "No such file", str(tmp_path / "x.csv")))
    assert describe_error(Cancelled("Upload cancelled.")) == "Upload cancelled."


def test_owner_destroyed_silences_task(qtbot, runner):
    from PySide6.QtWidgets import QWidget
    owner = QWidget()
    gate = threading.Event()
    task = _Steps(gate)
    heard = []
    for signal in (task.finished, task.failed, task.cancelled, task.progress):
        signal.connect(lambda *a: heard.append(a))
    runner.start(task, owner)
    qtbot.waitUntil(lambda: task.worker_thread is not None, timeout=5000)
    owner.deleteLater()
    qtbot.waitUntil(lambda: task.silenced, timeout=5000)
    heard.clear()
    gate.set()
    qtbot.waitUntil(lambda: task not in runner.active(), timeout=5000)
    assert task.is_cancelled and heard == []


def test_an_ended_task_is_not_kept_alive_by_its_owner(qtbot, runner):
    import gc
    import weakref
    from PySide6.QtCore import QObject
    owner = QObject()
    task = CallTask(lambda: 1)
    task.finished.connect(lambda _, t=task: t.done)  # as the app's slots do: a cycle via Qt
    with qtbot.waitSignal(task.finished, timeout=5000):
        runner.start(task, owner)
    qtbot.waitUntil(lambda: task not in runner.active())
    gone = weakref.ref(task)
    del task
    gc.collect()
    assert gone() is None  # the owner (e.g. the main window) lives on; the task does not
    owner.deleteLater()


def test_upload_progress_is_thinned_for_the_gui_thread(qtbot):
    """A fast upload reports thousands of blocks; the GUI gets a few updates and the last."""
    from sis_desktop.gui.import_controller import UploadTask
    task = UploadTask(None)
    seen = []
    task.progress.connect(seen.append)
    total = 5000 * 1024
    for sent in range(0, total + 1, 1024):  # 5,001 block reports, far under a second
        task._bytes_sent(sent, total)
    qtbot.waitUntil(lambda: bool(seen) and seen[-1] == (total, total), timeout=5000)
    assert seen[0] == (0, total)
    assert len(seen) < 100
