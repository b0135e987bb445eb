"""The v1.1 (and v1) endpoints the emulator answers, found through the rule catalogue.

Which URL is which endpoint comes from the rules (catalogue.match_request);
this module only says what each rule's endpoint does, keyed by rule name.
v1.1 reads the same state as v2: a build is a v2 job, a trigger makes a
pipeline, a retry reruns the job's workflow.

Cut-over rehearsal: with `cutover` on, the deprecated endpoints (rules with
deprecated: true: trigger, retry, recent-builds) answer as removed. The status
is 404, what DELETE build-cache has answered since its removal on 2020-11-05
(CircleCI docs commit af267d02; it answered 410 during the brown-out that
started on 2020-09-25, which `cutover=410` reproduces).
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import unquote

from circleci_v2.rules.endpoints import V1_DEFAULT_VCS

from . import views
from .routes_v2 import HttpError, Reply
from .state import Job, NotFound, State, User

REMOVED_MESSAGE = "This endpoint has been removed. Use API v2: https://circleci.com/docs/api/v2/"
FILTERS = {"completed": ("success", "failed", "canceled", "infrastructure_fail", "timedout", "not_run"),
           "successful": ("success",), "failed": ("failed", "infrastructure_fail", "timedout"),
           "running": ("running", "queued", "blocked")}


class V1Ctx:
    def __init__(self, state: State, user: User, params: Dict[str, str], query: Dict[str, List[str]],
                 body: Any, method: str) -> None:
        self.state = state
        self.user = user
        self.params = {k: unquote(v) for k, v in params.items()}
        self.query = query
        self.body = body if isinstance(body, dict) else {}
        self.method = method

    @property
    def now(self) -> float:
        return self.state.clock.now()

    def q(self, name: str) -> Optional[str]:
        values = self.query.get(name)
        return values[-1] if values else None

    @property
    def slug(self) -> str:
        vcs = self.params.get("vcs", V1_DEFAULT_VCS)  # a v1 path names no VCS
        return f"{vcs}/{self.params['user']}/{self.params['project']}"

    def job(self) -> Job:
        try:
            return self.state.job_by_number(self.slug, int(self.params["build_num"]))
        except NotFound:
            raise HttpError(404, "Build not found") from None

    def limit_offset(self) -> Tuple[int, int]:
        try:
            limit = int(self.q("limit") or 30)
            offset = int(self.q("offset") or 0)
        except ValueError:
            raise HttpError(400, "limit and offset must be numbers") from None
        if not 0 < limit <= 100 or offset < 0:
            raise HttpError(400, "limit must be between 1 and 100 and offset at least 0")
        return limit, offset


V1Handler = Callable[[V1Ctx], Reply]
V1_HANDLERS: Dict[str, V1Handler] = {}


def rule(name: str) -> Callable[[V1Handler], V1Handler]:
    def register(fn: V1Handler) -> V1Handler:
        V1_HANDLERS[name] = fn
        return fn
    return register


def _project(ctx: V1Ctx):
    try:
        return ctx.state.project(ctx.slug)
    except NotFound:
        raise HttpError(404, "Project not found") from None


def _first_job(pipeline) -> Optional[Job]:
    for wf in pipeline.workflows:
        for job in wf.jobs:
            if job.number is not None:
                return job
    return None


def _trigger(ctx: V1Ctx, branch: Optional[str]) -> Any:
    body = ctx.body
    tag = body.get("tag")
    branch = branch or body.get("branch")
    params = body.get("build_parameters") or {}
    if not isinstance(params, dict):
        raise HttpError(400, "build_parameters must be a map")
    _project(ctx)
    with ctx.state.lock:
        # build_parameters were job environment variables and needed no declaration
        pipeline = ctx.state.trigger(ctx.slug, ctx.user, branch=branch if tag is None else None, tag=tag,
                                     parameters=params, check_parameters_declared=False,
                                     revision=body.get("revision"))
        job = _first_job(pipeline)
        if job is None:
            return {"status": 200, "body": "Build created"}
        return views.build_summary(job, ctx.now, ctx.state.web_root)


@rule("trigger-project")
def trigger_project(ctx: V1Ctx) -> Reply:
    return Reply(200, _trigger(ctx, None))


@rule("trigger-branch")
def trigger_branch(ctx: V1Ctx) -> Reply:
    return Reply(200, _trigger(ctx, ctx.params["branch"]))


@rule("trigger-build-endpoint")
def trigger_build_endpoint(ctx: V1Ctx) -> Reply:
    body = ctx.body
    _project(ctx)
    # the 2018 "new build" endpoint takes pipeline parameters, declared like v2's
    ctx.state.trigger(ctx.slug, ctx.user, branch=body.get("branch") if body.get("tag") is None else None,
                      tag=body.get("tag"), parameters=body.get("parameters") or {},
                      revision=body.get("revision"))
    return Reply(200, {"status": 200, "body": "Build created"})


def _retry(ctx: V1Ctx) -> Reply:
    with ctx.state.lock:
        job = ctx.job()
        wf = ctx.state.rerun(job.workflow.id, ctx.user, jobs=[job.id])
        new = wf.job(job.name) or wf.jobs[0]
        summary = views.build_summary(new, ctx.now, ctx.state.web_root)
        summary["retry_of"] = job.number
        summary["why"] = "retry"
        if ctx.params.get("_ssh"):
            summary["ssh_enabled"] = True
        return Reply(200, summary)


@rule("retry-build")
def retry_build(ctx: V1Ctx) -> Reply:
    return _retry(ctx)


@rule("retry-build-ssh")
def retry_build_ssh(ctx: V1Ctx) -> Reply:
    ctx.params["_ssh"] = "1"
    return _retry(ctx)


@rule("clear-build-cache")
def clear_build_cache(ctx: V1Ctx) -> Reply:
    # removed in 2020: answered by the server before any project lookup
    raise HttpError(404, "Not found")


@rule("recent-builds")
def recent_builds(ctx: V1Ctx) -> Reply:
    limit, offset = ctx.limit_offset()
    with ctx.state.lock:
        now = ctx.now
        jobs = [j for j in ctx.state.jobs.values() if j.number is not None and j.workflow.created_at <= now]
        jobs.sort(key=lambda j: (-j.created_at, -j.number))
        return Reply(200, [views.build_summary(j, now, ctx.state.web_root) for j in jobs[offset:offset + limit]])


@rule("cancel-build")
def cancel_build(ctx: V1Ctx) -> Reply:
    with ctx.state.lock:
        job = ctx.job()
        ctx.state.cancel_job(ctx.slug, job.number, ctx.user)
        return Reply(200, views.build_summary(job, ctx.now, ctx.state.web_root))


@rule("build-details")
def build_details(ctx: V1Ctx) -> Reply:
    with ctx.state.lock:
        return Reply(200, views.build_summary(ctx.job(), ctx.now, ctx.state.web_root))


def _project_jobs(ctx: V1Ctx, branch: Optional[str]) -> List[Job]:
    project = _project(ctx)
    now = ctx.now
    jobs = [j for j in ctx.state.jobs.values() if j.number is not None and j.workflow.pipeline.project is project
            and j.workflow.created_at <= now and (branch is None or j.workflow.pipeline.branch == branch)]
    wanted = ctx.q("filter")
    if wanted:  # circleclient's build.recent sends an empty filter= by default: no filter
        if wanted not in FILTERS:
            raise HttpError(400, f"filter must be one of {', '.join(FILTERS)}")
        jobs = [j for j in jobs if j.state(now)[0] in FILTERS[wanted]]
    jobs.sort(key=lambda j: -j.number)
    return jobs


@rule("build-artifacts")
def build_artifacts(ctx: V1Ctx) -> Reply:
    with ctx.state.lock:
        if "build_num" in ctx.params:
            job = ctx.job()
        else:  # .../latest/artifacts?branch=&filter=
            if ctx.q("filter") is None:
                ctx.query = dict(ctx.query, filter=["completed"])
            jobs = _project_jobs(ctx, ctx.q("branch"))
            if not jobs:
                raise HttpError(404, "Build not found")
            job = jobs[0]
        items = views.artifacts(job)
        for item in items:
            item["pretty_path"] = item["path"]
        return Reply(200, items)


@rule("project-builds")
def project_builds(ctx: V1Ctx) -> Reply:
    limit, offset = ctx.limit_offset()
    with ctx.state.lock:
        jobs = _project_jobs(ctx, ctx.params.get("branch"))
        now = ctx.now
        return Reply(200, [views.build_summary(j, now, ctx.state.web_root) for j in jobs[offset:offset + limit]])


@rule("env-vars")
def env_vars(ctx: V1Ctx) -> Reply:
    with ctx.state.lock:
        project = _project(ctx)
        name = ctx.params.get("name")
        if ctx.method == "POST":
            new_name, value = ctx.body.get("name"), ctx.body.get("value")
            if not isinstance(new_name, str) or not isinstance(value, str):
                raise HttpError(400, "name and value are required")
            project.env_vars[new_name] = (value, ctx.now)
            return Reply(201, {"name": new_name, "value": "xxxx" + value[-4:]})
        if name is None:
            return Reply(200, [{"name": k, "value": "xxxx" + v[-4:]} for k, (v, _t) in sorted(project.env_vars.items())])
        entry = project.env_vars.get(name)
        if entry is None:
            raise HttpError(404, "Environment variable not found")
        if ctx.method == "DELETE":
            del project.env_vars[name]
            return Reply(200, {"message": "ok"})
        return Reply(200, {"name": name, "value": "xxxx" + entry[0][-4:]})


def _v1_key(key: Dict[str, Any]) -> Dict[str, Any]:
    return {"public_key": key["public-key"], "type": key["type"], "fingerprint": key["fingerprint"],
            "preferred": key["preferred"], "time": key["created-at"]}


@rule("checkout-keys")
def checkout_keys(ctx: V1Ctx) -> Reply:
    with ctx.state.lock:
        project = _project(ctx)
        fingerprint = ctx.params.get("fingerprint")
        if ctx.method == "POST":
            key_type = ctx.body.get("type")
            if key_type not in ("deploy-key", "github-user-key"):
                raise HttpError(400, "type must be deploy-key or github-user-key")
            material = ctx.state.new_id()
            fp = views.fingerprint(material)
            for other in project.checkout_keys.values():
                other["preferred"] = False
            key = {"public-key": f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5{material.replace('-', '')} emulator",
                   "type": key_type, "fingerprint": fp,
                   "preferred": True, "created-at": views.iso(ctx.now)}
            project.checkout_keys[fp] = key
            return Reply(201, _v1_key(key))
        if fingerprint is None:
            return Reply(200, [_v1_key(k) for k in project.checkout_keys.values()])
        key = project.checkout_keys.get(fingerprint)
        if key is None:
            raise HttpError(404, "Checkout key not found")
        if ctx.method == "DELETE":
            del project.checkout_keys[fingerprint]
            return Reply(200, {"message": "ok"})
        return Reply(200, _v1_key(key))


@rule("test-metadata")
def test_metadata(ctx: V1Ctx) -> Reply:
    with ctx.state.lock:
        return Reply(200, {"tests": views.tests(ctx.job())})


# ---- the signed-in user and the projects they follow ------------------------------------------
# Every emulated project counts as followed by every user: v1.1 has no call that unfollows, so a
# follow can only confirm it (the emulator keeps no per-user list).

@rule("current-user")
def current_user(ctx: V1Ctx) -> Reply:
    user = ctx.user
    return Reply(200, {"login": user.login, "name": user.name, "avatar_url": user.avatar_url, "admin": False,
                       "basic_email_prefs": "smart", "user_key_fingerprint": None})


def _branch_build(job: Job, now: float) -> Dict[str, Any]:
    summary = views.build_summary(job, now)
    return {"build_num": summary["build_num"], "vcs_revision": summary["vcs_revision"],
            "pushed_at": summary["queued_at"], "outcome": summary["outcome"], "status": summary["status"],
            "lifecycle": summary["lifecycle"]}


def _followed_project(ctx: V1Ctx, project) -> Dict[str, Any]:
    now = ctx.now
    by_branch: Dict[str, List[Job]] = {}
    for job in ctx.state.jobs.values():
        p = job.workflow.pipeline
        if job.number is not None and p.project is project and p.branch is not None and job.workflow.created_at <= now:
            by_branch.setdefault(p.branch, []).append(job)
    branches: Dict[str, Any] = {}
    for branch, jobs in sorted(by_branch.items()):
        jobs.sort(key=lambda j: -j.number)
        builds = [_branch_build(j, now) for j in jobs]
        finished = [b for b in builds if b["lifecycle"] == "finished"]
        branches[branch] = {
            "pusher_logins": sorted({j.workflow.pipeline.actor.login for j in jobs}),
            "recent_builds": builds[:5],
            "running_builds": [b for b in builds if b["lifecycle"] in ("running", "queued")],
            "last_success": next((b for b in finished if b["outcome"] == "success"), None),
            "last_non_success": next((b for b in finished if b["outcome"] != "success"), None),
        }
    return {"vcs_url": project.vcs_url, "vcs_type": project.provider[0], "username": project.org,
            "reponame": project.name, "default_branch": project.default_branch, "followed": True,
            "branches": branches}


@rule("followed-projects")
def followed_projects(ctx: V1Ctx) -> Reply:
    with ctx.state.lock:
        return Reply(200, [_followed_project(ctx, p) for _slug, p in sorted(ctx.state.projects.items())])


@rule("follow-project")
def follow_project(ctx: V1Ctx) -> Reply:
    with ctx.state.lock:
        _project(ctx)
        # already followed (see above); a first follow would have started a first build
        return Reply(200, {"followed": True, "first_build": None})


@rule("project-settings")
def project_settings(ctx: V1Ctx) -> Reply:
    # undocumented on v1.1: it answered the project with its feature flags, and PUT merged the flags sent
    with ctx.state.lock:
        project = _project(ctx)
        if ctx.method == "PUT":
            flags = ctx.body.get("feature_flags", {})
            if not isinstance(flags, dict):
                raise HttpError(400, "feature_flags must be a map")
            project.feature_flags.update(flags)
        return Reply(200, {"vcs_url": project.vcs_url, "vcs_type": project.provider[0], "username": project.org,
                           "reponame": project.name, "default_branch": project.default_branch,
                           "feature_flags": dict(project.feature_flags)})


# ---- SSH and keys ---------------------------------------------------------------------------------

@rule("ssh-users")
def ssh_users(ctx: V1Ctx) -> Reply:
    with ctx.state.lock:
        summary = views.build_summary(ctx.job(), ctx.now, ctx.state.web_root)
        summary["ssh_users"] = [{"login": ctx.user.login}]
        return Reply(200, summary)


def _text(ctx: V1Ctx, name: str, required: bool = True) -> Optional[str]:
    value = ctx.body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise HttpError(400, f"{name} is required" if required else f"{name} must be a string")
    return value


@rule("ssh-keys")
def ssh_keys(ctx: V1Ctx) -> Reply:
    with ctx.state.lock:
        _project(ctx)
        if ctx.method == "DELETE":
            _text(ctx, "fingerprint")
        else:
            _text(ctx, "private_key")
        # circleci and pycircleci send hostname null by default: the key then serves every host
        _text(ctx, "hostname", required=False)
        return Reply(200, None)  # v1.1 answers both with an empty body


@rule("heroku-key")
def heroku_key(ctx: V1Ctx) -> Reply:
    _text(ctx, "apikey")
    return Reply(200, None)  # an empty body, as v1.1 documents


def dispatch(rule_name: str, ctx: V1Ctx) -> Reply:
    handler = V1_HANDLERS.get(rule_name)
    if handler is None:
        raise HttpError(404, "Not found")
    return handler(ctx)
