"""ProfileStore: checked profiles, atomic JSON, corrupt files set aside, unknown keys kept."""
from __future__ import annotations

import json
import os

import pytest

from sis_desktop.core import storage
from sis_desktop.core.canvas.options import ImportOptions
from sis_desktop.core.profiles import (Profile, ProfileError, ProfileNotFound, ProfileStore,
                                       connection_for)
from sis_desktop.core.secrets import TokenStore
from tests.conftest import private_file

TOKEN = "7~ProfileTokenNeverOnDisk0123456789"


@pytest.fixture
def store():
    return ProfileStore()


def test_add_normalises_and_round_trips(store, isolated_dirs):
    saved = store.add(Profile.new("  Main   school ", "https://School.Instructure.com/api/v1/", 1,
                                  defaults={"batch_mode_term_id": "sis_term_id:T1",
                                            "override_sis_stickiness": True}))
    assert saved.name == "Main school"
    assert saved.url == "https://school.instructure.com"
    assert saved.account_id == "1"
    assert store.path == isolated_dirs["config"] / "profiles.json"
    assert private_file(store.path)
    [loaded] = ProfileStore().load()
    assert loaded == saved
    options = loaded.import_options()
    assert isinstance(options, ImportOptions)
    assert options.batch_mode_term_id == "sis_term_id:T1" and options.override_sis_stickiness
    assert not options.batch_mode  # nothing forced on that the user did not choose


@pytest.mark.parametrize("url, words", [
    ("http://school.instructure.com", "plain http"),
    ("school.instructure.com", "not a web address"),
    ("", "empty"),
])
def test_bad_urls_are_refused_with_a_sentence(store, url, words):
    with pytest.raises(ProfileError, match=words):
        store.add(Profile.new("A", url, 1))
    assert store.load() == []


def test_loopback_http_is_allowed(store):
    assert store.add(Profile.new("Local", "http://127.0.0.1:8080/", 1)).url == "http://127.0.0.1:8080"


def test_names_are_unique_ignoring_case(store):
    first = store.add(Profile.new("Prod", "https://a.example.edu", 1))
    other = store.add(Profile.new("Test", "https://b.example.edu", 1))
    with pytest.raises(ProfileError, match="already exists"):
        store.add(Profile.new("PROD", "https://c.example.edu", 1))
    other.name = "prod"
    with pytest.raises(ProfileError, match="already exists"):
        store.update(other)
    first.name = "PROD"  # renaming itself (case only) is fine
    assert store.update(first).name == "PROD"
    assert [p.name for p in store.load()] == ["PROD", "Test"]


@pytest.mark.parametrize("account", ["", "abc", "1/2", "-3"])
def test_bad_account_ids_are_refused(store, account):
    with pytest.raises(ProfileError, match="account"):
        store.add(Profile.new("A", "https://a.example.edu", account))


def test_ca_bundle_must_exist(store, tmp_path):
    with pytest.raises(ProfileError, match="CA bundle"):
        store.add(Profile.new("A", "https://a.example.edu", 1, ca_bundle=str(tmp_path / "no.pem")))
    pem = tmp_path / "proxy.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\n")
    assert store.add(Profile.new("A", "https://a.example.edu", 1, ca_bundle=str(pem))).ca_bundle == str(pem)
    assert ProfileStore().get("a").ca_bundle == str(pem)


def test_get_and_remove_by_name_or_id(store):
    saved = store.add(Profile.new("Prod", "https://a.example.edu", 1))
    assert store.get("prod") == saved and store.get(saved.id) == saved
    assert store.remove("PROD") == saved
    with pytest.raises(ProfileNotFound, match="no profile named 'Prod'"):
        store.get("Prod")
    with pytest.raises(ValueError):  # ProfileError is a ValueError
        store.remove("Prod")


def test_unknown_keys_survive_a_round_trip(store):
    store.path.write_text(json.dumps({
        "version": 3, "sync": {"enabled": True},
        "profiles": [{"id": "abc", "name": "Prod", "url": "https://a.example.edu",
                      "account_id": "1", "defaults": {"skip_deletes": True, "future_option": 5},
                      "colour": "blue", "ca_bundle": None}],
    }))
    [prod] = store.load()
    assert prod.extra == {"colour": "blue"}
    store.add(Profile.new("Test", "https://b.example.edu", 2))
    assert prod.import_options().skip_deletes  # an option this version knows is read
    prod.account_id = "3"
    store.update(prod)  # editing it here keeps what this version does not understand
    doc = json.loads(store.path.read_text())
    assert doc["version"] == 3 and doc["sync"] == {"enabled": True}
    assert doc["profiles"][0]["colour"] == "blue" and doc["profiles"][0]["account_id"] == "3"
    assert doc["profiles"][0]["defaults"] == {"skip_deletes": True, "future_option": 5}
    assert [p["name"] for p in doc["profiles"]] == ["Prod", "Test"]


@pytest.mark.parametrize("content", [b"{not json", b'{"profiles": {"a": 1}}', b"[1, 2]",
                                     b"\xff\xfe\x00bad"])
def test_a_corrupt_file_is_set_aside_and_a_new_one_started(store, isolated_dirs, content):
    store.path.write_bytes(content)
    assert store.load() == []
    notice = store.set_aside_notice
    aside = [p for p in isolated_dirs["config"].iterdir() if ".corrupt-" in p.name]
    assert len(aside) == 1 and aside[0].read_bytes() == content
    assert str(aside[0]) in notice and notice.startswith("The saved profiles file could not be used")
    assert json.loads(store.path.read_text())["profiles"] == []
    store.add(Profile.new("Prod", "https://a.example.edu", 1))
    assert aside[0].read_bytes() == content  # the old file is never overwritten
    assert ProfileStore().set_aside_notice is None


def test_a_failed_write_leaves_the_old_file_whole(store, monkeypatch, isolated_dirs):
    store.add(Profile.new("Prod", "https://a.example.edu", 1))
    before = store.path.read_bytes()

    def disk_full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage.os, "replace", disk_full)
    with pytest.raises(ProfileError, match="No space left on device"):
        store.add(Profile.new("Test", "https://b.example.edu", 1))
    monkeypatch.undo()
    assert store.path.read_bytes() == before
    assert sorted(p.name for p in isolated_dirs["config"].iterdir()) == ["profiles.json",
                                                                         "profiles.json.lock"]


def test_concurrent_writers_lose_nothing(isolated_dirs):
    import threading

    start = threading.Barrier(2)

    def writer(prefix):
        store = ProfileStore()
        start.wait(10)
        for n in range(15):
            store.add(Profile.new(f"{prefix}-{n}", "https://a.example.edu", 1))

    threads = [threading.Thread(target=writer, args=(p,)) for p in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(ProfileStore().load()) == 30


def test_export_and_import_carry_no_tokens(store, tmp_path, memory_keyring, isolated_dirs):
    prod = store.add(Profile.new("Prod", "https://a.example.edu", 1, defaults={"skip_deletes": True}))
    TokenStore().set(prod.id, TOKEN)
    out = tmp_path / "profiles-export.json"
    assert store.export_to(out) == 1
    assert TOKEN not in out.read_text()
    doc = json.loads(out.read_text())
    assert doc["kind"] == "sis-desktop-profiles"
    assert doc["profiles"][0]["name"] == "Prod"

    # a hand-made file that carries a token: the token is dropped, never stored
    doc["profiles"].append({"id": prod.id, "name": "Other", "url": "https://b.example.edu",
                            "account_id": "1", "token": TOKEN, "api_token": TOKEN})
    doc["profiles"].append({"name": "Broken"})
    out.write_text(json.dumps(doc))
    added, skipped = store.import_from(out)
    assert [p.name for p in added] == ["Other"]
    assert added[0].id != prod.id and "token" not in added[0].extra
    assert skipped[0] == "'Prod' was skipped: a profile with that name exists."
    assert skipped[1].startswith("'Broken' was skipped:")
    assert TOKEN not in store.path.read_text()


def test_import_of_a_file_that_is_not_an_export(store, tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("{}")
    with pytest.raises(ProfileError, match="not a profiles export"):
        store.import_from(bad)
    with pytest.raises(ProfileError, match="does not exist"):
        store.import_from(tmp_path / "missing.json")


def test_connection_for(store, memory_keyring):
    with pytest.raises(ProfileError, match="no profile named 'Prod'"):
        connection_for("Prod")
    prod = store.add(Profile.new("Prod", "https://a.example.edu", 7))
    with pytest.raises(ProfileError, match="no saved token"):
        connection_for("prod")
    assert connection_for("prod", token_required=False) == ("https://a.example.edu", "7", None)
    TokenStore().set(prod.id, TOKEN)
    assert connection_for("prod") == ("https://a.example.edu", "7", TOKEN)


def test_connection_for_without_a_keyring_says_why(store, use_keyring):
    use_keyring("fail")
    store.add(Profile.new("Prod", "https://a.example.edu", 7))
    with pytest.raises(ProfileError) as caught:
        connection_for("Prod")
    assert "No secure keyring is available" in str(caught.value)
    assert "CANVAS_API_TOKEN" in str(caught.value)


def test_nothing_the_app_writes_holds_the_token(store, memory_keyring, isolated_dirs, tmp_path):
    prod = store.add(Profile.new("Prod", "https://a.example.edu", 1))
    tokens = TokenStore()
    tokens.set(prod.id, TOKEN)
    tokens.set_session("other", TOKEN + "x")
    prod.defaults = {"skip_deletes": True}
    store.update(prod)
    store.export_to(isolated_dirs["data"] / "export.json")
    for root in isolated_dirs.values():
        for path in root.rglob("*"):
            if path.is_file():
                assert TOKEN.encode() not in path.read_bytes(), path
    assert sorted(os.listdir(isolated_dirs["config"])) == ["profiles.json", "profiles.json.lock"]


# ---- the connection test, against the local sandbox ----------------------------------------
@pytest.mark.parametrize("account, expected", [
    (1, []),
    (2, ["Account 2 (Sandbox Sub-account) is a sub-account; SIS imports run on the root account (id 1)."]),
    (3, ["SIS imports are not enabled"]),
    (99, ["has no account '99'"]),
])
def test_test_connection(sandbox, account, expected):
    from sis_desktop.core.canvas.client import CanvasClient
    from sis_desktop.core.profiles import test_connection

    with CanvasClient(sandbox.url, sandbox.token, account) as client:
        failures = test_connection(client)
    assert len(failures) == len(expected)
    for sentence, words in zip(failures, expected):
        assert words in sentence


def test_test_connection_with_a_refused_token(sandbox):
    from sis_desktop.core.canvas.client import CanvasClient
    from sis_desktop.core.profiles import test_connection

    with CanvasClient(sandbox.url, "not-the-token", sandbox.account_id) as client:
        [sentence] = test_connection(client)
    assert "rejected the access token" in sentence and "not-the-token" not in sentence
