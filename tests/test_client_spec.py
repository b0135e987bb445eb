"""Every operation the v2 client implements exists in the official spec, with the same verb and path."""
from __future__ import annotations

import inspect
import json

import pytest

from circleci_v2.rules.loader import SPEC_PATH
from circleci_v2.shim.client import CircleCIClient

SPEC = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
SPEC_OPERATIONS = {
    op["operationId"]: (method.upper(), path)
    for path, item in SPEC["paths"].items()
    for method, op in item.items()
    if isinstance(op, dict) and "operationId" in op
}

# Issue 4, item 1: the operations the client must cover.
REQUIRED = {
    "getWorkflowById", "listWorkflowJobs", "getProjectBySlug", "triggerPipeline",
    "listPipelinesForProject", "getPipelineById", "getPipelineConfigById",
    "listWorkflowsByPipelineId", "getPipelineByNumber", "listPipelines", "listMyPipelines",
    "rerunWorkflow", "cancelWorkflow", "getJobDetails", "cancelJobByJobNumber", "getJobArtifacts",
    "getTests", "listEnvVars", "createEnvVar", "getEnvVar", "deleteEnvVar", "listCheckoutKeys",
    "createCheckoutKey", "getCheckoutKey", "deleteCheckoutKey", "getProjectWorkflowMetrics",
    "getProjectWorkflowRuns", "getCurrentUser",
}
OPS = CircleCIClient.OPERATIONS


def test_required_operations_are_implemented():
    assert REQUIRED <= set(OPS), sorted(REQUIRED - set(OPS))


@pytest.mark.parametrize("operation_id", sorted(o for o in OPS if OPS[o].in_spec))
def test_operation_exists_in_spec_with_same_verb_and_path(operation_id):
    op = OPS[operation_id]
    assert operation_id in SPEC_OPERATIONS, f"{operation_id} is not an operationId of the v2 spec"
    assert (op.method, op.path) == SPEC_OPERATIONS[operation_id]


def test_only_the_openapi_document_is_outside_the_spec():
    outside = {o: (OPS[o].method, OPS[o].path) for o in OPS if not OPS[o].in_spec}
    assert outside == {"getOpenAPIDocument": ("GET", "/openapi.json")}
    assert SPEC["servers"][0]["url"].endswith("/api/v2")  # the document lives at /api/v2/openapi.json


@pytest.mark.parametrize("operation_id", sorted(OPS))
def test_method_docstring_names_its_operation_id(operation_id):
    method = getattr(CircleCIClient, OPS[operation_id].attribute)
    doc = inspect.getdoc(method) or ""
    assert f"operationId: {operation_id}" in " ".join(doc.split())


def test_path_parameters_are_filled_from_the_spec_template():
    op = OPS["getJobDetails"]
    assert op.url_path({"project-slug": "gh/acme/app", "job-number": 7}) == "/project/gh/acme/app/job/7"
    op = OPS["getCheckoutKey"]
    assert op.url_path({"project-slug": "gh/a/b", "fingerprint": "aa:bb"}) == \
        "/project/gh/a/b/checkout-key/aa%3Abb"
    op = OPS["getProjectWorkflowRuns"]
    assert op.url_path({"project-slug": "gh/a/b", "workflow-name": "build and test"}) == \
        "/insights/gh/a/b/workflows/build%20and%20test"


def test_list_methods_take_caps():
    for op in OPS.values():
        method = getattr(CircleCIClient, op.attribute)
        params = inspect.signature(method).parameters
        responses = SPEC["paths"].get(op.path, {}).get(op.method.lower(), {}).get("responses", {})
        schema = responses.get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
        if "next_page_token" in schema.get("properties", {}):
            assert {"max_items", "max_pages"} <= set(params), op.attribute
