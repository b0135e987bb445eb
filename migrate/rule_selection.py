"""--select / --ignore: rule ids or prefixes (CCI1, CCI10, CCI101), or ALL.

As in ruff, the more specific selector wins: `--select CCI1 --ignore CCI12`
keeps CCI101 and drops CCI120; `--ignore CCI1 --select CCI121` keeps only CCI121.
On a tie, ignore wins. Selectors are checked against the rule ids, which are
read from the catalogue's file names (CCI101-trigger-project.yaml) so that no
YAML is parsed just to validate an option.
"""
from __future__ import annotations

from typing import FrozenSet, Iterable, Optional, Sequence, Tuple



def _well_formed(selector: str) -> bool:
    """ALL, or 1-3 capital letters and up to 3 digits (CCI, CCI1, CCI101); no regex: this runs on every check."""
    if selector == "ALL":
        return True
    letters = selector.rstrip("0123456789")
    digits = selector[len(letters):]
    return 1 <= len(letters) <= 3 and letters.isalpha() and letters.isupper() and letters.isascii() and len(digits) <= 3


class SelectorError(ValueError):
    """An unknown or malformed selector. The message names it and where it came from."""


def rule_ids_from_files() -> FrozenSet[str]:
    """Every rule id of the bundled catalogue, from the file names alone."""
    from .rulefiles import rule_ids

    return rule_ids()


def parse_selectors(values: Iterable[str]) -> Tuple[str, ...]:
    """Split comma-separated option values into selectors, upper-cased, empty ones dropped."""
    out = []
    for value in values:
        for part in value.split(","):
            part = part.strip().upper()
            if part:
                out.append(part)
    return tuple(out)


class RuleSelection:
    def __init__(
        self,
        select: Optional[Sequence[str]] = None,
        ignore: Sequence[str] = (),
        known_ids: Optional[Iterable[str]] = None,
        source: str = "",
    ) -> None:
        self.select = tuple(select) if select else ("ALL",)
        self.ignore = tuple(ignore)
        if known_ids is not None:
            known = frozenset(known_ids)
            for option, selectors in (("select", self.select), ("ignore", self.ignore)):
                for selector in selectors:
                    self._validate(selector, option, known, source)

    @staticmethod
    def _validate(selector: str, option: str, known: FrozenSet[str], source: str) -> None:
        where = f"{source} {option}" if source else f"--{option}"
        if not _well_formed(selector):
            raise SelectorError(f"{where}: {selector!r} is not a rule id or prefix (e.g. CCI101, CCI1, ALL)")
        if selector != "ALL" and not any(rule_id.startswith(selector) for rule_id in known):
            raise SelectorError(f"{where}: {selector!r} matches no rule (see `circleci-v2 rules`)")

    @staticmethod
    def _best(rule_id: str, selectors: Sequence[str]) -> int:
        """Length of the longest selector matching rule_id (ALL counts as 0); -1 for none."""
        best = -1
        for selector in selectors:
            if selector == "ALL":
                best = max(best, 0)
            elif rule_id.startswith(selector):
                best = max(best, len(selector))
        return best

    def enabled(self, rule_id: str) -> bool:
        chosen = self._best(rule_id, self.select)
        if chosen < 0:
            return False
        return self._best(rule_id, self.ignore) < chosen
