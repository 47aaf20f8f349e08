"""Login throttling per client address: a sliding window of failed sign-ins, kept in memory.

The identity domain locks an *account* after five failures in a row; that does not slow down one
address trying a few passwords on each of many accounts. Here each address may fail
``limit`` times within ``window`` seconds; beyond that the login page answers 429 with
``Retry-After`` *before* the password is checked (no argon2 work, no count against the account),
until the oldest failure leaves the window. Successful sign-ins do not clear an address's
failures, so one valid account cannot buy an attacker more guesses.

**Per process.** The window lives in the process that served the request: with N worker
processes an address gets up to N × ``limit`` failures per window, and a restart forgets them. A
limit shared by all processes would need a shared store (a table or Redis); the per-account
lockout, which is in the database, stays the hard limit. The address is the one the ASGI server
reports (``request.client.host``): behind a proxy, uvicorn takes it from ``X-Forwarded-For`` only
when the proxy is in ``FORWARDED_ALLOW_IPS`` (docs/architecture.md, Deployment).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable


class SlidingWindow:
    """Failures per key within the last ``window`` seconds; at most ``max_keys`` keys are kept
    (the least recently failing are forgotten first, so memory stays bounded under a flood of
    addresses). Thread-safe: sync routes run in a thread pool."""

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit and window must be positive")
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int | None:
        """Whole seconds until ``key`` may try again, or ``None`` when it may try now."""
        with self._lock:
            times = self._current(key)
            if times is None or len(times) < self.limit:
                return None
            # The attempt that would be allowed next is when the oldest counted failure expires.
            wait = times[-self.limit] + self.window - self._clock()
            return max(1, math.ceil(wait))

    def record_failure(self, key: str) -> None:
        with self._lock:
            times = self._current(key)
            if times is None:
                times = deque()
                self._failures[key] = times
            times.append(self._clock())
            self._failures.move_to_end(key)
            while len(times) > self.limit:
                times.popleft()
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)

    def _current(self, key: str) -> deque[float] | None:
        """``key``'s failures still inside the window (older ones dropped)."""
        times = self._failures.get(key)
        if times is None:
            return None
        horizon = self._clock() - self.window
        while times and times[0] <= horizon:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times
