"""Fault matrix for the command line (`sis_desktop.cli.main.main` in-process) against the
sandbox: one sentence on stderr and the right exit code, history intact, no blind re-POST,
and `status --wait` picks up where a failure left off."""
from __future__ import annotations

import pytest

from sis_desktop.cli.main import main
from sis_desktop.core.canvas.models import WorkflowState
from sis_desktop.core.history import History

from .helpers import USERS_CSV, one_sentence, write_big_csv

CREATE = r"/sis_imports$"
ONE_IMPORT = r"/sis_imports/\d+$"


@pytest.fixture
def cli(sandbox, capsys, monkeypatch):
    """Runs the CLI against the sandbox: returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("CANVAS_API_TOKEN", sandbox.token)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["--url", sandbox.url, "--account", "1", *argv])
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out, err

    return run


def _problem(err: str) -> str:
    """The one `sis-desktop-cli: …` sentence the CLI printed for a failure."""
    lines = [line for line in err.splitlines() if line.startswith("sis-desktop-cli: ")]
    assert len(lines) == 1, err
    return one_sentence(lines[0])


def _states() -> dict[int, WorkflowState]:
    return {e.import_id: e.workflow_state for e in History().recent()}


def test_refused_connection_on_import(cli, sandbox):
    sandbox.stop()
    code, out, err = cli("import", str(USERS_CSV))
    assert code == 3
    assert "Could not connect" in _problem(err)
    assert _states() == {}
    sandbox.start()
    assert sandbox.imports == {}


def test_drop_mid_upload(cli, sandbox, tmp_path):
    big = write_big_csv(tmp_path / "users.csv")
    sandbox.hold()
    sandbox.inject_fault("drop", method="POST", path=CREATE)
    code, out, err = cli("import", "--no-validate", str(big))
    assert code == 3
    assert "no import was created" in _problem(err)
    assert _states() == {} and sandbox.imports == {}


def test_drop_after_body_finds_the_import_and_follows_it(cli, sandbox):
    sandbox.inject_fault("drop_after_body", method="POST", path=CREATE)
    code, out, err = cli("import", "--wait", str(USERS_CSV))
    assert code == 0, err
    (import_id,) = sandbox.imports  # exactly one create
    assert f"id {import_id}" in _problem(err)
    assert _states() == {import_id: WorkflowState.IMPORTED}
    assert f"Import {import_id}: Imported" in out


@pytest.mark.parametrize("kind, words", [
    ("throttle", "rate limit"), ("429", "rate limit"), ("401", "revoked"),
])
def test_refusals_on_import(cli, sandbox, kind, words):
    sandbox.inject_fault(kind, method="POST", path=CREATE)
    code, out, err = cli("import", str(USERS_CSV))
    assert code == 3
    assert words in _problem(err)
    assert sandbox.token not in out + err
    assert _states() == {} and sandbox.imports == {}


@pytest.mark.parametrize("kind, words", [
    ("500", "HTTP 500"), ("502", "HTTP 502"), ("503", "HTTP 503"), ("not_json", "not an import"),
])
def test_a_5xx_or_odd_answer_after_the_body_is_looked_up_never_try_again(cli, sandbox, kind,
                                                                         words):
    """A proxy's 5xx (or a page that is not JSON) after the whole body went out does not
    mean Canvas refused: the list is checked and exit 4 says "may exist, do not resend"."""
    sandbox.inject_fault(kind, method="POST", path=CREATE)
    code, out, err = cli("import", str(USERS_CSV))
    assert code == 4
    problem = _problem(err)
    assert words in problem and "may or may not exist" in problem
    assert "Check the import list" in problem and "send it again" not in problem.replace(
        "before sending it again", "")
    assert sandbox.token not in out + err
    assert _states() == {} and sandbox.imports == {}


@pytest.mark.parametrize("kind", ["503", "not_json", "drop", "429"])
def test_wait_rides_out_a_failed_poll(cli, sandbox, kind):
    sandbox.inject_fault(kind, method="GET", path=ONE_IMPORT, delay=0.05 if kind == "429" else None)
    code, out, err = cli("import", "--wait", str(USERS_CSV))
    assert code == 0, err
    assert sandbox.faults.pending() == []
    assert "sis-desktop-cli:" not in err
    assert list(_states().values()) == [WorkflowState.IMPORTED]


def test_401_mid_poll_then_status_wait_resumes(cli, sandbox):
    sandbox.hold()
    sandbox.inject_fault("401", method="GET", path=ONE_IMPORT)
    code, out, err = cli("import", "--wait", str(USERS_CSV))
    assert code == 4  # created; outcome unknown
    assert "revoked" in _problem(err)
    (import_id,) = sandbox.imports
    assert f"follow it with 'sis-desktop-cli status {import_id} --wait'" in err
    assert _states() == {import_id: WorkflowState.CREATED}  # recorded before polling
    sandbox.release()
    code, out, err = cli("status", str(import_id), "--wait")
    assert code == 0, err
    assert _states() == {import_id: WorkflowState.IMPORTED}


def test_server_restart_between_import_and_status(cli, sandbox):
    sandbox.hold()
    code, out, err = cli("import", str(USERS_CSV))
    assert code == 0, err
    (import_id,) = sandbox.imports
    sandbox.stop()
    code, out, err = cli("status", str(import_id))
    assert code == 3
    assert "Could not connect" in _problem(err)
    assert _states() == {import_id: WorkflowState.CREATED}
    sandbox.start()
    sandbox.release()
    code, out, err = cli("status", str(import_id), "--wait")
    assert code == 0, err
    assert _states() == {import_id: WorkflowState.IMPORTED}
    assert list(sandbox.imports) == [import_id]


def test_import_survives_an_unwritable_history(cli, sandbox, isolated_dirs, monkeypatch):
    """The upload worked; a history that cannot be opened is a warning, not a crash."""
    blocker = isolated_dirs["data"] / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("SIS_DESKTOP_DATA_DIR", str(blocker))
    code, out, err = cli("import", str(USERS_CSV))
    assert code == 0
    (import_id,) = sandbox.imports
    assert f"Import {import_id} created" in out
    assert "history" in _problem(err)
