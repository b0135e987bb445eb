"""Does a request send a given header (Accept)? present, absent, partial or opaque.

- present: a header dict this file shows has the key (any case).
- absent: every header source is visible and none has it.
- partial: a visible dict is completed from something this file does not show
  (`{**BASE, ...}`, `.update(other)`): the header may come from there.
- opaque: the headers come wholly from a variable, parameter or call result the
  file does not show; nothing can be said.

Mutations count wherever they are in the module (`s.headers.update(...)`,
`h["Accept"] = ...`, `req.add_header(...)`): that errs towards "present", never
towards a false "missing".
"""
from __future__ import annotations

import ast
from typing import Any, Dict, List, Optional, Tuple

from .evaluate import Evaluator, Frame, label_of
from .index import ModuleIndex, Mutation, Scope
from .values import Const, DictV, Instance, Key, LocalInstance, SeqV, Unknown

PRESENT, ABSENT, PARTIAL, OPAQUE = "present", "absent", "partial", "opaque"
_RANK = {PRESENT: 3, OPAQUE: 2, PARTIAL: 1, ABSENT: 0}

State = Tuple[str, str]  # (state, what the analysis could not see)


def merge(*states: State) -> State:
    """Several header sources sent together: present wins, then opaque, then partial."""
    best: State = (ABSENT, "")
    for st in states:
        if _RANK[st[0]] > _RANK[best[0]]:
            best = st
    return best


def mutation_map(ix: ModuleIndex) -> Dict[Key, List[Mutation]]:
    cached = getattr(ix, "_mutation_map", None)
    if cached is not None:
        return cached
    out: Dict[Key, List[Mutation]] = {}
    for m in ix.mutations:
        key = root_key(m.chain, m.scope, ix)
        out.setdefault(key, []).append(m)
    ix._mutation_map = out  # type: ignore[attr-defined]
    return out


def root_key(chain: Tuple[str, ...], scope: Scope, ix: ModuleIndex) -> Key:
    """The identity of `chain` as the evaluator keys values (see Evaluator.keyed)."""
    name = chain[0]
    sc: Optional[Scope] = scope
    while sc is not None and sc.kind in ("comprehension", "lambda"):
        sc = sc.parent
    func = sc.func if sc is not None and sc.kind == "function" else None
    if (func is not None and func.cls is not None and func.kind in ("method", "classmethod") and func.params
            and func.params[0][0] == name):
        return (("c", id(func.cls)), chain[1:])
    first = True
    while sc is not None:
        if sc.kind == "class" and not first:
            sc = sc.parent
            continue
        if name in sc.globals and sc is not ix.module:
            sc = ix.module
            continue
        if name in sc.bindings:
            return (("n", id(sc), name), chain[1:])
        first = False
        sc = sc.parent
    return (("n", id(ix.module), name), chain[1:])


class HeaderCheck:
    """Looks for one header name (lower case) in the values the evaluator folds."""

    def __init__(self, ev: Evaluator, ix: ModuleIndex, header: str = "accept") -> None:
        self.ev = ev
        self.ix = ix
        self.header = header
        self._depth = 0

    def of_expr(self, node: Optional[ast.expr], frame: Any) -> State:
        if node is None:
            return (ABSENT, "")
        return self.of_value(self.ev.value(node, frame), node)

    def of_value(self, v: Any, node: Optional[ast.AST]) -> State:
        if self._depth > 8:
            return (OPAQUE, label_of(node))
        self._depth += 1
        try:
            return self._of_value(v, node)
        finally:
            self._depth -= 1

    def _of_value(self, v: Any, node: Optional[ast.AST]) -> State:
        if isinstance(v, Const) and v.value is None:
            return (ABSENT, "")
        if isinstance(v, DictV):
            states: List[State] = []
            for k, val, fr in v.entries:
                if k is None:
                    sub = self.of_value(self.ev.value(val, fr), val)
                    states.append((PARTIAL, sub[1]) if sub[0] == OPAQUE else sub)
                    continue
                ks = k if isinstance(k, str) else self.ev.string(k, fr).literal
                if ks is None:
                    states.append((PARTIAL, label_of(k if not isinstance(k, str) else None)))
                elif ks.lower() == self.header:
                    states.append((PRESENT, ""))
            if v.key is not None:
                states.append(self.mutations(v.key))
            return merge(*states)
        if isinstance(v, SeqV):  # a list of (name, value) pairs
            states = []
            for expr, fr in v.elts:
                pair = self.ev.value(expr, fr)
                if isinstance(pair, SeqV) and pair.elts:
                    name = self.ev.string(pair.elts[0][0], pair.elts[0][1]).literal
                    if name is None:
                        states.append((PARTIAL, label_of(expr)))
                    elif name.lower() == self.header:
                        states.append((PRESENT, ""))
                else:
                    states.append((PARTIAL, label_of(expr)))
            return merge(*states)
        if isinstance(v, Unknown):
            return (OPAQUE, v.label)
        return (OPAQUE, label_of(node))

    def mutations(self, key: Key) -> State:
        states: List[State] = []
        for m in mutation_map(self.ix).get(key, []):
            states.append(self.of_mutation(m))
        return merge(*states) if states else (ABSENT, "")

    def of_mutation(self, m: Mutation) -> State:
        frame = Frame(m.scope, (getattr(m.node, "lineno", 0), getattr(m.node, "col_offset", 0)), m.block)
        if m.kind in ("setitem", "setdefault", "add_header", "add_unredirected_header", "putheader"):
            if not m.args:
                return (ABSENT, "")
            name = self.ev.string(m.args[0], frame).literal
            if name is None:
                return (PARTIAL, label_of(m.args[0]))
            return (PRESENT, "") if name.lower() == self.header else (ABSENT, "")
        if m.kind in ("update", "assign"):
            if not m.args:
                return (ABSENT, "")
            st = self.of_expr(m.args[0], frame)
            return (PARTIAL, st[1]) if st[0] == OPAQUE else st
        return (ABSENT, "")

    def of_instance(self, inst: Any, ctor_keyword: str = "headers") -> State:
        """Headers an HTTP client object sends on every request (Session.headers, Client(headers=))."""
        if isinstance(inst, Instance):
            states: List[State] = []
            if inst.ctor is not None:
                kw = next((k.value for k in inst.ctor.keywords if k.arg == ctor_keyword), None)
                if kw is not None:
                    states.append(self.of_expr(kw, inst.frame) if inst.frame is not None else (PARTIAL, label_of(kw)))
                elif any(k.arg is None for k in inst.ctor.keywords):
                    states.append((PARTIAL, label_of(inst.ctor)))
            if inst.key is not None:
                root, path = inst.key
                states.append(self.mutations((root, path + ("headers",))))
            if inst.ctor is None:
                states.append((OPAQUE, "the client object is created outside this file"))
            return merge(*states) if states else (ABSENT, "")
        if isinstance(inst, LocalInstance):
            return (OPAQUE, "the client is a subclass defined here")
        return (ABSENT, "")


def assigned_key(call: ast.Call, ix: ModuleIndex) -> Optional[Key]:
    """The key of the variable a call's result is assigned to (`req = Request(...)`), if any."""
    found = ix.assigned.get(id(call))
    if found is None:
        return None
    chain, scope = found
    return root_key(chain, scope, ix)
