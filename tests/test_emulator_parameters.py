"""Pipeline parameters are checked against the project's declared ones, as the service checks them:
the trigger is accepted (201) and the pipeline errors with a config error."""
from __future__ import annotations

from emulator_support import CONFIG, SLUG, session, trigger, workflows


def _pipeline(s, emu, pipeline_id):
    return s.get(f"{emu.v2_url}/pipeline/{pipeline_id}").json()


def test_declared_parameters_are_accepted(circleci_emulator):
    emu = circleci_emulator
    emu.add_project(SLUG, config=CONFIG)
    s = session(emu)
    created = trigger(s, emu, parameters={"deploy": True, "image-tag": "1.2.3"})
    pipeline = _pipeline(s, emu, created["id"])
    assert pipeline["state"] == "created" and pipeline["errors"] == []
    assert len(workflows(s, emu, created["id"])) == 2


def test_an_undeclared_parameter_errors_the_pipeline(circleci_emulator):
    emu = circleci_emulator
    emu.add_project(SLUG, config=CONFIG)
    s = session(emu)
    created = trigger(s, emu, parameters={"deploy": True, "GHA_Actor": "me", "GHA_Event": "push"})
    pipeline = _pipeline(s, emu, created["id"])
    assert pipeline["state"] == "errored"
    assert pipeline["errors"] == [{"type": "config", "message": "Unexpected argument(s): GHA_Actor, GHA_Event"}]
    assert workflows(s, emu, created["id"]) == []
    emu.assert_valid()


def test_a_project_without_parameters_refuses_any(circleci_emulator):
    emu = circleci_emulator
    emu.add_project(SLUG)
    s = session(emu)
    created = trigger(s, emu, parameters={"x": 1})
    assert _pipeline(s, emu, created["id"])["errors"][0]["message"] == "Unexpected argument(s): x"


def test_parameters_can_be_declared_without_a_config(circleci_emulator):
    emu = circleci_emulator
    emu.add_project(SLUG, parameters=["x"])
    s = session(emu)
    created = trigger(s, emu, parameters={"x": 1})
    assert _pipeline(s, emu, created["id"])["state"] == "created"


def test_a_value_of_the_wrong_type_errors_the_pipeline(circleci_emulator):
    emu = circleci_emulator
    emu.add_project(SLUG, config=CONFIG)
    s = session(emu)
    created = trigger(s, emu, parameters={"deploy": "yes"})
    (error,) = _pipeline(s, emu, created["id"])["errors"]
    assert error["type"] == "config" and "deploy" in error["message"]


def test_parameter_values_must_be_scalars(circleci_emulator):
    emu = circleci_emulator
    emu.add_project(SLUG, config=CONFIG)
    r = session(emu).post(f"{emu.v2_url}/project/{SLUG}/pipeline", json={"parameters": {"deploy": [1]}})
    assert r.status_code == 400
    assert emu.invalid_calls and emu.invalid_calls[0].operation_id == "triggerPipeline"
    assert emu.state.pipelines == {}


def test_size_limits_and_branch_with_tag_are_refused(circleci_emulator):
    emu = circleci_emulator
    emu.add_project(SLUG, config=CONFIG)
    s = session(emu)
    url = f"{emu.v2_url}/project/{SLUG}/pipeline"
    assert s.post(url, json={"branch": "main", "tag": "v1"}).status_code == 400
    assert s.post(url, json={"parameters": {"deploy": True, "image-tag": "x" * 513}}).status_code == 400
    assert s.post(url, json={"parameters": {f"p{i}": i for i in range(101)}}).status_code == 400
    assert emu.state.pipelines == {}
