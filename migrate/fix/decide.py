"""One decision for `check` and `fix`: which findings `fix` rewrites, and how safely.

`check` marks a finding `[*]` when `circleci-v2 fix` rewrites it and `[~]` when
only `fix --unsafe-fixes` does. Both marks come from the fixer's own plan for
the file (engine.PythonPlan, curl_in_text.TextPlan), made once per file for each of
the two modes; `fix` then applies the plan of its mode (FileResult.plans), so
what check promises and what fix does cannot drift apart.

Planning reads only `ast` (Python) or the text analysis (shell, YAML, ...): no
libcst. A file with no findings is never planned.
"""
from __future__ import annotations

import importlib
from dataclasses import replace
from typing import Any, Callable, Dict, List, Optional, Tuple

from ..findings import LOW, Finding
from ..kinds import registry
from .interface import MANUAL, SAFE, UNSAFE, FixOptions

# Each kind of file names its planner (kinds/, `FileKind.planner`): "module:function" planning one file,
# fn(source, path, findings, options, catalogue, newline) -> a plan with .outcome(finding) and .apply(add_todo):
# fix/engine.py for Python, fix/curl_in_text.py (curl rewrites) for the text containers. A kind without one is
# never rewritten.
_loaded: Dict[str, Callable[..., Any]] = {}


def planner_for(kind: str) -> Optional[Callable[..., Any]]:
    try:
        target = registry.get(kind).planner
    except KeyError:
        return None
    if target is None:
        return None
    if target not in _loaded:
        module, _, name = target.partition(":")
        try:
            _loaded[target] = getattr(importlib.import_module(module), name)
        except ImportError:
            return None
    return _loaded[target]


def decide(result: Any, catalogue: Any, keep_plans: bool = False) -> None:
    """Set each finding's `fix` of a FileResult to what the fixer does with it; keep the plans for `fix`.

    safe: `fix` rewrites it; unsafe: only `fix --unsafe-fixes` does; manual: neither (the reason says why,
    unless it already explains a low confidence).
    """
    findings: List[Finding] = result.findings
    if not findings or result.source is None or result.errors:
        return
    # a run check's findings (CCI140) are added after this decision (run_checks.py) and settled by its own fix
    decided, plans = _plan(result, findings, catalogue)
    result.findings = decided
    if keep_plans and plans is not None:
        result.plans = plans


def _plan(result: Any, findings: List[Finding], catalogue: Any) -> Tuple[List[Finding], Optional[Dict[bool, Any]]]:
    """The findings with `fix` set from the fixer's plans of the file in both modes, and those plans (None when
    no fixer plans this kind of file)."""
    plan_file = planner_for(result.kind)
    if plan_file is None:
        return [f if f.fix == MANUAL else replace(f, fix=MANUAL, reason=f.reason or
                                                  f"no automatic fix for {result.kind} files")
                for f in findings], None
    source = result.source
    safe_plan = plan_file(source.text, result.path, findings, FixOptions(unsafe=False), catalogue,
                          newline=source.newline)
    plans = {False: safe_plan,
             True: plan_file(source.text, result.path, findings, FixOptions(unsafe=True), catalogue,
                             newline=source.newline, previous=safe_plan)}
    decided: List[Finding] = []
    for f in findings:
        safe, unsafe = plans[False].outcome(f), plans[True].outcome(f)
        if safe.changed:
            fix, why = SAFE, ""
        elif unsafe.changed:
            fix, why = UNSAFE, safe.reason
        else:
            fix, why = MANUAL, unsafe.reason
        if fix == f.fix:
            decided.append(f)
        else:  # the reason of a low finding explains its confidence: keep it
            decided.append(replace(f, fix=fix, reason=f.reason if f.confidence == LOW else (why or None)))
    return decided, plans
