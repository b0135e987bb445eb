"""The fixer's own view of the analysed file: an `ast` tree with parents and ordinals.

The analyser hands over `ast` nodes of its tree, and the tree itself
(site.AnalysedModule) when the text is the one it analysed; otherwise the
fixer parses the text again. It adds parent links, and finds its own copy of
each node by ordinal: the position of the node among the nodes of its
type sorted by (start, -end). libcst visits nodes in the same order (pre-order
is source order), which is how fix/locate.py finds the libcst node to rewrite.
"""
from __future__ import annotations

import ast
import bisect
import re
import warnings
from typing import Dict, Iterable, Iterator, List, Optional, Set, Tuple, Type

# ast node types the fixer edits, and how they are ordered
LOCATABLE: Tuple[Type[ast.AST], ...] = (ast.Call, ast.Dict, ast.Assign, ast.Import, ast.ImportFrom)


# statements whose `body` a located node may be looked for in (libcst: an IndentedBlock of the same statements)
_BLOCKS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.With, ast.AsyncWith, ast.For, ast.AsyncFor,
           ast.While, ast.If, ast.Try) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())


def sort_key(node: ast.AST) -> tuple:
    return (node.lineno, node.col_offset, -(getattr(node, "end_lineno", 0) or 0),
            -(getattr(node, "end_col_offset", 0) or 0))


class SourceMap:
    def __init__(self, source: str, path: str, tree: Optional[ast.Module] = None) -> None:
        """`tree`: the analyser's parse of exactly `source`, when there is one (it is read, never changed)."""
        self.source = source
        self.path = path
        if tree is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(source, filename=path)
        self.tree: ast.Module = tree
        self.parents: Dict[int, ast.AST] = {}
        buckets: Dict[type, List[ast.AST]] = {t: [] for t in LOCATABLE}
        # one pass for parents and buckets (ast.walk plus iter_child_nodes would walk every node twice)
        parents = self.parents
        AST = ast.AST
        stack: List[ast.AST] = [self.tree]
        pop, push = stack.pop, stack.append
        while stack:
            node = pop()
            bucket = buckets.get(type(node))
            if bucket is not None:
                bucket.append(node)
            for name in node._fields:
                value = getattr(node, name, None)
                if isinstance(value, AST):
                    parents[id(value)] = node
                    push(value)
                elif isinstance(value, list):
                    for item in value:
                        if isinstance(item, AST):
                            parents[id(item)] = node
                            push(item)
        self.ordered: Dict[type, List[ast.AST]] = {}
        self._ordinal: Dict[int, int] = {}
        for t, nodes in buckets.items():
            nodes.sort(key=sort_key)
            self.ordered[t] = nodes
            for i, n in enumerate(nodes):
                self._ordinal[id(n)] = i
        self._lines: Optional[List[str]] = None
        self._by_position: Optional[Dict[Tuple[type, tuple], ast.AST]] = None  # same_node's index of other types
        self._start_keys: Dict[type, List[Tuple[int, int]]] = {}

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
            # one walk for all lookups (the first node of a type at a position, in walk order): a walk per
            # lookup made a file of thousands of findings take minutes
            if self._by_position is None:
                self._by_position = {}
                for n in ast.walk(self.tree):
                    self._by_position.setdefault((type(n), _pos(n)), n)
            return self._by_position.get((type(foreign), _pos(foreign)))
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

    def scope(self, nodes: Iterable[ast.AST]) -> Set[Tuple[int, ...]]:
        """The innermost statements holding `nodes`, as paths of indexes into nested `body` lists.

        locate.py visits only those statements. A path goes down into the body of
        a def, class, with, for, while, if or try when the node lies in that body.
        """
        paths: Set[Tuple[int, ...]] = set()
        for node in nodes:
            chain = [node] + list(self.ancestors(node))
            path: List[int] = []
            container: ast.AST = self.tree
            for a in reversed(chain[:-1]):  # from the module's child down to the node
                body = getattr(container, "body", None)
                if not isinstance(body, list) or not isinstance(a, ast.stmt) or a not in body:
                    break
                path.append(body.index(a))
                if not isinstance(a, _BLOCKS):
                    break
                container = a
            if path:
                paths.add(tuple(path))
        # a statement visited whole covers the statements inside it
        return {p for p in paths if not any(q != p and p[:len(q)] == q for q in paths)}

    def statement_at(self, path: Tuple[int, ...]) -> ast.stmt:
        container: ast.AST = self.tree
        for i in path:
            container = container.body[i]  # type: ignore[attr-defined]
        return container  # type: ignore[return-value]

    def start_line(self, path: Tuple[int, ...]) -> int:
        return self._start(self.statement_at(path))[0]

    def counts_at(self, path: Tuple[int, ...]) -> Dict[str, int]:
        """How many nodes of each locatable type come before the statement at `path`."""
        start = self._start(self.statement_at(path))
        return {t.__name__: bisect.bisect_left(self._starts(t), start) for t in LOCATABLE}

    @staticmethod
    def _start(stmt: ast.stmt) -> Tuple[int, int]:
        start = (stmt.lineno, stmt.col_offset)
        for deco in getattr(stmt, "decorator_list", None) or ():
            start = min(start, (deco.lineno, deco.col_offset))
        return start

    def _starts(self, t: type) -> List[Tuple[int, int]]:
        if t not in self._start_keys:
            self._start_keys[t] = [(n.lineno, n.col_offset) for n in self.ordered[t]]
        return self._start_keys[t]

    # ---- text -------------------------------------------------------------------------------------

    def text_of(self, node: ast.AST) -> Optional[str]:
        """The source text of a node (as ast.get_source_segment, which splits the whole file on every call)."""
        try:
            line, end_line = node.lineno, node.end_lineno  # type: ignore[attr-defined]
            col, end_col = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
        except AttributeError:
            return None
        if end_line is None or end_col is None:
            return None
        lines = self.lines()
        if not 1 <= line <= end_line <= len(lines):
            return None
        if line == end_line:
            return _byte_slice(lines[line - 1], col, end_col)
        first = _byte_slice(lines[line - 1], col, None)
        last = _byte_slice(lines[end_line - 1], 0, end_col)
        return first + "".join(lines[line:end_line - 1]) + last

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
        """The lines with their ends, split where Python splits them (not at form feeds or U+2028)."""
        if self._lines is None:
            self._lines = _LINE.findall(self.source)
        return self._lines


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _byte_slice(line: str, start: int, end: Optional[int]) -> str:
    """line[start:end] where start and end are UTF-8 byte offsets, as ast gives columns."""
    if line.isascii():
        return line[start:end]
    data = line.encode("utf-8")
    return data[start:end].decode("utf-8", "replace")


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
