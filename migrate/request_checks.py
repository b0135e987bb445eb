"""What each `request.check` of a rule (kind: request) means to a front end.

rules/schema.json lists the check names; each front end keeps one RequestChecks
registry and registers one function per name with `@registry("name")` next to
the code it needs (the Python analyser, the text analyser, the text fixer, and
the Python fixer, whose RequestFixes also registers checks fixed in one edit).
Calling a registry with a name it lacks raises KeyError naming the registry, so a
check the schema gains but a front end does not know fails loudly.
tests/test_request_checks.py keeps the schema's names, each registry and the
names rules use equal.
"""
from __future__ import annotations

from typing import Callable, Dict, FrozenSet, Generic, Optional, Tuple, TypeVar

F = TypeVar("F", bound=Callable[..., object])
# what an analyser's check says of one request: (confidence, reason or None) when it shows the problem, else None
Verdict = Optional[Tuple[str, Optional[str]]]


class RequestChecks(Generic[F]):
    """The functions one front end runs for the rules' `request.check` names."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._by_name: Dict[str, F] = {}

    def __call__(self, name: str) -> Callable[[F], F]:
        def register(func: F) -> F:
            if name in self._by_name:
                raise ValueError(f"{self.what}: request check {name!r} registered twice")
            self._by_name[name] = func
            return func
        return register

    def __getitem__(self, name: str) -> F:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"{self.what}: no function for the request check {name!r}") from None

    def names(self) -> FrozenSet[str]:
        return frozenset(self._by_name)
