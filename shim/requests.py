"""`from circleci_v2.shim import requests`: the requests API, with deprecated CircleCI v1.1 calls translated.

Everything is requests' own (Session, Response, exceptions, ...). The module-level
request functions send through a Session with CircleCIAdapter mounted: requests to
a CircleCI API v1.x path on a CircleCI host are looked up in the rule catalogue
(catalogue.match_request) and, when the rule names a shim translation, carried out
on API v2 by that translation's handler (registered with @translation: trigger,
retry, retry-ssh, recent-builds; clear-cache answers 410 with the cache-key alternative).
Other v1.x requests go out with `Accept: application/json` added when the caller
stated no preference and a `circle-token` query parameter
moved to the `Circle-Token` header (so it is in no URL: not in logs, not in an
HTTPError's text); an EDN reply is decoded so .json() gives plain JSON data.

Unlike plain requests, every request through this module's Session has a
timeout (connect 3.05 s, read 30 s; set_default_timeout() changes it, an explicit
`timeout=` is kept, None included), and a redirect to another origin drops the
Circle-Token and Authorization headers and the circle-token query parameter.
A translated call sends each of its v2 requests with that same timeout (a number or
a (connect, read) tuple, per request as in requests; the v2 client still retries an
idempotent read that timed out), and a timeout or a connection failure is raised as
requests' own ReadTimeout, ConnectTimeout or ConnectionError.
"""
from __future__ import annotations

import base64
import json as _json
import threading
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

import requests as _requests
from requests import *  # noqa: F401,F403  (the drop-in keeps requests' whole surface)
from requests import (ConnectionError, HTTPError, PreparedRequest, Request, Response, Session,  # noqa: F401
                      Timeout, codes, exceptions, utils)
from requests.adapters import HTTPAdapter, TimeoutSauce
from requests.structures import CaseInsensitiveDict

from ..rules.endpoints import LEGACY_API_ROOT
from ..rules.model import RuleMatch
from . import translate
from .client import CircleCIClient
from .errors import CircleCIError, PipelineErrored
from .form_fields import FormError, form_fields
from .legacy_session import DEFAULT_TIMEOUT, SafeRedirectsMixin, pop_token_param
from .slugs import project_slug
from .deprecation import catalogue, warn_deprecated

__version__ = _requests.__version__

# Hosts whose /api/v1.x requests are translated. None: any host (a v1.x CircleCI path is
# distinctive enough); set_circleci_hosts() narrows it for server installs sharing a proxy.
_hosts: Optional[Tuple[str, ...]] = None


def set_circleci_hosts(hosts: Optional[Iterable[str]]) -> None:
    """Translate only requests to these host names (e.g. ["circleci.com", "ci.example.com"]); None: any."""
    global _hosts
    _hosts = None if hosts is None else tuple(h.lower() for h in hosts)


def set_default_timeout(timeout: Any) -> None:
    """The timeout of requests sent without `timeout=` (connect, read) seconds, one number, or None (none)."""
    CircleCISession.default_timeout = timeout


def _is_v1(url: str) -> bool:
    parts = urlsplit(url)
    if _hosts is not None and (parts.hostname or "").lower() not in _hosts:
        return False
    return LEGACY_API_ROOT.search(parts.path) is not None  # the versions the rules describe (/api/v1.1/, /api/v1/)


def _token(request: PreparedRequest) -> Optional[str]:
    """The token the v1.1 request carried: Circle-Token header, Basic user, or circle-token query."""
    headers = request.headers
    if headers.get("Circle-Token"):
        return headers["Circle-Token"]
    auth = headers.get("Authorization", "")
    if auth.startswith("Basic "):
        user = base64.b64decode(auth[6:]).decode("utf-8", "replace").split(":", 1)[0]
        if user:
            return user
    if auth.startswith("Bearer "):
        return auth[7:]
    query = parse_qs(urlsplit(request.url or "").query)
    values = query.get("circle-token")
    return values[0] if values else None


def _body(request: PreparedRequest) -> Dict[str, Any]:
    """The v1.1 request's fields, from a JSON or a form body however requests was given it (bytes, text, a
    file, a generator: a translated request is never sent, so reading a stream here loses nothing).

    A body meant as JSON that is not raises TranslationError (answered 400 with the reason, as the emulator's
    v1.1 answers it), so a typo never becomes a build without its parameters.
    """
    raw = _read(request.body)
    if not raw:
        return {}
    ctype = request.headers.get("Content-Type", "")
    if "json" in ctype or raw.lstrip().startswith(b"{"):
        try:
            value = _json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise translate.TranslationError("Invalid JSON body: not UTF-8.") from None
        except (ValueError, RecursionError):
            raise translate.TranslationError("Invalid JSON body.") from None
        return dict(value) if isinstance(value, dict) else {}
    try:
        return form_fields(raw)  # v1.1 read form fields as it read JSON ones: build_parameters[NAME]=v included
    except FormError as exc:  # answered 400 with the reason, as the emulator answers it
        raise translate.TranslationError(str(exc)) from None


def _read(body: Any) -> bytes:
    """A prepared request's body as bytes: requests keeps a file or an iterable of chunks unread."""
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        data = body.read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return b"".join(chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk) for chunk in body)


def _reply(request: PreparedRequest, status: int, payload: Any) -> Response:
    resp = Response()
    resp.status_code = status
    resp._content = _json.dumps(payload).encode("utf-8")
    resp.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
    resp.url = request.url or ""
    resp.request = request
    resp.reason = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized", 410: "Gone"}.get(status, "")
    resp.encoding = "utf-8"
    return resp


@dataclass(frozen=True)
class V1Call:
    """A v1.1 request whose rule names a shim translation: what a translation handler reads."""

    found: RuleMatch
    request: PreparedRequest
    adapter: "CircleCIAdapter"
    timeout: Any = None  # the caller's `timeout=` (the session's default when none): each v2 request gets it

    @property
    def rule_id(self) -> str:
        return self.found.rule.id

    @property
    def params(self) -> Mapping[str, str]:
        """The rule's path parameters as the URL gave them (vcs, user, project, branch, build_num...)."""
        return self.found.match.params

    @property
    def slug(self) -> str:
        p = self.params
        return project_slug(f"{p['vcs']}/{p['user']}/{p['project']}")

    def query(self) -> Dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(urlsplit(self.request.url or "").query).items()}

    def client(self) -> CircleCIClient:
        """The v2 client for the request's token and host; _NoToken (answered 401) without a token."""
        token = _token(self.request)
        if not token:
            raise _NoToken()
        return self.adapter._client(token, self.request.url or "", self.timeout)

    def reply(self, status: int, payload: Any) -> Response:
        return _reply(self.request, status, payload)


class _NoToken(Exception):
    """A translated v1.1 request without a token: v1.1 answered 401, and so does the shim."""


Translation = Callable[[V1Call], Response]
_TRANSLATIONS: Dict[str, Translation] = {}


def translation(name: str) -> Callable[[Translation], Translation]:
    """Register the handler of the rules' `shim.translation: <name>` (rules/schema.json lists the names).

    A test checks that every name the schema allows has a handler and every handler a name.
    """
    def register(handler: Translation) -> Translation:
        if name in _TRANSLATIONS:
            raise ValueError(f"shim translation {name!r} registered twice")
        _TRANSLATIONS[name] = handler
        return handler
    return register


def translations() -> Mapping[str, Translation]:
    """The registered translation handlers, by the name rules give in `shim.translation`."""
    return dict(_TRANSLATIONS)


@translation("clear-cache")
def _clear_cache(call: V1Call) -> Response:
    rule = call.found.rule
    return call.reply(410, {"message": translate.clear_cache_text(rule.id), "rule": rule.id,
                            "replacement": rule.replacement_text, "guidance": rule.guidance})


@translation("trigger")
def _trigger(call: V1Call) -> Response:
    client = call.client()
    body = _body(call.request)
    return call.reply(201, translate.trigger(client, call.rule_id, call.slug, body, path=call.params))


@translation("retry")
def _retry(call: V1Call, ssh: bool = False) -> Response:
    client = call.client()
    translate.map_body(call.rule_id, _body(call.request))  # v2's rerun takes none of them: warned of (no-cache)
    return call.reply(200, translate.retry(client, call.rule_id, call.slug, call.params["build_num"], ssh=ssh))


@translation("retry-ssh")  # the rule says so (retry-build-ssh), not the URL's last segment
def _retry_ssh(call: V1Call) -> Response:
    return _retry(call, ssh=True)


@translation("recent-builds")
def _recent_builds(call: V1Call) -> Response:
    client = call.client()
    query = call.query()
    return call.reply(200, translate.recent_builds(client, **translate.emulated_query(call.rule_id, query)))


class CircleCIAdapter(HTTPAdapter):
    """A transport adapter that translates deprecated CircleCI v1.1 requests to API v2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: Dict[Tuple[str, str], CircleCIClient] = {}
        self._lock = threading.Lock()

    def _client(self, token: str, url: str, timeout: Any = DEFAULT_TIMEOUT) -> CircleCIClient:
        """The v2 client for a token and host, sending every request with `timeout` (one client per timeout)."""
        parts = urlsplit(url)
        legacy = LEGACY_API_ROOT.search(parts.path)
        root = parts.path[: legacy.start()] if legacy is not None else parts.path
        base = f"{parts.scheme}://{parts.netloc}{root}"
        key = (token, base, timeout)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._clients[key] = CircleCIClient(token, base, timeout=timeout)
            return client

    def close(self) -> None:
        super().close()
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()

    def send(self, request: PreparedRequest, **kwargs: Any) -> Response:  # type: ignore[override]
        url = request.url or ""
        if not _is_v1(url):
            return super().send(request, **kwargs)
        url, token = pop_token_param(url)
        if token is not None:  # into a header: a URL ends up in logs and in HTTPError's text
            request.url = url
            if not request.headers.get("Circle-Token") and not request.headers.get("Authorization"):
                request.headers["Circle-Token"] = token
        for found in catalogue().match_request(request.method, url):
            name = (found.rule.shim or {}).get("translation")
            if name:
                return self._translate(str(name), found, request, _checked_timeout(kwargs.get("timeout")))
        accept = request.headers.get("Accept")
        if not accept or accept.strip() == "*/*":
            request.headers["Accept"] = "application/json"
        return _decode_edn(super().send(request, **kwargs))

    def _translate(self, name: str, found: RuleMatch, request: PreparedRequest, timeout: Any) -> Response:
        handler = _TRANSLATIONS.get(name)
        if handler is None:  # the schema's enum and the registry are kept equal by a test
            raise NotImplementedError(f"{found.rule.id}: unknown shim translation {name!r}")
        warn_deprecated(found.rule.id)
        try:
            return handler(V1Call(found, request, self, timeout))
        except _NoToken:
            return _reply(request, 401, {"message": "You must log in first."})
        except PipelineErrored as exc:  # the trigger went through, but no build will run: say why
            return _reply(request, 400, {"message": str(exc), "errors": exc.errors,
                                         "pipeline_id": (exc.pipeline or {}).get("id")})
        except CircleCIError as exc:
            if exc.response is not None:
                return exc.response
            if isinstance(exc.__cause__, exceptions.RequestException):
                # what plain requests raises for it: ReadTimeout, ConnectTimeout, ConnectionError...
                raise exc.__cause__ from None
            raise ConnectionError(str(exc)) from exc
        except translate.TranslationError as exc:
            return _reply(request, 400, {"message": str(exc)})


def _checked_timeout(timeout: Any) -> Any:
    """The caller's timeout, refused as requests' HTTPAdapter.send refuses it (ValueError) when it is not one."""
    if isinstance(timeout, TimeoutSauce):
        return timeout
    if isinstance(timeout, tuple):
        try:
            connect, read = timeout
        except ValueError:
            raise ValueError(f"Invalid timeout {timeout}. Pass a (connect, read) timeout tuple, or a single "
                             "float to set both timeouts to the same value.") from None
        TimeoutSauce(connect=connect, read=read)
    else:
        TimeoutSauce(connect=timeout, read=timeout)
    return timeout


def _decode_edn(resp: Response) -> Response:
    """A v1.1 reply still in EDN (the caller asked for it) becomes JSON, so .json() works as with requests.

    An EDN body that does not parse (or edn-format not installed) is left as it came,
    and its .json() raises requests' JSONDecodeError, as plain requests does for a bad body.
    """
    if not resp.headers.get("Content-Type", "").startswith("application/edn"):
        return resp
    raw = resp.content
    try:
        import edn_format
    except ImportError:
        return _undecodable(resp, "an EDN reply needs edn-format (pip install 'circleci-v2[edn]')")
    try:
        text = raw.decode("utf-8")
        value = _json.dumps(_plain(edn_format.loads(text)), allow_nan=False)
    except Exception as exc:  # edn-format raises EDNDecodeError, NotImplementedError (unknown tag), ...
        return _undecodable(resp, f"invalid EDN body: {type(exc).__name__}: {exc}")
    resp._content = value.encode("utf-8")
    resp.headers["Content-Type"] = "application/json"
    resp.encoding = "utf-8"
    return resp


class _UndecodableEdnResponse(Response):
    """A Response whose EDN body could not be turned into JSON: .json() says why."""

    _edn_error = ""

    def json(self, **kwargs: Any) -> Any:
        raise exceptions.JSONDecodeError(self._edn_error, self.text, 0)


def _undecodable(resp: Response, why: str) -> Response:
    resp.__class__ = _UndecodableEdnResponse
    resp._edn_error = why  # type: ignore[attr-defined]
    return resp


def _plain(value: Any) -> Any:
    """EDN data as JSON data: maps -> objects, vectors, lists and sets -> arrays, keywords and symbols ->
    their names, #inst -> ISO 8601 strings, #uuid -> strings, decimals -> numbers."""
    import datetime
    import decimal
    import uuid

    if isinstance(value, (str, bool, int, float)) or value is None:
        return value
    if isinstance(value, dict) or hasattr(value, "items"):
        return {_key(k): _plain(v) for k, v in value.items()}
    if type(value).__name__ in ("Keyword", "Symbol"):
        return value.name
    if isinstance(value, datetime.datetime):
        if value.utcoffset() == datetime.timedelta(0):
            return value.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (list, tuple, set, frozenset)) or hasattr(value, "__iter__"):
        return [_plain(v) for v in value]  # edn-format's ImmutableList is no list subclass
    return str(value)


def _key(key: Any) -> str:
    plain = _plain(key)
    if isinstance(plain, str):
        return plain
    return _json.dumps(plain)  # a number, a vector... as JSON text: object keys are strings


class CircleCISession(SafeRedirectsMixin, _requests.Session):
    """A requests.Session with CircleCIAdapter mounted for http and https.

    Requests without `timeout=` get `default_timeout`; a redirect to another origin
    carries no credentials (SafeRedirectsMixin).
    """

    default_timeout = DEFAULT_TIMEOUT

    def __init__(self) -> None:
        super().__init__()
        adapter = CircleCIAdapter()
        self.mount("https://", adapter)
        self.mount("http://", adapter)


def session() -> CircleCISession:
    return CircleCISession()


def request(method: str, url: str, **kwargs: Any) -> Response:
    """requests.request, through CircleCIAdapter."""
    with CircleCISession() as s:
        return s.request(method=method, url=url, **kwargs)


def get(url: str, params: Any = None, **kwargs: Any) -> Response:
    return request("get", url, params=params, **kwargs)


def options(url: str, **kwargs: Any) -> Response:
    return request("options", url, **kwargs)


def head(url: str, **kwargs: Any) -> Response:
    kwargs.setdefault("allow_redirects", False)
    return request("head", url, **kwargs)


def post(url: str, data: Any = None, json: Any = None, **kwargs: Any) -> Response:
    return request("post", url, data=data, json=json, **kwargs)


def put(url: str, data: Any = None, **kwargs: Any) -> Response:
    return request("put", url, data=data, **kwargs)


def patch(url: str, data: Any = None, **kwargs: Any) -> Response:
    return request("patch", url, data=data, **kwargs)


def delete(url: str, **kwargs: Any) -> Response:
    return request("delete", url, **kwargs)


# `requests.Session()` in migrated code gets the adapter too; it is still a requests.Session.
Session = CircleCISession  # type: ignore[misc]  # noqa: F811
