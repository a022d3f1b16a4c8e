"""The CLI tests' shared fixture."""
from __future__ import annotations

import pytest

from sis_desktop.cli.main import main


@pytest.fixture
def cli(sandbox, monkeypatch, capsys):
    """Run the CLI in-process against the sandbox; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("CANVAS_API_TOKEN", sandbox.token)

    def run(*args: str, account: str = "1", url: str | None = None):
        capsys.readouterr()
        code = main(["--url", url or sandbox.url, "--account", account, *map(str, args)])
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return code, out, err

    return run
