"""The kinds of file circleci-v2 reads, one line each, and the lookups discovery and the pipeline make.

To read a new kind of file: write its module (kinds/shell_script.py is the
smallest text container, kinds/makefile.py a fuller one) and add its line
below. discover.py, run.py, fix/decide.py, suppress.py, the text analyser and
fixer, and the pre-commit hooks' test all read the kinds from here.
"""
from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

from .file_kind import FileKind

if TYPE_CHECKING:
    from .shell_regions import Segment

MODULES: List[str] = [
    "circleci_v2.migrate.kinds.python_source",
    "circleci_v2.migrate.kinds.shell_script",
    "circleci_v2.migrate.kinds.makefile",
    "circleci_v2.migrate.kinds.yaml_file",
    "circleci_v2.migrate.kinds.dockerfile",
    "circleci_v2.migrate.kinds.jenkinsfile",
]

SHEBANG = "shebang"  # kind of a file whose kind is decided by its #! line, once read


class _Index:
    """The kinds by name, suffix, file name and #! interpreter (built once, on first use)."""

    def __init__(self, kinds: List[FileKind]) -> None:
        self.kinds = kinds
        self.by_name: Dict[str, FileKind] = {}
        self.by_suffix: Dict[str, str] = {}
        self.by_file_name: Dict[str, str] = {}
        self.suffixed: Dict[str, str] = {}  # file names that count with any suffix (Dockerfile.prod)
        self.by_shebang: Dict[str, str] = {}
        for kind in kinds:
            if kind.name in self.by_name:
                raise ValueError(f"two kinds of file are named {kind.name!r}")
            self.by_name[kind.name] = kind
            for suffix in kind.suffixes:
                self.by_suffix.setdefault(suffix, kind.name)
            for file_name in kind.file_names:
                self.by_file_name.setdefault(file_name, kind.name)
                if kind.suffixed_names:
                    self.suffixed.setdefault(file_name, kind.name)
            for program in kind.shebangs:
                self.by_shebang.setdefault(program, kind.name)


_index: Optional[_Index] = None


def _loaded() -> _Index:
    global _index
    if _index is None:
        _index = _Index([importlib.import_module(module).KIND for module in MODULES])
    return _index


def add(module: str) -> None:
    """Read the kind declared by `module` too (a plugin, a test); it counts from the next lookup on."""
    global _index
    if module not in MODULES:
        MODULES.append(module)
    _index = None


def kinds() -> Tuple[FileKind, ...]:
    return tuple(_loaded().kinds)


def names() -> Tuple[str, ...]:
    return tuple(kind.name for kind in _loaded().kinds)


def get(name: str) -> FileKind:
    """The kind named `name`; KeyError for an unknown one."""
    try:
        return _loaded().by_name[name]
    except KeyError:
        raise KeyError(f"unknown kind of file: {name}") from None


def precommit_types() -> List[str]:
    """The identify tags the hooks' `types_or` must list, in the kinds' order."""
    out: List[str] = []
    for kind in _loaded().kinds:
        out += [t for t in kind.precommit_types if t not in out]
    return out


def kind_of(name: str) -> Optional[str]:
    """The kind of a file from its name; SHEBANG when only its first line can tell; None to skip."""
    index = _loaded()
    lower = name.lower()
    dot = lower.rfind(".")
    if dot > 0:
        kind = index.by_suffix.get(lower[dot:])
        if kind is not None:
            return kind
        return index.suffixed.get(lower[:dot])  # Dockerfile.prod, Jenkinsfile.release
    kind = index.by_file_name.get(lower)
    if kind is not None:
        return kind
    return SHEBANG if dot == -1 else None


def kind_from_shebang(data: bytes) -> Optional[str]:
    """The kind named by a `#!` first line (`/usr/bin/env python3`, `/bin/bash -e`), or None."""
    if not data.startswith(b"#!"):
        return None
    line = data[2:].split(b"\n", 1)[0].decode("latin-1").strip()
    words = line.split()
    if not words:
        return None
    prog = os.path.basename(words[0])
    if prog == "env":
        args = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
        if not args:
            return None
        prog = os.path.basename(args[0])
    by_shebang = _loaded().by_shebang
    if prog not in by_shebang:
        prog = prog.rstrip("0123456789.")  # python3.11 -> python
    return by_shebang.get(prog)


def segments_for(source: str, kind: str) -> List["Segment"]:
    """The shell regions of a file of `kind` (a text container: shell, makefile, yaml, ...)."""
    return get(kind).segments(source)
