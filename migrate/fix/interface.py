"""What the fixer is asked (FixOptions) and what it answers (FixResult).

A FixResult says, for one file, the text after fixing, each change made
(`Change`) and each finding left for a person (`Left`, with the reason the
fixer did not rewrite it and the rule's guidance). Reports and the command
line read only these.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List, Optional

from circleci_v2.rules.model import FIX_CLASSES

SAFE, UNSAFE, MANUAL = FIX_CLASSES  # a rule's fix classes, least to most left to a person


@dataclass(frozen=True)
class FixOptions:
    unsafe: bool = False  # --unsafe-fixes: also apply fixes that change behaviour in a documented way
    add_todo: bool = False  # --add-todo: a `# TODO(circleci-v2): ...` comment above each manual site


@dataclass(frozen=True)
class Change:
    """One rewrite the fixer made."""

    rule_id: str
    line: int  # in the file as it was read
    description: str
    fix: str = SAFE  # safe | unsafe
    column: int = 0  # of the finding (1-based; 0 when not known)

    def to_dict(self) -> dict:
        return {"rule": self.rule_id, "line": self.line, "column": self.column, "fix": self.fix,
                "description": self.description}


@dataclass(frozen=True)
class Left:
    """A finding the fixer did not rewrite: a person has to finish it."""

    rule_id: str
    line: int
    column: int
    message: str
    reason: str  # why it was not rewritten
    guidance: str  # the rule's guidance, whole
    needs: str = MANUAL  # manual | unsafe (rewritten with --unsafe-fixes)
    todo: bool = False  # a TODO(circleci-v2) comment marks the site

    def to_dict(self) -> dict:
        return {"rule": self.rule_id, "line": self.line, "column": self.column, "message": self.message,
                "reason": self.reason, "needs": self.needs, "todo": self.todo, "guidance": self.guidance}


@dataclass
class FixResult:
    path: str
    source: str  # the text as read (without a BOM)
    text: str  # the text after fixing; equal to `source` when nothing changed
    changes: List[Change] = field(default_factory=list)
    left: List[Left] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)  # one line each; the file is then left as it was

    @property
    def changed(self) -> bool:
        return not self.errors and self.text != self.source


@dataclass(frozen=True)
class Outcome:
    """What the plan does with one finding: the one decision `check` shows and `fix` carries out."""

    changed: bool  # rewritten (or routed through the shim, or re-imported)
    fix: str  # changed: the class of the change (safe | unsafe); left: what it needs (manual | unsafe)
    reason: str = ""  # left: why


LEFT_UNPLANNED = Outcome(False, MANUAL, "no automatic fix for this finding")


def manual_reason(rule: Any) -> str:
    """Why a finding of `rule` (None: no rule) is left to a person when its analyser gave no reason: the same
    text from the Python fixer and the text fixer."""
    if rule is None:
        return "no automatic fix"
    if not rule.replacement.operations:
        return f"no automatic rewrite: no v2 equivalent ({rule.replacement.summary})"
    return "no automatic rewrite: " + rule.replacement.summary


class CannotFix(Exception):
    """This site cannot be rewritten automatically; str(error) says why, for the report and the TODO."""


class NeedsUnsafe(CannotFix):
    """This site is rewritten only with --unsafe-fixes; str(error) says what would change."""


def first_line(text: str) -> str:
    for line in text.strip().splitlines():
        if line.strip():
            return line.strip()
    return ""


def reason_or(reason: Optional[str], default: str) -> str:
    return reason if reason else default
