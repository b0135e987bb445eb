"""The emulator's clock: wall time plus an offset that tests can move forward.

Everything that happens "later" (workflows appearing, jobs finishing) is a
function of this clock, computed when a request reads it; nothing runs in the
background. So `advance(seconds)` makes the future happen at once, and a frozen
clock makes durations exact, without a test ever sleeping.
"""
from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Optional


class Clock:
    """Seconds since the epoch, as a float.

    frozen=False: wall time plus whatever `advance` added.
    frozen=True: time stands still at `start` (default: now) until advanced.
    """

    def __init__(self, start: Optional[float] = None, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        self.frozen = frozen
        base = time.time() if start is None else float(start)
        self._offset = base - (0.0 if frozen else time.time())

    def now(self) -> float:
        with self._lock:
            return self._offset if self.frozen else time.time() + self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward; returns the new time."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds
        return self.now()


def iso(ts: Optional[float]) -> Optional[str]:
    """RFC 3339 with milliseconds and Z, as the service writes times."""
    if ts is None:
        return None
    dt = datetime.fromtimestamp(ts, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_time(value: object, now: float) -> float:
    """A seed's time: an epoch number, an ISO date, or "-3600" / "3600s ago" relative to now."""
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if text.endswith(" ago"):
        text = text[:-4].strip()
        mult = {"s": 1, "m": 60, "h": 3600, "d": 86400}.get(text[-1:], None)
        amount = float(text[:-1]) * mult if mult else float(text)
        return now - amount
    try:
        return float(text) + (now if text.startswith("-") else 0.0)
    except ValueError:
        pass
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()
