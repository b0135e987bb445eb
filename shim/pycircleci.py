"""Drop-in for pycircleci 0.7.0: `from circleci_v2.shim import pycircleci` (module pycircleci.api).

Api keeps every public method of pycircleci 0.7.0 with the same parameters. The
v1.1 calls API v2 deprecated (trigger_build, retry_build, get_recent_builds) run
on API v2 in the v1.1 shapes with a CircleCIDeprecationWarning; the methods that
already spoke v2 forward as they did; the other v1.1 methods stay on v1.1. Unlike
pycircleci, nothing is retried after it was sent: its urllib3 Retry covered POST,
so a trigger that timed out could run twice.
"""
from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional
from urllib.parse import quote

import requests  # noqa: F401 - legacy code reaches requests.HTTPError through this module

from ..rules.model import Rule
from . import circleci, errors, translate
from .client import CircleCIClient
from .legacy_session import ARTIFACT_HOSTS, LegacySession, token_host_allowed
from .slugs import project_slug as _slug
from .transport import DEFAULT_TIMEOUT, v2_base_url
from .legacy_methods import deprecated_method

API_BASE_URL = "https://circleci.com/api"
CIRCLE_TOKEN = os.getenv("CIRCLE_TOKEN")
CIRCLE_API_URL = os.getenv("CIRCLE_API_URL", API_BASE_URL)
CIRCLE_API_KEY_HEADER = "Circle-Token"
API_VER_V1 = "v1.1"
API_VER_V2 = "v2"
API_VERSIONS = [API_VER_V1, API_VER_V2]
DELETE, GET, PATCH, POST, PUT = HTTP_METHODS = ["DELETE", "GET", "PATCH", "POST", "PUT"]
BITBUCKET = "bitbucket"
GITHUB = "github"
ORG = "organization"


class CircleciError(Exception):
    """pycircleci's own errors: validation, a missing token, a bad verb."""


class PipelineErrored(circleci.PipelineErrored, CircleciError):
    """trigger_build: the pipeline errored (e.g. an undeclared parameter); `errors` holds why.

    Caught by `except CircleciError` and `except requests.HTTPError` as legacy code wrote them.
    """


class Api:
    def __init__(self, token=None, url=None, *, wait: bool = True, timeout: float = 60.0,
                 org: Optional[str] = None, request_timeout: Any = DEFAULT_TIMEOUT,
                 artifact_hosts: Any = ARTIFACT_HOSTS):
        """wait/timeout: trigger_build and retry_build wait for the job (v1.1 answered with it);
        org: the organisation get_recent_builds lists (default $CIRCLECI_ORG_SLUG);
        request_timeout: (connect, read) seconds per HTTP request (default 3.05 s, 30 s);
        artifact_hosts: where download_artifact sends the token besides the API's own host
        (default circle-artifacts.com and its subdomains). A redirect to another host never
        carries the token."""
        token = token or os.getenv("CIRCLE_TOKEN")
        if not token:
            raise CircleciError("Missing or empty CircleCI API token")
        self.token = token
        self.url = (url or os.getenv("CIRCLE_API_URL") or API_BASE_URL).rstrip("/")
        self.wait = wait
        self.timeout = timeout
        self.org = org
        self.artifact_hosts = tuple(artifact_hosts)
        self._session = LegacySession(request_timeout)  # keep-alive; no urllib3 retries (see the module doc)
        self._v2 = CircleCIClient(token, v2_base_url(self.url), session=self._session, timeout=request_timeout)

    # -- plumbing ------------------------------------------------------------------------------

    def validate_api_version(self, api_version=None):
        ver = api_version or API_VER_V1
        if ver not in API_VERSIONS:
            raise CircleciError(f"Invalid CircleCI API version: {ver}. Valid values are: {API_VERSIONS}")
        return ver

    def _request(self, verb, endpoint, data=None, params=None, api_version=None):
        if verb not in HTTP_METHODS:
            raise CircleciError(f"Invalid HTTP method: {verb}. Valid values are: {HTTP_METHODS}")
        ver = self.validate_api_version(api_version)
        resp = self._session.request(verb, f"{self.url}/{ver}/{endpoint}",
                                     headers={CIRCLE_API_KEY_HEADER: self.token, "Accept": "application/json"},
                                     json=data, params=params)
        resp.raise_for_status()
        # add_ssh_key succeeds with an empty body, which pycircleci 0.7.0 failed to parse
        return resp.json() if resp.content else None

    def _request_session(self, retries=3, backoff_factor=0.3,
                         status_forcelist=(408, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524)):
        """The session; the retry arguments are accepted and ignored: a sent request is never repeated."""
        return self._session

    def _request_get_items(self, endpoint, params=None, api_version=API_VER_V2, paginate=False, limit=None):
        query = dict(params or {})
        items: List[Any] = []
        while True:
            body = self._request(GET, endpoint, params=query, api_version=api_version)
            items.extend(body.get("items", []))
            token = body.get("next_page_token")
            if not paginate or not token or (limit is not None and len(items) >= limit):
                break
            query["page-token"] = token
        return items[:limit] if limit is not None else items

    def _download(self, url, destdir=None, filename=None):
        filename = filename or url.split("/")[-1]
        path = os.path.join(destdir or os.getcwd(), filename)
        # the token goes only to the API's own host and CircleCI's artifact hosts
        allowed = token_host_allowed(url, self.url, self.artifact_hosts)
        resp = self._session.get(url, headers={CIRCLE_API_KEY_HEADER: self.token} if allowed else {}, stream=True)
        resp.raise_for_status()
        with open(path, "wb") as out:
            for chunk in resp.iter_content(chunk_size=65536):
                out.write(chunk)
        return path

    def project_slug(self, username, reponame, vcs_type=GITHUB):
        return f"{vcs_type}/{username}/{reponame}"

    def owner_slug(self, username, vcs_type=GITHUB):
        return f"{vcs_type}/{username}"

    def split_project_slug(self, slug):
        vcs_type, username, reponame = slug.split("/", 2)
        return vcs_type, username, reponame

    def ppj(self, data):
        print(json.dumps(data, indent=2, sort_keys=True))

    def ppr(self, resp=None):
        if resp is not None:
            self.ppj(resp.json() if hasattr(resp, "json") else resp)

    def _p(self, username, project, vcs_type):
        return f"project/{vcs_type}/{username}/{project}"

    def _ps(self, username, project, vcs_type):
        return quote(self.project_slug(username, project, vcs_type), safe="/")

    # -- deprecated v1.1: on v2 ----------------------------------------------------------------

    @deprecated_method
    def trigger_build(self, rule: Rule, username, project, branch='master', revision=None, tag=None,
                      parallel=None, params=None, vcs_type='github'):
        body: Dict[str, Any] = {"branch": branch, "revision": revision, "tag": tag, "parallel": parallel}
        body.update(params or {})
        try:
            return translate.trigger(self._v2, rule.id, _slug(f"{vcs_type}/{username}/{project}"), body,
                                     wait=self.wait, timeout=self.timeout)
        except errors.PipelineErrored as exc:
            raise PipelineErrored.of(exc) from None

    @deprecated_method
    def retry_build(self, rule: Rule, username, project, build_num, ssh=False, vcs_type='github'):
        return translate.retry(self._v2, rule.id, _slug(f"{vcs_type}/{username}/{project}"), build_num,
                               ssh=ssh, wait=self.wait, timeout=self.timeout)

    @deprecated_method
    def get_recent_builds(self, rule: Rule, limit=30, offset=0, shallow=False):
        emulated = translate.emulated_query(rule.id, {"limit": limit, "offset": offset, "shallow": shallow or None})
        return translate.recent_builds(self._v2, self.org, **emulated)

    # -- v1.1, unchanged ----------------------------------------------------------------------

    def me(self, api_version=None):
        return self._request(GET, "me", api_version=api_version)

    def get_user_info(self, api_version=None):
        return self._request(GET, "me", api_version=api_version)

    def get_projects(self):
        return self._request(GET, "projects")

    def follow_project(self, username, project, vcs_type='github'):
        return self._request(POST, self._p(username, project, vcs_type) + "/follow")

    def get_project_build_summary(self, username, project, limit=30, offset=0, status_filter=None, branch=None,
                                  vcs_type='github', shallow=False):
        if status_filter not in (None, "completed", "successful", "failed", "running"):
            raise CircleciError(f"Invalid status: {status_filter}")
        path = self._p(username, project, vcs_type) + (f"/tree/{branch}" if branch else "")
        params = {"limit": limit, "offset": offset, "filter": status_filter, "shallow": shallow or None}
        return self._request(GET, path, params={k: v for k, v in params.items() if v is not None})

    def get_build_info(self, username, project, build_num, vcs_type='github'):
        return self._request(GET, f"{self._p(username, project, vcs_type)}/{build_num}")

    def get_artifacts(self, username, project, build_num, vcs_type='github'):
        return self._request(GET, f"{self._p(username, project, vcs_type)}/{build_num}/artifacts")

    def get_latest_artifact(self, username, project, branch=None, status_filter='completed', vcs_type='github'):
        if status_filter not in ("completed", "successful", "failed"):
            raise CircleciError(f"Invalid status: {status_filter}")
        params = {"filter": status_filter, "branch": branch}
        return self._request(GET, f"{self._p(username, project, vcs_type)}/latest/artifacts",
                             params={k: v for k, v in params.items() if v})

    def download_artifact(self, url, destdir=None, filename=None):
        return self._download(url, destdir, filename)

    def cancel_build(self, username, project, build_num, vcs_type='github'):
        return self._request(POST, f"{self._p(username, project, vcs_type)}/{build_num}/cancel")

    def add_ssh_user(self, username, project, build_num, vcs_type='github'):
        return self._request(POST, f"{self._p(username, project, vcs_type)}/{build_num}/ssh-users")

    def add_ssh_key(self, username, project, ssh_key, vcs_type='github', hostname=None):
        return self._request(POST, self._p(username, project, vcs_type) + "/ssh-key",
                             data={"hostname": hostname, "private_key": ssh_key})

    def list_checkout_keys(self, username, project, vcs_type='github'):
        return self._request(GET, self._p(username, project, vcs_type) + "/checkout-key")

    def create_checkout_key(self, username, project, key_type, vcs_type='github'):
        if key_type not in ("deploy-key", "github-user-key"):
            raise CircleciError(f"Invalid key type: {key_type}")
        return self._request(POST, self._p(username, project, vcs_type) + "/checkout-key", data={"type": key_type})

    def get_checkout_key(self, username, project, fingerprint, vcs_type='github'):
        return self._request(GET, f"{self._p(username, project, vcs_type)}/checkout-key/{fingerprint}")

    def delete_checkout_key(self, username, project, fingerprint, vcs_type='github'):
        return self._request(DELETE, f"{self._p(username, project, vcs_type)}/checkout-key/{fingerprint}")

    def get_test_metadata(self, username, project, build_num, vcs_type='github'):
        return self._request(GET, f"{self._p(username, project, vcs_type)}/{build_num}/tests")

    def list_envvars(self, username, project, vcs_type='github'):
        return self._request(GET, self._p(username, project, vcs_type) + "/envvar")

    def add_envvar(self, username, project, name, value, vcs_type='github'):
        return self._request(POST, self._p(username, project, vcs_type) + "/envvar",
                             data={"name": name, "value": value})

    def get_envvar(self, username, project, name, vcs_type='github'):
        return self._request(GET, f"{self._p(username, project, vcs_type)}/envvar/{name}")

    def delete_envvar(self, username, project, name, vcs_type='github'):
        return self._request(DELETE, f"{self._p(username, project, vcs_type)}/envvar/{name}")

    def get_user_repos(self, vcs_type='github', paginate=False, limit=None):
        return self._request(GET, f"user/repos/{vcs_type}")

    def get_project_settings(self, username, project, vcs_type='github'):
        return self._request(GET, self._p(username, project, vcs_type) + "/settings")

    def update_project_settings(self, username, project, settings, vcs_type='github'):
        return self._request(PUT, self._p(username, project, vcs_type) + "/settings", data=settings)

    # -- already v2 ------------------------------------------------------------------------------

    def get_user_id_info(self, user_id):
        return self._request(GET, f"user/{user_id}", api_version=API_VER_V2)

    def get_user_collaborations(self):
        return self._request(GET, "me/collaborations", api_version=API_VER_V2)

    def get_project(self, slug):
        return self._request(GET, f"project/{slug}", api_version=API_VER_V2)

    def get_job_details(self, username, project, job_number, vcs_type='github'):
        return self._request(GET, f"project/{self._ps(username, project, vcs_type)}/job/{job_number}",
                             api_version=API_VER_V2)

    def cancel_job(self, username, project, job_number, vcs_type='github'):
        return self._request(POST, f"project/{self._ps(username, project, vcs_type)}/job/{job_number}/cancel",
                             api_version=API_VER_V2)

    def get_project_pipelines(self, username, project, branch=None, mine=False, vcs_type='github', paginate=False,
                              limit=None):
        slug = self._ps(username, project, vcs_type)
        if mine:
            return self._request_get_items(f"project/{slug}/pipeline/mine", paginate=paginate, limit=limit)
        return self._request_get_items(f"project/{slug}/pipeline", params={"branch": branch} if branch else None,
                                       paginate=paginate, limit=limit)

    def get_project_pipeline(self, username, project, pipeline_num, vcs_type='github'):
        return self._request(GET, f"project/{self._ps(username, project, vcs_type)}/pipeline/{pipeline_num}",
                             api_version=API_VER_V2)

    def continue_pipeline(self, continuation_key, config, params=None):
        data = {"continuation-key": continuation_key, "configuration": config}
        if params:
            data["parameters"] = params
        return self._request(POST, "pipeline/continue", data=data, api_version=API_VER_V2)

    def get_pipelines(self, username, mine=False, vcs_type='github', paginate=False, limit=None):
        params = {"org-slug": self.owner_slug(username, vcs_type)}
        if mine:
            params["mine"] = "true"
        return self._request_get_items("pipeline", params=params, paginate=paginate, limit=limit)

    def get_pipeline(self, pipeline_id):
        return self._request(GET, f"pipeline/{pipeline_id}", api_version=API_VER_V2)

    def get_pipeline_config(self, pipeline_id):
        return self._request(GET, f"pipeline/{pipeline_id}/config", api_version=API_VER_V2)

    def get_pipeline_workflow(self, pipeline_id, paginate=False, limit=None):
        return self._request_get_items(f"pipeline/{pipeline_id}/workflow", paginate=paginate, limit=limit)

    def get_workflow(self, workflow_id):
        return self._request(GET, f"workflow/{workflow_id}", api_version=API_VER_V2)

    def get_workflow_jobs(self, workflow_id, paginate=False, limit=None):
        return self._request_get_items(f"workflow/{workflow_id}/job", paginate=paginate, limit=limit)

    def cancel_workflow(self, workflow_id):
        return self._request(POST, f"workflow/{workflow_id}/cancel", api_version=API_VER_V2)

    def rerun_workflow(self, workflow_id, jobs=None, from_failed=False, sparse_tree=False):
        data: Dict[str, Any] = {"from_failed": from_failed, "sparse_tree": sparse_tree}
        if jobs:
            data["jobs"] = jobs
        return self._request(POST, f"workflow/{workflow_id}/rerun", data=data, api_version=API_VER_V2)

    def approve_job(self, workflow_id, approval_request_id):
        return self._request(POST, f"workflow/{workflow_id}/approve/{approval_request_id}", api_version=API_VER_V2)

    def trigger_pipeline(self, username, project, branch=None, tag=None, params=None, vcs_type='github'):
        data: Dict[str, Any] = {}
        if branch:
            data["branch"] = branch
        elif tag:
            data["tag"] = tag
        if params:
            data["parameters"] = params
        return self._request(POST, f"project/{self._ps(username, project, vcs_type)}/pipeline", data=data,
                             api_version=API_VER_V2)

    def _owner(self, username, owner_id, owner_type, vcs_type) -> Dict[str, Any]:
        if owner_id:
            return {"type": owner_type, "id": owner_id}
        if username:
            return {"type": owner_type, "slug": self.owner_slug(username, vcs_type)}
        raise CircleciError("Either username or owner_id is required")

    def get_contexts(self, username=None, owner_id=None, owner_type='organization', vcs_type='github',
                     paginate=False, limit=None):
        owner = self._owner(username, owner_id, owner_type, vcs_type)
        params = {"owner-type": owner_type}
        params.update({"owner-id": owner["id"]} if "id" in owner else {"owner-slug": owner["slug"]})
        return self._request_get_items("context", params=params, paginate=paginate, limit=limit)

    def get_context(self, context_id):
        return self._request(GET, f"context/{context_id}", api_version=API_VER_V2)

    def delete_context(self, context_id):
        return self._request(DELETE, f"context/{context_id}", api_version=API_VER_V2)

    def add_context(self, name, username=None, owner_id=None, owner_type='organization', vcs_type='github'):
        return self._request(POST, "context", api_version=API_VER_V2,
                             data={"name": name, "owner": self._owner(username, owner_id, owner_type, vcs_type)})

    def get_context_envvars(self, context_id, paginate=False, limit=None):
        return self._request_get_items(f"context/{context_id}/environment-variable", paginate=paginate, limit=limit)

    def add_context_envvar(self, context_id, name, value):
        return self._request(PUT, f"context/{context_id}/environment-variable/{name}", data={"value": value},
                             api_version=API_VER_V2)

    def delete_context_envvar(self, context_id, name):
        return self._request(DELETE, f"context/{context_id}/environment-variable/{name}", api_version=API_VER_V2)

    def get_project_branches(self, username, project, workflow_name=None, vcs_type='github'):
        return self._request(GET, f"insights/{self._ps(username, project, vcs_type)}/branches",
                             params={"workflow-name": workflow_name} if workflow_name else None,
                             api_version=API_VER_V2)

    def get_flaky_tests(self, username, project, vcs_type='github'):
        return self._request(GET, f"insights/{self._ps(username, project, vcs_type)}/flaky-tests",
                             api_version=API_VER_V2)

    def get_project_workflows_metrics(self, username, project, params=None, vcs_type='github', paginate=False,
                                      limit=None):
        return self._request_get_items(f"insights/{self._ps(username, project, vcs_type)}/workflows",
                                       params=params, paginate=paginate, limit=limit)

    def get_project_workflow_metrics(self, username, project, workflow_name, params=None, vcs_type='github',
                                     paginate=False, limit=None):
        return self._request_get_items(f"insights/{self._ps(username, project, vcs_type)}/workflows/{workflow_name}",
                                       params=params, paginate=paginate, limit=limit)

    def get_project_workflow_test_metrics(self, username, project, workflow_name, params=None, vcs_type='github'):
        return self._request(GET, f"insights/{self._ps(username, project, vcs_type)}/workflows/{workflow_name}"
                             "/test-metrics", params=params, api_version=API_VER_V2)

    def get_project_workflow_jobs_metrics(self, username, project, workflow_name, params=None, vcs_type='github',
                                          paginate=False, limit=None):
        return self._request_get_items(
            f"insights/{self._ps(username, project, vcs_type)}/workflows/{workflow_name}/jobs",
            params=params, paginate=paginate, limit=limit)

    def get_project_workflow_job_metrics(self, username, project, workflow_name, job_name, params=None,
                                         vcs_type='github', paginate=False, limit=None):
        return self._request_get_items(
            f"insights/{self._ps(username, project, vcs_type)}/workflows/{workflow_name}/jobs/{job_name}",
            params=params, paginate=paginate, limit=limit)

    def get_schedules(self, username, project, vcs_type='github'):
        return self._request_get_items(f"project/{self._ps(username, project, vcs_type)}/schedule")

    def get_schedule(self, schedule_id):
        return self._request(GET, f"schedule/{schedule_id}", api_version=API_VER_V2)

    def add_schedule(self, username, project, name, settings, vcs_type='github'):
        return self._request(POST, f"project/{self._ps(username, project, vcs_type)}/schedule",
                             data={"name": name, **settings}, api_version=API_VER_V2)

    def update_schedule(self, schedule_id, settings):
        return self._request(PATCH, f"schedule/{schedule_id}", data=settings, api_version=API_VER_V2)

    def delete_schedule(self, schedule_id):
        return self._request(DELETE, f"schedule/{schedule_id}", api_version=API_VER_V2)
