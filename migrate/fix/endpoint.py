"""Rewrite a raw HTTP call of a v1.1 endpoint to its v2 replacement, as the rule describes it.

Everything comes from the rule: the new path (`replacement.path`, with
{project-slug} built from :vcs/:user/:project and github/bitbucket shortened
to gh/bb), which v1.1 fields carry over and how (the rule's `body`, as
rules/field_outcomes.py decides it for every front end: kept, unsafe, dropped
with --unsafe-fixes, manual; `from: path` for a field that moves out of the URL,
such as the branch of .../tree/:branch), and what to do when the code reads the reply
(`reply`). The host is kept (server installs), f-string and format
placeholders are kept, a query-string token moves to the Circle-Token header,
and Content-Type/Accept are set.

For the trigger rules that is: POST /api/v1.1/project/github/acme/app/tree/main
with {"build_parameters": {...}} becomes POST
/api/v2/project/gh/acme/app/pipeline with {"branch": "main", "parameters": {...}}
(the parameters only with --unsafe-fixes: they must be declared in the config).
"""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Tuple
from urllib.parse import unquote

from circleci_v2.rules.field_outcomes import decide
from circleci_v2.rules.model import V2PathError

from .edits import NewDict
from .interface import MANUAL, SAFE, UNSAFE, CannotFix, NeedsUnsafe
from .reply import STATUS_ONLY, ReplyUse
from .request_rules import header_pairs, token_from_params, token_from_query
from .url_segments import Seg, expression_for, literal_text, string_literal
from .shape import Draft, Shape, arg, ensure_headers, has_kwsplat, literal_keys, need_import, resolve_dict
from .url_argument import UrlSite, imported_constants

_QUOTE_FUNCS = {"quote", "quote_plus"}


def reply_decision(rule, use: ReplyUse) -> str:
    """rewrite | shim | manual, from the rule's `reply` block (a site that only checks the status is rewritten)."""
    decision = rule.reply.get(use.kind)
    if decision is None:
        decision = "rewrite" if use.kind == STATUS_ONLY else "manual"
    return str(decision)


def rewrite_endpoint(draft: Draft, call: ast.Call, site, rule, shape: Shape, unsafe: bool,
                     token_markers: Tuple[str, ...]) -> Tuple[str, str]:
    """Plan the v2 rewrite into `draft`; (fix class used, description). Raises CannotFix / NeedsUnsafe."""
    sm = draft.sm
    rep = rule.replacement
    if shape.body is None and (rule.body or shape.headers is None):
        raise CannotFix(f"calls through {site.library} in this form are not rewritten automatically")
    if not rule.has_v2_path:
        raise CannotFix(f"{rule.id} has no single v2 endpoint to rewrite to")
    if site.verb is None:
        raise CannotFix("the HTTP verb is not known")
    if rep.method and rep.method != site.verb:
        raise CannotFix(f"v2 needs {rep.method} where the code sends {site.verb}")
    if site.match is None or site.url is None:
        raise CannotFix("the URL was not resolved")
    url = UrlSite(sm, call, site.url_arg, site.url.url, site.library, imported_constants(site.url))
    spans = url.path_params(site.match.endpoint.template.relative)
    params = {name: url.cut(a, b, name.replace("_", " ")) for name, (a, b) in spans.items()}
    fix_class = SAFE

    # the new URL: host, v2 path, the query without the token
    path_segs = _v2_path(rule, params)
    token_code, rest = token_from_query(url, token_markers)
    new_url = url.host() + path_segs + url.query_segs(rest)
    url.write(draft, url.render(new_url))

    # the body: fields renamed per the rule, path fields moved in
    body_fields = [m for m in rule.body]
    notes: List[str] = []
    if body_fields:
        fix_class, notes = _plan_body(draft, call, shape, rule, params, url.quote, unsafe)

    # headers: JSON in and out, and the token out of the query string
    if token_code is None:
        token_code = token_from_params(draft, call, shape, token_markers)
    pairs = header_pairs(url.quote, json_body=bool(body_fields))
    if token_code is not None:
        pairs.append(("Circle-Token", token_code))
    ensure_headers(draft, call, shape, pairs, url.quote)

    ops = ", ".join(rep.operations) or "v2"
    text = f"{site.verb} {site.match.endpoint.path} -> {ops} ({rep.method or site.verb} {rep.path})"
    if notes:
        text += "; " + "; ".join(notes)
    if token_code is not None:
        text += "; token moved to the Circle-Token header"
    return fix_class, text


def _v2_path(rule, params: Dict[str, List[Seg]]) -> List[Seg]:
    """The rule's v2 path (Rule.v2_path) as segments: its text literal, the URL's own parts copied."""
    given: Dict[str, object] = dict(params)
    vcs = params.get("vcs")
    if vcs is not None and literal_text(vcs) is not None:
        given["vcs"] = literal_text(vcs)  # written out: the rule shortens github to gh
    try:
        parts = rule.v2_path(given)
    except V2PathError as e:
        raise CannotFix(str(e)) from None
    out: List[Seg] = []
    for part in parts:
        out.extend([Seg(chars=list(part))] if isinstance(part, str) else part)
    return out


def _body_dict(draft: Draft, call: ast.Call, shape: Shape) -> Tuple[Optional[ast.Dict], bool]:
    """(the JSON body's dict literal, whether a body argument is present)."""
    sm = draft.sm
    assert shape.body is not None
    node = arg(call, shape.body)
    if node is None and shape.body_style == "json":
        data = arg(call, "data")
        if data is not None:
            node = data
    if node is None:
        return None, False
    inner = _json_dumps_dict(sm, node, shape.body_style)
    if inner is not None:
        return inner, True
    if shape.body_style == "json" and node is arg(call, shape.body):
        found = resolve_dict(sm, node)
        if found is not None:
            return found, True
    src = sm.text_of(node) or "an expression"
    raise CannotFix(f"the request body `{' '.join(src.split())[:40]}` is not a dict literal the fixer can read")


def _json_dumps_dict(sm, node: ast.expr, style: str) -> Optional[ast.Dict]:
    """{...} out of json.dumps({...}) (json style) or json.dumps({...}).encode(...) (bytes style)."""
    if isinstance(node, ast.Name):
        from .bindings import single_use_assignment

        assign = single_use_assignment(sm, node)
        if assign is None:
            return None
        node = assign.value
    if style == "bytes":
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "encode"):
            return None
        node = node.func.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "dumps" \
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "json" and len(node.args) == 1:
        return resolve_dict(sm, node.args[0])
    return None


class BodyPlan:
    """What becomes of each field of the v1.1 body, decided before anything is edited."""

    def __init__(self) -> None:
        self.fix_class = SAFE
        self.notes: List[str] = []
        self.body: Optional[ast.Dict] = None
        self.renames: Dict[str, str] = {}
        self.removals: List[str] = []  # keys of dropped fields (--unsafe-fixes)
        self.additions: List[Tuple[str, str]] = []
        self.inner: Optional[ast.Dict] = None  # the build_parameters dict, when one of its keys is renamed
        self.inner_renames: Dict[str, str] = {}


def body_plan(draft: Draft, call: ast.Call, shape: Shape, rule, params: Dict[str, List[Seg]], quote: str,
              unsafe: bool) -> BodyPlan:
    """Carry out the rule's decision on the body's fields (rules/field_outcomes.py): CannotFix when a person
    decides, NeedsUnsafe when only --unsafe-fixes rewrites it."""
    if shape.body is None:
        raise CannotFix("this call shape cannot carry a JSON body")
    sm = draft.sm
    plan = BodyPlan()
    plan.body, _present = _body_dict(draft, call, shape)
    keys = literal_keys(plan.body) if plan.body is not None else {}
    decision = decide(rule, {key: _value_of(plan.body, node) for key, node in keys.items()}, path=params)
    if decision.fix == MANUAL:
        raise CannotFix("; ".join(decision.reasons))
    if decision.fix == UNSAFE and not unsafe:
        raise NeedsUnsafe("; ".join(decision.reasons))
    plan.fix_class = decision.fix
    plan.notes = decision.notes
    for field in decision.fields:
        if not field.sent:  # dropped: no v2 meaning (only here with --unsafe-fixes)
            plan.removals.append(field.name)
            continue
        to = field.to or field.name
        if field.source == "path":
            plan.additions.append((to, _path_value(sm, params[field.name], quote)))
            continue
        key_node = keys[field.name]
        if to != field.name:
            plan.renames[field.name] = _retext(sm.text_of(key_node) or string_literal(field.name, quote),
                                               field.name, to)
            if field.renames:
                _rename_parameters(sm, plan, key_node, quote, dict(field.renames))
    return plan


def _value_of(body: Optional[ast.Dict], key_node: ast.expr) -> object:
    """A field's value as far as the decision reads it: a dict literal's string keys, else the node."""
    value = next((v for k, v in zip(body.keys, body.values) if k is key_node), None) if body is not None else None
    if isinstance(value, ast.Dict) and all(isinstance(k, ast.Constant) and isinstance(k.value, str)
                                           for k in value.keys):
        return {k.value: v for k, v in zip(value.keys, value.values)}  # type: ignore[union-attr]
    return value if value is not None else key_node


def _plan_body(draft: Draft, call: ast.Call, shape: Shape, rule, params: Dict[str, List[Seg]], quote: str,
               unsafe: bool) -> Tuple[str, List[str]]:
    plan = body_plan(draft, call, shape, rule, params, quote, unsafe)
    assert shape.body is not None
    if plan.body is not None:
        edit = draft.dict(plan.body)
        edit.rename.update(plan.renames)
        edit.remove.update(plan.removals)
        if plan.inner is not None and plan.inner_renames:
            draft.dict(plan.inner).rename.update(plan.inner_renames)
        for to, value in plan.additions:
            edit.add(to, string_literal(to, quote), value)
        return plan.fix_class, plan.notes
    if has_kwsplat(call):
        raise CannotFix("the body may come in through **kwargs")
    new = NewDict(wrapper="{}" if shape.body_style == "json" else "json.dumps({}).encode()")
    for to, value in plan.additions:
        new.ensure(to, string_literal(to, quote), value)
    if shape.body_style == "bytes":
        need_import(draft, "json", "json", "import json")
    draft.call(call).add_kwargs[shape.body.keyword] = new
    return plan.fix_class, plan.notes


def _rename_parameters(sm, plan: BodyPlan, key_node: ast.expr, quote: str, renames: Dict[str, str]) -> None:
    """Build parameters whose v2 name differs (CIRCLE_JOB -> run-job, rules/job_parameter.py) are renamed in the
    dict; the decision's notes already say so."""
    body = plan.body
    if body is None:
        return
    value = next((v for k, v in zip(body.keys, body.values) if k is key_node), None)
    if not isinstance(value, ast.Dict):
        return
    for key in value.keys:
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            new = renames.get(key.value, key.value)
            if new != key.value:
                plan.inner = value
                plan.inner_renames[key.value] = _retext(sm.text_of(key) or string_literal(key.value, quote),
                                                        key.value, new)


def _retext(key_source: str, old: str, new: str) -> str:
    """The key literal with its text replaced, keeping the quote style."""
    if old in key_source:
        return key_source.replace(old, new, 1)
    return string_literal(new)


def _path_value(sm, segs: List[Seg], quote: str) -> str:
    """Code for a value taken out of the URL path: literal text is percent-decoded, quote(x) becomes x."""
    text = literal_text(segs)
    if text is not None:
        return string_literal(unquote(text), quote)
    real = [s for s in segs if not s.is_lit or s.chars]
    if len(real) == 1 and not real[0].is_lit and not real[0].conversion and not real[0].spec:
        expr = real[0].expr
        if isinstance(expr, ast.Call) and expr.args and not expr.keywords or (
                isinstance(expr, ast.Call) and expr.args and all(k.arg == "safe" for k in expr.keywords)):
            func = expr.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in _QUOTE_FUNCS:
                src = sm.expr_source(expr.args[0])
                if src is not None:
                    return src
    return expression_for(segs, sm.expr_source, quote)
