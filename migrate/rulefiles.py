"""The facts a check without candidates needs from rules/, without loading the catalogue.

The pre-filter markers, route roots and drop-in modules (rules/markers.py, generated) and the rule ids (the
catalogue's file names, for --select/--ignore validation). Loading the catalogue
means yaml and jsonschema; a tree with no candidate must not pay for them.
rules/ sits beside migrate/ in the source tree and in the installed wheel alike
(circleci_v2/rules/ beside circleci_v2/migrate/); where it does not, the loader's
path answers.
"""
from __future__ import annotations

import os
from typing import FrozenSet, Tuple

_BESIDE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "rules")


def rules_dir() -> str:
    if os.path.isfile(os.path.join(_BESIDE, "markers.py")):
        return _BESIDE
    from circleci_v2.rules.loader import RULES_DIR

    return str(RULES_DIR)


def markers() -> Tuple[bytes, ...]:
    """The pre-filter's byte markers (rules/markers.py, generated from the catalogue)."""
    from circleci_v2.rules.markers import MARKERS

    return tuple(MARKERS)


def route_roots() -> Tuple[str, ...]:
    """The literal start of every v1.1/v1 endpoint route after its API root (rules/markers.py, generated)."""
    from circleci_v2.rules.markers import ROUTE_ROOTS

    return tuple(ROUTE_ROOTS)


def weak_route_roots() -> Tuple[str, ...]:
    """The route roots that are a whole route of one plain word (/me, /projects; rules/markers.py, generated)."""
    from circleci_v2.rules.markers import WEAK_ROUTE_ROOTS

    return tuple(WEAK_ROUTE_ROOTS)


def drop_in_modules() -> Tuple[str, ...]:
    """The drop-in modules the rules name (client drop_in, shim route.module; rules/markers.py, generated)."""
    from circleci_v2.rules.markers import DROP_IN_MODULES

    return tuple(DROP_IN_MODULES)


def v2_trigger_paths() -> Tuple[str, ...]:
    """The v2 paths the trigger rules rewrite to, with their {fields} (rules/markers.py, generated)."""
    from circleci_v2.rules.markers import V2_TRIGGER_PATHS

    return tuple(V2_TRIGGER_PATHS)


def rule_ids() -> FrozenSet[str]:
    """Every rule id of the bundled catalogue, from the file names (CCI101-trigger-project.yaml)."""
    folder = os.path.join(rules_dir(), "catalogue")
    return frozenset(name.split("-", 1)[0] for name in os.listdir(folder) if name.endswith(".yaml"))
