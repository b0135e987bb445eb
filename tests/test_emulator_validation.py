"""Every v2 request and reply is checked against the vendored spec; what breaks it is recorded."""
from __future__ import annotations

import pytest
import requests

from circleci_v2.shim.emulator import routes_v2
from circleci_v2.shim.emulator.routes_v2 import Reply
from circleci_v2.shim.emulator.spec import NULLABLE_PATCHES, spec
from emulator_support import SLUG, session, trigger


def test_an_invalid_request_gets_400_and_is_recorded(circleci_emulator):
    emu = circleci_emulator
    s = session(emu)
    r = s.get(emu.v2_url + "/workflow/not-a-uuid")
    assert r.status_code == 400
    assert "not-a-uuid" in r.json()["message"]
    (call,) = emu.invalid_calls
    assert call.operation_id == "getWorkflowById" and not call.valid
    assert any("uuid" in e for e in call.errors)
    with pytest.raises(AssertionError, match="getWorkflowById"):
        emu.assert_valid()
    emu.assert_valid(requests=False)  # the emulator's own replies were fine
    emu.clear_calls()
    emu.assert_valid()


def test_bad_query_values_and_bodies_are_invalid(circleci_emulator):
    emu = circleci_emulator
    emu.add_project(SLUG)
    s = session(emu)
    assert s.get(emu.v2_url + "/pipeline", params={"mine": "perhaps"}).status_code == 400
    assert s.get(f"{emu.v2_url}/insights/{SLUG}/workflows", params={"reporting-window": "forever"}).status_code == 400
    assert s.post(f"{emu.v2_url}/project/{SLUG}/envvar", json={"name": "X"}).status_code == 400
    assert s.post(f"{emu.v2_url}/workflow/{emu.state.new_id()}/rerun", json={"jobs": ["x"]}).status_code == 400
    bad_json = s.post(f"{emu.v2_url}/project/{SLUG}/pipeline", data=b"{not json",
                      headers={"Content-Type": "application/json"})
    assert bad_json.status_code == 400 and bad_json.json() == {"message": "Invalid JSON body."}
    assert len(emu.invalid_calls) == 5
    assert emu.state.pipelines == {}


def test_valid_traffic_leaves_nothing_to_report(circleci_emulator):
    emu = circleci_emulator
    emu.add_project(SLUG)
    s = session(emu)
    created = trigger(s, emu, branch="main")
    s.get(f"{emu.v2_url}/pipeline/{created['id']}/workflow")
    assert all(c.valid and c.response_valid for c in emu.calls)
    emu.assert_valid()


def test_an_invalid_reply_is_recorded_as_an_emulator_bug(circleci_emulator, monkeypatch):
    emu = circleci_emulator
    monkeypatch.setitem(routes_v2.HANDLERS, "getCurrentUser", lambda ctx: Reply(200, {"login": 7}))
    r = session(emu).get(emu.v2_url + "/me")
    assert r.status_code == 200  # sent as produced, so the test sees what went wrong
    (call,) = emu.invalid_responses
    assert call.response_errors and call.valid
    with pytest.raises(AssertionError, match="invalid response"):
        emu.assert_valid(requests=False)
    emu.clear_calls()  # or the fixture would fail this test at teardown, as it should


def test_validation_can_be_switched_off(circleci_emulator_factory):
    emu = circleci_emulator_factory(validate=False)
    r = session(emu).get(emu.v2_url + "/workflow/not-a-uuid")
    assert r.status_code == 404  # reaches the handler, which finds no such workflow
    assert emu.invalid_calls == []


def test_the_spec_patches_point_at_real_schemas():
    doc = spec().document
    for path, method, status, pointer, why in NULLABLE_PATCHES:
        node = doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
        for part in pointer:
            node = node[part]
        assert node.get("type") == "string" and why


def test_requests_without_content_type_are_read_as_json(circleci_emulator):
    emu = circleci_emulator
    emu.add_project(SLUG)
    r = requests.post(f"{emu.v2_url}/project/{SLUG}/pipeline", data=b'{"branch": "main"}',
                      headers={"Circle-Token": emu.token})
    assert r.status_code == 201


def test_the_spec_the_emulator_validates_with_is_a_valid_openapi_document():
    from openapi_spec_validator import validate

    from circleci_v2.shim.emulator.spec import _validation_copy

    validate(spec().document)
    validate(_validation_copy(spec().document))


def test_a_crashing_handler_answers_500_and_is_recorded(circleci_emulator, monkeypatch):
    emu = circleci_emulator

    def crash(ctx):
        raise KeyError("boom")

    monkeypatch.setitem(routes_v2.HANDLERS, "getCurrentUser", crash)
    r = session(emu).get(emu.v2_url + "/me")
    assert r.status_code == 500 and r.json() == {"message": "Internal server error."}
    (call,) = emu.invalid_responses
    assert "KeyError" in call.response_errors[0]
    assert session(emu).get(emu.v2_url + "/workflow/" + emu.state.new_id()).status_code == 404  # still serving
    emu.clear_calls()
