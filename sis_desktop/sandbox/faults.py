"""Faults a test can ask the sandbox to inject into its next matching answers."""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass

KINDS = ("500", "502", "503", "throttle", "429", "slow", "drop", "drop_after_body",
         "not_json", "401")


@dataclass
class Fault:
    """`path` is a regex searched in the request path; `method` None matches any method."""
    kind: str
    method: str | None = None
    path: str | None = None
    count: int = 1
    delay: float | None = None

    def __post_init__(self) -> None:
        self.kind = str(self.kind)
        if self.kind not in KINDS:
            raise ValueError(f"Unknown fault kind {self.kind!r}; use one of {', '.join(KINDS)}.")
        if int(self.count) < 1:
            raise ValueError("A fault's count must be 1 or more.")
        self.count = int(self.count)
        if self.path is not None:
            re.compile(self.path)
        if self.method is not None:
            self.method = self.method.upper()

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method != method.upper():
            return False
        return self.path is None or re.search(self.path, path) is not None


class FaultBook:
    """Pending faults, first added first used; each is used `count` times."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return fault
        return None
