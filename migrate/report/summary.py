"""The one-line summary of a run, for stderr."""
from __future__ import annotations

from typing import Any


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def render_summary(stats: Any) -> str:
    """e.g. `Found 3 findings (2 fixable with circleci-v2 fix) in 734 files, 5 candidates; 1 error; skipped 4 (3 excluded, 1 gitignored).`

    The counts are the fixer's: `fix` rewrites exactly the first number, `fix --unsafe-fixes` both.
    """
    if stats.findings:
        head = f"Found {_plural(stats.findings, 'finding')}"
        unsafe = getattr(stats, "unsafe_fixable", 0)
        fixes = []
        if stats.fixable:
            fixes.append(f"{stats.fixable} fixable with `circleci-v2 fix`")
        if unsafe:
            fixes.append(f"{unsafe} {'more ' if stats.fixable else ''}[~] with `circleci-v2 fix --unsafe-fixes`")
        if fixes:
            head += f" ({'; '.join(fixes)})"
        head += f" in {_plural(stats.files, 'file')}"
    else:
        head = f"No findings in {_plural(stats.files, 'file')}"
    parts = [head + f" ({_plural(stats.candidates, 'candidate')} analysed)"]
    if getattr(stats, "usage", 0):
        parts.append(f"{stats.usage} seen at run time (--usage)")
    if stats.suppressed:
        parts.append(f"{stats.suppressed} suppressed by comments")
    if stats.errors:
        parts.append(_plural(stats.errors, "error"))
    skipped = stats.excluded + stats.ignored
    if skipped:
        parts.append(f"skipped {skipped} ({stats.excluded} excluded, {stats.ignored} gitignored)")
    return "; ".join(parts) + "."
