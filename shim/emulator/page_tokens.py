"""Page tokens for list endpoints: {"items": [...], "next_page_token": str or null}.

Tokens are opaque to clients, as on the real service; here they carry the
list they belong to and the offset, so a token from another list is refused
instead of silently returning the wrong page.
"""
from __future__ import annotations

import base64
import binascii
from typing import Any, Dict, List, Optional, Sequence, Tuple


class BadPageToken(ValueError):
    pass


def _encode(scope: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{scope}\x00{offset}".encode()).decode().rstrip("=")


def _decode(token: str, scope: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        got_scope, _, offset = raw.rpartition("\x00")
        value = int(offset)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadPageToken("Invalid page token.") from None
    if got_scope != scope or value < 0:
        raise BadPageToken("Invalid page token.")
    return value


def page(items: Sequence[Any], token: Optional[str], size: int, scope: str) -> Tuple[List[Any], Optional[str]]:
    """One page of `items` from `token` (None: the first page) and the next token (None: last page)."""
    start = _decode(token, scope) if token else 0
    chunk = list(items[start:start + size])
    nxt = _encode(scope, start + size) if start + size < len(items) else None
    return chunk, nxt


def envelope(items: List[Any], next_token: Optional[str]) -> Dict[str, Any]:
    return {"items": items, "next_page_token": next_token}
