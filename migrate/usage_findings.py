"""`check --usage FILE`: the sites a usage record names, reported as findings (source "usage").

The record is what circleci_v2.shim.usage writes at run time (CIRCLECI_V2_USAGE);
this side turns it into findings, so the shim never imports the linter.
"""
from __future__ import annotations

import os
import stat
from dataclasses import replace
from typing import Dict, List, Sequence, Tuple

from circleci_v2.rules import load_catalogue
from circleci_v2.shim.usage import UsageFileError, read_sites

from .findings import Finding
from .kinds import registry
from .suppress import is_suppressed, parse_suppressions
from .python.analyser import fill_message

__all__ = ["UsageFileError", "read_usage", "merge_usage"]


def _call_text(rule: object, called: str) -> str:
    """What fills a rule message's {call}: the legacy method recorded at the site, else the rule's methods."""
    clients = list(getattr(rule, "clients", None) or [])
    module, _, method = called.partition(":")
    for cm in clients:
        if cm.drop_in == module and cm.method == method:
            return cm.dotted
    names = dict.fromkeys(f"{cm.attribute}.{cm.method}" if cm.attribute else cm.method for cm in clients)
    return " / ".join(names) or "this call"


def _shown_path(path: str, relative: bool) -> str:
    """`path` relative to the current folder when under it and `relative`, as check shows its own findings."""
    if not relative or not os.path.isabs(path):
        return path
    shown = os.path.relpath(path)
    return path if shown == ".." or shown.startswith(".." + os.sep) else shown


def read_usage(path: str, *, relative: bool = False) -> List[Finding]:
    """The recorded sites of a usage file as Findings (source="usage"), one per rule and call site.

    relative: show the sites' paths relative to the current folder (when under it), as
    check shows the findings of paths given relative.
    """
    cat = load_catalogue()
    findings = []
    for s in read_sites(path):
        r = cat.get(str(s["rule"]))
        if r is None:
            raise UsageFileError(f"{path}: unknown rule {s['rule']!r}")
        line = int(s["line"])
        call = _call_text(r, str(s.get("call") or ""))
        message = fill_message(r.message, {"call": call})
        findings.append(Finding(
            rule_id=r.id, path=_shown_path(str(s["path"]), relative), line=line, column=1, end_line=line,
            end_column=1,
            message=message, severity=r.severity, fix="manual", source="usage", run_time_calls=int(s["count"])))
    return findings


def merge_usage(findings: Sequence[Finding], seen: Sequence[Finding]) -> Tuple[List[Finding], int]:
    """The findings of a run with a usage record's `seen` folded in, and how many of them were seen at run time.

    A call site is one finding. A recorded site is the analysis' finding of the same rule in the same file
    whose lines hold the recorded line (Python records the line it ran, which for a call over several
    lines may be the method's, not the call's first): the one starting there, else the narrowest. It then
    carries the record's count. A recorded site the analysis did not find is a finding of its own (source
    "usage"), unless a `# circleci-v2: ignore` comment there silences it, as it silences the analysis'
    finding (counted once, by the analysis, among the suppressed).
    """
    counts: Dict[Tuple[str, int, str], int] = {}
    recorded: Dict[Tuple[str, int, str], Finding] = {}
    for f in seen:
        key = (os.path.realpath(f.path), f.line, f.rule_id)
        counts[key] = counts.get(key, 0) + f.run_time_calls
        recorded.setdefault(key, f)
    out = sorted(findings, key=lambda f: f.sort_key)
    by_file: Dict[Tuple[str, str], List[int]] = {}
    for i, f in enumerate(out):
        by_file.setdefault((os.path.realpath(f.path), f.rule_id), []).append(i)
    calls: Dict[int, int] = {}
    alone: List[Finding] = []
    for (real, line, rule_id), f in recorded.items():
        spans = [i for i in by_file.get((real, rule_id), ())
                 if out[i].line <= line <= max(out[i].end_line, out[i].line)]
        if spans:
            best = min(spans, key=lambda i: (out[i].line != line, out[i].end_line - out[i].line, i))
            calls[best] = calls.get(best, 0) + counts[(real, line, rule_id)]
        else:
            alone.append(replace(f, run_time_calls=counts[(real, line, rule_id)]))
    out = [replace(f, run_time_calls=calls[i]) if i in calls else f for i, f in enumerate(out)]
    shown = [f for f in alone if not _suppressed(f)]
    return out + shown, len(calls) + len(shown)


def _suppressed(f: Finding) -> bool:
    """Does a suppression comment in the recorded file silence this site? (An unreadable file silences nothing.)"""
    try:
        if not stat.S_ISREG(os.stat(f.path).st_mode):
            return False
        with open(f.path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    except OSError:
        return False
    return is_suppressed(f, parse_suppressions(text, registry.get("python").comments))
