"""When to ask Canvas again while following an import (reference §5.5)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

# A 10-minute import is followed with ~35 GETs (Canvas's own page sends ~400): quick at
# first and after each change of state, then every 25 s at most while progress moves.
DEFAULT_INTERVALS: tuple[float, ...] = (1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 25.0)
RESTART_STEP = 1  # a new state: the schedule starts again at its second interval
LOW_RATE_LIMIT = 100.0   # X-Rate-Limit-Remaining below this: the bucket is filling up
MAX_POLL_FAILURES = 8    # consecutive transient failures before polling gives up


@dataclass
class PollSchedule:
    """Back-off between polls: 1 s → 2 → 3 → 5 → 8 → 13 → 25 s (cap).

    `next_delay(changed, rate_limit_remaining, progress=…)` is the wait before the next
    poll. `changed` (the import's workflow state changed: queued → importing → cleanup)
    restarts the schedule (at 2 s), so the first moves of a new phase show within seconds.
    Progress moving does not restart it: a long import moves every few seconds, and
    restarting each time is how a page ends up polling every second and a half. Instead,
    once progress has moved, its pace predicts when the import reaches 100 %: the next poll
    is due no later than that, and while the import is overdue the waits grow from 2 s
    again (about half the time overdue), so the end shows promptly without polling fast
    all along. Waits at least the longest interval when Canvas's rate-limit bucket is low.
    Every time is a multiple of `intervals`, so scaled intervals follow a faster (test)
    Canvas the same way."""
    intervals: Sequence[float] = DEFAULT_INTERVALS
    step: int = 0
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    # (time, progress) first seen in this state, and at the latest change of progress
    _moved: tuple[float, float] | None = field(default=None, repr=False)
    _latest: tuple[float, float] | None = field(default=None, repr=False)

    def next_delay(self, changed: bool, rate_limit_remaining: float | None = None, *,
                   progress: float | None = None) -> float:
        if changed:
            self.step = min(RESTART_STEP, self.step)
            self._moved = self._latest = None
        delay = self.intervals[min(self.step, len(self.intervals) - 1)]
        self.step += 1
        left = self._time_left(progress)
        if left is not None:
            shortest = self.intervals[min(1, len(self.intervals) - 1)]
            delay = min(delay, max(left if left > 0 else -left, shortest))
        if rate_limit_remaining is not None and rate_limit_remaining < LOW_RATE_LIMIT:
            delay = max(delay, self.intervals[-1])
        return delay

    def _time_left(self, progress: float | None) -> float | None:
        """Seconds until progress reaches 100 % at its pace so far (negative: overdue by
        that much); None while the pace is unknown."""
        if progress is None:
            return None
        now = self.clock()
        if self._latest is None or progress < self._latest[1]:  # first look, or a restart
            self._moved = self._latest = (now, progress)
            return None
        if progress > self._latest[1]:
            self._latest = (now, progress)
        (t0, p0), (t1, p1) = self._moved, self._latest
        if p1 <= p0 or t1 <= t0:
            return None
        return (100 - p1) * (t1 - t0) / (p1 - p0) - (now - t1)

    def failure_delay(self, failures: int, retry_after: float | None = None) -> float:
        """The wait after the n-th consecutive transient failure (Retry-After wins)."""
        if retry_after is not None:
            return retry_after
        return self.intervals[min(failures, len(self.intervals) - 1)]
