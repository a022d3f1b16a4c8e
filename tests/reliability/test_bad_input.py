"""The bad-input corpus (tests/data/bad/, big cases generated into tmp) through `validate`
and `import`: a clear message, exit 1 or 2, never a traceback, and nothing sent when the
file cannot be imported."""
from __future__ import annotations

import json
import os
import shutil

import pytest

from sis_desktop.cli.main import main
from sis_desktop.core.canvas.client import CanvasClient
from sis_desktop.core.canvas.errors import CanvasError
from sis_desktop.core.canvas.options import ImportOptions
from sis_desktop.core.history import History

from .helpers import BAD, USERS_CSV, load_corpus, one_sentence, write_big_csv

NON_ASCII = "name with spaces \u00e9l\u00e8ves \u5b66\u751f.csv"
MAX_OUTPUT = 10_000  # characters: a report never echoes megabytes of the file back


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    return load_corpus().make_big(tmp_path_factory.mktemp("big"))


def _path(name: str, big) -> str:
    return str(big[name]) if name in big else str(BAD / name)


@pytest.fixture
def run(capsys):
    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        assert len(out) + len(err) < MAX_OUTPUT, f"{len(out) + len(err):,} characters of output"
        return code, out, err
    return run


@pytest.fixture
def cli_import(sandbox, run, monkeypatch):
    monkeypatch.setenv("CANVAS_API_TOKEN", sandbox.token)
    return lambda *argv: run("--url", sandbox.url, "--account", "1", "import", *argv)


def test_committed_corpus_is_what_the_generator_writes(tmp_path):
    written = load_corpus().write_small(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in BAD.iterdir())
    for path in written:
        assert path.read_bytes() == (BAD / path.name).read_bytes(), path.name
        assert path.stat().st_size < 4096  # committed files stay small


def test_zip_bomb_expands_at_least_a_hundredfold(big):
    import zipfile
    with zipfile.ZipFile(big["zip_bomb"]) as zf:
        expanded = sum(i.file_size for i in zf.infolist())
    assert expanded >= 100 * big["zip_bomb"].stat().st_size


# ---- files Canvas would reject ---------------------------------------------------------------
REJECTED = [
    ("binary.csv", "Invalid UTF-8"),
    ("utf16.csv", "UTF-16"),
    ("latin1.csv", "Latin-1"),
    ("open_quote.csv", "Malformed CSV"),
    ("not_a_zip.zip", "not a readable zip"),
    ("zip_bomb", "100×"),
    ("one_line", "header"),
]


@pytest.mark.parametrize("name, words", REJECTED)
def test_validate_rejects_with_a_clear_message(run, big, name, words):
    code, out, err = run("validate", _path(name, big))
    assert code == 1
    assert words.lower() in out.lower()


@pytest.mark.parametrize("name, words", REJECTED)
def test_validate_json_stays_json(run, big, name, words):
    code, out, err = run("validate", "--json", _path(name, big))
    assert code == 1
    doc = json.loads(out)
    assert words.lower() in json.dumps(doc, ensure_ascii=False).lower()


@pytest.mark.parametrize("name, words", REJECTED)
def test_import_refuses_before_sending(cli_import, sandbox, big, name, words):
    code, out, err = cli_import(_path(name, big))
    assert code == 2
    assert words.lower() in err.lower()
    assert "pre-flight check found" in one_sentence(err.strip().splitlines()[-1])
    assert sandbox.imports == {} and History().recent() == []


# ---- uploads that would import nothing ---------------------------------------------------------
NOTHING = [("empty.csv", "empty"), ("readme_only.zip", "unknown file type"),
           ("nested.zip", "unknown file type")]


@pytest.mark.parametrize("name, words", NOTHING)
def test_validate_says_nothing_would_be_imported(run, name, words):
    code, out, err = run("validate", str(BAD / name))
    assert words in out
    assert code == 1, "an upload in which Canvas would import nothing is not a pass"


@pytest.mark.parametrize("name, words", NOTHING)
def test_import_does_not_send_an_upload_that_imports_nothing(cli_import, sandbox, name, words):
    code, out, err = cli_import(str(BAD / name))
    assert words in err
    assert code == 2
    assert sandbox.imports == {}


def test_header_only_is_allowed_with_a_notice(run):
    code, out, err = run("validate", str(BAD / "header_only.csv"))
    assert code == 0  # legitimate (e.g. a full batch that empties a type) but worth saying
    assert "only a header row" in out


def test_a_ten_megabyte_line_gets_a_short_report(run, big):
    code, out, err = run("validate", str(big["big_line"]))
    assert code == 1  # no SIS value is that long: "Field too long", the line is not held
    assert "Field too long: line 2 is longer than 1 MB" in out and len(out) < 1000


# ---- paths that are not files ------------------------------------------------------------------
@pytest.mark.parametrize("command", ["validate", "import"])
def test_missing_path_and_folder_are_usage_errors(run, sandbox, monkeypatch, tmp_path, command):
    monkeypatch.setenv("CANVAS_API_TOKEN", sandbox.token)
    prefix = [] if command == "validate" else ["--url", sandbox.url, "--account", "1"]
    for target, words in ((tmp_path / "missing.csv", "does not exist"), (tmp_path, "folder")):
        code, out, err = run(*prefix, command, str(target))
        assert code == 2
        assert words in one_sentence(err)
    assert sandbox.imports == {}


def test_file_vanishing_between_choice_and_upload(sandbox, tmp_path):
    chosen = tmp_path / "users.csv"
    shutil.copy(USERS_CSV, chosen)
    client = CanvasClient(sandbox.url, sandbox.token, 1)
    chosen.unlink()  # deleted after the user picked it
    with pytest.raises(CanvasError) as caught:
        client.create_import([chosen], ImportOptions())
    assert "does not exist" in one_sentence(str(caught.value))
    assert sandbox.imports == {}


@pytest.mark.parametrize("change", ["shrinks", "grows"])
def test_file_changing_during_upload_is_reported_and_not_imported(sandbox, tmp_path, change):
    """Size recorded at the start; the body must notice the file is not that size any more
    instead of sending a short body (the server waits: a read timeout) or a long one."""
    path = write_big_csv(tmp_path / "users.csv")
    size = path.stat().st_size
    sandbox.hold()
    changed = []

    def on_progress(sent: int, total: int) -> None:
        if sent and not changed:
            changed.append(sent)
            if change == "shrinks":
                os.truncate(path, size // 2)
            else:
                with open(path, "a", encoding="utf-8") as fh:
                    fh.write("x1,x1,A,B,x@example.edu,active\n" * 50_000)

    client = CanvasClient(sandbox.url, sandbox.token, 1, timeout=(5, 2))
    with pytest.raises(CanvasError) as caught:
        client.create_import([path], ImportOptions(), on_progress=on_progress)
    assert changed
    assert "changed" in one_sentence(str(caught.value))
    assert sandbox.imports == {}


# ---- awkward but fine names ----------------------------------------------------------------------
def test_names_with_spaces_and_non_ascii_go_through(cli_import, sandbox, tmp_path):
    code, out, err = cli_import("--wait", str(BAD / NON_ASCII))
    assert code == 0, err
    (entry,) = History().recent()
    assert entry.file_names == [NON_ASCII]
    assert entry.workflow_state.is_success
    second = tmp_path / "cours \u00e9t\u00e9 2026.csv"
    second.write_text("course_id,short_name,long_name,status\nc1,C1,Cours \u00e9t\u00e9,active\n",
                      encoding="utf-8")
    code, out, err = cli_import("--wait", str(BAD / NON_ASCII), str(second))
    assert code == 0, err
    assert len(sandbox.imports) == 2
