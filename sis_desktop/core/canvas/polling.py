"""When to ask Canvas again while following an import (reference §5.5)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

DEFAULT_INTERVALS: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0, 30.0)
LOW_RATE_LIMIT = 100.0   # X-Rate-Limit-Remaining below this: the bucket is filling up
MAX_POLL_FAILURES = 8    # consecutive transient failures before polling gives up


@dataclass
class PollSchedule:
    """Back-off between polls: 1 s → 2 → 5 → 10 → 30 s (cap), back to fast on change.

    `next_delay(changed, rate_limit_remaining)` is the wait before the next poll: it
    restarts the schedule when the import's state or progress changed, and waits at least
    the longest interval when Canvas's rate-limit bucket is low."""
    intervals: Sequence[float] = DEFAULT_INTERVALS
    step: int = 0

    def next_delay(self, changed: bool, rate_limit_remaining: float | None = None) -> float:
        if changed:
            self.step = 0
        delay = self.intervals[min(self.step, len(self.intervals) - 1)]
        self.step += 1
        if rate_limit_remaining is not None and rate_limit_remaining < LOW_RATE_LIMIT:
            delay = max(delay, self.intervals[-1])
        return delay

    def failure_delay(self, failures: int, retry_after: float | None = None) -> float:
        """The wait after the n-th consecutive transient failure (Retry-After wins)."""
        if retry_after is not None:
            return retry_after
        return self.intervals[min(failures, len(self.intervals) - 1)]
