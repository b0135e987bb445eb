"""The emulator's in-memory service: projects, pipelines, workflows, jobs.

Time model (deterministic, no background threads): a trigger creates the
pipeline at once and its workflows and jobs too, numbered at that moment, but
they become visible only `workflow_delay` seconds later, as on the real
service where config processing is asynchronous. A job starts when its
workflow appears and every job it requires has succeeded, runs for its
duration, and ends with its outcome. Every status is computed from the clock
when read, so `Clock.advance` moves everything along.

Outcome model: a job succeeds unless the project's `job_outcomes` says
otherwise. `job_outcomes[name]` is a status ("failed") or a list of statuses
used in turn by the 1st, 2nd, ... run of that job name in the project (the
last one repeats), so "fails once, then passes on rerun" is ["failed",
"success"]. Jobs downstream of a job that did not succeed end as not_run.
"""
from __future__ import annotations

import hashlib
import math
import random
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from circleci_v2.rules.endpoints import V1_VCS_NAMES, VCS_SLUGS

from .clock import Clock
from .conditions import CompileError, evaluate, interpolate, pipeline_values, unknown_references
from .project_config import JobSpec, ProjectConfig, WorkflowSpec, check_parameters, parameter_values, parse_config

FINAL_JOB = {"success", "failed", "canceled", "not_run", "infrastructure_fail", "timedout"}
JOB_OUTCOMES = {"success", "failed", "infrastructure_fail", "timedout"}
# What the service says of each provider (v1.1 vcs_type, display name, site). Which spellings name
# which provider is the rules' VCS_SLUGS; `circleci` (GitLab, GitHub App projects) is one of its own.
_PROVIDER_FACTS = {"github": ("GitHub", "https://github.com"), "bitbucket": ("Bitbucket", "https://bitbucket.org")}
_CIRCLECI = ("circleci", "CircleCI", "https://circleci.com")
PROVIDERS = {spelling: (V1_VCS_NAMES[short],) + _PROVIDER_FACTS[V1_VCS_NAMES[short]]
             for spelling, short in VCS_SLUGS.items()}
PROVIDERS["circleci"] = _CIRCLECI
SHORT_VCS = VCS_SLUGS  # a spelling -> the short form the service reports (gh, bb); circleci stays
CREDITS_PER_MINUTE = 10  # a medium Docker resource class


class NotFound(LookupError):
    """An entity the request names does not exist; the message is what the service says."""


class Conflict(ValueError):
    """The request is well formed but the service refuses it (the message says why)."""


def normalise_slug(slug: str) -> str:
    """gh/acme/app for github/acme/app (and bb for bitbucket); the slug the service reports."""
    parts = slug.strip("/").split("/")
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"not a project slug (vcs/org/repo): {slug!r}")
    vcs = parts[0].lower()
    if vcs not in PROVIDERS:
        raise ValueError(f"unknown VCS in project slug {slug!r}: use {', '.join(sorted(PROVIDERS))}")
    return "/".join([SHORT_VCS.get(vcs, vcs), parts[1], parts[2]])


@dataclass
class User:
    id: str
    login: str
    name: str

    @property
    def avatar_url(self) -> str:
        return f"https://avatars.example.invalid/{self.login}"


@dataclass
class Project:
    slug: str
    id: str
    config: ProjectConfig
    default_branch: str = "main"
    job_outcomes: Dict[str, Any] = field(default_factory=dict)
    job_durations: Dict[str, float] = field(default_factory=dict)
    artifacts: Dict[str, List[str]] = field(default_factory=dict)
    tests: Dict[str, List[Dict[str, Any]]] = field(default_factory=dict)
    env_vars: Dict[str, Tuple[str, float]] = field(default_factory=dict)
    checkout_keys: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    feature_flags: Dict[str, Any] = field(default_factory=dict)  # v1.1 .../settings (undocumented)
    org_id: str = ""
    next_pipeline_number: int = 1
    next_job_number: int = 1
    runs_by_name: Dict[str, int] = field(default_factory=dict)

    @property
    def vcs(self) -> str:
        return self.slug.split("/")[0]

    @property
    def org(self) -> str:
        return self.slug.split("/")[1]

    @property
    def name(self) -> str:
        return self.slug.split("/")[2]

    @property
    def org_slug(self) -> str:
        return f"{self.vcs}/{self.org}"

    @property
    def provider(self) -> Tuple[str, str, str]:
        return PROVIDERS[self.vcs]

    @property
    def vcs_url(self) -> str:
        return f"{self.provider[2]}/{self.org}/{self.name}"

    @property
    def web_url(self) -> str:
        return f"https://app.circleci.com/pipelines/{self.slug}"


@dataclass
class Pipeline:
    id: str
    project: Project
    number: int
    created_at: float
    appear_at: float
    branch: Optional[str]
    tag: Optional[str]
    revision: str
    parameters: Dict[str, Any]
    actor: User
    trigger_type: str
    config_errors: List[str]
    config_source: str
    workflows: List["Workflow"] = field(default_factory=list)

    def state(self, now: float) -> str:
        if now < self.appear_at:
            return "pending"
        return "errored" if self.config_errors else "created"

    def errors(self, now: float) -> List[Dict[str, str]]:
        if now < self.appear_at:
            return []
        return [{"type": "config", "message": m} for m in self.config_errors]

    def visible_workflows(self, now: float) -> List["Workflow"]:
        return [w for w in self.workflows if w.created_at <= now]


@dataclass
class Workflow:
    id: str
    name: str
    pipeline: Pipeline
    created_at: float
    started_by: User
    jobs: List["Job"] = field(default_factory=list)
    canceled_at: Optional[float] = None
    canceled_by: Optional[User] = None
    rerun_of: Optional["Workflow"] = None

    def job(self, name: str) -> Optional["Job"]:
        for job in self.jobs:
            if job.name == name:
                return job
        return None

    def status(self, now: float) -> Tuple[str, Optional[float]]:
        """(status, stopped_at) at time `now`."""
        states = [j.state(now) for j in self.jobs]
        statuses = [s for s, _, _ in states]
        if all(s in FINAL_JOB for s in statuses):
            stopped = max((stop for _, _, stop in states if stop is not None), default=self.created_at)
            if self.canceled_at is not None or "canceled" in statuses:
                return "canceled", stopped
            if any(s in ("failed", "infrastructure_fail", "timedout") for s in statuses):
                return "failed", stopped
            return "success", stopped
        if self.canceled_at is not None and now >= self.canceled_at:
            return "canceled", self.canceled_at
        if any(s in ("failed", "infrastructure_fail", "timedout") for s in statuses):
            return "failing", None
        if "on_hold" in statuses and not any(s in ("running", "queued") for s in statuses):
            return "on_hold", None
        return "running", None


@dataclass
class Job:
    id: str
    name: str
    number: Optional[int]
    type: str
    workflow: Workflow
    requires: Tuple[str, ...]
    duration: float
    outcome: str
    created_at: float
    approval_request_id: Optional[str] = None
    environment: Dict[str, str] = field(default_factory=dict)  # the job's `environment:`, compiled for its pipeline
    approved_at: Optional[float] = None
    approved_by: Optional[User] = None
    canceled_at: Optional[float] = None
    canceled_by: Optional[User] = None

    def required_jobs(self) -> List["Job"]:
        return [j for j in (self.workflow.job(n) for n in self.requires) if j is not None]

    def schedule(self) -> Tuple[Optional[float], Optional[float], str]:
        """(started_at, stopped_at, final status); stopped_at None while it waits without end."""
        cancels = [c for c in (self.canceled_at, self.workflow.canceled_at) if c is not None]
        cancel = min(cancels) if cancels else None
        ready: Optional[float] = self.workflow.created_at
        for upstream in self.required_jobs():
            _, up_stop, up_outcome = upstream.schedule()
            if up_stop is None:  # upstream waits for an approval
                ready = None
                break
            if up_outcome != "success":
                if cancel is not None and cancel <= up_stop:
                    return None, cancel, "canceled"
                return None, up_stop, "not_run"
            ready = max(ready, up_stop)
        if ready is None:
            return (None, cancel, "canceled") if cancel is not None else (None, None, "blocked")
        if cancel is not None and cancel <= ready:
            return None, max(cancel, self.workflow.created_at), "canceled"
        if self.type == "approval":
            if self.approved_at is None:
                return (None, cancel, "canceled") if cancel is not None else (None, None, "on_hold")
            return max(ready, self.approved_at), max(ready, self.approved_at), "success"
        end = ready + self.duration
        if cancel is not None and cancel < end:
            return ready, cancel, "canceled"
        return ready, end, self.outcome

    def state(self, now: float) -> Tuple[str, Optional[float], Optional[float]]:
        """(status, started_at, stopped_at) at time `now`."""
        start, stop, final = self.schedule()
        if stop is not None and now >= stop:
            return final, (start if start is not None and start <= now else None), stop
        if self.type == "approval":
            return ("on_hold", None, None) if self._upstream_done(now) else ("blocked", None, None)
        if start is None or now < start:
            return ("blocked" if self.requires else "queued"), None, None
        return "running", start, None

    def _upstream_done(self, now: float) -> bool:
        for upstream in self.required_jobs():
            _, stop, outcome = upstream.schedule()
            if stop is None or now < stop or outcome != "success":
                return False
        return now >= self.workflow.created_at

    def credits(self, now: float) -> int:
        status, start, stop = self.state(now)
        if start is None or stop is None:
            return 0
        return int(math.ceil((stop - start) / 60.0)) * CREDITS_PER_MINUTE if stop > start else 0


class State:
    """All entities, behind one lock; the HTTP layer calls these methods."""

    def __init__(self, clock: Clock, workflow_delay: float = 0.0, job_duration: float = 0.0,
                 rng_seed: int = 0) -> None:
        self.clock = clock
        self.workflow_delay = workflow_delay
        self.job_duration = job_duration
        self.lock = threading.RLock()
        self._rng = random.Random(rng_seed)
        self.projects: Dict[str, Project] = {}
        self.pipelines: Dict[str, Pipeline] = {}
        self.workflows: Dict[str, Workflow] = {}
        self.jobs: Dict[str, Job] = {}
        self.users: Dict[str, User] = {}  # token -> user
        self.web_root = "https://circleci.com"  # v1.1 build URLs; the emulator's own URL once started

    # ids --------------------------------------------------------------------------------------
    def new_id(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def add_user(self, token: str, login: str) -> User:
        with self.lock:
            user = User(self.new_id(), login, login.replace("-", " ").title())
            self.users[token] = user
            return user

    # projects ---------------------------------------------------------------------------------
    def add_project(self, slug: str, config: Optional[str] = None, parameters: Optional[Any] = None, *,
                    default_branch: str = "main", job_outcomes: Optional[Mapping[str, Any]] = None,
                    job_durations: Optional[Mapping[str, float]] = None,
                    artifacts: Optional[Mapping[str, Sequence[str]]] = None,
                    tests: Optional[Mapping[str, Sequence[Mapping[str, Any]]]] = None,
                    env_vars: Optional[Mapping[str, str]] = None) -> Project:
        slug = normalise_slug(slug)
        parsed = parse_config(config, parameters)
        for name, outcome in (job_outcomes or {}).items():
            for o in outcome if isinstance(outcome, (list, tuple)) else [outcome]:
                if o not in JOB_OUTCOMES:
                    raise ValueError(f"job_outcomes[{name!r}]: {o!r} is not one of {sorted(JOB_OUTCOMES)}")
        with self.lock:
            org_id = next((p.org_id for p in self.projects.values() if p.org_slug == "/".join(slug.split("/")[:2])),
                          None) or self.new_id()
            project = Project(slug=slug, id=self.new_id(), config=parsed, default_branch=default_branch,
                              job_outcomes=dict(job_outcomes or {}), job_durations=dict(job_durations or {}),
                              artifacts={k: list(v) for k, v in (artifacts or {}).items()},
                              tests={k: [dict(t) for t in v] for k, v in (tests or {}).items()}, org_id=org_id)
            now = self.clock.now()
            for name, value in (env_vars or {}).items():
                project.env_vars[name] = (str(value), now)
            self.projects[slug] = project
            return project

    def project(self, slug: str) -> Project:
        try:
            key = normalise_slug(slug)
        except ValueError:
            raise NotFound("Project not found") from None
        project = self.projects.get(key)
        if project is None:
            raise NotFound("Project not found")
        return project

    # pipelines --------------------------------------------------------------------------------
    def _outcome(self, project: Project, name: str, override: Optional[Mapping[str, str]]) -> str:
        run = project.runs_by_name.get(name, 0)
        project.runs_by_name[name] = run + 1
        if override and name in override:
            return override[name]
        plan = project.job_outcomes.get(name, "success")
        if isinstance(plan, (list, tuple)):
            return plan[min(run, len(plan) - 1)] if plan else "success"
        return plan

    def _make_workflow(self, pipeline: Pipeline, spec: WorkflowSpec, at: float, user: User,
                       only: Optional[Iterable[str]] = None, outcomes: Optional[Mapping[str, str]] = None,
                       durations: Optional[Mapping[str, float]] = None) -> Workflow:
        project = pipeline.project
        wf = Workflow(self.new_id(), spec.name, pipeline, at, user)
        keep = set(only) if only is not None else None
        for job_spec in spec.jobs:
            if keep is not None and job_spec.name not in keep:
                continue
            requires = tuple(r for r in job_spec.requires if keep is None or r in keep)
            number = None
            if job_spec.type != "approval":
                number = project.next_job_number
                project.next_job_number += 1
            duration = (durations or {}).get(job_spec.name, project.job_durations.get(job_spec.name, self.job_duration))
            job = Job(self.new_id(), job_spec.name, number, job_spec.type, wf, requires, float(duration),
                      self._outcome(project, job_spec.name, outcomes) if job_spec.type != "approval" else "success",
                      at, approval_request_id=self.new_id() if job_spec.type == "approval" else None)
            wf.jobs.append(job)
            self.jobs[job.id] = job
        self.workflows[wf.id] = wf
        pipeline.workflows.append(wf)
        return wf

    def trigger(self, slug: str, user: User, *, branch: Optional[str] = None, tag: Optional[str] = None,
                parameters: Optional[Mapping[str, Any]] = None, check_parameters_declared: bool = True,
                trigger_type: str = "api", at: Optional[float] = None,
                outcomes: Optional[Mapping[str, str]] = None,
                durations: Optional[Mapping[str, float]] = None, revision: Optional[str] = None) -> Pipeline:
        with self.lock:
            project = self.project(slug)
            now = self.clock.now() if at is None else at
            params = dict(parameters or {})
            errors = check_parameters(project.config.parameters, params) if check_parameters_declared else []
            if branch is None and tag is None:
                branch = project.default_branch
            number = project.next_pipeline_number
            project.next_pipeline_number += 1
            ref = tag if tag is not None else branch
            sha = revision or hashlib.sha1(f"{project.slug}:{ref}:{number}".encode()).hexdigest()
            appear = now + (self.workflow_delay if at is None else 0.0)
            pipeline = Pipeline(self.new_id(), project, number, now, appear, branch if tag is None else None, tag,
                                sha, params, user, trigger_type, errors, project.config.source)
            self.pipelines[pipeline.id] = pipeline
            if not errors:
                try:
                    selected, environments = self._compile(project.config, pipeline)
                except CompileError as exc:
                    errors.append(str(exc))
                else:
                    for spec in selected:
                        wf = self._make_workflow(pipeline, spec, appear, user, outcomes=outcomes, durations=durations)
                        for job in wf.jobs:
                            job.environment = dict(environments.get(job.name, {}))
            return pipeline

    @staticmethod
    def _compile(config: ProjectConfig, pipeline: Pipeline) -> Tuple[List[WorkflowSpec], Dict[str, Dict[str, str]]]:
        """The workflows whose conditions hold, and each job's environment, for this pipeline's values."""
        values = pipeline_values(parameter_values(config.parameters, pipeline.parameters), pipeline.branch,
                                 pipeline.tag, pipeline.trigger_type)
        unknown = unknown_references([config.environments] + [[w.when, w.unless] for w in config.workflows], values)
        if unknown:
            raise CompileError("Unknown variable(s): " + ", ".join(unknown))
        selected = [w for w in config.workflows
                    if (w.when is None or evaluate(w.when, values)) and not (w.unless is not None
                                                                            and evaluate(w.unless, values))]
        environments = {job: {k: _env_text(interpolate(v, values)) for k, v in env.items()}
                        for job, env in config.environments.items()}
        return selected, environments

    def pipeline(self, pipeline_id: str) -> Pipeline:
        p = self.pipelines.get(pipeline_id)
        if p is None:
            raise NotFound("Pipeline not found")
        return p

    def pipeline_by_number(self, slug: str, number: int) -> Pipeline:
        project = self.project(slug)
        for p in self.pipelines.values():
            if p.project is project and p.number == number:
                return p
        raise NotFound("Pipeline not found")

    def project_pipelines(self, project: Project, branch: Optional[str] = None,
                          actor: Optional[User] = None) -> List[Pipeline]:
        out = [p for p in self.pipelines.values() if p.project is project
               and (branch is None or p.branch == branch) and (actor is None or p.actor is actor)]
        out.sort(key=lambda p: -p.number)
        return out

    # workflows and jobs -------------------------------------------------------------------------
    def workflow(self, workflow_id: str) -> Workflow:
        wf = self.workflows.get(workflow_id)
        if wf is None or wf.created_at > self.clock.now():
            raise NotFound("Workflow not found")
        return wf

    def job_by_number(self, slug: str, number: int) -> Job:
        project = self.project(slug)
        now = self.clock.now()
        for job in self.jobs.values():
            if job.number == number and job.workflow.pipeline.project is project and job.workflow.created_at <= now:
                return job
        raise NotFound("Job not found")

    def rerun(self, workflow_id: str, user: User, *, jobs: Optional[Sequence[str]] = None,
              from_failed: bool = False) -> Workflow:
        """A new workflow in the same pipeline: every job, the failed ones and what they block, or the
        named jobs and what requires them."""
        with self.lock:
            old = self.workflow(workflow_id)
            now = self.clock.now()
            spec = next((s for s in old.pipeline.project.config.workflows if s.name == old.name),
                        WorkflowSpec(old.name, tuple(JobSpec(j.name, j.requires, j.type) for j in old.jobs)))
            if jobs:
                by_id = {j.id: j for j in old.jobs}
                missing = [j for j in jobs if j not in by_id]
                if missing:
                    raise NotFound("Job not found")
                chosen = {by_id[j].name for j in jobs}
                only: Optional[set] = _with_dependents(spec, chosen)
            elif from_failed:
                status, _ = old.status(now)
                if status not in ("failed", "canceled"):
                    raise Conflict("Workflow has no failed jobs to rerun.")
                failed = {j.name for j in old.jobs if j.state(now)[0] in ("failed", "canceled", "not_run",
                                                                             "infrastructure_fail", "timedout")}
                only = _with_dependents(spec, failed)
            else:
                only = None
            wf = self._make_workflow(old.pipeline, spec, now, user, only=only)
            wf.rerun_of = old
            for job in wf.jobs:  # a rerun runs with the pipeline's compiled environment
                before = old.job(job.name)
                job.environment = dict(before.environment) if before is not None else {}
            return wf

    def cancel_workflow(self, workflow_id: str, user: User) -> Workflow:
        with self.lock:
            wf = self.workflow(workflow_id)
            now = self.clock.now()
            if wf.canceled_at is None and wf.status(now)[1] is None:
                wf.canceled_at = now
                wf.canceled_by = user
            return wf

    def cancel_job(self, slug: str, number: int, user: User) -> Job:
        with self.lock:
            return self._cancel(self.job_by_number(slug, number), user)

    def cancel_job_by_id(self, job_id: str, user: User) -> Job:
        with self.lock:
            job = self.jobs.get(job_id)
            if job is None or job.workflow.created_at > self.clock.now():  # not visible yet
                raise NotFound("Job not found")
            return self._cancel(job, user)

    def _cancel(self, job: Job, user: User) -> Job:
        """Cancel a job that has not finished; a finished one is left as it was (the service says Accepted)."""
        now = self.clock.now()
        if job.canceled_at is None and job.state(now)[0] not in FINAL_JOB:
            job.canceled_at = now
            job.canceled_by = user
        return job

    def approve(self, workflow_id: str, approval_request_id: str, user: User) -> Job:
        with self.lock:
            wf = self.workflow(workflow_id)
            now = self.clock.now()
            for job in wf.jobs:
                if job.approval_request_id == approval_request_id:
                    if job.state(now)[0] != "on_hold":
                        raise Conflict("Job is not waiting for approval.")
                    job.approved_at = now
                    job.approved_by = user
                    return job
            raise NotFound("Approval request not found")

    # insights -----------------------------------------------------------------------------------
    def finished_workflows(self, project: Project, now: float, name: Optional[str] = None,
                           branch: Optional[str] = None, start: Optional[float] = None,
                           end: Optional[float] = None) -> List[Tuple[Workflow, str, float]]:
        """(workflow, status, stopped_at) of finished runs, newest first."""
        out = []
        for wf in self.workflows.values():
            if wf.pipeline.project is not project or wf.created_at > now:
                continue
            if name is not None and wf.name != name:
                continue
            if branch is not None and wf.pipeline.branch != branch:
                continue
            if start is not None and wf.created_at < start:
                continue
            if end is not None and wf.created_at > end:
                continue
            status, stopped = wf.status(now)
            if stopped is None or status not in ("success", "failed", "error", "canceled"):
                continue
            out.append((wf, status, stopped))
        out.sort(key=lambda r: -r[0].created_at)
        return out


def _env_text(value: Any) -> str:
    """An environment value as the job's shell sees it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _with_dependents(spec: WorkflowSpec, names: Iterable[str]) -> set:
    chosen = set(names)
    changed = True
    while changed:
        changed = False
        for job in spec.jobs:
            if job.name not in chosen and any(r in chosen for r in job.requires):
                chosen.add(job.name)
                changed = True
    return chosen
