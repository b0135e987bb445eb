"""CircleCIDeprecationWarning: raised when the shim translates a deprecated v1.1 call.

The message names the rule id and its v2 replacement, both read from rules/.
Python's "default" action shows a warning once per call site (module and line),
which is what we want, and we install that filter for our category so the
warning is visible even where DeprecationWarning is hidden by default.
"""
from __future__ import annotations

import warnings as _warnings
from functools import lru_cache

from ..rules import load_catalogue
from ..rules.model import Rule


class CircleCIDeprecationWarning(DeprecationWarning):
    """A CircleCI API v1.1 call that circleci_v2.shim translated to API v2."""


_warnings.filterwarnings("default", category=CircleCIDeprecationWarning)


@lru_cache(maxsize=None)
def rule(rule_id: str) -> Rule:
    """The catalogue rule `rule_id` (the catalogue is loaded once per process)."""
    return _catalogue()[rule_id]


@lru_cache(maxsize=1)
def _catalogue():  # type: ignore[no-untyped-def]
    return load_catalogue()


def catalogue():  # type: ignore[no-untyped-def]
    return _catalogue()


def message(rule_id: str, detail: str = "") -> str:
    r = rule(rule_id)
    text = f"{r.id} {r.title}: deprecated CircleCI API v1.1 call; use {r.replacement_text}"
    return f"{text}. {detail}" if detail else text


def warn_deprecated(rule_id: str, stacklevel: int = 2, detail: str = "") -> None:
    """Warn about a deprecated call, attributed to the caller `stacklevel` frames up."""
    _warnings.warn(message(rule_id, detail), CircleCIDeprecationWarning, stacklevel=stacklevel + 1)
