"""A writable copy of the rule catalogue, for tests that break one rule file and load the copy
(shared by tests/test_rules_loader.py, test_request_checks.py and test_shim_translations.py)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import List, Set

from circleci_v2.rules import CATALOGUE_DIR
from circleci_v2.rules.loader import SCHEMA_PATH


def copy_catalogue(folder: Path) -> List[Path]:
    """Copy every rule file into `folder`; the copies, sorted."""
    for path in CATALOGUE_DIR.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    return sorted(folder.glob("*.yaml"))


def edit_rule(paths: List[Path], rule_id: str, old: str, new: str) -> Path:
    """Replace `old` (which must be there) by `new` in the rule file of `rule_id` among `paths`; that file."""
    target = next(p for p in paths if p.name.startswith(rule_id))
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new), encoding="utf-8")
    return target


def schema_enum(section: str, field: str) -> Set[str]:
    """The names the rule schema allows for `section.field` (e.g. request.check, shim.translation)."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return set(schema["properties"][section]["properties"][field]["enum"])
