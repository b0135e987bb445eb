"""`check --usage FILE`: the sites a usage record names, reported as findings (source "usage").

The record is what circleci_v2.shim.usage writes at run time (CIRCLECI_V2_USAGE);
this side turns it into findings, so the shim never imports the linter.
"""
from __future__ import annotations

import os
from dataclasses import replace
from typing import Dict, List, Sequence, Tuple

from circleci_v2.rules import load_catalogue
from circleci_v2.shim.usage import UsageFileError, read_sites

from .findings import Finding
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


def _site(f: Finding) -> Tuple[str, int, str]:
    return os.path.realpath(f.path), f.line, f.rule_id


def merge_usage(findings: Sequence[Finding], seen: Sequence[Finding]) -> Tuple[List[Finding], int]:
    """The findings of a run with a usage record's `seen` folded in, and how many sites the record names.

    A call site is one finding: a recorded site (file, line, rule) that the analysis found too is that
    finding, with the record's count; when it found several there (two calls on one line), the first.
    The other recorded sites are findings of their own (source "usage"), one per site.
    """
    counts: Dict[Tuple[str, int, str], int] = {}
    recorded: Dict[Tuple[str, int, str], Finding] = {}
    for f in seen:
        key = _site(f)
        counts[key] = counts.get(key, 0) + f.run_time_calls
        recorded.setdefault(key, f)
    out: List[Finding] = []
    for f in sorted(findings, key=lambda f: f.sort_key):
        key = _site(f)
        if key in recorded:
            del recorded[key]
            f = replace(f, run_time_calls=counts[key])
        out.append(f)
    out.extend(replace(f, run_time_calls=counts[key]) for key, f in recorded.items())
    return out, len(counts)
