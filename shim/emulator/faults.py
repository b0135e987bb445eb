"""Fault injection: make chosen routes fail the way the real service sometimes does.

A fault targets a route by operationId ("getPipelineById"), by v1.1 rule id or
name ("CCI104", "retry-build"), by "METHOD /path" glob ("GET /api/v2/workflow/*"),
by a bare path glob ("/api/v2/pipeline*"), or "*" for everything. It fires
`times` times (None: until removed) and then stops, so a test can check that a
client retries and then succeeds. A fault applies before the request is
handled: a 429 on a trigger creates no pipeline, as on the real service.
"""
from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional

DEFAULT_MESSAGES: Dict[int, str] = {
    429: "Rate limit exceeded.",
    500: "Internal server error.",
    502: "Bad gateway.",
    503: "Service unavailable.",
    504: "Gateway timeout.",
}


@dataclass
class Fault:
    """One injected fault. `hits` counts the requests it has affected."""

    route: str
    status: Optional[int] = None  # None: answer normally (after `delay`)
    retry_after: Optional[str] = None  # Retry-After header value: seconds or an HTTP date
    delay: float = 0.0  # seconds to wait before answering (or before dropping)
    drop: bool = False  # close the connection without a reply
    times: Optional[int] = 1
    message: Optional[str] = None
    headers: Dict[str, str] = field(default_factory=dict)
    hits: int = 0

    def matches(self, keys: Iterable[str], method: str, path: str) -> bool:
        if self.route == "*":
            return True
        if self.route in keys:
            return True
        if " " in self.route:
            m, _, pattern = self.route.partition(" ")
            return m.upper() == method.upper() and fnmatch.fnmatchcase(path, pattern.strip())
        return self.route.startswith("/") and fnmatch.fnmatchcase(path, self.route)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times

    @property
    def body_message(self) -> str:
        if self.message is not None:
            return self.message
        return DEFAULT_MESSAGES.get(self.status or 0, "Error.")


class Faults:
    """The fault registry of one emulator (`emulator.faults`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: List[Fault] = []

    def inject(self, route: str, *, status: Optional[int] = None, retry_after: Optional[object] = None,
               delay: float = 0.0, drop: bool = False, times: Optional[int] = 1,
               message: Optional[str] = None, headers: Optional[Dict[str, str]] = None) -> Fault:
        """Add a fault; the first matching fault that is not exhausted applies."""
        if status is None and not drop and delay <= 0:
            raise ValueError("a fault needs a status, drop=True or a delay")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None for every request)")
        fault = Fault(route, status, None if retry_after is None else str(retry_after), float(delay), drop, times,
                      message, dict(headers or {}))
        with self._lock:
            self._faults.append(fault)
        return fault

    def rate_limit(self, route: str, retry_after: Optional[object] = 1, times: Optional[int] = 1) -> Fault:
        """429 Rate limit exceeded, with Retry-After (seconds or an HTTP date; None to omit it)."""
        return self.inject(route, status=429, retry_after=retry_after, times=times)

    def error(self, route: str, status: int = 500, times: Optional[int] = 1, message: Optional[str] = None) -> Fault:
        """A server error (500, 502, 503, 504...)."""
        return self.inject(route, status=status, times=times, message=message)

    def slow(self, route: str, seconds: float, times: Optional[int] = 1) -> Fault:
        """Answer normally, `seconds` late."""
        return self.inject(route, delay=seconds, times=times)

    def drop(self, route: str, times: Optional[int] = 1, delay: float = 0.0) -> Fault:
        """Close the connection without answering (after reading the request)."""
        return self.inject(route, drop=True, times=times, delay=delay)

    def remove(self, fault: Fault) -> None:
        with self._lock:
            if fault in self._faults:
                self._faults.remove(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def __iter__(self):
        with self._lock:
            return iter(list(self._faults))

    def __len__(self) -> int:
        with self._lock:
            return len(self._faults)

    def take(self, keys: Iterable[str], method: str, path: str) -> Optional[Fault]:
        """The fault to apply to this request, counted as a hit; None when no fault applies."""
        keys = [k for k in keys if k]
        with self._lock:
            for fault in self._faults:
                if not fault.exhausted and fault.matches(keys, method, path):
                    fault.hits += 1
                    return fault
        return None
