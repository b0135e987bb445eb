"""Who is calling: the token from a Circle-Token header, Basic auth, or (v1.1 only) the query.

Messages are the service's: the query-string refusal on v2 is the one the
spec's 401 example shows.
"""
from __future__ import annotations

import base64
import binascii
from typing import Dict, List, Mapping, Optional, Tuple

NO_TOKEN = "You must log in first."
BAD_TOKEN = "Invalid token provided."
QUERY_TOKEN_REFUSED = (
    "Support for query parameter authentication has been deprecated to improve security. "
    "Please use a supported authentication method such as header-based, or basic authentication."
)


class AuthError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _header(headers: Mapping[str, str], name: str) -> Optional[str]:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def token_from(headers: Mapping[str, str], query: Mapping[str, List[str]], allow_query: bool) -> Tuple[str, str]:
    """(token, how) where how is "header", "basic" or "query"; AuthError when the request has none."""
    query_token = next((v[-1] for k, v in query.items() if k.lower() == "circle-token" and v), None)
    if query_token is not None and not allow_query:
        raise AuthError(QUERY_TOKEN_REFUSED)
    header = _header(headers, "circle-token")
    if header:
        return header.strip(), "header"
    auth = _header(headers, "authorization")
    if auth:
        scheme, _, cred = auth.partition(" ")
        if scheme.lower() == "basic":
            try:
                user = base64.b64decode(cred.strip(), validate=True).decode("utf-8").partition(":")[0]
            except (binascii.Error, UnicodeDecodeError):
                raise AuthError(BAD_TOKEN) from None
            if user:
                return user, "basic"
        raise AuthError(BAD_TOKEN)
    if query_token:
        return query_token, "query"
    raise AuthError(NO_TOKEN)


def check(token: str, users: Dict[str, object]) -> None:
    if token not in users:
        raise AuthError(BAD_TOKEN)
