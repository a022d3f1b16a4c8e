"""Poll-with-deadline helpers for sandbox tests (no fixed sleeps)."""
from __future__ import annotations

import time

import requests

TERMINAL = ("imported", "imported_with_messages", "failed", "failed_with_messages", "aborted",
            "restored", "partially_restored")


def wait_until(predicate, timeout: float = 5.0, interval: float = 0.005):
    """Call `predicate` until it returns something truthy; that value is returned."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


def auth(sandbox) -> dict[str, str]:
    return {"Authorization": f"Bearer {sandbox.token}"}


def imports_url(sandbox, account="1") -> str:
    return f"{sandbox.url}/api/v1/accounts/{account}/sis_imports"


def get_import(sandbox, import_id: int) -> dict:
    response = requests.get(f"{imports_url(sandbox)}/{import_id}", headers=auth(sandbox), timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def wait_for_state(sandbox, import_id: int, states=TERMINAL, timeout: float = 5.0) -> dict:
    states = (states,) if isinstance(states, str) else tuple(states)

    def done():
        body = get_import(sandbox, import_id)
        return body if body["workflow_state"] in states else None
    return wait_until(done, timeout)


def upload(sandbox, name: str, data: bytes, params=None, account="1") -> requests.Response:
    return requests.post(imports_url(sandbox, account), headers=auth(sandbox), params=params,
                         files={"attachment": (name, data)}, timeout=10)


def run_import(sandbox, name: str, data: bytes, params=None) -> dict:
    response = upload(sandbox, name, data, params)
    assert response.status_code == 200, response.text
    return wait_for_state(sandbox, response.json()["id"])
