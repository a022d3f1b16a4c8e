"""Atomic writes on each platform's terms: the Windows branch (no os.fchmod before Python
3.13, os.replace refused while another program holds the target) runs here too, by taking
fchmod away and making os.replace fail the way Windows does."""
from __future__ import annotations

import os
import stat

import pytest

from sis_desktop.core import storage


@pytest.fixture
def windows(monkeypatch):
    """storage as it behaves on Windows before 3.13; records chmod calls and waits."""
    monkeypatch.setattr(storage, "WINDOWS", True)
    monkeypatch.delattr(storage.os, "fchmod", raising=False)
    calls = {"chmod": [], "sleep": []}
    real_chmod = os.chmod
    monkeypatch.setattr(storage.os, "chmod",
                        lambda name, mode: (calls["chmod"].append((name, mode)),
                                            real_chmod(name, mode))[1])
    monkeypatch.setattr(storage.time, "sleep", calls["sleep"].append)
    return calls


def refuse_replace(monkeypatch, times: int) -> list[str]:
    """os.replace fails `times` times as Windows does for a file open elsewhere."""
    real, attempts = os.replace, []

    def replace(src, dst):
        attempts.append(str(dst))
        if len(attempts) <= times:
            raise PermissionError(13, "The process cannot access the file because it is "
                                      "being used by another process")
        real(src, dst)
    monkeypatch.setattr(storage.os, "replace", replace)
    return attempts


def test_atomic_write_without_fchmod(windows, tmp_path):
    target = tmp_path / "Données élèves" / "profiles.json"
    storage.atomic_write_text(target, '{"ok": "é"}\n')
    assert target.read_text(encoding="utf-8") == '{"ok": "é"}\n'
    assert len(windows["chmod"]) == 1 and windows["chmod"][0][1] == 0o600
    assert windows["chmod"][0][0] != str(target)  # the temp file, before it is renamed
    assert [p.name for p in target.parent.iterdir()] == ["profiles.json"]


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes; the Windows branch is tested everywhere")
def test_posix_sets_the_mode_through_the_descriptor(tmp_path, monkeypatch):
    monkeypatch.setattr(storage.os, "chmod", lambda *a: pytest.fail("chmod by name"))
    target = tmp_path / "crash.txt"
    storage.atomic_write_text(target, "x", mode=0o600)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_windows_retries_a_target_held_open_elsewhere(windows, tmp_path, monkeypatch):
    target = tmp_path / "profiles.json"
    target.write_text("old")
    attempts = refuse_replace(monkeypatch, times=3)
    storage.atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert len(attempts) == 4 and windows["sleep"] == list(storage.REPLACE_WAITS[:3])


def test_windows_gives_up_and_leaves_the_old_file(windows, tmp_path, monkeypatch):
    target = tmp_path / "settings" / "profiles.json"
    target.parent.mkdir()
    target.write_text("old")
    attempts = refuse_replace(monkeypatch, times=100)
    with pytest.raises(PermissionError):
        storage.atomic_write_text(target, "new")
    assert len(attempts) == len(storage.REPLACE_WAITS) + 1
    assert target.read_text() == "old"
    assert [p.name for p in target.parent.iterdir()] == ["profiles.json"]  # no temp file left


def test_posix_does_not_retry(tmp_path, monkeypatch):
    monkeypatch.setattr(storage, "WINDOWS", False)
    monkeypatch.setattr(storage.time, "sleep", lambda s: pytest.fail("waited"))
    attempts = refuse_replace(monkeypatch, times=1)
    with pytest.raises(PermissionError):
        storage.atomic_write_text(tmp_path / "a.json", "x")
    assert len(attempts) == 1


def test_text_is_written_with_lf_on_every_platform(tmp_path):
    target = tmp_path / "a.json"
    storage.atomic_write_text(target, "one\ntwo\n")
    assert target.read_bytes() == b"one\ntwo\n"  # never CRLF, whatever os.linesep is
