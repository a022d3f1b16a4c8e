"""Merging the local history with Canvas's list of imports (pure part)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sis_desktop.core.canvas.models import SisImport, WorkflowState
from sis_desktop.core.history import History
from sis_desktop.core.import_list import merge_imports

URL = "https://school.instructure.com"
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)


def remote(import_id: int, minutes: int, state: str = "imported", progress: int = 100,
           attachments=()) -> SisImport:
    return SisImport.from_json({
        "id": import_id, "workflow_state": state, "progress": progress,
        "created_at": (T0 + timedelta(minutes=minutes)).isoformat(),
        "data": {"counts": {"error_count": 2, "warning_count": 0}},
        "csv_attachments": [{"display_name": n} for n in attachments]})


def local_entries(tmp_path, *specs):
    history = History(tmp_path / "h.sqlite3")
    for import_id, minutes in specs:
        history.record_created(
            profile="prod", url=URL, account_id=1,
            sis_import=SisImport.from_json({
                "id": import_id, "workflow_state": "created", "progress": 0,
                "created_at": (T0 + timedelta(minutes=minutes)).isoformat()}),
            files=[{"name": f"/x/sent{import_id}.csv", "size": 1, "sha256": "a"}], options={})
    return history.recent()


def test_canvas_state_wins_and_local_files_are_kept(tmp_path):
    local = local_entries(tmp_path, (10, 0), (12, 2))
    rows = merge_imports(local, [remote(12, 2, "importing", 40), remote(11, 1,
                                                                       attachments=["u.csv"])])
    assert [r.import_id for r in rows] == [12, 11, 10]
    mine, cron, old = rows
    assert mine.sent_here and mine.origin == "this app"
    assert mine.workflow_state is WorkflowState.IMPORTING and mine.progress == 40
    assert mine.is_running and mine.files == ["sent12.csv"] and mine.sis_import is not None
    assert not cron.sent_here and cron.origin == "sent elsewhere"
    assert cron.files == ["u.csv"] and cron.error_count == 2 and not cron.is_running
    assert old.sent_here and old.sis_import is None  # Canvas's page did not reach it
    assert old.workflow_state is WorkflowState.CREATED


def test_limit_keeps_the_newest(tmp_path):
    local = local_entries(tmp_path, (1, 0), (3, 30))
    rows = merge_imports(local, [remote(2, 10), remote(4, 40)], limit=3)
    assert [r.import_id for r in rows] == [4, 3, 2]


def test_empty_inputs():
    assert merge_imports([], []) == []
    assert [r.origin for r in merge_imports([], [remote(5, 0)])] == ["sent elsewhere"]
