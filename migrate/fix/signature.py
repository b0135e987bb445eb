"""Cheap fingerprints of a node, computed the same way from `ast` and from libcst.

locate.py checks each libcst node it found by ordinal against the fingerprint
of the ast node the plan was made on: the callee's shape (`requests.post`,
`SEND[]`, `requests.Session().post`), a dict's keys, an assignment's targets,
an import's names. Comparing these costs next to nothing, where generating the
code of each node to compare texts costs as much as a small parse.
"""
from __future__ import annotations

import ast
from typing import Any, Optional, Tuple

SPLAT = "\x00**"
OTHER = "\x00?"


def ast_shape(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return ast_shape(node.value) + "." + node.attr
    if isinstance(node, ast.Call):
        return ast_shape(node.func) + "()"
    if isinstance(node, ast.Subscript):
        return ast_shape(node.value) + "[]"
    return OTHER


def ast_dict_keys(node: ast.Dict) -> Tuple[str, ...]:
    out = []
    for k in node.keys:
        if k is None:
            out.append(SPLAT)
        elif isinstance(k, ast.Constant) and isinstance(k.value, str):
            out.append(k.value)
        else:
            out.append(OTHER)
    return tuple(out)


def ast_import(node: ast.AST) -> Tuple[Any, ...]:
    if isinstance(node, ast.Import):
        return ("import",) + tuple((a.name, a.asname) for a in node.names)
    assert isinstance(node, ast.ImportFrom)
    return ("from", node.level, node.module or "") + tuple((a.name, a.asname) for a in node.names)


def cst_shape(node: Any) -> str:
    import libcst as cst

    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return cst_shape(node.value) + "." + node.attr.value
    if isinstance(node, cst.Call):
        return cst_shape(node.func) + "()"
    if isinstance(node, cst.Subscript):
        return cst_shape(node.value) + "[]"
    return OTHER


def cst_dict_keys(node: Any) -> Tuple[str, ...]:
    import libcst as cst

    out = []
    for e in node.elements:
        if isinstance(e, cst.StarredDictElement):
            out.append(SPLAT)
            continue
        key = e.key
        value: Optional[object] = None
        if isinstance(key, (cst.SimpleString, cst.ConcatenatedString)):
            value = key.evaluated_value
        out.append(value if isinstance(value, str) else OTHER)
    return tuple(out)


def _cst_dotted(node: Any) -> str:
    import libcst as cst

    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return _cst_dotted(node.value) + "." + node.attr.value
    return OTHER


def _asname(alias: Any) -> Optional[str]:
    if alias.asname is None:
        return None
    return _cst_dotted(alias.asname.name)


def cst_import(node: Any) -> Tuple[Any, ...]:
    import libcst as cst

    if isinstance(node, cst.Import):
        return ("import",) + tuple((_cst_dotted(a.name), _asname(a)) for a in node.names)
    names = node.names
    if isinstance(names, cst.ImportStar):
        aliases: Tuple[Any, ...] = (("*", None),)
    else:
        aliases = tuple((_cst_dotted(a.name), _asname(a)) for a in names)
    module = _cst_dotted(node.module) if node.module is not None else ""
    return ("from", len(node.relative), module) + aliases
