"""Fixes for properties of any request: the Accept header (v1.1), and a token in the query string (v1.1, v2).

missing-accept-header: add `Accept: application/json` (merged into a headers
dict literal, or as a new headers= argument). token-in-query: take
`circle-token=...` out of the URL (or out of params=) and send it as the
`Circle-Token` header. Both are safe: the request means the same to the server.

PYTHON_FIXES is the Python fixer's registry of the rules' `request.check` names
(migrate/request_checks.py): one function per name plans the fix of one finding
on one call, and `@PYTHON_FIXES.together(...)` plans several checks of one call
in one edit where fixing them one by one would not do (urlopen takes no headers:
one Request carries both the Accept header and the token).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from circleci_v2.rules import Catalogue, Rule

from ..findings import Finding
from ..request_checks import RequestChecks
from .interface import SAFE, CannotFix
from .url_segments import expression_for, quote_of
from .url_segments import string_literal
from .shape import (URLOPEN, Draft, Param, Shape, arg, ensure_headers, literal_keys, module_bound, resolve_dict,
                    selector_of, shape_for)
from .source_map import SourceMap
from .url_argument import UrlSite, imported_constants, token_pair

ACCEPT = ("Accept", '"application/json"')
CONTENT_TYPE = ("Content-Type", '"application/json"')
TOKEN_HEADER = "Circle-Token"


def add_accept(draft: Draft, call: ast.Call, shape: Shape, quote: str) -> None:
    pairs = [(ACCEPT[0], _q(ACCEPT[1], quote))]
    if shape is URLOPEN:
        wrap_in_request(draft, call, pairs, quote)
    else:
        ensure_headers(draft, call, shape, pairs, quote)


def wrap_in_request(draft: Draft, call: ast.Call, pairs: List[Tuple[str, str]], quote: str,
                    url_code: Optional[str] = None) -> None:
    """urlopen(url) -> urlopen(urllib.request.Request(url, headers={...})): urlopen takes no headers itself.

    `url_code` replaces the URL (the token fix takes the token out of it in the same edit)."""
    sm = draft.sm
    url = arg(call, Param("url", 0))
    if url is None or isinstance(url, ast.Starred):
        raise CannotFix("the URL argument of urlopen could not be found")
    func_text = sm.text_of(call.func) or ""
    if func_text.endswith(".urlopen"):
        request = func_text[: -len("urlopen")] + "Request"
    elif module_bound(sm, "Request", "urllib.request.Request"):
        request = "Request"
    else:
        raise CannotFix("urlopen(url) sends no headers: pass it a urllib.request.Request with the headers")
    src = url_code if url_code is not None else sm.expr_source(url)
    if src is None:
        raise CannotFix("the URL expression could not be copied")
    headers = ", ".join(f"{string_literal(k, quote)}: {v}" for k, v in pairs)
    if isinstance(url, ast.Call) and (sm.text_of(url.func) or "").endswith("Request"):
        raise CannotFix("the Request passed to urlopen is built here: add the headers to it")
    draft.call(call).arg_values[selector_of(call, url)] = f"{request}({src}, headers={{{headers}}})"


def token_from_query(url: UrlSite, markers: Sequence[str]) -> Tuple[Optional[str], list]:
    """(code for the token value, the query pairs to keep); (None, all pairs) when the URL has no token."""
    pair, rest = token_pair(url, markers)
    if pair is None:
        return None, rest
    value = url.cut(pair.value_start, pair.end, "token")
    if not value:
        raise CannotFix("the token in the query string is empty")
    return expression_for(value, url.sm.expr_source, url.quote), rest


def token_from_params(draft: Draft, call: ast.Call, shape: Shape, markers: Sequence[str]) -> Optional[str]:
    """Take the token out of params={...}; code for its value, or None when params holds none."""
    if shape.params is None:
        return None
    node = arg(call, shape.params)
    if node is None:
        return None
    target = resolve_dict(draft.sm, node)
    if target is None:
        return None
    wanted = {m.lower() for m in markers}
    keys = literal_keys(target)
    hit = next((k for k in keys if k.lower() in wanted), None)
    if hit is None:
        return None
    value = target.values[list(keys).index(hit)]
    code = draft.sm.expr_source(value)
    if code is None:
        raise CannotFix("the token's expression in params= could not be copied")
    if target is node and len(keys) == 1:
        draft.call(call).remove_args.add(shape.params.keyword)
    else:
        draft.dict(target).remove.add(hit)
    return code


def move_token(draft: Draft, call: ast.Call, shape: Shape, url: Optional[UrlSite], markers: Sequence[str],
               rewrite_url: bool = True, with_accept: bool = False) -> Optional[str]:
    """Move the token to the Circle-Token header; returns the token code (None when there was none).

    With rewrite_url False the caller writes the URL itself (the endpoint fix builds a new one). With
    with_accept, `Accept: application/json` goes into the same headers (urlopen gets one Request for both).
    """
    code: Optional[str] = None
    new_url: Optional[str] = None  # the URL without the token, for an argument replaced whole
    if url is not None:
        code, rest = token_from_query(url, markers)
        if code is not None and rewrite_url:
            segs = url.cut(0, url.path_end, "URL") + url.query_segs(rest) + url.fragment()
            new_url = url.render(segs)
            if shape is not URLOPEN or url.assign is not None:
                url.write(draft, new_url)
                new_url = None
    if code is None:
        code = token_from_params(draft, call, shape, markers)
    if code is not None:
        quote = url.quote if url is not None else '"'
        pairs = [(TOKEN_HEADER, code)]
        if with_accept:
            pairs.insert(0, (ACCEPT[0], _q(ACCEPT[1], quote)))
        if shape is URLOPEN:
            # the URL argument, token taken out, goes into the Request that carries the headers
            wrap_in_request(draft, call, pairs, quote, url_code=new_url)
        else:
            ensure_headers(draft, call, shape, pairs, quote)
    return code


def _q(code: str, quote: str) -> str:
    """A double-quoted literal in the file's own quote style."""
    if quote == "'" and code.startswith('"') and "'" not in code:
        return "'" + code[1:-1] + "'"
    return code


def header_pairs(quote: str, json_body: bool) -> List[Tuple[str, str]]:
    pairs = [(ACCEPT[0], _q(ACCEPT[1], quote))]
    if json_body:
        pairs.insert(0, (CONTENT_TYPE[0], _q(CONTENT_TYPE[1], quote)))
    return pairs


# ---- the request checks (PYTHON_FIXES) ----------------------------------------------------------

@dataclass(frozen=True)
class RequestCall:
    """One call whose request-check findings the fixer settles, and what each check's fix reads."""
    sm: SourceMap
    call: ast.Call
    rewritten: bool  # the endpoint rewrite made it a v2 call, which sets Accept and moves the token itself
    token_markers: Tuple[str, ...]


# (fix class, description) for one finding of its check on the call; raises CannotFix (NeedsUnsafe) with why not
FixOne = Callable[[Rule, RequestCall, Draft, Finding], Tuple[str, str]]
# several checks' findings of one call (by check name) -> description per check name; None: not for this call
FixTogether = Callable[[RequestCall, Draft, Dict[str, List[Finding]]], Optional[Dict[str, str]]]


class RequestFixes(RequestChecks[FixOne]):
    """RequestChecks, plus the fixes that settle several checks of one call in one edit."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self._together: List[Tuple[Tuple[str, ...], FixTogether]] = []

    def together(self, *names: str) -> Callable[[FixTogether], FixTogether]:
        """Register a fix tried, before the one-by-one fixes, on a call that has findings of all `names`."""
        def register(func: FixTogether) -> FixTogether:
            self._together.append((names, func))
            return func
        return register

    def combinations(self) -> Tuple[Tuple[Tuple[str, ...], FixTogether], ...]:
        return tuple(self._together)

    def order(self, name: str) -> int:
        """A check's place among the registered ones: a call's fixes are planned in this order."""
        self[name]  # a name no function is registered for: KeyError naming the registry
        return list(self._by_name).index(name)


PYTHON_FIXES = RequestFixes("the Python fixer")
TOKEN_CHECK = "query-token"
_ACCEPT_ADDED = "Accept: application/json added"
_TOKEN_MOVED = "token moved from the query string to the Circle-Token header"


def token_markers(catalogue: Catalogue) -> Tuple[str, ...]:
    """The query-string names of the token (the markers of the rules checking for it)."""
    return catalogue.token_query_names()


# registered in this order: a call's fixes are planned so, and the headers they add are listed so
@PYTHON_FIXES("accept")
def _accept_fix(rule: Rule, request: RequestCall, draft: Draft, f: Finding) -> Tuple[str, str]:
    if request.rewritten:
        return SAFE, "Accept: application/json set by the v2 rewrite"
    call = request.call
    add_accept(draft, call, shape_for(call, f.site.library), quote_of(request.sm.text_of(call)))
    return SAFE, _ACCEPT_ADDED


@PYTHON_FIXES("route")
def _route_fix(rule: Rule, request: RequestCall, draft: Draft, f: Finding) -> Tuple[str, str]:
    # the route comes from the callers: a person moves each of them (the rule's fix is manual)
    raise CannotFix(f.reason or "the route is not resolved in this file: each caller's route has its own v2 operation")


@PYTHON_FIXES(TOKEN_CHECK)
def _token_fix(rule: Rule, request: RequestCall, draft: Draft, f: Finding) -> Tuple[str, str]:
    if request.rewritten:
        return SAFE, "token moved to the Circle-Token header by the v2 rewrite"
    _move_token_of(request, draft, f)
    return SAFE, _TOKEN_MOVED


@PYTHON_FIXES.together("accept", TOKEN_CHECK)
def _accept_and_token_in_one_request(request: RequestCall, draft: Draft,
                                     found: Dict[str, List[Finding]]) -> Optional[Dict[str, str]]:
    """urlopen takes no headers: one Request carries both, or a second run would be needed for the token."""
    first = found[TOKEN_CHECK][0]
    if request.rewritten or shape_for(request.call, first.site.library) is not URLOPEN:
        return None
    _move_token_of(request, draft, first, with_accept=True)
    return {"accept": _ACCEPT_ADDED, TOKEN_CHECK: _TOKEN_MOVED}


def _move_token_of(request: RequestCall, draft: Draft, f: Finding, with_accept: bool = False) -> None:
    site, call = f.site, request.call
    url: Optional[UrlSite] = None
    problem = ""
    if site.url is not None:
        try:
            url = UrlSite(request.sm, call, site.url_arg, site.url.url, site.library, imported_constants(site.url))
        except CannotFix as exc:
            problem = str(exc)
    code = move_token(draft, call, shape_for(call, site.library), url, request.token_markers, with_accept=with_accept)
    if code is None:
        raise CannotFix(problem or "the token could not be taken out of the request")
