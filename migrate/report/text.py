"""Human output, one line per finding, in the style of ruff:

    scripts/deploy.py:12:5: CCI102 [*] message (low confidence: base URL not resolved in this file)

`[*]` marks a finding `circleci-v2 fix` rewrites by default (a safe fix), `[~]` one that only
`circleci-v2 fix --unsafe-fixes` rewrites; both come from the fixer's own plan (migrate/fix/decide.py).
Problems are not part of this report: they go to stderr, one line each.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Sequence

from .problems import FileProblem

if TYPE_CHECKING:  # findings.py is imported only where there are findings
    from ..findings import Finding


MARKERS = {"safe": " [*]", "unsafe": " [~]"}


def format_finding(f: Finding) -> str:
    marker = MARKERS.get(f.fix, "")
    line = f"{f.path}:{f.line}:{f.column}: {f.rule_id}{marker} {f.message}"
    if f.confidence == "low":
        line += f" (low confidence: {f.reason})" if f.reason else " (low confidence)"
    if f.run_time_calls:
        line += f" ({f.run_time_note})"
    return line


def render_text(findings: Sequence[Finding], problems: Sequence[FileProblem], catalogue: Callable[[], Any]) -> str:
    return "".join(format_finding(f) + "\n" for f in findings)
