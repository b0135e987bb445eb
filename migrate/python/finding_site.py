"""The evidence the Python analyser keeps for each finding (Finding.site).

The fixer reads it to rewrite the call without analysing the file again. It
holds `ast` nodes of the analysed tree: the fixer finds the matching libcst
node by `call_index`, the position of the call among all calls of the module
in source order (ast and libcst agree on that order; see fix/locate.py).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Optional, Tuple, Union

from circleci_v2.rules import ClientMethod, RuleMatch


@dataclass(frozen=True)
class UrlPart:
    """One piece of a URL as the analyser resolved it."""

    text: Optional[str]  # literal text; None when the value is not known statically
    node: Optional[ast.AST] = None  # where the piece comes from in the source
    placeholder: Optional[str] = None  # the character standing for it in ResolvedUrl.url


@dataclass(frozen=True)
class ResolvedUrl:
    """A URL built however the code builds it, with unknown parts as placeholders."""

    url: str  # template; unresolved parts are circleci_v2.rules placeholders
    parts: Tuple[UrlPart, ...]
    node: ast.expr  # the URL expression as written at the call site
    via_names: bool = False  # resolution went through names or attributes defined elsewhere in the file


@dataclass(frozen=True, eq=False)
class AnalysedModule:
    """The text the analyser parsed and its tree: the fixer maps this tree instead of parsing the text again."""

    source: str
    tree: ast.Module


@dataclass(frozen=True)
class PythonCallSite:
    call: ast.Call
    call_index: int  # ordinal of `call` among the module's ast.Call nodes sorted by (start, -end)
    # requests | requests.Session | httpx | httpx.Client | httpx.AsyncClient | urllib.request |
    # http.client | aiohttp | subprocess:curl | client (a legacy client method)
    library: str
    verb: Optional[str] = None  # upper case; None when not resolved
    verb_node: Optional[ast.AST] = None
    url: Optional[ResolvedUrl] = None
    url_arg: Union[int, str, None] = None  # positional index or keyword name of the URL argument
    match: Optional[RuleMatch] = None  # the most specific endpoint match, for endpoint rules
    headers_node: Optional[ast.expr] = None  # the headers= argument (or Request header dict) if any
    has_accept_header: Optional[bool] = None  # None when headers could not be resolved
    body_node: Optional[ast.expr] = None  # json= / data= / the body argument
    params_node: Optional[ast.expr] = None  # params= for requests/httpx
    client: Optional[ClientMethod] = None  # for client rules
    import_node: Optional[ast.AST] = None  # for import rules: the Import/ImportFrom statement
    notes: Tuple[str, ...] = field(default=())
    # Fields added by the analyser (additive; see migrate/python/analyser.py):
    # the node the finding points at: `call`, or for a bound method read without a call
    # (`fn = api.trigger_build`) the Attribute node, in which case `call` is None and call_index -1
    node: Optional[ast.AST] = None
    # a call of a wrapper function defined in this module: `call` is the wrapper call, `inner_call`
    # the HTTP call inside the wrapper (`wrapper`, a FunctionDef) that sends the request
    wrapper: Optional[ast.AST] = None
    inner_call: Optional[ast.Call] = None
    # curl through subprocess with an argv list: index of the URL in that list (None for a shell string)
    argv_index: Optional[int] = None
    # the receiver when the library is not recognised (`self.http`); None otherwise
    receiver: Optional[str] = None
    # the analysed text and tree these nodes belong to (set by the analyser for every finding)
    module: Optional[AnalysedModule] = field(default=None, compare=False, repr=False)
    # the call goes through this drop-in (circleci_v2.shim.requests, ...): the rule's shim.runs says what it does
    drop_in: Optional[str] = None
