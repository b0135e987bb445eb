"""What the Python analyser needs from the catalogue, computed once per catalogue.

Nothing here names a rule: endpoint rules are matched through
`Catalogue.match_request`, client rules through their `clients` entries, import
rules through their `imports` entries. Request rules (properties of any v1.1
request) name the check that looks at them in their `request` block.
"""
from __future__ import annotations

import functools
from typing import Callable, Dict, FrozenSet, List, Optional, Tuple

from circleci_v2.rules import Catalogue, ClientMethod, ImportMapping, Rule

# rule name -> (check, applies when the base URL is not resolved)


class RuleSet:
    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.clients: List[Tuple[Rule, ClientMethod]] = list(catalogue.client_methods())
        self.client_methods: FrozenSet[str] = frozenset(cm.method for _, cm in self.clients)
        self.imports: Dict[str, Tuple[Rule, ImportMapping]] = {}
        for rule in catalogue.of_kind("import"):
            for mapping in rule.imports:
                self.imports.setdefault(mapping.module, (rule, mapping))
        # drop-in module -> what it stands in for (rules' client `drop_in`s and shim `route`s): calls through a
        # drop-in are still found, and reported as the rule's `shim.runs` says
        self.drop_ins: Dict[str, str] = {}
        for rule in catalogue:
            route = rule.shim.get("route") if isinstance(rule.shim, dict) else None
            if isinstance(route, dict):
                for library in route.get("libraries", ()):
                    self.drop_ins.setdefault(str(route["module"]), str(library))
        for _, cm in self.clients:
            if cm.drop_in:
                self.drop_ins.setdefault(cm.drop_in, cm.module)
        self.request_rules: List[Tuple[Rule, str, bool]] = []
        for rule in catalogue.of_kind("request"):
            if rule.request_check is not None:
                self.request_rules.append((rule, rule.request_check, rule.request_without_base))

    def find_client(self, cls: str, path: Tuple[str, ...]) -> Optional[Tuple[Rule, ClientMethod]]:
        """The client rule for method path[-1] of an instance of `cls` reached through path[:-1]."""
        return self._method_of(path, lambda cm: class_matches(cls, cm.module, cm.class_name) or bool(
            cm.drop_in and cls == f"{cm.drop_in}.{cm.class_name}"))

    def find_vendored(self, cls: str, path: Tuple[str, ...]) -> Optional[Tuple[Rule, ClientMethod]]:
        """A copy of a legacy package inside a project (`from circleci.circleci import api`): the class's
        qualified name ends with the legacy module and class (`circleci.circleci.api.Api`)."""
        return self._method_of(path, lambda cm: cls.endswith(f".{cm.module}.{cm.class_name}"))

    def _method_of(self, path: Tuple[str, ...],
                   of_class: Callable[[ClientMethod], bool]) -> Optional[Tuple[Rule, ClientMethod]]:
        """The first client method named path[-1], reached through path[:-1], whose class `of_class` accepts."""
        if not path:
            return None
        method, owner = path[-1], path[:-1]
        for rule, cm in self.clients:
            if cm.method == method and owner == ((cm.attribute,) if cm.attribute else ()) and of_class(cm):
                return rule, cm
        return None

    def guess(self, method: str, attribute: Optional[str], roots: FrozenSet[str]) -> Optional[Tuple[Rule, ClientMethod]]:
        """The client method a call on an unidentified object would be, among the legacy packages imported."""
        for rule, cm in self.clients:
            if cm.method == method and cm.attribute == attribute and cm.module.split(".")[0] in roots:
                return rule, cm
        return None

    def drop_in_of(self, qual: str) -> Optional[str]:
        """The drop-in module `qual` (a class, function or module path) comes from, or None."""
        for module in self.drop_ins:
            if qual == module or qual.startswith(module + "."):
                return module
        return None

    def find_unbound(self, qual: str) -> Optional[Tuple[Rule, ClientMethod]]:
        """`Api.trigger_build` read from the class itself."""
        cls, _, method = qual.rpartition(".")
        return self.find_client(cls, (method,)) if cls else None


def class_matches(qual: str, module: str, cls: str) -> bool:
    """circleci.api.Api, or the class re-exported by a parent package (circleclient.CircleClient)."""
    if qual == f"{module}.{cls}":
        return True
    parts = module.split(".")
    return any(qual == ".".join(parts[:i]) + "." + cls for i in range(1, len(parts)))


@functools.lru_cache(maxsize=8)
def ruleset(catalogue: Catalogue) -> RuleSet:
    return RuleSet(catalogue)
