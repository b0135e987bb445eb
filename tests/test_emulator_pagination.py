"""List endpoints page with next_page_token / page-token; a small page size makes 3+ pages cheap."""
from __future__ import annotations

import pytest

from emulator_support import SLUG, all_pages, session, trigger, workflows


@pytest.fixture
def emu(circleci_emulator_factory):
    emu = circleci_emulator_factory(page_size=2)
    emu.add_project(SLUG, config="""
version: 2.1
jobs: {a: {}, b: {}, c: {}, d: {}, e: {}}
workflows:
  w1: {jobs: [a, b, c, d, e]}
  w2: {jobs: [a]}
  w3: {jobs: [b]}
  w4: {jobs: [c]}
  w5: {jobs: [d]}
""", artifacts={"a": [f"out/{i}.txt" for i in range(5)]})
    return emu


def test_project_pipelines_over_three_pages(emu):
    s = session(emu)
    for _ in range(7):
        trigger(s, emu)
    pages = all_pages(s, f"{emu.v2_url}/project/{SLUG}/pipeline")
    assert [len(p) for p in pages] == [2, 2, 2, 1]
    assert [p["number"] for page in pages for p in page] == [7, 6, 5, 4, 3, 2, 1]
    emu.assert_valid()


def test_every_list_endpoint_pages(emu):
    s = session(emu)
    created = trigger(s, emu)
    for i in range(5):
        s.post(f"{emu.v2_url}/project/{SLUG}/envvar", json={"name": f"V{i}", "value": "value"})
        s.post(f"{emu.v2_url}/project/{SLUG}/checkout-key", json={"type": "deploy-key"})
    w1 = next(w for w in workflows(s, emu, created["id"]) if w["name"] == "w1")
    urls = [
        f"{emu.v2_url}/pipeline/{created['id']}/workflow",
        f"{emu.v2_url}/workflow/{w1['id']}/job",
        f"{emu.v2_url}/project/{SLUG}/envvar",
        f"{emu.v2_url}/project/{SLUG}/checkout-key",
        f"{emu.v2_url}/project/{SLUG}/1/artifacts",
        f"{emu.v2_url}/insights/{SLUG}/workflows",
    ]
    for url in urls:
        pages = all_pages(s, url)
        assert len(pages) >= 3, url
        flat = [item for page in pages for item in page]
        assert len(flat) == 5, url
    emu.assert_valid()


def test_org_and_mine_lists_page(emu):
    s = session(emu)
    for _ in range(5):
        trigger(s, emu)
    assert [len(p) for p in all_pages(s, f"{emu.v2_url}/pipeline", **{"org-slug": "gh/acme"})] == [2, 2, 1]
    assert [len(p) for p in all_pages(s, f"{emu.v2_url}/project/{SLUG}/pipeline/mine")] == [2, 2, 1]


def test_a_bad_or_foreign_page_token_is_refused(emu):
    s = session(emu)
    for _ in range(3):
        trigger(s, emu)
    token = s.get(f"{emu.v2_url}/project/{SLUG}/pipeline").json()["next_page_token"]
    assert token
    r = s.get(f"{emu.v2_url}/project/{SLUG}/pipeline", params={"page-token": "not-a-token!"})
    assert r.status_code == 400 and r.json()["message"] == "Invalid page token."
    other = s.get(f"{emu.v2_url}/project/{SLUG}/envvar", params={"page-token": token})
    assert other.status_code == 400


def test_an_empty_page_token_means_the_first_page(emu):
    s = session(emu)
    for _ in range(3):
        trigger(s, emu)
    r = s.get(f"{emu.v2_url}/project/{SLUG}/pipeline", params={"page-token": ""})
    assert r.status_code == 200 and [p["number"] for p in r.json()["items"]] == [3, 2]
    emu.assert_valid()
