"""List methods iterate lazily over every page (next_page_token -> page-token), with caps."""
from __future__ import annotations

import time

import pytest

from circleci_v2.shim.client import CircleCIClient
from circleci_v2.shim.errors import InvalidResponse
from circleci_v2.shim.pagination import PageIterator

SLUG = "gh/acme/app"


@pytest.fixture
def emu(circleci_emulator_factory):
    emu = circleci_emulator_factory(page_size=2)
    emu.add_project(SLUG)
    for n in range(7):
        emu.add_pipeline(SLUG, branch="main" if n % 2 == 0 else "dev")
    return emu


@pytest.fixture
def client(emu):
    with CircleCIClient(emu.token, emu.url) as c:
        yield c


def test_iterates_over_every_page_lazily(client, emu):
    emu.clear_calls()
    pipelines = client.list_project_pipelines(SLUG)
    assert isinstance(pipelines, PageIterator)
    time.sleep(0.01)
    assert emu.calls == [], "nothing is fetched before the first item is asked for"
    numbers = [p["number"] for p in pipelines]
    assert numbers == [7, 6, 5, 4, 3, 2, 1]
    assert pipelines.pages_fetched == 4 and pipelines.next_page_token is None
    calls = emu.calls
    assert [c.operation_id for c in calls] == ["listPipelinesForProject"] * 4
    tokens = [c.query.get("page-token") for c in calls]
    assert tokens[0] is None and all(t and len(t) == 1 for t in tokens[1:])
    assert len({t[0] for t in tokens[1:]}) == 3
    assert all(c.valid for c in calls)


def test_pages_are_fetched_only_as_far_as_needed(client, emu):
    emu.clear_calls()
    it = client.list_project_pipelines(SLUG)
    assert next(it)["number"] == 7 and next(it)["number"] == 6
    assert len(emu.calls) == 1
    assert next(it)["number"] == 5
    assert len(emu.calls) == 2


def test_branch_filter_is_kept_on_every_page(client, emu):
    emu.clear_calls()
    assert [p["number"] for p in client.list_project_pipelines(SLUG, branch="main")] == [7, 5, 3, 1]
    calls = emu.calls
    assert len(calls) == 2 and all(c.query["branch"] == ["main"] for c in calls)


def test_max_items_caps_and_stops_fetching(client, emu):
    emu.clear_calls()
    items = list(client.list_project_pipelines(SLUG, max_items=3))
    assert [p["number"] for p in items] == [7, 6, 5]
    assert len(emu.calls) == 2
    assert list(client.list_project_pipelines(SLUG, max_items=0)) == []


def test_max_pages_caps_and_gives_a_resume_token(client, emu):
    it = client.list_project_pipelines(SLUG, max_pages=3)
    assert [p["number"] for p in it] == [7, 6, 5, 4, 3, 2]
    assert it.pages_fetched == 3 and it.next_page_token


def test_page_by_page(client, emu):
    pages = list(client.list_project_pipelines(SLUG).pages())
    assert [[p["number"] for p in page] for page in pages] == [[7, 6], [5, 4], [3, 2], [1]]


def test_other_lists_page_too(client, emu):
    assert len(list(client.list_my_pipelines(SLUG))) == 7
    assert len(list(client.list_pipelines("gh/acme"))) == 7
    for n in range(5):
        client.create_env_var(SLUG, f"VAR_{n}", "value")
    assert [v["name"] for v in client.list_env_vars(SLUG)] == [f"VAR_{n}" for n in range(5)]


def test_repeated_token_is_an_error_not_a_loop():
    pages = iter([{"items": [1], "next_page_token": "a"}, {"items": [2], "next_page_token": "a"}])
    it = PageIterator(lambda token: next(pages), operation_id="listX")
    with pytest.raises(InvalidResponse, match="page token 'a' twice"):
        list(it)


def test_reply_without_items_is_an_error():
    it = PageIterator(lambda token: {"message": "?"}, operation_id="listX")
    with pytest.raises(InvalidResponse, match="no `items` list"):
        next(it)


def test_insights_runs_page_too(client, emu):
    # Five finished runs of the default workflow, in the past (Insights only counts finished runs).
    now = emu.clock.now()
    for n in range(5):
        emu.add_pipeline(SLUG, branch="main", created_at=now - 3600 * (n + 1))
    runs = client.list_workflow_runs(SLUG, _workflow_name(client), branch="main",
                                     start_date="2020-01-01T00:00:00Z")
    assert len(list(runs)) >= 5 and runs.pages_fetched >= 3


def _workflow_name(client):
    """The name the emulator gives the workflow of a project without a config."""
    pipeline = next(iter(client.list_project_pipelines(SLUG, max_items=1)))
    return next(iter(client.list_pipeline_workflows(pipeline["id"])))["name"]
