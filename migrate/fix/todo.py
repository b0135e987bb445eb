"""`--add-todo`: a `# TODO(circleci-v2): CCI1xx <guidance>` comment above each site left for a person.

The comment goes on its own line above the statement holding the site, with
the statement's indentation. It is never added twice: a TODO for the same rule
already among the comment lines right above the statement counts.
Comments are inserted into the text before the libcst pass; they add no call
or other node, so the ordinals the plan uses stay valid.
"""
from __future__ import annotations

import ast
import re
from typing import Dict, List, Optional, Sequence, Tuple

from .source_map import SourceMap

PREFIX = "# TODO(circleci-v2): "
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def split_lines(text: str) -> List[str]:
    """Lines with their ends, split only where Python ends a line (not at form feeds or U+2028)."""
    return _LINE.findall(text)


def todo_line(sm: SourceMap, node: ast.AST) -> int:
    """The line a TODO comment for `node` goes above: its statement's first line (decorators included)."""
    stmt = sm.statement_of(node) or node
    line = stmt.lineno
    for deco in getattr(stmt, "decorator_list", []) or []:
        line = min(line, deco.lineno)
    return line


def add_todos(text: str, items: Sequence[Tuple[int, str, str]], newline: str,
              inserted: Optional[Dict[int, int]] = None) -> Tuple[str, Dict[Tuple[int, str], bool]]:
    """Insert comments for (line, rule id, guidance line) items.

    Returns the new text and, per (line, rule id), True when the comment is
    there now (added, or already present). `inserted`, when given, receives
    per line of `text` how many comment lines went in above it.
    """
    lines = split_lines(text)
    wanted: Dict[int, List[Tuple[str, str]]] = {}
    for line, rule_id, guidance in items:
        bucket = wanted.setdefault(line, [])
        if all(r != rule_id for r, _ in bucket):
            bucket.append((rule_id, guidance))
    marked: Dict[Tuple[int, str], bool] = {}
    for line in sorted(wanted, reverse=True):
        if not 1 <= line <= len(lines):
            continue
        target = lines[line - 1]
        indent = target[: len(target) - len(target.lstrip(" \t"))]
        present = _comments_above(lines, line)
        new = []
        for rule_id, guidance in wanted[line]:
            marked[(line, rule_id)] = True
            if any(c.startswith(PREFIX + rule_id) for c in present):
                continue
            comment = f"{PREFIX}{rule_id} {guidance}".rstrip()
            new.append(f"{indent}{comment}{newline}")
        lines[line - 1:line - 1] = new
        if inserted is not None and new:
            inserted[line] = len(new)
    return "".join(lines), marked


def _comments_above(lines: List[str], line: int) -> List[str]:
    out = []
    i = line - 2
    while i >= 0 and lines[i].strip().startswith("#"):
        out.append(lines[i].strip())
        i -= 1
    return out
