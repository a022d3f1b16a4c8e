"""The profile the user last worked with, so the app opens where they left off.

Kept per user in `<config dir>/last_used.json` ({"profile": "<profile id>"}), written
atomically; an unreadable file is set aside (never overwritten) and counts as "none".
Session-only profiles are never remembered: they are gone when the app quits.
"""
from __future__ import annotations

import json
from pathlib import Path

from .paths import config_dir
from .storage import atomic_write_text, set_aside

FILE_NAME = "last_used.json"


def _path() -> Path:
    return config_dir() / FILE_NAME


def last_profile() -> str | None:
    """The id of the profile last chosen, or None (never chosen, or the file was unreadable
    and has been set aside)."""
    path = _path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError):
        try:
            set_aside(path)
        except OSError:
            pass
        return None
    value = data.get("profile") if isinstance(data, dict) else None
    return value if isinstance(value, str) and value else None


def remember_profile(profile_id: str) -> None:
    """Remember `profile_id` as the last one used (atomic write; skipped when unchanged)."""
    if last_profile() == profile_id:
        return
    atomic_write_text(_path(), json.dumps({"profile": profile_id}) + "\n")
