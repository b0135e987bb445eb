"""What a trigger call sends, read with the analyser's own evaluator (migrate/trigger_sends.py says why).

The analyser (analyser.py) hands over the calls it has already recognised: an
HTTP request it reported as a v1.1 trigger, a request to the v2 trigger's path,
a legacy client's trigger method, and a v2 client's trigger method. Their body
is evaluated as the URL was: a dict display, dict(...), a variable or a module
constant holding one, **spreads, json.dumps(...) and keyword splats followed;
a key or a value the file does not show is skipped or sent as unknown.
"""
from __future__ import annotations

import ast
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

from circleci_v2.rules.endpoints import V2_ROOT
from circleci_v2.rules.form_names import form_entry

from ..pipeline_parameters import _UNKNOWN, ParameterUse
from ..trigger_sends import V1_ORIGIN, V2_ORIGIN, V2_PARAMETERS, TriggerSend, TriggerShapes, project_slug
from .evaluate import Evaluator
from .http_calls import Request, arg, has_kwsplat
from .index import Frame, ModuleIndex
from .positions import Positions
from .values import Const, DictV, Qual, Str

Entry = Tuple[ast.AST, str, ast.expr, Frame]  # (where it is written, key, value expression, its frame)
_BODY_KEYWORDS = ("json", "data")  # where a **kwargs splat carries the body to requests-like calls


class TriggerBodies:
    """Appends a TriggerSend to `records` for each trigger call it is shown (once per call node)."""

    def __init__(self, ix: ModuleIndex, pos: Positions, path: str, shapes: TriggerShapes,
                 records: List[Any]) -> None:
        self.ix = ix
        self.pos = pos
        self.path = path
        self.shapes = shapes
        self.records = records
        self._seen: Set[int] = set()
        self._made: Dict[int, TriggerSend] = {}  # id(call node) -> its record

    # ---- the calls ------------------------------------------------------------------------------------

    def request(self, req: Request, choices: Dict[Any, int], node: ast.AST, rule: Any,
                slug: Optional[str]) -> None:
        """An HTTP request reported as the v1.1 trigger `rule` at `node` (the call, or a wrapper's caller)."""
        ev = Evaluator(self.ix, dict(choices))
        entries = self._request_body(ev, req)
        fields, parameters = self._split(ev, entries, self.shapes.v1_parameter_fields, V1_ORIGIN, slug)
        self._add(node, rule.id, fields, parameters, slug)

    def untriggered(self, req: Request, choices: Dict[Any, int], split: Any) -> None:
        """A POST no v1.1 rule matched: a call already on the v2 trigger that sends `parameters`, or a v1.1
        trigger body (build_parameters) sent to a URL the file does not show."""
        if req.verb not in ("POST", None) or id(req.call) in self._seen:
            return
        if split is not None and split.version == "v2":
            is_trigger, slug = self.shapes.v2_slug(V2_ROOT + split.path)
            if not is_trigger:
                return
            names, origin = frozenset((V2_PARAMETERS,)), V2_ORIGIN
        elif split is None or split.version is None:
            names, origin, slug = self.shapes.v1_parameter_fields, V1_ORIGIN, None
        else:
            return
        ev = Evaluator(self.ix, dict(choices))
        fields, parameters = self._split(ev, self._request_body(ev, req), names, origin, slug)
        if parameters:
            self._add(req.call, None, fields, parameters, slug)

    def client(self, call: ast.Call, frame: Frame, rule: Any, cm: Any) -> None:
        """A legacy client's trigger method (the rule's client entry says where it takes what)."""
        ev = Evaluator(self.ix)
        parts = {}
        for role in ("vcs", "user", "project"):
            spec = cm.argument(role)
            expr = arg(call, spec.position, spec.keyword)[0] if spec is not None else None
            parts[role] = ev.string(expr, frame).literal if expr is not None else None
        if parts["vcs"] is None:
            parts.pop("vcs")
        slug = project_slug(parts)
        named = {a.keyword for a in cm.arguments if a.keyword and a.keyword != "**"}
        body_names = {m.name for m in rule.body}
        entries: List[Entry] = []
        spec = cm.argument("body")
        if spec is not None:
            expr = arg(call, spec.position, spec.keyword)[0]
            if expr is not None:
                entries.extend(self._entries(ev, ev.value(expr, frame), expr, frame))
        # keyword arguments named like a body field (branch=, tag=) are fields of the body
        entries.extend((kw, kw.arg, kw.value, frame) for kw in call.keywords
                       if kw.arg is not None and kw.arg in body_names and kw.arg not in named)
        fields, parameters = self._split(ev, entries, self.shapes.v1_parameter_fields, V1_ORIGIN, slug)
        spec = cm.argument("build_parameters")
        if spec is not None and spec.keyword == "**":  # circleclient: the extra keywords are the parameters
            extra: List[Entry] = []
            for kw in call.keywords:
                if kw.arg is None:
                    extra.extend(self._entries(ev, ev.value(kw.value, frame), kw.value, frame))
                elif kw.arg not in named and kw.arg not in body_names:
                    extra.append((kw, kw.arg, kw.value, frame))
            parameters += self._uses(ev, extra, V1_ORIGIN, slug)
        elif spec is not None:
            expr = arg(call, spec.position, spec.keyword)[0]
            if expr is not None:
                parameters += self._uses(ev, list(self._entries(ev, ev.value(expr, frame), expr, frame)),
                                         V1_ORIGIN, slug)
        self._add(call, rule.id, fields, parameters, slug)

    def v2_method(self, call: ast.Call, frame: Frame) -> None:
        """A client method named after the v2 trigger operation (trigger_pipeline) with `parameters=`."""
        expr = arg(call, None, V2_PARAMETERS)[0]
        if expr is None or id(call) in self._seen:
            return
        ev = Evaluator(self.ix)
        parameters = self._uses(ev, list(self._entries(ev, ev.value(expr, frame), expr, frame)), V2_ORIGIN, None)
        if parameters:
            fields = [kw.arg for kw in call.keywords if kw.arg not in (None, V2_PARAMETERS)]
            self._add(call, None, fields, parameters, None)

    # ---- the body -------------------------------------------------------------------------------------

    def _request_body(self, ev: Evaluator, req: Request) -> List[Entry]:
        frame = req.frame
        if req.body_node is not None:
            return list(self._entries(ev, ev.value(req.body_node, frame), req.body_node, frame))
        if has_kwsplat(req.call):  # a wrapper's **kwargs, bound at its caller: json= or data= in there
            for kw in req.call.keywords:
                if kw.arg is not None:
                    continue
                spread = ev.value(kw.value, frame)
                if isinstance(spread, DictV):
                    for name in _BODY_KEYWORDS:
                        for node, key, expr, fr in self._entries(ev, spread, kw.value, frame):
                            if key == name:
                                return list(self._entries(ev, ev.value(expr, fr), expr, fr))
        return []

    def _entries(self, ev: Evaluator, value: Any, node: ast.AST, frame: Frame, depth: int = 0) -> Iterator[Entry]:
        """The (key, value) entries of a dict value whose keys the file shows; json.dumps(d) reads d."""
        if depth > 4:
            return
        if isinstance(value, DictV):
            for k, v, fr in value.entries:
                if k is None:  # **spread
                    yield from self._entries(ev, ev.value(v, fr), v, fr, depth + 1)
                    continue
                key = k if isinstance(k, str) else ev.string(k, fr).literal
                if key is not None:
                    yield (k if isinstance(k, ast.AST) else v), key, v, fr
            return
        call = node if isinstance(node, ast.Call) else None
        if call is not None and isinstance(call.func, ast.Attribute) and call.func.attr == "encode":
            call = call.func.value if isinstance(call.func.value, ast.Call) else None  # json.dumps(d).encode()
        if call is not None and len(call.args) == 1 and isinstance(call.func, (ast.Attribute, ast.Name)):
            func = ev.value(call.func, frame)
            if isinstance(func, Qual) and func.name == "json.dumps":
                yield from self._entries(ev, ev.value(call.args[0], frame), call.args[0], frame, depth + 1)

    def _split(self, ev: Evaluator, entries: List[Entry], parameter_fields: Any, origin: str,
               slug: Optional[str]) -> Tuple[List[str], List[ParameterUse]]:
        """(the body's other fields, the parameters sent under one of `parameter_fields`)."""
        fields: List[str] = []
        parameters: List[ParameterUse] = []
        for node, key, expr, fr in entries:
            if key in parameter_fields:
                parameters += self._uses(ev, list(self._entries(ev, ev.value(expr, fr), expr, fr)), origin, slug)
                continue
            # a form body's `build_parameters[DEPLOY]` key (data={...}) is the parameter DEPLOY
            named = next(filter(None, (form_entry(key, f) for f in parameter_fields)), None)
            if named is not None:
                parameters += self._uses(ev, [(node, named, expr, fr)], origin, slug)
            else:
                fields.append(key)
        return fields, parameters

    def _uses(self, ev: Evaluator, entries: List[Entry], origin: str, slug: Optional[str]) -> List[ParameterUse]:
        out = []
        for node, name, expr, fr in entries:
            line, column, end_line, end_column = self.pos.span(node)
            out.append(ParameterUse(self.path, line, column, end_line, end_column, name, _value(ev, expr, fr),
                                    origin, slug))
        return out

    def forget(self, node: ast.AST) -> None:
        """The finding at `node` was withdrawn (its wrapper's callers were reported instead): so is its record."""
        record = self._made.pop(id(node), None)
        if record is not None:
            self.records.remove(record)

    def _add(self, node: ast.AST, rule_id: Optional[str], fields: List[str], parameters: List[ParameterUse],
             slug: Optional[str]) -> None:
        if id(node) in self._seen:
            return
        self._seen.add(id(node))
        line, column, _, _ = self.pos.span(node)
        record = TriggerSend(self.path, line, column, rule_id, fields, parameters, slug)
        self._made[id(node)] = record
        self.records.append(record)


def _value(ev: Evaluator, expr: ast.expr, frame: Frame) -> Any:
    """A parameter's value: text, a boolean or an integer the file shows; unknown when it depends on which
    branch runs or on a value the file does not show."""
    before = len(ev.pending)
    value = ev.value(expr, frame)
    if len(ev.pending) != before:
        return _UNKNOWN
    if isinstance(value, Str):
        text = value.literal
        return text if text is not None else _UNKNOWN
    if isinstance(value, Const) and isinstance(value.value, (bool, int)):
        return value.value
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub) and isinstance(expr.operand, ast.Constant) \
            and type(expr.operand.value) is int:
        return -expr.operand.value
    return _UNKNOWN
