"""The rules as people read them: docs/rules.md, `circleci-v2 rules` and `circleci-v2 explain`.

Everything here is rendered from the catalogue; nothing is written by hand.
`python -m circleci_v2.rules.generate` rewrites docs/rules.md with
render_rules_markdown, and `--check` fails when it is stale.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

# docs/rules.md of the source tree (migrate/ sits at the repository's top level).
DOCS_PATH = Path(__file__).resolve().parent.parent / "docs" / "rules.md"

_FIX_TEXT = {
    "safe": "safe: `circleci-v2 fix` rewrites it",
    "unsafe": "unsafe: rewritten with `circleci-v2 fix --unsafe-fixes`",
    "manual": "manual: never rewritten; follow the guidance",
}


def rule_to_dict(rule: Any) -> Dict[str, Any]:
    """A rule as plain data (`circleci-v2 rules --format json`)."""
    return {
        "id": rule.id,
        "name": rule.name,
        "title": rule.title,
        "severity": rule.severity,
        "kind": rule.kind,
        "fix": rule.fix,
        "deprecated": rule.deprecated,
        "message": rule.message,
        "guidance": rule.guidance,
        "endpoints": [{"method": e.method, "path": e.path} for e in rule.endpoints],
        "clients": [c.dotted for c in rule.clients],
        "imports": [{"module": i.module, "drop_in": i.drop_in} for i in rule.imports],
        "replacement": {
            "operations": list(rule.replacement.operations),
            "method": rule.replacement.method,
            "path": rule.replacement.path,
            "summary": rule.replacement.summary,
        },
    }


def render_rules_table(catalogue: Any) -> str:
    """`circleci-v2 rules`: one line per rule."""
    rows = [(r.id, "[*]" if r.fix == "safe" else ("[u]" if r.fix == "unsafe" else "   "), r.severity, r.name, r.title)
            for r in catalogue]
    name_width = max((len(r[3]) for r in rows), default=4)
    lines = [f"{rid}  {fix}  {sev:<7}  {name:<{name_width}}  {title}" for rid, fix, sev, name, title in rows]
    lines.append("")
    lines.append("[*] fixed by `circleci-v2 fix`   [u] fixed with --unsafe-fixes   (blank) manual")
    lines.append("`circleci-v2 explain ID` shows a rule's guidance and examples.")
    return "\n".join(lines) + "\n"


def _covers(rule: Any) -> List[str]:
    out = [f"{e.method} {e.path}" for e in rule.endpoints]
    out += [c.dotted for c in rule.clients]
    out += [f"import {i.module} (drop-in: {i.drop_in})" for i in rule.imports]
    return out


def _replacement_line(rule: Any) -> str:
    rep = rule.replacement
    if not rep.operations:
        return f"none in API v2: {rep.summary}"
    where = f" ({rep.method} {rep.path})" if rep.method and rep.path else ""
    return f"{', '.join(rep.operations)}{where}: {rep.summary}"


def _field_lines(rule: Any) -> List[str]:
    """What becomes of each field the rule names, per front end (rules/field_outcomes.py), as far as it is true:
    `fix` rewrites fields only of a rule it rewrites the call of; the shim line only where the shim runs it."""
    from .field_outcomes import field_outcomes

    lines = []
    translated = rule.shim.get("runs") == "translated"
    for f in field_outcomes(rule):
        if rule.kind == "client":
            fix = "the call is not rewritten (the import moves to the drop-in)"
        elif rule.fix == "manual":
            fix = "the call is not rewritten"
        else:
            fix = f.fix_does(rule.fix)
        shim = f"; shim: {f.shim_does}" if translated else ""
        where = f" (from the {f.source})" if f.source != "body" else ""
        lines.append(f"`{f.name}`{where}: {f.note}. fix: {fix}{shim}.")
    return lines


def _indent(text: str, prefix: str = "    ") -> str:
    return "".join(prefix + line if line.strip() else line for line in text.rstrip("\n").splitlines(True)) + "\n"


def render_rule_explanation(rule: Any) -> str:
    """`circleci-v2 explain ID`: everything a person needs to finish the migration by hand."""
    out = [f"{rule.id} {rule.name}: {rule.title}", ""]
    out.append(f"Severity: {rule.severity}    Fix: {_FIX_TEXT[rule.fix]}")
    out.append("")
    out.append("Message:")
    out.append(_indent(rule.message).rstrip("\n"))
    covers = _covers(rule)
    if covers:
        out.append("")
        out.append("Covers:")
        out.extend(f"    {c}" for c in covers)
    out.append("")
    out.append(f"Replacement in API v2: {_replacement_line(rule)}")
    fields = _field_lines(rule)
    if fields:
        out.append("")
        out.append("Fields of the v1.1 call:")
        out.extend(f"    {line}" for line in fields)
    out.append("")
    out.append("Guidance:")
    out.append(_indent(rule.guidance).rstrip("\n"))
    for title, examples in (("Reported", rule.invalid_examples), ("Not reported", rule.valid_examples)):
        for example in examples:
            out.append("")
            label = f"{title}: {example.name}" if example.name else f"{title}:"
            if example.confidence == "low":
                label += " (low confidence)"
            out.append(label)
            out.append(_indent(example.code).rstrip("\n"))
            if title == "Reported" and example.fixed is not None and example.fixed != example.code:
                out.append("  after `circleci-v2 fix`:")
                out.append(_indent(example.fixed).rstrip("\n"))
            if title == "Reported" and example.fixed_unsafe is not None:
                out.append("  after `circleci-v2 fix --unsafe-fixes`:")
                out.append(_indent(example.fixed_unsafe).rstrip("\n"))
    return "\n".join(out) + "\n"


def _fence(code: str, language: str) -> str:
    return f"```{language}\n{code.rstrip()}\n```\n"


def render_rules_markdown(catalogue: Any) -> str:
    """docs/rules.md."""
    out = [
        "# Rules\n",
        "\n",
        "<!-- GENERATED from rules/catalogue/*.yaml by `python -m circleci_v2.rules.generate`; do not edit. -->\n",
        "\n",
        "Each rule finds one kind of CircleCI API v1.1 call. Fix classes: **safe** rewritten by "
        "`circleci-v2 fix`; **unsafe** rewritten with `--unsafe-fixes` (behaviour changes in a documented way); "
        "**manual** reported with guidance only. Silence one site with `# circleci-v2: ignore[ID]`.\n",
        "\n",
        "| id | name | severity | fix | title |\n",
        "| --- | --- | --- | --- | --- |\n",
    ]
    for rule in catalogue:
        out.append(f"| [{rule.id}](#{rule.id.lower()}) | {rule.name} | {rule.severity} | {rule.fix} | {rule.title} |\n")
    for rule in catalogue:
        out.append("\n")
        out.append(f"## {rule.id}\n")
        out.append("\n")
        out.append(f"**{rule.name}**: {rule.title}\n")
        out.append("\n")
        out.append(f"- Severity: {rule.severity}\n")
        out.append(f"- Fix: {_FIX_TEXT[rule.fix]}\n")
        out.append(f"- Replacement in API v2: {_replacement_line(rule)}\n")
        covers = _covers(rule)
        if covers:
            out.append("- Covers: " + "; ".join(f"`{c}`" for c in covers) + "\n")
        fields = _field_lines(rule)
        if fields:
            out.append("- Fields of the v1.1 call:\n")
            out.extend(f"  - {line}\n" for line in fields)
        out.append("\n")
        out.append(rule.message + "\n")
        out.append("\n")
        out.append("### Guidance\n")
        out.append("\n")
        out.append(rule.guidance.rstrip() + "\n")
        for title, examples in (("Reported", rule.invalid_examples), ("Not reported", rule.valid_examples)):
            if not examples:
                continue
            out.append("\n")
            out.append(f"### {title}\n")
            for example in examples:
                out.append("\n")
                label = example.name or "example"
                if example.confidence == "low":
                    label += " (low confidence)"
                out.append(f"{label}:\n")
                out.append("\n")
                out.append(_fence(example.code, example.language))
                if title == "Reported" and example.fixed is not None and example.fixed != example.code:
                    out.append("\n")
                    out.append("After `circleci-v2 fix`:\n")
                    out.append("\n")
                    out.append(_fence(example.fixed, example.language))
                if title == "Reported" and example.fixed_unsafe is not None:
                    out.append("\n")
                    out.append("After `circleci-v2 fix --unsafe-fixes`:\n")
                    out.append("\n")
                    out.append(_fence(example.fixed_unsafe, example.language))
    return "".join(out)
