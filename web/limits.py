"""Login attempts per address: a sliding minute, in memory (one process serves the console)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta


class LoginLimiter:
    def __init__(self, per_minute: int, now: Callable[[], datetime]) -> None:
        self.per_minute = per_minute
        self._now = now
        self._seen: dict[str, deque[datetime]] = {}

    def allow(self, address: str) -> bool:
        """Count an attempt from `address`; False once it made `per_minute` in the last minute."""
        now = self._now()
        seen = self._seen.setdefault(address, deque())
        while seen and now - seen[0] >= timedelta(minutes=1):
            seen.popleft()
        if len(seen) >= self.per_minute:
            return False
        seen.append(now)
        if len(self._seen) > 10_000:  # forget quiet addresses rather than grow without end
            for key in [k for k, v in self._seen.items() if not v]:
                del self._seen[key]
        return True
