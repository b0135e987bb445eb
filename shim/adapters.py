"""v2 replies -> the v1.1 shapes legacy code reads (build summaries, recent-builds lists)."""
from __future__ import annotations

from typing import Any, Dict, Mapping, Optional
from urllib.parse import urlsplit

from circleci_v2.rules.endpoints import V2_ROOT, v1_vcs_name

# v2 job status -> (v1.1 status, lifecycle, outcome). v1.1 had no "blocked": it showed not_running.
_STATUS = {
    "success": ("success", "finished", "success"),
    "failed": ("failed", "finished", "failed"),
    "canceled": ("canceled", "finished", "canceled"),
    "not_run": ("not_run", "finished", None),
    "infrastructure_fail": ("infrastructure_fail", "finished", "infrastructure_fail"),
    "timedout": ("timedout", "finished", "timedout"),
    "running": ("running", "running", None),
    "on_hold": ("on_hold", "not_running", None),
    "queued": ("queued", "queued", None),
    "blocked": ("not_running", "not_running", None),
    "not_running": ("not_running", "not_running", None),
}


def app_url(v2_base: str) -> str:
    """The web root for build URLs: https://circleci.com/api/v2 -> https://circleci.com."""
    parts = urlsplit(v2_base)
    path = parts.path
    if path.endswith(V2_ROOT):
        path = path[: -len(V2_ROOT)]
    return f"{parts.scheme}://{parts.netloc}{path}"


def build_summary(slug: str, pipeline: Mapping[str, Any], workflow: Optional[Mapping[str, Any]] = None,
                  job: Optional[Mapping[str, Any]] = None, *, web_root: str = "https://circleci.com"
                  ) -> Dict[str, Any]:
    """A v1.1 build summary from a pipeline, its workflow and one of its jobs.

    Fields v2 cannot know yet (no job started) are None, as v1.1 had them for a
    queued build. `build_num` is the v2 job number.
    """
    vcs_short, user, repo = slug.split("/", 2)
    vcs = dict(pipeline.get("vcs") or {})
    commit = dict(vcs.get("commit") or {})
    actor = dict((pipeline.get("trigger") or {}).get("actor") or {})
    build_num = job.get("job_number") if job else None
    raw = (job or {}).get("status") or ((workflow or {}).get("status") if workflow else None) or "queued"
    status, lifecycle, outcome = _STATUS.get(str(raw), (str(raw), "queued", None))
    started, stopped = (job or {}).get("started_at"), (job or {}).get("stopped_at")
    return {
        "build_num": build_num,
        "build_url": f"{web_root}/{vcs_short}/{user}/{repo}/{build_num}" if build_num is not None else None,
        "status": status,
        "lifecycle": lifecycle,
        "outcome": outcome,
        "vcs_revision": vcs.get("revision"),
        "branch": vcs.get("branch"),
        "vcs_tag": vcs.get("tag"),
        "subject": commit.get("subject"),
        "body": commit.get("body"),
        "username": user,
        "reponame": repo,
        "vcs_type": v1_vcs_name(vcs_short),
        "vcs_url": vcs.get("origin_repository_url"),
        "user": {"login": actor.get("login")},
        "queued_at": pipeline.get("created_at"),
        "start_time": started,
        "stop_time": stopped,
        "why": "api",
        "workflows": {
            "workflow_id": (workflow or {}).get("id"),
            "workflow_name": (workflow or {}).get("name"),
            "job_name": (job or {}).get("name"),
            "job_id": (job or {}).get("id"),
            "pipeline_id": pipeline.get("id"),
            "pipeline_number": pipeline.get("number"),
        },
    }
