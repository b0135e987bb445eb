"""A problem with one file (or a path on the command line): the run goes on, the exit code is 2."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileProblem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: error: {self.message}"
