"""Every in-process validator test runs twice: with Python's own sets and dicts as id
stores (files under `engine.COMPACT_FROM`) and with the hashed stores big files get
(`compact`), so both give the same findings, word for word."""
from __future__ import annotations

import pytest

from sis_desktop.core.sis_csv import engine


def pytest_generate_tests(metafunc):
    if "id_stores" in metafunc.fixturenames and not metafunc.module.__name__.endswith("_cli"):
        metafunc.parametrize("id_stores", ["native", "compact"], indirect=True)


@pytest.fixture(autouse=True)
def id_stores(request, monkeypatch):
    kind = getattr(request, "param", "native")
    if kind == "compact":  # every file and every upload store, however small
        monkeypatch.setattr(engine, "COMPACT_FROM", 0)
        monkeypatch.setattr(engine, "COMPACT_ENTRIES", 0)
    return kind
