"""The drop-ins' deprecated methods find their rule in the catalogue's client entries.

A drop-in method that API v2 replaced is written

    @deprecated_method
    def trigger_build(self, rule, username, project, ...):

and the decorator does what each such method did by hand: it finds the rule whose
client entry (module, class, attribute, method) names the method, warns with that
rule's id (CircleCIDeprecationWarning, counted in the usage record) and passes the
rule in as `rule`. Callers see the legacy signature (without `rule`).

The legacy class is the drop-in class's own name, or its `_legacy_path` for
circleclient's nested resources (class Build is "CircleClient.build"). The rule is
looked up on the first call, so importing a drop-in loads no catalogue; a method
that no client entry names (or that two rules name) raises LookupError then, and
tests/test_dropin_v11_methods.py resolves every declared method.
"""
from __future__ import annotations

import functools
import inspect
import threading
from typing import Any, Callable, List, Optional

from ..rules.model import Rule
from .deprecation import catalogue, warn_deprecated

_declared: List["DeprecatedMethod"] = []


class DeprecatedMethod:
    """One decorated drop-in method and the rule its client entry names."""

    def __init__(self, drop_in: str, class_path: str, method: str) -> None:
        self.drop_in = drop_in
        self.class_path = class_path
        self.method = method
        self._rule: Optional[Rule] = None
        self._lock = threading.Lock()

    @property
    def dotted(self) -> str:
        return f"{self.drop_in}.{self.class_path}.{self.method}"

    def rule(self) -> Rule:
        """The one rule whose client entry names this method; LookupError when none or several do."""
        if self._rule is None:
            with self._lock:
                if self._rule is None:
                    rules = catalogue().drop_in_rules(self.drop_in, self.class_path, self.method)
                    if len(rules) != 1:
                        named = ", ".join(sorted(r.id for r in rules)) or "none"
                        raise LookupError(
                            f"{self.dotted} is a deprecated drop-in method, but the catalogue's client "
                            f"entries (drop_in: {self.drop_in}) name it in {named} rules instead of one")
                    self._rule = rules[0]
        return self._rule


def declared() -> List[DeprecatedMethod]:
    """Every @deprecated_method of the drop-in modules imported so far."""
    return list(_declared)


def deprecated_method(func: Callable[..., Any]) -> Any:
    """Make `func(self, rule, ...)` a drop-in method that warns with its rule: see the module docstring."""
    parameters = list(inspect.signature(func).parameters)
    if parameters[1:2] != ["rule"]:
        raise TypeError(f"{func.__module__}.{func.__qualname__}: a @deprecated_method takes (self, rule, ...)")
    return _Unbound(func)


class _Unbound:
    """Until its class exists, the decorated function: the class names the legacy class (__set_name__)."""

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func

    def __set_name__(self, owner: type, name: str) -> None:
        class_path = owner.__dict__.get("_legacy_path", owner.__name__)
        setattr(owner, name, _method(self.func, owner.__module__, class_path))


def _method(func: Callable[..., Any], drop_in: str, class_path: str) -> Callable[..., Any]:
    declared_method = DeprecatedMethod(drop_in, class_path, func.__name__)
    _declared.append(declared_method)
    called = f"{drop_in}:{func.__name__}"  # what the usage record names as the method called

    @functools.wraps(func)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        rule = declared_method.rule()
        warn_deprecated(rule.id, call=called)
        return func(self, rule, *args, **kwargs)

    signature = inspect.signature(func)
    parameters = list(signature.parameters.values())
    del parameters[1]  # rule: passed in by the wrapper, not by callers
    method.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    method.deprecated_method = declared_method  # type: ignore[attr-defined]
    return method
