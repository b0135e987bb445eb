"""v1.1 senders of the project's own modules, and the calls other modules make of them.

A client class in one module (`lib/circleAPI.py`: `def getProjects(self): return
self.get(self.base_url + "/api/v1/projects")`) and a script in another (`circle =
circleAPI(key, url)` then `circle.getProjects()`) is a usual layout: the route is
written in the first, the call that decides whether it is sent in the second.

`senders_of` turns the findings of an analysed file into Sender records: each
function or method that holds a finding of an endpoint or client rule sends that
rule's route (a fixed sender), one that holds CCI144 sends whatever route its
callers give it, and an entry of a name-keyed endpoint table (`self._api =
{'new_build': {'path': ..., 'method': 'POST'}}`) is sent by a method of its class
called with that name (`api.call('new_build', ...)`, the dispatch may live in a
base class the project does not show). The run keeps them per module file
(ProjectModules.senders), so a file that imports the module (`import x`,
`from x import C`, `from pkg.x import f`) gets a finding at each call of a sender
(`caller_findings`): through the class name, an instance built in that file (a
name or `self.attr`, `with C(...) as x`) or annotated with the class, or the module. Factories are not followed. These findings
are low and manual: the request is sent, and changed, in the other module.
"""
from __future__ import annotations

import ast
import os
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from ..findings import LOW, Finding, verb_not_resolved

# table fields that hold one entry's route or verb: the entry's name is the key above them
_FIELD_KEYS = frozenset({"path", "url", "uri", "endpoint", "route", "method", "verb", "http_method"})
CALL, TABLE, UNRESOLVED = "call", "table", "unresolved"


class Sender:
    """One v1.1 request a function, method or table entry of a module sends (picklable: it travels in records)."""

    __slots__ = ("module", "cls", "name", "kind", "rule_id", "severity", "message", "line", "reason")

    def __init__(self, module: str, cls: Optional[str], name: str, kind: str, rule_id: str, severity: str,
                 message: str, line: int, reason: Optional[str]) -> None:
        self.module = module  # absolute path of the module's file
        self.cls = cls  # the class the method or table belongs to, None for a module function
        self.name = name  # the function or method; for a table entry, the entry's key
        self.kind = kind  # CALL: sends rule_id's route; TABLE: an endpoint table entry; UNRESOLVED: CCI144
        self.rule_id = rule_id
        self.severity = severity
        self.message = message
        self.line = line  # where the module's finding is
        self.reason = reason

    def __getstate__(self) -> Tuple[Any, ...]:
        return tuple(getattr(self, s) for s in self.__slots__)

    def __setstate__(self, state: Tuple[Any, ...]) -> None:
        for slot, value in zip(self.__slots__, state):
            setattr(self, slot, value)

    def __repr__(self) -> str:
        owner = f"{self.cls}." if self.cls else ""
        return f"Sender({os.path.basename(self.module)}:{owner}{self.name} {self.kind} {self.rule_id} l{self.line})"

    @property
    def where(self) -> str:
        """The module as the run names its files (relative to the working folder when inside it), and the line."""
        shown = os.path.relpath(self.module)
        return f"{self.module if shown.startswith('..') else shown}, line {self.line}"


def senders_of(tree: ast.Module, findings: Sequence[Finding], path: str, catalogue: Any) -> List[Sender]:
    """The senders the findings of one module show (see the module's docstring)."""
    wanted = [f for f in findings if _sender_kind(catalogue, f.rule_id)]
    if not wanted:
        return []
    lines = sorted({f.line for f in wanted})
    functions = list(_functions(tree, lines))
    tables = list(_table_entries(tree, lines))
    module = os.path.abspath(path)
    out: List[Sender] = []
    seen = set()
    for f in wanted:
        kind = _sender_kind(catalogue, f.rule_id)
        entry = _innermost([(span, (cls, key)) for span, cls, key in tables], f.line)
        if entry is not None and kind == CALL:
            cls, name = entry
            kind = TABLE
        else:
            owner = _innermost([(span, (cls, fn)) for span, cls, fn in functions], f.line)
            if owner is None:
                continue  # a module-level request runs on import: nothing to report at callers
            cls, name = owner
        key = (cls, name, f.rule_id)
        if key in seen:
            continue
        seen.add(key)
        out.append(Sender(module, cls, name, kind, f.rule_id, f.severity, f.message, f.line, f.reason))
    return out


def _sender_kind(catalogue: Any, rule_id: str) -> Optional[str]:
    rule = catalogue.get(rule_id)
    if rule is None:
        return None
    if rule.kind in ("endpoint", "client"):
        return CALL
    if rule.kind == "request" and rule.request_check == "route":
        return UNRESOLVED
    return None


def _innermost(spans: List[Tuple[Tuple[int, int], Any]], line: int) -> Any:
    best = None
    for (start, end), value in spans:
        if start <= line <= end and (best is None or end - start <= best[0][1] - best[0][0]):
            best = ((start, end), value)
    return best[1] if best is not None else None


def _holds(node: ast.AST, lines: Sequence[int]) -> bool:
    """Whether the node spans one of the lines (only those nodes are walked: the findings are few)."""
    start = getattr(node, "lineno", None)
    if start is None:
        return False
    end = getattr(node, "end_lineno", None) or start
    return any(start <= line <= end for line in lines)


def _functions(tree: ast.AST, lines: Sequence[int],
               cls: Optional[str] = None) -> Iterator[Tuple[Tuple[int, int], Optional[str], str]]:
    """(lines, class, name) of each function or method around one of the lines."""
    for node in ast.iter_child_nodes(tree):
        if not _holds(node, lines):
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield (node.lineno, node.end_lineno or node.lineno), cls, node.name
            yield from _functions(node, lines, None)  # a nested function is no method of the class
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, lines, node.name)
        else:
            yield from _functions(node, lines, cls)


def _table_entries(tree: ast.AST, lines: Sequence[int]) -> Iterator[Tuple[Tuple[int, int], Optional[str], str]]:
    """(lines of an entry's value, class, entry key) for each string-keyed entry of a dict display whose value
    is itself a dict or a sequence, around one of the lines: `{'new_build': {'path': ..., 'method': 'POST'}}`,
    `{'me': ('GET', url)}`."""
    def walk(node: ast.AST, cls: Optional[str]) -> Iterator[Tuple[Tuple[int, int], Optional[str], str]]:
        for child in ast.iter_child_nodes(node):
            if not _holds(child, lines):
                continue
            inner = child.name if isinstance(child, ast.ClassDef) else cls
            if isinstance(child, ast.Dict):
                for k, v in zip(child.keys, child.values):
                    if (isinstance(k, ast.Constant) and isinstance(k.value, str) and k.value not in _FIELD_KEYS
                            and isinstance(v, (ast.Dict, ast.Tuple, ast.List))):
                        yield (v.lineno, v.end_lineno or v.lineno), cls, k.value
            yield from walk(child, inner)
    yield from walk(tree, None)


# ---- callers in other modules ----------------------------------------------------------------------

class _Target:
    """What a name of the caller stands for: a module of the project, or a class or function in one."""

    __slots__ = ("module", "attr")

    def __init__(self, module: str, attr: Optional[str]) -> None:
        self.module = module
        self.attr = attr


def caller_findings(tree: ast.Module, source_positions: Any, path: str, project: Any,
                    lookup: Callable[[str], List[Sender]], catalogue: Any,
                    reported: Sequence[Finding] = ()) -> List[Finding]:
    """Findings at this file's calls of the senders of the project's modules it imports.

    `project` (a ProjectModules) finds a module's file; `lookup` gives the senders of a module file."""
    names = _imports(tree, path, project, lookup)
    if not names:
        return []
    instances = _instances(tree, names, lookup)
    # a call the file's own analysis reported (a legacy client's method, say) keeps that finding alone
    already = {f.line for f in reported if _sender_kind(catalogue, f.rule_id)}
    inherited = _inherited_calls(tree, names, lookup)
    # the lines of the routes the file's own analysis reports: a sender whose route comes from its callers,
    # called in a function that writes one (`path = 'project/...'; self._perform_request(path)`), keeps
    # that finding alone (the route is reported where it is written, with its own rule)
    written = [f.line for f in reported if _sender_kind(catalogue, f.rule_id) == CALL]
    found: Dict[Tuple[int, int, str], Finding] = {}
    for function, call in _calls(tree):
        base = inherited.get(id(call))
        calls = (_senders_called(call, names, instances, lookup) if base is None
                 else _senders_called(call, names, {_RECEIVER: base}, lookup, _RECEIVER))
        for sender, how in calls:
            if sender.kind == UNRESOLVED and function is not None and any(
                    function.lineno <= line <= (function.end_lineno or function.lineno) for line in written):
                continue
            for finding in _finding(call, sender, how, path, source_positions, catalogue):
                key = (finding.line, finding.column, finding.rule_id)
                if finding.line not in already and key not in found:
                    found[key] = finding
    return sorted(found.values(), key=lambda f: f.sort_key)


def _imports(tree: ast.Module, path: str, project: Any, lookup: Callable[[str], List[Sender]]) -> Dict[str, _Target]:
    """Names bound by imports of project modules that hold a sender."""
    names: Dict[str, _Target] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                file = project.find(alias.name, path)
                if file is not None and lookup(file):
                    names[alias.asname or alias.name] = _Target(file, None)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            for alias in node.names:
                if alias.name == "*":
                    continue
                local = alias.asname or alias.name
                sub = project.find(f"{module}.{alias.name}" if module else alias.name, path, node.level)
                if sub is not None and lookup(sub):
                    names[local] = _Target(sub, None)  # `from pkg import x`: a submodule
                    continue
                file = project.find(module, path, node.level) if module else None
                if file is not None and any(s.cls == alias.name or (s.cls is None and s.name == alias.name)
                                            for s in lookup(file)):
                    names[local] = _Target(file, alias.name)
    return names


def _dotted(node: ast.AST) -> Optional[str]:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _class_of(func: Optional[ast.AST], names: Dict[str, _Target]) -> Optional[_Target]:
    """The project class a constructor call's function names (`C`, `mod.C`), if any."""
    text = _dotted(func) if func is not None else None
    if text is None:
        return None
    target = names.get(text)
    if target is not None and target.attr is not None:
        return target
    base, _, attr = text.rpartition(".")
    mod = names.get(base)
    if mod is not None and mod.attr is None:
        return _Target(mod.module, attr)
    return None


def _instances(tree: ast.Module, names: Dict[str, _Target], lookup: Callable[[str], List[Sender]]) -> Dict[str, _Target]:
    """Names and attributes (`circle`, `self._api`) that hold an instance of a project class in this file:
    assigned one (`circle = C(...)`, `with C(...) as circle`) or annotated as one (`def go(circle: C)`)."""
    out: Dict[str, _Target] = {}

    def bind(name_node: Optional[ast.AST], made_by: Optional[ast.AST]) -> None:
        target = _class_of(made_by, names) if made_by is not None else None
        text = _dotted(name_node) if name_node is not None else None
        if target is not None and text is not None and any(s.cls == target.attr for s in lookup(target.module)):
            out[text] = target

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            for t in node.targets:
                bind(t, node.value.func)
        elif isinstance(node, ast.AnnAssign):  # `api: C = C(...)`, or `api: C` alone
            bind(node.target, node.value.func if isinstance(node.value, ast.Call) else node.annotation)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if isinstance(item.context_expr, ast.Call):
                    bind(item.optional_vars, item.context_expr.func)
        elif isinstance(node, ast.arg) and node.annotation is not None:
            bind(ast.Name(id=node.arg), _unquoted(node.annotation))
    return out


def _calls(tree: ast.Module) -> Iterator[Tuple[Optional[ast.AST], ast.Call]]:
    """Every call of the file, with the function (or method) it is in; None at module or class level."""
    stack: List[Tuple[Optional[ast.AST], ast.AST]] = [(None, tree)]
    while stack:
        function, node = stack.pop()
        for child in ast.iter_child_nodes(node):
            inner = child if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) else function
            if isinstance(child, ast.Call):
                yield function, child
            stack.append((inner, child))


_RECEIVER = "\0receiver"  # the inherited receiver of a subclass's `self.m()` / `super().m()` (no source name)


def _inherited_calls(tree: ast.Module, names: Dict[str, _Target],
                     lookup: Callable[[str], List[Sender]]) -> Dict[int, _Target]:
    """A class of this file that subclasses a project class holding senders (`class Mine(circleAPI)`): its
    methods' calls `self.m(...)` and `super().m(...)` of a method it does not define itself, by call node,
    with the base class that sends."""
    out: Dict[int, _Target] = {}
    for cls in ast.walk(tree):
        if not isinstance(cls, ast.ClassDef):
            continue
        bases = [t for t in (_class_of(b, names) for b in cls.bases)
                 if t is not None and any(s.cls == t.attr for s in lookup(t.module))]
        if not bases:
            continue
        own = {n.name for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        for method in cls.body:
            if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) or not method.args.args:
                continue
            me = method.args.args[0].arg  # self
            for call in ast.walk(method):
                if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
                    continue
                recv = call.func.value
                is_super = (isinstance(recv, ast.Call) and isinstance(recv.func, ast.Name)
                            and recv.func.id == "super")
                if is_super or (isinstance(recv, ast.Name) and recv.id == me and call.func.attr not in own):
                    out[id(call)] = bases[0]
    return out


def _unquoted(annotation: ast.AST) -> ast.AST:
    """`"C"` as an annotation (a forward reference) names C."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            return ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return annotation
    return annotation


def _senders_called(call: ast.Call, names: Dict[str, _Target], instances: Dict[str, _Target],
                    lookup: Callable[[str], List[Sender]],
                    receiver: Optional[str] = None) -> Iterator[Tuple[Sender, str]]:
    """The senders a call reaches; `receiver`: the name `instances` gives the call's receiver under (a
    subclass's inherited call), whatever the source writes."""
    func = call.func
    text = _dotted(func)
    if receiver is not None and isinstance(func, ast.Attribute):
        text = None
    if text is not None and text in names:  # f(...) or C(...) imported by name
        target = names[text]
        owner, name = (None, target.attr) if target.attr is not None else (None, None)
        for s in lookup(target.module):
            if s.kind != TABLE and ((s.cls is None and s.name == name) or (s.cls == name and s.name == "__init__")):
                yield s, f"{name}()"
        return
    if not isinstance(func, ast.Attribute):
        return
    recv = func.value
    target: Optional[_Target] = None
    recv_text = _dotted(recv) if receiver is None else receiver
    if isinstance(recv, ast.Call) and receiver is None:
        target = _class_of(recv.func, names)  # C(...).method(...)
    elif recv_text is not None and recv_text in instances:
        target = instances[recv_text]
    elif recv_text is not None and recv_text in names:
        mod = names[recv_text]
        if mod.attr is None:  # module.f(...)
            for s in lookup(mod.module):
                if s.cls is None and s.kind != TABLE and s.name == func.attr:
                    yield s, f"{recv_text}.{func.attr}()"
            return
        target = mod  # C.static_method(...)
    else:
        constructed = _class_of(func, names)  # mod.C(...): its constructor
        if constructed is not None:
            for s in lookup(constructed.module):
                if s.cls == constructed.attr and s.name == "__init__" and s.kind != TABLE:
                    yield s, f"{text}()"
        return
    if target is None:
        return
    key = call.args[0].value if (call.args and isinstance(call.args[0], ast.Constant)
                                 and isinstance(call.args[0].value, str)) else None
    for s in lookup(target.module):
        if s.cls != target.attr:
            continue
        if s.kind == TABLE:
            if key is not None and s.name == key:
                yield s, f"`{key}` of {s.cls}'s endpoint table"
        elif s.name == func.attr:
            yield s, f"{s.cls}.{s.name}()"


def _finding(call: ast.Call, sender: Sender, how: str, path: str, positions: Any,
             catalogue: Any) -> Iterator[Finding]:
    line, col, end_line, end_col = positions.span(call)
    where = f"{sender.where}"
    if sender.kind == TABLE:
        reason = (f"the call names the entry {how} ({where}); the method that sends it is assumed to send "
                  f"that entry; change it there")
    elif sender.kind == CALL:
        reason = f"the request is sent by {how} in {where}; change it there"
    else:
        route = _route_argument(call, catalogue)
        if route is not None:
            match, alternatives = route
            reason = f"the call hands the route to {how}, a v1.1 sender in {where}; change it there"
            if alternatives:
                reason += f"; {alternatives}"
            rule = match.rule
            yield Finding(rule_id=rule.id, path=path, line=line, column=col, end_line=end_line,
                          end_column=end_col, message=rule.message.strip(), severity=rule.severity, fix="manual",
                          confidence=LOW, reason=reason)
            return
        reason = f"{how} is a v1.1 sender whose route comes from its callers ({where}); this call's route is not resolved"
    yield Finding(rule_id=sender.rule_id, path=path, line=line, column=col, end_line=end_line, end_column=end_col,
                  message=sender.message, severity=sender.severity, fix="manual", confidence=LOW, reason=reason)


def _route_argument(call: ast.Call, catalogue: Any) -> Optional[Tuple[Any, str]]:
    """The endpoint rule a literal route argument of a generic sender's call matches (`send("/me")`)."""
    values = list(call.args) + [k.value for k in call.keywords]
    verb = next((v.value.upper() for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)
                 and v.value.upper() in ("GET", "POST", "PUT", "DELETE", "PATCH")), None)
    for v in values:
        if not (isinstance(v, ast.Constant) and isinstance(v.value, str) and v.value.strip()
                and v.value.upper() != verb and " " not in v.value):
            continue
        route = v.value
        url = route if "://" in route else "https://circleci.com/api/v1.1/" + route.lstrip("/")
        matches = catalogue.match_request(verb, url)
        if matches:
            best = matches[0]
            alternatives = verb_not_resolved("the sender's verb", best, matches) if verb is None else ""
            same = {m.rule.id for m in matches if m.match.specificity == best.match.specificity}
            if verb is None and len(same) > 1:  # the most consequential possibility first
                rank = {"error": 0, "warning": 1, "info": 2}
                best = min((m for m in matches if m.match.specificity == best.match.specificity),
                           key=lambda m: rank.get(m.rule.severity, 3))
            return best, alternatives if len(same) > 1 else ""
    return None
