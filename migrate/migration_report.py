"""The migration report of `circleci-v2 fix --report FILE`: Markdown or JSON, by the file's suffix.

Per file: what changed, what is left for a person (with the reason the fixer
stopped and the rule's guidance), and errors; then totals. When manual work
remains the report says so in its first lines (and the command's exit code
says so too).
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

FORMATS = {".md": "markdown", ".markdown": "markdown", ".json": "json"}


class ReportError(Exception):
    """The report cannot be written; str(error) is one line."""


@dataclass
class FileOutcome:
    path: str
    changes: List[Any] = field(default_factory=list)  # fix.model.Change
    left: List[Any] = field(default_factory=list)  # fix.model.Left
    errors: List[str] = field(default_factory=list)
    changed: bool = False  # the file was (or, with --diff, would be) rewritten
    new_bytes: Optional[bytes] = field(default=None, repr=False)  # the fixed file's bytes
    # reached through a symbolic link out of the named paths: {"target": real path, "written": bool}
    outside: Optional[Dict[str, Any]] = None


def report_format(path: str) -> str:
    if path == "-":  # standard output, after any diff: Markdown reads well in a terminal
        return "markdown"
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in FORMATS:
        raise ReportError(f"--report {path}: the file name must end in .md or .json")
    return FORMATS[suffix]


def totals(outcomes: Sequence[FileOutcome]) -> Dict[str, int]:
    changes = [c for o in outcomes for c in o.changes]
    left = [l for o in outcomes for l in o.left]
    return {
        "files_changed": sum(1 for o in outcomes if o.changed),
        "changes": len(changes),
        "changes_safe": sum(1 for c in changes if c.fix == "safe"),
        "changes_unsafe": sum(1 for c in changes if c.fix == "unsafe"),
        "left": len(left),
        "left_manual": sum(1 for l in left if l.needs == "manual"),
        "left_unsafe": sum(1 for l in left if l.needs == "unsafe"),
        "files_with_work_left": sum(1 for o in outcomes if o.left),
        "errors": sum(len(o.errors) for o in outcomes),
    }


def render_json(outcomes: Sequence[FileOutcome], applied: bool) -> str:
    import json

    t = totals(outcomes)
    data = {
        "tool": "circleci-v2",
        "report": "migration",
        "version": 1,
        "applied": applied,
        "manual_work_remains": t["left"] > 0,
        "totals": t,
        "files": [
            {"path": o.path, "changed": o.changed, "changes": [c.to_dict() for c in o.changes],
             "left": [l.to_dict() for l in o.left], "errors": list(o.errors), "outside": o.outside}
            for o in sorted(outcomes, key=lambda o: o.path)
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_markdown(outcomes: Sequence[FileOutcome], applied: bool) -> str:
    t = totals(outcomes)
    verb = "changed" if applied else "would change (nothing was written)"
    out = ["# circleci-v2 migration report", ""]
    if t["left"]:
        out.append(f"**Manual work remains: {t['left']} site(s) in {t['files_with_work_left']} file(s) "
                   "need a person** (see \"Left for a person\" below).")
    else:
        out.append("**No manual work remains.**")
    if t["errors"]:
        out.append("")
        out.append(f"**{t['errors']} error(s): those files were left as they were.**")
    out += [
        "",
        "| | count |",
        "| --- | --- |",
        f"| files {verb} | {t['files_changed']} |",
        f"| changes | {t['changes']} ({t['changes_safe']} safe, {t['changes_unsafe']} unsafe) |",
        f"| left for a person | {t['left']} ({t['left_manual']} manual, "
        f"{t['left_unsafe']} need --unsafe-fixes) |",
        f"| errors | {t['errors']} |",
        "",
    ]
    linked = [o for o in sorted(outcomes, key=lambda o: o.path) if o.outside is not None]
    if linked:
        out += ["## Files reached through symbolic links out of the named paths", ""]
        for o in linked:
            done = "rewritten" if o.outside["written"] else "not rewritten"
            out.append(f"- {_md(o.path)} → {_md(o.outside['target'])} ({done})")
        out.append("")
    for o in sorted(outcomes, key=lambda o: o.path):
        if not (o.changes or o.left or o.errors):
            continue
        out += [f"## {_md(o.path)}", ""]
        if o.errors:
            out += ["### Errors", ""] + [f"- {_md(e)}" for e in o.errors] + [""]
        if o.changes:
            out += ["### Changed", ""]
            for c in o.changes:
                where = f"line {c.line}, " if c.line > 0 else ""  # a config edit has no line of the file as read
                out.append(f"- {where}{c.rule_id} ({c.fix}): {_md(c.description)}")
            out.append("")
        if o.left:
            out += ["### Left for a person", ""]
            for l in o.left:
                needs = "needs --unsafe-fixes" if l.needs == "unsafe" else "manual"
                todo = ", TODO comment in the code" if l.todo else ""
                where = f"line {l.line}, " if l.line > 0 else ""
                out.append(f"- {where}{l.rule_id} ({needs}{todo}): {_md(l.message)}")
                reason, _, block = l.reason.partition("\n")
                out.append(f"  - why it was not rewritten: {_md(reason)}")
                if block:  # a stanza to paste (another project's config)
                    out += ["", "    ```yaml"] + [f"    {line}" for line in block.rstrip().splitlines()] + ["    ```", ""]
                if l.guidance:
                    out.append("  - what to do:")
                    out += [f"    > {_md(line)}" if line.strip() else "    >" for line in l.guidance.splitlines()]
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def render(path: str, outcomes: Sequence[FileOutcome], applied: bool) -> str:
    fmt = report_format(path)
    return render_json(outcomes, applied) if fmt == "json" else render_markdown(outcomes, applied)


def write_report(path: str, outcomes: Sequence[FileOutcome], applied: bool) -> None:
    """Write the whole report or nothing (see atomic.py); `-` writes Markdown to stdout."""
    from .atomic import replace_file

    text = render(path, outcomes, applied)
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        replace_file(path, text.encode("utf-8"))
    except OSError as exc:
        raise ReportError(f"--report {path}: cannot write: {(exc.strerror or str(exc)).lower()}") from None
