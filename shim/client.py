"""CircleCIClient: the typed CircleCI API v2 client, one method per operation.

Each public API method is declared with @operation(verb, path, operationId);
the path is the official spec's template (relative to /api/v2) and is what the
method actually requests, so the table in CircleCIClient.OPERATIONS is both
what the client does and what tests compare with the vendored OpenAPI spec.

    client = CircleCIClient(token)                    # https://circleci.com
    created = client.trigger_pipeline("gh/acme/app", branch="main",
                                      parameters={"deploy": True})
    workflows = client.wait_for_workflows(created["id"], timeout=120)
    for job in client.list_workflow_jobs(workflows[0]["id"]):
        print(job["name"], job["status"])

List methods return a lazy PageIterator over every page (max_items and
max_pages cap it). Errors are circleci_v2.shim.errors classes.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import (Any, Callable, ClassVar, Dict, List, Mapping, Optional, Sequence,
                    Tuple, TypeVar, Union)
from urllib.parse import quote

import requests

from .errors import InvalidResponse, PipelineErrored, WaitTimeout
from .pagination import PageIterator
from .slugs import OrgSlug, ProjectSlug, org_slug, project_slug
from .transport import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, RetryPolicy, Timeout, Transport
from .v2_replies import (Artifact, CheckoutKey, EnvVar, JobDetails, JobTestResult, Message,
                    ParameterValue, Pipeline, PipelineConfig, PipelineCreation, Project,
                    RerunResult, User, Workflow, WorkflowJob, WorkflowMetrics, WorkflowRun)

__all__ = ["CircleCIClient", "Operation", "operation"]

F = TypeVar("F", bound=Callable[..., Any])
SlugLike = Union[str, ProjectSlug]

_PARAM = re.compile(r"\{([^{}]+)\}")
# Pipeline states in which the pipeline is still being set up (no final workflows yet).
_PENDING_STATES = frozenset({"setup-pending", "pending"})
_RUNNING_WORKFLOW = frozenset({"running", "on_hold", "failing", "not_run"})
REPORTING_WINDOWS = ("last-24-hours", "last-7-days", "last-30-days", "last-60-days", "last-90-days")


@dataclass(frozen=True)
class Operation:
    """One v2 operation as the client calls it: verb, spec path template, operationId."""

    operation_id: str
    method: str
    path: str
    attribute: str
    in_spec: bool = True  # False only for GET /openapi.json, which the spec does not describe

    def url_path(self, values: Mapping[str, Any]) -> str:
        """The path with its {parameters} filled in, each segment percent-encoded.

        A project slug keeps its slashes (gh/acme/app), as CircleCI's own docs and CLI send it.
        """
        def fill(m: "re.Match[str]") -> str:
            name = m.group(1)
            value = values[name]
            if name == "project-slug":
                return "/".join(quote(part, safe="") for part in str(value).split("/"))
            return quote(str(value), safe="")
        return _PARAM.sub(fill, self.path)


def operation(method: str, path: str, operation_id: str, *, in_spec: bool = True) -> Callable[[F], F]:
    """Mark a client method as the implementation of one v2 operation."""
    def mark(fn: F) -> F:
        fn.__operation__ = Operation(operation_id, method.upper(), path, fn.__name__, in_spec)  # type: ignore[attr-defined]
        return fn
    return mark


class CircleCIClient:
    """A CircleCI API v2 client over one keep-alive requests.Session.

    Parameters:
      token: a personal API token (v2 refuses project tokens). Sent as the
        `Circle-Token` header (auth="token"), as HTTP Basic with the token as
        user name (auth="basic") or as `Authorization: Bearer` (auth="bearer");
        never in the query string, never in a repr, log line or error.
      base_url: https://circleci.com, or a CircleCI server host
        (https://ci.example.com); a URL already ending in /api/v2 (or /api/v1.1)
        works too.
      timeout: (connect, read) seconds, or one number for both.
      max_retries, backoff_base, backoff_cap, max_retry_after: see RetryPolicy.
      session: a requests.Session to use (its adapters, proxies, certificates);
        it is not closed by close(). Do not mount urllib3 retries that cover POST
        on it: they would bypass the rule that a trigger is never sent twice.
      sleep, clock, rng: injectable for tests (time.sleep, time.monotonic, random.random).
    """

    OPERATIONS: ClassVar[Dict[str, Operation]] = {}

    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        auth: str = "token",
        timeout: Optional[Timeout] = DEFAULT_TIMEOUT,
        max_retries: int = 4,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        max_retry_after: float = 120.0,
        session: Optional[requests.Session] = None,
        user_agent: Optional[str] = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: Optional[Callable[[], float]] = None,
    ) -> None:
        policy = RetryPolicy(max_retries=max_retries, backoff_base=backoff_base,
                             backoff_cap=backoff_cap, max_retry_after=max_retry_after)
        kwargs: Dict[str, Any] = {}
        if rng is not None:
            kwargs["rng"] = rng
        self.transport = Transport(token, base_url, auth=auth, timeout=timeout, retry=policy,
                                   session=session, sleep=sleep, user_agent=user_agent, **kwargs)
        self._sleep = sleep
        self._clock = clock

    # -- plumbing ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The v2 API root, e.g. https://circleci.com/api/v2."""
        return self.transport.base_url

    @property
    def session(self) -> requests.Session:
        return self.transport.session

    def __repr__(self) -> str:
        return f"CircleCIClient(base_url={self.base_url!r}, auth={self.transport.auth_mode!r})"

    def __enter__(self) -> "CircleCIClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP session (unless it was passed in)."""
        self.transport.close()

    def _call(self, operation_id: str, path_values: Optional[Mapping[str, Any]] = None, *,
              params: Optional[Mapping[str, Any]] = None, json: Any = None) -> Any:
        op = self.OPERATIONS[operation_id]
        path = op.url_path(path_values) if path_values else op.path
        resp = self.transport.request(op.method, path, params=params, json=json,
                                      operation_id=operation_id)
        try:
            return resp.json()
        except ValueError:
            raise InvalidResponse(
                f"reply is not JSON (Content-Type {resp.headers.get('Content-Type', 'none')})",
                status=resp.status_code, operation_id=operation_id, method=op.method,
                url=self.transport.redact(resp.url), response=resp) from None

    def _pages(self, operation_id: str, path_values: Optional[Mapping[str, Any]] = None, *,
               params: Optional[Mapping[str, Any]] = None, max_items: Optional[int] = None,
               max_pages: Optional[int] = None, page_token: Optional[str] = None) -> PageIterator:
        base = dict(params or {})

        def fetch(token: Optional[str]) -> Mapping[str, Any]:
            query = dict(base)
            if token is not None:
                query["page-token"] = token
            return self._call(operation_id, path_values, params=query)

        return PageIterator(fetch, max_items=max_items, max_pages=max_pages,
                            page_token=page_token, operation_id=operation_id)

    # -- user and project ----------------------------------------------------------------------

    @operation("GET", "/me", "getCurrentUser")
    def get_current_user(self) -> User:
        """The user the token belongs to (operationId: getCurrentUser)."""
        return self._call("getCurrentUser")

    @operation("GET", "/project/{project-slug}", "getProjectBySlug")
    def get_project(self, project: SlugLike) -> Project:
        """A project by slug, e.g. "gh/acme/app"; gives its UUID `id` (operationId: getProjectBySlug)."""
        return self._call("getProjectBySlug", {"project-slug": project_slug(project)})

    # -- pipelines -----------------------------------------------------------------------------

    @operation("POST", "/project/{project-slug}/pipeline", "triggerPipeline")
    def trigger_pipeline(self, project: SlugLike, *, branch: Optional[str] = None,
                         tag: Optional[str] = None,
                         parameters: Optional[Mapping[str, ParameterValue]] = None) -> PipelineCreation:
        """Trigger a new pipeline on a branch or a tag (operationId: triggerPipeline).

        `parameters` must be declared in the project's config (`parameters:`),
        else the service refuses them. Returns as soon as the pipeline exists;
        its workflows appear later: see wait_for_workflows. Never retried once
        sent, so it never runs twice.
        """
        if branch is not None and tag is not None:
            raise ValueError("trigger_pipeline: give branch or tag, not both")
        body: Dict[str, Any] = {}
        if branch is not None:
            body["branch"] = branch
        if tag is not None:
            body["tag"] = tag
        if parameters:
            for key, value in parameters.items():
                if not isinstance(value, (str, int, bool)) or isinstance(value, float):
                    raise TypeError(f"trigger_pipeline: parameter {key!r} must be a string, "
                                    f"integer or boolean, got {type(value).__name__}")
            body["parameters"] = dict(parameters)
        return self._call("triggerPipeline", {"project-slug": project_slug(project)}, json=body)

    @operation("GET", "/project/{project-slug}/pipeline", "listPipelinesForProject")
    def list_project_pipelines(self, project: SlugLike, *, branch: Optional[str] = None,
                               max_items: Optional[int] = None,
                               max_pages: Optional[int] = None) -> "PageIterator[Pipeline]":
        """The project's pipelines, newest first, optionally for one branch (operationId: listPipelinesForProject)."""
        return self._pages("listPipelinesForProject", {"project-slug": project_slug(project)},
                           params={"branch": branch}, max_items=max_items, max_pages=max_pages)

    @operation("GET", "/project/{project-slug}/pipeline/mine", "listMyPipelines")
    def list_my_pipelines(self, project: SlugLike, *, max_items: Optional[int] = None,
                          max_pages: Optional[int] = None) -> "PageIterator[Pipeline]":
        """The project's pipelines that the token's user triggered (operationId: listMyPipelines)."""
        return self._pages("listMyPipelines", {"project-slug": project_slug(project)},
                           max_items=max_items, max_pages=max_pages)

    @operation("GET", "/pipeline", "listPipelines")
    def list_pipelines(self, org: Optional[Union[str, OrgSlug]] = None, *,
                       mine: Optional[bool] = None, max_items: Optional[int] = None,
                       max_pages: Optional[int] = None) -> "PageIterator[Pipeline]":
        """Recent pipelines across the org's projects (org slug "gh/acme"); `mine` for your own
        (operationId: listPipelines)."""
        return self._pages("listPipelines", params={
            "org-slug": None if org is None else org_slug(org), "mine": mine},
            max_items=max_items, max_pages=max_pages)

    @operation("GET", "/pipeline/{pipeline-id}", "getPipelineById")
    def get_pipeline(self, pipeline_id: str) -> Pipeline:
        """A pipeline by its UUID, with `state` and `errors` (operationId: getPipelineById)."""
        return self._call("getPipelineById", {"pipeline-id": pipeline_id})

    @operation("GET", "/project/{project-slug}/pipeline/{pipeline-number}", "getPipelineByNumber")
    def get_pipeline_by_number(self, project: SlugLike, number: int) -> Pipeline:
        """A pipeline by its per-project number (operationId: getPipelineByNumber)."""
        return self._call("getPipelineByNumber", {"project-slug": project_slug(project),
                                                  "pipeline-number": int(number)})

    @operation("GET", "/pipeline/{pipeline-id}/config", "getPipelineConfigById")
    def get_pipeline_config(self, pipeline_id: str) -> PipelineConfig:
        """The pipeline's config: `source` as written, `compiled` after processing
        (operationId: getPipelineConfigById)."""
        return self._call("getPipelineConfigById", {"pipeline-id": pipeline_id})

    @operation("GET", "/pipeline/{pipeline-id}/workflow", "listWorkflowsByPipelineId")
    def list_pipeline_workflows(self, pipeline_id: str, *, max_items: Optional[int] = None,
                                max_pages: Optional[int] = None) -> "PageIterator[Workflow]":
        """The workflows of a pipeline; they appear asynchronously after a trigger
        (operationId: listWorkflowsByPipelineId)."""
        return self._pages("listWorkflowsByPipelineId", {"pipeline-id": pipeline_id},
                           max_items=max_items, max_pages=max_pages)

    # -- workflows -----------------------------------------------------------------------------

    @operation("GET", "/workflow/{id}", "getWorkflowById")
    def get_workflow(self, workflow_id: str) -> Workflow:
        """A workflow by its UUID (operationId: getWorkflowById)."""
        return self._call("getWorkflowById", {"id": workflow_id})

    @operation("GET", "/workflow/{id}/job", "listWorkflowJobs")
    def list_workflow_jobs(self, workflow_id: str, *, max_items: Optional[int] = None,
                           max_pages: Optional[int] = None) -> "PageIterator[WorkflowJob]":
        """The jobs of a workflow; `job_number` is the v1.1 build_num (operationId: listWorkflowJobs)."""
        return self._pages("listWorkflowJobs", {"id": workflow_id},
                           max_items=max_items, max_pages=max_pages)

    @operation("POST", "/workflow/{id}/rerun", "rerunWorkflow")
    def rerun_workflow(self, workflow_id: str, *, jobs: Optional[Sequence[str]] = None,
                       from_failed: Optional[bool] = None, enable_ssh: Optional[bool] = None,
                       sparse_tree: Optional[bool] = None) -> RerunResult:
        """Rerun a workflow as a new workflow of the same pipeline (operationId: rerunWorkflow).

        `jobs` (job UUIDs) reruns those jobs (and, unless sparse_tree, what
        depends on them); `from_failed` reruns from the failed jobs;
        `enable_ssh` reruns the given jobs with SSH (the v1.1 retry with ssh).
        No arguments reruns the whole workflow. Returns the new `workflow_id`.
        """
        # The spec: from_failed excludes jobs; enable_ssh and sparse_tree require jobs.
        if jobs is not None and from_failed:
            raise ValueError("rerun_workflow: jobs and from_failed cannot be combined")
        if (enable_ssh or sparse_tree) and not jobs:
            raise ValueError("rerun_workflow: enable_ssh and sparse_tree need jobs "
                             "(the job ids to rerun, from list_workflow_jobs)")
        body: Dict[str, Any] = {}
        if jobs is not None:
            if isinstance(jobs, str):
                raise TypeError("rerun_workflow: jobs must be a list of job ids, not a string")
            body["jobs"] = list(jobs)
        for key, value in (("from_failed", from_failed), ("enable_ssh", enable_ssh),
                           ("sparse_tree", sparse_tree)):
            if value is not None:
                body[key] = bool(value)
        return self._call("rerunWorkflow", {"id": workflow_id}, json=body)

    @operation("POST", "/workflow/{id}/cancel", "cancelWorkflow")
    def cancel_workflow(self, workflow_id: str) -> Message:
        """Cancel a running workflow (operationId: cancelWorkflow)."""
        return self._call("cancelWorkflow", {"id": workflow_id})

    # -- jobs ----------------------------------------------------------------------------------

    @operation("GET", "/project/{project-slug}/job/{job-number}", "getJobDetails")
    def get_job(self, project: SlugLike, job_number: int) -> JobDetails:
        """A job by its project and number (the v1.1 build_num) (operationId: getJobDetails)."""
        return self._call("getJobDetails", {"project-slug": project_slug(project),
                                            "job-number": int(job_number)})

    @operation("POST", "/project/{project-slug}/job/{job-number}/cancel", "cancelJobByJobNumber")
    def cancel_job(self, project: SlugLike, job_number: int) -> Message:
        """Cancel a job by its project and number (operationId: cancelJobByJobNumber)."""
        return self._call("cancelJobByJobNumber", {"project-slug": project_slug(project),
                                                   "job-number": int(job_number)})

    @operation("POST", "/jobs/{job-id}/cancel", "cancelJobByJobID")
    def cancel_job_by_id(self, job_id: str) -> Message:
        """Cancel a job by its UUID, as listWorkflowJobs gives it (operationId: cancelJobByJobID)."""
        return self._call("cancelJobByJobID", {"job-id": job_id})

    @operation("GET", "/project/{project-slug}/{job-number}/artifacts", "getJobArtifacts")
    def list_job_artifacts(self, project: SlugLike, job_number: int, *,
                           max_items: Optional[int] = None,
                           max_pages: Optional[int] = None) -> "PageIterator[Artifact]":
        """A job's artifacts: path, node_index, url (operationId: getJobArtifacts)."""
        return self._pages("getJobArtifacts", {"project-slug": project_slug(project),
                                               "job-number": int(job_number)},
                           max_items=max_items, max_pages=max_pages)

    @operation("GET", "/project/{project-slug}/{job-number}/tests", "getTests")
    def list_job_tests(self, project: SlugLike, job_number: int, *,
                       max_items: Optional[int] = None,
                       max_pages: Optional[int] = None) -> "PageIterator[JobTestResult]":
        """A job's stored test results (operationId: getTests)."""
        return self._pages("getTests", {"project-slug": project_slug(project),
                                        "job-number": int(job_number)},
                           max_items=max_items, max_pages=max_pages)

    # -- project environment variables ---------------------------------------------------------

    @operation("GET", "/project/{project-slug}/envvar", "listEnvVars")
    def list_env_vars(self, project: SlugLike, *, max_items: Optional[int] = None,
                      max_pages: Optional[int] = None) -> "PageIterator[EnvVar]":
        """The project's environment variables, values masked (operationId: listEnvVars)."""
        return self._pages("listEnvVars", {"project-slug": project_slug(project)},
                           max_items=max_items, max_pages=max_pages)

    @operation("POST", "/project/{project-slug}/envvar", "createEnvVar")
    def create_env_var(self, project: SlugLike, name: str, value: str) -> EnvVar:
        """Create (or replace) a project environment variable (operationId: createEnvVar)."""
        return self._call("createEnvVar", {"project-slug": project_slug(project)},
                          json={"name": name, "value": value})

    @operation("GET", "/project/{project-slug}/envvar/{name}", "getEnvVar")
    def get_env_var(self, project: SlugLike, name: str) -> EnvVar:
        """One project environment variable, value masked (operationId: getEnvVar)."""
        return self._call("getEnvVar", {"project-slug": project_slug(project), "name": name})

    @operation("DELETE", "/project/{project-slug}/envvar/{name}", "deleteEnvVar")
    def delete_env_var(self, project: SlugLike, name: str) -> Message:
        """Delete a project environment variable (operationId: deleteEnvVar)."""
        return self._call("deleteEnvVar", {"project-slug": project_slug(project), "name": name})

    # -- checkout keys -------------------------------------------------------------------------

    @operation("GET", "/project/{project-slug}/checkout-key", "listCheckoutKeys")
    def list_checkout_keys(self, project: SlugLike, *, digest: Optional[str] = None,
                           max_items: Optional[int] = None,
                           max_pages: Optional[int] = None) -> "PageIterator[CheckoutKey]":
        """The project's checkout keys; digest "sha256" or "md5" picks the fingerprint form
        (operationId: listCheckoutKeys)."""
        return self._pages("listCheckoutKeys", {"project-slug": project_slug(project)},
                           params={"digest": digest}, max_items=max_items, max_pages=max_pages)

    @operation("POST", "/project/{project-slug}/checkout-key", "createCheckoutKey")
    def create_checkout_key(self, project: SlugLike, key_type: str = "deploy-key") -> CheckoutKey:
        """Create a checkout key, "deploy-key" or "user-key" (operationId: createCheckoutKey)."""
        if key_type not in ("deploy-key", "user-key"):
            raise ValueError(f"create_checkout_key: key_type must be 'deploy-key' or 'user-key', "
                             f"got {key_type!r}")
        return self._call("createCheckoutKey", {"project-slug": project_slug(project)},
                          json={"type": key_type})

    @operation("GET", "/project/{project-slug}/checkout-key/{fingerprint}", "getCheckoutKey")
    def get_checkout_key(self, project: SlugLike, fingerprint: str) -> CheckoutKey:
        """One checkout key by fingerprint (operationId: getCheckoutKey)."""
        return self._call("getCheckoutKey", {"project-slug": project_slug(project),
                                             "fingerprint": fingerprint})

    @operation("DELETE", "/project/{project-slug}/checkout-key/{fingerprint}", "deleteCheckoutKey")
    def delete_checkout_key(self, project: SlugLike, fingerprint: str) -> Message:
        """Delete a checkout key by fingerprint (operationId: deleteCheckoutKey)."""
        return self._call("deleteCheckoutKey", {"project-slug": project_slug(project),
                                                "fingerprint": fingerprint})

    # -- Insights ------------------------------------------------------------------------------

    @operation("GET", "/insights/{project-slug}/workflows", "getProjectWorkflowMetrics")
    def get_workflow_metrics(self, project: SlugLike, *, branch: Optional[str] = None,
                             all_branches: Optional[bool] = None,
                             reporting_window: Optional[str] = None,
                             max_items: Optional[int] = None,
                             max_pages: Optional[int] = None) -> "PageIterator[WorkflowMetrics]":
        """Insights summary per workflow for a branch (default branch if none; or all_branches):
        runs, success rate, throughput, credits, duration statistics
        (operationId: getProjectWorkflowMetrics)."""
        _check_branch_args(branch, all_branches)
        if reporting_window is not None and reporting_window not in REPORTING_WINDOWS:
            raise ValueError(f"reporting_window must be one of {', '.join(REPORTING_WINDOWS)}, "
                             f"got {reporting_window!r}")
        return self._pages("getProjectWorkflowMetrics", {"project-slug": project_slug(project)},
                           params={"branch": branch, "all-branches": all_branches,
                                   "reporting-window": reporting_window},
                           max_items=max_items, max_pages=max_pages)

    @operation("GET", "/insights/{project-slug}/workflows/{workflow-name}", "getProjectWorkflowRuns")
    def list_workflow_runs(self, project: SlugLike, workflow_name: str, *,
                           branch: Optional[str] = None, all_branches: Optional[bool] = None,
                           start_date: Optional[str] = None, end_date: Optional[str] = None,
                           max_items: Optional[int] = None,
                           max_pages: Optional[int] = None) -> "PageIterator[WorkflowRun]":
        """Recent finished runs of a named workflow with their outcome, duration and credits
        (operationId: getProjectWorkflowRuns). Dates are ISO 8601 strings."""
        _check_branch_args(branch, all_branches)
        if end_date is not None and start_date is None:
            raise ValueError("list_workflow_runs: end_date needs start_date")
        return self._pages("getProjectWorkflowRuns", {"project-slug": project_slug(project),
                                                      "workflow-name": workflow_name},
                           params={"branch": branch, "all-branches": all_branches,
                                   "start-date": start_date, "end-date": end_date},
                           max_items=max_items, max_pages=max_pages)

    # -- the API description -------------------------------------------------------------------

    @operation("GET", "/openapi.json", "getOpenAPIDocument", in_spec=False)
    def get_openapi_document(self) -> Dict[str, Any]:
        """The service's own OpenAPI 3 document, GET /api/v2/openapi.json
        (operationId: getOpenAPIDocument, this client's name: the spec does not describe itself)."""
        return self._call("getOpenAPIDocument")

    # -- waiting for the asynchronous workflows ------------------------------------------------

    def wait_for_workflows(self, pipeline_id: str, *, timeout: float = 120.0,
                           poll: float = 1.0, max_poll: float = 10.0,
                           stable_polls: int = 2) -> List[Workflow]:
        """Poll a just-triggered pipeline until its workflows stop changing.

        Workflows are created asynchronously after a trigger. This reads the
        pipeline (getPipelineById) and its workflows (listWorkflowsByPipelineId)
        every `poll` seconds, growing by half each time up to `max_poll`, and
        returns the workflows once the pipeline has left setup and the set of
        workflows has been the same, and non-empty, for `stable_polls`
        consecutive polls. Raises PipelineErrored (carrying the pipeline's
        `errors`) when the pipeline errors, and WaitTimeout (carrying the last
        pipeline and workflows seen) when `timeout` seconds pass.
        """
        if stable_polls < 1:
            raise ValueError("stable_polls must be 1 or more")
        if poll <= 0 or max_poll <= 0:
            raise ValueError("poll and max_poll must be positive")
        deadline = self._clock() + timeout
        interval = poll
        previous: Optional[Tuple[Tuple[str, str], ...]] = None
        same = 0
        pipeline: Optional[Pipeline] = None
        workflows: List[Workflow] = []
        while True:
            pipeline = self.get_pipeline(pipeline_id)
            PipelineErrored.check(dict(pipeline))
            workflows = list(self.list_pipeline_workflows(pipeline_id))
            snapshot = tuple(sorted((w["id"], w.get("name", "")) for w in workflows))
            same = same + 1 if snapshot == previous else 1
            previous = snapshot
            if workflows and same >= stable_polls and _settled(pipeline, workflows):
                return workflows
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise WaitTimeout(
                    f"pipeline {pipeline_id}: workflows did not settle within {timeout:g} s "
                    f"(state {pipeline.get('state')!r}, {_describe(workflows)})",
                    pipeline=dict(pipeline), workflows=workflows, operation_id="getPipelineById")
            self._sleep(min(interval, remaining))
            interval = min(max_poll, interval * 1.5)


def _settled(pipeline: Mapping[str, Any], workflows: Sequence[Mapping[str, Any]]) -> bool:
    state = pipeline.get("state")
    if state in _PENDING_STATES:
        return False
    if state == "setup":
        # A setup workflow runs first; continuation workflows appear after it, so only a
        # finished setup workflow means the set can be final.
        return all(w.get("status") not in _RUNNING_WORKFLOW for w in workflows)
    return True


def _describe(workflows: Sequence[Mapping[str, Any]]) -> str:
    if not workflows:
        return "no workflows yet"
    return f"{len(workflows)} workflow(s): " + ", ".join(
        f"{w.get('name')} {w.get('status')}" for w in workflows)


def _check_branch_args(branch: Optional[str], all_branches: Optional[bool]) -> None:
    if branch is not None and all_branches:
        raise ValueError("give branch or all_branches, not both")


def _collect_operations(cls: type) -> Dict[str, Operation]:
    table: Dict[str, Operation] = {}
    for name in dir(cls):
        op = getattr(getattr(cls, name), "__operation__", None)
        if isinstance(op, Operation):
            if op.operation_id in table:
                raise TypeError(f"operationId {op.operation_id} implemented twice")
            table[op.operation_id] = op
    return table


CircleCIClient.OPERATIONS = _collect_operations(CircleCIClient)
