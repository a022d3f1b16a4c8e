"""Nothing in the project names a path of one machine: a test that ran a script from one
developer's venv passed only where that venv existed, and the README's test command was red
on every fresh machine. Scripts are found next to `sys.executable`; files live in `tmp_path`."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXT = {".py", ".sh", ".md", ".toml", ".cfg", ".ini", ".txt", ".desktop", ".json", ".yml",
        ".yaml", ".csv"}
# built from pieces so that this file does not match itself
MACHINE_PATHS = re.compile("|".join([
    "/" + "work/",                       # this workplace's checkout and venvs
    "/" + r"root/\.",                    # root's dot folders (pyenv, cache…)
    r"\." + "pyenv/",
    "/" + r"home/[^/\s\"']+/",          # a user's home (any name, non-ASCII too)
    "/" + r"usr/(?:local/)?bin/(?!env\b)",  # installed programs (a `#!/usr/bin/env` is fine)
    r"[A-Za-z]:\\" + r"Users\\",         # a Windows profile
]))


def project_files():
    for path in ROOT.rglob("*"):
        parts = path.relative_to(ROOT).parts
        if any(p.startswith(".") and p not in (".ci",) for p in parts) or "__pycache__" in parts:
            continue
        if any(p.endswith(".egg-info") or p in ("build", "dist") for p in parts):
            continue
        if path.is_file() and (path.suffix in TEXT or path.parent.name == ".ci"):
            yield path


def test_no_file_names_a_path_of_one_machine():
    found = []
    for path in project_files():
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if MACHINE_PATHS.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert not found, "machine-specific paths:\n" + "\n".join(found)


def test_the_scan_sees_the_files_it_must():
    names = {p.relative_to(ROOT).as_posix() for p in project_files()}
    assert {"README.md", "pyproject.toml", ".ci/run", "tests/cli/test_imports.py"} <= names
