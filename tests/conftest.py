"""Shared fixtures: every test gets its own config/data/log folders and an in-memory keyring."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path, monkeypatch):
    """Each test writes its settings, history and logs under its own tmp folder."""
    dirs = {name: tmp_path / name for name in ("config", "data", "logs")}
    for path in dirs.values():
        path.mkdir()
    monkeypatch.setenv("SIS_DESKTOP_CONFIG_DIR", str(dirs["config"]))
    monkeypatch.setenv("SIS_DESKTOP_DATA_DIR", str(dirs["data"]))
    monkeypatch.setenv("SIS_DESKTOP_LOG_DIR", str(dirs["logs"]))
    monkeypatch.delenv("CANVAS_API_TOKEN", raising=False)
    return dirs


@pytest.fixture
def sandbox(tmp_path):
    """A running local Canvas stand-in (sis_desktop.sandbox.Sandbox) so fast that small
    imports finish well under a second; `sandbox.client()` gives a CanvasClient for it."""
    from sis_desktop.sandbox import Sandbox

    server = Sandbox(speed=1000.0, data_dir=tmp_path / "sandbox").start()
    try:
        yield server
    finally:
        server.close()
