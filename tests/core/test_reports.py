"""The Account Reports client against the sandbox: start/poll/download, redirect hygiene
(the token never reaches the file store on another host), 409 reuse, failures, cancel."""
from __future__ import annotations

import threading
from urllib.parse import urlsplit

import pytest

from sis_desktop.core.canvas.errors import Cancelled
from sis_desktop.core.canvas.reports import (ReportFailed, download_report, fetch_report,
                                             open_report_files, start_report, wait_for_report)
from sis_desktop.sandbox.reports import book

FAST = [0.02]


def test_download_follows_the_redirect_without_the_token(sandbox, tmp_path):
    client = sandbox.client()
    report = wait_for_report(client, start_report(client, "provisioning_csv",
                                                  {"terms": "true", "courses": "true"}),
                             intervals=FAST)
    path = download_report(client, report, tmp_path / "r.zip")
    store = book(sandbox).store
    assert store is not None  # a second real server: 127.0.0.2 (or another port)
    assert urlsplit(store.url).netloc != urlsplit(sandbox.url).netloc
    assert store.requests and all("authorization" not in h for h in store.requests)
    with open_report_files(path) as files:
        assert list(files) == ["terms", "courses"]
        terms = [row[files["terms"].column("term_id")] for row in files["terms"].rows]
    assert terms == ["", "F2026", "S2027"]
    assert not (tmp_path / "r.zip.part").exists()


def test_a_single_file_report_is_read_as_csv(sandbox, tmp_path):
    client = sandbox.client()
    fetched = fetch_report(client, "sis_export_csv", {"terms": "true"}, cache_dir=tmp_path,
                           intervals=FAST)
    with open_report_files(fetched.path, single_name="terms") as files:
        assert files["terms"].column("term_id") == 0
        assert [r[0] for r in files["terms"].rows] == ["F2026", "S2027"]


def test_identical_run_in_flight_is_reused_not_duplicated(sandbox):
    client = sandbox.client()
    sandbox.speed = 0.001  # stays queued
    first = start_report(client, "provisioning_csv", {"users": "true"})
    second = start_report(client, "provisioning_csv", {"users": "true"})
    assert second.id == first.id and second.status == "created"


def test_failed_report_and_cancel_are_sentences(sandbox):
    client = sandbox.client()
    failed = start_report(client, "provisioning_csv", {"include_deleted": "true"})
    with pytest.raises(ReportFailed, match="ended 'error'"):
        wait_for_report(client, failed, intervals=FAST)
    sandbox.speed = 0.001
    queued = start_report(client, "provisioning_csv", {"terms": "true"})
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        wait_for_report(client, queued, cancelled=stop, intervals=FAST)
