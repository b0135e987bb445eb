"""Deprecated v1.1 calls -> v2 operations: what each of the rules' `shim.translation` names does.

Which v1.1 routes are deprecated and how their body fields map is data in rules/
(rule.body, whose meaning rules/field_outcomes.py decides for the fixers and the
shim alike); this module only knows how to carry out each kind of translation with
CircleCIClient and to shape the reply as v1.1 did.
The drop-ins call these functions from their methods; requests.py's handlers
(registered by name with @translation) call them for a v1.1 HTTP request.
"""
from __future__ import annotations

import os
import threading
import time
import weakref
from collections import OrderedDict
from itertools import islice
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from circleci_v2.rules.field_outcomes import EMULATED, MANUAL, Decision, decide

from .adapters import app_url, build_summary
from .client import CircleCIClient
from .errors import PipelineErrored
from . import fanout
from .deprecation import rule, warn_user


ORG_VARIABLE = "CIRCLECI_ORG_SLUG"


class TranslationError(ValueError):
    """A v1.1 argument that has no v2 equivalent, in strict mode."""


def map_body(rule_id: str, body: Mapping[str, Any], *, path: Optional[Mapping[str, Any]] = None,
             strict: bool = False) -> Dict[str, Any]:
    """The v2 request body for a v1.1 one, as the rule decides each field (rules/field_outcomes.py).

    path: the URL's path parameters, of which the rule's `from: path` fields (tree/:branch)
    are sent too. kept: sent under its v2 name; moved (a path field v2 takes in the body): sent
    there, without a warning, as the call means what it meant; unsafe: sent, with a warning (its meaning
    changed); dropped: left out, with a warning, strict or not; manual (and a field the rule
    does not name): left out with a warning, or TranslationError when strict. A branch and a
    tag together: the tag alone is sent, as v1.1 built the tag; a field given twice (in the
    URL and in the body): the URL's, with a warning. Each warning is the text `fix` writes
    for the same field.
    """
    path = path or {}
    decision = carry_out(rule_id, decide(rule(rule_id), body, path=[name for name, value in path.items() if value]),
                         strict=strict)
    out: Dict[str, Any] = {}
    for field in decision.fields:
        to = field.to or field.name
        if not field.sent or to in out:  # the first one given is sent: the URL's
            continue
        value = path[field.name] if field.source == "path" else body[field.name]
        if field.renames and isinstance(value, Mapping):  # CIRCLE_JOB -> run-job, as `fix` writes it
            value = field.renamed_keys(value)
        out[to] = value
    for call in decision.calls:
        if call.shim_warning:
            warn_user(f"{rule_id}: {call.shim_warning}")
        for name in call.shim_leaves_out:
            out.pop(name, None)
    return out


def carry_out(rule_id: str, decision: Decision, *, strict: bool = False) -> Decision:
    """Warn of each field the decision says the shim warns of (its `done`, the text `fix` writes), or raise
    TranslationError when strict and a person must decide about one; the decision, for the caller to send."""
    manual = [f for f in decision.fields if f.outcome == MANUAL]
    if strict and manual:
        raise TranslationError("; ".join(f"{rule_id}: {f.done}" for f in manual))
    for field in decision.fields:
        if field.warns:
            for note in (field.done,) + field.renamed:
                warn_user(f"{rule_id}: {note}")
    return decision


def emulated_query(rule_id: str, query: Mapping[str, Any], *, strict: bool = False) -> Dict[str, int]:
    """The query fields of a v1.1 listing the shim carries out on the client (recent-builds' limit and
    offset), as the rule decides them; the others are warned of (shallow: dropped) or refused when strict."""
    decision = carry_out(rule_id, decide(rule(rule_id), {}, query=query), strict=strict)
    return {f.name: int(query[f.name]) for f in decision.fields if f.outcome == EMULATED}


def _poll(fetch: Callable[[], Any], timeout: float, poll: float = 0.05) -> Any:
    """Call fetch() until it returns something truthy or `timeout` passes (then its last value)."""
    deadline = time.monotonic() + timeout
    interval = poll
    while True:
        value = fetch()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
        interval = min(1.0, interval * 1.5)


def _first_job(client: CircleCIClient, workflow_id: str, name: Optional[str] = None) -> Optional[Dict[str, Any]]:
    jobs = [j for j in client.list_workflow_jobs(workflow_id) if name is None or j.get("name") == name]
    numbered = [j for j in jobs if j.get("job_number") is not None]
    return dict((numbered or jobs or [None])[0] or {}) or None


def trigger(client: CircleCIClient, rule_id: str, slug: str, body: Mapping[str, Any], *,
            path: Optional[Mapping[str, Any]] = None, wait: bool = True, timeout: float = 60.0,
            strict: bool = False) -> Dict[str, Any]:
    """triggerPipeline, then (wait) the first workflow's first job: a v1.1 build summary.

    Raises errors.PipelineErrored, carrying the pipeline's errors, as soon as the
    pipeline is errored (an undeclared parameter, a config error): it never gets a workflow.
    """
    v2 = map_body(rule_id, body, path=path, strict=strict)
    params = v2.get("parameters")
    created = client.trigger_pipeline(slug, branch=v2.get("branch"), tag=v2.get("tag"),
                                      parameters=params or None)
    pipeline: Dict[str, Any] = dict(created)
    workflow = job = None
    if wait:
        pipeline = dict(client.get_pipeline(created["id"]))
        PipelineErrored.check(pipeline)

        def workflows() -> List[Any]:
            found = list(client.list_pipeline_workflows(created["id"]))
            if not found:  # an errored pipeline never gets one: stop waiting and say why
                PipelineErrored.check(dict(client.get_pipeline(created["id"])))
            return found

        flows = _poll(workflows, timeout)
        if flows:
            workflow = dict(flows[0])
            job = _poll(lambda: _numbered(client, workflow["id"]), timeout) or _first_job(client, workflow["id"])
        pipeline = dict(client.get_pipeline(created["id"]))
    pipeline.setdefault("vcs", {"branch": v2.get("branch"), "tag": v2.get("tag")})
    return build_summary(slug, pipeline, workflow, job, web_root=app_url(client.base_url))


def _numbered(client: CircleCIClient, workflow_id: str) -> Optional[Dict[str, Any]]:
    job = _first_job(client, workflow_id)
    return job if job and job.get("job_number") is not None else None


def retry(client: CircleCIClient, rule_id: str, slug: str, build_num: int, *, ssh: bool = False,
          wait: bool = True, timeout: float = 60.0) -> Dict[str, Any]:
    """getJobDetails -> listWorkflowJobs -> rerunWorkflow(jobs=[id]): the rerun job's summary."""
    details = client.get_job(slug, int(build_num))
    workflow_id = (details.get("latest_workflow") or {}).get("id")
    if not workflow_id:
        raise TranslationError(f"{rule_id}: job {build_num} of {slug} has no workflow to rerun")
    jobs = list(client.list_workflow_jobs(workflow_id))
    match = [j for j in jobs if j.get("job_number") == int(build_num)]
    if not match:
        raise TranslationError(f"{rule_id}: job {build_num} is not in workflow {workflow_id}")
    old = match[0]
    rerun = client.rerun_workflow(workflow_id, jobs=[old["id"]], enable_ssh=True if ssh else None)
    new_id = rerun["workflow_id"]
    workflow: Dict[str, Any] = {"id": new_id, "name": (details.get("latest_workflow") or {}).get("name")}
    job = None
    if wait:
        job = _poll(lambda: _named(client, new_id, old.get("name")), timeout)
        workflow = dict(client.get_workflow(new_id))
    pipeline = dict(client.get_pipeline(details["pipeline"]["id"])) if details.get("pipeline") else {}
    return build_summary(slug, pipeline, workflow, job, web_root=app_url(client.base_url))


def _named(client: CircleCIClient, workflow_id: str, name: Optional[str]) -> Optional[Dict[str, Any]]:
    job = _first_job(client, workflow_id, name)
    return job if job and job.get("job_number") is not None else None


# v2 workflow statuses after which the workflow's jobs never change (a rerun makes a new workflow), and
# job statuses that are final: a canceled workflow's jobs can still show running for a moment.
FINISHED_WORKFLOW = frozenset({"success", "failed", "error", "canceled", "unauthorized", "not_run"})
FINISHED_JOB = frozenset({"success", "failed", "canceled", "not_run", "infrastructure_fail", "timedout",
                          "terminated-unknown", "unauthorized", "retried"})


class FinishedJobsCache:
    """The job lists of finished workflows, which never change, kept per client (least recently used out).

    A dashboard polling recent builds then asks v2 only for what can still
    change: the pipelines and their workflows, and the jobs of running workflows.
    """

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._jobs: "OrderedDict[str, List[Dict[str, Any]]]" = OrderedDict()
        self._lock = threading.Lock()

    def jobs(self, client: CircleCIClient, workflow: Mapping[str, Any]) -> List[Dict[str, Any]]:
        """The workflow's jobs: from the cache when it and its jobs had finished when read, else from v2."""
        workflow_id = workflow["id"]
        with self._lock:
            cached = self._jobs.get(workflow_id)
            if cached is not None:
                self._jobs.move_to_end(workflow_id)
                return cached
        jobs = [dict(job) for job in client.list_workflow_jobs(workflow_id)]
        if workflow.get("status") in FINISHED_WORKFLOW and all(j.get("status") in FINISHED_JOB for j in jobs):
            with self._lock:
                self._jobs[workflow_id] = jobs
                while len(self._jobs) > self.size:
                    self._jobs.popitem(last=False)
        return jobs

    def clear(self) -> None:
        with self._lock:
            self._jobs.clear()


_finished_jobs: "weakref.WeakKeyDictionary[CircleCIClient, FinishedJobsCache]" = weakref.WeakKeyDictionary()
_finished_jobs_lock = threading.Lock()


def finished_jobs_cache(client: CircleCIClient) -> FinishedJobsCache:
    """The client's cache of finished workflows' jobs (made on first use, gone with the client)."""
    with _finished_jobs_lock:
        cache = _finished_jobs.get(client)
        if cache is None:
            cache = _finished_jobs[client] = FinishedJobsCache()
        return cache


def recent_builds(client: CircleCIClient, org: Optional[str] = None, *, limit: int = 30, offset: int = 0,
                  slug: Optional[str] = None) -> List[Dict[str, Any]]:
    """listPipelines (+ workflows + jobs) as v1.1 build dicts, newest first; limit/offset emulated.

    v2 lists the pipelines of one organisation: `org` (gh/acme), else $CIRCLECI_ORG_SLUG, else
    none (the service's choice); `slug` lists one project's instead.

    Pipelines come newest first; their builds are ranked by that order, then by
    job number. Pipelines are read in batches (_batch_size), each batch's
    workflows and then their jobs side by side (fanout.fan_out); reading stops
    once `offset + limit` builds are in hand, since an older pipeline cannot
    rank higher.
    """
    want = max(0, int(offset)) + max(0, int(limit))
    if want == 0:
        return []
    org = org or os.environ.get(ORG_VARIABLE) or None
    pipelines = iter(client.list_project_pipelines(slug) if slug else client.list_pipelines(org))
    cache = finished_jobs_cache(client)
    web_root = app_url(client.base_url)
    builds: List[Tuple[int, int, Dict[str, Any]]] = []
    read = 0
    while len(builds) < want:
        batch = list(islice(pipelines, _batch_size(want - len(builds), len(builds), read)))
        if not batch:
            break
        flows = fanout.fan_out(client, lambda p: list(client.list_pipeline_workflows(p["id"])), batch)
        pairs = [(read + i, pipeline, workflow)
                 for i, (pipeline, workflows) in enumerate(zip(batch, flows)) for workflow in workflows]
        job_lists = fanout.fan_out(client, lambda pair: cache.jobs(client, pair[2]), pairs)
        for (rank, pipeline, workflow), jobs in zip(pairs, job_lists):
            p_slug = pipeline.get("project_slug") or slug
            for job in jobs:
                if job.get("job_number") is not None:
                    builds.append((rank, -job["job_number"],
                                   build_summary(p_slug, pipeline, workflow, job, web_root=web_root)))
        read += len(batch)
    builds.sort(key=lambda b: b[:2])
    return [b[2] for b in builds[offset:want]]


def _batch_size(missing: int, found: int, read: int) -> int:
    """Pipelines to read next: one at first, then enough for `missing` builds at the rate seen so far.

    Starting with one costs a round trip when many builds are wanted, and saves
    reading pipelines that are not needed when a few are (each may hold many jobs).
    """
    if read == 0:
        return 1
    if found == 0:
        return fanout.WIDTH
    return max(1, min(fanout.WIDTH, -(-missing * read // found)))


def clear_cache_text(rule_id: str) -> str:
    """Why there is nothing to call instead of clearing the cache, and what to do: from the rule."""
    return f"API v2 has no cache clearing: {rule(rule_id).replacement.summary}."


def rotate_cache_env_var(client: CircleCIClient, slug: str, name: str) -> Dict[str, Any]:
    """The opted-in clear_cache: set project env var `name` (used in the config's cache keys) anew."""
    value = str(int(time.time() * 1000))
    client.create_env_var(slug, name, value)
    return {"status": f"cache key variable {name} rotated", "value": value}
