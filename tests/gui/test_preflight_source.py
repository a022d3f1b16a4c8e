"""PreflightView marks SIS Desktop's own errors and warnings apart from Canvas's messages."""
from __future__ import annotations

from PySide6.QtCore import Qt

from sis_desktop.core.sis_csv import validate_paths
from sis_desktop.gui.preflight_view import PreflightView


def test_own_findings_are_marked(qtbot, tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "bad.csv").write_bytes(b"user_id,login_id,status\nu1,\xff,active\n")
    view = PreflightView()
    qtbot.addWidget(view)
    view.show_report(validate_paths([tmp_path / "empty.csv"]))
    cell = view.proxy.index(0, 0)
    assert cell.data(Qt.DisplayRole) == "Error (SIS Desktop)"
    assert "not a message Canvas would give" in cell.data(Qt.ToolTipRole)
    assert view.proxy.index(0, 3).data().startswith("Nothing in this upload would be imported")
    view.show_report(validate_paths([tmp_path / "bad.csv"]))  # Canvas's own "Invalid UTF-8"
    assert view.proxy.index(0, 0).data(Qt.DisplayRole) == "Error"
    assert view.proxy.index(0, 0).data(Qt.ToolTipRole) is None
