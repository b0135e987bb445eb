"""circleci_v2.migrate.fix: rewrite CircleCI API v1.1 calls to v2 (`circleci-v2 fix` and `diff`).

    fix_source(source, path, findings, options) -> FixResult

takes the analyser's findings for one Python file and returns the fixed text
with what changed and what is left for a person. See engine.py for the steps
and docs/fix.md for the user's view. libcst is imported only when a file has
an edit to make.
"""
from __future__ import annotations

from .engine import fix_source
from .model import Change, FixOptions, FixResult, Left

__all__ = ["fix_source", "FixOptions", "FixResult", "Change", "Left"]
