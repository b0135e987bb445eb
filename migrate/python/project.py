"""Module-level string constants of the project's own modules, for the files of one run.

`from ci.constants import CIRCLE_API` then `requests.post(f"{CIRCLE_API}/project/...")`
is the usual layout: the API root lives in one module, the calls in others.
A run hands one ProjectModules to every analysis (run.py); the analysis asks
it for a name imported from a module, and it finds the module's file beside
the importing file or in a folder above it (the package root), reads it with
`ast` on first use and keeps the answer for the rest of the run. Only string
constants are answered (what `ast` and the evaluator resolve in that module:
literals, concatenations and f-strings of other constants of it); anything
else, an `os.environ.get` default included, stays unknown, as before.
"""
from __future__ import annotations

import ast
import os
import warnings
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple

from .values import Str

MAX_BYTES = 1 << 20  # a module larger than this is not read for its constants
_MISSING = object()


class ProjectModules:
    """Lazily read modules of the project: file lookups and constants are cached for the run."""

    def __init__(self, roots: Sequence[str] = ()) -> None:
        # folders a module path may start from, besides the importing file's own folder and those above it
        self.roots = [os.path.abspath(r) for r in roots if os.path.isdir(r)]
        self._files: Dict[Tuple[str, str], Optional[str]] = {}
        self._modules: Dict[str, object] = {}
        self._constants: Dict[Tuple[str, str], Optional[Str]] = {}
        # module file -> the v1.1 senders its analysis found (python/senders.py); filled by each analysed file
        # and, for a module only imported, by analysing it on first use
        self._senders: Dict[str, List[Any]] = {}
        self._listings: Dict[str, FrozenSet[str]] = {}  # folder -> its entries, for find()

    def constant(self, qualified: str, importer: str) -> Optional[Str]:
        """The value of `name` in `module` (qualified = "module.name", dots first for a relative import)."""
        level = len(qualified) - len(qualified.lstrip("."))
        module, _, name = qualified[level:].rpartition(".")
        if not name:
            return None
        path = self.find(module, importer, level)
        if path is None:
            return None
        key = (path, name)
        if key not in self._constants:
            self._constants[key] = self._read_constant(path, name)
        return self._constants[key]

    def add_senders(self, path: str, senders: Sequence[Any]) -> None:
        """Record the senders the analysis of `path` found (the run's index of v1.1 senders)."""
        self._senders[os.path.abspath(path)] = list(senders)

    def known_senders(self, path: str) -> List[Any]:
        """The senders recorded for `path` so far (none asked for are analysed)."""
        return self._senders.get(os.path.abspath(path), [])

    def sender_modules(self) -> List[str]:
        """The module files that hold a sender."""
        return [path for path, senders in self._senders.items() if senders]

    def senders(self, path: str, catalogue: Any, analyse: Callable[..., Any]) -> List[Any]:
        """The senders of the module file `path`: from the run's analyses, or by analysing it now (once) with
        `analyse` (python.analyse, handed in by the analyser, which imports this module).

        A module that is not a candidate of the pre-filter holds none and is not analysed."""
        path = os.path.abspath(path)
        known = self._senders.get(path)
        if known is not None:
            return known
        self._senders[path] = []  # also what an import cycle sees while the module is analysed
        from ..prefilter import is_candidate

        try:
            if os.path.getsize(path) > MAX_BYTES:
                return []
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            return []
        if not is_candidate(data):
            return []
        try:
            analyse(data.decode("utf-8", "replace"), path, catalogue, self)  # records its senders here
        except SyntaxError:
            pass  # a Python 2 module: its senders are recorded before the error is raised
        except (RecursionError, ValueError, MemoryError):
            self._senders[path] = []
        return self._senders[path]

    def find(self, module: str, importer: str, level: int = 0) -> Optional[str]:
        """The file of `module` as imported from `importer`: beside it, or from a folder above it."""
        here = os.path.dirname(os.path.abspath(importer))
        key = (here if level or module.split(".")[0] else "", ("." * level) + module)
        if key in self._files:
            return self._files[key]
        parts = [p for p in module.split(".") if p]
        bases: List[str] = []
        if level:
            base = here
            for _ in range(level - 1):
                base = os.path.dirname(base)
            bases.append(base)
        else:
            cur = here
            while True:  # the package root is the importing file's folder or one above it
                bases.append(cur)
                parent = os.path.dirname(cur)
                if parent == cur:
                    break
                cur = parent
            bases.extend(self.roots)
        found = None
        for base in bases:
            entries = self._entries(base)
            if parts and parts[0] not in entries and parts[0] + ".py" not in entries:
                continue  # one listing per folder for the run, instead of two stat calls per import and folder
            stem = os.path.join(base, *parts) if parts else base
            for candidate in (stem + ".py", os.path.join(stem, "__init__.py")):
                if parts and os.path.isfile(candidate):
                    found = candidate
                    break
            if found:
                break
        self._files[key] = found
        return found

    def _entries(self, folder: str) -> FrozenSet[str]:
        names = self._listings.get(folder)
        if names is None:
            try:
                names = frozenset(os.listdir(folder))
            except OSError:
                names = frozenset()
            self._listings[folder] = names
        return names

    def _read_constant(self, path: str, name: str) -> Optional[Str]:
        from .evaluate import Evaluator, Frame

        ix = self._index(path)
        if ix is None or name not in ix.module.bindings:  # type: ignore[attr-defined]
            return None
        ix.project = None  # type: ignore[attr-defined]  # one module deep: no chains across files
        try:
            v = Evaluator(ix, {}, ()).name(name, ast.Name(id=name), Frame(ix.module))  # type: ignore[arg-type]
        except RecursionError:
            return None
        if not isinstance(v, Str) or not any(p.text for p in v.pieces) or v.notes:
            return None  # not a string, or one that depends on the environment (kept unknown, as before)
        return v

    def _index(self, path: str) -> object:
        from .index import build_index

        cached = self._modules.get(path, _MISSING)
        if cached is not _MISSING:
            return cached
        ix = None
        try:
            if os.path.getsize(path) <= MAX_BYTES:
                with open(path, "rb") as fh:
                    data = fh.read()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ix = build_index(ast.parse(data, filename=path))
        except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
            ix = None
        self._modules[path] = ix
        return ix
