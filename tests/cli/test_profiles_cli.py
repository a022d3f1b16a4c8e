"""`sis-desktop-cli profiles …`: tokens to the keyring only, never printed or written to a file."""
from __future__ import annotations

import getpass
import io
import json
import os
import subprocess
import sys

import pytest

from sis_desktop.cli.main import main
from sis_desktop.core.profiles import ProfileStore

TOKEN = "7~CliTokenNeverPrinted0123456789abcdef"


def run(capsys, monkeypatch, *argv, stdin: str = ""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert TOKEN not in out and TOKEN not in err
    return code, out, err


def files_with_token(isolated_dirs, tmp_path):
    return [str(p) for p in tmp_path.rglob("*") if p.is_file() and TOKEN.encode() in p.read_bytes()]


def test_add_list_remove(capsys, monkeypatch, memory_keyring, isolated_dirs, tmp_path):
    code, out, _ = run(capsys, monkeypatch, "profiles", "add", "Prod", "--url",
                       "https://school.instructure.com/api/v1/", "--account", "1", "--token-stdin",
                       stdin=TOKEN + "\n")
    assert code == 0, out
    assert "token stored in Memory Keyring" in out
    [profile] = ProfileStore().load()
    assert profile.url == "https://school.instructure.com"
    assert memory_keyring.entries == {("sis-desktop", profile.id): TOKEN}

    code, out, _ = run(capsys, monkeypatch, "profiles", "list", "--json")
    assert code == 0
    assert json.loads(out) == [{"id": profile.id, "name": "Prod", "url": "https://school.instructure.com",
                                "account_id": "1", "token_storage": "stored in Memory Keyring",
                                "ca_bundle": None, "defaults": {}}]
    code, out, _ = run(capsys, monkeypatch, "profiles", "list")
    assert "Prod" in out and "token stored in Memory Keyring" in out

    code, out, _ = run(capsys, monkeypatch, "profiles", "remove", "prod")
    assert code == 0 and out.strip() == "Removed profile 'Prod' and its token in Memory Keyring."
    assert memory_keyring.entries == {} and ProfileStore().load() == []
    assert files_with_token(isolated_dirs, tmp_path) == []


class Terminal(io.StringIO):
    """Standard input that is a terminal."""

    def isatty(self) -> bool:
        return True


def test_add_prompts_without_echo(capsys, monkeypatch, memory_keyring):
    prompts = []
    monkeypatch.setattr(getpass, "getpass", lambda prompt: prompts.append(prompt) or TOKEN)
    monkeypatch.setattr(sys, "stdin", Terminal())
    code = main(["profiles", "add", "Prod", "--url", "https://a.example.edu", "--account", "1"])
    assert code == 0 and prompts == ["Canvas access token (not shown): "]
    assert list(memory_keyring.entries.values()) == [TOKEN]


@pytest.mark.parametrize("argv, words", [
    (["--url", "http://a.example.edu", "--account", "1"], "plain http"),
    (["--url", "https://a.example.edu", "--account", "x"], "not an account id"),
])
def test_add_with_bad_input_saves_nothing(capsys, monkeypatch, memory_keyring, argv, words):
    code, _, err = run(capsys, monkeypatch, "profiles", "add", "Prod", *argv, "--token-stdin",
                       stdin=TOKEN)
    assert code == 2 and words in err and "Traceback" not in err
    assert memory_keyring.entries == {} and ProfileStore().load() == []


def test_add_twice_and_empty_token(capsys, monkeypatch, memory_keyring):
    args = ("profiles", "add", "Prod", "--url", "https://a.example.edu", "--account", "1", "--token-stdin")
    assert run(capsys, monkeypatch, *args, stdin=TOKEN)[0] == 0
    code, _, err = run(capsys, monkeypatch, *args[:2], "PROD", *args[3:], stdin=TOKEN)
    assert code == 2 and "already exists" in err
    code, _, err = run(capsys, monkeypatch, *args[:2], "Other", *args[3:], stdin="\n")
    assert code == 2 and "No token was given" in err
    assert [p.name for p in ProfileStore().load()] == ["Prod"] and len(memory_keyring.entries) == 1


def test_add_without_a_keyring_saves_nothing(capsys, monkeypatch, use_keyring, isolated_dirs, tmp_path):
    use_keyring("fail")
    code, out, err = run(capsys, monkeypatch, "profiles", "add", "Prod", "--url",
                         "https://a.example.edu", "--account", "1", "--token-stdin", stdin=TOKEN)
    assert code != 0
    assert "No secure keyring is available" in err and "CANVAS_API_TOKEN" in err
    assert ProfileStore().load() == []
    assert files_with_token(isolated_dirs, tmp_path) == []
    # saving the profile alone is possible, for use with CANVAS_API_TOKEN
    code, out, _ = run(capsys, monkeypatch, "profiles", "add", "Prod", "--url",
                       "https://a.example.edu", "--account", "1", "--no-token")
    assert code == 0 and "CANVAS_API_TOKEN" in out
    code, out, err = run(capsys, monkeypatch, "profiles", "list", "--json")
    assert json.loads(out)[0]["token_storage"] == "no token saved"
    assert "No secure keyring is available" not in out


def test_add_without_a_keyring_in_a_real_process(isolated_dirs):
    """The real entry point in its own process, with keyring's fail backend chosen by environment."""
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    proc = subprocess.run([sys.executable, "-c", "import sys; from sis_desktop.cli.main import main; "
                           "sys.exit(main())", "profiles", "add", "Prod",
                           "--url", "https://a.example.edu", "--account", "1", "--token-stdin"],
                          input=TOKEN + "\n", capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith("sis-desktop-cli: Nothing was saved. No secure keyring is available")
    assert "CANVAS_API_TOKEN" in proc.stderr and TOKEN not in proc.stderr + proc.stdout
    assert not (isolated_dirs["config"] / "profiles.json").exists()


def test_token_command_replaces_the_token(capsys, monkeypatch, memory_keyring):
    run(capsys, monkeypatch, "profiles", "add", "Prod", "--url", "https://a.example.edu",
        "--account", "1", "--no-token")
    code, out, _ = run(capsys, monkeypatch, "profiles", "token", "prod", "--token-stdin", stdin=TOKEN)
    assert code == 0 and out.strip() == "The token of 'Prod' is now stored in Memory Keyring."
    assert list(memory_keyring.entries.values()) == [TOKEN]


def test_unknown_profile(capsys, monkeypatch, memory_keyring):
    for action in ("remove", "test", "token"):
        code, _, err = run(capsys, monkeypatch, "profiles", action, "Nope")
        assert code == 2 and "no profile named 'Nope'" in err


def test_export_and_import(capsys, monkeypatch, memory_keyring, tmp_path, isolated_dirs):
    run(capsys, monkeypatch, "profiles", "add", "Prod", "--url", "https://a.example.edu",
        "--account", "1", "--token-stdin", stdin=TOKEN)
    export = tmp_path / "export.json"
    code, out, _ = run(capsys, monkeypatch, "profiles", "export", str(export))
    assert code == 0 and "Exported 1 profile(s)" in out
    assert TOKEN not in export.read_text()
    run(capsys, monkeypatch, "profiles", "remove", "Prod")
    code, out, _ = run(capsys, monkeypatch, "profiles", "import", str(export))
    assert code == 0 and "Imported 1 profile(s): Prod." in out
    code, out, err = run(capsys, monkeypatch, "profiles", "import", str(export))
    assert "'Prod' was skipped" in err and "Imported 0 profile(s)" in out
    assert json.loads(run(capsys, monkeypatch, "profiles", "list", "--json")[1])[0]["token_storage"] == "no token saved"
    code, _, err = run(capsys, monkeypatch, "profiles", "import", str(tmp_path / "missing.json"))
    assert code == 2 and "does not exist" in err
    assert files_with_token(isolated_dirs, tmp_path) == []


def test_corrupt_profiles_file_is_reported(capsys, monkeypatch, memory_keyring, isolated_dirs):
    (isolated_dirs["config"] / "profiles.json").write_text("{oops")
    code, out, err = run(capsys, monkeypatch, "profiles", "list", "--json")
    assert code == 0 and json.loads(out) == []
    assert "could not be used because it is not valid JSON" in err


def test_profiles_test_against_the_sandbox(capsys, monkeypatch, memory_keyring, sandbox):
    for name, account in (("Root", sandbox.account_id), ("Sub", 2)):
        code, _, _ = run(capsys, monkeypatch, "profiles", "add", name, "--url", sandbox.url,
                         "--account", str(account), "--token-stdin", stdin=sandbox.token)
        assert code == 0
    code, out, err = run(capsys, monkeypatch, "profiles", "test", "root")
    assert code == 0 and out.startswith("'Root' works") and err == ""
    code, out, err = run(capsys, monkeypatch, "profiles", "test", "Sub")
    assert code == 3 and out == ""
    assert err.strip() == ("sis-desktop-cli: Account 2 (Sandbox Sub-account) is a sub-account; "
                           "SIS imports run on the root account (id 1).")
    assert sandbox.token not in out + err


def test_profiles_test_with_a_revoked_token(capsys, monkeypatch, memory_keyring, sandbox):
    run(capsys, monkeypatch, "profiles", "add", "Root", "--url", sandbox.url, "--account", "1",
        "--token-stdin", stdin="revoked-" + sandbox.token)
    code, _, err = run(capsys, monkeypatch, "profiles", "test", "Root")
    assert code == 3 and "rejected the access token" in err and "revoked-" not in err


def test_profiles_test_without_a_token(capsys, monkeypatch, memory_keyring, sandbox):
    run(capsys, monkeypatch, "profiles", "add", "Root", "--url", sandbox.url, "--account", "1", "--no-token")
    code, _, err = run(capsys, monkeypatch, "profiles", "test", "Root")
    assert code == 2 and "has no saved token" in err


def test_profiles_test_with_a_malformed_saved_token(capsys, monkeypatch, memory_keyring, sandbox):
    """A token put in the keyring by an older version or another tool: a sentence, not a crash."""
    run(capsys, monkeypatch, "profiles", "add", "Root", "--url", sandbox.url, "--account", "1", "--no-token")
    [profile] = ProfileStore().load()
    memory_keyring.entries[("sis-desktop", profile.id)] = "Bearer 7~abc"
    code, _, err = run(capsys, monkeypatch, "profiles", "test", "Root")
    assert code == 2 and "copy it again from Canvas" in err and "profiles token Root" in err
    assert "7~abc" not in err


# ---- issue 12 §8: the CLI speaks of the CLI ----------------------------------------------------
def test_without_a_keyring_the_advice_is_for_the_command_line(capsys, monkeypatch, use_keyring):
    use_keyring("fail")
    code, out, err = run(capsys, monkeypatch, "profiles", "add", "Prod", "--url",
                         "https://a.example.edu", "--account", "1", "--token-stdin", stdin=TOKEN)
    assert code == 2
    assert "session only" not in err  # that is the desktop app's way, not the CLI's
    assert "--no-token" in err and "CANVAS_API_TOKEN" in err


def test_no_token_is_documented(capsys):
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "--no-token" in readme
    with pytest.raises(SystemExit):
        main(["profiles", "add", "--help"])
    assert "--no-token" in capsys.readouterr().out


def test_profiles_test_honours_the_environment_token(capsys, monkeypatch, memory_keyring, sandbox):
    run(capsys, monkeypatch, "profiles", "add", "Root", "--url", sandbox.url, "--account", "1",
        "--no-token")
    monkeypatch.setenv("CANVAS_API_TOKEN", sandbox.token)
    code, out, err = run(capsys, monkeypatch, "profiles", "test", "Root")
    assert code == 0 and "token from CANVAS_API_TOKEN is accepted" in out, err
    # the environment wins over a saved token, as the README says
    run(capsys, monkeypatch, "profiles", "token", "Root", "--token-stdin", stdin="revoked-x")
    code, out, _ = run(capsys, monkeypatch, "profiles", "test", "Root")
    assert code == 0
    monkeypatch.setenv("CANVAS_API_TOKEN", "revoked-" + sandbox.token)
    code, _, err = run(capsys, monkeypatch, "profiles", "test", "Root")
    assert code == 3 and "rejected the access token" in err


def test_add_without_a_terminal_reads_stdin_without_a_warning(memory_keyring, isolated_dirs):
    """No terminal (a pipe, cron, CI): the token comes from standard input, no GetPassWarning."""
    proc = subprocess.run([sys.executable, "-c", "import sys; from sis_desktop.cli.main import main; "
                           "sys.exit(main())", "profiles", "add", "Prod",
                           "--url", "https://a.example.edu", "--account", "1", "--no-token"],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0
    code = ("import sys, keyring\n"
            "from tests.conftest import MemoryKeyring\n"
            "keyring.set_keyring(MemoryKeyring())\n"
            "from sis_desktop.cli.main import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    proc = subprocess.run([sys.executable, "-c", code, "profiles", "add", "Test",
                           "--url", "https://b.example.edu", "--account", "1"],
                          input=TOKEN + "\n", capture_output=True, text=True, timeout=60,
                          cwd=str(__import__("pathlib").Path(__file__).resolve().parents[2]))
    assert "GetPassWarning" not in proc.stderr and "echo" not in proc.stderr.lower()
    assert proc.returncode == 0, proc.stderr
    assert "token stored in Memory Keyring" in proc.stdout
    assert TOKEN not in proc.stdout + proc.stderr
