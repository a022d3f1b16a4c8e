"""`sis-desktop-cli import/status/list/abort/errors/restore` against the sandbox: exit codes,
--json output, and one sentence (never a traceback) for every refusal."""
from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from sis_desktop.cli.main import main
from sis_desktop.core.canvas.models import WorkflowState
from tests.conftest import installed_script

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"



def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- import ----------------------------------------------------------------------------------
def test_import_json_prints_only_canvas_object_and_records_history(cli, sandbox):
    code, out, _ = cli("import", SAMPLES / "users.csv", "--json")
    assert code == 0
    obj = json.loads(out)
    assert obj["workflow_state"] == "created" and obj["data"] == {"import_type": "instructure_csv"}
    assert obj["id"] == sandbox.import_json(obj["id"])["id"] and "batch_mode" in obj  # Canvas's own keys
    from sis_desktop.core.history import History
    entry = History().recent()[0]
    assert entry.import_id == obj["id"] and entry.files[0]["name"] == "users.csv"
    assert len(entry.files[0]["sha256"]) == 64


def test_import_wait_json_ends_with_the_final_object(cli):
    code, out, err = cli("import", SAMPLES / "users.csv", SAMPLES / "courses.csv", "--wait", "--json")
    assert code == 0
    final = json.loads(out)
    assert WorkflowState(final["workflow_state"]).is_success and final["progress"] == 100
    from sis_desktop.core.history import History
    assert History().recent()[0].workflow_state == final["workflow_state"]


def test_import_wait_text_summary(cli):
    code, out, err = cli("import", SAMPLES / "enrollments_with_warnings.csv", "--raw", "--wait")
    assert code == 0
    assert "Imported with messages" in out and "warning" in out
    assert "Import " in err  # progress lines on stderr


def test_import_that_fails_exits_1(cli, sandbox):
    sandbox.fail_next_import("boom")
    code, out, _ = cli("import", SAMPLES / "users.csv", "--wait", "--json")
    assert code == 1 and json.loads(out)["workflow_state"] == "failed"


def test_validation_errors_stop_the_upload_unless_forced(cli, sandbox, tmp_path):
    bad = tmp_path / "mystery.csv"
    bad.write_text("what,is,this\n1,2,3\n", encoding="utf-8")
    code, out, err = cli("import", bad)
    assert code == 2 and "Couldn't find Canvas CSV import headers" in err and "--force" in err
    assert list(sandbox.client().list_imports()) == []
    code, out, err = cli("import", bad, "--force", "--json")
    assert code == 0 and json.loads(out)["workflow_state"] == "created"
    code, out, err = cli("import", bad, "--no-validate", "--wait", "--json")
    assert code == 1 and json.loads(out)["workflow_state"] == "failed_with_messages"


@pytest.mark.parametrize("args, fragment", [
    (["import", "missing.csv"], "does not exist"),
    (["import", str(SAMPLES / "users.csv"), "--batch-mode"], "--batch-mode needs a term: give "
                                                              "--batch-term-id ID"),
    (["import", str(SAMPLES / "users.csv"), "--add-sis-stickiness"],
     "only work together with --override-sis-stickiness"),
    (["import", str(SAMPLES / "users.csv"), "--multi-term-batch-mode"],
     "--multi-term-batch-mode needs --change-threshold N"),
    (["import", str(SAMPLES / "users.csv"), "--diffing-remaster-data-set"],
     "--diffing-remaster-data-set needs --diffing-data-set-identifier ID"),
    (["import", str(SAMPLES / "users.csv"), "--change-threshold", "120"],
     "--change-threshold is a percentage"),
    (["import", str(SAMPLES / "users.csv"), str(SAMPLES / "sample_import.zip")], "on its own"),
    (["restore", "1", "--undelete-only", "--unconclude-only"], "not both"),
    (["abort"], "--all-pending"),
    (["list", "--since", "yesterday"], "2025-01-31T08:00:00Z"),
])
def test_bad_usage_exits_2_with_a_sentence(cli, sandbox, args, fragment):
    code, out, err = cli(*args)
    assert code == 2 and fragment in err and out == ""
    assert list(sandbox.client().list_imports()) == []


def test_not_csv_or_zip_exits_2(cli, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    code, _, err = cli("import", notes)
    assert code == 2 and "neither a .csv nor a .zip" in err


def test_insecure_url_and_missing_token_exit_2(cli, monkeypatch):
    code, _, err = cli("list", url="http://canvas.example.edu")
    assert code == 2 and "plain http" in err
    monkeypatch.delenv("CANVAS_API_TOKEN")
    code, _, err = cli("list")
    assert code == 2 and "CANVAS_API_TOKEN" in err


def test_profile_gives_url_and_account(cli, sandbox, capsys):
    from sis_desktop.core.profiles import Profile, ProfileStore
    ProfileStore().add(Profile.new("sandbox", sandbox.url, "1"))
    sandbox.client().create_import(SAMPLES / "users.csv")
    capsys.readouterr()
    code = main(["--profile", "sandbox", "list", "--json"])
    out, err = capsys.readouterr()
    assert code == 0 and len(json.loads(out)) == 1
    code = main(["--profile", "nobody", "list"])
    assert code == 2 and "nobody" in capsys.readouterr().err


@pytest.mark.parametrize("kwargs", [{"account": "2"}, {"account": "3"}])
def test_canvas_refusals_exit_3(cli, kwargs):
    code, _, err = cli("list", **kwargs)
    assert code == 3 and err.startswith("sis-desktop-cli: ") and err.strip().endswith(".")


def test_wrong_token_and_unreachable_exit_3(cli, monkeypatch):
    code, _, err = cli("list", url=f"http://127.0.0.1:{closed_port()}")
    assert code == 3 and "Could not connect" in err
    monkeypatch.setenv("CANVAS_API_TOKEN", "not-the-token")
    code, _, err = cli("status", "1")
    assert code == 3 and "access token" in err and "not-the-token" not in err


# ---- status / list / abort / errors / restore --------------------------------------------------
def test_status_list_and_abort(cli, sandbox):
    client = sandbox.client()
    done = client.poll(client.create_import(SAMPLES / "users.csv").id, intervals=(0.01,))
    sandbox.hold()
    queued = client.create_import(SAMPLES / "courses.csv")

    code, out, _ = cli("status", done.id, "--json")
    assert code == 0 and json.loads(out)["workflow_state"] == "imported"
    code, out, _ = cli("list", "--json", "--state", "created")
    assert code == 0 and [i["id"] for i in json.loads(out)] == [queued.id]
    code, out, _ = cli("list", "--limit", "1", "--json")
    assert [i["id"] for i in json.loads(out)] == [queued.id]
    code, out, _ = cli("list")
    assert code == 0 and str(done.id) in out and "imported" in out

    code, out, _ = cli("abort", queued.id)
    assert code == 0 and "Aborted" in out
    code, out, _ = cli("status", queued.id, "--json")
    assert code == 1 and json.loads(out)["workflow_state"] == WorkflowState.ABORTED.value
    code, _, err = cli("abort", queued.id)
    assert code == 3 and "already finished" in err

    client.create_import(SAMPLES / "terms.csv")
    code, out, _ = cli("abort", "--all-pending")
    assert code == 0 and "aborted" in out
    assert list(client.list_imports(states=["created"])) == []


def test_status_wait_follows_to_the_end(cli, sandbox):
    created = sandbox.client().create_import(SAMPLES / "users.csv")
    code, out, _ = cli("status", created.id, "--wait")
    assert code == 0 and "Imported" in out


def test_errors_as_csv_to_a_file_and_to_stdout(cli, sandbox, tmp_path):
    client = sandbox.client()
    imp = client.poll(client.create_import(SAMPLES / "enrollments_with_warnings.csv").id, intervals=(0.01,))
    target = tmp_path / "errors.csv"
    code, _, err = cli("errors", imp.id, "--output", target)
    assert code == 0 and "written to" in err
    rows = list(csv.reader(target.open(encoding="utf-8")))
    assert rows[0] == ["sis_import_id", "file", "message", "row"]
    assert len(rows) - 1 == len(list(client.import_errors(imp.id))) > 0
    assert rows[1][0] == str(imp.id) and rows[1][1] == "enrollments_with_warnings.csv"
    code, out, _ = cli("errors", imp.id)
    assert out.splitlines()[0] == "sis_import_id,file,message,row"


def test_restore(cli, sandbox):
    client = sandbox.client()
    imp = client.poll(client.create_import(SAMPLES / "users.csv").id, intervals=(0.01,))
    code, out, _ = cli("restore", imp.id, "--undelete-only")
    assert code == 0 and f"import {imp.id}" in out
    # The restore job starts a moment later: until then the import still reads `imported`.
    pause = threading.Event()
    for _ in range(500):
        if client.get_import(imp.id).workflow_state is WorkflowState.PARTIALLY_RESTORED:
            break
        pause.wait(0.01)
    assert client.get_import(imp.id).workflow_state is WorkflowState.PARTIALLY_RESTORED


# ---- the installed command --------------------------------------------------------------------
def test_installed_cli_import_wait_json(sandbox, isolated_dirs, tmp_path):
    CLI = str(installed_script("sis-desktop-cli"))
    env = {"CANVAS_API_TOKEN": sandbox.token, "PATH": os.defpath,  # the system default
           "SIS_DESKTOP_CONFIG_DIR": str(isolated_dirs["config"]),
           "SIS_DESKTOP_DATA_DIR": str(isolated_dirs["data"]),
           "SIS_DESKTOP_LOG_DIR": str(isolated_dirs["logs"])}
    done = subprocess.run([CLI, "--url", sandbox.url, "--account", "1", "import",
                           str(SAMPLES / "users.csv"), "--wait", "--json"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["workflow_state"] == "imported"
    refused = subprocess.run([CLI, "--url", sandbox.url, "--account", "1", "list"],
                             capture_output=True, text=True, env={**env, "CANVAS_API_TOKEN": "wrong"},
                             timeout=60)
    assert refused.returncode == 3 and refused.stdout == ""
    assert "Traceback" not in refused.stderr and "access token" in refused.stderr
    insecure = subprocess.run([CLI, "--url", "http://canvas.example.edu", "--account", "1", "import",
                               str(SAMPLES / "users.csv")], capture_output=True, text=True, env=env, timeout=60)
    assert insecure.returncode == 2 and "Traceback" not in insecure.stderr


def test_progress_lines():
    import io
    from sis_desktop.cli.common import StatusLine, TransferBar, human_bytes
    from sis_desktop.core.canvas.models import SisImport
    stream = io.StringIO()
    bar = TransferBar(stream)
    bar.update(0, 4_000_000)
    bar.update(4_000_000, 4_000_000)
    bar.finish()
    text = stream.getvalue()
    assert "100%" in text and "4.0 MB of 4.0 MB" in text and "/s" in text and text.endswith("\n")
    lines = io.StringIO()
    status = StatusLine(lines)
    for state, progress in (("created", 0), ("created", 0), ("importing", 40), ("imported", 100)):
        status.update(SisImport.from_json({"id": 9, "workflow_state": state, "progress": progress}))
    assert lines.getvalue().splitlines() == [
        "Import 9: Queued, waiting for Canvas to start it, 0%", "Import 9: Importing, 40%",
        "Import 9: Imported, 100%"]
    assert human_bytes(999) == "999 B" and human_bytes(1_500_000_000) == "1.5 GB"


def test_import_whose_answer_was_lost_reports_the_import_found(cli, sandbox):
    sandbox.inject_fault("drop_after_body", method="POST")
    code, out, err = cli("import", SAMPLES / "users.csv", "--json")
    assert code == 0 and "do not send the file again" in err
    assert json.loads(out)["id"] == next(iter(sandbox.client().list_imports())).id


def test_many_findings_are_capped_before_upload(cli, tmp_path):
    users = tmp_path / "users.csv"
    rows = "".join(f"U{n},,First,Last,u{n}@example.edu,active\n" for n in range(80))
    users.write_text("user_id,login_id,first_name,last_name,email,status\n" + rows, encoding="utf-8")
    code, out, err = cli("import", users, "--json")
    assert code == 0 and json.loads(out)["workflow_state"] == "created"
    shown = [line for line in err.splitlines() if line.startswith(("warning:", "notice:", "error:"))]
    assert len(shown) == 50 and "lists them (up to 1,000 rows per message)" in err


# ---- odd input: one sentence, exit 2, nothing sent or written -------------------------------------
@pytest.mark.parametrize("argv", [["status", "abc"], ["abort", "-5"], ["errors", "1.5"],
                                  ["restore", "../1"]])
def test_an_import_id_must_be_a_number(cli, capsys, argv):
    with pytest.raises(SystemExit) as caught:
        cli(*argv)
    err = capsys.readouterr().err
    assert caught.value.code == 2 and "is not an import id" in err and "Traceback" not in err


@pytest.mark.parametrize("where", ["missing/errors.csv", "."])
def test_errors_output_to_a_missing_folder_or_a_folder_exits_2(cli, sandbox, tmp_path, where):
    code, out, err = cli("errors", "1", "--output", tmp_path / where)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert ("does not exist" if "missing" in where else "is a folder") in err
    assert not (tmp_path / "missing").exists()


def test_errors_output_is_replaced_only_when_complete(cli, sandbox, tmp_path):
    client = sandbox.client()
    imp = client.poll(client.create_import(SAMPLES / "enrollments_with_warnings.csv").id,
                      intervals=(0.01,))
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "errors.csv"
    target.write_text("the previous export\n")
    sandbox.inject_fault("401", path="/errors")
    code, _, err = cli("errors", imp.id, "--output", target)
    assert code == 3 and "access token" in err
    assert target.read_text() == "the previous export\n"
    assert [p.name for p in target.parent.iterdir()] == ["errors.csv"]  # no temp file left


def test_a_malformed_token_from_the_environment_exits_2(cli, monkeypatch):
    monkeypatch.setenv("CANVAS_API_TOKEN", "Bearer 7~abc")
    code, out, err = cli("list")
    assert code == 2 and out == "" and "copy it again from Canvas" in err
    assert "7~abc" not in err


@pytest.mark.parametrize("url", ["http://[::1", "http://127.0.0.1:99999"])
def test_a_malformed_url_exits_2(cli, url):
    code, _, err = cli("list", url=url)
    assert code == 2 and "is not a web address" in err
