"""--statistics: how many findings of each rule, most frequent first.

      3  CCI102  [*]  trigger-branch
      2  CCI101  [~]  trigger-project
      1  CCI120       missing-accept-header

[*] every finding of the rule is fixable with `fix`, [-] some are; [~] every one is fixable, some only with
`fix --unsafe-fixes`.
"""
from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Sequence

if TYPE_CHECKING:  # findings.py is imported only where there are findings
    from ..findings import Finding



def statistics(findings: Sequence[Finding], catalogue: Callable[[], Any]) -> List[Dict[str, Any]]:
    counts = Counter(f.rule_id for f in findings)
    fixable = Counter(f.rule_id for f in findings if f.fix == "safe")
    unsafe = Counter(f.rule_id for f in findings if f.fix == "unsafe")
    rules = catalogue() if counts else None
    rows = []
    for rule_id, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        rule = rules.get(rule_id) if rules is not None else None
        rows.append({
            "code": rule_id,
            "name": rule.name if rule is not None else "",
            "count": count,
            "fixable": fixable[rule_id],
            "unsafe_fixable": unsafe[rule_id],
        })
    return rows


def render_statistics(findings: Sequence[Finding], catalogue: Callable[[], Any], as_json: bool = False) -> str:
    rows = statistics(findings, catalogue)
    if as_json:
        return json.dumps(rows, indent=2) + "\n"
    if not rows:
        return ""
    width = max(len(str(r["count"])) for r in rows)
    out = []
    for r in rows:
        if r["fixable"] == r["count"]:
            marker = "[*]"
        elif r["fixable"] + r["unsafe_fixable"] == r["count"]:
            marker = "[~]"
        else:
            marker = "[-]" if r["fixable"] else "   "
        out.append(f"{r['count']:>{width}}  {r['code']}  {marker}  {r['name']}\n")
    return "".join(out)
