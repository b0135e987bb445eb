"""One walk over a module's ast: scopes, bindings, calls, imports, mutations.

Everything the evaluator later looks up is collected here in a single pass, so
that evaluating a name is a dictionary lookup plus a short scan of the places
it is assigned. Expressions are walked with an explicit stack (long `+` chains
and deep nesting must not hit the recursion limit).

Positions: a binding takes effect at the end of its statement; a use sees the
bindings that end before it. `block` is the path of (statement id, field) pairs
from the scope's top to the list of statements holding a node; a binding whose
block is a prefix of the use's block is certain to have run before the use.
"""
from __future__ import annotations

import ast
from typing import Any, Dict, FrozenSet, List, Optional, Set, Tuple

Pos = Tuple[int, int]
Block = Tuple[Tuple[int, str], ...]
INF: Pos = (1 << 30, 0)

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
# methods whose call changes the receiver in a way the header analysis must see
MUTATING_METHODS = frozenset({"update", "setdefault", "add_header", "add_unredirected_header", "putheader"})


class Binding:
    """One place a name (or an instance attribute) gets a value.

    kind: assign (value is the right-hand side; `unpack` indexes into it for
    tuple targets), aug (`x += value`, op in `extra`), import (`extra` is the
    qualified name), param (value is the default; `extra` is "self"/"cls" for a
    method's first parameter), with (value is the context expression), def,
    class (`extra` is the FuncInfo/ClassInfo), ann (annotation only), unknown.
    """

    __slots__ = ("name", "kind", "value", "unpack", "scope", "start", "end", "block", "node", "annotation", "extra")

    def __init__(self, name: str, kind: str, value: Optional[ast.expr], scope: "Scope", node: ast.AST,
                 block: Block, unpack: Tuple[int, ...] = (), annotation: Optional[ast.expr] = None,
                 extra: object = None, start: Optional[Pos] = None, end: Optional[Pos] = None) -> None:
        self.name = name
        self.kind = kind
        self.value = value
        self.unpack = unpack
        self.scope = scope
        self.node = node
        self.block = block
        self.annotation = annotation
        self.extra = extra
        self.start = start if start is not None else (node.lineno, node.col_offset)
        self.end = end if end is not None else (node.end_lineno or node.lineno, node.end_col_offset or 0)


class Scope:
    __slots__ = ("kind", "node", "parent", "bindings", "globals", "func", "cls")

    def __init__(self, kind: str, node: ast.AST, parent: Optional["Scope"]) -> None:
        self.kind = kind  # module | class | function | lambda | comprehension
        self.node = node
        self.parent = parent
        self.bindings: Dict[str, List[Binding]] = {}
        self.globals: Set[str] = set()
        self.func: Optional[FuncInfo] = None
        self.cls: Optional[ClassInfo] = None

    def within(self, outer: "Scope") -> bool:
        """This scope is `outer` or nested in it."""
        scope: Optional[Scope] = self
        while scope is not None:
            if scope is outer:
                return True
            scope = scope.parent
        return False


class FuncInfo:
    __slots__ = ("node", "scope", "outer", "block", "cls", "params", "defaults", "annotations", "returns",
                 "generator", "kind", "property")

    def __init__(self, node: ast.AST, scope: Scope, outer: Scope, block: Block, cls: Optional["ClassInfo"]) -> None:
        self.node = node
        self.scope = scope
        self.outer = outer  # where the def statement is (defaults are evaluated there)
        self.block = block
        self.cls = cls
        self.params: List[Tuple[str, str]] = []  # (name, posonly|arg|vararg|kwonly|kwarg)
        self.defaults: Dict[str, ast.expr] = {}
        self.annotations: Dict[str, ast.expr] = {}
        self.returns: List[Tuple[ast.expr, Block, ast.AST]] = []
        self.generator = False
        self.kind = "function"  # function | method | staticmethod | classmethod
        self.property = False

    @property
    def name(self) -> str:
        return getattr(self.node, "name", "<lambda>")


class ClassInfo:
    __slots__ = ("node", "scope", "outer", "bases", "instance_attrs")

    def __init__(self, node: ast.ClassDef, scope: Scope, outer: Scope) -> None:
        self.node = node
        self.scope = scope
        self.outer = outer
        self.bases: List[ast.expr] = list(node.bases)
        self.instance_attrs: Dict[str, List[Binding]] = {}  # self.X = ... in any method

    @property
    def name(self) -> str:
        return self.node.name


class CallSite:
    """A Call node with the scope and block it appears in."""

    __slots__ = ("call", "scope", "block")

    def __init__(self, call: ast.Call, scope: Scope, block: Block) -> None:
        self.call = call
        self.scope = scope
        self.block = block


class Mutation:
    """`chain[k] = v`, `chain = v` (attribute targets), or `chain.update(...)`-like calls."""

    __slots__ = ("chain", "kind", "node", "args", "scope", "block")

    def __init__(self, chain: Tuple[str, ...], kind: str, node: ast.AST, args: Tuple[ast.expr, ...],
                 scope: Scope, block: Block) -> None:
        self.chain = chain
        self.kind = kind  # setitem | assign | update | setdefault | add_header | ...
        self.node = node
        self.args = args  # setitem: (key, value); assign: (value,); calls: the call's args
        self.scope = scope
        self.block = block


def chain_of(node: ast.AST) -> Optional[Tuple[str, ...]]:
    """`self.session.headers` -> ("self", "session", "headers"); None for anything else."""
    parts: List[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return tuple(reversed(parts))


class ModuleIndex:
    """The result of the walk. Build it with `build_index`."""

    def __init__(self, tree: ast.Module, attr_names: FrozenSet[str]) -> None:
        self.tree = tree
        self.module = Scope("module", tree, None)
        self.attr_names = attr_names
        self.calls: List[CallSite] = []
        self.attrs: List[Tuple[ast.Attribute, Scope, Block]] = []  # uncalled `x.method` with interesting names
        self.imports: List[Tuple[ast.stmt, Scope]] = []
        self.mutations: List[Mutation] = []
        self.funcs: Dict[int, FuncInfo] = {}
        self.classes: Dict[int, ClassInfo] = {}
        self.local_names: Set[str] = set()  # names of functions and classes defined here
        # id(call) -> (target chain, scope) for `x = call(...)` / `self.x = call(...)`
        self.assigned: Dict[int, Tuple[Tuple[str, ...], Scope]] = {}
        self._func_nodes: Set[int] = set()
        # False when the text never spells curl, wget or httpie's names: a subprocess call cannot be running
        # one, and its
        # command (often built from many pieces) is not worth evaluating. The analyser sets it.
        self.mentions_http_tool = True
        # which calls are handed what may be a curl command line (command_runners.CommandArguments), or
        # None when the text never spells one of those tools. The analyser sets it.
        self.commands: Optional[Any] = None
        self.strings: List[ast.Constant] = []  # string literals in expressions (docstrings left out)
        self.prose: Set[int] = set()  # ids of f-strings standing alone as a statement
        # the run's ProjectModules (project.py) and this file's path: names imported from the project's
        # own modules resolve to their string constants; None reads nothing outside the file
        self.project: Optional[Any] = None
        self.path = ""


def build_index(tree: ast.Module, attr_names: FrozenSet[str] = frozenset()) -> ModuleIndex:
    ix = ModuleIndex(tree, attr_names)
    _Walker(ix).block(tree.body, ix.module, ())
    return ix


class _Walker:
    def __init__(self, ix: ModuleIndex) -> None:
        self.ix = ix

    # ---- statements -------------------------------------------------------------------------------

    def block(self, stmts: List[ast.stmt], scope: Scope, block: Block) -> None:
        for stmt in stmts:
            self.stmt(stmt, scope, block)

    def stmt(self, s: ast.stmt, scope: Scope, block: Block) -> None:
        t = type(s)
        if t is ast.Expr:
            if isinstance(s.value, ast.JoinedStr):
                self.ix.prose.add(id(s.value))
            if not isinstance(s.value, ast.Constant):  # a bare string (a docstring) is prose, not a value
                self.expr(s.value, scope, block)
        elif t is ast.Assign:
            self.expr(s.value, scope, block)
            if isinstance(s.value, ast.Call) and len(s.targets) == 1:
                chain = chain_of(s.targets[0])
                if chain is not None:
                    self.ix.assigned[id(s.value)] = (chain, scope)
            for target in s.targets:
                self.target(target, s.value, scope, block, s, "assign")
        elif t is ast.AugAssign:
            self.expr(s.value, scope, block)
            target = s.target
            if isinstance(target, ast.Name):
                self.bind(scope, Binding(target.id, "aug", s.value, scope, s, block, extra=type(s.op)))
            else:
                self.expr(target, scope, block)
                if isinstance(target, ast.Attribute):
                    self.attr_target(target, s.value, scope, block, s, "aug", type(s.op))
        elif t is ast.AnnAssign:
            if s.value is not None:
                self.expr(s.value, scope, block)
            if isinstance(s.target, ast.Name):
                kind = "assign" if s.value is not None else "ann"
                self.bind(scope, Binding(s.target.id, kind, s.value, scope, s, block, annotation=s.annotation))
            elif s.value is not None:
                self.target(s.target, s.value, scope, block, s, "assign")
        elif t in _FUNCS:
            self.function(s, scope, block)
        elif t is ast.ClassDef:
            self.classdef(s, scope, block)
        elif t is ast.Return:
            if s.value is not None:
                self.expr(s.value, scope, block)
                func = _enclosing_func(scope)
                if func is not None:
                    func.returns.append((s.value, block, s))
        elif t is ast.If:
            self.expr(s.test, scope, block)
            self.block(s.body, scope, block + ((id(s), "body"),))
            self.block(s.orelse, scope, block + ((id(s), "orelse"),))
        elif t in (ast.For, ast.AsyncFor):
            self.expr(s.iter, scope, block)
            inner = block + ((id(s), "body"),)
            self.target(s.target, None, scope, inner, s, "unknown", at=s.iter)
            self.block(s.body, scope, inner)
            self.block(s.orelse, scope, block + ((id(s), "orelse"),))
        elif t is ast.While:
            self.expr(s.test, scope, block)
            self.block(s.body, scope, block + ((id(s), "body"),))
            self.block(s.orelse, scope, block + ((id(s), "orelse"),))
        elif t in (ast.With, ast.AsyncWith):
            for item in s.items:
                self.expr(item.context_expr, scope, block)
                if item.optional_vars is not None:
                    self.target(item.optional_vars, item.context_expr, scope, block, s, "with", at=item.optional_vars)
            # a with body runs whenever the statement does: same block
            self.block(s.body, scope, block)
        elif t is ast.Try or t.__name__ == "TryStar":
            self.block(s.body, scope, block)  # taken as run: the common case
            for handler in s.handlers:
                inner = block + ((id(handler), "body"),)
                if handler.type is not None:
                    self.expr(handler.type, scope, block)
                if handler.name:
                    at = handler.type or handler
                    self.bind(scope, Binding(handler.name, "unknown", None, scope, handler, inner,
                                             end=(at.end_lineno or at.lineno, at.end_col_offset or 0)))
                self.block(handler.body, scope, inner)
            self.block(s.orelse, scope, block + ((id(s), "orelse"),))
            self.block(s.finalbody, scope, block)
        elif t in (ast.Import, ast.ImportFrom):
            self.importstmt(s, scope, block)
        elif t is ast.Global or t is ast.Nonlocal:
            if t is ast.Global:
                scope.globals.update(s.names)
        elif t.__name__ == "Match":
            self.expr(s.subject, scope, block)
            for case in s.cases:
                inner = block + ((id(case), "body"),)
                for node in ast.walk(case.pattern):
                    name = getattr(node, "name", None)
                    if isinstance(name, str):
                        self.bind(scope, Binding(name, "unknown", None, scope, case.pattern, inner))  # ends at the pattern
                    if isinstance(node, ast.expr):
                        self.expr(node, scope, block)
                if case.guard is not None:
                    self.expr(case.guard, scope, inner)
                self.block(case.body, scope, inner)
        else:
            # Delete, Raise, Assert, Pass, Break, Continue, TypeAlias, ...: look at the expressions only
            for child in ast.iter_child_nodes(s):
                if isinstance(child, ast.expr):
                    self.expr(child, scope, block)

    def function(self, s: ast.AST, scope: Scope, block: Block) -> None:
        args = s.args
        for d in s.decorator_list:
            self.expr(d, scope, block)
        for d in list(args.defaults) + [d for d in args.kw_defaults if d is not None]:
            self.expr(d, scope, block)
        for a in _all_args(args):
            if a.annotation is not None:
                self.expr(a.annotation, scope, block)
        if s.returns is not None:
            self.expr(s.returns, scope, block)
        fscope = Scope("function", s, scope)
        cls = scope.cls if scope.kind == "class" else None
        info = FuncInfo(s, fscope, scope, block, cls)
        fscope.func = info
        self.ix.funcs[id(s)] = info
        self.ix.local_names.add(s.name)
        decorators = {_decorator_name(d) for d in s.decorator_list}
        if cls is not None:
            info.kind = ("staticmethod" if "staticmethod" in decorators else
                         "classmethod" if "classmethod" in decorators else "method")
            info.property = bool(decorators & {"property", "cached_property"})
        self._params(info, args)
        self.bind(scope, Binding(s.name, "def", None, scope, s, block, extra=info,
                                 start=(s.lineno, s.col_offset)))
        self.block(s.body, fscope, ())

    def _params(self, info: FuncInfo, args: ast.arguments) -> None:
        positional = list(getattr(args, "posonlyargs", [])) + list(args.args)
        defaults = list(args.defaults)
        first_default = len(positional) - len(defaults)
        node = info.node
        at = (node.lineno, 0)
        for i, a in enumerate(positional):
            kind = "posonly" if i < len(getattr(args, "posonlyargs", [])) else "arg"
            info.params.append((a.arg, kind))
            default = defaults[i - first_default] if i >= first_default else None
            extra = None
            if i == 0 and info.kind == "method":
                extra = "self"
            elif i == 0 and info.kind == "classmethod":
                extra = "cls"
            self._param(info, a, kind, default, extra, at)
        if args.vararg is not None:
            info.params.append((args.vararg.arg, "vararg"))
            self._param(info, args.vararg, "vararg", None, None, at)
        for a, d in zip(args.kwonlyargs, args.kw_defaults):
            info.params.append((a.arg, "kwonly"))
            self._param(info, a, "kwonly", d, None, at)
        if args.kwarg is not None:
            info.params.append((args.kwarg.arg, "kwarg"))
            self._param(info, args.kwarg, "kwarg", None, None, at)

    def _param(self, info: FuncInfo, a: ast.arg, kind: str, default: Optional[ast.expr], extra: Optional[str],
               at: Pos) -> None:
        if default is not None:
            info.defaults[a.arg] = default
        if a.annotation is not None:
            info.annotations[a.arg] = a.annotation
        b = Binding(a.arg, "param", default, info.scope, info.node, (), annotation=a.annotation,
                    extra=extra, start=at, end=at)
        self.bind(info.scope, b)

    def classdef(self, s: ast.ClassDef, scope: Scope, block: Block) -> None:
        for d in s.decorator_list:
            self.expr(d, scope, block)
        for b in s.bases:
            self.expr(b, scope, block)
        for k in s.keywords:
            self.expr(k.value, scope, block)
        cscope = Scope("class", s, scope)
        info = ClassInfo(s, cscope, scope)
        cscope.cls = info
        self.ix.classes[id(s)] = info
        self.ix.local_names.add(s.name)
        self.bind(scope, Binding(s.name, "class", None, scope, s, block, extra=info, start=(s.lineno, s.col_offset)))
        self.block(s.body, cscope, ())

    def importstmt(self, s: ast.stmt, scope: Scope, block: Block) -> None:
        self.ix.imports.append((s, scope))
        if isinstance(s, ast.Import):
            for alias in s.names:
                if alias.asname:
                    self.bind(scope, Binding(alias.asname, "import", None, scope, s, block, extra=alias.name))
                else:
                    top = alias.name.split(".", 1)[0]
                    self.bind(scope, Binding(top, "import", None, scope, s, block, extra=top))
        else:
            module = ("." * s.level) + (s.module or "")
            for alias in s.names:
                if alias.name == "*":
                    continue
                qual = f"{module}.{alias.name}" if module and not module.endswith(".") else module + alias.name
                self.bind(scope, Binding(alias.asname or alias.name, "import", None, scope, s, block, extra=qual))

    # ---- targets ----------------------------------------------------------------------------------

    def target(self, target: ast.expr, value: Optional[ast.expr], scope: Scope, block: Block, stmt: ast.AST,
               kind: str, unpack: Tuple[int, ...] = (), at: Optional[ast.AST] = None) -> None:
        """Bind a target. `at`: the node whose end is when the binding takes effect, when that is
        not the end of `stmt` (a for or with header: the body already sees the name)."""
        t = type(target)
        if t is ast.Name:
            end = None
            if at is not None:
                end = (at.end_lineno or at.lineno, at.end_col_offset or 0)
            self.bind(scope, Binding(target.id, kind if value is not None else "unknown", value, scope, stmt, block,
                                     unpack=unpack, end=end))
        elif t in (ast.Tuple, ast.List):
            for i, elt in enumerate(target.elts):
                if isinstance(elt, ast.Starred):
                    self.target(elt.value, None, scope, block, stmt, "unknown", at=at)
                else:
                    self.target(elt, value, scope, block, stmt, kind, unpack + (i,), at=at)
        elif t is ast.Attribute:
            self.expr(target.value, scope, block)
            if value is not None and not unpack:
                self.attr_target(target, value, scope, block, stmt, kind, None)
        elif t is ast.Subscript:
            self.expr(target, scope, block)
            chain = chain_of(target.value)
            if chain is not None and value is not None and not unpack:
                self.ix.mutations.append(Mutation(chain, "setitem", stmt, (target.slice, value), scope, block))
        elif t is ast.Starred:
            self.target(target.value, None, scope, block, stmt, "unknown")
        else:
            self.expr(target, scope, block)

    def attr_target(self, target: ast.Attribute, value: ast.expr, scope: Scope, block: Block, stmt: ast.AST,
                    kind: str, op: object) -> None:
        func = _enclosing_func(scope)
        base = target.value
        if (func is not None and func.cls is not None and func.kind in ("method", "classmethod")
                and isinstance(base, ast.Name) and func.params and base.id == func.params[0][0]
                and scope is func.scope):
            attrs = func.cls.instance_attrs.setdefault(target.attr, [])
            attrs.append(Binding(target.attr, kind, value, scope, stmt, block, extra=op))
            return
        chain = chain_of(target)
        if chain is not None:
            self.ix.mutations.append(Mutation(chain, "assign", stmt, (value,), scope, block))

    def bind(self, scope: Scope, b: Binding) -> None:
        target = scope
        if b.name in scope.globals and scope.kind != "module":
            target = self.ix.module
            b.scope = target
            b.block = (("global", id(scope)),)  # runs whenever the function is called
        elif scope.kind == "comprehension" and b.kind != "unknown":
            # a walrus in a comprehension binds in the enclosing function (PEP 572)
            while target.kind == "comprehension" and target.parent is not None:
                target = target.parent
            b.scope = target
        target.bindings.setdefault(b.name, []).append(b)

    # ---- expressions ------------------------------------------------------------------------------

    def expr(self, root: ast.expr, scope: Scope, block: Block) -> None:
        ix = self.ix
        calls, func_nodes, attr_names, strings = ix.calls, ix._func_nodes, ix.attr_names, ix.strings
        stack: List[Tuple[ast.AST, Scope]] = [(root, scope)]
        while stack:
            node, sc = stack.pop()
            t = type(node)
            if t is ast.Call:
                calls.append(CallSite(node, sc, block))
                func_nodes.add(id(node.func))
                f = node.func
                if isinstance(f, ast.Attribute) and f.attr in MUTATING_METHODS:
                    chain = chain_of(f.value)
                    if chain is not None:
                        ix.mutations.append(Mutation(chain, f.attr, node, tuple(node.args), sc, block))
            elif t is ast.Attribute:
                if node.attr in attr_names and id(node) not in func_nodes:
                    ix.attrs.append((node, sc, block))
            elif t is ast.Name:
                continue
            elif t is ast.Constant:
                if type(node.value) is str:
                    strings.append(node)
                continue
            elif t is ast.NamedExpr:
                if isinstance(node.target, ast.Name):
                    self.bind(sc, Binding(node.target.id, "assign", node.value, sc, node, block))
                stack.append((node.value, sc))
                continue
            elif t is ast.Lambda:
                args = node.args
                for d in list(args.defaults) + [d for d in args.kw_defaults if d is not None]:
                    stack.append((d, sc))
                lscope = Scope("lambda", node, sc)
                for a in _all_args(args):
                    self.bind(lscope, Binding(a.arg, "unknown", None, lscope, node, ()))
                stack.append((node.body, lscope))
                continue
            elif t in _COMPREHENSIONS:
                cscope = Scope("comprehension", node, sc)
                for i, gen in enumerate(node.generators):
                    stack.append((gen.iter, sc if i == 0 else cscope))
                    for name_node in ast.walk(gen.target):
                        if isinstance(name_node, ast.Name):
                            self.bind(cscope, Binding(name_node.id, "unknown", None, cscope, node, ()))
                    for cond in gen.ifs:
                        stack.append((cond, cscope))
                if t is ast.DictComp:
                    stack.append((node.key, cscope))
                    stack.append((node.value, cscope))
                else:
                    stack.append((node.elt, cscope))
                continue
            elif t is ast.Yield or t is ast.YieldFrom or t is ast.Await:
                if t is not ast.Await:
                    func = _enclosing_func(sc)
                    if func is not None and sc.kind != "lambda":
                        func.generator = True
            for child in ast.iter_child_nodes(node):
                stack.append((child, sc))


def _enclosing_func(scope: Scope) -> Optional[FuncInfo]:
    while scope is not None and scope.kind == "comprehension":
        scope = scope.parent
    return scope.func if scope is not None and scope.kind == "function" else None


def _all_args(args: ast.arguments) -> List[ast.arg]:
    out = list(getattr(args, "posonlyargs", [])) + list(args.args)
    if args.vararg is not None:
        out.append(args.vararg)
    out.extend(args.kwonlyargs)
    if args.kwarg is not None:
        out.append(args.kwarg)
    return out


def _decorator_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


class Frame:
    """Where an expression is evaluated: scope, position (for flow-sensitive lookups), overrides.

    `overrides` maps a function scope's id to values for its parameters: the
    arguments of the call being followed (a wrapper or a helper's `return`).
    """

    __slots__ = ("scope", "pos", "block", "overrides")

    def __init__(self, scope: Scope, pos: Pos = INF, block: Block = (),
                 overrides: Optional[Dict[int, Dict[str, Tuple[Any, ...]]]] = None) -> None:
        self.scope = scope
        self.pos = pos
        self.block = block
        self.overrides = overrides
