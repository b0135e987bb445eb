"""Move legacy client imports to the circleci_v2 drop-ins, and raw `requests` to the shim.

The drop-ins keep every name and signature, so one import change migrates the
file (the import rule's `imports` table says which drop-in replaces which
module):

    from circleci.api import Api            -> from circleci_v2.shim.circleci import Api
    from circleci.error import CircleCIException
                                            -> from circleci_v2.shim.circleci import CircleCIException
    import circleci.api as ca               -> import circleci_v2.shim.circleci as ca
    import circleci.api   (+ circleci.api.Api(...) in the code)
                                            -> import circleci_v2.shim.circleci (+ circleci_v2.shim.circleci.Api(...))
    from circleci import api                -> from circleci_v2.shim import circleci as api
    import requests                         -> from circleci_v2.shim import requests   (unsafe; see engine.py)
    import os, requests                     -> import os
                                               from circleci_v2.shim import requests   (the same, split)
"""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Tuple

from circleci_v2.rules import Catalogue

from .edits import Edits, StatementEdit
from .interface import CannotFix
from .signature import ast_import
from .source_map import SourceMap

# The one HTTP library whose import the swap rewrites (`import requests`): which shim module replaces it is
# the rules' (a shim `route` whose `libraries` name it), and so is whether any does.
SWAPPED_LIBRARY = "requests"


def import_table(catalogue: Catalogue) -> Dict[str, str]:
    """Legacy module -> drop-in module, from every import rule."""
    table: Dict[str, str] = {}
    for rule in catalogue.of_kind("import"):
        for mapping in rule.imports:
            table.setdefault(mapping.module, mapping.drop_in)
    return table


def imported_modules(stmt: ast.AST) -> List[str]:
    """The modules an import statement names (for `from m import a`, both m and m.a)."""
    if isinstance(stmt, ast.Import):
        return [a.name for a in stmt.names]
    if isinstance(stmt, ast.ImportFrom) and stmt.level == 0 and stmt.module:
        return [stmt.module] + [f"{stmt.module}.{a.name}" for a in stmt.names]
    return []


def legacy_imports(sm: SourceMap, table: Dict[str, str], package: Optional[str] = None) -> List[ast.AST]:
    """Import statements of legacy modules (of one top-level package, when given), in source order."""
    out = []
    for t in (ast.Import, ast.ImportFrom):
        for stmt in sm.ordered[t]:
            names = imported_modules(stmt)
            if isinstance(stmt, ast.ImportFrom):
                names = names[:1] if names and names[0] in table else names[1:]
            hits = [n for n in names if n in table]
            if hits and (package is None or any(h.split(".")[0] == package for h in hits)):
                out.append(stmt)
    out.sort(key=lambda s: (s.lineno, s.col_offset))
    return out


def _split(module: str) -> Tuple[str, str]:
    parent, _, leaf = module.rpartition(".")
    return parent, leaf


def _alias(name: str, asname: Optional[str]) -> str:
    return f"{name} as {asname}" if asname and asname != name else name


def plan_import(sm: SourceMap, stmt: ast.AST, table: Dict[str, str], edits: Edits) -> str:
    """Record the rewrite of one import statement; a one-line description. CannotFix when it cannot."""
    text = sm.text_of(stmt) or ""
    kind = type(stmt).__name__
    key = (kind, sm.ordinal(stmt))
    if isinstance(stmt, ast.ImportFrom):
        if stmt.level or not stmt.module:
            raise CannotFix("a relative import")
        module = stmt.module
        submodules = [a for a in stmt.names if f"{module}.{a.name}" in table]
        if submodules and len(submodules) == len(stmt.names):
            # from circleci import api -> from circleci_v2.shim import circleci as api
            drops = {table[f"{module}.{a.name}"] for a in stmt.names}
            if len(drops) != 1:
                raise CannotFix("the imported modules map to different drop-ins; split the import")
            parent, leaf = _split(drops.pop())
            names = ", ".join(f"{leaf} as {a.asname or a.name}" if (a.asname or a.name) != leaf else leaf
                              for a in stmt.names)
            code = f"from {parent} import {names}"
        elif module in table and not submodules:
            names = ", ".join(_alias(a.name, a.asname) for a in stmt.names)
            code = f"from {table[module]} import {names}"
        else:
            raise CannotFix("the import mixes modules and names; split it")
    elif isinstance(stmt, ast.Import):
        parts = []
        for a in stmt.names:
            if a.name not in table:
                parts.append(_alias(a.name, a.asname))
                continue
            drop = table[a.name]
            if a.asname:
                parts.append(f"{drop} as {a.asname}")
            elif "." in a.name:
                # `import circleci.api` binds `circleci`; the code reads circleci.api.X: rename those chains
                parts.append(drop)
                root = a.name.split(".")[0]
                for legacy, target in table.items():
                    if legacy.split(".")[0] == root and "." in legacy:
                        edits.chain_renames[legacy] = target
            else:
                # `import circleci` -> the drop-in under the same name; circleci.api.X -> circleci.X
                parts.append(f"{drop} as {a.name}")
                for legacy, target in table.items():
                    if legacy.startswith(a.name + ".") and target == drop:
                        edits.chain_renames[legacy] = a.name
        code = "import " + ", ".join(parts)
    else:
        raise CannotFix("not an import")
    edits.imports[key] = StatementEdit(expect=text, code=code, expect_sig=ast_import(stmt))
    return f"{' '.join(text.split())} -> {code}"


def swap_module(catalogue: Catalogue) -> Optional[str]:
    """The shim module the rules route SWAPPED_LIBRARY's calls through (`shim.route.module` of the routes whose
    `libraries` name it); None when no rule names one, or when rules disagree (no swap then)."""
    modules = {str(r.shim["route"]["module"]) for r in catalogue
               if isinstance(r.shim.get("route"), dict) and SWAPPED_LIBRARY in r.shim["route"].get("libraries", ())}
    return modules.pop() if len(modules) == 1 else None


def swapped_by_import(library: Optional[str]) -> bool:
    """A call site of SWAPPED_LIBRARY or of a class it exports (the site's library `requests.Session`): the
    swapped import rebinds both, so both then run through the shim."""
    return library is not None and (library == SWAPPED_LIBRARY or library.startswith(SWAPPED_LIBRARY + "."))


def requests_alias(stmt: ast.Import) -> str:
    """The name `import ... requests [as x] ...` binds the requests module to."""
    return next(a.asname or a.name for a in stmt.names if a.name == SWAPPED_LIBRARY)


def requests_imports(sm: SourceMap) -> List[ast.Import]:
    """The `import requests [as x]` statements the swap to the shim rewrites (also `import os, requests`)."""
    return [stmt for stmt in sm.ordered[ast.Import] if any(a.name == SWAPPED_LIBRARY for a in stmt.names)]


def plan_requests_swap(sm: SourceMap, module: str, edits: Edits) -> List[Tuple[int, str]]:
    """`import requests [as x]` -> `from <parent> import requests [as x]`; (line, description) per statement.

    An import of several modules is split around `requests` (`import os, requests` -> `import os` and the
    shim's import), in the order written; locate.py puts the parts on lines of their own when the
    statement had its line to itself.
    """
    parent, leaf = _split(module)
    if any(a.name.startswith(SWAPPED_LIBRARY + ".") and not a.asname for stmt in sm.ordered[ast.Import] for a in stmt.names):
        return []  # `import requests.adapters` binds `requests` to the real package again: the swap would not hold
    done = []
    for stmt in requests_imports(sm):
        parts: List[str] = []
        others: List[str] = []
        for a in stmt.names:
            if a.name != SWAPPED_LIBRARY:
                others.append(_alias(a.name, a.asname))
                continue
            if others:
                parts.append("import " + ", ".join(others))
                others = []
            parts.append(f"from {parent} import {_alias(leaf, a.asname)}" if leaf == SWAPPED_LIBRARY else
                         f"from {parent} import {leaf} as {a.asname or SWAPPED_LIBRARY}")
        if others:
            parts.append("import " + ", ".join(others))
        code = "; ".join(parts)
        edits.imports[("Import", sm.ordinal(stmt))] = StatementEdit(expect=sm.text_of(stmt) or "", code=code,
                                                                    expect_sig=ast_import(stmt))
        done.append((stmt.lineno, f"{' '.join((sm.text_of(stmt) or '').split())} -> {code}"))
    return done


def plan_alias_merge(sm: SourceMap, module: str, name: str, edits: Edits) -> Optional[str]:
    """After the swap binds `name` to `module`: a top-level `from <parent> import <leaf> as other` (what an
    earlier run's shim routing added) goes, and `other.x` becomes `name.x`, so the file imports the module once.
    None (nothing planned) when that is not plainly safe: `other` used other than as `other.x`, `name` bound
    by more than the swapped imports, or the statement sharing its line."""
    parent, leaf = _split(module)
    found = [s for s in sm.tree.body if isinstance(s, ast.ImportFrom) and s.level == 0 and s.module == parent
             and len(s.names) == 1 and s.names[0].name == leaf and s.names[0].asname not in (None, name)]
    if len(found) != 1:
        return None
    stmt = found[0]
    other = stmt.names[0].asname
    if any(s is not stmt and s.lineno <= (stmt.end_lineno or stmt.lineno) and (s.end_lineno or s.lineno) >= stmt.lineno
           for s in sm.tree.body):
        return None
    swapped = {id(s) for s in requests_imports(sm)}
    renames: Dict[str, str] = {}
    attribute_values = set()
    for node in ast.walk(sm.tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == other:
            renames[f"{other}.{node.attr}"] = f"{name}.{node.attr}"
            attribute_values.add(id(node.value))
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in swapped and node is not stmt:
            if any((a.asname or a.name.split(".")[0]) in (name, other) for a in node.names):
                return None
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name in (name, other):
            return None
        elif isinstance(node, ast.arg) and node.arg in (name, other):
            return None
        elif isinstance(node, ast.ExceptHandler) and node.name in (name, other):
            return None
    for node in ast.walk(sm.tree):
        if isinstance(node, ast.Name) and (node.id == name and not isinstance(node.ctx, ast.Load)
                                           or node.id == other and id(node) not in attribute_values):
            return None
    edits.imports[("ImportFrom", sm.ordinal(stmt))] = StatementEdit(expect=sm.text_of(stmt) or "", code="",
                                                                    expect_sig=ast_import(stmt))
    edits.chain_renames.update(renames)
    return f"{' '.join((sm.text_of(stmt) or '').split())} removed ({other}.x -> {name}.x)"
