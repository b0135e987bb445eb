"""Module names say what a module is: none shadows a standard-library module, and no two folders hold a
module of the same name unless both play the same role (the Python and the text front end each have an
analyser, evidence scanner and finding site).

A shadowing name is not only confusing to read: `import select` inside the package's folder, run as a
script, would import ours.
"""
from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("rules", "shim", "migrate")

# the same role in each front end: migrate/python/X.py and migrate/text/X.py
SAME_ROLE = {
    "analyser": {"migrate/python/analyser.py", "migrate/text/analyser.py"},
    "evidence": {"migrate/python/evidence.py", "migrate/text/evidence.py"},
    "finding_site": {"migrate/python/finding_site.py", "migrate/text/finding_site.py"},
}


def _modules() -> Dict[str, List[str]]:
    names: Dict[str, List[str]] = defaultdict(list)
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.stem not in ("__init__", "__main__"):
                names[path.stem].append(path.relative_to(ROOT).as_posix())
    return names


@pytest.mark.skipif(sys.version_info < (3, 10), reason="sys.stdlib_module_names is new in Python 3.10")
def test_no_module_shadows_the_standard_library() -> None:
    shadowing = {name: paths for name, paths in _modules().items() if name in sys.stdlib_module_names}
    assert shadowing == {}


def test_a_module_name_is_used_once_unless_the_role_is_the_same() -> None:
    repeated = {name: set(paths) for name, paths in _modules().items() if len(paths) > 1}
    unexplained = {name: paths for name, paths in repeated.items() if SAME_ROLE.get(name) != paths}
    assert unexplained == {}
