"""A progress bar on stderr, only at a terminal and only for runs long enough to need one.

Nothing is drawn during the first half second, so short runs (and every run
whose stderr is a pipe or a file) print nothing at all. stdout is never touched.
"""
from __future__ import annotations

import sys
import time
from typing import Optional, TextIO


class Progress:
    def __init__(self, stream: Optional[TextIO] = None, delay: float = 0.5, interval: float = 0.1) -> None:
        self.stream = stream if stream is not None else sys.stderr
        try:
            self.enabled = self.stream.isatty()
        except (AttributeError, ValueError):
            self.enabled = False
        self.delay = delay
        self.interval = interval
        self.start = time.monotonic()
        self.last = 0.0
        self.drawn = False

    def update(self, label: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.start < self.delay or (now - self.last < self.interval and done < total):
            return
        self.last = now
        width = 30
        filled = width * done // total if total else width
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r{label} [{bar}] {done}/{total}")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False
