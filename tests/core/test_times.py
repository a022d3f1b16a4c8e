"""One rule for times: aware everywhere, UTC for Canvas, local time with its zone for people."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from sis_desktop.core.canvas.models import parse_time
from sis_desktop.core.times import local_text, to_utc


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="no time zone"):
        to_utc(datetime(2026, 1, 10, 8, 0))


def test_aware_datetimes_become_utc():
    cet = timezone(timedelta(hours=1))
    assert to_utc(datetime(2026, 1, 10, 9, 0, tzinfo=cet)) == \
        datetime(2026, 1, 10, 8, 0, tzinfo=timezone.utc)


def test_canvas_times_are_utc_even_without_an_offset():
    assert parse_time("2026-01-10T08:00:00Z").tzinfo is not None
    assert parse_time("2026-01-10T08:00:00") == datetime(2026, 1, 10, 8, tzinfo=timezone.utc)


def test_local_text_names_the_zone(monkeypatch):
    import time
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        shown = local_text(datetime(2026, 1, 10, 13, 5, tzinfo=timezone.utc))
        assert shown == "2026-01-10 08:05 EST"
        assert local_text(None) == ""
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_list_and_since_use_the_same_rule(sandbox, monkeypatch, capsys):
    import time
    from sis_desktop.cli.main import main
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        monkeypatch.setenv("CANVAS_API_TOKEN", sandbox.token)
        sandbox.client().create_import(
            __import__("pathlib").Path(__file__).resolve().parents[2] / "resources" / "samples"
            / "users.csv")
        code = main(["--url", sandbox.url, "--account", "1", "list", "--since",
                     "2000-01-01T09:00:00"])  # no zone: local (Tokyo) time
        out = capsys.readouterr().out
        assert code == 0 and "CREATED (local time)" in out and " JST" in out
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
