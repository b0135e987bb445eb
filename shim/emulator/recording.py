"""The record of every request an emulator served (`emulator.calls`).

Tokens never reach the record: the Circle-Token header, the password part of
Basic auth and a circle-token query parameter are replaced by REDACTED, so a
test can print or store calls freely.
"""
from __future__ import annotations

import base64
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

REDACTED = "***"
# A recording keeps at most this much of a request body (and its parsed JSON only when it kept it all):
# a test that sends large bodies should not grow the process by every one of them.
RECORDED_BODY_MAX = 64 * 1024
_TOKEN_QUERY = {"circle-token"}


@dataclass
class Call:
    """One request and what the emulator answered."""

    method: str
    path: str  # without the query string
    query: Dict[str, List[str]]
    headers: Dict[str, str]
    json: Any  # the parsed JSON body, or None (also when the body was too big to keep whole)
    body: bytes  # at most RECORDED_BODY_MAX bytes of it (body_size tells the whole size)
    status: int  # 0 when the connection was dropped without a reply
    api: str  # "v2", "v1.1", "v1" or "other"
    operation_id: Optional[str] = None  # v2 operationId
    rule_id: Optional[str] = None  # v1.1: the rule whose endpoint matched
    valid: bool = True  # the request matched the spec (v2 only; v1.1 is not validated)
    errors: List[str] = field(default_factory=list)  # request validation errors
    response_errors: List[str] = field(default_factory=list)  # the emulator's own reply broke the spec
    fault: Optional[str] = None  # description of the injected fault, if one applied
    response: Any = None  # the reply body as sent (parsed JSON), for debugging
    body_size: int = -1  # bytes of the request body as received (-1: set from `body`)

    def __post_init__(self) -> None:
        if self.body_size < 0:
            self.body_size = len(self.body)
        if len(self.body) > RECORDED_BODY_MAX:
            self.body = self.body[:RECORDED_BODY_MAX]
            self.json = None

    @property
    def body_truncated(self) -> bool:
        """The recording kept only the first RECORDED_BODY_MAX bytes of the body."""
        return self.body_size > len(self.body)

    @property
    def response_valid(self) -> bool:
        return not self.response_errors

    def __str__(self) -> str:
        target = self.operation_id or self.rule_id or self.api
        return f"{self.method} {self.path} -> {self.status} ({target})"


def redact_headers(headers: List[Tuple[str, str]]) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for name, value in headers:
        lower = name.lower()
        if lower == "circle-token":
            value = REDACTED
        elif lower == "authorization":
            scheme, _, cred = value.partition(" ")
            if scheme.lower() == "basic":
                try:
                    user = base64.b64decode(cred).decode("utf-8", "replace").partition(":")[0]
                    value = f"Basic {REDACTED}" if user else value
                except Exception:
                    value = f"Basic {REDACTED}"
            else:
                value = f"{scheme} {REDACTED}"
        out[name] = value
    return out


def redact_query(query: List[Tuple[str, str]]) -> Dict[str, List[str]]:
    out: Dict[str, List[str]] = {}
    for name, value in query:
        out.setdefault(name, []).append(REDACTED if name.lower() in _TOKEN_QUERY else value)
    return out


class CallLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: List[Call] = []

    def add(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def all(self) -> List[Call]:
        with self._lock:
            return list(self._calls)

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()
