"""Can `fix` rewrite this command, and into what? (the plan; migrate/fix/curl_in_text.py writes it)

A curl trigger of a v1.1 build (any rule whose replacement is triggerPipeline)
becomes a POST to the rule's v2 path (Rule.v2_path: .../project/<slug>/pipeline) with the Circle-Token and
Content-Type headers and a JSON body with the branch or tag. What each field
of the old request becomes is the rule's decision (rules/field_outcomes.py, the
same for the Python fixer and the shim): kept fields go into the JSON body,
unsafe ones (build_parameters -> parameters) and dropped ones (parallel) only
with --unsafe-fixes, and a manual one (revision, job) leaves the command alone.

A command whose reply is read for v1.1 fields (`| jq .build_num`), whose body
comes from a file, whose URL is assembled elsewhere, or that carries no token,
is left alone and reported with the reason.

Items: a plan describes new words as lists of items, each one of
    ("lit", text)   literal characters
    ("part", Part)  a variable, substitution or template of the original command, copied as written
    ("json", text)  a JSON value written as is (a number, true/false) inside a JSON body
    ("gen", text)   shell syntax we generate that expands like a variable: ${CIRCLE_API%/api/v1.1}
    ("src", text)   text in the file's own syntax (a make substitution), copied verbatim
"""
from __future__ import annotations

import json
import re
from typing import Callable, Dict, Iterator, List, Optional, Tuple
from urllib.parse import unquote

from circleci_v2.rules import Rule, placeholder
from circleci_v2.rules.field_outcomes import decide
from circleci_v2.rules.form_names import form_entry
from circleci_v2.rules.model import FIX_CLASSES, V2PathError, strictest_fix
from circleci_v2.rules.endpoints import API_ROOT, LEGACY_VERSIONS

from ..findings import LOW
from ..request_checks import RequestChecks
from .http_tools import Arg, HttpRequest
from .resolve import Resolved
from .shell import LIT, TEMPLATE, VAR, Part, Word
from .finding_site import TextSite

Item = Tuple[str, object]
_PH = re.compile("[\ue000-\uf3ff]")
SAFE, UNSAFE, MANUAL = FIX_CLASSES


def _token_query_names() -> Tuple[str, ...]:
    """The query names the token travels under (circle-token), as the catalogue's token rule says."""
    from circleci_v2.rules import load_catalogue  # cached: the catalogue the analysis already loaded

    return load_catalogue().token_query_names()


def is_trigger(rule: Rule) -> bool:
    return rule.triggers_pipeline


class Plan:
    """What the fixer writes for one command, and how safe that is."""

    def __init__(self) -> None:
        self.level = SAFE
        self.reasons: List[str] = []
        self.url: Optional[List[Item]] = None  # the new URL word (None: keep it)
        self.url_style = '"'
        self.body: List[Tuple[str, List[Item]]] = []  # safe JSON body fields
        self.parameters: List[Tuple[str, List[Item]]] = []  # pipeline parameters (with --unsafe-fixes)
        self.token: Optional[List[Item]] = None  # a token to send in a new Circle-Token header
        self.add_accept = False
        self.add_content_type = False
        self.json_body = False  # write a JSON body (-d '{...}')
        self.remove: List[Arg] = []  # options to delete
        self.notes: List[str] = []  # what the rewrite does with the fields (moved, dropped), for the report

    def need(self, level: str, reason: str = "") -> None:
        self.level = strictest_fix((self.level, level))
        if reason and reason not in self.reasons:
            self.reasons.append(reason)


def plan_fix(rule: Rule, site: TextSite, confidence: str) -> Tuple[str, List[str]]:
    """(fix level of the finding, reasons the fix is limited)."""
    if rule.fix == MANUAL:
        return MANUAL, []
    if confidence == LOW:
        return MANUAL, []
    req = site.request
    if req.tool != "curl":
        return MANUAL, [f"`fix` rewrites curl commands only: rewrite this {req.tool} call by hand"]
    if site.segment.unfixable:
        return MANUAL, [site.segment.unfixable]
    if req.command.unbalanced:
        return MANUAL, ["a quote in this script never closes, so where the command ends is a guess: "
                        "rewrite it by hand"]
    plan = plan_for(rule, site)
    if plan is None:
        return MANUAL, [f"`fix` rewrites the curl trigger calls of {site.kind} files, not this call: "
                        "see the rule's guidance"]
    level = rule.fix if plan.level == SAFE else plan.level
    return level, plan.reasons


def plan_for(rule: Rule, site: TextSite) -> Optional[Plan]:
    """The plan for `rule` on this command; None when `fix` has nothing for this rule."""
    if rule.kind == "endpoint":
        return trigger_plan(rule, site) if is_trigger(rule) else None
    if rule.kind == "request" and rule.request_check is not None:
        return TEXT_FIXES[rule.request_check](rule, site)
    return None


# a rule's `request.check` -> the plan that settles it on one command
TEXT_FIXES: RequestChecks[Callable[[Rule, TextSite], Optional[Plan]]] = RequestChecks("the text fixer")


@TEXT_FIXES("accept")
def _accept_plan(rule: Rule, site: TextSite) -> Optional[Plan]:
    plan = Plan()
    plan.add_accept = True
    return plan


@TEXT_FIXES("route")
def _route_plan(rule: Rule, site: TextSite) -> Optional[Plan]:
    return None  # a route the file does not show: a person follows the callers (the rule's fix is manual)


@TEXT_FIXES("query-token")
def _token_plan(rule: Rule, site: TextSite) -> Optional[Plan]:
    return token_plan(site)


# ---- the trigger rewrite ----------------------------------------------------------------------------

def trigger_plan(rule: Rule, site: TextSite) -> Plan:
    plan = Plan()
    req, url, match = site.request, site.url, site.match
    assert match is not None and req.url is not None
    word = req.url
    plan.url_style = _style_of(word)
    m = API_ROOT.search(url.text)
    if m is None or m.group(1) not in LEGACY_VERSIONS:
        plan.need(MANUAL, "the API root (/api/v1.1) is not in the command")
        return plan
    prefix = _prefix_items(site, m.start(), m.end(), plan)
    if prefix is None:
        return plan
    path_end = len(url.text)
    for sep in "?#":
        pos = url.text.find(sep, m.end())
        if pos != -1:
            path_end = min(path_end, pos)
    params = _path_params(site, m.end(), path_end, match.endpoint.template.relative, plan)
    if params is None:
        return plan
    path = _v2_path(rule, params, plan)
    if path is None:
        return plan
    plan.url = prefix + path
    # the query string: only the token may be there
    token_query = _query_token(site, path_end, plan)
    body_fields, body_params = _body(site, plan)
    if plan.level == MANUAL and body_fields is None:
        return plan
    _plan_fields(rule, params, body_fields or {}, body_params, plan)
    # the token: query string or -u moves to the Circle-Token header
    headers = req.header_names()
    has_token_header = "circle-token" in headers or "authorization" in headers or any(
        a.name == "--oauth2-bearer" for a in req.args)
    if token_query is not None:
        if not has_token_header:
            plan.token = token_query
    elif req.user is not None and req.user.name == "--user":
        token = _user_token(req.user, plan)
        if token is not None:
            plan.remove.append(req.user)
            if not has_token_header:
                plan.token = token
    elif not has_token_header:
        if req.opaque_options or None in headers:
            plan.need(MANUAL, "the API token is not visible in the command (headers or options come from a "
                              "variable); v2 needs it in the Circle-Token header")
        else:
            plan.need(MANUAL, "no API token in the command: v2 needs a personal API token in the "
                              "Circle-Token header")
    # headers: drop a Content-Type (the body becomes JSON), add ours
    for arg, name in zip([a for a in req.args if a.name == "--header"], _arg_header_names(req)):
        if name == "content-type":
            plan.remove.append(arg)
    plan.add_content_type = True
    plan.json_body = True
    plan.remove.extend(req.data)
    _check_reply(rule, site, plan)
    return plan


def _plan_fields(rule: Rule, params: Dict[str, List[Item]], body: Dict[str, List[Item]],
                 body_params: List[Tuple[str, List[Item]]], plan: Plan) -> None:
    """Carry out the rule's decision on the command's fields (rules/field_outcomes.py) into the plan."""
    given: Dict[str, object] = dict(body)
    if body_params:
        given["build_parameters"] = dict(body_params)
    decision = decide(rule, given, path=params)
    for field in decision.sent():
        if field.name != "build_parameters":
            value = _percent_decoded(params[field.name]) if field.source == "path" else body[field.name]
            plan.body.append((field.to or field.name, value))
            continue
        # a v2 name of its own (CIRCLE_JOB -> run-job: a workflow of the config runs the job)
        renames = dict(field.renames)
        plan.parameters = [(renames.get(n, n), v) for n, v in body_params]
    if decision.fix == UNSAFE:
        plan.need(UNSAFE, "needs --unsafe-fixes: " + "; ".join(decision.reasons))
    elif decision.fix == MANUAL:
        plan.need(MANUAL, "; ".join(decision.reasons))
    plan.notes.extend(decision.notes)


def _arg_header_names(req: HttpRequest) -> List[Optional[str]]:
    names = []
    for arg in req.args:
        if arg.name != "--header":
            continue
        first = arg.value.parts[0] if arg.value is not None and arg.value.parts else None
        if first is None or first.kind != LIT or ":" not in first.text:
            names.append(None)
        else:
            names.append(first.text.split(":", 1)[0].strip().lower())
    return names


def _style_of(word: Word) -> str:
    for p in word.parts:
        if p.quote in ('"', "'"):
            return p.quote if p.quote == '"' or all(q.kind == LIT for q in word.parts) else '"'
    return ""


def _literal(items: List[Item]) -> Optional[str]:
    if all(k == "lit" for k, _ in items):
        return "".join(str(v) for _, v in items)
    return None


def _items_for(site: TextSite, start: int, end: int, plan: Plan, what: str) -> Optional[List[Item]]:
    """Items for url.text[start:end]: literal characters of the word, whole parts for anything else."""
    url, word = site.url, site.request.url
    assert word is not None
    items: List[Item] = []
    tops_seen: List[int] = []
    for pos in range(start, end):
        atom = url.atoms[url.owner[pos]]
        top = word.parts[atom.top]
        if top.kind == LIT and atom.via is None:
            if items and items[-1][0] == "lit":
                items[-1] = ("lit", str(items[-1][1]) + url.text[pos])
            else:
                items.append(("lit", url.text[pos]))
            continue
        if atom.top in tops_seen:
            continue
        # the whole part must lie inside this piece of the URL
        first, last = _top_span(url, atom.top)
        if first < start or last > end:
            plan.need(MANUAL, f"{_label(top)} holds more than the {what}: rewrite the URL by hand")
            return None
        tops_seen.append(atom.top)
        items.append(("part", top))
    return items


def _top_span(url: Resolved, top: int) -> Tuple[int, int]:
    first, last = -1, -1
    pos = 0
    for atom in url.atoms:
        if atom.top == top:
            if first < 0:
                first = pos
            last = pos + len(atom.text)
        pos += len(atom.text)
    return first, last


def _v2_path(rule: Rule, params: Dict[str, List[Item]], plan: Plan) -> Optional[List[Item]]:
    """The rule's v2 path (Rule.v2_path) as items: its text literal, the command's own parts copied."""
    given: Dict[str, object] = dict(params)
    vcs = _literal(params["vcs"]) if "vcs" in params else None
    if vcs is not None:
        given["vcs"] = vcs  # written out: the rule shortens github to gh
    try:
        parts = rule.v2_path(given)
    except V2PathError as e:
        plan.need(MANUAL, str(e))
        return None
    items: List[Item] = []
    for part in parts:
        items.extend([("lit", part)] if isinstance(part, str) else part)  # type: ignore[arg-type]
    return items


def _label(part: Part) -> str:
    if part.kind == VAR:
        return "$" + part.text
    return part.text


def _prefix_items(site: TextSite, root_start: int, root_end: int, plan: Plan) -> Optional[List[Item]]:
    """Everything before /api/v1.1 as written, with the root removed (it becomes /api/v2)."""
    url, word = site.url, site.request.url
    assert word is not None
    atom = url.atoms[url.owner[root_start]]
    top = word.parts[atom.top]
    if atom.via is None and top.kind == LIT:
        return _items_for(site, 0, root_start, plan, "base URL")
    first, last = _top_span(url, atom.top)
    ends_at_root = last == root_end or (last == root_end + 1 and url.text[root_end] == "/")
    make_var = top.kind == TEMPLATE and site.segment.container == "makefile" and re.match(
        r"^\$[({][A-Za-z_][A-Za-z0-9_.-]*[)}]$", top.text) is not None
    if not ends_at_root or not ((top.kind == VAR and top.op == "") or make_var):
        plan.need(MANUAL, f"the API root comes from {_label(top)}, which holds more than the base URL: "
                          "rewrite the URL by hand")
        return None
    items = _items_for(site, 0, first, plan, "base URL")
    if items is None:
        return None
    root = url.text[root_start:last]
    if make_var:
        # a make substitution reference strips the suffix: $(CIRCLE_API:/api/v1.1=)
        items.append(("src", f"{top.text[:-1]}:{root}={top.text[-1]}"))
    else:
        # the shell strips the suffix: ${CIRCLE_API%/api/v1.1}
        items.append(("gen", "${%s%%%s}" % (top.text, root)))
    return items


def _path_params(site: TextSite, start: int, end: int, template: str,
                 plan: Plan) -> Optional[Dict[str, List[Item]]]:
    """The URL path after the root, split by the rule's path template into its parameters."""
    text = site.url.text
    # the positions of each path segment (split at literal slashes)
    bounds: List[Tuple[int, int]] = []
    seg_start = start + 1 if text[start:start + 1] == "/" else start
    pos = seg_start
    while pos <= end:
        if pos == end or text[pos] == "/":
            bounds.append((seg_start, pos))
            seg_start = pos + 1
        pos += 1
    if bounds and bounds[-1][0] == bounds[-1][1]:
        bounds.pop()  # a trailing slash
    tmpl = [s for s in template.strip("/").split("/") if s]
    out: Dict[str, List[Item]] = {}
    for n, name in enumerate(tmpl):
        if n >= len(bounds):
            plan.need(MANUAL, "the URL path does not split into the rule's parameters")
            return None
        if not name.startswith(":"):
            continue
        s, e = bounds[n]
        if n == len(tmpl) - 1:
            e = bounds[-1][1]  # the last parameter takes the rest (a branch may hold slashes)
        items = _items_for(site, s, e, plan, name[1:])
        if items is None:
            return None
        out[name[1:]] = items
    if len(bounds) > len(tmpl) and not tmpl[-1].startswith(":"):
        plan.need(MANUAL, "the URL path does not split into the rule's parameters")
        return None
    return out


def _percent_decoded(items: List[Item]) -> List[Item]:
    return [(k, unquote(str(v))) if k == "lit" else (k, v) for k, v in items]


def _query_pairs(text: str, start: int, end: int) -> Iterator[Tuple[str, int, int, int]]:
    """The `key=value` pairs of a query string text[start:end] (after its `?`): (key, where the pair starts,
    where its value starts or -1 for a key without `=`, where the pair ends)."""
    pos = start
    while pos < end:
        amp = text.find("&", pos, end)
        amp = end if amp == -1 else amp
        eq = text.find("=", pos, amp)
        yield text[pos:eq if eq != -1 else amp], pos, (eq + 1 if eq != -1 else -1), amp
        pos = amp + 1


def _query_end(text: str, start: int) -> int:
    """Where the query string starting at `start` ends: at its fragment (#...), or at the end of the URL."""
    hash_at = text.find("#", start)
    return len(text) if hash_at == -1 else hash_at


def _query_token(site: TextSite, query_start: int, plan: Plan) -> Optional[List[Item]]:
    """The token in ?circle-token=...; other query parameters make the rewrite manual."""
    text = site.url.text
    if query_start >= len(text) or text[query_start] != "?":
        return None
    token: Optional[List[Item]] = None
    names = _token_query_names()
    for key, _, value_at, end in _query_pairs(text, query_start + 1, _query_end(text, query_start + 1)):
        if key.lower() in names and value_at != -1:
            token = _items_for(site, value_at, end, plan, "token")
            if token is None:
                return None
        elif key:
            plan.need(MANUAL, f"the query parameter `{key}` has no v2 equivalent on the trigger")
    return token


def _user_token(arg: Arg, plan: Plan) -> Optional[List[Item]]:
    """-u "$TOKEN:" -> the token (v1.1 took the token as the user name, with no password)."""
    word = arg.value
    if word is None:
        return None
    items: List[Item] = []
    colon_seen = False
    for p in word.parts:
        if p.kind == LIT:
            if colon_seen:
                if p.text:
                    plan.need(MANUAL, "-u carries a user and a password, not an API token")
                    return None
                continue
            if ":" in p.text:
                before, _, after = p.text.rpartition(":")
                if after:
                    plan.need(MANUAL, "-u carries a user and a password, not an API token")
                    return None
                if before:
                    items.append(("lit", before))
                colon_seen = True
            else:
                items.append(("lit", p.text))
        else:
            if colon_seen:
                plan.need(MANUAL, "-u carries a user and a password, not an API token")
                return None
            items.append(("part", p))
    if not items:
        return None
    return items


def request_body(site: TextSite) -> Tuple[Optional[Dict[str, List[Item]]], List[Tuple[str, List[Item]]]]:
    """The fields and the parameters (build_parameters, or a v2 body's parameters) of a command's body, read as
    the trigger rewrite reads them; (None, []) when the body cannot be read (the text analyser records them)."""
    return _body(site, Plan())


def _body(site: TextSite, plan: Plan) -> Tuple[Optional[Dict[str, List[Item]]], List[Tuple[str, List[Item]]]]:
    """The fields and build parameters of a curl body (form or JSON)."""
    req = site.request
    fields: Dict[str, List[Item]] = {}
    params: List[Tuple[str, List[Item]]] = []
    if req.get_data:
        return fields, params
    content_type = req.header_value("content-type")
    ct = content_type.literal.lower() if content_type is not None and content_type.literal else ""
    for arg in req.data:
        word = arg.value
        if word is None:
            continue
        text, parts = _with_placeholders(word)
        if text.startswith("@") and arg.name not in ("--data-raw", "--form-string"):
            plan.need(MANUAL, f"the request body comes from a file ({text}): rewrite it by hand")
            return None, []
        if arg.name == "--json" or "json" in ct or text.lstrip().startswith("{"):
            ok = _json_body(text, parts, fields, params, plan)
            if not ok:
                return None, []
            continue
        for piece in text.split("&"):
            if not piece:
                continue
            key, eq, value = piece.partition("=")
            if not eq:
                plan.need(MANUAL, f"cannot read the form field `{key}`")
                return None, []
            key = unquote(key) if arg.name != "--data-urlencode" else key
            items = _split_items(value, parts, decode=arg.name not in ("--data-urlencode", "--form",
                                                                         "--form-string"))
            parameter = form_entry(key, "build_parameters")
            if parameter is not None:
                params.append((parameter, _typed(items)))
            else:
                fields[key] = items
    return fields, params


def _typed(items: List[Item]) -> List[Item]:
    """A form value that reads as a boolean or integer becomes one: the parameter stanza guesses the same."""
    from ..pipeline_parameters import typed_value

    if len(items) == 1 and items[0][0] == "lit":
        value = typed_value(str(items[0][1]))
        if not isinstance(value, str):
            return [("json", json.dumps(value))]
    return items


def _with_placeholders(word: Word) -> Tuple[str, Dict[str, Part]]:
    parts: Dict[str, Part] = {}
    out: List[str] = []
    for p in word.parts:
        if p.kind == LIT:
            out.append(p.text)
        else:
            ch = placeholder(len(parts))
            parts[ch] = p
            out.append(ch)
    return "".join(out), parts


def _split_items(value: str, parts: Dict[str, Part], decode: bool) -> List[Item]:
    items: List[Item] = []
    pos = 0
    for m in _PH.finditer(value):
        if m.start() > pos:
            lit = value[pos:m.start()]
            items.append(("lit", unquote(lit.replace("+", " ")) if decode else lit))
        if m.group(0) in parts:
            items.append(("part", parts[m.group(0)]))
        pos = m.end()
    if pos < len(value):
        lit = value[pos:]
        items.append(("lit", unquote(lit.replace("+", " ")) if decode else lit))
    return items


def _json_body(text: str, parts: Dict[str, Part], fields: Dict[str, List[Item]],
               params: List[Tuple[str, List[Item]]], plan: Plan) -> bool:
    # a placeholder outside a JSON string is a bare value ("parallel": $N): quote it to parse
    out: List[str] = []
    bare = set()
    in_string = False
    escaped = False
    for ch in text:
        if in_string:
            out.append(ch)
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
            out.append(ch)
        elif ch in parts:
            bare.add(ch)
            out.append('"' + ch + '"')
        else:
            out.append(ch)
    try:
        data = json.loads("".join(out))
    except ValueError:
        plan.need(MANUAL, "cannot read the JSON body")
        return False
    if not isinstance(data, dict):
        plan.need(MANUAL, "the JSON body is not an object")
        return False

    def items_of(value: object) -> Optional[List[Item]]:
        if isinstance(value, str):
            if value in bare:
                return [("json", parts[value])]
            return _split_items(value, parts, decode=False)
        if isinstance(value, bool) or isinstance(value, (int, float)) or value is None:
            return [("json", json.dumps(value))]
        return None

    for key, value in data.items():
        if key in ("build_parameters", "parameters"):
            if not isinstance(value, dict):
                plan.need(MANUAL, "build_parameters is not an object")
                return False
            for pk, pv in value.items():
                items = items_of(pv)
                if items is None:
                    plan.need(MANUAL, f"the build parameter `{pk}` is not a string, number or boolean")
                    return False
                params.append((pk, items))
            continue
        items = items_of(value)
        if items is None:
            plan.need(MANUAL, f"`{key}` in the JSON body is not a plain value")
            return False
        fields[key] = items
    return True


def _check_reply(rule: Rule, site: TextSite, plan: Plan) -> None:
    """A reply read for v1.1 fields (| jq .build_num) cannot be rewritten: v2 answers with a pipeline."""
    fields = [str(f) for f in rule.reply.get("v11_fields", []) or []]
    action = rule.reply.get("reads-fields")
    if not fields or action == "rewrite":
        return
    readers = _reply_readers(site)
    if not readers:
        return
    pattern = re.compile(r"(?:\.|\[\s*[\"']|[\"'])(%s)\b" % "|".join(re.escape(f) for f in fields))
    for text in readers:
        m = pattern.search(text)
        if m is not None:
            plan.need(MANUAL, f"the script reads `{m.group(1)}` from the reply, a v1.1 build field; v2 answers "
                              "with a pipeline (id, number, state, created_at): read its workflows "
                              "(listWorkflowsByPipelineId) instead")
            return


def _reply_readers(site: TextSite) -> List[str]:
    """Text of the commands that read this command's output."""
    cmd, seg, commands = site.request.command, site.segment, site.commands
    texts: List[str] = []
    if cmd.pipe_out:
        for other in commands[cmd.index + 1:]:
            if other.start < cmd.end:
                continue
            texts.append(seg.text[other.start:other.end])
            if not other.pipe_out:
                break
    holders: List[str] = []
    if cmd.captured:
        for other in commands:
            for name, value in other.assignments:
                if value.start <= cmd.start and cmd.end <= value.end:
                    holders.append(name)
            if other.words and other.words[0].literal in ("export", "local", "readonly", "declare"):
                for w in other.words[1:]:
                    if w.start <= cmd.start and cmd.end <= w.end and w.parts and w.parts[0].kind == LIT:
                        holders.append(w.parts[0].text.split("=", 1)[0])
        if not holders:  # used in place: the enclosing command reads it
            for other in commands:
                if other is not cmd and other.start <= cmd.start and cmd.end <= other.end:
                    texts.append(seg.text[other.start:other.end])
    output = site.request.output
    if output is not None and output.literal not in (None, "/dev/null", "-"):
        holders.append(output.literal or "")
    for name in holders:
        ref = re.compile(r"\$\{?%s\b" % re.escape(name)) if re.match(r"^\w+$", name) else None
        following = False  # the rest of a pipeline that starts with a command reading the holder
        for other in commands:
            if other.start <= cmd.end:
                continue
            body = seg.text[other.start:other.end]
            if following or (ref is not None and ref.search(body)) or (ref is None and name in body):
                texts.append(body)
                following = other.pipe_out
    return texts


# ---- the token and Accept fixes (any v1.1 call) ----------------------------------------------------------

def token_plan(site: TextSite) -> Plan:
    """Move ?circle-token=... from the URL into the Circle-Token header."""
    plan = Plan()
    url, word = site.url, site.request.url
    assert word is not None
    q = url.text.find("?")
    if q == -1:
        plan.need(MANUAL, "the token is sent by an option, not in the URL: move it to the Circle-Token header")
        return plan
    plan.url_style = _style_of(word)
    end = _query_end(url.text, q)
    keep: List[Tuple[int, int]] = []
    token: Optional[List[Item]] = None
    names = _token_query_names()
    for key, pair_at, value_at, pair_end in _query_pairs(url.text, q + 1, end):
        if key.lower() in names and value_at != -1:
            token = _items_for(site, value_at, pair_end, plan, "token")
            if token is None:
                return plan
        else:
            keep.append((pair_at, pair_end))
    if token is None:
        plan.need(MANUAL, "the token is not in the URL itself: move it to the Circle-Token header by hand")
        return plan
    items = _items_for(site, 0, q, plan, "URL")
    if items is None:
        return plan
    for n, (s, e) in enumerate(keep):
        part_items = _items_for(site, s, e, plan, "query")
        if part_items is None:
            return plan
        items.append(("lit", "?" if n == 0 else "&"))
        items.extend(part_items)
    if end < len(url.text):
        rest = _items_for(site, end, len(url.text), plan, "fragment")
        if rest is None:
            return plan
        items.extend(rest)
    plan.url = items
    if "circle-token" not in site.request.header_names():
        plan.token = token
    return plan
