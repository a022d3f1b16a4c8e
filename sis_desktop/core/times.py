"""Times, one rule for all: every datetime the app keeps or compares is timezone-aware.

Canvas speaks UTC (`2026-01-10T08:00:00Z`); people read local time with the zone named.
A naive datetime is refused: it cannot say which of the two it meant.
"""
from __future__ import annotations

from datetime import datetime, timezone


def to_utc(value: datetime) -> datetime:
    """`value` in UTC; ValueError for a naive datetime (which zone did it mean?)."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"{value.isoformat()} has no time zone; give one (e.g. Z for UTC).")
    return value.astimezone(timezone.utc)


def local_text(value: datetime | None, *, seconds: bool = False) -> str:
    """'2026-12-07 16:05 CET' in this computer's zone ('' for None)."""
    if value is None:
        return ""
    shown = to_utc(value).astimezone()
    text = shown.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    zone = shown.tzname() or shown.strftime("%z")
    return f"{text} {zone}"
