"""What an analysis reports: one Finding per deprecated call site.

Every analyser (Python, shell/YAML text, the shim's usage record) produces these;
every consumer (reports, the fixer, the migration report) reads them. A Finding
is plain data and serialises to JSON; `site` carries the analyser's in-process
evidence for the fixer and is never serialised.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence

# --fail-on: the least severe finding that makes the exit status 1 (findings below it are still reported)
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}

# Confidence: "high" when URL and verb (or receiver) were resolved in the file;
# "low" when something had to be assumed, and `reason` says what.
HIGH = "high"
LOW = "low"


@dataclass(frozen=True)
class Finding:
    rule_id: str
    path: str  # as given on the command line (or --stdin-filename)
    line: int  # 1-based
    column: int  # 1-based, in characters
    end_line: int
    end_column: int  # 1-based, exclusive
    message: str  # the rule's message, with the site's details filled in
    severity: str  # error | warning | info (from the rule)
    fix: str  # safe | unsafe | manual (from the rule, possibly downgraded for this site)
    confidence: str = HIGH
    reason: Optional[str] = None  # why confidence is low, or why the fix was downgraded
    source: str = "static"  # static | usage (only in the shim's run-time record, not found in the file)
    run_time_calls: int = 0  # times the shim recorded this site running (check --usage); 0: not recorded
    site: Any = field(default=None, compare=False, repr=False)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "rule": self.rule_id,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "message": self.message,
            "severity": self.severity,
            "fix": self.fix,
            "confidence": self.confidence,
            "reason": self.reason,
            "source": self.source,
            "run_time_calls": self.run_time_calls,
        }

    @property
    def run_time_note(self) -> str:
        """What the reports add to the message of a site the shim recorded at run time ('' for none)."""
        n = self.run_time_calls
        return f"seen at run time: called {n} time{'' if n == 1 else 's'} through circleci_v2.shim" if n else ""

    @property
    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.rule_id)


def assumed_parts(match: Any, label: Callable[[str], Optional[str]]) -> List[str]:
    """The low-confidence reasons for the parts of a URL a route match had to assume: an unresolved part
    standing for several parameters, and one glued to the route's last word (taken as the query string).

    `match` is a rules.EndpointMatch; `label` gives what a placeholder character stands for, or None.
    """
    def who(text: str) -> str:
        return next((w for w in (label(ch) for ch in text) if w), "a value")

    reasons = [f"{who(value)} is assumed to hold {key.replace('+', '/')}"
               for key, value in match.params.items() if "+" in key]
    if match.glued:
        word = match.url.path.rstrip("/")[:-len(match.glued)].rsplit("/", 1)[-1] or "the route"
        reasons.append(f"{who(match.glued)}, written right after `{word}`, is assumed to be the query string")
    return reasons


def verb_not_resolved(label: str, best: Any, matches: Sequence[Any]) -> str:
    """The low-confidence reason for a request whose HTTP verb is unknown, with the rule each verb would give.

    `best` and `matches` are rules.RuleMatch objects (the route matched, and every match of the URL);
    `label` says what the verb was written as.
    """
    same = [m for m in matches if m.match.specificity == best.match.specificity]
    text = f"HTTP verb not resolved ({label})"
    if len({m.rule.id for m in same}) > 1:
        text += ": " + ", ".join(f"{m.rule.id} if {m.endpoint.method}" for m in same)
    return text
