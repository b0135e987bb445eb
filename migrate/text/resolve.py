"""A word's value as far as the script shows it: variables assigned in the same script are followed.

`resolve(word)` gives Atoms: runs of text, each tied to the part of the word
it came from. A part the script does not define ($CIRCLE_TOKEN from the CI
environment, $(git ...), a make variable) becomes one atom holding a rules
placeholder, so `Catalogue.match_request` can match around it.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from circleci_v2.rules import placeholder

from .shell import LIT, SUBST, TEMPLATE, VAR, Part, Word

Env = Dict[str, List[Tuple[int, Word]]]
MAX_DEPTH = 8


class Atom:
    __slots__ = ("text", "known", "top", "via", "label")

    def __init__(self, text: str, known: bool, top: int, via: Optional[str], label: str) -> None:
        self.text = text  # the characters; for an unknown part, one placeholder character
        self.known = known
        self.top = top  # index of the part of the resolved word this atom comes from
        self.via = via  # the variable whose value held it (None: written in the word itself)
        self.label = label  # how the source writes the part, for messages ("$CIRCLE_API")

    def __repr__(self) -> str:
        return f"Atom({self.text!r}, top={self.top}, via={self.via})"


class Resolved:
    def __init__(self, atoms: List[Atom], used: Optional[List[Tuple[str, int, Word]]] = None) -> None:
        self.atoms = atoms
        # the assignments followed: (name, command index of the assignment, -1 for the CI's env:, value)
        self.used = used or []
        self.text = "".join(a.text for a in atoms)
        self.labels = {a.text: a.label for a in atoms if not a.known}
        # for each character of `text`, the atom it belongs to
        self.owner: List[int] = []
        for n, a in enumerate(atoms):
            self.owner.extend([n] * len(a.text))


def part_label(part: Part) -> str:
    if part.kind == VAR:
        return "$" + part.text if not part.op else "${" + part.text + "...}"
    if part.kind == LIT:
        return part.text
    return part.text if len(part.text) <= 40 else part.text[:37] + "..."


def lookup(env: Env, name: str, at: int, strict: bool = False) -> Optional[Tuple[int, Word]]:
    """The assignment of `name` in effect at command `at`: the last one before it, else the only one.

    `strict` (inside an assignment's value): only assignments before it count, so
    X="${X:-default}" reads the default rather than itself.
    """
    entries = env.get(name)
    if not entries:
        return None
    before = [e for e in entries if e[0] < at]
    if before:
        return before[-1]
    if strict:
        return None
    return entries[0] if len(entries) == 1 else None


def resolve(word: Word, env: Env, at: int, templates: Optional[Dict[str, Optional[str]]] = None) -> Resolved:
    """`templates`: raw template text -> its value, for templates the file sets (make variables)."""
    atoms: List[Atom] = []
    counter = [0]
    used: List[Tuple[str, int, Word]] = []
    for top, part in enumerate(word.parts):
        _expand(part, env, at, top, None, atoms, counter, 0, set(), templates or {}, used)
    return Resolved(atoms, used)


def _expand(part: Part, env: Env, at: int, top: int, via: Optional[str], atoms: List[Atom], counter: List[int],
            depth: int, seen: set, templates: Dict[str, Optional[str]],
            used: List[Tuple[str, int, Word]]) -> None:
    if part.kind == LIT:
        if part.text:
            atoms.append(Atom(part.text, True, top, via, part.text))
        return
    if part.kind == TEMPLATE and templates.get(part.text):
        atoms.append(Atom(str(templates[part.text]), True, top, via or part.text, part.text))
        return
    if part.kind == VAR and depth < MAX_DEPTH and part.op in ("", ":-", "-", ":=", "="):
        found = lookup(env, part.text, at, strict=depth > 0) if part.text not in seen else None
        value: Optional[Word] = found[1] if found is not None else None
        if value is None and part.default is not None:
            value = part.default
        if value is not None:
            if found is not None:
                used.append((part.text, found[0], found[1]))
            for p in value.parts:
                _expand(p, env, found[0] if found is not None else at, top, via or part.text, atoms, counter,
                        depth + 1, seen | {part.text}, templates, used)
            return
    atoms.append(Atom(placeholder(counter[0]), False, top, via, part_label(part)))
    counter[0] += 1


def is_opaque(part: Part) -> bool:
    return part.kind in (VAR, SUBST, TEMPLATE)
