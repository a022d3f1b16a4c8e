"""The CLI speaks CLI (issue 12 §9): help for everything, global options anywhere, flags
named in errors, the GUI's duplicate warning, history showing which Canvas."""
from __future__ import annotations

import argparse

import pytest

from sis_desktop.cli.main import build_parser, main


def all_parsers(parser: argparse.ArgumentParser, path=()):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from all_parsers(sub, path + (name,))


def test_every_option_and_argument_has_help():
    missing = []
    for path, parser in all_parsers(build_parser()):
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._VersionAction,
                                   argparse._SubParsersAction)):
                continue
            if not action.help or action.help == argparse.SUPPRESS and not action.option_strings:
                missing.append(" ".join(path) + " " + (action.option_strings or [action.dest])[0])
    assert missing == []


SAMPLES = __import__("pathlib").Path(__file__).resolve().parents[2] / "resources" / "samples"


@pytest.fixture
def cli(sandbox, monkeypatch, capsys):
    monkeypatch.setenv("CANVAS_API_TOKEN", sandbox.token)

    def run(*args):
        capsys.readouterr()
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return code, out, err
    return run


def test_global_options_after_the_command(cli, sandbox):
    sandbox.client().create_import([str(SAMPLES / "users.csv")])
    code, out, err = cli("list", "--url", sandbox.url, "--account", "1")
    assert code == 0, err
    assert len(out.splitlines()) == 2  # header and the one import
    # before the command still works; after it wins
    code, out, err = cli("--url", "https://unused.example.edu", "--account", "9", "list",
                         "--url", sandbox.url, "--account", "1", "--json")
    assert code == 0, err


def test_flags_not_gui_labels_in_errors(cli, sandbox):
    code, _, err = cli("--url", sandbox.url, "--account", "1", "import", SAMPLES / "users.csv",
                       "--clear-sis-stickiness")
    assert code == 2 and "--override-sis-stickiness" in err and "UI" not in err


def test_terms_notice_only_for_a_full_batch(cli, sandbox):
    files = [SAMPLES / n for n in ("courses.csv", "sections.csv")]  # courses of 2 terms
    code, _, err = cli("--url", sandbox.url, "--account", "1", "import", *files)
    assert code == 0 and "belong to 2 terms" not in err
    code, _, err = cli("--url", sandbox.url, "--account", "1", "import", *files, "--batch-mode",
                       "--batch-term-id", "sis_term_id:F2026", "--change-threshold", "100",
                       "--force")
    assert "belong to 2 terms" in err


def test_sending_the_same_files_again_needs_force(cli, sandbox):
    args = ("--url", sandbox.url, "--account", "1", "import", SAMPLES / "users.csv")
    code, out, err = cli(*args)
    assert code == 0, err
    first = int(out.split()[1])
    code, out, err = cli(*args)
    assert code == 2 and out == ""
    assert "These files were sent to this account" in err and f"import {first}" in err
    assert "--force" in err
    assert [si.id for si in sandbox.client().list_imports()] == [first]
    code, out, err = cli(*args, "--force")
    assert code == 0 and "sending again because of --force" in err
    assert len(list(sandbox.client().list_imports())) == 2


def test_history_shows_which_canvas(cli, sandbox):
    code, out, err = cli("--url", sandbox.url, "--account", "1", "import", SAMPLES / "users.csv")
    assert code == 0, err
    code, out, _ = cli("history")
    head, row = out.splitlines()[:2]
    assert "CANVAS (ACCOUNT)" in head
    host = sandbox.url.split("://", 1)[1].rstrip("/")
    assert f"{host} (1)" in row
