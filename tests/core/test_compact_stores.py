"""The hashed id stores big files use (`sis_csv.compact`) answer like a set and a dict."""
from __future__ import annotations

import pytest

from sis_desktop.core.sis_csv.compact import HashedMap, HashedSet


def test_a_hashed_set_answers_like_a_set():
    ids = [f"u{i}" for i in range(50_000)] + ["", "é学", "u1 "]
    s = HashedSet()
    for x in ids:
        s.add(x)
    s.add("u7")  # again
    assert len(s) == len(ids) and s
    assert all(x in s for x in ids)
    assert not any(f"v{i}" in s for i in range(1000)) and "U1" not in s
    assert not HashedSet() and len(HashedSet()) == 0


def test_a_hashed_set_takes_a_set_or_another_hashed_set():
    a, b = HashedSet({"x", "y"}), HashedSet()
    b.update(a)
    b.update({"z"})
    assert len(b) == 3 and {"x", "y", "z"} == {k for k in "xyzw" if k in b}


def test_a_hashed_map_answers_like_a_dict():
    m = HashedMap()
    for i in range(20_000):
        m[f"l{i}"] = f"u{i}"
    m["l5"] = "élève 5"  # replaced
    m[("acct", "name")] = None
    m["flag"] = True
    assert len(m) == 20_002
    assert m.get("l4") == "u4" and m["l5"] == "élève 5" and m.get("nope") is None
    assert m.get("nope", "d") == "d" and m.get(("acct", "name"), "d") is None and m["flag"] is True
    assert "l19999" in m and "l20000" not in m
    with pytest.raises(KeyError):
        m["nope"]
    assert sorted(v for v in m.values() if isinstance(v, str))[:2] == ["u0", "u1"]


def test_setdefault_claims_once():
    m = HashedMap()
    assert m.setdefault("login", "u1") == "u1"
    assert m.setdefault("login", "u2") == "u1"
    assert m["login"] == "u1" and len(m) == 1


def test_a_hashed_map_takes_a_dict_or_another_hashed_map():
    a = HashedMap({"s1": "c1", "s2": None})
    b = HashedMap({"s3": "c3"})
    b.update(a)
    assert (b["s1"], b["s2"], b["s3"], len(b)) == ("c1", None, "c3", 3)


def test_a_value_that_is_not_a_string_bool_or_none_is_refused():
    with pytest.raises(TypeError, match="str, bool or None"):
        HashedMap()["k"] = ("a", "b")


def test_a_frozen_store_answers_for_what_it_holds_and_takes_nothing_new():
    s, m = HashedSet({"a"}), HashedMap({"k": "v"})
    s.frozen = m.frozen = True
    s.add("b")
    m["k2"] = "v2"
    assert m.setdefault("k3", "u") == "u" and m.setdefault("k", "u") == "v"
    m["k"] = "w"  # a known id still changes
    assert ("a" in s, "b" in s, len(s)) == (True, False, 1)
    assert (m.get("k"), m.get("k2"), "k3" in m, len(m)) == ("w", None, False, 1)


def test_a_map_rewriting_one_id_does_not_grow():
    m = HashedMap()
    for i in range(10_000):
        m["same"] = f"parent-{i % 7}"
    assert m["same"] == "parent-3" and len(m._arena) < 100  # 9,999 % 7
