"""The vendored CircleCI v2 OpenAPI spec: routing and validation for the emulator.

The spec (circleci_v2.rules.SPEC_PATH) is parsed once per process and shared
by every Emulator instance: it is 840 KB and building the openapi-core object
costs far more than a request.

Two adjustments are made to the parsed copy, never to the file:
- the spec is a converted Swagger 2 document and marks nullable fields with
  `x-nullable`, which OpenAPI 3.0 validators ignore; the real service sends
  null there (next_page_token on the last page, stopped_at of a running
  workflow), so `x-nullable: true` also sets `nullable: true`;
- a few fields are required but sent as null by the real service while a job
  has not started; NULLABLE_PATCHES lists them, each with its reason;
- `allowEmptyValue` (deprecated in OpenAPI 3.0; openapi-core warns on every
  use) is removed, and an empty value of such a parameter (`?page-token=`) is
  dropped before validation instead, which is what the flag allowed.
"""
from __future__ import annotations

import copy
import json
import re
import threading
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import unquote

from circleci_v2.rules import SPEC_PATH
from circleci_v2.rules.endpoints import V2_ROOT

API_PREFIX = V2_ROOT

# (path, method, status, JSON pointer to a schema below the response schema)
# made nullable because the real service sends null there.
NULLABLE_PATCHES: Tuple[Tuple[str, str, str, Tuple[str, ...], str], ...] = (
    ("/workflow/{id}/job", "get", "200", ("properties", "items", "items", "properties", "started_at"),
     "a job that has not started yet (blocked, queued, on_hold) has started_at null"),
    ("/project/{project-slug}/job/{job-number}", "get", "200", ("properties", "started_at"),
     "a queued job has no start time yet"),
)

# Path parameters whose values hold slashes (allowReserved in the spec): how
# many segments each spans when the slashes are not escaped.
_MULTI_SEGMENT = {
    "project-slug": r"[^/]+/[^/]+/[^/]+",
    "org-slug": r"[^/]+/[^/]+",
    "org-slug-or-id": r"[^/]+/[^/]+|[^/]+",
}
_ESCAPED_SLASH = r"[^/]*%2[fF][^/]*"
_PARAM = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True)
class Operation:
    """One operation of the spec: its id, method and path template (without /api/v2)."""

    operation_id: str
    method: str
    path: str

    @property
    def path_pattern(self) -> str:
        return API_PREFIX + self.path


@dataclass(frozen=True)
class RouteMatch:
    operation: Operation
    params: Dict[str, str]


class Router:
    """Matches request paths against the spec's path templates."""

    def __init__(self, paths: Mapping[str, Any]) -> None:
        self.operations: Dict[str, Operation] = {}
        self._routes: List[Tuple[int, int, "re.Pattern[str]", List[str], Dict[str, Operation]]] = []
        for path, item in paths.items():
            by_method: Dict[str, Operation] = {}
            for method, op in item.items():
                if isinstance(op, dict) and "operationId" in op:
                    operation = Operation(op["operationId"], method.upper(), path)
                    by_method[method.upper()] = operation
                    self.operations[operation.operation_id] = operation
            names = _PARAM.findall(path)
            regex = ""
            pos = 0
            for i, m in enumerate(_PARAM.finditer(path)):
                regex += re.escape(path[pos:m.start()])
                seg = _MULTI_SEGMENT.get(m.group(1), r"[^/]+")
                regex += f"(?P<p{i}>{seg}|{_ESCAPED_SLASH})" if m.group(1) in _MULTI_SEGMENT else f"(?P<p{i}>{seg})"
                pos = m.end()
            regex += re.escape(path[pos:])
            literal = len(_PARAM.sub("", path))
            self._routes.append((literal, len(names), re.compile(regex + "/?"), names, by_method))
        # most literal text first, then fewest parameters: /pipeline/mine before /pipeline/{n}
        self._routes.sort(key=lambda r: (-r[0], r[1]))

    def allowed(self, path: str) -> List[str]:
        """The methods the spec has for `path` (the Allow header of a 405), in a stable order."""
        methods: set = set()
        for _literal, _n, regex, _names, by_method in self._routes:
            if regex.fullmatch(path) is not None:
                methods.update(by_method)
        return sorted(methods)

    def match(self, method: str, path: str) -> Tuple[Optional[RouteMatch], bool]:
        """(match, path_known): path_known is True when the path exists for another method."""
        known = False
        for _literal, _n, regex, names, by_method in self._routes:
            m = regex.fullmatch(path)
            if m is None:
                continue
            known = True
            op = by_method.get(method.upper())
            if op is None:
                continue
            params = {name: unquote(m.group(f"p{i}")) for i, name in enumerate(names)}
            return RouteMatch(op, params), True
        return None, known


class SpecData:
    """The parsed spec, its router and (lazily) its openapi-core validator."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.document: Dict[str, Any] = json.loads(raw)
        self.router = Router(self.document["paths"])
        # operationId -> query parameters that may be sent empty
        self.empty_allowed: Dict[str, set] = {}
        for item in self.document["paths"].values():
            for op in item.values():
                if isinstance(op, dict) and "operationId" in op:
                    names = {p["name"] for p in op.get("parameters", []) if p.get("allowEmptyValue")}
                    if names:
                        self.empty_allowed[op["operationId"]] = names
        self._openapi: Any = None
        self._lock = threading.Lock()

    @property
    def openapi(self) -> Any:
        """The openapi-core OpenAPI object (built on first use; needs the `emulator` extra)."""
        if self._openapi is None:
            with self._lock:
                if self._openapi is None:
                    try:
                        from openapi_core import Config, OpenAPI
                    except ImportError as exc:  # pragma: no cover - depends on the install
                        raise RuntimeError(
                            "the emulator validates against the spec with openapi-core: "
                            "pip install 'circleci-v2[emulator]'"
                        ) from exc
                    doc = _validation_copy(self.document)
                    # The vendored file is checked once by tests; checking it again on
                    # every start would cost seconds.
                    self._openapi = OpenAPI.from_dict(doc, config=Config(spec_validator_cls=None))
        return self._openapi


def _mark_nullable(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("x-nullable") is True:
            node["nullable"] = True
        node.pop("allowEmptyValue", None)
        for value in node.values():
            _mark_nullable(value)
    elif isinstance(node, list):
        for value in node:
            _mark_nullable(value)


def _validation_copy(document: Dict[str, Any]) -> Dict[str, Any]:
    doc = copy.deepcopy(document)
    _mark_nullable(doc)
    for path, method, status, pointer, _why in NULLABLE_PATCHES:
        node = doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
        for part in pointer:
            node = node[part]
        node["nullable"] = True
    return doc


_SPEC: Optional[SpecData] = None
_SPEC_LOCK = threading.Lock()


def spec() -> SpecData:
    """The process-wide parsed spec."""
    global _SPEC
    if _SPEC is None:
        with _SPEC_LOCK:
            if _SPEC is None:
                _SPEC = SpecData(SPEC_PATH.read_bytes())
    return _SPEC


# --- validation -------------------------------------------------------------------------------


class _Request:
    """The request protocol openapi-core reads, for an already routed request."""

    host_url = "https://circleci.com"

    def __init__(self, route: RouteMatch, path: str, query: Sequence[Tuple[str, str]],
                 headers: Mapping[str, str], body: Optional[bytes], content_type: str) -> None:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        empty_ok = spec().empty_allowed.get(route.operation.operation_id, ())
        query = [(k, v) for k, v in query if v != "" or k not in empty_ok]
        self.method = route.operation.method.lower()
        self.path = path
        self.path_pattern = route.operation.path_pattern
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(query)),
            header=Headers(list(headers.items())),
            path=dict(route.params),
        )
        self.body = body or None
        self.content_type = content_type.lower()


class _Response:
    def __init__(self, status: int, body: Optional[bytes], content_type: str, headers: Mapping[str, str]) -> None:
        self.status_code = status
        self.data = body
        self.content_type = content_type.lower()
        self.headers = dict(headers)


def _describe(error: BaseException) -> str:
    parts = [str(error)]
    cause = error.__cause__
    while cause is not None:
        schema_errors = getattr(cause, "schema_errors", None)
        if schema_errors:
            parts.extend(
                ("/".join(str(p) for p in e.absolute_path) + ": " if list(e.absolute_path) else "") + e.message
                for e in schema_errors
            )
        else:
            parts.append(str(cause))
        cause = cause.__cause__
    # de-duplicate while keeping order
    seen: List[str] = []
    for p in parts:
        if p and p not in seen:
            seen.append(p)
    return ": ".join(seen)


def validate_request(route: RouteMatch, path: str, query: Sequence[Tuple[str, str]], headers: Mapping[str, str],
                     body: Optional[bytes], content_type: str) -> List[str]:
    """Errors of one request against its operation; empty when valid."""
    request = _Request(route, path, query, headers, body, content_type)
    return [_describe(e) for e in spec().openapi.iter_request_errors(request)]


def validate_response(route: RouteMatch, path: str, query: Sequence[Tuple[str, str]], headers: Mapping[str, str],
                      req_body: Optional[bytes], req_content_type: str, status: int, body: Optional[bytes],
                      content_type: str, resp_headers: Mapping[str, str]) -> List[str]:
    """Errors of one response against its operation's declared responses; empty when valid."""
    request = _Request(route, path, query, headers, req_body, req_content_type)
    response = _Response(status, body, content_type, resp_headers)
    return [_describe(e) for e in spec().openapi.iter_response_errors(request, response)]
