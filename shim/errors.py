"""Typed errors of the v2 client.

Every error the client raises is a CircleCIError. It subclasses
requests.HTTPError so that code written against the legacy clients, which
caught `requests.HTTPError` and read `.response` and the status in `str(e)`,
keeps working when it is moved onto the v2 client or the drop-ins.

An error carries the HTTP status, the service's `message` (from the JSON body
`{"message": ...}` that every v2 error uses), the operationId, and the request
method and URL. The token is never part of any of these: the transport never
puts it in a URL, and every text taken from a reply passes through redaction.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

import requests

__all__ = [
    "CircleCIError",
    "BadRequest",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "Conflict",
    "RateLimited",
    "ServerError",
    "NetworkError",
    "RequestTimeout",
    "InvalidResponse",
    "PipelineErrored",
    "WaitTimeout",
    "error_for_status",
]


class CircleCIError(requests.exceptions.HTTPError):
    """Base of every error the v2 client raises.

    Attributes: `status` (int, or None when no reply arrived), `message` (the
    service's own text, or ours when there was no reply), `operation_id`,
    `method`, `url` (never holding the token) and `response` (the
    requests.Response, or None).
    """

    def __init__(
        self,
        message: str,
        *,
        status: Optional[int] = None,
        operation_id: Optional[str] = None,
        method: Optional[str] = None,
        url: Optional[str] = None,
        response: Optional[requests.Response] = None,
    ) -> None:
        self.message = message
        self.status = status
        self.operation_id = operation_id
        self.method = method
        self.url = url
        super().__init__(self._text(), response=response)

    @property
    def status_code(self) -> Optional[int]:
        """Alias of `status`, the name requests users reach for."""
        return self.status

    def _text(self) -> str:
        head = f"{self.status} " if self.status is not None else ""
        where = ""
        if self.method or self.url:
            call = " ".join(p for p in (self.method, self.url) if p)
            where = f" ({self.operation_id}: {call})" if self.operation_id else f" ({call})"
        return f"{head}{self.message}{where}"

    def __str__(self) -> str:
        return self._text()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._text()!r})"

    def __reduce__(self):  # keep errors picklable (multiprocessing, pytest-xdist)
        return (_rebuild, (type(self), self.message, self._state()))

    def _state(self) -> Dict[str, Any]:
        return {"status": self.status, "operation_id": self.operation_id,
                "method": self.method, "url": self.url}


def _rebuild(cls: type, message: str, state: Dict[str, Any]) -> CircleCIError:
    err = cls.__new__(cls)
    CircleCIError.__init__(err, message, **{k: state.get(k) for k in
                                            ("status", "operation_id", "method", "url")})
    for key, value in state.items():
        setattr(err, key, value)
    return err


class BadRequest(CircleCIError):
    """400: the service refused the request (an undeclared pipeline parameter, a bad body)."""


class Unauthorized(CircleCIError):
    """401: missing, wrong or project token (v2 takes personal tokens only)."""


class Forbidden(Unauthorized):
    """403: the token is valid but may not do this."""


class NotFound(CircleCIError):
    """404: no such project, pipeline, workflow or job, or no access to it."""


class Conflict(CircleCIError):
    """409: the resource already exists or is in the wrong state."""


class RateLimited(CircleCIError):
    """429 after the retries ran out (or a Retry-After too long to wait).

    `retry_after` is the wait the service asked for, in seconds, or None.
    """

    def __init__(self, message: str, *, retry_after: Optional[float] = None, **kw: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)

    def _state(self) -> Dict[str, Any]:
        return {**super()._state(), "retry_after": self.retry_after}


class ServerError(CircleCIError):
    """5xx: the service failed (after retries for the statuses that are retried)."""


class NetworkError(CircleCIError, requests.exceptions.ConnectionError):
    """No reply: connection refused, DNS failure, reset. Also a requests.ConnectionError."""


class RequestTimeout(NetworkError, requests.exceptions.Timeout):
    """The connect or read timeout passed. Also a requests.Timeout."""


class InvalidResponse(CircleCIError):
    """A 2xx reply whose body is not the JSON the operation promises."""


class PipelineErrored(CircleCIError):
    """wait_for_workflows: the pipeline errored; `errors` holds its `errors` list."""

    def __init__(self, message: str, *, errors: Sequence[Dict[str, Any]] = (),
                 pipeline: Optional[Dict[str, Any]] = None, **kw: Any) -> None:
        self.errors: List[Dict[str, Any]] = list(errors)
        self.pipeline = pipeline
        super().__init__(message, **kw)

    def _state(self) -> Dict[str, Any]:
        return {**super()._state(), "errors": self.errors, "pipeline": self.pipeline}

    @classmethod
    def check(cls, pipeline: Dict[str, Any]) -> None:
        """Raise this error when `pipeline` (a getPipelineById reply) is errored or carries errors."""
        errors = list(pipeline.get("errors") or [])
        if pipeline.get("state") != "errored" and not errors:
            return
        text = "; ".join(f"{e.get('type', '?')}: {e.get('message', '')}" for e in errors)
        raise cls(f"pipeline {pipeline.get('id')} errored" + (f": {text}" if text else ""),
                  errors=errors, pipeline=dict(pipeline), operation_id="getPipelineById")


class WaitTimeout(CircleCIError):
    """wait_for_workflows: the timeout passed; `pipeline` and `workflows` are what was seen last."""

    def __init__(self, message: str, *, pipeline: Optional[Dict[str, Any]] = None,
                 workflows: Sequence[Dict[str, Any]] = (), **kw: Any) -> None:
        self.pipeline = pipeline
        self.workflows: List[Dict[str, Any]] = list(workflows)
        super().__init__(message, **kw)

    def _state(self) -> Dict[str, Any]:
        return {**super()._state(), "pipeline": self.pipeline, "workflows": self.workflows}


_BY_STATUS = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    429: RateLimited,
}


def error_class(status: int) -> type:
    """The CircleCIError subclass for an HTTP status."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    return CircleCIError


def error_for_status(
    status: int,
    message: str,
    *,
    operation_id: Optional[str] = None,
    method: Optional[str] = None,
    url: Optional[str] = None,
    response: Optional[requests.Response] = None,
    retry_after: Optional[float] = None,
) -> CircleCIError:
    """Build the typed error for a failed reply (the transport calls this)."""
    cls = error_class(status)
    kw: Dict[str, Any] = dict(status=status, operation_id=operation_id, method=method,
                              url=url, response=response)
    if cls is RateLimited:
        kw["retry_after"] = retry_after
    return cls(message, **kw)
