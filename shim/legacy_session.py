"""The requests.Session under the drop-ins' v1.1 calls and circleci_v2.shim.requests.

What it adds to requests, and why:
- Credentials stay with their origin. On a redirect to another scheme, host or
  port, the `Circle-Token` and `Authorization` headers (Basic included) and a
  `circle-token` query parameter are removed. requests itself drops only
  `Authorization`, and keeps custom headers such as `Circle-Token` on a foreign
  hop. An http -> https upgrade on the default ports keeps them, as in the v2
  transport (transport._trusted).
- Every request has a timeout: DEFAULT_TIMEOUT (connect 3.05 s, read 30 s, as
  the v2 client) unless the caller passed `timeout=` (None included: an explicit
  choice is kept).
- `token_host_allowed` says whether an artifact download may carry the token:
  only to the API's own origin and CircleCI's artifact hosts.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional, Tuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from .transport import DEFAULT_TIMEOUT, EnvOncePerHostSession, Timeout, _origin, _trusted

__all__ = ["SafeRedirectsMixin", "LegacySession", "ARTIFACT_HOSTS", "TOKEN_PARAM", "pop_token_param",
           "token_host_allowed", "DEFAULT_TIMEOUT"]

CREDENTIAL_HEADERS = ("Circle-Token", "Authorization")
TOKEN_PARAM = "circle-token"
# Where CircleCI serves job artifacts (output.circle-artifacts.com, and the older
# <build>-<id>-gh.circle-artifacts.com): a name here also covers its subdomains.
ARTIFACT_HOSTS: Tuple[str, ...] = ("circle-artifacts.com",)


def pop_token_param(url: str) -> Tuple[str, Optional[str]]:
    """`url` without its circle-token query parameter(s), and the (last) token it carried, or None."""
    parts = urlsplit(url)
    if TOKEN_PARAM not in parts.query.lower():
        return url, None
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    tokens = [v for k, v in pairs if k.lower() == TOKEN_PARAM]
    if not tokens:
        return url, None
    query = urlencode([(k, v) for k, v in pairs if k.lower() != TOKEN_PARAM])
    return urlunsplit(parts._replace(query=query)), tokens[-1]


def token_host_allowed(url: str, api_url: str, artifact_hosts: Iterable[str] = ARTIFACT_HOSTS) -> bool:
    """May a download of `url` carry the token? Only to the API's origin or an artifact host (or subdomain)."""
    if _trusted(url, _origin(api_url)):
        return True
    host = (urlsplit(url).hostname or "").lower()
    return any(host == h or host.endswith("." + h) for h in (h.lower().strip(".") for h in artifact_hosts) if h)


class SafeRedirectsMixin:
    """For a requests.Session subclass: credentials dropped on a foreign redirect, a default timeout."""

    default_timeout: Optional[Timeout] = DEFAULT_TIMEOUT

    def request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> requests.Response:
        # timeout is the 7th parameter after url in requests.Session.request
        if len(args) < 7 and "timeout" not in kwargs:
            kwargs["timeout"] = self.default_timeout
        return super().request(method, url, *args, **kwargs)  # type: ignore[misc]

    def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: requests.Response) -> None:
        if not _trusted(prepared_request.url or "", _origin(response.request.url or "")):
            for name in CREDENTIAL_HEADERS:
                prepared_request.headers.pop(name, None)
            prepared_request.url = pop_token_param(prepared_request.url or "")[0]
        super().rebuild_auth(prepared_request, response)  # type: ignore[misc]  # .netrc for the new host


class LegacySession(SafeRedirectsMixin, EnvOncePerHostSession):
    """The drop-ins' keep-alive session: proxy variables read once per host, safe redirects, a timeout."""

    def __init__(self, timeout: Optional[Timeout] = DEFAULT_TIMEOUT) -> None:
        super().__init__()
        self.default_timeout = timeout
