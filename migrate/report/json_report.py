"""JSON output: one object, stable keys, for scripts and dashboards.

    {"version": 1,
     "findings": [{"rule", "path", "line", "column", "end_line", "end_column", "message",
                   "severity", "fix", "confidence", "reason", "source", "run_time_calls"}, ...],
     "errors": [{"path", "message"}, ...]}

`source` is "static" for a finding of the analysis (its `run_time_calls` > 0 when `check --usage`'s record
saw the site run too) and "usage" for a site only the record names.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable, Sequence

from .problems import FileProblem

if TYPE_CHECKING:  # findings.py is imported only where there are findings
    from ..findings import Finding

JSON_VERSION = 1


def render_json(findings: Sequence[Finding], problems: Sequence[FileProblem], catalogue: Callable[[], Any]) -> str:
    document = {
        "version": JSON_VERSION,
        "findings": [f.to_dict() for f in findings],
        "errors": [{"path": p.path, "message": p.message} for p in problems],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
