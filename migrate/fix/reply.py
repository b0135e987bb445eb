"""How a call's reply is used: only its status, or the fields of its body.

A v1.1 trigger answered with a build summary (build_num, status, lifecycle,
...); the v2 trigger answers with a pipeline. Rewriting the call is safe when
the code only looks at the status (`raise_for_status()`, `.ok`,
`.status_code`, the reply unused); it breaks code that reads the body. The
rule's `reply` block says what to do with each kind of site.

The analysis is deliberately conservative: any use it does not recognise as a
status check (the reply returned, passed on, printed, stored) counts as
reading fields.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import List, Optional, Tuple

from .source_map import SourceMap

STATUS_ONLY = "status-only"
READS_FIELDS = "reads-fields"

# attributes of a response (requests, httpx, aiohttp, urllib, http.client) that say only how it went
STATUS_ATTRS = frozenset({
    "ok", "status_code", "status", "reason", "reason_phrase", "is_success", "is_error", "is_client_error",
    "is_server_error", "is_redirect", "getcode", "code", "close", "release",
})
STATUS_METHODS = frozenset({"raise_for_status", "getcode", "close", "release"})


@dataclass(frozen=True)
class ReplyUse:
    kind: str  # status-only | reads-fields
    detail: str  # how: "unused", "raise_for_status()", "reads .json()", "returned", ...
    fields: Tuple[str, ...] = ()  # v1.1 field names read with ["x"] or .get("x"), when seen
    assumed: bool = False  # status-only only because no other module is assumed to call the function


def reply_use(sm: SourceMap, call: ast.Call, follow_returns: bool = False) -> ReplyUse:
    """How the value of `call` (a request, or a urllib Request object later opened) is used.

    A reply returned from a function counts as read, since any caller may read
    it. With `follow_returns`, the function's callers in this file are looked
    at instead (one level), assuming no other module calls it: --unsafe-fixes.
    """
    return _use_of_value(sm, call, depth=0, follow=follow_returns)


def _use_of_value(sm: SourceMap, node: ast.expr, depth: int, follow: bool = False) -> ReplyUse:
    parent = sm.parent(node)
    while isinstance(parent, ast.Await):
        node, parent = parent, sm.parent(parent)
    if parent is None:
        return ReplyUse(READS_FIELDS, "used in a way not analysed")
    if isinstance(parent, ast.Expr):
        return ReplyUse(STATUS_ONLY, "the reply is not used")
    if isinstance(parent, ast.Attribute) and parent.value is node:
        return _attribute_use(sm, parent)
    if isinstance(parent, (ast.If, ast.While, ast.IfExp, ast.Assert)) and parent.test is node:
        return ReplyUse(STATUS_ONLY, "truth value (ok)")
    if isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not):
        return ReplyUse(STATUS_ONLY, "truth value (ok)")
    if isinstance(parent, ast.Assign) and parent.value is node and len(parent.targets) == 1 \
            and isinstance(parent.targets[0], ast.Name):
        return _name_use(sm, parent.targets[0], parent, depth, follow)
    if isinstance(parent, (ast.AnnAssign,)) and parent.value is node and isinstance(parent.target, ast.Name):
        return _name_use(sm, parent.target, parent, depth, follow)
    if isinstance(parent, ast.withitem) and parent.context_expr is node:
        if parent.optional_vars is None:
            return ReplyUse(STATUS_ONLY, "the reply is not used")
        if isinstance(parent.optional_vars, ast.Name):
            return _name_use(sm, parent.optional_vars, sm.parent(parent), depth, follow)
    if isinstance(parent, ast.Call) and depth == 0 and node in parent.args and _is_urlopen(parent):
        # urllib: Request(...) is opened by urlopen(req); the reply is urlopen's value
        return _use_of_value(sm, parent, depth + 1, follow)
    if isinstance(parent, ast.Return):
        if follow and depth < 2:
            return _callers_use(sm, parent, depth)
        return ReplyUse(READS_FIELDS, "the reply is returned to the caller")
    return ReplyUse(READS_FIELDS, "the reply is passed on")


def _attribute_use(sm: SourceMap, attr: ast.Attribute) -> ReplyUse:
    name = attr.attr
    parent = sm.parent(attr)
    called = isinstance(parent, ast.Call) and parent.func is attr
    if name in STATUS_METHODS and called:
        outer = sm.parent(parent)  # type: ignore[arg-type]
        if isinstance(outer, ast.Expr) or name != "raise_for_status":
            return ReplyUse(STATUS_ONLY, f"{name}()")
        return ReplyUse(READS_FIELDS, f"the value of {name}() is used")
    if name in STATUS_ATTRS and not called:
        return ReplyUse(STATUS_ONLY, f".{name}")
    fields = _fields_read(sm, parent if called else attr)  # type: ignore[arg-type]
    what = f".{name}()" if called else f".{name}"
    return ReplyUse(READS_FIELDS, f"reads {what}", fields)


def _name_use(sm: SourceMap, target: ast.Name, binding: Optional[ast.AST], depth: int,
              follow: bool = False) -> ReplyUse:
    scope = sm.scope_of(target)
    uses: List[ReplyUse] = []
    for node in ast.walk(scope):
        if isinstance(node, ast.Name) and node.id == target.id and isinstance(node.ctx, ast.Load):
            if binding is not None and (node.lineno, node.col_offset) < (binding.lineno, binding.col_offset):
                continue
            uses.append(_use_of_value(sm, node, depth, follow))
    reads = [u for u in uses if u.kind == READS_FIELDS]
    if reads:
        fields = tuple(dict.fromkeys(f for u in reads for f in u.fields))
        return ReplyUse(READS_FIELDS, f"`{target.id}` {reads[0].detail}", fields)
    if not uses:
        return ReplyUse(STATUS_ONLY, "the reply is not used")
    return ReplyUse(STATUS_ONLY, f"`{target.id}`: " + ", ".join(dict.fromkeys(u.detail for u in uses)))


def _callers_use(sm: SourceMap, ret: ast.Return, depth: int) -> ReplyUse:
    """The reply is returned from a module-level function: how do this file's callers use it?"""
    func = sm.scope_of(ret)
    if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) or sm.parent(func) is not sm.tree:
        return ReplyUse(READS_FIELDS, "the reply is returned to the caller")
    uses: List[ReplyUse] = []
    for node in ast.walk(sm.tree):
        if isinstance(node, ast.Name) and node.id == func.name and isinstance(node.ctx, ast.Load):
            call = sm.parent(node)
            if not (isinstance(call, ast.Call) and call.func is node):
                return ReplyUse(READS_FIELDS, f"{func.name}() is passed around; its callers cannot be seen")
            uses.append(_use_of_value(sm, call, depth + 1, follow=True))
    if not uses:
        return ReplyUse(READS_FIELDS, f"the reply is returned by {func.name}(), which this file never calls")
    reads = [u for u in uses if u.kind == READS_FIELDS]
    if reads:
        return ReplyUse(READS_FIELDS, f"returned by {func.name}(), whose caller {reads[0].detail}", reads[0].fields)
    return ReplyUse(STATUS_ONLY, f"returned by {func.name}(), whose callers in this file only check the status",
                    assumed=True)


def _fields_read(sm: SourceMap, value: ast.expr) -> Tuple[str, ...]:
    """Field names read from a body value: body["x"], body.get("x"), and one assignment away."""
    out: List[str] = []
    parent = sm.parent(value)
    if isinstance(parent, ast.Subscript) and parent.value is value:
        key = parent.slice
        if isinstance(key, ast.Index):  # Python 3.8
            key = key.value  # type: ignore[attr-defined]
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            out.append(key.value)
    elif isinstance(parent, ast.Attribute) and parent.attr == "get":
        call = sm.parent(parent)
        if isinstance(call, ast.Call) and call.args and isinstance(call.args[0], ast.Constant):
            if isinstance(call.args[0].value, str):
                out.append(call.args[0].value)
    elif isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
        name = parent.targets[0].id
        for node in ast.walk(sm.scope_of(value)):
            if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load):
                out.extend(_fields_read_direct(sm, node))
    return tuple(dict.fromkeys(out))


def _fields_read_direct(sm: SourceMap, value: ast.expr) -> List[str]:
    parent = sm.parent(value)
    if isinstance(parent, ast.Subscript) and parent.value is value:
        key = parent.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return [key.value]
    if isinstance(parent, ast.Attribute) and parent.attr == "get":
        call = sm.parent(parent)
        if isinstance(call, ast.Call) and call.args and isinstance(call.args[0], ast.Constant):
            if isinstance(call.args[0].value, str):
                return [call.args[0].value]
    return []


def _is_urlopen(call: ast.Call) -> bool:
    f = call.func
    name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
    return name == "urlopen"
