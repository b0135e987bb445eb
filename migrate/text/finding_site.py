"""The evidence the text analyser keeps for each finding (Finding.site), for the fixer."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import List, Optional

from circleci_v2.rules import RuleMatch

from .http_tools import HttpRequest
from .resolve import Env, Resolved
from ..kinds.shell_regions import Segment
from .shell import Command


@dataclass(frozen=True)
class TextSite:
    kind: str  # the file's kind
    segment: Segment
    commands: List[Command]  # every command of the segment (to see what reads the reply)
    env: Env
    request: HttpRequest
    url: Resolved
    match: Optional[RuleMatch]

    def with_match(self, match: Optional[RuleMatch]) -> "TextSite":
        return replace(self, match=match)

    def source_text(self, source: str, start: int, end: int) -> str:
        """Source text of segment offsets [start, end)."""
        if self.segment.argv is not None:
            return source[start:end]
        s, e = self.segment.source_span(start, end)
        return source[s:e]
