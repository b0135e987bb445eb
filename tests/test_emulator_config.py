"""What the emulator reads from config.yml, and its clock."""
from __future__ import annotations

import pytest

from circleci_v2.shim.emulator import Clock, Emulator
from circleci_v2.shim.emulator.clock import iso, parse_time
from circleci_v2.shim.emulator.project_config import ConfigError, check_parameters, parse_config


def test_workflows_jobs_requires_and_approvals():
    cfg = parse_config("""
version: 2.1
workflows:
  version: 2
  main:
    jobs:
      - build
      - test: {requires: build, name: unit}
      - hold: {type: approval, requires: [{unit: [success, failed]}]}
""")
    (wf,) = cfg.workflows
    assert wf.name == "main"
    assert [(j.name, j.requires, j.type) for j in wf.jobs] == [
        ("build", (), "build"), ("unit", ("build",), "build"), ("hold", ("unit",), "approval")]


def test_a_config_without_workflows_runs_its_build_job():
    cfg = parse_config("version: 2\njobs:\n  compile: {}\n  build: {}\n")
    assert [(w.name, [j.name for j in w.jobs]) for w in cfg.workflows] == [("workflow", ["build"])]
    assert parse_config(None).workflows[0].jobs[0].name == "build"


def test_parameters_from_config_and_extra_declarations():
    cfg = parse_config("parameters:\n  a: {type: integer, default: 1}\n  e: {type: enum, enum: [x, y]}\n",
                       parameters={"b": {"type": "boolean"}})
    assert set(cfg.parameters) == {"a", "e", "b"}
    assert check_parameters(cfg.parameters, {"a": 2, "e": "x", "b": False}) == []
    problems = check_parameters(cfg.parameters, {"a": "2", "e": "z", "b": 1, "c": 0, "d": 0})
    assert problems[0] == "Unexpected argument(s): c, d"
    assert len(problems) == 4


@pytest.mark.parametrize("text", ["a: [1", "- just\n- a list\n", "workflows: [1]", "parameters: 3",
                                  "workflows: {w: {jobs: [{a: 1, b: 2}]}}"])
def test_configs_it_cannot_read_are_config_errors(text):
    with pytest.raises(ConfigError):
        parse_config(text)


def test_add_project_reports_bad_input():
    emu = Emulator()
    with pytest.raises(ValueError, match="not a project slug"):
        emu.add_project("acme/app")
    with pytest.raises(ValueError, match="unknown VCS"):
        emu.add_project("gl/acme/app")
    with pytest.raises(ConfigError):
        emu.add_project("gh/acme/app", config="a: [1")
    with pytest.raises(ValueError, match="exploded"):
        emu.add_project("gh/acme/app", job_outcomes={"build": ["success", "exploded"]})
    assert emu.add_project("github/acme/app").slug == "gh/acme/app"


def test_emulator_options_are_checked():
    with pytest.raises(ValueError):
        Emulator(page_size=0)
    with pytest.raises(ValueError):
        Emulator(workflow_delay=-1)
    with pytest.raises(ValueError):
        Emulator(tokens=[])
    with pytest.raises(RuntimeError, match="not started"):
        Emulator().url


def test_clock():
    clock = Clock(start=1000.0, frozen=True)
    assert clock.now() == 1000.0
    assert clock.advance(2.5) == 1002.5
    with pytest.raises(ValueError):
        clock.advance(-1)
    live = Clock()
    before = live.now()
    live.advance(100)
    assert live.now() >= before + 100
    assert iso(0) == "1970-01-01T00:00:00.000Z" and iso(None) is None


@pytest.mark.parametrize("value, expected", [
    (5, 5.0), ("2h ago", 10000 - 7200), ("30s ago", 9970), ("1d ago", 10000 - 86400), ("-60", 9940),
    ("1970-01-01T00:01:00Z", 60.0), ("1970-01-01T00:01:00", 60.0),
])
def test_seed_times(value, expected):
    assert parse_time(value, 10000.0) == expected
