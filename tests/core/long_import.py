"""A long import at Canvas's pace, followed by the client, with the time compressed.

The sandbox's `speed` stretches its processing so that one import lasts `minutes` of
simulated time; the poll schedule is scaled by the same factor, so the client sees the
import exactly as it would see a real `minutes`-long one, `1 / scale` times faster. The
sandbox counts the GETs it received. Shared by tests/core/test_poll.py and
tests/benchmarks/bench_polls.py."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from sis_desktop.core.canvas.client import CanvasClient
from sis_desktop.core.canvas.models import SisImport
from sis_desktop.core.canvas.polling import DEFAULT_INTERVALS
from sis_desktop.sandbox import Sandbox
from sis_desktop.sandbox.processor import LARGE_RUN, PICKUP

ROWS = 4000  # enough for the sandbox's 20 progress steps


@dataclass
class FollowedImport:
    scale: float
    gets: int                     # GETs of the import the sandbox received while following it
    updates: list[tuple[float, SisImport]] = field(default_factory=list)  # (simulated s, answer)
    seconds: float = 0.0          # simulated length of the whole follow
    end_lag: float = 0.0          # simulated seconds from Canvas finishing to the client seeing it

    def progress_seen(self) -> list[int]:
        seen: list[int] = []
        for _, answer in self.updates:
            if not seen or answer.progress != seen[-1]:
                seen.append(answer.progress)
        return seen


def follow_long_import(folder: Path, *, minutes: float = 10.0, scale: float = 0.01) -> FollowedImport:
    folder.mkdir(parents=True, exist_ok=True)
    users = folder / "users.csv"
    with open(users, "w", encoding="utf-8") as fh:
        fh.write("user_id,login_id,first_name,last_name,status\n")
        fh.writelines(f"U{n},u{n},First,Last,active\n" for n in range(ROWS))
    speed = (PICKUP + LARGE_RUN) / (minutes * 60 * scale)
    with Sandbox(speed=speed, data_dir=folder / "sandbox") as sandbox:
        client = CanvasClient(sandbox.url, sandbox.token, sandbox.account_id)
        created = client.create_import(users)
        result = FollowedImport(scale, 0)
        start = time.monotonic()
        client.poll(created.id, intervals=[x * scale for x in DEFAULT_INTERVALS],
                    on_update=lambda answer: result.updates.append(
                        ((time.monotonic() - start) / scale, answer)))
        seen_end = time.time()
        result.seconds = (time.monotonic() - start) / scale
        result.gets = sandbox.request_count("GET", rf"/sis_imports/{created.id}$")
        result.end_lag = (seen_end - sandbox.imports[created.id].ended_at.timestamp()) / scale
        client.close()
    return result
