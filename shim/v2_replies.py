"""What the v2 client returns: TypedDicts mirroring the official v2 schemas.

The client hands back the service's JSON as plain dicts (no copying into
objects, so nothing is lost when CircleCI adds a field); these types document
the keys and let a type checker follow them. Keys the spec marks required sit
in a `_...Required` base, optional ones in the `total=False` class. Times are
ISO 8601 strings as the service sends them; ids are UUID strings.
"""
from __future__ import annotations

from typing import Any, Dict, List, Literal, Optional, TypedDict, Union

__all__ = [
    "Message", "User", "VcsInfo", "Project", "PipelineCreation", "PipelineErrorItem",
    "Actor", "Trigger", "Commit", "Vcs", "Pipeline", "PipelineConfig", "Workflow",
    "WorkflowJob", "RerunResult", "JobDetails", "Artifact", "JobTestResult", "EnvVar",
    "CheckoutKey", "DurationMetrics", "WorkflowMetrics", "WorkflowMetricsSummary",
    "WorkflowRun", "ParameterValue",
]

ParameterValue = Union[str, int, bool]
"""A pipeline parameter value: the service takes strings, integers and booleans."""

PipelineState = Literal["created", "errored", "setup-pending", "setup", "pending"]
WorkflowStatus = Literal["success", "running", "not_run", "failed", "error", "failing",
                         "on_hold", "canceled", "unauthorized"]
JobStatus = Literal["success", "running", "not_run", "failed", "retried", "queued",
                    "not_running", "infrastructure_fail", "timedout", "on_hold",
                    "terminated-unknown", "blocked", "canceled", "unauthorized"]


class Message(TypedDict):
    """`{message}`: the reply of cancels and deletes (and of every error)."""

    message: str


class User(TypedDict):
    """getCurrentUser: the owner of the token."""

    id: str
    login: str
    name: str
    avatar_url: str


class VcsInfo(TypedDict):
    vcs_url: str
    provider: Literal["Bitbucket", "CircleCI", "GitHub"]
    default_branch: str


class Project(TypedDict):
    """getProjectBySlug. `id` is the project UUID some newer operations take."""

    slug: str
    name: str
    id: str
    organization_name: str
    organization_slug: str
    organization_id: str
    vcs_info: VcsInfo


class PipelineCreation(TypedDict):
    """triggerPipeline (201). Workflows are created later: see wait_for_workflows."""

    id: str
    state: PipelineState
    number: int
    created_at: str


class PipelineErrorItem(TypedDict):
    """One entry of a pipeline's `errors` (type: config, config-fetch, timeout, permission, ...)."""

    type: str
    message: str


class Actor(TypedDict):
    login: str
    avatar_url: str


class Trigger(TypedDict):
    type: Literal["scheduled_pipeline", "explicit", "api", "webhook"]
    received_at: str
    actor: Actor


class Commit(TypedDict):
    subject: str
    body: str


class _VcsRequired(TypedDict):
    provider_name: str
    origin_repository_url: str
    target_repository_url: str
    revision: str


class Vcs(_VcsRequired, total=False):
    """The pipeline's VCS data: `branch` or `tag`, and the commit."""

    branch: str
    tag: str
    review_id: str
    review_url: str
    commit: Commit


class _PipelineRequired(TypedDict):
    id: str
    number: int
    project_slug: str
    created_at: str
    errors: List[PipelineErrorItem]
    state: PipelineState
    trigger: Trigger


class Pipeline(_PipelineRequired, total=False):
    """getPipelineById, getPipelineByNumber and the pipeline lists."""

    updated_at: str
    trigger_parameters: Dict[str, Any]
    vcs: Vcs


class _PipelineConfigRequired(TypedDict):
    source: str
    compiled: str


class PipelineConfig(_PipelineConfigRequired, total=False):
    """getPipelineConfigById: the config as written and as compiled (YAML text)."""

    # also "setup-config" and "compiled-setup-config" (keys with hyphens: read with .get)


class _WorkflowRequired(TypedDict):
    id: str
    name: str
    status: WorkflowStatus
    created_at: str
    stopped_at: Optional[str]
    pipeline_id: str
    pipeline_number: int
    project_slug: str
    started_by: str


class Workflow(_WorkflowRequired, total=False):
    """getWorkflowById and listWorkflowsByPipelineId."""

    canceled_by: str
    errored_by: str
    tag: Literal["setup"]
    auto_rerun_number: int
    max_auto_reruns: int


class _WorkflowJobRequired(TypedDict):
    id: str
    name: str
    started_at: Optional[str]
    dependencies: List[str]
    project_slug: str
    status: JobStatus
    type: Literal["build", "approval"]


class WorkflowJob(_WorkflowJobRequired, total=False):
    """listWorkflowJobs. `job_number` is absent on approval jobs (the v1.1 build_num)."""

    job_number: int
    stopped_at: Optional[str]
    canceled_by: str
    approved_by: str
    approval_request_id: str
    requires: Dict[str, Any]


class RerunResult(TypedDict):
    """rerunWorkflow (202): the new workflow, in the same pipeline."""

    workflow_id: str


class JobProject(TypedDict):
    id: str
    slug: str
    name: str
    external_url: str


class _JobDetailsRequired(TypedDict):
    number: int
    name: str
    status: JobStatus
    started_at: Optional[str]
    created_at: str
    queued_at: str
    duration: Optional[int]
    executor: Dict[str, Any]
    project: JobProject
    organization: Dict[str, str]
    contexts: List[Dict[str, str]]
    web_url: str
    parallel_runs: List[Dict[str, Any]]
    latest_workflow: Dict[str, str]
    pipeline: Dict[str, str]
    parallelism: int
    messages: List[Dict[str, str]]


class JobDetails(_JobDetailsRequired, total=False):
    """getJobDetails. `latest_workflow.id` is what a v1.1 retry needs for rerunWorkflow."""

    stopped_at: Optional[str]


class Artifact(TypedDict):
    """getJobArtifacts."""

    path: str
    node_index: int
    url: str


class JobTestResult(TypedDict):
    """getTests: one test case of the job's stored test metadata."""

    message: str
    source: str
    run_time: float
    file: str
    result: str
    name: str
    classname: str


class _EnvVarRequired(TypedDict):
    name: str
    value: str  # masked by the service, e.g. "xxxx1234"


class EnvVar(_EnvVarRequired, total=False):
    """listEnvVars, getEnvVar, createEnvVar ("created-at" may also be present)."""


class CheckoutKey(TypedDict):
    """Checkout key operations. Keys with hyphens ("public-key", "created-at"): read with ["..."]."""

    type: Literal["deploy-key", "github-user-key"]
    fingerprint: str
    preferred: bool


class DurationMetrics(TypedDict):
    """Seconds (None when there were no runs)."""

    min: Optional[int]
    mean: Optional[int]
    median: Optional[int]
    p95: Optional[int]
    max: Optional[int]
    standard_deviation: Optional[float]


class WorkflowMetricsSummary(TypedDict):
    """The Insights figures for one workflow over the reporting window."""

    total_runs: int
    successful_runs: int
    failed_runs: int
    success_rate: float
    throughput: float  # runs per day
    mttr: Optional[int]
    total_credits_used: Optional[int]
    total_recoveries: Optional[int]
    duration_metrics: DurationMetrics


class WorkflowMetrics(TypedDict):
    """getProjectWorkflowMetrics: one item per workflow name, for a branch (or all)."""

    name: str
    metrics: WorkflowMetricsSummary
    window_start: str
    window_end: str
    project_id: str


class WorkflowRun(TypedDict):
    """getProjectWorkflowRuns: one finished run of a named workflow."""

    id: str
    branch: str
    duration: int
    created_at: str
    stopped_at: str
    credits_used: int
    status: Literal["success", "failed", "error", "canceled", "unauthorized"]
    is_approval: bool
