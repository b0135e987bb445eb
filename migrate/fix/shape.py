"""Where each HTTP library takes its headers, body and query parameters, and how to change them.

Every fix of a raw HTTP call goes through these helpers, so "the call shape
allows it" means the same for all of them: the headers are a dict literal (or
a variable assigned one once and read only here), or absent and addable as a
keyword; the body is a dict literal under `json=` (or `json.dumps({...})`).
Anything else raises CannotFix with the reason a person will read.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple, Union

from ..python.http_calls import COMMAND_LINE_NOT_REWRITTEN, CURL_LIBRARY
from .bindings import bound_names, single_use_assignment
from .edits import CallEdit, DictEdit, Edits, NewDict, Selector, squash
from .interface import CannotFix
from .source_map import SourceMap
from .url_segments import string_literal
from .signature import ast_dict_keys, ast_shape


@dataclass(frozen=True)
class Param:
    keyword: str
    position: Optional[int] = None  # positional index, when the library also takes it by position


@dataclass(frozen=True)
class Shape:
    headers: Optional[Param]
    body: Optional[Param]  # where a JSON body goes
    body_style: str = "json"  # json: json={...}; bytes: data=json.dumps({...}).encode()
    params: Optional[Param] = None


_REQUESTS_LIKE = Shape(headers=Param("headers"), body=Param("json"), params=Param("params"))
SHAPES: Dict[str, Shape] = {
    "requests": _REQUESTS_LIKE,
    "requests.Session": _REQUESTS_LIKE,
    "httpx": _REQUESTS_LIKE,
    "httpx.Client": _REQUESTS_LIKE,
    "httpx.AsyncClient": _REQUESTS_LIKE,
    "aiohttp": _REQUESTS_LIKE,
    "urllib.request": Shape(headers=Param("headers", 2), body=Param("data", 1), body_style="bytes"),
    "http.client": Shape(headers=Param("headers", 3), body=None),
}


# urlopen(url) takes no headers: a fix wraps the URL in a Request (request_rules.wrap_in_request)
URLOPEN = Shape(headers=None, body=None)


def shape_for(call: ast.Call, library: str) -> Shape:
    """The shape of this call: as its library's, except urlopen(url), which has none of its own."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if library == "urllib.request" and name == "urlopen":
        return URLOPEN
    return shape_of(library)


def shape_of(library: str) -> Shape:
    shape = SHAPES.get(library)
    if shape is None:
        if library == CURL_LIBRARY:
            raise CannotFix(COMMAND_LINE_NOT_REWRITTEN)
        raise CannotFix(f"calls through {library} are not rewritten automatically")
    return shape


def arg(call: ast.Call, param: Union[Param, Selector, None]) -> Optional[ast.expr]:
    if param is None:
        return None
    if isinstance(param, Param):
        for k in call.keywords:
            if k.arg == param.keyword:
                return k.value
        if param.position is not None and param.position < len(call.args):
            if not any(isinstance(a, ast.Starred) for a in call.args[:param.position + 1]):
                return call.args[param.position]
        return None
    if isinstance(param, str):
        return next((k.value for k in call.keywords if k.arg == param), None)
    if param < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[:param + 1]):
        return call.args[param]
    return None


def selector_of(call: ast.Call, node: ast.expr) -> Selector:
    for i, a in enumerate(call.args):
        if a is node:
            return i
    for k in call.keywords:
        if k.value is node and k.arg is not None:
            return k.arg
    raise CannotFix("the argument could not be found again")


def has_kwsplat(call: ast.Call) -> bool:
    return any(k.arg is None for k in call.keywords)


class Draft:
    """Edits for one site, merged into the file's edits only when the whole site could be planned."""

    def __init__(self, sm: SourceMap) -> None:
        self.sm = sm
        self.edits = Edits()

    def call(self, call: ast.Call) -> CallEdit:
        index = self.sm.ordinal(call)
        edit = self.edits.calls.get(index)
        if edit is None:
            edit = self.edits.calls[index] = CallEdit(expect_func=self.sm.text_of(call.func) or "",
                                                      expect_shape=ast_shape(call.func))
        return edit

    def dict(self, node: ast.Dict) -> DictEdit:
        index = self.sm.ordinal(node)
        edit = self.edits.dicts.get(index)
        if edit is None:
            edit = self.edits.dicts[index] = DictEdit(expect_keys=ast_dict_keys(node))
        return edit


def merge(into: Edits, new: Edits) -> None:
    for index, ce in new.calls.items():
        have = into.calls.get(index)
        if have is None:
            into.calls[index] = ce
            continue
        for sel, code in ce.arg_values.items():
            if sel in have.arg_values and have.arg_values[sel] != code:
                raise CannotFix("two fixes disagree about one argument")
            have.arg_values[sel] = code
        have.remove_args |= ce.remove_args
        for name, value in ce.add_kwargs.items():
            old = have.add_kwargs.get(name)
            if isinstance(old, NewDict) and isinstance(value, NewDict):
                for k, kc, vc in value.entries:
                    old.ensure(k, kc, vc)
            elif old is not None and old != value:
                raise CannotFix(f"two fixes disagree about {name}=")
            else:
                have.add_kwargs[name] = value
        have.receiver = ce.receiver or have.receiver
    for index, de in new.dicts.items():
        have_d = into.dicts.get(index)
        if have_d is None:
            into.dicts[index] = de
            continue
        for k, kc, vc in de.ensure:
            have_d.add(k, kc, vc)
        have_d.rename.update(de.rename)
        have_d.remove |= de.remove
    into.assigns.update(new.assigns)
    into.imports.update(new.imports)
    into.chain_renames.update(new.chain_renames)
    for code in new.new_imports:
        into.add_import(code)


def resolve_dict(sm: SourceMap, node: Optional[ast.expr]) -> Optional[ast.Dict]:
    """A dict literal, directly or through a variable assigned it once and read only here."""
    if isinstance(node, ast.Dict):
        return node
    if isinstance(node, ast.Name):
        assign = single_use_assignment(sm, node)
        if assign is not None and isinstance(assign.value, ast.Dict):
            return assign.value
    return None


def literal_keys(node: ast.Dict) -> Dict[str, ast.expr]:
    """Key text -> key node, for a dict whose keys are all string literals (no ** splats)."""
    out: Dict[str, ast.expr] = {}
    for k in node.keys:
        if k is None:
            raise CannotFix("the dict has a ** splat whose keys cannot be seen")
        if not (isinstance(k, ast.Constant) and isinstance(k.value, str)):
            raise CannotFix("the dict has a key that is not a string literal")
        out[k.value] = k
    return out


def ensure_headers(draft: Draft, call: ast.Call, shape: Shape, pairs: List[Tuple[str, str]], quote: str) -> None:
    """Make the call send these headers: (name, value code). Present names are left as they are."""
    if shape.headers is None:
        raise CannotFix("this call has no headers argument to change")
    sm = draft.sm
    node = arg(call, shape.headers)
    entries = [(name, string_literal(name, quote), value) for name, value in pairs]
    if node is None:
        if has_kwsplat(call):
            raise CannotFix("the headers may come in through **kwargs; add them there")
        if shape.headers.position is not None and len(call.args) > shape.headers.position:
            raise CannotFix("the headers are passed by position behind a *splat")
        edit = draft.call(call)
        current = edit.add_kwargs.get(shape.headers.keyword)
        new = current if isinstance(current, NewDict) else NewDict()
        for e in entries:
            new.ensure(*e)
        edit.add_kwargs[shape.headers.keyword] = new
        return
    target = resolve_dict(sm, node)
    if target is None:
        src = sm.text_of(node) or "an expression"
        raise CannotFix(f"the headers come from `{_short(src)}`; add {', '.join(n for n, _ in pairs)} there")
    present = {k.value.lower() for k in target.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    edit_d = draft.dict(target)
    for e in entries:
        if e[0].lower() not in present:
            edit_d.add(*e)


def need_import(draft: Draft, name: str, module: str, statement: str) -> None:
    """Make `name` stand for `module` through `statement` (e.g. "import json"), unless the file already does."""
    sm = draft.sm
    if module_bound(sm, name, module):
        return
    if name in bound_names(sm):
        raise CannotFix(f"the name `{name}` is already used in this file for something else")
    draft.edits.add_import(statement)


def module_bound(sm: SourceMap, name: str, module: str) -> bool:
    """Is `name` bound to `module` by a top-level `import module [as name]` or `from x import y [as name]`?"""
    for node in sm.tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == module and (alias.asname or alias.name.split(".")[0]) == name:
                    return alias.asname is not None or "." not in module
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            for alias in node.names:
                if f"{node.module}.{alias.name}" == module and (alias.asname or alias.name) == name:
                    return True
    return False


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def same_text(a: Optional[str], b: Optional[str]) -> bool:
    return squash(a) == squash(b)
