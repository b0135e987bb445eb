"""circleci_v2.shim.requests reads a translated trigger's body however requests was given it (a file, a
generator, bytes) and answers a body it cannot read 400 with the reason, as the emulator's v1.1 does, never
a traceback and never a build without the parameters the body held."""
from __future__ import annotations

import json

import pytest
import requests

pytest.importorskip("openapi_core", reason="the emulator needs the emulator extra")

from circleci_v2.shim import requests as shim_requests  # noqa: E402
from emulator_support import project_emulator  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
BODY = {"build_parameters": {"image-tag": "v9"}}
SENT = {"branch": "main", "parameters": {"image-tag": "v9"}}


@pytest.fixture
def emu(circleci_emulator_factory):
    return project_emulator(circleci_emulator_factory)


def trigger_url(emu) -> str:
    return f"{emu.url}/api/v1.1/project/github/acme/app/tree/main"


def sent(emu) -> list:
    return [c.json for c in emu.calls if c.operation_id == "triggerPipeline"]


@pytest.mark.parametrize("content_type", ["application/json", None])
def test_a_body_read_from_a_file_is_translated(emu, tmp_path, content_type):
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps(BODY))
    headers = {"Circle-Token": emu.token, **({"Content-Type": content_type} if content_type else {})}
    with open(payload, "rb") as body:
        r = shim_requests.post(trigger_url(emu), data=body, headers=headers)
    assert r.status_code == 201, r.text
    assert sent(emu) == [SENT]


def test_a_body_from_a_generator_is_translated(emu):
    chunks = (part for part in [b'{"build_parameters": ', b'{"image-tag": "v9"}}'])
    r = shim_requests.post(trigger_url(emu), data=chunks, headers={"Circle-Token": emu.token})
    assert r.status_code == 201, r.text
    assert sent(emu) == [SENT]


@pytest.mark.parametrize("body, reason", [('{"branch": ', "Invalid JSON body."),
                                          (b'{"branch": "\xff"}', "Invalid JSON body: not UTF-8.")])
def test_a_body_that_is_not_a_json_object_is_answered_400_and_triggers_nothing(emu, body, reason):
    r = shim_requests.post(trigger_url(emu), data=body,
                           headers={"Circle-Token": emu.token, "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["message"] == reason
    with pytest.raises(requests.HTTPError):
        r.raise_for_status()
    assert sent(emu) == []
