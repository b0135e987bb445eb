"""SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers.

One run; the driver lists the rules that have results (taken from the
catalogue, so a run without findings never loads it); each result points at
its file relative to %SRCROOT% (the current folder). Problems with files are
tool execution notifications, and make `executionSuccessful` false.
tests/test_formats.py validates the output against the official schema.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Sequence
from urllib.parse import quote

from .problems import FileProblem

if TYPE_CHECKING:  # findings.py is imported only where there are findings
    from ..findings import Finding

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/circleci-v2/circleci-v2"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("circleci-v2")
    except Exception:  # not installed (running from a source tree)
        return "0.0.0"


def _artifact(path: str) -> Dict[str, str]:
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path.replace(os.sep, "/")), "uriBaseId": "%SRCROOT%"}


def _rule_descriptor(rule: Any) -> Dict[str, Any]:
    ops = ", ".join(rule.replacement.operations) or "none"
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.message},
        "help": {"text": rule.guidance, "markdown": rule.guidance},
        "helpUri": f"{INFORMATION_URI}/blob/main/docs/rules.md#{rule.id.lower()}",
        "defaultConfiguration": {"level": _LEVEL.get(rule.severity, "warning")},
        "properties": {"fix": rule.fix, "kind": rule.kind, "v2_operations": ops, "tags": ["circleci", "api-v1.1"]},
    }


def render_sarif(findings: Sequence[Finding], problems: Sequence[FileProblem], catalogue: Callable[[], Any]) -> str:
    rule_ids = sorted({f.rule_id for f in findings})
    rules: List[Dict[str, Any]] = []
    index: Dict[str, int] = {}
    if rule_ids:
        loaded = catalogue()
        for rule_id in rule_ids:
            rule = loaded.get(rule_id)
            index[rule_id] = len(rules)
            rules.append(_rule_descriptor(rule) if rule is not None else {"id": rule_id})
    results = []
    for f in findings:
        message = f.message
        if f.confidence == "low" and f.reason:
            message += f" (low confidence: {f.reason})"
        if f.run_time_calls:
            message += f" ({f.run_time_note})"
        results.append({
            "ruleId": f.rule_id,
            "ruleIndex": index[f.rule_id],
            "level": _LEVEL.get(f.severity, "warning"),
            "message": {"text": message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": _artifact(f.path),
                    "region": {
                        "startLine": f.line,
                        "startColumn": f.column,
                        "endLine": max(f.end_line, f.line),
                        "endColumn": max(f.end_column, 1),
                    },
                },
            }],
            "properties": {"fix": f.fix, "confidence": f.confidence, "reason": f.reason, "source": f.source,
                           "runTimeCalls": f.run_time_calls},
        })
    notifications = [
        {
            "level": "error",
            "message": {"text": p.message},
            "locations": [{"physicalLocation": {"artifactLocation": _artifact(p.path)}}],
        }
        for p in problems
    ]
    run: Dict[str, Any] = {
        "tool": {"driver": {
            "name": "circleci-v2",
            "version": _version(),
            "informationUri": INFORMATION_URI,
            "rules": rules,
        }},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(os.getcwd()).as_uri() + "/"}},
        "invocations": [{"executionSuccessful": not problems, "toolExecutionNotifications": notifications}],
        "results": results,
    }
    document = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
