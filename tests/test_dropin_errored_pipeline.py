"""A trigger whose pipeline errors (a parameter the config does not declare) raises at once, with why.

The emulator errors a pipeline given an undeclared parameter, as CircleCI does
("Unexpected argument(s): FAST"). Each drop-in is built with a 20 s wait: before,
it waited all of it and answered a queued build with build_num None.
"""
from __future__ import annotations

import warnings

import pytest
import requests

from circleci_v2.shim import circleci, circleclient, pycircleci
from circleci_v2.shim import errors
from circleci_v2.shim import requests as shim_requests

pytest.importorskip("openapi_core", reason="the emulator needs the emulator extra")
from emulator_support import project_emulator  # noqa: E402

WAIT = 20.0


@pytest.fixture
def emu(circleci_emulator_factory):
    return project_emulator(circleci_emulator_factory)  # declares deploy and image-tag, not FAST


def _trigger_circleci(emu):
    return circleci.Api(emu.token, emu.url + "/api/v1.1", timeout=WAIT).trigger_build(
        "acme", "app", "main", params={"build_parameters": {"FAST": "1"}})


def _trigger_pycircleci(emu):
    return pycircleci.Api(emu.token, url=emu.url + "/api", timeout=WAIT).trigger_build(
        "acme", "app", "main", params={"build_parameters": {"FAST": "1"}})


def _trigger_circleclient(emu):
    return circleclient.CircleClient(emu.token, url=emu.url + "/api/v1", timeout=WAIT).build.trigger(
        "acme", "app", "main", FAST="1")


# each drop-in, with the except clause its legacy package's users wrote
CASES = {
    "circleci": (_trigger_circleci, circleci.CircleCIException),
    "pycircleci": (_trigger_pycircleci, pycircleci.CircleciError),
    "circleclient": (_trigger_circleclient, Exception),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_errored_pipeline_raises_with_its_errors(emu, name):
    trigger, legacy_except = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(legacy_except) as info:
            trigger(emu)
    exc = info.value
    assert isinstance(exc, circleci.CircleCIException)
    assert isinstance(exc, errors.PipelineErrored) and isinstance(exc, requests.HTTPError)
    assert any("Unexpected argument(s): FAST" in e["message"] for e in exc.errors)
    assert "Unexpected argument(s): FAST" in str(exc)
    assert exc.pipeline["state"] == "errored" and exc.argument == exc.pipeline["id"]
    ops = [c.operation_id for c in emu.calls]
    assert ops.count("triggerPipeline") == 1
    # it stopped once the pipeline showed errored (the emulator errors it after its 0.05 s setup),
    # instead of polling for the whole wait (about 25 polls in 20 s)
    assert ops.count("listWorkflowsByPipelineId") <= 5, ops


def test_declared_parameter_still_waits_for_the_build(emu):
    build = circleci.Api(emu.token, emu.url, timeout=WAIT).trigger_build(
        "acme", "app", params={"build_parameters": {"deploy": True}})
    assert isinstance(build["build_num"], int)


def test_shim_requests_answers_400_with_the_errors(emu):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = shim_requests.post(f"{emu.url}/api/v1.1/project/github/acme/app/tree/main",
                               headers={"Circle-Token": emu.token}, json={"build_parameters": {"FAST": "1"}})
    assert r.status_code == 400
    assert "Unexpected argument(s): FAST" in r.json()["message"]
    assert r.json()["pipeline_id"] and r.json()["errors"]
    with pytest.raises(requests.HTTPError):
        r.raise_for_status()
