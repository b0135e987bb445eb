"""Emulator: a local CircleCI v2 (and v1.1) service for tests.

    from circleci_v2.shim.emulator import Emulator

    with Emulator(workflow_delay=0.05) as emu:
        emu.add_project("gh/acme/app", config=open(".circleci/config.yml").read())
        ...  # point the code under test at emu.url with emu.token
        emu.assert_valid()

See docs/emulator.md for the behaviour it models and the choices it makes.
"""
from __future__ import annotations

import threading
from typing import Any, List, Mapping, Optional, Sequence, Union

from circleci_v2.rules import load_catalogue
from circleci_v2.rules.endpoints import V2_ROOT

from .clock import Clock
from .faults import Faults
from .recording import Call, CallLog
from .server import IDLE_TIMEOUT, start_server
from .spec import spec
from .state import Pipeline, Project, State

DEFAULT_TOKEN = "test-token"


class Emulator:
    """A CircleCI API server on 127.0.0.1 with in-memory state.

    token / tokens: the personal tokens it accepts (tokens may map token -> login).
    workflow_delay: seconds between a trigger and its workflows and jobs appearing.
    job_duration: seconds each job runs once it can start (per job: add_project(job_durations=)).
    cutover: False, True (deprecated v1.1 endpoints answer 404 as removed) or a status such as 410.
    validate: check every v2 request and response against the vendored spec.
    seed: a seed file (YAML or JSON) of projects and history, see seed.py.
    page_size: items per page on list endpoints (small values make paging testable).
    clock: a Clock to drive time (Clock(frozen=True) stands still until advance()).
    idle_timeout: seconds a connection may stay silent before the emulator closes it.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, token: str = DEFAULT_TOKEN,
                 tokens: Optional[Union[Sequence[str], Mapping[str, str]]] = None, workflow_delay: float = 0.0,
                 job_duration: float = 0.0, cutover: Union[bool, int] = False, validate: bool = True,
                 seed: Optional[str] = None, page_size: int = 20, clock: Optional[Clock] = None,
                 rng_seed: int = 0, verbose: bool = False, idle_timeout: float = IDLE_TIMEOUT) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        if workflow_delay < 0 or job_duration < 0:
            raise ValueError("workflow_delay and job_duration cannot be negative")
        if not idle_timeout > 0:
            raise ValueError("idle_timeout must be a positive number of seconds")
        self.idle_timeout = idle_timeout
        self._edn_missing_logged = False
        self.host = host
        self.port = port
        self.validate = validate
        self.cutover = cutover
        self.page_size = page_size
        self.verbose = verbose
        self.clock = clock or Clock()
        self.faults = Faults()
        self._state = State(self.clock, workflow_delay=workflow_delay, job_duration=job_duration, rng_seed=rng_seed)
        self._log = CallLog()
        self._catalogue = load_catalogue()
        self._server: Any = None
        self._thread: Optional[threading.Thread] = None
        if tokens is None:
            tokens = {token: "test-user"}
        elif not isinstance(tokens, Mapping):
            tokens = {t: f"user-{i + 1}" for i, t in enumerate(tokens)}
        if not tokens:
            raise ValueError("the emulator needs at least one token")
        for tok, login in tokens.items():
            self._state.add_user(tok, login)
        self.tokens: List[str] = list(tokens)
        if seed is not None:
            from .seed import apply_seed

            apply_seed(self, seed)

    # --- lifecycle --------------------------------------------------------------------------------
    def start(self) -> "Emulator":
        if self._server is not None:
            return self
        if self.validate:
            spec().openapi  # build the validator now, not during the first request
        self._server, self._thread = start_server(self, self.host, self.port)
        self.port = self._server.server_address[1]
        self._state.web_root = self.url
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_all()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not started: call start() or use it as a context manager")
        return f"http://{self.host}:{self.port}"

    @property
    def v2_url(self) -> str:
        return self.url + V2_ROOT

    @property
    def v1_url(self) -> str:
        return self.url + "/api/v1.1"

    @property
    def token(self) -> str:
        return self.tokens[0]

    # --- state --------------------------------------------------------------------------------------
    @property
    def workflow_delay(self) -> float:
        return self._state.workflow_delay

    @workflow_delay.setter
    def workflow_delay(self, value: float) -> None:
        self._state.workflow_delay = value

    def add_project(self, slug: str, config: Optional[str] = None, parameters: Optional[Any] = None, *,
                    default_branch: str = "main", job_outcomes: Optional[Mapping[str, Any]] = None,
                    job_durations: Optional[Mapping[str, float]] = None,
                    env_vars: Optional[Mapping[str, str]] = None,
                    artifacts: Optional[Mapping[str, Sequence[str]]] = None,
                    tests: Optional[Mapping[str, Sequence[Mapping[str, Any]]]] = None) -> Project:
        """Add (or replace) a project. `config` is .circleci/config.yml text; `parameters` declares
        pipeline parameters on top of the config's (a list of names or a name -> {type, default} map)."""
        return self._state.add_project(slug, config, parameters, default_branch=default_branch,
                                       job_outcomes=job_outcomes, job_durations=job_durations,
                                       artifacts=artifacts, tests=tests, env_vars=env_vars)

    def add_pipeline(self, slug: str, *, branch: Optional[str] = None, tag: Optional[str] = None,
                     parameters: Optional[Mapping[str, Any]] = None, created_at: Optional[float] = None,
                     outcomes: Optional[Mapping[str, str]] = None, durations: Optional[Mapping[str, float]] = None,
                     revision: Optional[str] = None, token: Optional[str] = None) -> Pipeline:
        """Record a pipeline without HTTP (history for Insights, or setup for a test).

        created_at in the past makes a finished run: its workflows appear at once."""
        user = self._state.users[token or self.token]
        return self._state.trigger(slug, user, branch=branch, tag=tag, parameters=parameters,
                                   trigger_type="webhook" if created_at is not None else "api", at=created_at,
                                   outcomes=outcomes, durations=durations, revision=revision)

    @property
    def state(self) -> State:
        """The in-memory service, for assertions a test cannot make over HTTP."""
        return self._state

    def advance(self, seconds: float) -> float:
        """Move the emulator's clock forward: workflows appear and jobs finish without sleeping."""
        return self.clock.advance(seconds)

    # --- recorded calls ---------------------------------------------------------------------------
    def _record(self, call: Call) -> None:
        self._log.add(call)

    @property
    def calls(self) -> List[Call]:
        return self._log.all()

    @property
    def invalid_calls(self) -> List[Call]:
        """Requests that broke the spec (answered 400)."""
        return [c for c in self._log.all() if not c.valid]

    @property
    def invalid_responses(self) -> List[Call]:
        """Replies of the emulator that broke the spec: bugs in the emulator."""
        return [c for c in self._log.all() if c.response_errors]

    def clear_calls(self) -> None:
        self._log.clear()

    def assert_valid(self, requests: bool = True, responses: bool = True) -> None:
        """Raise AssertionError if a request (or one of the emulator's replies) broke the spec."""
        problems = []
        if requests:
            problems += [f"invalid request {c}: {'; '.join(c.errors)}" for c in self.invalid_calls]
        if responses:
            problems += [f"invalid response to {c}: {'; '.join(c.response_errors)}" for c in self.invalid_responses]
        if problems:
            raise AssertionError("CircleCI emulator saw calls that break the v2 spec:\n  " + "\n  ".join(problems))

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "stopped"
        return f"<Emulator {where} projects={len(self._state.projects)}>"
