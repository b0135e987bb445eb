"""The HTTP layer of the v2 client: one requests.Session, used safely.

What it guarantees, and why:
- Auth goes in a header (`Circle-Token` by default, Basic or Bearer as options),
  never in the query string, where proxies and server logs would keep it.
- Every request has a timeout (requests has none by default).
- Idempotent requests (GET, PUT, DELETE, ...) are retried on 429, 502, 503, 504
  and on connection errors and timeouts, with capped exponential backoff and
  jitter; Retry-After (seconds or an HTTP date) is honoured.
- A POST is retried only when it provably never reached the server (connection
  refused, DNS failure, connect timeout): a trigger must never run twice.
  A read timeout, a reset after sending or any reply (even 429 or 503) is not
  retried: the caller gets a typed error and decides.
- Redirects are followed here, not by requests, because requests keeps custom
  headers such as Circle-Token when a redirect leaves for another host. The
  token is only ever sent to the origin of the configured base URL.
- The token never appears in a repr, a log line or an error message.
- Proxy and CA-bundle variables (HTTPS_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE, ...)
  are read once per host (EnvOncePerHostSession). requests reads them again on
  every request, a walk over the whole environment that cost about a fifth of
  a keep-alive call's client time here.
"""
from __future__ import annotations

import base64
import functools
import email.utils
import logging
import os
import random
import re
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional, Tuple, Union
from urllib.parse import urljoin, urlsplit

import requests
from requests.auth import AuthBase
from requests.sessions import merge_setting
from requests.utils import get_environ_proxies
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

from circleci_v2.rules.endpoints import V2_ROOT, VERSIONED_ROOT_AT_END

from .errors import (
    CircleCIError,
    NetworkError,
    RequestTimeout,
    error_for_status,
)

__all__ = [
    "Transport",
    "EnvOncePerHostSession",
    "RetryPolicy",
    "Secret",
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "AUTH_MODES",
    "v2_base_url",
    "parse_retry_after",
    "never_reached_server",
]

log = logging.getLogger("circleci_v2.shim.transport")

DEFAULT_BASE_URL = "https://circleci.com"
# (connect, read) seconds. Connect just above a multiple of 3 s (the TCP SYN
# retransmit interval), read long enough for the slowest v2 list pages.
DEFAULT_TIMEOUT: Tuple[float, float] = (3.05, 30.0)
AUTH_MODES = ("token", "basic", "bearer")
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}

Timeout = Union[float, Tuple[float, float]]


class Secret:
    """Holds the token; its repr and str never show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


def _check_token(token: object) -> str:
    # Messages here never echo the token: a wrong value may still be a real secret.
    if not isinstance(token, str):
        raise TypeError(f"token must be a str (a CircleCI personal API token), "
                        f"got {type(token).__name__}")
    token = token.strip()  # a token read from a file usually ends in a newline
    if not token:
        raise ValueError("token is empty: pass a CircleCI personal API token")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in token):
        raise ValueError("token contains whitespace or control characters")
    return token


def v2_base_url(base_url: str) -> str:
    """The v2 API root for a CircleCI host or API URL.

    https://circleci.com, https://ci.example.com/api, .../api/v1.1 and
    .../api/v2 all give <host>/api/v2 (a CircleCI server install serves v2
    under the same host as the UI).
    """
    if not isinstance(base_url, str) or not base_url.strip():
        raise ValueError("base_url must be a URL such as https://circleci.com")
    parts = urlsplit(base_url.strip())
    shown = _redact_query(base_url.strip())  # ?circle-token=... must not reach a message either
    if "@" in parts.netloc:
        # Never echo the user part: it may be a token.
        raise ValueError(f"base_url {shown!r} must not contain credentials; pass the token separately")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"base_url {shown!r} is not an http(s) URL "
                         "(expected e.g. https://circleci.com)")
    if parts.query or parts.fragment:
        raise ValueError(f"base_url {shown!r} must not have a query or fragment"
                         + ("; pass the token separately" if "circle-token" in parts.query.lower() else ""))
    path = parts.path.rstrip("/")
    if VERSIONED_ROOT_AT_END.search(path):
        path = VERSIONED_ROOT_AT_END.sub(V2_ROOT, path)
    elif path.endswith("/api"):
        path += V2_ROOT[len("/api"):]
    else:
        path += V2_ROOT
    return f"{parts.scheme}://{parts.netloc}{path}"


def _redact_query(url: str) -> str:
    """`url` with user info, every query value and the fragment replaced by ***: any may be a token."""
    parts = urlsplit(url)
    query = "&".join(piece.split("=", 1)[0] + "=***" if "=" in piece else piece
                     for piece in parts.query.split("&")) if parts.query else ""
    netloc = "***@" + parts.netloc.rsplit("@", 1)[1] if "@" in parts.netloc else parts.netloc
    rest = f"{parts.scheme}://{netloc}{parts.path}" if parts.scheme else parts.geturl().split("?", 1)[0]
    return rest + (f"?{query}" if query else "") + ("#***" if parts.fragment else "")


def _origin(url: str) -> Tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme, 0)


def _trusted(url: str, origin: Tuple[str, str, int]) -> bool:
    """May the token go to `url`? Same scheme, host and port as the base, or an http->https upgrade."""
    target = _origin(url)
    if target == origin:
        return True
    scheme, host, port = origin
    return (scheme == "http" and port == 80 and target == ("https", host, 443))


@dataclass(frozen=True)
class RetryPolicy:
    """How failed requests are retried.

    The n-th retry (0-based) waits a uniformly random time in
    [c/2, c] where c = min(backoff_cap, backoff_base * 2**n) ("equal jitter":
    spread out, but never a near-zero wait). A Retry-After from the service is
    used as given; one longer than max_retry_after is not waited for: the
    RateLimited (or ServerError) error is raised at once, carrying it.
    """

    max_retries: int = 4
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    max_retry_after: float = 120.0

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        if self.backoff_base < 0 or self.backoff_cap < 0 or self.max_retry_after < 0:
            raise ValueError("backoff_base, backoff_cap and max_retry_after must be 0 or more")

    def backoff(self, retry: int, rng: Callable[[], float] = random.random) -> float:
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** retry))
        return ceiling / 2 + rng() * ceiling / 2


def parse_retry_after(value: Optional[str], now: Callable[[], float] = time.time) -> Optional[float]:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if seconds >= 0 and seconds == seconds else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now())


def never_reached_server(exc: BaseException) -> bool:
    """True when the request provably was not delivered: no connection was ever made.

    requests wraps urllib3's NewConnectionError (refused, DNS, unreachable) and
    ConnectTimeoutError in a MaxRetryError; a reset or read timeout after the
    connection was open is something else and may have been processed.
    """
    if isinstance(exc, requests.exceptions.SSLError):
        return False
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError) and exc.args:
        reason = exc.args[0]
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        # NewConnectionError subclasses ConnectTimeoutError; NameResolutionError subclasses it.
        return isinstance(reason, (NewConnectionError, ConnectTimeoutError))
    return False


def _transient(exc: BaseException) -> bool:
    """Worth retrying an idempotent request after this failure."""
    if isinstance(exc, (requests.exceptions.SSLError, requests.exceptions.InvalidURL,
                        requests.exceptions.InvalidHeader, requests.exceptions.TooManyRedirects)):
        return False
    return isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                            requests.exceptions.ChunkedEncodingError))


class _HeaderAuth(AuthBase):
    """Puts the auth header on a request. Given as `auth=` so requests never adds .netrc auth over it."""

    def __init__(self, secret: Secret, mode: str) -> None:
        token = secret.reveal()
        if mode == "token":
            self._name, value = "Circle-Token", token
        elif mode == "basic":  # the token is the user name, the password is empty
            self._name = "Authorization"
            value = "Basic " + base64.b64encode(f"{token}:".encode()).decode("ascii")
        else:
            self._name, value = "Authorization", "Bearer " + token
        self._value = Secret(value)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers[self._name] = self._value.reveal()
        return request

    def __repr__(self) -> str:
        return f"<auth {self._name}: ***>"

    @property
    def secrets(self) -> Tuple[str, ...]:
        value = self._value.reveal()
        return (value.split(" ", 1)[1],) if " " in value else (value,)


class _NoAuth(AuthBase):
    """For a hop to a foreign host: strip every credential header, whoever set it."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        for name in ("Circle-Token", "Authorization"):
            request.headers.pop(name, None)
        return request


_NO_AUTH = _NoAuth()


def _clean_params(params: Optional[Mapping[str, Any]]) -> Optional[Dict[str, str]]:
    if not params:
        return None
    out: Dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if key.lower() == "circle-token":
            raise ValueError("the token must not go in the query string; the client sends it as a header")
        out[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out or None


class EnvOncePerHostSession(requests.Session):
    """A requests.Session that reads the proxy and CA-bundle variables once per host.

    The result is what requests.Session gives, except that a variable changed
    after the first request to a host is not seen by later requests to it.
    """

    def __init__(self) -> None:
        super().__init__()
        self._environment: Dict[Tuple[str, str, int], Tuple[Dict[str, str], Optional[str]]] = {}

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any,
                                   cert: Any) -> Dict[str, Any]:
        if not self.trust_env or (proxies and "no_proxy" in proxies):
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        key = _origin(url)
        environment = self._environment.get(key)
        if environment is None:
            bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            environment = self._environment[key] = (get_environ_proxies(url), bundle)
        env_proxies, bundle = environment
        proxies = dict(proxies or {})
        for scheme, proxy in env_proxies.items():
            proxies.setdefault(scheme, proxy)
        if bundle and (verify is True or verify is None):
            verify = bundle
        return {"proxies": merge_setting(proxies, self.proxies), "stream": merge_setting(stream, self.stream),
                "verify": merge_setting(verify, self.verify), "cert": merge_setting(cert, self.cert)}


class Transport:
    """One keep-alive session to one CircleCI v2 API root.

    `request(method, path)` returns the requests.Response of a 2xx (or 3xx
    without Location) reply and raises a CircleCIError subclass for anything
    else. `path` is relative to the v2 root (e.g. "/me"), or an absolute URL.
    """

    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        auth: str = "token",
        timeout: Optional[Timeout] = DEFAULT_TIMEOUT,
        retry: Optional[RetryPolicy] = None,
        session: Optional[requests.Session] = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        user_agent: Optional[str] = None,
        max_redirects: int = 5,
    ) -> None:
        if auth not in AUTH_MODES:
            raise ValueError(f"auth must be one of {', '.join(AUTH_MODES)}, got {auth!r}")
        self.base_url = v2_base_url(base_url)
        self.auth_mode = auth
        self.timeout = timeout
        self.retry = retry if retry is not None else RetryPolicy()
        self.max_redirects = max_redirects
        self._origin = _origin(self.base_url)
        self._token = Secret(_check_token(token))
        self._auth = _HeaderAuth(self._token, auth)
        # Secret-wrapped so that even a dump of vars(transport) shows no token.
        self._secrets = tuple(Secret(s) for s in {self._token.reveal(), *self._auth.secrets} if s)
        self._own_session = session is None
        self.session = session if session is not None else EnvOncePerHostSession()
        self._sleep = sleep
        self._rng = rng
        self._last_rate_limited: Optional[float] = None  # time.monotonic() of the last 429
        self._headers = {
            "Accept": "application/json",
            "User-Agent": user_agent or f"circleci-v2/{_version()} {requests.utils.default_user_agent()}",
        }

    def __repr__(self) -> str:
        return f"Transport(base_url={self.base_url!r}, auth={self.auth_mode!r}, token=***)"

    # -- redaction ---------------------------------------------------------------------------

    def redact(self, text: str) -> str:
        """`text` with the token (and its Basic/Bearer forms) replaced by ***."""
        for secret in self._secrets:
            value = secret.reveal()
            if value in text:
                text = text.replace(value, "***")
        return text

    # -- the request loop ----------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Optional[Mapping[str, Any]] = None,
        json: Any = None,
        operation_id: Optional[str] = None,
        timeout: Optional[Timeout] = None,
    ) -> requests.Response:
        method = method.upper()
        url = path if path.startswith(("http://", "https://")) else self.base_url + path
        query = _clean_params(params)
        idempotent = method in IDEMPOTENT_METHODS
        policy = self.retry
        retries = 0
        while True:
            try:
                resp = self._send(method, url, query, json, timeout or self.timeout)
            except requests.exceptions.RequestException as exc:
                may_retry = _transient(exc) if idempotent else never_reached_server(exc)
                if may_retry and retries < policy.max_retries:
                    delay = policy.backoff(retries, self._rng)
                    retries += 1
                    log.info("retry %d/%d of %s %s in %.2f s after %s", retries,
                             policy.max_retries, method, self.redact(url), delay,
                             type(exc).__name__)
                    self._sleep(delay)
                    continue
                raise self._network_error(exc, method, url, operation_id, retries) from exc
            status = resp.status_code
            if status == 429:
                self._last_rate_limited = time.monotonic()
            if status < 400:
                if log.isEnabledFor(logging.DEBUG):
                    log.debug("%s %s -> %d (%s, %.1f ms)", method, self.redact(resp.url), status,
                              operation_id or "-", resp.elapsed.total_seconds() * 1000)
                return resp
            if idempotent and status in RETRY_STATUSES and retries < policy.max_retries:
                wait = parse_retry_after(resp.headers.get("Retry-After"))
                delay = wait if wait is not None else policy.backoff(retries, self._rng)
                if delay <= policy.max_retry_after:
                    retries += 1
                    log.info("retry %d/%d of %s %s in %.2f s after %d%s", retries,
                             policy.max_retries, method, self.redact(resp.url), delay, status,
                             " (Retry-After)" if wait is not None else "")
                    self._sleep(delay)
                    continue
            raise self._http_error(resp, method, operation_id)

    def _send(self, method: str, url: str, params: Optional[Dict[str, str]], body: Any,
              timeout: Optional[Timeout]) -> requests.Response:
        for _ in range(self.max_redirects + 1):
            auth = self._auth if _trusted(url, self._origin) else _NO_AUTH
            resp = self.session.request(method, url, params=params, json=body,
                                        headers=self._headers, auth=auth, timeout=timeout,
                                        allow_redirects=False)
            location = resp.headers.get("Location") if resp.status_code in REDIRECT_STATUSES else None
            if not location:
                return resp
            # Query parameters are already part of resp.url; the Location replaces them.
            url, params = urljoin(resp.url, location), None
            if (resp.status_code == 303 and method != "HEAD") or (
                    resp.status_code in (301, 302) and method == "POST"):
                method, body = "GET", None  # what browsers and requests do
            resp.close()
        raise requests.exceptions.TooManyRedirects(
            f"more than {self.max_redirects} redirects", response=resp)

    def rate_limited_within(self, seconds: float) -> bool:
        """Did the service answer 429 to this transport in the last `seconds`?"""
        last = self._last_rate_limited
        return last is not None and time.monotonic() - last < seconds

    # -- errors --------------------------------------------------------------------------------

    def _http_error(self, resp: requests.Response, method: str,
                    operation_id: Optional[str]) -> CircleCIError:
        message = self.redact(_reply_message(resp))
        url = self.redact(resp.url)
        retry_after = parse_retry_after(resp.headers.get("Retry-After"))
        err = error_for_status(resp.status_code, message, operation_id=operation_id,
                               method=method, url=url, response=resp, retry_after=retry_after)
        log.debug("%s %s -> %d (%s): %s", method, url, resp.status_code, operation_id or "-", message)
        return err

    def _network_error(self, exc: requests.exceptions.RequestException, method: str, url: str,
                       operation_id: Optional[str], retries: int) -> CircleCIError:
        kind = "timed out" if isinstance(exc, requests.exceptions.Timeout) else "failed"
        detail = self.redact(_short_reason(exc))
        tried = f" after {retries + 1} attempts" if retries else ""
        cls = RequestTimeout if isinstance(exc, requests.exceptions.Timeout) else NetworkError
        if isinstance(exc, requests.exceptions.TooManyRedirects):
            cls, kind = CircleCIError, "failed"
        return cls(f"request {kind}{tried}: {detail}", operation_id=operation_id,
                   method=method, url=self.redact(url))

    def close(self) -> None:
        """Close the session if this transport created it."""
        if self._own_session:
            self.session.close()


def _reply_message(resp: requests.Response) -> str:
    """The service's `message`, else a short, single-line piece of the body, else the reason."""
    try:
        data = resp.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("message"), str) and data["message"].strip():
        return data["message"].strip()
    ctype = resp.headers.get("Content-Type", "")
    text = resp.text.strip() if "html" not in ctype else ""
    if text:
        line = " ".join(text.split())
        return line if len(line) <= 200 else line[:197] + "..."
    return resp.reason or f"HTTP {resp.status_code}"


def _short_reason(exc: BaseException) -> str:
    """The innermost reason of a requests/urllib3 failure, without the pool object noise."""
    reason: Any = exc.args[0] if exc.args else exc
    if isinstance(reason, MaxRetryError) and reason.reason is not None:
        reason = reason.reason
    text = str(reason)
    # urllib3 prefixes "<urllib3.connection.HTTPConnection object at 0x...>: "
    text = re.sub(r"^<[^>]+>: ", "", text)
    return f"{type(reason).__name__}: {text}" if not isinstance(reason, str) else text


@functools.lru_cache(maxsize=None)
def _version() -> str:
    try:
        from importlib.metadata import version
        return version("circleci-v2")
    except Exception:  # not installed (running from a checkout)
        return "0"
