"""The v2 operations the emulator serves, one function per operationId.

Paths come from the spec (spec.Router); this module only says what each
operation does. Messages are the service's own wording where the spec's
examples or the public docs show it.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

from . import views
from .clock import iso, parse_time
from .page_tokens import envelope, page
from .state import SHORT_VCS, Conflict, NotFound, State, User


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Reply:
    status: int
    body: Any
    headers: Dict[str, str] = field(default_factory=dict)


@dataclass
class Ctx:
    state: State
    user: User
    params: Dict[str, str]
    query: Dict[str, List[str]]
    body: Any
    page_size: int

    @property
    def now(self) -> float:
        return self.state.clock.now()

    def q(self, name: str) -> Optional[str]:
        """The last value of a query parameter; an empty value counts as absent."""
        values = self.query.get(name)
        return (values[-1] or None) if values else None

    def qbool(self, name: str, default: bool = False) -> bool:
        value = self.q(name)
        if value is None:
            return default
        return value.lower() in ("true", "1", "yes")

    def page(self, items: List[Any], scope: str, render: Callable[[Any], Any]) -> Reply:
        chunk, nxt = page(items, self.q("page-token"), self.page_size, scope)
        return Reply(200, envelope([render(i) for i in chunk], nxt))

    def number(self, name: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise HttpError(400, f"Invalid {name}.") from None


Handler = Callable[[Ctx], Reply]
HANDLERS: Dict[str, Handler] = {}


def op(operation_id: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[operation_id] = fn
        return fn
    return register


# --- user and project ---------------------------------------------------------------------------

@op("getCurrentUser")
def get_current_user(ctx: Ctx) -> Reply:
    return Reply(200, views.user(ctx.user))


@op("getProjectBySlug")
def get_project(ctx: Ctx) -> Reply:
    return Reply(200, views.project(ctx.state.project(ctx.params["project-slug"])))


# --- pipelines ----------------------------------------------------------------------------------

MAX_PARAMETERS, MAX_KEY, MAX_VALUE = 100, 128, 512


@op("triggerPipeline")
def trigger_pipeline(ctx: Ctx) -> Reply:
    body = ctx.body or {}
    branch, tag = body.get("branch"), body.get("tag")
    if branch is not None and tag is not None:
        raise HttpError(400, "Only one of branch or tag may be given.")
    params = body.get("parameters") or {}
    if len(params) > MAX_PARAMETERS:
        raise HttpError(400, f"Too many pipeline parameters: at most {MAX_PARAMETERS}.")
    for key, value in params.items():
        if len(key) > MAX_KEY:
            raise HttpError(400, f"Pipeline parameter name longer than {MAX_KEY} characters: {key[:20]}...")
        if isinstance(value, str) and len(value) > MAX_VALUE:
            raise HttpError(400, f"Value of pipeline parameter {key} is longer than {MAX_VALUE} characters.")
    with ctx.state.lock:
        p = ctx.state.trigger(ctx.params["project-slug"], ctx.user, branch=branch, tag=tag, parameters=params)
        return Reply(201, views.pipeline_creation(p, ctx.now))


@op("listPipelinesForProject")
def list_project_pipelines(ctx: Ctx) -> Reply:
    with ctx.state.lock:
        project = ctx.state.project(ctx.params["project-slug"])
        branch = ctx.q("branch")
        items = ctx.state.project_pipelines(project, branch=branch)
        now = ctx.now
        return ctx.page(items, f"pipelines:{project.slug}:{branch}", lambda p: views.pipeline(p, now))


@op("listMyPipelines")
def list_my_pipelines(ctx: Ctx) -> Reply:
    with ctx.state.lock:
        project = ctx.state.project(ctx.params["project-slug"])
        items = ctx.state.project_pipelines(project, actor=ctx.user)
        now = ctx.now
        return ctx.page(items, f"mine:{project.slug}:{ctx.user.id}", lambda p: views.pipeline(p, now))


@op("listPipelines")
def list_pipelines(ctx: Ctx) -> Reply:
    org = ctx.q("org-slug")
    mine = ctx.qbool("mine")
    with ctx.state.lock:
        org_slug = None
        if org is not None:
            parts = org.strip("/").split("/")
            if len(parts) != 2 or not all(parts):
                raise HttpError(400, "Invalid org-slug.")
            vcs = parts[0].lower()
            org_slug = f"{SHORT_VCS.get(vcs, vcs)}/{parts[1]}"
        items = [p for p in ctx.state.pipelines.values()
                 if (org_slug is None or p.project.org_slug == org_slug) and (not mine or p.actor is ctx.user)]
        items.sort(key=lambda p: (-p.created_at, p.project.slug, -p.number))
        now = ctx.now
        return ctx.page(items, f"org:{org_slug}:{mine}", lambda p: views.pipeline(p, now))


@op("getPipelineById")
def get_pipeline(ctx: Ctx) -> Reply:
    with ctx.state.lock:
        return Reply(200, views.pipeline(ctx.state.pipeline(ctx.params["pipeline-id"]), ctx.now))


@op("getPipelineByNumber")
def get_pipeline_by_number(ctx: Ctx) -> Reply:
    with ctx.state.lock:
        p = ctx.state.pipeline_by_number(ctx.params["project-slug"], ctx.number("pipeline-number"))
        return Reply(200, views.pipeline(p, ctx.now))


@op("getPipelineConfigById")
def get_pipeline_config(ctx: Ctx) -> Reply:
    with ctx.state.lock:  # like every other handler: the state's dicts change under other threads
        p = ctx.state.pipeline(ctx.params["pipeline-id"])
        return Reply(200, {"source": p.config_source, "compiled": p.config_source})


@op("listWorkflowsByPipelineId")
def list_pipeline_workflows(ctx: Ctx) -> Reply:
    with ctx.state.lock:
        p = ctx.state.pipeline(ctx.params["pipeline-id"])
        now = ctx.now
        items = sorted(p.visible_workflows(now), key=lambda w: -w.created_at)
        return ctx.page(items, f"workflows:{p.id}", lambda w: views.workflow(w, now))


# --- workflows ----------------------------------------------------------------------------------

@op("getWorkflowById")
def get_workflow(ctx: Ctx) -> Reply:
    with ctx.state.lock:
        return Reply(200, views.workflow(ctx.state.workflow(ctx.params["id"]), ctx.now))


@op("listWorkflowJobs")
def list_workflow_jobs(ctx: Ctx) -> Reply:
    with ctx.state.lock:
        wf = ctx.state.workflow(ctx.params["id"])
        now = ctx.now
        return ctx.page(wf.jobs, f"jobs:{wf.id}", lambda j: views.workflow_job(j, now))


@op("rerunWorkflow")
def rerun_workflow(ctx: Ctx) -> Reply:
    body = ctx.body or {}
    jobs = body.get("jobs")
    from_failed = bool(body.get("from_failed"))
    if jobs and from_failed:
        raise HttpError(400, "Cannot specify both jobs and from_failed.")
    if (body.get("enable_ssh") or body.get("sparse_tree")) and not jobs:
        raise HttpError(400, "enable_ssh and sparse_tree require jobs.")
    try:
        wf = ctx.state.rerun(ctx.params["id"], ctx.user, jobs=jobs, from_failed=from_failed)
    except Conflict as exc:
        raise HttpError(400, str(exc)) from None
    return Reply(202, {"workflow_id": wf.id})


@op("cancelWorkflow")
def cancel_workflow(ctx: Ctx) -> Reply:
    ctx.state.cancel_workflow(ctx.params["id"], ctx.user)
    return Reply(202, {"message": "Accepted."})


@op("approvePendingApprovalJobById")
def approve_job(ctx: Ctx) -> Reply:
    try:
        ctx.state.approve(ctx.params["id"], ctx.params["approval_request_id"], ctx.user)
    except Conflict as exc:
        raise HttpError(400, str(exc)) from None
    return Reply(202, {"message": "Accepted."})


# --- jobs ---------------------------------------------------------------------------------------

@op("getJobDetails")
def get_job_details(ctx: Ctx) -> Reply:
    with ctx.state.lock:
        job = ctx.state.job_by_number(ctx.params["project-slug"], ctx.number("job-number"))
        return Reply(200, views.job_details(job, ctx.now))


@op("cancelJobByJobNumber")
def cancel_job(ctx: Ctx) -> Reply:
    ctx.state.cancel_job(ctx.params["project-slug"], ctx.number("job-number"), ctx.user)
    return Reply(200, {"message": "Accepted."})


@op("cancelJobByJobID")
def cancel_job_by_id(ctx: Ctx) -> Reply:
    ctx.state.cancel_job_by_id(ctx.params["job-id"], ctx.user)
    return Reply(200, {"message": "Accepted."})


@op("getJobArtifacts")
def get_job_artifacts(ctx: Ctx) -> Reply:
    with ctx.state.lock:
        job = ctx.state.job_by_number(ctx.params["project-slug"], ctx.number("job-number"))
        return ctx.page(views.artifacts(job), f"artifacts:{job.id}", lambda a: a)


@op("getTests")
def get_tests(ctx: Ctx) -> Reply:
    with ctx.state.lock:
        job = ctx.state.job_by_number(ctx.params["project-slug"], ctx.number("job-number"))
        return ctx.page(views.tests(job), f"tests:{job.id}", lambda t: t)


# --- environment variables ----------------------------------------------------------------------

@op("listEnvVars")
def list_env_vars(ctx: Ctx) -> Reply:
    with ctx.state.lock:
        project = ctx.state.project(ctx.params["project-slug"])
        items = sorted(project.env_vars.items())
        return ctx.page(items, f"envvars:{project.slug}", lambda kv: views.env_var(kv[0], *kv[1]))


@op("createEnvVar")
def create_env_var(ctx: Ctx) -> Reply:
    body = ctx.body or {}
    name, value = body.get("name"), body.get("value")
    with ctx.state.lock:
        project = ctx.state.project(ctx.params["project-slug"])
        project.env_vars[name] = (value, ctx.now)
        return Reply(201, views.env_var(name, value, ctx.now))


@op("getEnvVar")
def get_env_var(ctx: Ctx) -> Reply:
    project = ctx.state.project(ctx.params["project-slug"])
    entry = project.env_vars.get(ctx.params["name"])
    if entry is None:
        raise NotFound("Environment variable not found.")
    return Reply(200, views.env_var(ctx.params["name"], *entry))


@op("deleteEnvVar")
def delete_env_var(ctx: Ctx) -> Reply:
    with ctx.state.lock:
        project = ctx.state.project(ctx.params["project-slug"])
        if project.env_vars.pop(ctx.params["name"], None) is None:
            raise NotFound("Environment variable not found.")
    return Reply(200, {"message": "Environment variable deleted."})


# --- checkout keys ------------------------------------------------------------------------------

@op("listCheckoutKeys")
def list_checkout_keys(ctx: Ctx) -> Reply:
    with ctx.state.lock:
        project = ctx.state.project(ctx.params["project-slug"])
        items = list(project.checkout_keys.values())
        return ctx.page(items, f"keys:{project.slug}", views.checkout_key)


@op("createCheckoutKey")
def create_checkout_key(ctx: Ctx) -> Reply:
    key_type = (ctx.body or {}).get("type")
    with ctx.state.lock:
        project = ctx.state.project(ctx.params["project-slug"])
        material = ctx.state.new_id()
        fp = views.fingerprint(material)
        for key in project.checkout_keys.values():
            key["preferred"] = False
        key = {"public-key": f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5{material.replace('-', '')} emulator",
               # created as user-key, reported as github-user-key (the reply's enum)
               "type": "github-user-key" if key_type == "user-key" else key_type, "fingerprint": fp, "preferred": True, "created-at": iso(ctx.now)}
        project.checkout_keys[fp] = key
        return Reply(201, views.checkout_key(key))


def _checkout_key(ctx: Ctx) -> Dict[str, Any]:
    project = ctx.state.project(ctx.params["project-slug"])
    key = project.checkout_keys.get(ctx.params["fingerprint"])
    if key is None:
        raise NotFound("Checkout key not found.")
    return key


@op("getCheckoutKey")
def get_checkout_key(ctx: Ctx) -> Reply:
    return Reply(200, views.checkout_key(_checkout_key(ctx)))


@op("deleteCheckoutKey")
def delete_checkout_key(ctx: Ctx) -> Reply:
    with ctx.state.lock:
        key = _checkout_key(ctx)
        ctx.state.project(ctx.params["project-slug"]).checkout_keys.pop(key["fingerprint"], None)
    return Reply(200, {"message": "Checkout key deleted."})


# --- insights -----------------------------------------------------------------------------------

WINDOWS = {"last-24-hours": 1, "last-7-days": 7, "last-30-days": 30, "last-60-days": 60, "last-90-days": 90}


def _branch_filter(ctx: Ctx, default_branch: str) -> Optional[str]:
    if ctx.qbool("all-branches"):
        return None
    return ctx.q("branch") or default_branch


def _p95(values: List[int]) -> int:
    ordered = sorted(values)
    return ordered[max(0, int(math.ceil(0.95 * len(ordered))) - 1)]


def workflow_metrics(runs: List[Any], days: int) -> Dict[str, Any]:
    """Insights metrics of finished runs [(workflow, status, stopped_at)], as the service defines them:
    durations in seconds, throughput in runs per day of the window, MTTR the mean seconds from the
    first failure of a streak to the next success."""
    chronological = sorted(runs, key=lambda r: r[0].created_at)
    durations = [int(round(stopped - wf.created_at)) for wf, _status, stopped in chronological]
    total = len(chronological)
    successes = sum(1 for _wf, status, _s in chronological if status == "success")
    failures = sum(1 for _wf, status, _s in chronological if status in ("failed", "error"))
    recoveries: List[float] = []
    failed_since: Optional[float] = None
    for _wf, status, stopped in chronological:
        if status in ("failed", "error"):
            if failed_since is None:
                failed_since = stopped
        elif status == "success" and failed_since is not None:
            recoveries.append(stopped - failed_since)
            failed_since = None
    now_credits = sum(j.credits(stopped) for wf, _st, stopped in chronological for j in wf.jobs)
    return {
        "total_runs": total,
        "successful_runs": successes,
        "failed_runs": failures,
        "success_rate": (successes / total) if total else 0.0,
        "throughput": total / float(days),
        "mttr": int(round(sum(recoveries) / len(recoveries))) if recoveries else 0,
        "total_recoveries": len(recoveries),
        "total_credits_used": now_credits,
        "duration_metrics": {
            "min": min(durations) if durations else 0,
            "mean": int(round(statistics.mean(durations))) if durations else 0,
            "median": int(round(statistics.median(durations))) if durations else 0,
            "p95": _p95(durations) if durations else 0,
            "max": max(durations) if durations else 0,
            "standard_deviation": float(statistics.pstdev(durations)) if durations else 0.0,
        },
    }


@op("getProjectWorkflowMetrics")
def get_project_workflow_metrics(ctx: Ctx) -> Reply:
    window = ctx.q("reporting-window") or "last-90-days"
    days = WINDOWS[window]
    with ctx.state.lock:
        project = ctx.state.project(ctx.params["project-slug"])
        now = ctx.now
        branch = _branch_filter(ctx, project.default_branch)
        runs = ctx.state.finished_workflows(project, now, branch=branch, start=now - days * 86400)
        by_name: Dict[str, List[Any]] = {}
        for run in runs:
            by_name.setdefault(run[0].name, []).append(run)
        items = []
        for name in sorted(by_name):
            group = by_name[name]
            items.append({
                "name": name,
                "project_id": project.id,
                "window_start": iso(min(wf.created_at for wf, _s, _t in group)),
                "window_end": iso(max(stopped for _wf, _s, stopped in group)),
                "metrics": workflow_metrics(group, days),
            })
        return ctx.page(items, f"metrics:{project.slug}:{branch}:{window}", lambda i: i)


@op("getProjectWorkflowRuns")
def get_project_workflow_runs(ctx: Ctx) -> Reply:
    with ctx.state.lock:
        project = ctx.state.project(ctx.params["project-slug"])
        now = ctx.now
        branch = _branch_filter(ctx, project.default_branch)
        try:
            start = parse_time(ctx.q("start-date"), now) if ctx.q("start-date") else now - 90 * 86400
            end = parse_time(ctx.q("end-date"), now) if ctx.q("end-date") else None
        except ValueError:
            raise HttpError(400, "Invalid start-date or end-date.") from None
        runs = ctx.state.finished_workflows(project, now, name=ctx.params["workflow-name"], branch=branch,
                                            start=start, end=end)

        def render(run: Any) -> Dict[str, Any]:
            wf, status, stopped = run
            return {
                "id": wf.id,
                "branch": wf.pipeline.branch or "",
                "duration": int(round(stopped - wf.created_at)),
                "created_at": iso(wf.created_at),
                "stopped_at": iso(stopped),
                "credits_used": sum(j.credits(stopped) for j in wf.jobs),
                "status": status,
                "is_approval": any(j.type == "approval" for j in wf.jobs),
            }

        # the page scope names the query as sent, not the window computed from "now", which moves
        scope = f"runs:{project.slug}:{ctx.params['workflow-name']}:{branch}:{ctx.q('start-date')}:{ctx.q('end-date')}"
        return ctx.page(runs, scope, render)


def dispatch(operation_id: str, ctx: Ctx) -> Reply:
    handler = HANDLERS.get(operation_id)
    if handler is None:
        raise HttpError(501, f"The emulator does not implement {operation_id}.")
    return handler(ctx)


def implemented() -> List[str]:
    return sorted(HANDLERS)
