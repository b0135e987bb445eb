"""circleci_v2.shim.circleclient: circleclient 0.1.6's surface, deprecated calls on API v2."""
from __future__ import annotations

import inspect

import pytest

from circleci_v2.shim import circleclient
from circleci_v2.shim.circleci import CacheClearingRemoved
from circleci_v2.shim.deprecation import CircleCIDeprecationWarning

pytest.importorskip("openapi_core", reason="the emulator needs the emulator extra")
from emulator_support import project_emulator  # noqa: E402

def _legacy():
    # the real package (pinned in the test extra), never a copy of its signatures
    import circleclient.circleclient as legacy  # type: ignore

    return {name: {n: str(inspect.signature(f)) for n, f in inspect.getmembers(getattr(legacy, name), inspect.isfunction)
                   if not n.startswith("_") or n == "__init__"}
            for name in ("CircleClient", "User", "Projects", "Build", "Cache")}


def test_signatures_match_circleclient_0_1_6():
    for cls_name, methods in _legacy().items():
        ours = getattr(circleclient, cls_name)
        for name, sig in methods.items():
            mine = str(inspect.signature(getattr(ours, name)))
            legacy_params = sig.strip("()")
            assert mine.strip("()").startswith(legacy_params), (cls_name, name, mine, sig)


@pytest.fixture
def emu(circleci_emulator_factory):
    return project_emulator(circleci_emulator_factory)


def test_trigger_retry_recent_and_cache(emu):
    client = circleclient.CircleClient(emu.token, url=emu.url + "/api/v1")
    with pytest.warns(CircleCIDeprecationWarning, match="CCI110"):
        build = client.build.trigger("acme", "app", "main", deploy=True)
    assert isinstance(build["build_num"], int) and build["branch"] == "main"
    assert [c.json for c in emu.calls if c.operation_id == "triggerPipeline"] == [
        {"branch": "main", "parameters": {"deploy": True}}]
    client.build.retry("acme", "app", build["build_num"])
    assert [c.json for c in emu.calls if c.operation_id == "rerunWorkflow"] == [
        {"jobs": [build["workflows"]["job_id"]]}]
    recent = client.build.recent_all_projects(limit=1)
    assert len(recent) == 1 and recent[0]["build_num"] > build["build_num"]
    with pytest.raises(CacheClearingRemoved):
        client.cache.clear("acme", "app")
    assert all(c.api == "v2" for c in emu.calls)
    emu.assert_valid()
