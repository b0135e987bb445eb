"""circleci_v2.migrate.fix: rewrite CircleCI API v1.1 calls to v2 (`circleci-v2 fix` and `diff`).

    fix_source(source, path, findings, options) -> FixResult

takes the analyser's findings for one Python file and returns the fixed text
with what changed and what is left for a person. See engine.py for the steps.

Importing this package is cheap (the command line imports it when `fix` or
`diff` is looked up): the engine is imported on first use, and libcst only
when a file has an edit to make.
"""
from __future__ import annotations

from typing import Any

__all__ = ["fix_source", "FixOptions", "FixResult", "Change", "Left"]


def __getattr__(name: str) -> Any:
    if name == "fix_source":
        from .engine import fix_source

        return fix_source
    if name in ("FixOptions", "FixResult", "Change", "Left"):
        from . import interface

        return getattr(interface, name)
    raise AttributeError(name)
