"""Insights figures are computed from the recorded runs."""
from __future__ import annotations

import pytest

from circleci_v2.shim.emulator import Clock
from emulator_support import SLUG, session

DAY = 86400.0


@pytest.fixture
def emu(circleci_emulator_factory):
    clock = Clock(start=1_700_000_000, frozen=True)
    emu = circleci_emulator_factory(clock=clock)
    emu.add_project(SLUG, config="""
version: 2.1
jobs: {build: {}, test: {}}
workflows:
  ci: {jobs: [build, {test: {requires: [build]}}]}
""")
    now = clock.now()
    # five runs on main, one on a branch; durations in seconds per job
    history = [
        (now - 5 * DAY, "main", "success", 60, 60),    # 120 s
        (now - 4 * DAY, "main", "failed", 60, 30),     # 90 s
        (now - 3 * DAY, "main", "failed", 60, 30),     # 90 s
        (now - 2 * DAY, "main", "success", 100, 100),  # 200 s: recovers 2 days after the first failure
        (now - 1 * DAY, "main", "success", 50, 50),    # 100 s
        (now - 1 * DAY, "dev", "failed", 10, 10),      # 20 s
    ]
    for at, branch, test_outcome, build_s, test_s in history:
        emu.add_pipeline(SLUG, branch=branch, created_at=at, outcomes={"test": test_outcome},
                         durations={"build": build_s, "test": test_s})
    return emu


def test_workflow_metrics_on_the_default_branch(emu):
    s = session(emu)
    (item,) = s.get(f"{emu.v2_url}/insights/{SLUG}/workflows").json()["items"]
    assert item["name"] == "ci" and item["project_id"] == emu.state.projects[SLUG].id
    m = item["metrics"]
    assert (m["total_runs"], m["successful_runs"], m["failed_runs"]) == (5, 3, 2)
    assert m["success_rate"] == pytest.approx(0.6)
    assert m["throughput"] == pytest.approx(5 / 90)
    assert m["total_recoveries"] == 1
    # first failure stopped at -4d+90s, the recovery stopped at -2d+200s
    assert m["mttr"] == int(2 * DAY + 110)
    d = m["duration_metrics"]
    assert (d["min"], d["max"], d["median"], d["mean"], d["p95"]) == (90, 200, 100, 120, 200)
    assert d["standard_deviation"] == pytest.approx((8600 / 5) ** 0.5)  # population deviation
    # credits: each job rounds up to whole minutes at 10 credits a minute
    assert m["total_credits_used"] == 10 * (1 + 1) + 10 * (1 + 1) * 2 + 10 * (2 + 2) + 10 * (1 + 1)
    emu.assert_valid()


def test_branch_all_branches_and_window(emu):
    s = session(emu)
    url = f"{emu.v2_url}/insights/{SLUG}/workflows"
    dev = s.get(url, params={"branch": "dev"}).json()["items"][0]["metrics"]
    assert dev["total_runs"] == 1 and dev["failed_runs"] == 1
    everything = s.get(url, params={"all-branches": "true"}).json()["items"][0]["metrics"]
    assert everything["total_runs"] == 6
    recent = s.get(url, params={"reporting-window": "last-24-hours"}).json()["items"]
    assert recent == [] or recent[0]["metrics"]["total_runs"] <= 1
    emu.assert_valid()


def test_workflow_runs(emu):
    s = session(emu)
    runs = s.get(f"{emu.v2_url}/insights/{SLUG}/workflows/ci").json()["items"]
    assert [r["status"] for r in runs] == ["success", "success", "failed", "failed", "success"]  # newest first
    assert [r["duration"] for r in runs] == [100, 200, 90, 90, 120]
    assert all(r["branch"] == "main" and r["is_approval"] is False for r in runs)
    all_runs = s.get(f"{emu.v2_url}/insights/{SLUG}/workflows/ci", params={"all-branches": "true"}).json()["items"]
    assert len(all_runs) == 6
    start = "2023-11-12T00:00:00Z"  # 1_700_000_000 is 2023-11-14T22:13:20Z
    since = s.get(f"{emu.v2_url}/insights/{SLUG}/workflows/ci", params={"start-date": start}).json()["items"]
    assert len(since) == 2
    assert s.get(f"{emu.v2_url}/insights/{SLUG}/workflows/nothing").json()["items"] == []
    emu.assert_valid()


def test_new_runs_count_once_finished(emu):
    s = session(emu)
    emu.state.job_duration = 30
    s.post(f"{emu.v2_url}/project/{SLUG}/pipeline", json={"branch": "main"})
    url = f"{emu.v2_url}/insights/{SLUG}/workflows"
    assert s.get(url).json()["items"][0]["metrics"]["total_runs"] == 5
    emu.advance(60)
    assert s.get(url).json()["items"][0]["metrics"]["total_runs"] == 6


def test_workflow_runs_page_without_a_start_date_while_the_clock_moves(circleci_emulator_factory):
    """The default window ends "now"; a page token must stay valid as the clock moves on."""
    clock = Clock(start=1_700_000_000, frozen=True)
    emu = circleci_emulator_factory(clock=clock, page_size=2)
    emu.add_project(SLUG, config="version: 2.1\njobs: {build: {}}\nworkflows:\n  ci: {jobs: [build]}\n")
    for days in (5, 4, 3, 2, 1):
        emu.add_pipeline(SLUG, created_at=clock.now() - days * DAY, branch="main", outcomes={"build": "success"},
                         durations={"build": 60})
    s = session(emu)
    url = f"{emu.v2_url}/insights/{SLUG}/workflows/ci"
    first = s.get(url).json()
    emu.advance(5)
    second = s.get(url, params={"page-token": first["next_page_token"]})
    assert second.status_code == 200, second.text
    assert len(first["items"]) + len(second.json()["items"]) >= 4
    emu.assert_valid()
