"""Where the rules' files are, found without importing the circleci_v2.rules package.

The package's __init__ imports the loader and the rule model (dataclasses,
regexes, pathlib): about 12 ms, a sixth of a whole check of the standard
library, while a check without candidates needs only two facts from it: the
pre-filter markers (rules/markers.py) and the rule ids (the catalogue's file
names). rules/ sits beside migrate/ in the source tree and in the installed
wheel alike (circleci_v2/rules/ beside circleci_v2/migrate/); where it does
not, the ordinary import answers.
"""
from __future__ import annotations

import os
import sys
from typing import FrozenSet, Tuple

_BESIDE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "rules")


def rules_dir() -> str:
    if os.path.isfile(os.path.join(_BESIDE, "markers.py")):
        return _BESIDE
    from circleci_v2.rules.loader import RULES_DIR

    return str(RULES_DIR)


def markers() -> Tuple[bytes, ...]:
    """rules/markers.py's MARKERS (a generated file of constants, executed on its own)."""
    loaded = sys.modules.get("circleci_v2.rules.markers")
    if loaded is None:
        path = os.path.join(rules_dir(), "markers.py")
        try:
            with open(path, "rb") as fh:
                code = compile(fh.read(), path, "exec")
        except OSError:
            from circleci_v2.rules import markers as loaded
        else:
            namespace: dict = {}
            exec(code, namespace)
            return tuple(namespace["MARKERS"])
    return tuple(loaded.MARKERS)


def rule_ids() -> FrozenSet[str]:
    """Every rule id of the bundled catalogue, from the file names (CCI101-trigger-project.yaml)."""
    folder = os.path.join(rules_dir(), "catalogue")
    return frozenset(name.split("-", 1)[0] for name in os.listdir(folder) if name.endswith(".yaml"))
