"""JSON shapes of the emulator's entities, as the v2 spec defines them (and v1.1 build summaries)."""
from __future__ import annotations

import hashlib
from typing import Any, Dict, List, Optional

from .clock import iso
from .state import Job, Pipeline, Project, User, Workflow

WEB = "https://app.circleci.com"


def actor(user: User) -> Dict[str, Any]:
    return {"login": user.login, "avatar_url": user.avatar_url}


def user(u: User) -> Dict[str, Any]:
    return {"id": u.id, "login": u.login, "name": u.name, "avatar_url": u.avatar_url}


def project(p: Project) -> Dict[str, Any]:
    return {
        "slug": p.slug,
        "name": p.name,
        "id": p.id,
        "organization_name": p.org,
        "organization_slug": p.org_slug,
        "organization_id": p.org_id,
        "vcs_info": {"vcs_url": p.vcs_url, "provider": p.provider[1], "default_branch": p.default_branch},
    }


def pipeline(p: Pipeline, now: float) -> Dict[str, Any]:
    vcs: Dict[str, Any] = {
        "provider_name": p.project.provider[1],
        "origin_repository_url": p.project.vcs_url,
        "target_repository_url": p.project.vcs_url,
        "revision": p.revision,
        "commit": {"subject": f"Emulated commit {p.revision[:7]}", "body": ""},
    }
    if p.branch is not None:
        vcs["branch"] = p.branch
    if p.tag is not None:
        vcs["tag"] = p.tag
    return {
        "id": p.id,
        "errors": p.errors(now),
        "project_slug": p.project.slug,
        "updated_at": iso(max(p.created_at, min(now, p.appear_at))),
        "number": p.number,
        "trigger_parameters": dict(p.parameters),
        "state": p.state(now),
        "created_at": iso(p.created_at),
        "trigger": {"type": p.trigger_type, "received_at": iso(p.created_at), "actor": actor(p.actor)},
        "vcs": vcs,
    }


def pipeline_creation(p: Pipeline, now: float) -> Dict[str, Any]:
    return {"id": p.id, "state": p.state(now), "number": p.number, "created_at": iso(p.created_at)}


def workflow(w: Workflow, now: float) -> Dict[str, Any]:
    status, stopped = w.status(now)
    out: Dict[str, Any] = {
        "pipeline_id": w.pipeline.id,
        "id": w.id,
        "name": w.name,
        "project_slug": w.pipeline.project.slug,
        "status": status,
        "started_by": w.started_by.id,
        "pipeline_number": w.pipeline.number,
        "created_at": iso(w.created_at),
        "stopped_at": iso(stopped),
    }
    if w.canceled_by is not None and status == "canceled":
        out["canceled_by"] = w.canceled_by.id
    return out


def workflow_job(j: Job, now: float) -> Dict[str, Any]:
    status, started, stopped = j.state(now)
    ids = {other.name: other.id for other in j.workflow.jobs}
    deps = [ids[r] for r in j.requires if r in ids]
    out: Dict[str, Any] = {
        "dependencies": deps,
        "requires": {d: ["success"] for d in deps},
        "id": j.id,
        "name": j.name,
        "project_slug": j.workflow.pipeline.project.slug,
        "status": status,
        "type": j.type,
        "started_at": iso(started),
    }
    if stopped is not None:
        out["stopped_at"] = iso(stopped)
    if j.number is not None:
        out["job_number"] = j.number
    if j.approval_request_id is not None:
        out["approval_request_id"] = j.approval_request_id
    if j.approved_by is not None:
        out["approved_by"] = j.approved_by.id
    if j.canceled_by is not None and status == "canceled":
        out["canceled_by"] = j.canceled_by.id
    return out


def job_web_url(j: Job) -> str:
    p = j.workflow.pipeline
    return f"{WEB}/pipelines/{p.project.slug}/{p.number}/workflows/{j.workflow.id}/jobs/{j.number}"


def job_details(j: Job, now: float) -> Dict[str, Any]:
    status, started, stopped = j.state(now)
    proj = j.workflow.pipeline.project
    duration: Optional[int] = None
    if started is not None and stopped is not None:
        duration = int(round((stopped - started) * 1000))
    return {
        "web_url": job_web_url(j),
        "project": {"id": proj.id, "slug": proj.slug, "name": proj.name, "external_url": proj.vcs_url},
        "parallel_runs": [{"index": 0, "status": status}],
        "started_at": iso(started),
        "latest_workflow": {"id": j.workflow.id, "name": j.workflow.name},
        "name": j.name,
        "executor": {"type": "docker", "resource_class": "medium"},
        "parallelism": 1,
        "status": status,
        "number": j.number,
        "pipeline": {"id": j.workflow.pipeline.id},
        "duration": duration,
        "created_at": iso(j.created_at),
        "messages": [],
        "contexts": [],
        "organization": {"name": proj.org},
        "queued_at": iso(j.created_at),
        "stopped_at": iso(stopped),
    }


def _ran(j: Job) -> bool:
    """A job that never starts (not_run, canceled while queued) has no artifacts and no tests."""
    return j.schedule()[0] is not None


def artifacts(j: Job) -> List[Dict[str, Any]]:
    proj = j.workflow.pipeline.project
    if not _ran(j):
        return []
    return [
        {"path": path, "node_index": 0,
         "url": f"https://output.circle-artifacts.com/output/job/{j.id}/artifacts/0/{path}"}
        for path in proj.artifacts.get(j.name, [])
    ]


def tests(j: Job) -> List[Dict[str, Any]]:
    proj = j.workflow.pipeline.project
    out: List[Dict[str, Any]] = []
    if not _ran(j):
        return out
    for t in proj.tests.get(j.name, []):
        out.append({
            "message": str(t.get("message", "")),
            "source": str(t.get("source", "junit")),
            "run_time": float(t.get("run_time", 0.01)),
            "file": str(t.get("file", "")),
            "result": str(t.get("result", "success")),
            "name": str(t.get("name", "test")),
            "classname": str(t.get("classname", "")),
        })
    return out


def env_var(name: str, value: str, created: float) -> Dict[str, Any]:
    # the service never returns a value: it shows the last four characters behind xxxx
    return {"name": name, "value": "xxxx" + value[-4:], "created-at": iso(created)}


def checkout_key(key: Dict[str, Any]) -> Dict[str, Any]:
    return {k: key[k] for k in ("public-key", "type", "fingerprint", "preferred", "created-at")}


def fingerprint(material: str) -> str:
    digest = hashlib.md5(material.encode()).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, 32, 2))


# --- v1.1 ----------------------------------------------------------------------------------------

_V1_STATUS = {"success": ("finished", "success", "success"), "failed": ("finished", "failed", "failed"),
              "canceled": ("finished", "canceled", "canceled"), "not_run": ("not_run", None, "not_run"),
              "infrastructure_fail": ("finished", "infrastructure_fail", "infrastructure_fail"),
              "timedout": ("finished", "timedout", "timedout"), "running": ("running", None, "running"),
              "queued": ("queued", None, "queued"), "blocked": ("not_running", None, "not_running"),
              "on_hold": ("not_running", None, "on_hold")}


def build_summary(j: Job, now: float, web_root: str = "https://circleci.com") -> Dict[str, Any]:
    """A v1.1 build summary for a job (the fields v1.1 clients read).

    build_url is on `web_root`, the host the service is reached at (a server install answers
    with its own host, not circleci.com), as the shim builds it from the configured host.
    """
    status, started, stopped = j.state(now)
    lifecycle, outcome, v1_status = _V1_STATUS.get(status, ("finished", status, status))
    p = j.workflow.pipeline
    proj = p.project
    vcs_type = proj.provider[0]
    return {
        "vcs_url": proj.vcs_url,
        "build_url": f"{web_root}/{proj.vcs}/{proj.org}/{proj.name}/{j.number}",
        "build_num": j.number,
        "branch": p.branch,
        "vcs_tag": p.tag,
        "vcs_revision": p.revision,
        "vcs_type": vcs_type,
        "username": proj.org,
        "reponame": proj.name,
        "subject": f"Emulated commit {p.revision[:7]}",
        "body": "",
        "why": p.trigger_type,
        "dont_build": None,
        "queued_at": iso(j.created_at),
        "start_time": iso(started),
        "stop_time": iso(stopped),
        "build_time_millis": int(round((stopped - started) * 1000)) if started is not None and stopped is not None
        else None,
        "lifecycle": lifecycle,
        "outcome": outcome,
        "status": v1_status,
        "failed": True if status == "failed" else None,
        "canceled": status == "canceled",
        "retry_of": None,
        "parallel": 1,
        "build_parameters": dict(p.parameters) or None,
        "user": {"login": p.actor.login, "is_user": True},
        "workflows": {"workflow_id": j.workflow.id, "workflow_name": j.workflow.name, "job_name": j.name,
                      "job_id": j.id, "upstream_job_ids": [], "pipeline_id": p.id,
                      "pipeline_number": p.number},
    }
