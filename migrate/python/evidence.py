"""Routes written in a file, whether or not a call that sends them was resolved.

The request analysis (analyse.py) reports a call when it can tell which HTTP
call sends which URL. Real code often hides one of the two: a team's own
wrapper (`util.requests_post(url)`), a relative route joined to a base that
lives in configuration (`'project/{0}/{1}/{2}/{3}/retry'.format(...)`), an
endpoint table (`{'method': 'POST', 'path': '/project/...'}`). Here every
string expression that builds a v1.1 route is a site of its own: evidence
first, resolution second. What could be resolved (the verb, the API root)
decides the rule and the reason; a site found only here is always low
confidence, so `fix` leaves it for a person.

A route is looked for in string literals (never in docstrings; comments are
not in the tree) and evaluated as the expression around it builds it: an
f-string, `+`, `%`, `.format`, `'/'.join([...])`, `urljoin`, uritemplate,
and string methods. A route without its /api/v1.1 or /api/v1 root is reported
only in a file that shows CircleCI evidence (the word outside comments), and,
for the routes that say little on their own (`/project/:vcs/:user/:project`,
`/me`, `/projects`), only when the expression names CircleCI or spells a VCS.
Mock registrations in tests (`responses.add`, `httpretty.register_uri`) are
not reported: they describe a fake server, and change with the code they test.
"""
from __future__ import annotations

import ast
import functools
import re
from typing import Dict, FrozenSet, Iterator, List, Optional, Sequence, Set, Tuple

from circleci_v2.rules import PLACEHOLDER, RuleMatch, split_api_url
from circleci_v2.rules.endpoints import VCS_SLUGS

from ..rulefiles import route_roots, weak_route_roots
from .command_runners import RUNNER_NAMES, SHOWN
from .curl_calls import CurlCommand
from .evaluate import Evaluator, Frame, label_of, param_said, resolve_url
from .http_calls import command_line
from .index import ModuleIndex, Scope
from .values import Qual

VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_VERB_WORDS = {v.lower() for v in VERBS}
# a literal that may hold (part of) a v1.1 route; the evaluation decides
# (each route root's last segment, generated from the catalogue; a two-letter one only as a whole word)
HINT = re.compile("|".join(
    sorted({re.escape(last) if len(last) > 2 else rf"/{re.escape(last)}\b|^{re.escape(last)}\b"
            for last in (root.strip("/").rsplit("/", 1)[-1] for root in route_roots())}) + ["/api/v1"]),
    re.IGNORECASE)
# string methods that keep a route's shape (case, surrounding slashes and spaces, encoding)
STR_METHODS = frozenset({"format", "format_map", "lower", "upper", "strip", "rstrip", "lstrip", "replace",
                         "removeprefix", "removesuffix"})
# functions whose result is built from a string argument of the same shape
_SHAPE_FUNCS = frozenset({"urljoin", "quote", "quote_plus", "expand", "URITemplate", "str"})
_BUILDERS = _SHAPE_FUNCS | STR_METHODS | {"join", "urlencode"}
_TABLE_VERB_KEYS = frozenset({"method", "methods", "verb", "http_method", "httpmethod", "request_method"})
_SINKS = SHOWN  # calls that show a string to a person: a URL in a message is not a request
_COMMAND_FUNCS = RUNNER_NAMES  # calls that run a command line (command_runners.py)
_MOCK_METHODS = frozenset({"add", "add_callback", "register_uri", "replace", "upsert", "get", "post", "put", "patch",
                           "delete", "head"})
_MOCK_ROOT = re.compile(r"^(responses|httpretty|rsps|requests_mock|aioresponses|respx|mock\w*|\w*_mock|m)$")
_COMMENT = re.compile(r"#[^\n]*")
_POST = re.compile(r"\bpost\b|\b(?:data|json)\s*=", re.IGNORECASE)
_CIRCLE = re.compile(r"circle", re.IGNORECASE)
_VCS = frozenset(VCS_SLUGS)  # the VCS names a v1.1 route spells (github, gh, bitbucket, bb)
# first-segment routes that say little on their own (the weak route roots, generated: me, projects):
# reported without their root only with more evidence
_WEAK_FIRST = frozenset(root.strip("/") for root in weak_route_roots())
_URL_BASE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/]*|[\x00\ue000-\uf8ff][^\s]*|[^\s/:]*)$")
_LEADING_PH = re.compile("^[\x00\ue000-\uf8ff]*")


class RouteSite:
    """One string expression that builds a v1.1 route, and what its surroundings tell."""

    __slots__ = ("node", "url", "labels", "resolved", "verb", "verb_how", "rooted", "send", "direct", "sends",
                 "send_verbs", "stated", "extended", "command")

    def __init__(self, node: ast.expr) -> None:
        self.node = node
        self.url = None  # ResolvedUrl
        self.labels: Dict[str, str] = {}
        self.resolved = None  # the url template matched (with a placeholder root for a relative route)
        self.verb: Optional[str] = None
        self.verb_how = ""  # where the verb was read, or what it depends on
        self.rooted = False  # the /api/v1.1 or /api/v1 root is part of the expression
        self.send: Optional[ast.Call] = None  # the call the route is handed to, when one is visible
        self.direct = False  # the route is an argument of `send` itself (not through a name)
        self.sends: List[ast.Call] = []  # every call the route (or the name holding it) is handed to
        self.send_verbs: List[Tuple[ast.Call, Optional[str]]] = []  # those calls (not messages) and their verbs
        self.stated = False  # the verb is written beside the route (a table, the call it reaches)
        self.extended: List[ast.expr] = []  # arguments that build a longer route on this one
        self.command: Optional[CurlCommand] = None  # the string is a curl (wget, httpie) command line


def sends_post(source: str) -> bool:
    """Something in the file (outside comments) could send POST: the word, or a request body."""
    return _POST.search(_COMMENT.sub("", source)) is not None


def circle_evidence(source: str) -> bool:
    """The file names CircleCI outside comments (a relative route alone is not enough)."""
    if _CIRCLE.search(source) is None:
        return False
    return _CIRCLE.search(_COMMENT.sub("", source)) is not None


class RouteFinder:
    def __init__(self, tree: ast.Module, ix: ModuleIndex, source: str) -> None:
        self.tree = tree
        self.ix = ix
        self.source = source
        self._parents: Optional[Dict[int, ast.AST]] = None
        self.hints: List[ast.Constant] = []
        self.docstrings: Set[int] = set()
        self.shim_names: Set[str] = set()  # names bound to circleci_v2 modules (the drop-ins run v2)
        self._shim_senders: Optional[Set[str]] = None
        self._walk()

    @property
    def parents(self) -> Dict[int, ast.AST]:
        """Each node's parent, built only for a file with a route no call accounts for."""
        if self._parents is None:
            self._parents = {id(child): node for node in ast.walk(self.tree) for child in ast.iter_child_nodes(node)}
        return self._parents

    def _walk(self) -> None:
        """The literals that may hold a route (the index collected every string literal in an expression;
        docstrings are bare statements and not among them)."""
        if HINT.search(self.source) is None:
            return
        search = HINT.search
        self.hints = [c for c in self.ix.strings if search(c.value)]
        for node, _scope in self.ix.imports:
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("circleci_v2"):
                self.shim_names.update(a.asname or a.name for a in node.names)
            elif isinstance(node, ast.Import):
                self.shim_names.update((a.asname or a.name).split(".")[0] for a in node.names
                                       if a.name.startswith("circleci_v2"))
        self.docstrings = self.ix.prose

    # ---- the expression around a literal ----------------------------------------------------------

    def top_of(self, node: ast.expr) -> ast.expr:
        """The whole string expression a literal is part of."""
        parents = self.parents
        cur: ast.AST = node
        while True:
            p = parents.get(id(cur))
            if p is None:
                return cur  # type: ignore[return-value]
            if isinstance(p, ast.JoinedStr):
                cur = p
            elif isinstance(p, ast.FormattedValue):
                if p.format_spec is cur:
                    return cur  # type: ignore[return-value]
                cur = p
            elif isinstance(p, ast.BinOp) and (isinstance(p.op, ast.Add) or (isinstance(p.op, ast.Mod)
                                                                             and p.left is cur)):
                cur = p
            elif isinstance(p, ast.Attribute) and p.attr in STR_METHODS:
                gp = parents.get(id(p))
                if isinstance(gp, ast.Call) and gp.func is p:
                    cur = gp
                else:
                    return cur  # type: ignore[return-value]
            elif isinstance(p, (ast.List, ast.Tuple)):
                gp = parents.get(id(p))
                if (isinstance(gp, ast.Call) and isinstance(gp.func, ast.Attribute) and gp.func.attr == "join"
                        and p in gp.args):
                    cur = gp
                else:
                    return cur  # type: ignore[return-value]
            elif isinstance(p, ast.Call) and cur in p.args and _callee_name(p) in _SHAPE_FUNCS:
                cur = p
                # URITemplate(t).expand(...): the expansion is the string
                gp = parents.get(id(p))
                if isinstance(gp, ast.Attribute) and gp.attr == "expand":
                    ggp = parents.get(id(gp))
                    if isinstance(ggp, ast.Call) and ggp.func is gp:
                        cur = ggp
            else:
                return cur  # type: ignore[return-value]

    def scope_of(self, node: ast.AST) -> Scope:
        cur: Optional[ast.AST] = self.parents.get(id(node))
        while cur is not None:
            if isinstance(cur, (ast.FunctionDef, ast.AsyncFunctionDef)):
                info = self.ix.funcs.get(id(cur))
                if info is not None:
                    return info.scope
            elif isinstance(cur, ast.ClassDef):
                cinfo = self.ix.classes.get(id(cur))
                if cinfo is not None:
                    return cinfo.scope
            cur = self.parents.get(id(cur))
        return self.ix.module

    # ---- candidates -------------------------------------------------------------------------------

    def candidates(self, skip: Set[int]) -> Iterator[ast.expr]:
        """Top expressions holding a route hint, each once, not yet covered by a reported call."""
        seen: Set[int] = set()
        for const in self.hints:
            if id(const) in skip or id(const) in self.docstrings:
                continue
            top = self.top_of(const)
            if id(top) in seen or id(top) in self.docstrings:
                continue
            seen.add(id(top))
            if any(id(n) in skip for n in ast.walk(top) if isinstance(n, ast.Constant)):
                continue
            # a helper that returns (part of) a route: its callers send it, often extended
            # (`self._project_url(slug) + "/follow"`), so the sites are where its result is used
            uses = self.helper_uses(top)
            for use in uses or [top]:
                if use is not top:
                    if id(use) in seen:
                        continue
                    seen.add(id(use))
                if self.is_mock(use) or self.in_command(use):
                    continue
                yield use

    def helper_uses(self, top: ast.expr) -> List[ast.expr]:
        """For the value of a function's only `return`: the expressions built from each call of it in the module.

        A method is called through `self`/`cls` (or the class name), a function by its name. The helper's
        own text is then no site of its own: a project prefix it returns is not a request.
        """
        ret = self.parents.get(id(top))
        if not isinstance(ret, ast.Return):
            return []
        cur = self.parents.get(id(ret))
        while cur is not None and not isinstance(cur, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            cur = self.parents.get(id(cur))
        info = self.ix.funcs.get(id(cur)) if cur is not None else None
        if info is None or len(info.returns) != 1 or info.generator:
            return []
        cls_name = info.cls.name if info.cls is not None else None
        out: List[ast.expr] = []
        for cs in self.ix.calls:
            f = cs.call.func
            if info.cls is None:
                hit = isinstance(f, ast.Name) and f.id == info.name
            else:
                hit = (isinstance(f, ast.Attribute) and f.attr == info.name and isinstance(f.value, ast.Name)
                       and f.value.id in ("self", "cls", cls_name))
            if hit and not cs.scope.within(info.scope):
                out.append(self.top_of(cs.call))
        return out

    def is_mock(self, top: ast.expr) -> bool:
        call = self.call_holding(top)
        return call is not None and self.is_mock_call(call)

    def is_mock_call(self, call: ast.Call) -> bool:
        """`responses.add(...)`, `httpretty.register_uri(...)`, `rsps.get(...)`: a fake server's route."""
        if not isinstance(call.func, ast.Attribute) or call.func.attr not in _MOCK_METHODS:
            return False
        root = call.func.value
        while isinstance(root, (ast.Attribute, ast.Call)):
            root = root.value if isinstance(root, ast.Attribute) else root.func
        name = root.id if isinstance(root, ast.Name) else ""
        return call.func.attr == "register_uri" or _MOCK_ROOT.match(name) is not None

    def call_holding(self, node: ast.AST) -> Optional[ast.Call]:
        """The call `node` is an argument of (directly, or as a keyword value)."""
        p = self.parents.get(id(node))
        if isinstance(p, ast.keyword):
            p = self.parents.get(id(p))
        if isinstance(p, ast.Call) and p.func is not node:
            return p
        return None

    # ---- evaluation -------------------------------------------------------------------------------

    def evaluate(self, top: ast.expr, site: RouteSite) -> Optional[str]:
        """The URL template to match (a relative route gets a placeholder root), or None."""
        scope = self.scope_of(top)
        ev = Evaluator(self.ix, {}, ())
        s = ev.string(top, Frame(scope, (top.lineno, top.col_offset)))
        commands = self.ix.commands
        if commands is not None and any(id(n) in commands.literals for n in ast.walk(top)):
            found = command_line(s, top)  # a command line no call runs: its URL is the route
            if found is not None:
                site.command, s = found
        url, labels = resolve_url(s, top)
        site.url, site.labels = url, labels
        text = url.url  # an RFC 6570 query expansion ({?circle-token}) already starts the query (resolve_url)
        split = split_api_url(text)
        if split is not None and split.version is not None:
            if not split.legacy or not _URL_BASE.match(split.base):
                return None  # v2, or a root in the middle of a sentence
            site.rooted = True
            return text
        if "://" in text:
            return None  # another service's absolute URL
        base = _LEADING_PH.match(text).group(0)  # type: ignore[union-attr]
        rel = text[len(base):]
        if not rel.startswith("/"):
            rel = "/" + rel
        return (base or PLACEHOLDER) + rel

    # ---- the verb ---------------------------------------------------------------------------------

    def verb_of(self, top: ast.expr, site: RouteSite) -> None:
        """Read the verb from the route's surroundings; a command line states its own (curl's -X or -d)."""
        self._verb_around(top, site)
        cmd = site.command
        if cmd is not None and not site.sends:
            # a step of a table or list (`STEPS = {"trigger": "curl ..."}`): the calls the table is handed to
            holder = top
            while isinstance(self.parents.get(id(holder)), (ast.Dict, ast.List, ast.Tuple, ast.Set)):
                holder = self.parents[id(holder)]  # type: ignore[assignment]
            name = self.assigned_name(holder) if holder is not top else None
            if name is not None:
                scope = self.scope_of(holder)
                site.sends = list(self.calls_using(name, holder, scope if scope.kind == "function" else None))
        if cmd is not None:
            site.verb, site.stated = cmd.verb, cmd.verb is not None
            site.verb_how = f"the {cmd.tool} command line" if cmd.verb is not None else cmd.verb_label

    def _verb_around(self, top: ast.expr, site: RouteSite) -> None:
        """A table's method key, the verb beside it in a tuple, the call it is handed to."""
        p = self.parents.get(id(top))
        if isinstance(p, ast.Dict):
            for k, v in zip(p.keys, p.values):
                if not (isinstance(k, ast.Constant) and isinstance(k.value, str)
                        and k.value.lower() in _TABLE_VERB_KEYS):
                    continue
                # 'method': 'POST', or 'methods': ['GET'] (one verb only)
                values = v.elts if isinstance(v, (ast.List, ast.Tuple)) and len(v.elts) == 1 else [v]
                lit = values[0]
                if isinstance(lit, ast.Constant) and isinstance(lit.value, str) and lit.value.upper() in VERBS:
                    site.verb, site.verb_how = lit.value.upper(), f"the table's `{k.value}` key"
                    site.stated = True
                    return
        if isinstance(p, ast.Tuple):
            for e in p.elts:
                if e is not top and isinstance(e, ast.Constant) and isinstance(e.value, str) \
                        and e.value.upper() in VERBS:
                    site.verb, site.verb_how = e.value.upper(), "the verb beside it"
                    site.stated = True
                    return
        call = self.call_holding(top)
        if call is not None:
            site.send, site.direct, site.sends = call, True, [call]
            verb = self.call_verb(call)
            if verb is not None:
                site.verb, site.verb_how = verb, f"the call {label_of(call.func)}"
                site.stated = True
            return
        name = self.assigned_name(top)
        if name is None:
            return
        local = self.scope_of(top)
        if local.kind != "function" or isinstance(self.parents.get(id(top)), ast.Return) \
                or isinstance(_target(self.parents.get(id(top))), ast.Attribute):
            local = None  # a module or class name, an attribute, a function's result: any call in the module
        sends = list(self.calls_using(name, top, local))
        site.sends = sends
        sends = [c for c in sends if not self.is_sink(c)]
        # a call handed the route extended (`self._delete(url=url + "/" + name)`) sends another route:
        # that argument is a site of its own
        plain = []
        for c in sends:
            ext = [a for a in list(c.args) + [k.value for k in c.keywords]
                   if a is not top and _extends(a, name)]
            if ext:
                site.extended.extend(ext)
            else:
                plain.append(c)
        sends = plain
        site.send_verbs = [(c, self.call_verb(c)) for c in sends]
        verbs = {v or "?" for _, v in site.send_verbs}
        if len(sends) == 1:
            site.send = sends[0]
        if len(verbs) == 1 and "?" not in verbs:
            site.verb = verbs.pop()
            site.verb_how = f"the call {label_of(sends[0].func)} that `{name}` is handed to"
            site.stated = True

    def call_verb(self, call: ast.Call) -> Optional[str]:
        """call_verb, and a verb argument held in a variable (`method = 'GET'; self.client.request(method, url)`)."""
        verb = call_verb(call)
        if verb is not None:
            return verb
        for a in call.args[:1] + [k.value for k in call.keywords if k.arg and k.arg.lower() in _TABLE_VERB_KEYS]:
            if isinstance(a, ast.Name):
                v = Evaluator(self.ix, {}, ()).value(a, Frame(self.scope_of(call), (call.lineno, call.col_offset)))
                lit = getattr(v, "literal", None)
                if isinstance(lit, str) and lit.upper() in VERBS:
                    return lit.upper()
        return None

    def is_sink(self, call: ast.Call) -> bool:
        """print, logging, echo, an exception, a call through the circleci_v2 shim: not a v1.1 request."""
        name = _callee_name(call)
        if name in _SINKS or self.is_mock_call(call):
            return True
        root = call.func
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and self.shim_names and root.id in self.shim_names:
            return True
        if not self.shim_names:
            return False
        if name in self.shim_senders():
            return True
        try:
            f = Evaluator(self.ix, {}, ()).value(call.func, Frame(self.scope_of(call), (call.lineno, call.col_offset)))
        except RecursionError:
            return False
        qual = getattr(f, "name", None) if isinstance(f, Qual) else getattr(f, "cls", None)
        return isinstance(qual, str) and qual.startswith("circleci_v2.")

    def shim_senders(self) -> Set[str]:
        """Functions of this module that send through the circleci_v2 shim (a wrapper already migrated)."""
        if self._shim_senders is None:
            self._shim_senders = set()
            for info in self.ix.funcs.values():
                for n in ast.walk(info.node):
                    if isinstance(n, ast.Call):
                        root = n.func
                        while isinstance(root, ast.Attribute):
                            root = root.value
                        if isinstance(root, ast.Name) and root.id in self.shim_names:
                            self._shim_senders.add(info.name)
                            break
        return self._shim_senders

    def in_command(self, top: ast.expr) -> bool:
        """Part of a command a subprocess runs: the curl analysis reads those (and wget is not ours here)."""
        cur: Optional[ast.AST] = top
        for _ in range(6):
            cur = self.parents.get(id(cur))
            if cur is None or isinstance(cur, ast.stmt):
                return False
            if isinstance(cur, ast.Call) and _callee_name(cur) in _COMMAND_FUNCS:
                return True
        return False

    def assigned_name(self, top: ast.expr) -> Optional[str]:
        p = self.parents.get(id(top))
        target: Optional[ast.AST] = None
        if isinstance(p, ast.Assign) and len(p.targets) == 1:
            target = p.targets[0]
        elif isinstance(p, (ast.AnnAssign, ast.AugAssign)):
            target = p.target
        elif isinstance(p, ast.Return):
            cur = self.parents.get(id(p))
            while cur is not None and not isinstance(cur, (ast.FunctionDef, ast.AsyncFunctionDef)):
                cur = self.parents.get(id(cur))
            return cur.name if cur is not None else None
        if isinstance(target, ast.Name):
            return target.id
        if isinstance(target, ast.Attribute):
            return target.attr
        return None

    def calls_using(self, name: str, top: ast.expr, scope: Optional[Scope] = None) -> Iterator[ast.Call]:
        """Calls that take an argument built from `name` (a variable, attribute, or a function's result).

        A function's local variable is looked for in that function only (`scope`).
        """
        for cs in self.ix.calls:
            call = cs.call
            if scope is not None and not cs.scope.within(scope):
                continue
            if _mentions(call.func, name) or _callee_name(call) in _BUILDERS:
                continue  # a call that builds the string further is not the one sending it
            for a in list(call.args) + [k.value for k in call.keywords]:
                if a is top:
                    continue
                if _mentions(a, name):
                    yield call
                    break


def call_verb(call: ast.Call) -> Optional[str]:
    """A verb an unknown call states: a literal verb argument, or a verb in the callee's name."""
    for a in list(call.args) + [k.value for k in call.keywords if k.arg and k.arg.lower() in _TABLE_VERB_KEYS]:
        if isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value.upper() in VERBS:
            return a.value.upper()
    name = _callee_name(call)
    words = {w for w in re.split(r"[_\W]+|(?<=[a-z])(?=[A-Z])", name) if w}
    verbs = {w.upper() for w in words if w.lower() in _VERB_WORDS}
    return verbs.pop() if len(verbs) == 1 else None


def _callee_name(call: ast.Call) -> str:
    f = call.func
    if isinstance(f, ast.Attribute):
        return f.attr
    if isinstance(f, ast.Name):
        return f.id
    return ""


def _target(stmt: Optional[ast.AST]) -> Optional[ast.AST]:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        return stmt.targets[0]
    if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
        return stmt.target
    return None


def _extends(arg: ast.expr, name: str) -> bool:
    """`url + "/" + name`, f"{url}/{name}": a longer route that starts with `name` (a base put before the
    route, `self.base + self.TRIGGER`, sends the route itself)."""
    if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Add):
        left: ast.expr = arg
        while isinstance(left, ast.BinOp) and isinstance(left.op, ast.Add):
            left = left.left
        return isinstance(left, (ast.Name, ast.Attribute)) and _mentions(left, name)
    if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.FormattedValue):
        first = arg.values[0].value
        return isinstance(first, (ast.Name, ast.Attribute)) and _mentions(first, name)
    return False


def _mentions(node: ast.AST, name: str) -> bool:
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and n.id == name:
            return True
        if isinstance(n, ast.Attribute) and n.attr == name:
            return True
    return False


def strong_route(m: RuleMatch) -> bool:
    """A route that names an action or a collection of its own (tree, retry, follow, recent-builds...)."""
    segments = [s for s in m.endpoint.template.relative.strip("/").split("/") if s]
    literal = [s for s in segments if not s.startswith(":")]
    return len(literal) > 1 or (bool(literal) and literal[0] not in _WEAK_FIRST and literal[0] != "project")


def weak_route_ok(m: RuleMatch, expression_text: str, sent: bool = False) -> bool:
    """`/project/a/b/c`, `/me`, `/projects` without a root: only with more evidence than the shape.

    That is: the expression names CircleCI, the VCS is spelled out, or (`sent`) it is handed to a call
    that states its verb (`self._request('GET', endpoint)`).
    """
    if m.match.spans_placeholder:
        return False
    if sent or _CIRCLE.search(expression_text):
        return True
    vcs = m.match.params.get("vcs")
    return vcs is not None and vcs.lower() in _VCS


def best_of(matches: Sequence[RuleMatch], severity: Dict[str, int],
            labels: Optional[Dict[str, str]] = None) -> RuleMatch:
    """The most consequential of the most specific matches (a possible trigger outranks a read)."""
    same = most_specific(matches, labels)
    return min(same, key=lambda m: (severity.get(m.rule.severity, 9), m.rule.id))


def most_specific(matches: Sequence[RuleMatch], labels: Optional[Dict[str, str]] = None) -> List[RuleMatch]:
    """The matches that tie for the most literal text; one segment per parameter beats a spanning placeholder.

    Among ties, the template whose parameters agree with the names the parts come from
    (`{username}/{project}/{build_num}` is v1's build, not v1.1's project with `vcs` = username).
    """
    if not matches:
        return []
    exact = [m for m in matches if not m.match.spans_placeholder] or list(matches)
    top = max(m.match.specificity for m in exact)
    same = [m for m in exact if m.match.specificity == top]
    if labels and len(same) > 1:
        scores = [agreement(m, labels) for m in same]
        same = [m for m, sc in zip(same, scores) if sc == max(scores)]
    # without its root a route may be v1.1 or v1 (which had no :vcs segment): v1.1 first
    return [m for m in same if m.endpoint.template.version == "v1.1"] or same




def agreement(m: RuleMatch, labels: Dict[str, str]) -> int:
    """+1 for each parameter filled from a name that says it, -1 for one that says another parameter."""
    score = 0
    for param, value in m.match.params.items():
        if "+" in param:  # a placeholder spanning several parameters: its last part ends the run
            param, value = param.rsplit("+", 1)[-1], value[-1:]
        if len(value) != 1 or value not in labels:
            continue
        said = param_said(labels[value])
        if said is not None:
            score += 1 if said == param else -1
    return score


def keyword_values(matches: Sequence[RuleMatch], words: FrozenSet[str]) -> List[RuleMatch]:
    """Drop matches that take a route word for a parameter (`project/{u}/{p}/envvar`: `envvar` is no project)."""
    return [m for m in matches if not any(_holds_word(k, v, words) for k, v in m.match.params.items())]


def _holds_word(param: str, value: str, words: FrozenSet[str]) -> bool:
    if "+" not in param:
        return value in words
    # a placeholder spanning several parameters may hold more segments, but not a route word of its own
    return any(seg in words for seg in value.split("/"))


@functools.lru_cache(maxsize=8)
def route_words(catalogue: object) -> FrozenSet[str]:
    """The literal segments of every endpoint template of the catalogue (tree, envvar, build-cache, ...)."""
    words = set()
    for rule in catalogue:  # type: ignore[attr-defined]
        for e in rule.endpoints:
            words.update(seg for seg in e.template.relative.strip("/").split("/") if seg and not seg.startswith(":"))
    words.discard("project")
    return frozenset(words)
