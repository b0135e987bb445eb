"""Fold expressions into abstract values (values.py) without running anything.

The evaluator follows names to their assignments (flow-sensitively within a
function, see index.py), attributes to class and instance attributes, calls of
local functions to their single `return`, and folds the ways code builds
strings: literals, f-strings, `+`, `%`, str.format (positional, named,
`**locals()`), join, urljoin, URI templates, os.environ defaults.

Where a value has several possible sources (a dispatch-table lookup with an
unknown key, `a if c else b`, a name assigned in both branches of an `if`), the
evaluator asks `choose()` which one to take. The caller explores the
combinations (analysis.explore) and compares the outcomes, so that a finding is
only "high" confidence when every combination gives the same answer.
"""
from __future__ import annotations

import ast
import builtins
import re
import string
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple
from urllib.parse import quote, quote_plus

from circleci_v2.rules import placeholder

from .index import INF, Binding, Block, ClassInfo, Frame, FuncInfo, ModuleIndex, Pos, Scope
from .finding_site import ResolvedUrl, UrlPart
from .values import (
    Bound,
    Const,
    DictV,
    DynMember,
    Func,
    Instance,
    Key,
    LocalClass,
    LocalInstance,
    Locals,
    Piece,
    Qual,
    SeqV,
    Str,
    Unknown,
    renode,
)

MAX_DEPTH = 60
_BUILTINS = frozenset(dir(builtins))

# Names under which HTTP libraries expose the same thing; the analysis speaks the canonical one.
ALIASES = {
    "requests.api": "requests",
    "requests.models.Request": "requests.Request",
    "httpx._models.Request": "httpx.Request",
    "requests.sessions.Session": "requests.Session",
    "requests.sessions.session": "requests.Session",
    "requests.session": "requests.Session",
    "httpx._client.Client": "httpx.Client",
    "httpx._client.AsyncClient": "httpx.AsyncClient",
    "aiohttp.client.ClientSession": "aiohttp.ClientSession",
    "urllib2": "urllib.request",
    "six.moves.urllib.request": "urllib.request",
    "six.moves.urllib.parse": "urllib.parse",
    "httplib": "http.client",
    "urlparse": "urllib.parse",
    "posixpath": "os.path",
}

_PERCENT = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsa%])")
_URITEMPLATE = re.compile(r"\{([+#./;?&]?)([A-Za-z_][A-Za-z0-9_.,%*:-]*)\}")


def canonical(qual: str) -> str:
    """requests.api.post -> requests.post; requests.sessions.Session -> requests.Session."""
    if qual in ALIASES:
        return ALIASES[qual]
    head, dot, tail = qual.rpartition(".")
    while head:
        if head in ALIASES:
            return ALIASES[head] + dot + tail
        head, dot, more = head.rpartition(".")
        tail = more + "." + tail
    return qual


def label_of(node: Optional[ast.AST]) -> str:
    if node is None:
        return "a value"
    try:
        text = ast.unparse(node)
    except Exception:  # pragma: no cover - unparse covers every expression node
        return "a value"
    text = " ".join(text.split())
    return f"`{text if len(text) <= 40 else text[:37] + '...'}`"


# words of a name that say which v1.1 path parameter its value is (`job_number`: a build number)
PARAM_WORDS = (("vcs", "vcs"), ("user", "user"), ("owner", "user"), ("org", "user"), ("project", "project"),
               ("repo", "project"), ("build", "build_num"), ("num", "build_num"), ("branch", "branch"))
_BACKTICKED = re.compile(r"`([^`]+)`")


def param_said(label: str) -> Optional[str]:
    """The path parameter the first `name` of a label says it holds, or None."""
    found = _BACKTICKED.search(label)
    name = (found.group(1) if found else "").strip("{}+#./;?&").lower()
    return next((p for word, p in PARAM_WORDS if word in name), None)


def _named(v: Any, name: str) -> Any:
    """An unknown value as the variable it was assigned to, when only the name says which path parameter
    it holds (`job_number = sys.argv[2].strip()` is a build number; the expression does not say so)."""
    # the value's kind first: it is read for every binding, and most values are neither kind
    if isinstance(v, Unknown):
        if param_said(f"`{name}`") is None or param_said(v.label) is not None:
            return v
        return Unknown(v.node, f"`{name}` ({v.label})" if v.label else f"`{name}`")
    if isinstance(v, Str) and len(v.pieces) == 1 and v.pieces[0].text is None:
        p = v.pieces[0]
        if param_said(f"`{name}`") is None or param_said(p.label) is not None:
            return v
        return Str((Piece(None, p.node, f"`{name}` ({p.label})" if p.label else f"`{name}`"),), v.via_names, v.notes)
    return v


# a literal {var} template field (uritemplate, str.format left unfilled) stands for an unknown part
_TEMPLATE_VAR = re.compile(r"\{[+#./;?&]?[A-Za-z_][A-Za-z0-9_.,:*-]*\}")
_OPERATOR_PREFIX = {"?": "?", "&": "&", "#": "#", "/": "/", ".": ".", ";": ";"}


def resolve_url(s: Str, node: Optional[ast.expr]) -> Tuple[ResolvedUrl, Dict[str, str]]:
    """A Str -> ResolvedUrl: each unknown piece, and each literal {var} template field, gets a placeholder."""
    parts: List[UrlPart] = []
    text: List[str] = []
    labels: Dict[str, str] = {}
    n = 0
    for p in s.pieces:
        if p.text is None:
            ph = placeholder(n)
            n += 1
            parts.append(UrlPart(None, p.node, ph))
            text.append(ph)
            labels[ph] = p.label or label_of(p.node)
            continue
        last = 0
        for m in _TEMPLATE_VAR.finditer(p.text):
            if m.start() > last:
                parts.append(UrlPart(p.text[last:m.start()], p.node))
                text.append(p.text[last:m.start()])
            ph = placeholder(n)
            n += 1
            parts.append(UrlPart(m.group(0), p.node, ph))
            # an RFC 6570 operator says what the field expands to: `{?circle-token}` is a query string and
            # `{/num}` a path segment, never part of the segment before it (`retry{?circle-token}` is `retry`)
            text.append(_OPERATOR_PREFIX.get(m.group(0)[1], "") + ph)
            labels[ph] = f"the template field `{m.group(0)}`"
            last = m.end()
        if last < len(p.text) or not p.text:
            parts.append(UrlPart(p.text[last:], p.node))
            text.append(p.text[last:])
    url_node = node if node is not None else (s.pieces[0].node if s.pieces else None)
    return ResolvedUrl("".join(text), tuple(parts), url_node, s.via_names), labels  # type: ignore[arg-type]


class Evaluator:
    def __init__(self, index: ModuleIndex, choices: Optional[Dict[Any, int]] = None,
                 varying: Iterable[Scope] = ()) -> None:
        self.ix = index
        self.choices = choices or {}
        self.pending: Dict[Any, Tuple[int, str]] = {}
        # function scopes whose parameters vary per call: the scope of the call being analysed
        self.varying: Set[int] = {id(s) for s in varying}
        self.touched: Set[Tuple[int, str]] = set()  # (scope id, parameter) read without a known value
        self.notes: List[str] = []
        self._depth = 0
        self._active: Set[int] = set()
        self._memo: Dict[Tuple[int, int], Any] = {}
        self._keep: List[Any] = []

    # ---- choices ----------------------------------------------------------------------------------

    def choose(self, key: Any, n: int, label: str) -> int:
        if key in self.choices:
            return self.choices[key]
        self.pending.setdefault(key, (n, label))
        return 0

    # ---- entry points ----------------------------------------------------------------------------

    def value(self, node: Optional[ast.AST], frame: Frame) -> Any:
        if node is None:
            return Unknown(None, "a missing value")
        if self._depth > MAX_DEPTH:
            return Unknown(node, label_of(node))
        self._depth += 1
        try:
            return self._value(node, frame)
        finally:
            self._depth -= 1

    def string(self, node: Optional[ast.AST], frame: Frame) -> Str:
        return self.as_str(self.value(node, frame), node)

    def as_str(self, v: Any, node: Optional[ast.AST]) -> Str:
        if isinstance(v, Str):
            return v
        if isinstance(v, Const) and isinstance(v.value, (int, float)) and not isinstance(v.value, bool):
            return Str.literal_of(str(v.value), node)
        if isinstance(v, Unknown):
            return Str.unknown(v.node if v.node is not None else node, v.label)
        if isinstance(v, Qual) and "." in v.name:
            module, _, name = v.name.rpartition(".")
            return Str.unknown(node, f"`{name}` imported from {module}")
        return Str.unknown(node, label_of(node))

    # ---- the fold ---------------------------------------------------------------------------------

    def _value(self, node: ast.AST, frame: Frame) -> Any:
        t = type(node)
        if t is ast.Constant:
            v = node.value
            return Str.literal_of(v, node) if isinstance(v, str) else Const(v)
        if t is ast.Name:
            return self.name(node.id, node, frame)
        if t is ast.Attribute:
            return self.attribute(node, frame)
        if t is ast.JoinedStr:
            return self.fstring(node, frame)
        if t is ast.BinOp:
            return self.binop(node, frame)
        if t is ast.Call:
            return self.call(node, frame)
        if t is ast.Subscript:
            return self.subscript(node, frame)
        if t is ast.IfExp:
            i = self.choose(("if", id(node)), 2, f"the condition {label_of(node.test)}")
            return self.value(node.body if i == 0 else node.orelse, frame)
        if t is ast.BoolOp:
            return self.boolop(node, frame)
        if t is ast.Dict:
            return DictV(node, tuple((k, v, frame) for k, v in zip(node.keys, node.values)))
        if t in (ast.List, ast.Tuple):
            return SeqV(node, tuple((e, frame) for e in node.elts))
        if t is ast.Await or t is ast.NamedExpr:
            return self.value(node.value, frame)
        return Unknown(node, label_of(node))

    # ---- names ------------------------------------------------------------------------------------

    def name(self, ident: str, node: ast.AST, frame: Frame) -> Any:
        sc: Optional[Scope] = frame.scope
        pos, block = frame.pos, frame.block
        first = True
        module = self.ix.module
        while sc is not None:
            if sc.kind == "class" and not first:
                sc = sc.parent
                continue
            if frame.overrides:
                ov = frame.overrides.get(id(sc))
                if ov is not None and ident in ov:
                    return self._override(ov[ident], node)
            if ident in sc.globals and sc is not module:
                sc, pos, block, first = module, INF, (), False
                continue
            bindings = sc.bindings.get(ident)
            if bindings:
                return self.from_bindings(ident, bindings, sc, pos, block, frame, node)
            if sc.kind not in ("comprehension",):
                pos, block = INF, ()
            first = False
            sc = sc.parent
        if ident in _BUILTINS:
            return Qual("builtins." + ident)
        return Unknown(node, f"`{ident}`")

    def _override(self, entry: Tuple[Any, ...], node: ast.AST) -> Any:
        if entry[0] == "expr":
            v = self.value(entry[1], entry[2])
            return v.with_via() if isinstance(v, Str) else v
        return entry[1]

    def from_bindings(self, ident: str, bindings: List[Binding], scope: Scope, pos: Pos, block: Block,
                      frame: Frame, node: ast.AST) -> Any:
        reaching = reaching_bindings(bindings, pos, block)
        if not reaching:
            return Unknown(node, f"`{ident}`")
        if len(reaching) > 1:
            # `x = None` followed by real assignments: None is only the placeholder
            real = [b for b in reaching if not _is_none(b.value) or b.kind != "assign"]
            reaching = real or reaching
        if len(reaching) == 1:
            b = reaching[0]
        else:
            lines = ", ".join(str(b.start[0]) for b in reaching)
            i = self.choose(("b", id(scope), ident, pos, block), len(reaching),
                            f"which assignment of `{ident}` runs (lines {lines})")
            b = reaching[i]
        return self.binding_value(b, frame, node, key=(("n", id(b.scope), ident), ()))

    def binding_value(self, b: Binding, frame: Frame, node: ast.AST, key: Optional[Key]) -> Any:
        if id(b) in self._active:
            return Unknown(node, f"`{b.name}`")
        memo_key = (id(b), id(frame.overrides))
        if memo_key in self._memo:
            return self._memo[memo_key]
        self._active.add(id(b))
        try:
            v = self._binding_value(b, frame, node, key)
        finally:
            self._active.discard(id(b))
        self._memo[memo_key] = v
        return v

    def _binding_value(self, b: Binding, frame: Frame, node: ast.AST, key: Optional[Key]) -> Any:
        kind = b.kind
        if kind == "import":
            project = self.ix.project
            if project is not None and isinstance(b.node, ast.ImportFrom):
                # a constant of the project's own module (`from ci.constants import CIRCLE_API`)
                s = project.constant(str(b.extra), self.ix.path)
                if s is not None:
                    return renode(s, node, b.name, str(b.extra).rpartition(".")[0].lstrip(".") or ".")
            return Qual(canonical(str(b.extra)))
        if kind == "def":
            return Func(b.extra)  # type: ignore[arg-type]
        if kind == "class":
            return LocalClass(b.extra)  # type: ignore[arg-type]
        if kind == "unknown":
            return Unknown(node, f"`{b.name}`")
        if kind == "param":
            return self.param(b, node, key)
        bframe = Frame(b.scope, b.start, b.block, frame.overrides)
        if kind == "ann":
            return self.annotated(b.annotation, bframe, node, key)
        if kind == "aug":
            prev = self.name(b.name, node, bframe)  # the value before this statement
            rhs = self.value(b.value, bframe)
            return self.combine(b.extra, prev, rhs, b.node)
        v = self.value(b.value, bframe)
        if b.unpack:
            v = self.unpack(v, b.unpack, node)
        if isinstance(v, Unknown) and b.annotation is not None:
            return self.annotated(b.annotation, bframe, node, key)
        return self.keyed(_named(v, b.name), key)

    def keyed(self, v: Any, key: Optional[Key]) -> Any:
        """Tag a value with the variable it was reached through (for mutation lookups)."""
        if isinstance(v, Str):
            return v.with_via()
        if key is None:
            return v
        if isinstance(v, Instance) and v.key is None:
            return v.with_key(key)
        if isinstance(v, DictV) and v.key is None:
            return DictV(v.node, v.entries, key)
        if isinstance(v, LocalInstance) and v.key is None:
            return LocalInstance(v.info, key)
        return v

    def param(self, b: Binding, node: ast.AST, key: Optional[Key]) -> Any:
        func: FuncInfo = b.scope.func  # type: ignore[assignment]
        if b.extra == "self" and func.cls is not None:
            return LocalInstance(func.cls, (("c", id(func.cls)), ()))
        if b.extra == "cls" and func.cls is not None:
            return LocalClass(func.cls)
        if b.annotation is not None:
            v = self.annotated(b.annotation, Frame(func.outer, (func.node.lineno, 0), func.block), node, key)
            if not isinstance(v, Unknown):
                return v
        if id(b.scope) in self.varying:
            self.touched.add((id(b.scope), b.name))
            return Unknown(node, f"parameter `{b.name}` of {func.name}()")
        # reached from elsewhere (self.url = url in __init__): the default is what we can know
        if b.value is not None:
            v = self.value(b.value, Frame(func.outer, (func.node.lineno, func.node.col_offset), func.block))
            if isinstance(v, Str):
                return v.with_via((f"default of parameter `{b.name}` of {func.name}()",))
            return v
        return Unknown(node, f"parameter `{b.name}` of {func.name}()")

    def annotated(self, ann: Optional[ast.expr], frame: Frame, node: ast.AST, key: Optional[Key]) -> Any:
        if ann is None:
            return Unknown(node, label_of(node))
        if isinstance(ann, ast.Constant) and isinstance(ann.value, str):
            try:
                ann = ast.parse(ann.value, mode="eval").body
            except SyntaxError:
                return Unknown(node, label_of(node))
        v = self.value(ann, frame)
        if isinstance(v, Qual) and not v.name.startswith(("builtins.", "typing.")):
            return Instance(v.name, (), None, key, "annotation")
        if isinstance(v, LocalClass):
            return LocalInstance(v.info, key)
        return Unknown(node, label_of(node))

    def unpack(self, v: Any, path: Tuple[int, ...], node: ast.AST) -> Any:
        for i in path:
            if isinstance(v, SeqV) and i < len(v.elts) and not any(isinstance(e, ast.Starred) for e, _ in v.elts):
                expr, fr = v.elts[i]
                v = self.value(expr, fr)
            else:
                return Unknown(node, label_of(node))
        return v

    # ---- attributes -------------------------------------------------------------------------------

    def attribute(self, node: ast.Attribute, frame: Frame) -> Any:
        base = self.value(node.value, frame)
        return self.member(base, node.attr, node)

    def member(self, base: Any, attr: str, node: ast.AST) -> Any:
        if isinstance(base, Qual):
            if self.ix.project is not None and attr.isupper() and "." not in base.name.lstrip("."):
                # `import circlefetch` then `circlefetch.CIRCLECI_API_BASE`: a constant of a project module
                s = self.ix.project.constant(f"{base.name}.{attr}", self.ix.path)
                if s is not None:
                    return renode(s, node, attr, base.name)
            return Qual(canonical(base.name + "." + attr))
        if isinstance(base, Instance):
            return base.member(attr)
        if isinstance(base, LocalInstance):
            return self.local_member(base.info, attr, node, base)
        if isinstance(base, LocalClass):
            return self.local_member(base.info, attr, node, None)
        if isinstance(base, (Str, DictV, SeqV)):
            return Bound(base, attr)
        return Unknown(node, label_of(node))

    def local_member(self, cls: ClassInfo, attr: str, node: ast.AST, inst: Optional[LocalInstance]) -> Any:
        seen: Set[int] = set()
        todo = [cls]
        while todo:
            c = todo.pop(0)
            if id(c) in seen:
                continue
            seen.add(id(c))
            bindings: List[Binding] = []
            if inst is not None:
                bindings.extend(c.instance_attrs.get(attr, []))
            bindings.extend(c.scope.bindings.get(attr, []))
            if bindings:
                return self._attr_bindings(c, attr, bindings, node, inst)
            for base_expr in c.bases:
                bv = self.value(base_expr, Frame(c.outer, (c.node.lineno, c.node.col_offset)))
                if isinstance(bv, LocalClass):
                    todo.append(bv.info)
                elif isinstance(bv, Qual) and not bv.name.startswith("builtins."):
                    # inherited from an imported class: a member of an instance of that class
                    key = (("c", id(cls)), (attr,))
                    if inst is not None:
                        return Instance(bv.name, (attr,), None, key, "subclass")
                    return Qual(bv.name + "." + attr)
        return Unknown(node, label_of(node))

    def _attr_bindings(self, c: ClassInfo, attr: str, bindings: List[Binding], node: ast.AST,
                       inst: Optional[LocalInstance]) -> Any:
        real = [b for b in bindings if not (b.kind == "assign" and _is_none(b.value))] or bindings
        defs = [b for b in real if b.kind == "def"]
        if defs:
            info: FuncInfo = defs[-1].extra  # type: ignore[assignment]
            if info.property and inst is not None:
                return self.call_function(Func(info, inst), None, Frame(info.scope))
            return Func(info, inst)
        if len(real) == 1:
            b = real[0]
        else:
            lines = ", ".join(str(b.start[0]) for b in real)
            b = real[self.choose(("a", id(c), attr), len(real), f"which assignment of `{attr}` runs (lines {lines})")]
        key = (("c", id(c)), (attr,))
        if b.kind == "aug":
            return Unknown(node, label_of(node))
        return self.binding_value(b, Frame(b.scope), node, key)

    # ---- strings ----------------------------------------------------------------------------------

    def fstring(self, node: ast.JoinedStr, frame: Frame) -> Str:
        pieces: List[Piece] = []
        via = False
        notes: Tuple[str, ...] = ()
        for part in node.values:
            if isinstance(part, ast.Constant):
                pieces.append(Piece(str(part.value), part))
                continue
            if not isinstance(part, ast.FormattedValue):  # pragma: no cover - JoinedStr holds only these
                pieces.append(Piece(None, part, label_of(part)))
                continue
            v = self.value(part.value, frame)
            spec = part.format_spec
            if part.conversion in (ord("r"), ord("a")):
                s = self.as_str(v, part.value)
                lit = s.literal
                pieces.append(Piece(repr(lit), part) if lit is not None else Piece(None, part.value, label_of(part.value)))
                continue
            if spec is not None:
                spec_s = self.string(spec, frame).literal
                if isinstance(v, Const) and spec_s is not None:
                    try:
                        pieces.append(Piece(format(v.value, spec_s), part))
                        continue
                    except (ValueError, TypeError):
                        pass
                pieces.append(Piece(None, part.value, label_of(part.value)))
                continue
            s = self.as_str(v, part.value)
            via = via or s.via_names
            notes += s.notes
            pieces.extend(s.pieces)
        return Str(tuple(pieces), via, notes)

    def binop(self, node: ast.BinOp, frame: Frame) -> Any:
        if isinstance(node.op, ast.Add):
            # flatten a left-leaning chain of + without recursion
            operands: List[ast.expr] = []
            cur: ast.expr = node
            while isinstance(cur, ast.BinOp) and isinstance(cur.op, ast.Add):
                operands.append(cur.right)
                cur = cur.left
            operands.append(cur)
            operands.reverse()
            acc = self.value(operands[0], frame)
            prev = operands[0]
            for operand in operands[1:]:
                acc = self.combine(ast.Add, acc, self.value(operand, frame), node, prev, operand)
                prev = node
            return acc
        if isinstance(node.op, ast.Mod):
            left = self.value(node.left, frame)
            if isinstance(left, Str):
                return self.percent(left, node.right, frame)
        return Unknown(node, label_of(node))

    def combine(self, op: Any, left: Any, right: Any, node: ast.AST, lnode: Optional[ast.AST] = None,
                rnode: Optional[ast.AST] = None) -> Any:
        if op is ast.Add:
            if isinstance(left, SeqV) and isinstance(right, SeqV):
                return SeqV(node, left.elts + right.elts)
            if isinstance(left, Str) or isinstance(right, Str):
                if not isinstance(left, (SeqV, DictV, Const)) and not isinstance(right, (SeqV, DictV, Const)):
                    return self.as_str(left, lnode or node).concat(self.as_str(right, rnode or node))
            if isinstance(left, Const) and isinstance(right, Const):
                try:
                    return Const(left.value + right.value)
                except TypeError:
                    pass
        return Unknown(node, label_of(node))

    def percent(self, tmpl: Str, args_node: ast.expr, frame: Frame) -> Str:
        args = self.value(args_node, frame)
        positional: List[Tuple[Optional[ast.expr], Frame]] = []
        mapping: Optional[DictV] = None
        if isinstance(args, SeqV) and isinstance(args.node, ast.Tuple):
            positional = list(args.elts)
        elif isinstance(args, DictV):
            mapping = args
        else:
            positional = [(args_node, frame)]
        out: List[Piece] = []
        idx = 0
        via = tmpl.via_names
        for piece in tmpl.pieces:
            if piece.text is None:
                out.append(piece)
                continue
            last = 0
            for m in _PERCENT.finditer(piece.text):
                out.append(Piece(piece.text[last:m.start()], piece.node))
                last = m.end()
                conv = m.group("conv")
                if conv == "%":
                    out.append(Piece("%", piece.node))
                    continue
                key = m.group("key")
                if key is not None:
                    s = self._lookup_key(mapping, key, args_node) if mapping is not None else None
                    v = self.as_str(s, args_node) if s is not None else Str.unknown(args_node, label_of(args_node))
                elif idx < len(positional):
                    expr, fr = positional[idx]
                    idx += 1
                    raw = self.value(expr, fr)
                    if conv in "ra" and isinstance(raw, Str) and raw.literal is not None:
                        v = Str.literal_of(repr(raw.literal), expr)
                    elif conv in "diu" and isinstance(raw, Const) and isinstance(raw.value, (int, float)):
                        v = Str.literal_of(str(int(raw.value)), expr)
                    else:
                        v = self.as_str(raw, expr)
                else:
                    v = Str.unknown(args_node, label_of(args_node))
                via = via or v.via_names
                out.extend(v.pieces)
            out.append(Piece(piece.text[last:], piece.node))
        return Str(tuple(p for p in out if p.text != ""), via, tmpl.notes)

    def _lookup_key(self, d: DictV, key: str, node: ast.AST) -> Any:
        found = self.dict_get(d, key)
        return found if found is not None else Unknown(node, f"`{key}`")

    def dict_get(self, d: DictV, key: str) -> Any:
        """The value under a literal key, or None when the dict does not show it."""
        result = None
        for k, v, fr in d.entries:
            if k is None:
                inner = self.value(v, fr)
                if isinstance(inner, DictV):
                    got = self.dict_get(inner, key)
                    if got is not None:
                        result = got
                continue
            ks = k if isinstance(k, str) else self.string(k, fr).literal
            if ks == key:
                result = self.value(v, fr)
        return result

    def format(self, tmpl: Str, call: ast.Call, frame: Frame, mapping_only: Optional[Any] = None) -> Str:
        positional: List[Tuple[ast.expr, Frame]] = []
        star_unknown = False
        named: Dict[str, Tuple[ast.expr, Frame]] = {}
        spreads: List[Any] = []
        if mapping_only is not None:
            spreads.append(mapping_only)
        else:
            for a in call.args:
                if isinstance(a, ast.Starred):
                    sv = self.value(a.value, frame)
                    if isinstance(sv, SeqV):
                        positional.extend(sv.elts)
                    else:
                        star_unknown = True
                else:
                    positional.append((a, frame))
            for k in call.keywords:
                if k.arg is None:
                    spreads.append(self.value(k.value, frame))
                else:
                    named[k.arg] = (k.value, frame)
        fmt = string.Formatter()
        out: List[Piece] = []
        auto = 0
        via = tmpl.via_names
        for piece in tmpl.pieces:
            if piece.text is None:
                out.append(piece)
                continue
            try:
                parsed = list(fmt.parse(piece.text))
            except ValueError:
                return Str.unknown(call, label_of(call))
            for literal, field, spec, conv in parsed:
                if literal:
                    out.append(Piece(literal, piece.node))
                if field is None:
                    continue
                head = re.split(r"[.\[]", field, maxsplit=1)[0]
                complex_field = head != field
                v: Any = None
                src: ast.AST = call
                if head == "" or head.isdigit():
                    i = auto if head == "" else int(head)
                    if head == "":
                        auto += 1
                    if i < len(positional) and not star_unknown:
                        expr, fr = positional[i]
                        v, src = self.value(expr, fr), expr
                elif head in named:
                    expr, fr = named[head]
                    v, src = self.value(expr, fr), expr
                else:
                    for sp in spreads:
                        if isinstance(sp, DictV):
                            got = self.dict_get(sp, head)
                            if got is not None:
                                v = got
                        elif isinstance(sp, Locals):
                            v = self.name(head, call, sp.frame)
                if v is None:
                    out.append(Piece(None, call, f"`{head}`" if head and not head.isdigit() else label_of(call)))
                    continue
                if complex_field or conv in ("r", "a") or spec:
                    out.append(Piece(None, src, label_of(src)))
                    continue
                s = self.as_str(v, src)
                if src is call and len(s.pieces) == 1 and s.pieces[0].text is None and head:
                    # from **locals() or a **dict: the field's name says what the part is (`{build_num}`)
                    s = Str((Piece(None, call, f"`{head}`"),), s.via_names, s.notes)
                via = via or s.via_names
                out.extend(s.pieces)
        return Str(tuple(out), via, tmpl.notes)

    # ---- calls ------------------------------------------------------------------------------------

    def call(self, node: ast.Call, frame: Frame) -> Any:
        f = self.value(node.func, frame)
        if isinstance(f, Qual):
            return self.call_qual(f.name, node, frame)
        if isinstance(f, Bound):
            return self.call_bound(f, node, frame)
        if isinstance(f, Func):
            return self.call_function(f, node, frame)
        if isinstance(f, LocalClass):
            return LocalInstance(f.info)
        if isinstance(f, Instance):
            if f.cls == "uritemplate.URITemplate" and f.path == ("expand",) and f.ctor is not None and f.ctor.args:
                return self.uritemplate(self.string(f.ctor.args[0], frame), node, frame, 0)
            return Unknown(node, label_of(node))
        return Unknown(node, label_of(node))

    def call_qual(self, q: str, node: ast.Call, frame: Frame) -> Any:
        args = node.args
        if q in ("os.environ.get", "os.getenv", "os.environ.setdefault"):
            return self.env(node, frame)
        if q == "urllib.parse.urljoin":
            if len(args) >= 2:
                return self.urljoin(self.string(args[0], frame), self.string(args[1], frame), node)
            return Unknown(node, label_of(node))
        if q in ("urllib.parse.quote", "urllib.parse.quote_plus"):
            if args:
                s = self.string(args[0], frame)
                lit = s.literal
                if lit is not None:
                    return Str.literal_of((quote if q.endswith("quote") else quote_plus)(lit), node)
                if len(s.pieces) == 1:
                    return Str.unknown(node, s.pieces[0].label)
                # a quoted template keeps its shape: its literal parts are the route, the rest stays unknown
                return s
            return Unknown(node, label_of(node))
        if q == "urllib.parse.urlencode" and args:
            return self.urlencode(self.value(args[0], frame), node)
        if q in ("uritemplate.expand", "uritemplate.api.expand") and args:
            return self.uritemplate(self.string(args[0], frame), node, frame, 1)
        if q == "builtins.str" and len(args) == 1:
            return self.string(args[0], frame)
        if q == "builtins.getattr" and len(args) >= 2:
            base = self.value(args[0], frame)
            name = self.string(args[1], frame)
            lit = name.literal
            if lit is not None:
                return self.member(base, lit, node)
            return DynMember(base, name, node)
        if q == "builtins.dict":
            entries: List[Any] = [(None, a, frame) for a in args]
            entries += [(k.arg, k.value, frame) for k in node.keywords]
            return DictV(node, tuple(entries))
        if q in ("builtins.locals", "builtins.vars") and not args:
            return Locals(frame)
        if q == "builtins.super":
            return self.super_of(frame, node)
        if q in ("builtins.list", "builtins.tuple") and len(args) == 1:
            v = self.value(args[0], frame)
            return v if isinstance(v, SeqV) else Unknown(node, label_of(node))
        if q.startswith("builtins."):
            return Unknown(node, label_of(node))
        return Instance(canonical(q), (), node, frame=frame)

    def super_of(self, frame: Frame, node: ast.Call) -> Any:
        """super() in a method: the first base class, as an instance (what the method is called on)."""
        sc: Optional[Scope] = frame.scope
        while sc is not None and sc.kind in ("comprehension", "lambda"):
            sc = sc.parent
        func = sc.func if sc is not None and sc.kind == "function" else None
        if func is None or func.cls is None or not func.cls.bases:
            return Unknown(node, label_of(node))
        cls = func.cls
        base = self.value(cls.bases[0], Frame(cls.outer, (cls.node.lineno, cls.node.col_offset)))
        if isinstance(base, LocalClass):
            return LocalInstance(base.info, (("c", id(cls)), ()))
        if isinstance(base, Qual) and not base.name.startswith("builtins."):
            return Instance(base.name, (), None, (("c", id(cls)), ()), "subclass")
        return Unknown(node, label_of(node))

    def call_bound(self, f: Bound, node: ast.Call, frame: Frame) -> Any:
        base, name, args = f.base, f.name, node.args
        if isinstance(base, Str):
            lit = base.literal
            if name == "format":
                return self.format(base, node, frame)
            if name == "format_map" and args:
                return self.format(base, node, frame, mapping_only=self.value(args[0], frame))
            if name == "join" and args:
                seq = self.value(args[0], frame)
                if isinstance(seq, SeqV) and not any(isinstance(e, ast.Starred) for e, _ in seq.elts):
                    out: Optional[Str] = None
                    for expr, fr in seq.elts:
                        s = self.string(expr, fr)
                        out = s if out is None else out.concat(base).concat(s)
                    return out if out is not None else Str.literal_of("", node)
                return Str.unknown(node, label_of(node))
            if name in ("rstrip", "lstrip", "strip", "removesuffix", "removeprefix", "replace", "lower", "upper"):
                return self.str_method(base, name, node, frame)
            if name == "encode":
                return Unknown(node, label_of(node)) if lit is None else Const(lit.encode())
            return Unknown(node, label_of(node))
        if isinstance(base, DictV):
            if name == "get" and args:
                key = self.string(args[0], frame).literal
                if key is not None:
                    got = self.dict_get(base, key)
                    if got is not None:
                        return got
                if len(args) > 1:
                    return self.value(args[1], frame)
                return Unknown(node, label_of(node))
            if name == "copy":
                return base
        return Unknown(node, label_of(node))

    def str_method(self, s: Str, name: str, node: ast.Call, frame: Frame) -> Str:
        argv = [self.string(a, frame).literal for a in node.args]
        if any(a is None for a in argv):
            return Str.unknown(node, label_of(node))
        pieces = list(s.pieces)

        def apply(text: str) -> str:
            if name in ("lower", "upper"):
                return getattr(text, name)()
            if name == "replace":
                return text.replace(*argv[:2]) if len(argv) >= 2 else text
            return text

        if name in ("lower", "upper") and not s.resolved:
            return s  # the unknown parts stay unknown; the literal ones keep the route's shape (`'{}/follow'.lower()`)
        if name in ("lower", "upper", "replace"):
            return Str(tuple(Piece(apply(p.text), p.node) if p.text is not None else p for p in pieces),
                       s.via_names, s.notes)
        chars = argv[0] if argv else None
        if name in ("rstrip", "strip", "removesuffix") and pieces and pieces[-1].text is not None:
            last = pieces[-1]
            text = last.text.removesuffix(chars) if name == "removesuffix" and chars else last.text.rstrip(chars)
            pieces[-1] = Piece(text, last.node)
        if name in ("lstrip", "strip", "removeprefix") and pieces and pieces[0].text is not None:
            first = pieces[0]
            text = first.text.removeprefix(chars) if name == "removeprefix" and chars else first.text.lstrip(chars)
            pieces[0] = Piece(text, first.node)
        return Str(tuple(pieces), s.via_names, s.notes)

    def env(self, node: ast.Call, frame: Frame) -> Any:
        args = node.args
        var = self.string(args[0], frame).literal if args else None
        label = f"environment variable {var}" if var else label_of(node)
        default = args[1] if len(args) > 1 else next((k.value for k in node.keywords if k.arg == "default"), None)
        if default is not None:
            v = self.value(default, frame)
            # the default stands in for the value's shape (a base URL) only when it says something: an empty
            # default (`os.environ.get("CIRCLE_TOKEN", "")`) is not the token, just its absence
            if isinstance(v, Str) and v.resolved and v.literal:
                return v.with_via((f"default of {label}",))
        return Unknown(node, label)

    def urljoin(self, base: Str, rel: Str, node: ast.AST) -> Str:
        rel_t = rel.template()
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", rel_t):
            return rel
        base_t = base.template()
        if rel_t.startswith("/"):
            m = re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*", base_t)
            if m is None:
                return Str.unknown(base.pieces[0].node, base.pieces[0].label or label_of(node)).concat(rel)
            return self._prefix(base, m.end()).concat(rel)
        if base.pieces and base.pieces[-1].text is not None:
            text = base.pieces[-1].text
            cut = text.rfind("/")
            if cut >= 0:
                return Str(base.pieces[:-1] + (Piece(text[:cut + 1], base.pieces[-1].node),), base.via_names,
                           base.notes).concat(rel)
        return base.concat(Str.literal_of("/", node)).concat(rel)

    @staticmethod
    def _prefix(s: Str, n: int) -> Str:
        out: List[Piece] = []
        left = n
        for p in s.pieces:
            if left <= 0:
                break
            if p.text is None:
                out.append(p)
                left -= 1
                continue
            out.append(Piece(p.text[:left], p.node))
            left -= len(p.text)
        return Str(tuple(out), s.via_names, s.notes)

    def urlencode(self, v: Any, node: ast.AST) -> Any:
        if not isinstance(v, DictV) or any(k is None for k, _, _ in v.entries):
            return Str.unknown(node, label_of(node))
        out: Optional[Str] = None
        for k, val, fr in v.entries:
            ks = k if isinstance(k, str) else self.string(k, fr).literal
            if ks is None:
                return Str.unknown(node, label_of(node))
            item = Str.literal_of(quote_plus(ks) + "=", node).concat(self.string(val, fr))
            out = item if out is None else out.concat(Str.literal_of("&", node)).concat(item)
        return out if out is not None else Str.literal_of("", node)

    def uritemplate(self, tmpl: Str, node: ast.Call, frame: Frame, first_kw_arg: int) -> Str:
        named: Dict[str, Tuple[ast.expr, Frame]] = {k.arg: (k.value, frame) for k in node.keywords if k.arg}
        mapping = self.value(node.args[first_kw_arg], frame) if len(node.args) > first_kw_arg else None
        out: List[Piece] = []
        for piece in tmpl.pieces:
            if piece.text is None:
                out.append(piece)
                continue
            last = 0
            for m in _URITEMPLATE.finditer(piece.text):
                out.append(Piece(piece.text[last:m.start()], piece.node))
                last = m.end()
                op, var = m.group(1), m.group(2)
                v: Any = None
                if op in ("", "+") and "," not in var:
                    if var in named:
                        v = self.value(*named[var])
                    elif isinstance(mapping, DictV):
                        v = self.dict_get(mapping, var)
                if v is None:
                    if op in _OPERATOR_PREFIX:  # `{?circle-token}` starts the query, `{/n}` a segment
                        out.append(Piece(_OPERATOR_PREFIX[op], node))
                    out.append(Piece(None, node, f"`{var}`"))
                else:
                    s = self.as_str(v, node)
                    if op == "" and s.literal is not None:
                        s = Str.literal_of(quote(s.literal, safe=""), node)
                    out.extend(s.pieces)
            out.append(Piece(piece.text[last:], piece.node))
        return Str(tuple(p for p in out if p.text != ""), True, tmpl.notes)

    # ---- local functions --------------------------------------------------------------------------

    def call_function(self, f: Func, node: Optional[ast.Call], frame: Frame) -> Any:
        info = f.info
        if info.generator or len(info.returns) != 1 or self._depth > MAX_DEPTH // 2:
            return Unknown(node, label_of(node) if node is not None else f"{info.name}()")
        overrides = dict(frame.overrides or {})
        overrides[id(info.scope)] = self.bind_args(info, node, frame, f.bound)
        self._keep.append(overrides)  # memo keys hold id(overrides): keep it alive
        expr, block, stmt = info.returns[0]
        return self.value(expr, Frame(info.scope, (stmt.lineno, stmt.col_offset), block, overrides))

    def bind_args(self, info: FuncInfo, call: Optional[ast.Call], frame: Frame,
                  bound: Any) -> Dict[str, Tuple[Any, ...]]:
        """Parameter -> ("expr", expr, frame) or ("value", value) for a call of a local function."""
        ov: Dict[str, Tuple[Any, ...]] = {}
        params = info.params
        positional = [n for n, k in params if k in ("posonly", "arg")]
        if info.kind in ("method", "classmethod") and positional:
            first = positional.pop(0)
            if bound is not None:
                ov[first] = ("value", bound)
            elif info.kind == "classmethod" and info.cls is not None:
                ov[first] = ("value", LocalClass(info.cls))
            elif call is not None and call.args:
                # Class.method(obj, ...): the first argument is self
                ov[first] = ("expr", call.args[0], frame)
                call = ast.Call(func=call.func, args=call.args[1:], keywords=call.keywords)
        args = list(call.args) if call is not None else []
        keywords = {k.arg: k.value for k in call.keywords if k.arg} if call is not None else {}
        star = any(isinstance(a, ast.Starred) for a in args)
        kwsplat = call is not None and any(k.arg is None for k in call.keywords)
        for i, name in enumerate(positional):
            if i < len(args) and not any(isinstance(a, ast.Starred) for a in args[:i + 1]):
                ov[name] = ("expr", args[i], frame)
        def_frame = Frame(info.outer, (info.node.lineno, info.node.col_offset), info.block)
        for name, kind in params:
            if name in ov:
                continue
            if kind == "kwarg" and call is not None and not kwsplat:
                # the caller's keywords no named parameter takes (a wrapper's json=, headers=)
                named = {n for n, k in params if k not in ("vararg", "kwarg")}
                ov[name] = ("value", DictV(call, tuple((k.arg, k.value, frame) for k in call.keywords
                                                       if k.arg is not None and k.arg not in named)))
            elif kind in ("vararg", "kwarg"):
                ov[name] = ("value", Unknown(call, f"`{'*' if kind == 'vararg' else '**'}{name}`"))
            elif name in keywords:
                ov[name] = ("expr", keywords[name], frame)
            elif star or kwsplat:
                ov[name] = ("value", Unknown(call, f"parameter `{name}` of {info.name}()"))
            elif name in info.defaults:
                ov[name] = ("expr", info.defaults[name], def_frame)
            else:
                ov[name] = ("value", Unknown(call, f"parameter `{name}` of {info.name}()"))
        return ov

    # ---- subscripts and boolean operators ---------------------------------------------------------

    def subscript(self, node: ast.Subscript, frame: Frame) -> Any:
        base = self.value(node.value, frame)
        sl = node.slice
        if isinstance(base, Qual) and base.name == "os.environ":
            var = self.string(sl, frame).literal
            return Unknown(node, f"environment variable {var}" if var else label_of(node))
        if isinstance(base, DictV):
            key = self.value(sl, frame)
            if isinstance(key, Str) and key.literal is not None:
                got = self.dict_get(base, key.literal)
                return got if got is not None else Unknown(node, label_of(node))
            options = [(k, v, fr) for k, v, fr in base.entries if k is not None]
            if not options:
                return Unknown(node, label_of(node))
            i = self.choose(("d", id(node)), len(options), f"the dispatch key {label_of(sl)}")
            _, v, fr = options[i]
            return self.value(v, fr)
        if isinstance(base, SeqV):
            idx = self.value(sl, frame)
            if isinstance(idx, Const) and isinstance(idx.value, int) and not isinstance(idx.value, bool):
                if -len(base.elts) <= idx.value < len(base.elts):
                    expr, fr = base.elts[idx.value]
                    if not isinstance(expr, ast.Starred):
                        return self.value(expr, fr)
        return Unknown(node, label_of(node))

    def boolop(self, node: ast.BoolOp, frame: Frame) -> Any:
        if not isinstance(node.op, ast.Or):
            return Unknown(node, label_of(node))
        notes: Tuple[str, ...] = ()
        for expr in node.values:
            v = self.value(expr, frame)
            if isinstance(v, Unknown):
                notes += (f"used the fallback for {v.label}",)
                continue
            if isinstance(v, Const) and not v.value:
                continue
            if isinstance(v, Str):
                if v.literal == "":
                    continue
                return Str(v.pieces, v.via_names, v.notes + notes)
            return v
        return Unknown(node, label_of(node))


def reaching_bindings(bindings: List[Binding], pos: Pos, block: Block) -> List[Binding]:
    """The bindings that may give a name its value at (pos, block), latest last.

    Walk back from the use: a binding whose block encloses the use certainly ran,
    so nothing earlier can reach; a binding in a branch might not have, so keep
    looking, until both branches of an `if` were seen.
    """
    out: List[Binding] = []
    branches: Dict[int, Set[str]] = {}
    for b in reversed(bindings):
        if b.end > pos:
            continue
        out.append(b)
        if block[:len(b.block)] == b.block:
            break
        covered = False
        for i, (owner, fieldname) in enumerate(b.block):
            if block[:i + 1] == b.block[:i + 1]:
                continue  # the use is inside this branch too
            seen = branches.setdefault(owner, set())
            seen.add(fieldname)
            if {"body", "orelse"} <= seen and block[:i] == b.block[:i]:
                covered = True
            break
        if covered:
            break
    out.reverse()
    return out


def _is_none(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.Constant) and node.value is None
