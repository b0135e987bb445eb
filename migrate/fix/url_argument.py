"""The URL argument of one call: where to write a new URL, and its parts lined up with the template.

Also the pieces of a v1.1 URL (or, for the token fix, a v2 URL) every fix needs: the API root, the path
parameters of the matched endpoint template, and the query string as pairs.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from circleci_v2.rules import API_ROOT

from .bindings import module_constant, single_use_assignment
from .edits import AssignEdit
from .interface import CannotFix
from .url_segments import Seg, Segments, flatten, quote_of, render
from .shape import Draft, arg, selector_of
from .signature import ast_shape
from .source_map import SourceMap

# path parameters that may hold slashes when last (an unencoded branch such as feat/x): as rules/endpoints.py
_GREEDY = {"branch", "name", "fingerprint"}


@dataclass
class QueryPair:
    key: Optional[str]  # None when the key is not literal
    start: int  # template offsets of "key=value"
    end: int
    value_start: int


NameKey = Tuple[int, int, str]


def imported_constants(url: object) -> Dict[NameKey, str]:
    """Names whose whole text the analysis read from another module of the project (`from ci.constants import
    CIRCLE_API`), by (line, column, name): the fix inlines them as it inlines this file's own constants."""
    texts: Dict[NameKey, List[Optional[str]]] = {}
    for part in getattr(url, "parts", ()):
        key = _name_key(part.node)
        if key is not None:
            texts.setdefault(key, []).append(part.text)
    return {k: "".join(v) for k, v in texts.items() if all(t is not None for t in v)}  # type: ignore[misc]


class UrlSite:
    def __init__(self, sm: SourceMap, call: ast.Call, url_arg: object, template: str, library: str = "",
                 imported: Optional[Dict[NameKey, str]] = None) -> None:
        self.sm = sm
        self.call = call
        self.imported = {k: v for k, v in (imported or {}).items() if _imported_name(sm, k[2].split(".")[0])}
        expr = arg(call, url_arg)  # type: ignore[arg-type]
        if expr is None:
            raise CannotFix("the URL argument could not be found")
        self.expr = expr
        self.assign: Optional[ast.Assign] = None
        source = expr
        if isinstance(expr, ast.Name):
            assign = single_use_assignment(sm, expr)
            if assign is not None:
                self.assign, source = assign, assign.value
        self.selector = selector_of(call, expr)
        self.quote = quote_of(sm.text_of(source))
        segs = flatten(source, self.constant)
        try:
            self.segments = Segments.align(segs, template)
        except CannotFix:
            # httpx.Client(base_url=...): the call passes only the rest; an absolute URL overrides the base
            if not library.startswith("httpx"):
                raise
            self.segments = Segments.align(segs, template, prefix=True)
        self.template = template
        root = API_ROOT.search(template)
        if root is None:
            raise CannotFix("the URL's API root (/api/v1.1, /api/v2) was not resolved in this file")
        self.root = root
        tail = len(template)
        hash_at = template.find("#", root.end())
        if hash_at >= 0:
            tail = hash_at
        q = template.find("?", root.end(), tail)
        self.path_end = q if q >= 0 else tail
        self.query_start = q + 1 if q >= 0 else -1
        self.tail = tail

    # ---- reading ----------------------------------------------------------------------------------

    def inline(self, seg: Seg) -> Optional[str]:
        """Text for an expression that must be split: only a module-level string constant."""
        if seg.expr is None:
            return None
        text = self.constant(seg.expr)
        return text if text is not None and text == seg.resolved else None

    def constant(self, name: ast.AST) -> Optional[str]:
        """A module-level string constant: of this file, or imported from the project's own module."""
        text = module_constant(self.sm, name)
        key = _name_key(name)
        if text is None and key is not None:
            text = self.imported.get(key)
        return text

    def cut(self, a: int, b: int, what: str) -> List[Seg]:
        return self.segments.cut(a, b, what, self.inline, self.describe)

    def describe(self, seg: Seg, what: str) -> str:
        """Why an expression that straddles a cut cannot be split, in the user's terms."""
        src = " ".join((self.sm.text_of(seg.expr) or "an expression").split())  # type: ignore[arg-type]
        if len(src) > 40:
            src = src[:37] + "..."
        if seg.start == 0 and seg.end == len(self.template):
            if isinstance(seg.expr, ast.Name):
                return (f"the URL comes from `{src}`, which is assigned more than once or read elsewhere too; "
                        "rewrite it where it is built")
            return (f"the URL is built by `{src}`, a form this fix does not take apart; "
                    "rewrite it by hand")
        if seg.start <= self.root.start() < seg.end:
            return (f"the base URL `{src}` holds /api/{self.root.group(1)} and is not a constant; "
                    "point it at /api/v2 where it is defined, or rewrite this call by hand")
        return f"`{src}` holds part of the {what} and more; split it, or rewrite the URL by hand"

    def host(self) -> List[Seg]:
        return self.cut(0, self.root.start(), "host")

    def path_params(self, template_rel: str) -> Dict[str, Tuple[int, int]]:
        """Template spans of the endpoint's :name parameters, e.g. {"vcs": (a, b), "branch": (c, d)}."""
        tsegs = template_rel.strip("/").split("/") if template_rel.strip("/") else []
        start = self.root.end()
        path = self.template[start:self.path_end]
        if not path.startswith("/"):
            raise CannotFix("the URL path could not be read")
        usegs: List[Tuple[int, int]] = []
        i = start + 1
        for part in path[1:].split("/"):
            usegs.append((i, i + len(part)))
            i += len(part) + 1
        if usegs and usegs[-1][0] == usegs[-1][1] and len(usegs) > len(tsegs):
            usegs.pop()  # a trailing slash
        out: Dict[str, Tuple[int, int]] = {}
        for k, t in enumerate(tsegs):
            if k >= len(usegs):
                raise CannotFix("the URL path is shorter than the endpoint's")
            if t.startswith(":"):
                name = t[1:]
                if k == len(tsegs) - 1 and name in _GREEDY:
                    out[name] = (usegs[k][0], usegs[-1][1])
                else:
                    out[name] = usegs[k]
        return out

    def query(self) -> List[QueryPair]:
        if self.query_start < 0:
            return []
        pairs: List[QueryPair] = []
        pos = self.query_start
        for part in self.template[self.query_start:self.tail].split("&"):
            a, b = pos, pos + len(part)
            pos = b + 1
            if not part:
                continue
            key_end = part.find("=")
            key_span = (a, a + key_end) if key_end >= 0 else (a, b)
            key_segs = self.segments.cut(key_span[0], key_span[1], "query", self.inline)
            key = "".join(s.text for s in key_segs) if all(s.is_lit for s in key_segs) else None
            pairs.append(QueryPair(key, a, b, key_span[1] + 1 if key_end >= 0 else b))
        return pairs

    def query_segs(self, pairs: Sequence[QueryPair]) -> List[Seg]:
        out: List[Seg] = []
        for i, p in enumerate(pairs):
            out.append(Seg.lit("?" if i == 0 else "&"))
            out.extend(self.cut(p.start, p.end, "query string"))
        return out

    def fragment(self) -> List[Seg]:
        return self.cut(self.tail, len(self.template), "fragment") if self.tail < len(self.template) else []

    # ---- writing ----------------------------------------------------------------------------------

    def render(self, segs: Sequence[Seg]) -> str:
        return render(segs, self.sm.expr_source, self.quote)

    def write(self, draft: Draft, code: str) -> None:
        if self.assign is not None:
            target = self.sm.text_of(self.assign.targets[0]) or ""
            shapes = tuple(ast_shape(t) for t in self.assign.targets)
            draft.edits.assigns[self.sm.ordinal(self.assign)] = AssignEdit(expect_target=target, value=code,
                                                                          expect_shapes=shapes)
        else:
            draft.call(self.call).arg_values[self.selector] = code  # type: ignore[index]


def token_pair(url: UrlSite, names: Sequence[str]) -> Tuple[Optional[QueryPair], List[QueryPair]]:
    """(the pair carrying the token, the other pairs), by the rule's marker names."""
    wanted = {n.lower() for n in names}
    token: Optional[QueryPair] = None
    rest: List[QueryPair] = []
    for p in url.query():
        if token is None and p.key is not None and p.key.lower() in wanted:
            token = p
        else:
            rest.append(p)
    return token, rest


__all__ = ["UrlSite", "QueryPair", "token_pair", "API_ROOT"]


def _name_key(node: object) -> Optional[NameKey]:
    """(line, column, `name` or `module.NAME`) of a name or a module attribute."""
    if isinstance(node, ast.Name):
        return node.lineno, node.col_offset, node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.lineno, node.col_offset, f"{node.value.id}.{node.attr}"
    return None


def _imported_name(sm: SourceMap, name: str) -> bool:
    """`name` is bound once in the file, by an import (`from module import name`, `import module`)."""
    count = 0
    for node in ast.walk(sm.tree):
        if isinstance(node, (ast.ImportFrom, ast.Import)):
            count += sum(1 for a in node.names if (a.asname or a.name) == name)
        elif isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
            return False
    return count == 1
