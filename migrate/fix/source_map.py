"""The fixer's own view of the analysed file: an `ast` tree with parents and ordinals.

The analyser hands over `ast` nodes of its tree; the fixer parses the same text
again (ast is ~10x cheaper than libcst) to get parent links, and finds its own
copy of each node by ordinal: the position of the node among the nodes of its
type sorted by (start, -end). libcst visits nodes in the same order (pre-order
is source order), which is how fix/locate.py finds the libcst node to rewrite.
"""
from __future__ import annotations

import ast
import warnings
from typing import Dict, Iterator, List, Optional, Tuple, Type

# ast node types the fixer edits, and how they are ordered
LOCATABLE: Tuple[Type[ast.AST], ...] = (ast.Call, ast.Dict, ast.Assign, ast.Import, ast.ImportFrom)


def sort_key(node: ast.AST) -> tuple:
    return (node.lineno, node.col_offset, -(getattr(node, "end_lineno", 0) or 0),
            -(getattr(node, "end_col_offset", 0) or 0))


class SourceMap:
    def __init__(self, source: str, path: str) -> None:
        self.source = source
        self.path = path
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.tree: ast.Module = ast.parse(source, filename=path)
        self.parents: Dict[int, ast.AST] = {}
        buckets: Dict[type, List[ast.AST]] = {t: [] for t in LOCATABLE}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[id(child)] = node
            bucket = buckets.get(type(node))
            if bucket is not None:
                bucket.append(node)
        self.ordered: Dict[type, List[ast.AST]] = {}
        self._ordinal: Dict[int, int] = {}
        for t, nodes in buckets.items():
            nodes.sort(key=sort_key)
            self.ordered[t] = nodes
            for i, n in enumerate(nodes):
                self._ordinal[id(n)] = i
        self._lines: Optional[List[str]] = None

    # ---- nodes ------------------------------------------------------------------------------------

    def ordinal(self, node: ast.AST) -> int:
        return self._ordinal[id(node)]

    def call(self, index: int) -> Optional[ast.Call]:
        calls = self.ordered[ast.Call]
        return calls[index] if 0 <= index < len(calls) else None  # type: ignore[return-value]

    def same_node(self, foreign: ast.AST) -> Optional[ast.AST]:
        """This tree's copy of a node of another parse of the same text (found by type and position)."""
        nodes = self.ordered.get(type(foreign))
        if nodes is None:
            for n in ast.walk(self.tree):
                if type(n) is type(foreign) and _pos(n) == _pos(foreign):
                    return n
            return None
        key = sort_key(foreign)
        lo, hi = 0, len(nodes)
        while lo < hi:
            mid = (lo + hi) // 2
            if sort_key(nodes[mid]) < key:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(nodes) and sort_key(nodes[lo]) == key:
            return nodes[lo]
        return None

    def parent(self, node: ast.AST) -> Optional[ast.AST]:
        return self.parents.get(id(node))

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        p = self.parent(node)
        while p is not None:
            yield p
            p = self.parent(p)

    def statement_of(self, node: ast.AST) -> Optional[ast.stmt]:
        if isinstance(node, ast.stmt):
            return node
        for a in self.ancestors(node):
            if isinstance(a, ast.stmt):
                return a
        return None

    def scope_of(self, node: ast.AST) -> ast.AST:
        """The function, lambda or module whose local names `node` reads."""
        for a in self.ancestors(node):
            if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.Module)):
                return a
        return self.tree

    def contains(self, outer: ast.AST, inner: ast.AST) -> bool:
        if outer is inner:
            return True
        return any(a is outer for a in self.ancestors(inner))

    # ---- text -------------------------------------------------------------------------------------

    def text_of(self, node: ast.AST) -> Optional[str]:
        return ast.get_source_segment(self.source, node)

    def expr_source(self, node: ast.AST) -> Optional[str]:
        """Source text of an expression, checked by parsing it back (f-string positions may be off before 3.12)."""
        text = self.text_of(node)
        if text is None:
            return None
        try:
            back = ast.parse(text.strip(), mode="eval").body
        except SyntaxError:
            try:  # an expression that spans lines only works inside its brackets
                back = ast.parse("(" + text.strip() + ")", mode="eval").body
                text = "(" + text.strip() + ")"
            except SyntaxError:
                return None
        if ast.dump(back) != ast.dump(node):
            return None
        return text.strip()

    def lines(self) -> List[str]:
        if self._lines is None:
            self._lines = self.source.splitlines(keepends=True)
        return self._lines


def _pos(node: ast.AST) -> tuple:
    return (getattr(node, "lineno", None), getattr(node, "col_offset", None),
            getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None))


def dotted(node: ast.AST) -> Optional[str]:
    """`a.b.c` for a chain of names and attributes, else None."""
    parts: List[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None
