"""Suppression comments: `# circleci-v2: ignore[CCI101]` and bare `# circleci-v2: ignore`.

A comment silences the findings on its own line. A comment that is alone on
its line also silences the next line, so it can sit above a long call:

    # circleci-v2: ignore[CCI102] -- the release bot moves to v2 next quarter
    requests.post(f"{BASE}/project/github/acme/app/tree/main")

A finding spanning several lines is silenced by a comment on any of them.
The same syntax works in every kind of file, after what starts a comment there
(`FileKind.comments`: `#` in Python, shell, Makefile, YAML and Dockerfile;
`//` or, inside an `sh` step, `#` in a Jenkinsfile). Ids in the list may be
prefixes (`ignore[CCI1]`).
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence, Tuple

from .findings import Finding

ANY_COMMENT: Tuple[str, ...] = ("#", "//")  # for text whose kind is not known
_MARKER = "circleci-v2:"
# Lines as parsers count them: str.splitlines() would also split at form feeds
# and U+2028, and the line numbers would drift from the findings'.
_LINE_END = re.compile(r"\r\n|\r|\n")

# line number -> None (every rule) or the ids/prefixes listed
Suppressions = Dict[int, Optional[Tuple[str, ...]]]


_patterns: Dict[Tuple[str, ...], "re.Pattern[str]"] = {}


def _comment_pattern(comments: Tuple[str, ...]) -> "re.Pattern[str]":
    if comments not in _patterns:
        starts = "|".join(re.escape(c) for c in comments)
        _patterns[comments] = re.compile(r"(?:" + starts + r")[ \t]*circleci-v2:[ \t]*ignore\b(?:\[([^\]]*)\])?")
    return _patterns[comments]


def parse_suppressions(text: str, comments: Tuple[str, ...] = ANY_COMMENT) -> Suppressions:
    """The suppression comments of a file (written after one of `comments`), by the line numbers they apply to."""
    if _MARKER not in text:
        return {}
    comment = _comment_pattern(tuple(comments))
    found: Suppressions = {}
    for number, line in enumerate(_LINE_END.split(text), start=1):
        if _MARKER not in line:
            continue
        m = comment.search(line)
        if m is None:
            continue
        codes: Optional[Tuple[str, ...]] = None
        if m.group(1) is not None:
            codes = tuple(c.strip().upper() for c in m.group(1).split(",") if c.strip())
        targets = [number]
        if not line[: m.start()].strip():  # a comment alone on its line also covers the next one
            targets.append(number + 1)
        for target in targets:
            _merge(found, target, codes)
    return found


def _merge(found: Suppressions, line: int, codes: Optional[Tuple[str, ...]]) -> None:
    if line in found:
        current = found[line]
        found[line] = None if current is None or codes is None else current + codes
    else:
        found[line] = codes


def is_suppressed(finding: Finding, suppressions: Suppressions) -> bool:
    for line in range(finding.line, max(finding.line, finding.end_line) + 1):
        if line not in suppressions:
            continue
        codes = suppressions[line]
        if codes is None or any(finding.rule_id.startswith(code) for code in codes):
            return True
    return False


def apply_suppressions(findings: Sequence[Finding], text: str,
                       comments: Tuple[str, ...] = ANY_COMMENT) -> Tuple[List[Finding], int]:
    """(the findings left, how many were silenced); `comments`: what starts a comment in the file's kind."""
    suppressions = parse_suppressions(text, comments)
    if not suppressions:
        return list(findings), 0
    kept = [f for f in findings if not is_suppressed(f, suppressions)]
    return kept, len(findings) - len(kept)
