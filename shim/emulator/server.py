"""The emulator's HTTP server: a threaded http.server on 127.0.0.1, HTTP/1.1 keep-alive.

One request goes: route (v2 from the spec, v1.1 from the rule catalogue) ->
injected fault -> auth -> request validation (v2) -> handler -> response
validation (v2) -> reply, and is recorded whatever happens.
"""
from __future__ import annotations

import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Protocol, Tuple, Union
from urllib.parse import parse_qsl, urlsplit

from circleci_v2.rules.endpoints import API_ROOT, LEGACY_VERSIONS

from ..form_fields import FormError, form_fields, is_form
from . import auth, edn
from . import routes_v1, routes_v2
from .faults import Fault
from .page_tokens import BadPageToken
from .recording import Call, redact_headers, redact_query
from .routes_v2 import Ctx, HttpError, Reply
from .routes_v1 import REMOVED_MESSAGE, V1Ctx
from .spec import API_PREFIX, spec, validate_request, validate_response
from .state import NotFound

if TYPE_CHECKING:  # pragma: no cover
    from circleci_v2.rules.model import Catalogue

    from .faults import Faults
    from .state import State

JSON = "application/json"
OPENAPI_PATH = API_PREFIX + "/openapi.json"

# Limits that keep one hostile or broken client from taking the emulator down (docs/emulator.md, "Limits").
MAX_BODY = 4 * 1024 * 1024  # request body bytes; a larger one is answered 413 without being read
MAX_JSON_DEPTH = 64  # nesting of arrays and objects in a JSON body; the spec's deepest body needs 4
LISTEN_BACKLOG = 512  # connections waiting to be accepted (socketserver's default of 5 reset clients under load)
IDLE_TIMEOUT = 30.0  # seconds a connection may stay silent (idle keep-alive, half-sent request) before it is closed
LINGER_SECONDS, LINGER_BYTES = 2.0, 4 * MAX_BODY  # how long and how much of a refused body is taken and dropped
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")  # what the emulator serves; HEAD, OPTIONS, TRACE get 405


class ServedEmulator(Protocol):
    """What the server reads of the Emulator it serves (emulator.py imports this module, never the reverse)."""

    cutover: Union[bool, int]
    validate: bool
    verbose: bool
    page_size: int
    idle_timeout: float
    faults: "Faults"
    _state: "State"
    _catalogue: "Catalogue"
    _edn_missing_logged: bool

    def _record(self, call: Call) -> None: ...


class _BadBody(Exception):
    """A request body the emulator cannot take: answered with `status` and the connection closed."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def parse_json_body(body: bytes) -> Tuple[Any, Optional[str]]:
    """(value, None) or (None, the reason it is not a JSON body the emulator accepts)."""
    try:
        text = body.decode("utf-8")  # JSON exchanged between systems is UTF-8 (RFC 8259, section 8.1)
    except UnicodeDecodeError:
        return None, "Invalid JSON body: not UTF-8."
    try:
        value = json.loads(text)
    except RecursionError:
        return None, f"Invalid JSON body: nested deeper than {MAX_JSON_DEPTH} levels."
    except ValueError:
        return None, "Invalid JSON body."
    if _depth(value) > MAX_JSON_DEPTH:  # the validator and the handlers recurse over what they get
        return None, f"Invalid JSON body: nested deeper than {MAX_JSON_DEPTH} levels."
    return value, None


def _depth(value: Any) -> int:
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            if level > MAX_JSON_DEPTH:
                break
            stack.extend((v, level + 1) for v in item if isinstance(v, (list, dict)))
    return deepest


def wants_edn(accept: Optional[str]) -> bool:
    """v1.1 answers EDN unless the client states a preference: no Accept header, an empty one, or
    curl's and requests' default */* all get EDN (which is why `curl` shows EDN and `.json()` fails)."""
    return accept is None or accept.strip() in ("", "*/*")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, address: Tuple[str, int], emulator: ServedEmulator) -> None:
        self.emulator = emulator
        self.open_sockets: set = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def close_all(self) -> None:
        """Close kept-alive connections so a stopped emulator leaves no thread waiting on a client."""
        with self.sockets_lock:
            sockets = list(self.open_sockets)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes; without this, Nagle's algorithm holds the body
        # until the client's delayed ACK (about 40 ms a request on keep-alive connections)
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # a silent client (idle keep-alive, half-sent request) would hold its thread forever; the stdlib
        # closes the connection when a read times out
        self.connection.settimeout(self.server.emulator.idle_timeout)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        if self.server.emulator.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    # not the stdlib's 501: the emulator knows these methods and refuses them with an Allow header
    def do_HEAD(self) -> None:
        self._serve()

    def do_OPTIONS(self) -> None:
        self._serve()

    def do_TRACE(self) -> None:
        self._serve()

    def _read_body(self) -> bytes:
        """The request body, by Content-Length or chunked; _BadBody when it cannot or must not be read.

        A timeout while reading goes up to the stdlib, which drops the connection."""
        codings = self.headers.get("Transfer-Encoding")
        if codings is not None:
            names = [c.strip().lower() for c in codings.split(",") if c.strip()]
            if names != ["chunked"]:
                raise _BadBody(501, f"Transfer-Encoding {codings.strip()!r} is not supported; send chunked "
                                    "or a Content-Length.")
            return self._read_chunked()
        lengths = self.headers.get_all("Content-Length") or []
        if not lengths:
            return b""
        if len(set(v.strip() for v in lengths)) != 1 or not lengths[0].strip().isdigit():
            raise _BadBody(400, "Invalid Content-Length header.")
        length = int(lengths[0])
        if length > MAX_BODY:
            raise _BadBody(413, f"Request body too large: {length} bytes, the emulator takes at most {MAX_BODY}.")
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            raise _BadBody(400, "The request body ended before its Content-Length.")
        return body

    def _linger(self) -> None:
        """After an early answer, take (and drop) what the client is still sending, for a bounded time and size.

        Closing a socket with unread input makes the kernel send a reset, and a client still writing its body
        would lose the answer with it; a client that keeps sending is cut off after LINGER_BYTES or LINGER_SECONDS."""
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + LINGER_SECONDS
            dropped = 0
            while dropped < LINGER_BYTES:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.connection.settimeout(left)
                chunk = self.connection.recv(65536)
                if not chunk:
                    break
                dropped += len(chunk)
        except OSError:
            pass

    def _read_chunked(self) -> bytes:
        parts: List[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1026)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BadBody(400, "Invalid chunked request body.") from None
            if size < 0:
                raise _BadBody(400, "Invalid chunked request body.")
            if size == 0:
                break
            total += size
            if total > MAX_BODY:
                raise _BadBody(413, f"Request body too large: over {MAX_BODY} bytes, the emulator's limit.")
            chunk = self.rfile.read(size)
            if len(chunk) < size or self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise _BadBody(400, "Invalid chunked request body.")
            parts.append(chunk)
        for _ in range(100):  # trailer fields, up to the empty line
            if self.rfile.readline(65537) in (b"\r\n", b"\n", b""):
                break
        return b"".join(parts)

    # ------------------------------------------------------------------------------------------
    def _serve(self) -> None:
        emu = self.server.emulator
        split = urlsplit(self.path)
        path = split.path
        query_pairs = parse_qsl(split.query, keep_blank_values=True)
        query: Dict[str, List[str]] = {}
        for k, v in query_pairs:
            query.setdefault(k, []).append(v)
        bad_body: Optional[_BadBody] = None
        try:
            body = self._read_body()
        except _BadBody as exc:
            bad_body, body = exc, b""
        header_pairs = list(self.headers.items())
        headers = dict(header_pairs)
        parsed_json: Any = None
        body_error: Optional[str] = None
        if body.strip():
            parsed_json, body_error = parse_json_body(body)

        root = API_ROOT.match(path)  # the versions the rules know: v1.1, v1 and v2
        api = root.group(1) if root is not None and path.startswith("/", root.end()) else "other"
        call = Call(method=self.command, path=path, query=redact_query(query_pairs),
                    headers=redact_headers(header_pairs), json=parsed_json, body=body, status=0, api=api)
        self._call_recorded = False
        try:
            if bad_body is not None:  # what is left of the body is unread: this connection cannot go on
                self.close_connection = True
                self._send(call, bad_body.status, json.dumps({"message": bad_body.message}).encode(), JSON,
                           {"Connection": "close"})
                call.response = {"message": bad_body.message}
                self._linger()
                return
            self._handle(emu, call, path, split.query, query, query_pairs, headers, body, parsed_json, body_error)
        except Exception as exc:  # a bug in the emulator: answer 500 and make assert_valid() fail
            call.response_errors.append(f"the emulator failed: {type(exc).__name__}: {exc}")
            if not self._call_recorded:
                self.close_connection = True
                self._send_json(call, 500, {"message": "Internal server error."})
        finally:
            self._record(call)

    def _record(self, call: Call) -> None:
        # recorded before the reply goes out, so a client that has its answer sees the call
        if not self._call_recorded:
            self._call_recorded = True
            self.server.emulator._record(call)

    def _handle(self, emu: ServedEmulator, call: Call, path: str, raw_query: str, query: Dict[str, List[str]],
                query_pairs: List[Tuple[str, str]], headers: Dict[str, str], body: bytes, parsed_json: Any,
                body_error: Optional[str]) -> None:
        method = self.command
        if path == OPENAPI_PATH and method == "GET":
            call.operation_id = "openapi.json"
            if not self._fault(emu, call, ["openapi.json"], method, path):
                self._send(call, 200, spec().raw, JSON)
            return

        if call.api == "v2":
            self._handle_v2(emu, call, path, query, query_pairs, headers, body, parsed_json, body_error)
        elif call.api in LEGACY_VERSIONS:
            self._handle_v1(emu, call, path, raw_query, query, headers, body, parsed_json, body_error)
        else:
            self._send_json(call, 404, {"message": "Not found"})

    # --- v2 -----------------------------------------------------------------------------------
    def _handle_v2(self, emu: ServedEmulator, call: Call, path: str, query: Dict[str, List[str]],
                   query_pairs: List[Tuple[str, str]], headers: Dict[str, str], body: bytes, parsed_json: Any,
                   body_error: Optional[str]) -> None:
        method = self.command
        route, known = spec().router.match(method, path[len(API_PREFIX):])
        if route is None:
            if known:
                allow = ", ".join(spec().router.allowed(path[len(API_PREFIX):]))
                call.response = {"message": "Method not allowed."}
                self._send(call, 405, json.dumps(call.response).encode(), JSON, {"Allow": allow})
            else:
                self._send_json(call, 404, {"message": "Not found."})
            return
        call.operation_id = route.operation.operation_id
        if self._fault(emu, call, [call.operation_id], method, path):
            return
        try:
            token, _how = auth.token_from(headers, query, allow_query=False)
            auth.check(token, emu._state.users)
        except auth.AuthError as exc:
            self._v2_reply(emu, call, route, path, query_pairs, headers, body, Reply(401, {"message": exc.message}))
            return
        user = emu._state.users[token]

        content_type = headers.get("Content-Type") or headers.get("content-type") or ""
        if body_error is not None or (parsed_json is None and body.strip()):
            # not JSON, or JSON null: every v2 request body is an object (or absent), and the validator is not
            # shown bytes it cannot decode
            call.valid = False
            call.errors = [body_error or "request body is null; the operation takes a JSON object or no body"]
            message = body_error or "Invalid request: the body is null; send a JSON object or no body."
            self._v2_reply(emu, call, route, path, query_pairs, headers, b"", Reply(400, {"message": message}))
            return
        if emu.validate:
            errors = validate_request(route, path, query_pairs, headers, body, content_type or JSON)
            if errors:
                call.valid = False
                call.errors = errors
                self._v2_reply(emu, call, route, path, query_pairs, headers, body,
                               Reply(400, {"message": "Invalid request: " + errors[0]}))
                return

        ctx = Ctx(emu._state, user, route.params, query, parsed_json, emu.page_size)
        try:
            reply = routes_v2.dispatch(call.operation_id, ctx)
        except NotFound as exc:
            reply = Reply(404, {"message": str(exc)})
        except BadPageToken as exc:
            reply = Reply(400, {"message": str(exc)})
        except HttpError as exc:
            reply = Reply(exc.status, {"message": exc.message})
        self._v2_reply(emu, call, route, path, query_pairs, headers, body, reply)

    def _v2_reply(self, emu: ServedEmulator, call: Call, route: Any, path: str, query_pairs: List[Tuple[str, str]],
                  headers: Dict[str, str], body: bytes, reply: Reply) -> None:
        data = json.dumps(reply.body).encode()
        # replies to operations the emulator does not implement are its own notice, not the service's
        if emu.validate and call.operation_id in routes_v2.HANDLERS:
            content_type = headers.get("Content-Type") or headers.get("content-type") or JSON
            call.response_errors = validate_response(route, path, query_pairs, headers, body, content_type,
                                                     reply.status, data, JSON, reply.headers)
        call.response = reply.body
        self._send(call, reply.status, data, JSON, reply.headers)

    # --- v1.1 ---------------------------------------------------------------------------------
    def _handle_v1(self, emu: ServedEmulator, call: Call, path: str, raw_query: str, query: Dict[str, List[str]],
                   headers: Dict[str, str], body: bytes, parsed_json: Any, body_error: Optional[str]) -> None:
        method = self.command
        accept = next((v for k, v in headers.items() if k.lower() == "accept"), None)
        target = path + ("?" + raw_query if raw_query else "")
        matches = emu._catalogue.match_request(method, target) if method in METHODS else []
        if not matches:
            allow = [m for m in METHODS if m != method and emu._catalogue.match_request(m, target)]
            if allow:
                self._send_v1(call, accept, 405, {"message": "Method not allowed."}, {"Allow": ", ".join(allow)})
            else:
                self._send_v1(call, accept, 404, {"message": "Not found"})
            return
        match = matches[0]
        rule = match.rule
        call.rule_id = rule.id
        if self._fault(emu, call, [rule.id, rule.name], method, path):
            return
        try:
            token, _how = auth.token_from(headers, query, allow_query=True)
            auth.check(token, emu._state.users)
        except auth.AuthError as exc:
            self._send_v1(call, accept, 401, {"message": exc.message})
            return
        if emu.cutover and rule.deprecated and rule.shim.get("translation") != "clear-cache":
            status = emu.cutover if isinstance(emu.cutover, int) and not isinstance(emu.cutover, bool) else 404
            self._send_v1(call, accept, status, {"message": REMOVED_MESSAGE})
            return
        content_type = (headers.get("Content-Type") or headers.get("content-type") or JSON).lower()
        if is_form(content_type) and not body.lstrip().startswith(b"{"):
            # v1.1 read form fields (`curl -d branch=x -d "build_parameters[NAME]=v"`) as it read JSON ones
            try:
                parsed_json, body_error = form_fields(body), None
            except FormError as exc:  # `a[b][c]...` deeper than a JSON body may be
                parsed_json, body_error = None, str(exc)
        if body_error is not None and ("json" in content_type or "text/plain" in content_type
                                       or is_form(content_type)):
            # a body meant as JSON (or a form) that is not: refused, so a typo never becomes a build without its
            # parameters
            self._send_v1(call, accept, 400, {"message": body_error})
            return
        params = dict(match.match.params)
        ctx = V1Ctx(emu._state, emu._state.users[token], params, query, parsed_json, method)
        try:
            reply = routes_v1.dispatch(rule.name, ctx)
        except NotFound as exc:
            reply = Reply(404, {"message": str(exc)})
        except HttpError as exc:
            reply = Reply(exc.status, {"message": exc.message})
        call.response = reply.body
        self._send_v1(call, accept, reply.status, reply.body, reply.headers)

    def _send_v1(self, call: Call, accept: Optional[str], status: int, payload: Any,
                 headers: Optional[Dict[str, str]] = None) -> None:
        call.response = payload
        if payload is None:  # v1.1 answers some writes (ssh-key, heroku-key) with an empty body
            self._send(call, status, b"", JSON, headers)
        elif wants_edn(accept):
            try:
                text = edn.dumps(payload)
            except edn.EdnMissing as exc:
                self._edn_missing(call, str(exc))
                return
            self._send(call, status, text.encode(), edn.CONTENT_TYPE, headers)
        elif "application/json" in accept.lower():
            self._send(call, status, json.dumps(payload).encode(), JSON, headers)
        else:  # any other Accept value: pretty-printed JSON, as v1.1 does
            self._send(call, status, json.dumps(payload, indent=2).encode(), JSON, headers)

    def _edn_missing(self, call: Call, message: str) -> None:
        """An install without edn-format: say so to the client and, once per emulator, on stderr."""
        emu = self.server.emulator
        if not emu._edn_missing_logged:
            emu._edn_missing_logged = True
            print(f"circleci-v2 emulator: {message}", file=sys.stderr, flush=True)
        self._send_json(call, 500, {"message": message})

    # --- faults and output --------------------------------------------------------------------
    def _fault(self, emu: ServedEmulator, call: Call, keys: List[str], method: str, path: str) -> bool:
        """Apply an injected fault; True when it answered (or dropped) the request."""
        fault: Optional[Fault] = emu.faults.take(keys, method, path)
        if fault is None:
            return False
        if fault.delay > 0:
            time.sleep(fault.delay)
        if fault.drop:
            call.fault = "dropped connection"
            self._record(call)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return True
        if fault.status is None:
            call.fault = f"slow reply ({fault.delay:g}s)"
            return False
        call.fault = f"status {fault.status}"
        headers = dict(fault.headers)
        if fault.retry_after is not None:
            headers["Retry-After"] = fault.retry_after
        payload = {"message": fault.body_message}
        call.response = payload
        self._send(call, fault.status, json.dumps(payload).encode(), JSON, headers)
        return True

    def _send_json(self, call: Call, status: int, payload: Any) -> None:
        call.response = payload
        self._send(call, status, json.dumps(payload).encode(), JSON)

    def _send(self, call: Call, status: int, data: bytes, content_type: str,
              headers: Optional[Dict[str, str]] = None) -> None:
        call.status = status
        self._record(call)
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def start_server(emulator: ServedEmulator, host: str, port: int) -> Tuple[_Server, threading.Thread]:
    server = _Server((host, port), emulator)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name=f"circleci-emulator:{server.server_address[1]}", daemon=True)
    thread.start()
    return server, thread
