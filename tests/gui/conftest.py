"""Fixtures more than one GUI test module uses."""
from __future__ import annotations

import pytest

from sis_desktop.core.history import History
from sis_desktop.gui import tasks
from sis_desktop.gui.history_view import HistoryView


@pytest.fixture
def history_view(qtbot):
    """A HistoryView of this test's own history; its tasks are finished afterwards."""
    widget = HistoryView(History())
    qtbot.addWidget(widget)
    yield widget
    widget.shutdown()
    tasks.runner().cancel_all()
    tasks.runner().wait(10_000)
