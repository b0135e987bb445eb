"""circleci_v2.shim.pycircleci: pycircleci 0.7.0's surface; deprecated calls on v2, no POST retries."""
from __future__ import annotations

import inspect

import pytest

from circleci_v2.shim import pycircleci
from circleci_v2.shim.deprecation import CircleCIDeprecationWarning

pytest.importorskip("openapi_core", reason="the emulator needs the emulator extra")
from emulator_support import project_emulator  # noqa: E402

def _legacy():
    # the real package (pinned in the test extra), never a copy of its signatures
    import pycircleci.api as legacy  # type: ignore

    return {n: str(inspect.signature(f)) for n, f in inspect.getmembers(legacy.Api, inspect.isfunction)}


def test_every_method_keeps_its_signature():
    for name, sig in _legacy().items():
        mine = str(inspect.signature(getattr(pycircleci.Api, name)))
        assert mine.strip("()").startswith(sig.strip("()")), (name, mine, sig)


@pytest.fixture
def emu(circleci_emulator_factory):
    return project_emulator(circleci_emulator_factory)


def test_deprecated_calls_on_v2_and_v2_methods_forward(emu):
    api = pycircleci.Api(emu.token, url=emu.url + "/api")
    with pytest.warns(CircleCIDeprecationWarning, match="CCI110"):
        build = api.trigger_build("acme", "app", "main", params={"build_parameters": {"deploy": True}})
    assert isinstance(build["build_num"], int)
    api.retry_build("acme", "app", build["build_num"])
    recent = api.get_recent_builds(limit=1)
    assert recent[0]["build_num"] > build["build_num"]
    pipeline = api.get_project_pipeline("acme", "app", 1)
    assert api.get_pipeline_workflow(pipeline["id"])
    ops = [c.operation_id for c in emu.calls]
    assert ops.count("triggerPipeline") == 1 and "rerunWorkflow" in ops and "getPipelineByNumber" in ops
    assert all(c.api == "v2" for c in emu.calls)
    emu.assert_valid()


def test_a_failed_trigger_is_not_retried(emu):
    # pycircleci's urllib3 Retry re-sent POSTs on 5xx, so a trigger could run twice
    emu.faults.inject("triggerPipeline", status=502, times=3)
    api = pycircleci.Api(emu.token, url=emu.url + "/api")
    with pytest.raises(pycircleci.requests.HTTPError) as info:
        api.trigger_build("acme", "app")
    assert info.value.response.status_code == 502
    assert [c.operation_id for c in emu.calls] == ["triggerPipeline"]
