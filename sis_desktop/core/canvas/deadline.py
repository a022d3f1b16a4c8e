"""An overall deadline for one command (`sis-desktop-cli --timeout SECONDS`).

The HTTP layer cuts every socket timeout and every wait between tries to what is left, and
the poll loop stops when it runs out, so a cron job never outlives its deadline by more
than one short look-up (see `Deadline.grace`)."""
from __future__ import annotations

import contextlib
import math
import time
from typing import Iterator

from .errors import DeadlineExceeded


class Deadline:
    """`seconds` from now (monotonic clock)."""

    def __init__(self, seconds: float):
        if not math.isfinite(seconds) or seconds <= 0:
            raise ValueError("A timeout must be a number of seconds above 0.")
        self.seconds = float(seconds)
        self._end = time.monotonic() + self.seconds

    def remaining(self) -> float:
        return max(0.0, self._end - time.monotonic())

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0.0

    def check(self, doing: str = "") -> None:
        """Raise DeadlineExceeded when the time is up."""
        if self.expired:
            raise self.exceeded(doing)

    def exceeded(self, doing: str = "") -> DeadlineExceeded:
        what = f" while {doing}" if doing else ""
        return DeadlineExceeded(f"Gave up{what}: the {self.seconds:g}-second time limit "
                                "(--timeout) ran out.")

    @contextlib.contextmanager
    def grace(self, seconds: float) -> Iterator[None]:
        """At least `seconds` more for the block (e.g. to look up an upload whose answer was
        lost: finding it matters more than ending on time)."""
        saved = self._end
        self._end = max(self._end, time.monotonic() + seconds)
        try:
            yield
        finally:
            self._end = saved
