"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request.

    ::error file=app/deploy.py,line=12,col=5,endLine=12,endColumn=60,title=CCI102 trigger-branch::message

Rule severity maps to the annotation level: error -> error, warning -> warning,
info -> notice. Values are escaped as the runner expects (%, CR, LF; and in
properties also `:` and `,`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Sequence

from .problems import FileProblem

if TYPE_CHECKING:  # findings.py is imported only where there are findings
    from ..findings import Finding

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: Sequence[Finding], problems: Sequence[FileProblem], catalogue: Callable[[], Any]) -> str:
    lines = []
    for f in findings:
        message = f.message
        if f.confidence == "low":
            message += f" (low confidence: {f.reason})" if f.reason else " (low confidence)"
        if f.run_time_calls:
            message += f" ({f.run_time_note})"
        props = (
            f"file={_prop(f.path)},line={f.line},col={f.column},"
            f"endLine={f.end_line},endColumn={f.end_column},title={_prop(f.rule_id)}"
        )
        lines.append(f"::{_LEVEL.get(f.severity, 'warning')} {props}::{_data(message)}")
    for p in problems:
        lines.append(f"::error file={_prop(p.path)},title=circleci-v2::{_data(p.message)}")
    return "".join(line + "\n" for line in lines)
