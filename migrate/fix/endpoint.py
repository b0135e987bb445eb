"""Rewrite a raw HTTP call of a v1.1 endpoint to its v2 replacement, as the rule describes it.

Everything comes from the rule: the new path (`replacement.path`, with
{project-slug} built from :vcs/:user/:project and github/bitbucket shortened
to gh/bb), which v1.1 fields carry over and how (`body`: keep, unsafe, drop,
manual, and `from: path` for a field that moves out of the URL, such as the
branch of .../tree/:branch), and what to do when the code reads the reply
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

from circleci_v2.rules.model import V2PathError

from .edits import NewDict
from .interface import SAFE, UNSAFE, CannotFix, NeedsUnsafe
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
        self.additions: List[Tuple[str, str]] = []
        self.inner: Optional[ast.Dict] = None  # the build_parameters dict, when one of its keys is renamed
        self.inner_renames: Dict[str, str] = {}


def body_plan(draft: Draft, call: ast.Call, shape: Shape, rule, params: Dict[str, List[Seg]], quote: str,
              unsafe: bool) -> BodyPlan:
    """Check every body field against the rule; CannotFix for a manual or unknown one, NeedsUnsafe when needed."""
    if shape.body is None:
        raise CannotFix("this call shape cannot carry a JSON body")
    sm = draft.sm
    plan = BodyPlan()
    plan.body, _present = _body_dict(draft, call, shape)
    keys = literal_keys(plan.body) if plan.body is not None else {}
    final_keys = []
    for key, key_node in keys.items():
        mapping = rule.field_mapping(key)
        if mapping is not None and mapping.source == "path" and mapping.name in params:
            raise CannotFix(f"`{key}` is both in the URL and in the body")
        if mapping is None or mapping.source != "body":
            raise CannotFix(f"the body field `{key}` has no v2 equivalent in {rule.id}")
        if mapping.action == "keep":
            new_key = mapping.to or key
        elif mapping.action == "unsafe":
            if not unsafe:
                raise NeedsUnsafe(f"`{key}` -> `{mapping.to}`: {mapping.note}")
            new_key = mapping.to or key
            plan.fix_class = UNSAFE
            plan.notes.append(f"{key} -> {new_key} (unsafe: {mapping.note})")
        else:  # drop or manual: v2 has no place for it; a person decides
            raise CannotFix(f"`{key}`: {mapping.note}")
        if new_key != key:
            plan.renames[key] = _retext(sm.text_of(key_node) or string_literal(key, quote), key, new_key)
            if mapping.action == "unsafe" and key == "build_parameters":
                _rename_parameters(sm, plan, key_node, quote)
        final_keys.append(new_key)
    for mapping in rule.body:
        if mapping.source != "path" or mapping.name not in params:
            continue
        if mapping.action != "keep":
            raise CannotFix(f"`{mapping.name}` in the path: {mapping.note}")
        to = mapping.to or mapping.name
        if to in final_keys:
            raise CannotFix(f"`{to}` is both in the URL and in the body")
        plan.additions.append((to, _path_value(sm, params[mapping.name], quote)))
        final_keys.append(to)
        plan.notes.append(f"{mapping.name} moved from the URL into the JSON body")
    if "branch" in final_keys and "tag" in final_keys:
        raise CannotFix("v2 triggers a branch or a tag, not both")
    return plan


def _plan_body(draft: Draft, call: ast.Call, shape: Shape, rule, params: Dict[str, List[Seg]], quote: str,
               unsafe: bool) -> Tuple[str, List[str]]:
    plan = body_plan(draft, call, shape, rule, params, quote, unsafe)
    assert shape.body is not None
    if plan.body is not None:
        edit = draft.dict(plan.body)
        edit.rename.update(plan.renames)
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


def _rename_parameters(sm, plan: BodyPlan, key_node: ast.expr, quote: str) -> None:
    """Build parameters whose v2 name differs (CIRCLE_JOB -> run-job, config_plan) are renamed in the dict."""
    from ..config_plan import pipeline_parameter_name

    body = plan.body
    if body is None:
        return
    value = next((v for k, v in zip(body.keys, body.values) if k is key_node), None)
    if not isinstance(value, ast.Dict):
        return
    for key in value.keys:
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            new = pipeline_parameter_name(key.value)
            if new != key.value:
                plan.inner = value
                plan.inner_renames[key.value] = _retext(sm.text_of(key) or string_literal(key.value, quote),
                                                        key.value, new)
                plan.notes.append(f"{key.value} -> {new} (a workflow of the config runs the job)")


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
