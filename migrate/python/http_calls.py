"""Recognise the HTTP requests a call makes, library by library.

`recognize(call, ev, frame)` evaluates the callee and, when it is an HTTP call
of a library we know (requests, httpx, aiohttp, urllib.request, http.client,
curl through subprocess) or a verb-named method of an object we cannot
identify, returns a `Request` per request: library, verb, the URL as a `Str`,
and whether the Accept header is sent. It knows libraries, never CircleCI: the
rules decide what a URL means.
"""
from __future__ import annotations

import ast
import re
from typing import Any, List, Optional, Tuple, Union

from circleci_v2.rules.endpoints import API_VERSIONS, PLACEHOLDER

from .command_runners import (ARGV_FUNCTIONS, CONTEXT_METHODS, RUNNER_FUNCTIONS, RUNNER_METHODS, RUNNER_NAMES, SH_MODULE,
                              CommandArguments, is_task_context, unknown_runner)
from ..text.evidence import is_route_url
from .curl_calls import CurlCommand, is_http_tool, parse_http_tool, shell_variable_base, split_shell
from .evaluate import Evaluator, Frame, canonical, label_of
from .headers import ABSENT, OPAQUE, PARTIAL, PRESENT, HeaderCheck, State, assigned_key, merge
from .index import ModuleIndex
from .values import Const, DictV, DynMember, Func, Instance, Piece, Qual, SeqV, Str, Unknown

VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
_VERB_SET = frozenset(VERBS)
MODULE_LIBRARIES = {"requests": "requests", "httpx": "httpx"}
# client classes whose verb-named methods send requests, and the library name findings use
CLIENT_CLASSES = {
    "requests.Session": "requests.Session",
    "httpx.Client": "httpx.Client",
    "httpx.AsyncClient": "httpx.AsyncClient",
    "aiohttp.ClientSession": "aiohttp",
}
CONNECTION_CLASSES = {"http.client.HTTPSConnection": "https://", "http.client.HTTPConnection": "http://"}
# the library name of a request made by a curl that Python runs; `fix` rewrites HTTP calls, not command
# lines, so such a finding is manual with this reason
CURL_LIBRARY = "subprocess:curl"
COMMAND_LINE_NOT_REWRITTEN = "curl command lines are not rewritten automatically"
# a Request opened with urlopen(request, data=...): the body is urlopen's, so rewriting the Request is not enough
URLOPEN_DATA_NOT_REWRITTEN = ("urlopen(request, data=...) sends its own data instead of the Request's: pass the "
                              "data to the Request, then run fix again")
_SHELLS = {"sh", "bash", "zsh", "dash", "ksh"}
# the roots of the API versions the rules know (/api/v1.1, /api/v1, /api/v2): which argument of a curl is its URL
_API_ROOTS = tuple(f"/api/{version}" for version in API_VERSIONS)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
# names of callee attributes worth evaluating: everything else cannot be an HTTP call
INTERESTING_ATTRS = frozenset(VERBS) | {"request", "stream", "urlopen", "Request", "ws_connect"} | RUNNER_NAMES | {
    "curl"}  # sh.curl(...)


class Request:
    """One HTTP request a call makes, as far as the file shows it."""

    def __init__(self, call: ast.Call, library: str, frame: Frame) -> None:
        self.call = call
        self.library = library
        self.frame = frame
        self.verb: Optional[str] = None
        self.verb_node: Optional[ast.AST] = None
        self.verb_label = ""  # what the verb comes from, when it is not resolved
        self.verbs: Optional[Tuple[str, ...]] = None  # candidate verbs when only a set is known
        self.url: Optional[Str] = None
        self.url_node: Optional[ast.expr] = None
        self.url_arg: Union[int, str, None] = None
        self.argv_index: Optional[int] = None
        self.headers_node: Optional[ast.expr] = None
        self.accept: State = (ABSENT, "")
        self.body_node: Optional[ast.expr] = None
        self.params_node: Optional[ast.expr] = None
        self.params: Any = None  # the evaluated params= value
        self.known_library = True
        self.receiver_label = ""
        self.not_rewritten: Optional[str] = None  # why `fix` must leave this request alone, when the call shows it
        self.drop_in: Optional[str] = None  # sent through this drop-in module (circleci_v2.shim.requests)
        self.runner_note: Optional[str] = None  # a curl handed to a callee not known to run it: why it is low


def arg(call: ast.Call, index: Optional[int], name: Optional[str]) -> Tuple[Optional[ast.expr], Union[int, str, None]]:
    """The argument at `index` or keyword `name`; positional arguments after a *splat are not trusted."""
    if name is not None:
        for k in call.keywords:
            if k.arg == name:
                return k.value, name
    if index is not None and index < len(call.args):
        if not any(isinstance(a, ast.Starred) for a in call.args[:index + 1]):
            return call.args[index], index
    return None, None


def has_kwsplat(call: ast.Call) -> bool:
    return any(k.arg is None for k in call.keywords)


def recognize(call: ast.Call, ev: Evaluator, frame: Frame, ix: ModuleIndex) -> List[Request]:
    f = ev.value(call.func, frame)
    drop_ins = getattr(ix, "drop_ins", None)
    if drop_ins and isinstance(f, (Qual, Instance)):
        # a drop-in for a library (circleci_v2.shim.requests): the same calls, marked as sent through it
        name = f.name if isinstance(f, Qual) else f.cls
        module = next((m for m in drop_ins if name.startswith(m + ".")), None)
        if module is not None:
            stands_for = drop_ins[module] + name[len(module):]
            f = Qual(stands_for) if isinstance(f, Qual) else Instance(
                stands_for, f.path, f.ctor, f.key, f.via, f.frame)
            found = recognize_value(f, call, ev, frame, ix)
            for req in found:
                req.drop_in = module
            return found
    found = recognize_value(f, call, ev, frame, ix)
    if found or not ix.mentions_http_tool:
        return found
    commands: Optional[CommandArguments] = ix.commands
    if commands is None or not commands.carries(call) or _http_library(f):
        return found
    return _unknown_runner(f, call, ev, frame)


def _http_library(f: Any) -> bool:
    """A call of the HTTP libraries read above: a command line in its arguments is data, not run."""
    name = f.name if isinstance(f, Qual) else f.cls if isinstance(f, Instance) else ""
    return name.split(".")[0] in ("requests", "httpx", "aiohttp", "urllib", "http", "urllib3")


def _unknown_runner(f: Any, call: ast.Call, ev: Evaluator, frame: Frame) -> List[Request]:
    """A command line (a string or an argv list) handed to a call this file does not show runs it, or to a
    function of the module that hands that parameter to a known runner (`def sh(cmd): subprocess.run(cmd)`)."""
    args = [(a, i) for i, a in enumerate(call.args) if not isinstance(a, ast.Starred)]
    args += [(k.value, k.arg) for k in call.keywords if k.arg]
    for node, where in args:
        found = _command_requests(node, where, call, ev, frame)
        if found:
            if not (isinstance(f, Func) and _runs_parameter(f, where, ev)):
                for req in found:
                    req.runner_note = unknown_runner(label_of(call.func))
            return found
    return []


def _runs_parameter(f: Func, where: Union[int, str, None], ev: Evaluator) -> bool:
    """The module's function hands the parameter at `where` (as it is, or through shlex.split) to a runner."""
    info = f.info
    positional = [name for name, kind in info.params if kind in ("posonly", "arg")]
    if f.bound is not None and info.kind != "staticmethod":
        positional = positional[1:]
    if isinstance(where, int):
        if where >= len(positional):
            return False
        name = positional[where]
    elif isinstance(where, str) and any(n == where for n, _ in info.params):
        name = where
    else:
        return False
    for node in ast.walk(info.node):
        if not isinstance(node, ast.Call) or node is info.node:
            continue
        try:
            callee = ev.value(node.func, Frame(info.scope, (node.lineno, node.col_offset)))
        except RecursionError:
            continue
        place: Optional[Tuple[int, str]] = None
        if isinstance(callee, Qual):
            place = RUNNER_FUNCTIONS.get(callee.name)
        elif isinstance(callee, Instance) and len(callee.path) == 1:
            place = RUNNER_METHODS.get(canonical(callee.cls), {}).get(callee.path[0])
        if place is None:
            continue
        target, _ = arg(node, place[0], place[1])
        if isinstance(target, ast.Call) and target.args:  # shlex.split(command)
            target = target.args[0]
        if isinstance(target, ast.Name) and target.id == name:
            return True
    return False


def recognize_value(f: Any, call: ast.Call, ev: Evaluator, frame: Frame, ix: ModuleIndex) -> List[Request]:
    if isinstance(f, Qual):
        return _qualified(f.name, call, ev, frame, ix)
    if isinstance(f, Instance):
        return _method(f, call, ev, frame, ix)
    if isinstance(f, DynMember):
        return _dynamic(f, call, ev, frame, ix)
    if isinstance(f, Unknown) and isinstance(call.func, ast.Attribute):
        name = call.func.attr
        if name in CONTEXT_METHODS and ix.mentions_http_tool and isinstance(call.func.value, ast.Name) \
                and _task_context(call.func.value.id, frame, ev):
            return _command_at(CONTEXT_METHODS[name], call, ev, frame)  # c.run(...) in an invoke/fabric task
        if name in _VERB_SET or name == "request":
            req = _verb_call(call, "unknown", name, ev, frame)
            if req is not None:
                req.known_library = False
                req.receiver_label = label_of(call.func.value)
                return [req]
    return []


def _qualified(q: str, call: ast.Call, ev: Evaluator, frame: Frame, ix: ModuleIndex) -> List[Request]:
    module, _, name = q.rpartition(".")
    if module in MODULE_LIBRARIES:
        # requests.Request / httpx.Request: the request object, sent later by session.send()
        if name in _VERB_SET or name in ("request", "stream", "Request"):
            name = "request" if name == "Request" else name
            req = _verb_call(call, MODULE_LIBRARIES[module], name, ev, frame, module_function=True)
            return [req] if req is not None else []
        return []
    if q == "aiohttp.request":
        req = _verb_call(call, "aiohttp", "request", ev, frame)
        return [req] if req is not None else []
    if q == "urllib.request.urlopen":
        return _urlopen(call, ev, frame)
    if q == "urllib.request.Request":
        return _urllib_request(call, ev, frame, ix)
    if q in RUNNER_FUNCTIONS or q in ARGV_FUNCTIONS:
        return _subprocess(q, call, ev, frame) if ix.mentions_http_tool else []
    if module == SH_MODULE and name != "Command" and ix.mentions_http_tool:
        return _argv_call(Str.literal_of(name, call.func), call, ev, frame)  # sh.curl("-X", "POST", url)
    return []


def _method(inst: Instance, call: ast.Call, ev: Evaluator, frame: Frame, ix: ModuleIndex) -> List[Request]:
    cls = canonical(inst.cls)
    if cls == f"{SH_MODULE}.Command" and not inst.path and inst.ctor is not None and inst.ctor.args:
        if not ix.mentions_http_tool:  # sh.Command("curl")("-X", "POST", url)
            return []
        return _argv_call(ev.string(inst.ctor.args[0], inst.frame or frame), call, ev, frame)
    if len(inst.path) != 1:
        return []
    name = inst.path[0]
    if cls in RUNNER_METHODS and name in RUNNER_METHODS[cls]:
        return _command_at(RUNNER_METHODS[cls][name], call, ev, frame) if ix.mentions_http_tool else []
    if cls in CLIENT_CLASSES:
        if name in _VERB_SET or name in ("request", "stream", "ws_connect"):
            req = _verb_call(call, CLIENT_CLASSES[cls], name if name != "ws_connect" else "get", ev, frame)
            if req is not None:
                _apply_base_url(req, inst, ev)
                req.accept = merge(req.accept, HeaderCheck(ev, ix).of_instance(_owner(inst)))
                return [req]
        return []
    if cls in CONNECTION_CLASSES and name == "request":
        return _http_client(inst, cls, call, ev, frame, ix)
    if name in _VERB_SET or name == "request":
        # an object of a class we do not know (a parameter, another package's client)
        if cls.startswith(("builtins.", "typing.")) or inst.via == "subclass":
            return []
        req = _verb_call(call, "unknown", name, ev, frame)
        if req is not None:
            req.known_library = False
            req.receiver_label = label_of(call.func.value if isinstance(call.func, ast.Attribute) else call.func)
            return [req]
    return []


def _apply_base_url(req: Request, inst: Instance, ev: Evaluator) -> None:
    """httpx.Client(base_url=...) and aiohttp.ClientSession(base_url=...) prefix relative URLs."""
    if inst.ctor is None or inst.frame is None or req.url is None:
        return
    base_expr, _ = arg(inst.ctor, None, "base_url")
    if base_expr is None:
        return
    if _SCHEME.match(req.url.template()):
        return
    base = ev.string(base_expr, inst.frame)
    rel = req.url
    if base.pieces and base.pieces[-1].text is not None and base.pieces[-1].text.endswith("/"):
        last = base.pieces[-1]
        base = Str(base.pieces[:-1] + (Piece(last.text.rstrip("/"), last.node),), base.via_names, base.notes)
    if rel.pieces and rel.pieces[0].text is not None and not rel.pieces[0].text.startswith("/"):
        rel = Str.literal_of("/", req.url_node).concat(rel)
    req.url = base.concat(rel).with_via()


def _dynamic(f: DynMember, call: ast.Call, ev: Evaluator, frame: Frame, ix: ModuleIndex) -> List[Request]:
    """getattr(requests, verb)(url): the library is known, the verb is not."""
    base = f.base
    library = None
    if isinstance(base, Qual) and base.name in MODULE_LIBRARIES:
        library = MODULE_LIBRARIES[base.name]
    elif isinstance(base, Instance) and canonical(base.cls) in CLIENT_CLASSES and not base.path:
        library = CLIENT_CLASSES[canonical(base.cls)]
    if library is None:
        return []
    req = Request(call, library, frame)
    req.verb = None
    req.verb_node = f.node
    req.verb_label = next((p.label for p in f.name.pieces if p.text is None), label_of(f.node))
    _fill_url(req, call, 0, ev, frame)
    if req.url is None:
        return []
    _fill_requests_extras(req, call, "request", ev, frame, module_function=isinstance(base, Qual))
    if isinstance(base, Instance):
        req.accept = merge(req.accept, HeaderCheck(ev, ix).of_instance(base))
    return [req]


def _verb_call(call: ast.Call, library: str, name: str, ev: Evaluator, frame: Frame,
               module_function: bool = False) -> Optional[Request]:
    req = Request(call, library, frame)
    if name in ("request", "stream"):
        verb_expr, _ = arg(call, 0, "method")
        req.verb_node = verb_expr
        if verb_expr is None:
            return None
        _set_verb(req, ev.value(verb_expr, frame), verb_expr)
        _fill_url(req, call, 1, ev, frame)
    else:
        req.verb = name.upper()
        _fill_url(req, call, 0, ev, frame)
    if req.url is None:
        return None
    _fill_requests_extras(req, call, name, ev, frame, module_function)
    return req


def _set_verb(req: Request, v: Any, node: ast.AST) -> None:
    if isinstance(v, Str) and v.literal is not None:
        req.verb = v.literal.upper()
        return
    req.verb = None
    if isinstance(v, Str):
        req.verb_label = next((p.label for p in v.pieces if p.text is None), label_of(node))
    elif isinstance(v, Unknown):
        req.verb_label = v.label
    else:
        req.verb_label = label_of(node)


def _fill_url(req: Request, call: ast.Call, index: int, ev: Evaluator, frame: Frame) -> None:
    url_expr, where = arg(call, index, "url")
    if url_expr is None:
        url_expr, where = arg(call, None, "str_or_url")
    if url_expr is None:
        return
    req.url_node, req.url_arg = url_expr, where
    v = ev.value(url_expr, frame)
    if isinstance(v, (Str, Unknown)):
        req.url = ev.as_str(v, url_expr)


def _fill_requests_extras(req: Request, call: ast.Call, name: str, ev: Evaluator, frame: Frame,
                          module_function: bool) -> None:
    """headers=, params=, json=/data=: the keyword arguments requests, httpx and aiohttp share."""
    headers, _ = arg(call, None, "headers")
    req.headers_node = headers
    checker = HeaderCheck(ev, ev.ix)
    if headers is not None:
        req.accept = checker.of_expr(headers, frame)
    elif has_kwsplat(call):
        splat = next(k.value for k in call.keywords if k.arg is None)
        v = ev.value(splat, frame)
        if isinstance(v, DictV):
            inner = ev.dict_get(v, "headers")
            req.accept = checker.of_value(inner, splat) if inner is not None else (PARTIAL, label_of(splat))
        else:
            req.accept = (OPAQUE, f"headers may come in {label_of(splat)}")
    # requests.get(url, params) takes params positionally; post/put/patch take data
    params_pos = 1 if (module_function and name == "get") else None
    params, _ = arg(call, params_pos, "params")
    req.params_node = params
    if params is not None:
        req.params = ev.value(params, frame)
    for body_kw, pos in (("json", 2 if module_function and name == "post" else None),
                         ("data", 1 if name in ("post", "put", "patch") else None), ("content", None)):
        body, _ = arg(call, pos, body_kw)
        if body is not None:
            req.body_node = body
            break


def _urlopen(call: ast.Call, ev: Evaluator, frame: Frame) -> List[Request]:
    target, where = arg(call, 0, "url")
    if target is None:
        return []
    v = ev.value(target, frame)
    if isinstance(v, Instance) and canonical(v.cls) == "urllib.request.Request":
        return []  # reported where the Request is built
    if not isinstance(v, (Str, Unknown)):
        return []
    req = Request(call, "urllib.request", frame)
    req.url_node, req.url_arg = target, where
    req.url = ev.as_str(v, target)
    data, _ = arg(call, 1, "data")
    req.body_node = data
    dv = ev.value(data, frame) if data is not None else Const(None)
    # urllib sends POST whenever data is not None
    req.verb = "GET" if isinstance(dv, Const) and dv.value is None else "POST"
    req.accept = (ABSENT, "")  # urllib sends no Accept header of its own
    return [req]


def _urllib_request(call: ast.Call, ev: Evaluator, frame: Frame, ix: ModuleIndex) -> List[Request]:
    target, where = arg(call, 0, "url")
    if target is None:
        return []
    req = Request(call, "urllib.request", frame)
    req.url_node, req.url_arg = target, where
    req.url = ev.string(target, frame)
    method, _ = arg(call, 5, "method")
    data, _ = arg(call, 1, "data")
    req.body_node = data
    if method is not None:
        req.verb_node = method
        mv = ev.value(method, frame)
        if isinstance(mv, Const) and mv.value is None:
            method = None
        else:
            _set_verb(req, mv, method)
    if method is None:
        dv = ev.value(data, frame) if data is not None else Const(None)
        if isinstance(dv, Const) and dv.value is None:
            # urlopen(request, data=...) sends the data it is given: POST, whatever the Request holds
            opened = _urlopen_data(call, ev, ix)
            if opened is not None:
                dv = opened
                req.not_rewritten = URLOPEN_DATA_NOT_REWRITTEN
        req.verb = "GET" if isinstance(dv, Const) and dv.value is None else "POST"
    headers, _ = arg(call, 2, "headers")
    req.headers_node = headers
    checker = HeaderCheck(ev, ix)
    states = [checker.of_expr(headers, frame)]
    key = assigned_key(call, ix)
    if key is not None:
        states.append(checker.mutations(key))
    req.accept = merge(*states)
    return [req]


def _urlopen_data(request: ast.Call, ev: Evaluator, ix: ModuleIndex) -> Any:
    """The value of `data` of a urlopen call that opens this Request (directly or through a variable), if any."""
    for cs in ix.calls:
        func = cs.call.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name != "urlopen" or not cs.call.args:
            continue
        data, _ = arg(cs.call, 1, "data")
        if data is None:
            continue
        frame = Frame(cs.scope, (cs.call.lineno, cs.call.col_offset), cs.block)
        first = cs.call.args[0]
        if first is not request:
            v = ev.value(first, frame)
            if not (isinstance(v, Instance) and v.ctor is request):
                continue
        return ev.value(data, frame)
    return None


def _http_client(inst: Instance, cls: str, call: ast.Call, ev: Evaluator, frame: Frame,
                 ix: ModuleIndex) -> List[Request]:
    req = Request(call, "http.client", frame)
    method, _ = arg(call, 0, "method")
    if method is None:
        return []
    req.verb_node = method
    _set_verb(req, ev.value(method, frame), method)
    path, where = arg(call, 1, "url")
    if path is None:
        return []
    req.url_node, req.url_arg = path, where
    path_s = ev.string(path, frame)
    host: Optional[Str] = None
    if inst.ctor is not None and inst.frame is not None:
        host_expr, _ = arg(inst.ctor, 0, "host")
        if host_expr is not None:
            host = ev.string(host_expr, inst.frame)
    scheme = CONNECTION_CLASSES[cls]
    host = host if host is not None else Str.unknown(call.func, "the connection's host")
    req.url = Str.literal_of(scheme, inst.ctor).concat(host).concat(path_s)
    body, _ = arg(call, 2, "body")
    req.body_node = body
    headers, _ = arg(call, 3, "headers")
    req.headers_node = headers
    checker = HeaderCheck(ev, ix)
    req.accept = checker.of_expr(headers, frame) if headers is not None else (ABSENT, "")
    return [req]


def _subprocess(q: str, call: ast.Call, ev: Evaluator, frame: Frame) -> List[Request]:
    if q in ARGV_FUNCTIONS:
        return _argv_call(None, call, ev, frame)
    return _command_at(RUNNER_FUNCTIONS[q], call, ev, frame)


def _command_at(place: Tuple[int, str], call: ast.Call, ev: Evaluator, frame: Frame) -> List[Request]:
    """The curl requests of the command a runner takes at (position, keyword)."""
    target, where = arg(call, place[0], place[1])
    if target is None:
        return []
    return _command_requests(target, where, call, ev, frame)


def _argv_call(program: Optional[Str], call: ast.Call, ev: Evaluator, frame: Frame) -> List[Request]:
    """A call whose arguments are the argv (after `program`, when the callee names the program)."""
    tokens = [ev.string(a, frame) for a in call.args if not isinstance(a, ast.Starred)]
    if program is not None:
        tokens.insert(0, program)
    offset = 0 if program is None else -1  # argv_index: the index among the call's own arguments
    return _curl_requests([(tokens, [i + offset for i in range(len(tokens))])], 0, call, frame)


def _command_requests(target: ast.expr, where: Union[int, str, None], call: ast.Call, ev: Evaluator,
                      frame: Frame) -> List[Request]:
    """The curl requests of one command argument: a shell string, an argv list, `shlex.split(...)`."""
    commands: List[Tuple[List[Str], Optional[List[int]]]] = []
    v = ev.value(target, frame)
    if isinstance(v, Instance) and v.cls == "shlex.split" and v.ctor is not None and v.ctor.args:
        v = ev.value(v.ctor.args[0], v.frame or frame)
    if isinstance(v, SeqV):
        tokens = [ev.string(e, fr) for e, fr in v.elts if not isinstance(e, ast.Starred)]
        shell_cmd = _shell_c(tokens)
        if shell_cmd is not None:
            for cmd in split_shell(shell_cmd, target):
                commands.append((cmd, None))
        else:
            commands.append((tokens, list(range(len(tokens)))))
    elif isinstance(v, Str):
        for cmd in split_shell(v, target):
            commands.append((cmd, None))
    else:
        return []
    return _curl_requests(commands, where, call, frame)


def _curl_requests(commands: List[Tuple[List[Str], Optional[List[int]]]], where: Union[int, str, None],
                   call: ast.Call, frame: Frame) -> List[Request]:
    out: List[Request] = []
    for tokens, indexes in commands:
        start = _program_start(tokens)
        if start is None or not is_http_tool(tokens[start]):
            continue
        cmd = parse_http_tool(tokens[start:])
        if cmd is None:
            continue
        req = Request(call, CURL_LIBRARY, frame)
        if cmd.tool != "curl":
            req.not_rewritten = f"{cmd.tool} command lines are not rewritten automatically"
        req.url_arg = where
        req.verb = cmd.verb
        req.verb_label = cmd.verb_label
        k = _api_url(cmd)
        if k is None:
            continue
        req.url, idx = cmd.urls[k], cmd.url_indexes[k]
        if indexes is not None:
            req.argv_index = indexes[start + idx] if 0 <= start + idx < len(indexes) else None
        states: List[State] = []
        if cmd.header_names is not None:  # wget, httpie: their reader gives the names
            states = [(PARTIAL, "a header") if n is None else (PRESENT, "") for n in cmd.header_names
                      if n is None or n == "accept"]
            if cmd.accepts_json:
                states = [(PRESENT, "")]
        for h in cmd.headers:
            text = h.template()
            name = text.split(":", 1)[0].strip().lower() if ":" in text else None
            if name is None or "\x00" in name:
                states.append((PARTIAL, "a -H value"))
            elif name == "accept":
                states.append((PRESENT, ""))
        req.accept = merge(*states) if states else (ABSENT, "")
        out.append(req)
    return out


def _api_url(cmd: CurlCommand, run: bool = True) -> Optional[int]:
    """Which of a command's URLs is an API call (v2 too: a token in its query string is reported there as
    well, CCI121), or one whose start is not known.

    A base the shell fills in (`"$CIRCLE_API/project/..."`) is decided as the shell analyser decides the same
    line in a script: a command a call runs is a request like one with any other unknown base (the rules'
    routes decide); a command line no call is seen to run is evidence, and its variable must be named like
    an API root for a route that says enough on its own (text/evidence.py `is_route_url`).
    """
    for k, url in enumerate(cmd.urls):
        template = url.template()
        if any(root in template for root in _API_ROOTS):
            return k
        variable = shell_variable_base(url)
        if variable is not None and not run:
            if is_route_url(template, {PLACEHOLDER: variable}):
                return k
        elif template.startswith(PLACEHOLDER):
            return k
    return None


def command_line(s: Str, node: ast.AST) -> Optional[Tuple[CurlCommand, Str]]:
    """A string that is a curl (wget, httpie) command line calling an API: the command and that URL.

    Only a command the string starts (after `;`, `&&`, `|` too, and past `VAR=x`, `sudo`, `env`): prose that
    mentions curl ("use curl -X POST ...") is not one.
    """
    for tokens in split_shell(s, node):
        start = _program_start(tokens)
        if start is None or not is_http_tool(tokens[start]):
            continue
        cmd = parse_http_tool(tokens[start:])
        k = _api_url(cmd, run=False) if cmd is not None else None
        if cmd is not None and k is not None:
            return cmd, cmd.urls[k]
    return None


def _task_context(name: str, frame: Frame, ev: Evaluator) -> bool:
    """`name` is the Context an invoke/fabric task gets as its first parameter."""
    scope = frame.scope
    while scope is not None and scope.kind != "function":
        scope = scope.parent
    if scope is None or scope.func is None:
        return False
    node = scope.func.node
    decorators = set()
    for d in getattr(node, "decorator_list", ()):
        v = ev.value(d.func if isinstance(d, ast.Call) else d, Frame(scope.parent or scope, (d.lineno, d.col_offset)))
        if isinstance(v, Qual):
            decorators.add(v.name)
    return is_task_context(name, node, frozenset(decorators))


_PREFIXES = {"sudo", "time", "exec", "command", "env", "nice", "nohup", "timeout"}


def _program_start(tokens: List[Str]) -> Optional[int]:
    """Index of the program a command runs: skips VAR=value assignments and sudo/env/time-like prefixes."""
    i = 0
    while i < len(tokens):
        lit = tokens[i].literal
        if lit is None:
            return i
        if re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", lit):
            i += 1
            continue
        if lit.rsplit("/", 1)[-1] in _PREFIXES:
            i += 1
            while i < len(tokens) and (tokens[i].literal or "").startswith("-"):
                i += 1
            if lit.endswith("timeout") and i < len(tokens):
                i += 1  # the duration
            continue
        return i
    return None


def _shell_c(tokens: List[Str]) -> Optional[Str]:
    """["bash", "-c", "curl ..."] -> the command string."""
    if len(tokens) < 3:
        return None
    prog = tokens[0].literal
    if prog is None or prog.rsplit("/", 1)[-1] not in _SHELLS:
        return None
    for i, tok in enumerate(tokens[1:], start=1):
        lit = tok.literal
        if lit is not None and lit.startswith("-") and "c" in lit and i + 1 < len(tokens):
            return tokens[i + 1]
    return None


def _owner(member: Instance) -> Instance:
    """session.post -> session: the object a method was read from."""
    key = (member.key[0], member.key[1][:-1]) if member.key is not None else None
    return Instance(member.cls, member.path[:-1], member.ctor, key, member.via, member.frame)
