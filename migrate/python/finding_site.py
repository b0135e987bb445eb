"""The evidence the Python analyser keeps for each finding (Finding.site).

The fixer reads it to rewrite the call without analysing the file again. It
holds `ast` nodes of the analysed tree: the fixer finds the matching libcst
node by `call_index`, the position of the call among all calls of the module
in source order (ast and libcst agree on that order; see fix/locate.py).
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import List, Optional, Tuple, Union

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

    @cached_property
    def lines(self) -> List[str]:
        """The lines with their ends, split where Python splits them (at \\r\\n, \\r and \\n only)."""
        return _LINE.findall(self.source)

    def segment(self, node: ast.AST) -> str:
        """The source text of `node`, as ast.get_source_segment gives it ("" without a position), from the
        lines split once: get_source_segment splits the whole text again on every call, which made a file of
        thousands of routes take hours."""
        line, end_line = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
        col, end_col = getattr(node, "col_offset", None), getattr(node, "end_col_offset", None)
        lines = self.lines
        if None in (line, end_line, col, end_col) or not 1 <= line <= end_line <= len(lines):
            return ""
        data = [self._encoded(n) for n in range(line - 1, end_line)]  # columns are UTF-8 byte offsets
        if len(data) == 1:
            return data[0][col:end_col].decode("utf-8", "replace")
        return b"".join([data[0][col:], *data[1:-1], data[-1][:end_col]]).decode("utf-8", "replace")


    def _encoded(self, index: int) -> bytes:
        """Line `index` (0-based) in UTF-8, encoded once: a minified file's one line may be megabytes."""
        cache = self.__dict__.setdefault("_encoded_lines", {})
        data = cache.get(index)
        if data is None:
            data = cache[index] = self.lines[index].encode("utf-8")
        return data


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


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
