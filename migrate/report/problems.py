"""A problem with one file (or a path on the command line): the run goes on, the exit code is 2."""
from __future__ import annotations


class FileProblem:
    __slots__ = ("path", "message")

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FileProblem) and (self.path, self.message) == (other.path, other.message)

    def __repr__(self) -> str:
        return f"FileProblem({self.path!r}, {self.message!r})"

    def __str__(self) -> str:
        return f"{self.path}: error: {self.message}"
