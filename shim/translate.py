"""Deprecated v1.1 calls -> v2 operations, chosen by the rule's `shim.translation` name.

Which v1.1 routes are deprecated and how their body fields map is data in rules/
(rule.body: keep/unsafe/drop/manual); this module only knows how to carry out
each kind of translation with CircleCIClient and to shape the reply as v1.1 did.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from .adapters import app_url, build_summary
from .client import CircleCIClient
from .warnings import rule, warn_user


class TranslationError(ValueError):
    """A v1.1 argument that has no v2 equivalent, in strict mode."""


def map_body(rule_id: str, body: Mapping[str, Any], *, strict: bool = False) -> Dict[str, Any]:
    """Map a v1.1 request body to the v2 one by the rule's field actions.

    keep: copied (renamed per `to`); unsafe: copied with a warning (its meaning
    changed); drop and manual: left out with a warning, or TranslationError when strict.
    Fields the rule does not name are dropped with a warning.
    """
    r = rule(rule_id)
    out: Dict[str, Any] = {}
    for name, value in body.items():
        if value is None:
            continue
        mapping = r.field_mapping(name)
        if mapping is None:
            _lose(rule_id, name, "not part of the v2 request", strict)
            continue
        if mapping.action in ("keep", "unsafe") and mapping.to:
            out[mapping.to] = value
            if mapping.action == "unsafe":
                warn_user(f"{rule_id}: {name} sent as v2 {mapping.to}: {mapping.note}")
        else:
            _lose(rule_id, name, mapping.note, strict)
    return out


def _lose(rule_id: str, name: str, note: str, strict: bool) -> None:
    text = f"{rule_id}: v1.1 field {name!r} has no v2 equivalent and was not sent: {note}"
    if strict:
        raise TranslationError(text)
    warn_user(text)


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
            wait: bool = True, timeout: float = 60.0, strict: bool = False) -> Dict[str, Any]:
    """triggerPipeline, then (wait) the first workflow's first job: a v1.1 build summary."""
    v2 = map_body(rule_id, body, strict=strict)
    if v2.get("branch") is not None and v2.get("tag") is not None:
        del v2["branch"]  # v1.1 built the tag when both were given; v2 refuses both
    params = v2.get("parameters")
    created = client.trigger_pipeline(slug, branch=v2.get("branch"), tag=v2.get("tag"),
                                      parameters=params or None)
    pipeline: Dict[str, Any] = dict(created)
    workflow = job = None
    if wait:
        pipeline = dict(client.get_pipeline(created["id"]))
        flows = _poll(lambda: list(client.list_pipeline_workflows(created["id"])), timeout)
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


def recent_builds(client: CircleCIClient, org: Optional[str] = None, *, limit: int = 30, offset: int = 0,
                  slug: Optional[str] = None) -> List[Dict[str, Any]]:
    """listPipelines (+ workflows + jobs) as v1.1 build dicts, newest first; limit/offset emulated."""
    want = max(0, int(offset)) + max(0, int(limit))
    builds: List[Tuple[int, Dict[str, Any]]] = []
    pipelines = client.list_project_pipelines(slug) if slug else client.list_pipelines(org)
    web_root = app_url(client.base_url)
    for pipeline in pipelines:
        p_slug = pipeline.get("project_slug") or slug
        for workflow in client.list_pipeline_workflows(pipeline["id"]):
            for job in client.list_workflow_jobs(workflow["id"]):
                if job.get("job_number") is None:
                    continue
                builds.append((job["job_number"],
                               build_summary(p_slug, pipeline, workflow, job, web_root=web_root)))
        if len(builds) >= want:  # pipelines come newest first, so older ones cannot rank higher
            break
    builds.sort(key=lambda b: -b[0])
    return [b for _, b in builds[offset:want]]


def clear_cache_text(rule_id: str) -> str:
    """Why there is nothing to call instead of clearing the cache, and what to do: from the rule."""
    return f"API v2 has no cache clearing: {rule(rule_id).replacement.summary}."


def rotate_cache_env_var(client: CircleCIClient, slug: str, name: str) -> Dict[str, Any]:
    """The opted-in clear_cache: set project env var `name` (used in the config's cache keys) anew."""
    value = str(int(time.time() * 1000))
    client.create_env_var(slug, name, value)
    return {"status": f"cache key variable {name} rotated", "value": value}


TRANSLATIONS: Dict[str, Callable[..., Any]] = {
    "trigger": trigger,
    "retry": retry,
    "recent-builds": recent_builds,
}


def translation_of(rule_id: str) -> Optional[str]:
    """The rule's shim.translation name (trigger, retry, recent-builds, clear-cache), or None."""
    value = (rule(rule_id).shim or {}).get("translation")
    return str(value) if value else None
