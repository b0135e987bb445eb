"""The deprecation warning the shim gives when it translates a deprecated v1.1 call, and its record.

CircleCIDeprecationWarning's message names the rule id and its v2 replacement,
both read from rules/; every warning is also counted by usage.record (written
only when CIRCLECI_V2_USAGE names a file).
Python hides DeprecationWarning outside __main__ by default; where the user set
no filter of their own, importing the shim shows ours with the "default" action
(once per call site: module and line). Where they did (-W, PYTHONWARNINGS, a
filter set before the import), theirs decides: see _show_by_default.
"""
from __future__ import annotations

import sys
import warnings as _warnings
from functools import lru_cache

from ..rules import load_catalogue
from ..rules.model import Rule
from . import usage


class CircleCIDeprecationWarning(DeprecationWarning):
    """A CircleCI API v1.1 call that circleci_v2.shim translated to API v2."""


_OURS = ("default", None, CircleCIDeprecationWarning, None, 0)
# Python's own filters for DeprecationWarning when it starts without -W (module as a plain str;
# warnings.filterwarnings stores a compiled pattern, so a user's filter never equals these).
_STOCK_MAIN = ("default", None, DeprecationWarning, "__main__", 0)
_STOCK_IGNORE = ("ignore", None, DeprecationWarning, None, 0)


def _show_by_default() -> None:
    """Show our warnings unless the user chose what happens to them.

    With -W or PYTHONWARNINGS (sys.warnoptions), nothing is added. Otherwise the
    first filter that applies to every CircleCIDeprecationWarning decides: if it is
    Python's own "ignore DeprecationWarning", ours goes just before it (any filter
    the user put in front, however narrow, still comes first); if it is the user's
    (simplefilter("ignore"), filterwarnings("error", category=DeprecationWarning), ...),
    nothing is added.
    """
    if sys.warnoptions:
        return
    filters = _warnings.filters
    for index, entry in enumerate(filters):
        action, message, category, module, lineno = entry
        if message is not None or module is not None or lineno or not issubclass(CircleCIDeprecationWarning,
                                                                                  category):
            continue  # does not decide for every one of our warnings
        if tuple(entry) == _STOCK_IGNORE and index > 0 and tuple(filters[index - 1]) == _STOCK_MAIN:
            mutated = getattr(_warnings, "_filters_mutated", None)
            if mutated is None:  # pragma: no cover - a Python without the hook: add it in front
                _warnings.filterwarnings("default", category=CircleCIDeprecationWarning)
                return
            filters.insert(index, _OURS)
            mutated()  # drop the per-module "already warned" caches, as filterwarnings does
        return


_show_by_default()


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
    # replacement_text reads "no v2 equivalent: ..." when v2 has nothing to call instead
    advice = r.replacement_text if not r.replacement.operations else f"use {r.replacement_text}"
    text = f"{r.id} {r.title}: deprecated CircleCI API v1.1 call; {advice}."
    # the rule's shim note: what the translation cannot do as v1.1 did (e.g. rerun without the cache)
    return " ".join(part for part in (text, (r.shim or {}).get("note"), detail) if part)


_INTERNAL = ("circleci_v2.shim", "requests", "urllib3")


def user_stacklevel() -> int:
    """The warnings stacklevel, for the function calling this, of the first frame outside the shim.

    The warning then points at the user's call (file and line), so "once per call
    site" holds however deep inside the shim the translation runs.
    """
    frame = sys._getframe(1)
    level = 1
    while frame is not None:
        module = str(frame.f_globals.get("__name__", ""))
        if not any(module == p or module.startswith(p + ".") for p in _INTERNAL):
            return level
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return 1


def warn_user(text: str) -> None:
    """A CircleCIDeprecationWarning with `text`, attributed to the user's call site."""
    _warnings.warn(text, CircleCIDeprecationWarning, stacklevel=user_stacklevel())


def warn_deprecated(rule_id: str, detail: str = "", call: str = "") -> None:
    """Warn about a deprecated call to rule `rule_id`, attributed to the user's call site, and record it.

    call: the drop-in method the user called ("circleci_v2.shim.circleci:trigger_build"), for the
    usage record; by default the outermost shim frame names it.
    """
    _warnings.warn(message(rule_id, detail), CircleCIDeprecationWarning, stacklevel=user_stacklevel())
    usage.record(rule_id, call)
