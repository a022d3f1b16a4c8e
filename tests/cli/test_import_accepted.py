"""Once Canvas has accepted an upload, the CLI never loses its id and never says "failed":
a broken history, a wait that stops early, Ctrl-C, a duplicate of recent files."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
from pathlib import Path

from sis_desktop.cli.main import EXIT_UNKNOWN, EXIT_USAGE
from tests.conftest import installed_script

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"



def test_an_unopenable_history_costs_one_warning_not_the_import(cli, sandbox, isolated_dirs):
    (isolated_dirs["data"] / "history.sqlite3").mkdir()  # a folder where the file should be
    code, out, err = cli("import", SAMPLES / "users.csv", "--wait")
    assert code == 0
    created = [line for line in out.splitlines() if line.startswith("Import ") and "created" in line]
    assert len(created) == 1
    import_id = int(created[0].split()[1])
    assert sandbox.import_json(import_id)["workflow_state"] == "imported"
    warnings = [line for line in err.splitlines() if "history" in line.lower()]
    assert len(warnings) == 1 and "the import itself is not affected" in warnings[0]


def test_an_unopenable_history_with_json_still_prints_the_object(cli, isolated_dirs):
    (isolated_dirs["data"] / "history.sqlite3").mkdir()
    code, out, err = cli("import", SAMPLES / "users.csv", "--json")
    assert code == 0 and json.loads(out)["id"] > 0
    assert err.count("could not be updated") == 1


def test_a_wait_that_stops_early_prints_the_id_and_exits_unknown(cli, sandbox, isolated_dirs):
    sandbox.hold()
    # every status check is refused from now on: following cannot go on
    sandbox.inject_fault("401", method="GET", path=r"/sis_imports/\d+$", count=100)
    code, out, err = cli("import", SAMPLES / "users.csv", "--wait", "--json")
    assert code == EXIT_UNKNOWN
    obj = json.loads(out)  # what was last seen, with its id
    assert obj["workflow_state"] == "created"
    assert f"follow it with 'sis-desktop-cli status {obj['id']} --wait'" in err
    from sis_desktop.core.history import History
    assert History().recent()[0].import_id == obj["id"]  # recorded as soon as it was known


def test_the_same_files_again_are_stopped_unless_forced(cli, sandbox):
    code, _, _ = cli("import", SAMPLES / "users.csv")
    assert code == 0
    code, out, err = cli("import", SAMPLES / "users.csv")
    assert code == EXIT_USAGE and out == ""
    assert "These files were sent to this account just now" in err and "--force" in err
    code, out, err = cli("import", SAMPLES / "users.csv", "--force")
    assert code == 0 and "sending again because of --force" in err


def test_ctrl_c_while_waiting_keeps_the_import_and_says_how_to_follow_it(sandbox, isolated_dirs):
    """A real process: SIGINT after Canvas accepted the upload."""
    env = {**os.environ, "CANVAS_API_TOKEN": sandbox.token,
           "SIS_DESKTOP_CONFIG_DIR": str(isolated_dirs["config"]),
           "SIS_DESKTOP_DATA_DIR": str(isolated_dirs["data"]),
           "SIS_DESKTOP_LOG_DIR": str(isolated_dirs["logs"])}
    sandbox.hold()  # the import stays queued: the CLI is waiting when we interrupt it
    proc = subprocess.Popen([str(installed_script("sis-desktop-cli")), "--url", sandbox.url,
                             "--account", "1", "import", str(SAMPLES / "users.csv"), "--wait"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        first = proc.stdout.readline()  # "Import N created: Created." is flushed at once
        assert first.startswith("Import ") and "created" in first, first
        import_id = int(first.split()[1].rstrip(":"))
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == EXIT_UNKNOWN, err
    assert "Traceback" not in err
    assert f"follow it with 'sis-desktop-cli status {import_id} --wait'" in err
    from sis_desktop.core.history import History
    assert History().recent()[0].import_id == import_id


def test_no_pass_over_the_files_only_to_hash_them(cli, tmp_path, monkeypatch):
    """The hash for history and the duplicate guard comes from a pass that reads the file
    anyway (the pre-flight check), never a pass of its own. `--no-validate` is the fast
    path: the file is opened once, to send it, and hashed not at all (its row has no
    checksum, so the duplicate guard does not match it)."""
    import builtins
    import io
    from sis_desktop.core.canvas import upload

    def no_hashing_pass(*args, **kwargs):
        raise AssertionError("a separate hashing pass over the file")
    monkeypatch.setattr(upload, "sha256_file", no_hashing_pass)
    path = tmp_path / "users.csv"
    path.write_bytes((SAMPLES / "users.csv").read_bytes())
    opened = []
    real_open = builtins.open

    def counting_open(file, *args, **kwargs):
        if str(file) == str(path):
            opened.append(str(file))
        return real_open(file, *args, **kwargs)
    monkeypatch.setattr(builtins, "open", counting_open)
    monkeypatch.setattr(io, "open", counting_open)
    code, out, _ = cli("import", path, "--no-validate", "--json")
    assert code == 0 and len(opened) == 1
    from sis_desktop.core.history import History
    first = History().recent()[0]
    assert first.import_id == json.loads(out)["id"]
    assert first.files[0]["sha256"] is None and first.files[0]["size"] == path.stat().st_size
    code, out, _ = cli("import", path, "--json")  # validated: the check's pass hashes it
    assert code == 0  # (the row without a checksum is no duplicate)
    second = History().recent()[0]
    assert second.files[0]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    code, out, err = cli("import", path, "--json")  # and now the guard knows these files
    assert code == 2 and "These files were sent to this account" in err, (out, err)
