"""Which names the fixer may look through, and which it may inline.

A rewrite edits the expression it can see at the call site. Two common shapes
need one step more:

    url = f"{BASE}/project/github/{org}/{repo}/tree/{branch}"   # built here ...
    requests.post(url, json=payload)                             # ... sent here

`single_use_assignment` finds `url = ...` when that is the only assignment of
`url` in its scope and the call is its only reader: editing that expression then
changes nothing else. `module_constant` gives the text of a module-level string
constant assigned once (BASE = "https://circleci.com/api/v1.1"), which may be
inlined where part of it has to change.
"""
from __future__ import annotations

import ast
from typing import Iterator, List, Optional

from .source_map import SourceMap


# match-statement captures (3.10+); absent on 3.9
_MATCH_TYPES = tuple(getattr(ast, n) for n in ("MatchAs", "MatchStar", "MatchMapping") if hasattr(ast, n))


def _names_in(scope: ast.AST) -> Iterator[ast.AST]:
    for node in ast.walk(scope):
        yield node


def _binds(node: ast.AST, name: str) -> bool:
    """Does `node` (re)bind or declare `name` (any way but a plain Store we count separately)?"""
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return name in node.names
    if isinstance(node, ast.arg):
        return node.arg == name
    if isinstance(node, ast.alias):
        bound = node.asname or node.name.split(".")[0]
        return bound == name
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name == name
    if isinstance(node, ast.ExceptHandler):
        return node.name == name
    if _MATCH_TYPES and isinstance(node, _MATCH_TYPES):
        return name in (getattr(node, "name", None), getattr(node, "rest", None))
    return False


def single_use_assignment(sm: SourceMap, name: ast.Name) -> Optional[ast.Assign]:
    """The one `name = <expr>` whose only reader is `name` (a Load at the call site), else None."""
    if not isinstance(name, ast.Name) or not isinstance(name.ctx, ast.Load):
        return None
    scope = sm.scope_of(name)
    stores: List[ast.Name] = []
    loads = 0
    for node in _names_in(scope):
        if isinstance(node, ast.Name) and node.id == name.id:
            if isinstance(node.ctx, ast.Load):
                loads += 1
            else:
                stores.append(node)
        elif node is not scope and _binds(node, name.id):
            return None
    if loads != 1 or len(stores) != 1:
        return None
    store = stores[0]
    assign = sm.parent(store)
    if not isinstance(assign, ast.Assign) or len(assign.targets) != 1 or assign.targets[0] is not store:
        return None
    if sm.scope_of(assign) is not scope or (assign.lineno, assign.col_offset) >= (name.lineno, name.col_offset):
        return None
    if sm.contains(assign, name):
        return None
    return assign


def module_constant(sm: SourceMap, name: ast.AST) -> Optional[str]:
    """The text of a module-level string constant read by `name`, assigned exactly once in the file."""
    if not isinstance(name, ast.Name):
        return None
    found: Optional[ast.Assign] = None
    for node in ast.walk(sm.tree):
        if isinstance(node, ast.Name) and node.id == name.id and not isinstance(node.ctx, ast.Load):
            parent = sm.parent(node)
            if found is not None or not isinstance(parent, ast.Assign) or sm.parent(parent) is not sm.tree:
                return None
            if len(parent.targets) != 1 or parent.targets[0] is not node:
                return None
            found = parent
        elif _binds(node, name.id):
            return None
    if found is None:
        return None
    # a name read inside a function that assigns it locally is another variable
    scope = sm.scope_of(name)
    if scope is not sm.tree:
        for node in ast.walk(scope):
            if isinstance(node, ast.Name) and node.id == name.id and not isinstance(node.ctx, ast.Load):
                return None
    return _constant_text(found.value)


def _constant_text(node: ast.AST) -> Optional[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _constant_text(node.left), _constant_text(node.right)
        if left is not None and right is not None:
            return left + right
    return None


def bound_names(sm: SourceMap) -> set:
    """Every name bound anywhere in the module (to choose a new name that clashes with none)."""
    out = set()
    for node in ast.walk(sm.tree):
        if isinstance(node, ast.Name):
            out.add(node.id)
        elif isinstance(node, ast.alias):
            out.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, ast.arg):
            out.add(node.arg)
    return out
