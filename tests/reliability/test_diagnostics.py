"""`diagnostics_text()`: what a bug report needs, and nothing it must not carry."""
from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from sis_desktop import __version__
from sis_desktop.core import diagnostics, logs
from tests.conftest import private_file

TOKEN = "tok-SECRET-1234567890"


@pytest.fixture(autouse=True)
def forget_token():
    yield
    logs.forget_secret(TOKEN)


def test_names_version_python_and_every_folder(isolated_dirs):
    logs.setup_logging()
    text = diagnostics.diagnostics_text()
    assert f"SIS Desktop {__version__}" in text
    assert f"Python {sys.version_info.major}.{sys.version_info.minor}" in text
    assert "Keyring: " in text
    for name in ("config", "data", "logs"):
        assert str(isolated_dirs[name]) in text
    assert str(isolated_dirs["logs"] / "sis-desktop.log") in text
    assert "requests " in text


def test_lists_recent_problems_masked(isolated_dirs):
    logs.setup_logging()
    logs.register_secret(TOKEN)
    logging.getLogger("sis_desktop.test").error("upload failed for %s", TOKEN)
    logging.getLogger("sis_desktop.test").info("routine line")
    text = diagnostics.diagnostics_text()
    assert "upload failed for [REDACTED]" in text
    assert "routine line" not in text
    assert TOKEN not in text


def test_says_none_when_nothing_went_wrong(isolated_dirs):
    text = diagnostics.diagnostics_text()
    assert "Recent warnings and errors (0):\n  none" in text
    assert "Log file: not started" in text


def test_carries_no_file_contents(isolated_dirs):
    marker = "MARKER-in-a-settings-file"
    (isolated_dirs["config"] / "profiles.json").write_text(f'{{"x": "{marker}"}}')
    (isolated_dirs["data"] / "notes.csv").write_text(marker)
    logs.setup_logging()
    assert marker not in diagnostics.diagnostics_text()


def test_reports_the_qt_version_when_qt_is_loaded():
    from PySide6 import QtCore
    assert f"Qt {QtCore.qVersion()}" in diagnostics.diagnostics_text()


def test_core_does_not_import_qt_to_report_it(isolated_dirs):
    code = ("import sys\n"
            "from sis_desktop.core import diagnostics\n"
            "text = diagnostics.diagnostics_text()\n"
            "assert 'PySide6' in text, text\n"
            "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt was imported'\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr


def test_crash_report_is_masked_private_and_complete(isolated_dirs):
    logs.setup_logging()
    logs.register_secret(TOKEN)
    try:
        raise ValueError(f"request failed: Authorization: Bearer {TOKEN} and access_token=abc123")
    except ValueError:
        path = diagnostics.write_crash_report(*sys.exc_info())
    assert path.parent == isolated_dirs["logs"] and path.name.startswith("crash-")
    text = path.read_text(encoding="utf-8")
    assert TOKEN not in text and "abc123" not in text
    assert "ValueError" in text and "Traceback" in text
    assert f"SIS Desktop {__version__}" in text
    assert private_file(path)
    assert "crash report saved" in logs.recent_problems()[-1]
    assert diagnostics.write_crash_report(ValueError, ValueError("again"), None) != path
