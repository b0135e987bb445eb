"""Reports of a check run: text, json, sarif and github, plus --statistics.

Every renderer takes the sorted findings and the problems of a run and
returns the whole report as a string, so that --output-file can be written
in one step. The summary and the progress bar are separate: they go to stderr.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Sequence

from .problems import FileProblem

if TYPE_CHECKING:  # findings.py is imported only where there are findings
    from ..findings import Finding

FORMATS = ("text", "json", "sarif", "github")


def render(
    output_format: str,
    findings: Sequence[Finding],
    problems: Sequence[FileProblem],
    catalogue: Callable[[], Any],
    statistics: bool = False,
) -> str:
    """The report in `output_format`. `catalogue` loads the rules only if the report needs them."""
    if statistics:
        from .rule_statistics import render_statistics

        return render_statistics(findings, catalogue, as_json=output_format == "json")
    if output_format == "text":
        from .text import render_text as fn
    elif output_format == "json":
        from .json_report import render_json as fn
    elif output_format == "sarif":
        from .sarif import render_sarif as fn
    elif output_format == "github":
        from .github import render_github as fn
    else:
        raise ValueError(f"unknown output format {output_format!r}")
    return fn(findings, problems, catalogue)


__all__ = ["FORMATS", "FileProblem", "render"]
