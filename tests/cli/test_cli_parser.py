"""The CLI imports only the module of the command given (validate needs no HTTP stack)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from sis_desktop.cli.main import COMMAND_MODULES, build_parser, command_of


def test_the_command_map_matches_what_each_module_registers():
    full = build_parser()
    commands = set(full._subparsers._group_actions[0].choices)
    assert commands == {c for names in COMMAND_MODULES.values() for c in names}
    for names in COMMAND_MODULES.values():
        for name in names:
            assert name in build_parser(name)._subparsers._group_actions[0].choices


@pytest.mark.parametrize("argv, command", [
    (["validate", "a.csv"], "validate"),
    (["--url", "https://x.example", "--account", "1", "import", "a.csv"], "import"),
    (["--profile=main", "status", "7"], "status"),
    (["--timeout", "30", "list", "--url", "https://x.example"], "list"),
    (["--profile"], None),
    (["--help"], None),
])
def test_command_of(argv, command):
    assert command_of(argv) == command


def test_validate_does_not_load_the_http_stack(tmp_path):
    users = tmp_path / "users.csv"
    users.write_text("user_id,login_id,status\nU1,u1,active\n", encoding="utf-8")
    code = ("import sys; from sis_desktop.cli.main import main; rc = main(['validate', '--json', "
            f"{str(users)!r}]); print('requests' in sys.modules, rc)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip().splitlines()[-1] == "False 0"
