"""Helpers shared by the emulator tests (tests/test_emulator_*.py)."""
from __future__ import annotations

from typing import Any, Callable, Dict, List

import requests

SLUG = "gh/acme/app"

CONFIG = """\
version: 2.1
parameters:
  deploy:
    type: boolean
    default: false
  image-tag:
    type: string
    default: latest
jobs:
  build: {docker: [{image: cimg/base:stable}], steps: [checkout]}
  test: {docker: [{image: cimg/base:stable}], steps: [checkout]}
  lint: {docker: [{image: cimg/base:stable}], steps: [checkout]}
  deploy: {docker: [{image: cimg/base:stable}], steps: [checkout]}
workflows:
  build-test:
    jobs:
      - build
      - test:
          requires: [build]
      - lint
  release:
    jobs:
      - deploy
"""


def project_emulator(factory: Callable[..., Any]) -> Any:
    """An emulator (from the circleci_emulator_factory fixture) serving SLUG with CONFIG, whose workflows
    appear 0.05 s after a trigger as they lag on the service."""
    emu = factory(workflow_delay=0.05)
    emu.add_project(SLUG, config=CONFIG)
    return emu


def session(emu: Any) -> requests.Session:
    s = requests.Session()
    s.headers["Circle-Token"] = emu.token
    return s


def trigger(s: requests.Session, emu: Any, slug: str = SLUG, **body: Any) -> Dict[str, Any]:
    r = s.post(f"{emu.v2_url}/project/{slug}/pipeline", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def workflows(s: requests.Session, emu: Any, pipeline_id: str) -> List[Dict[str, Any]]:
    r = s.get(f"{emu.v2_url}/pipeline/{pipeline_id}/workflow")
    assert r.status_code == 200, r.text
    return r.json()["items"]


def jobs(s: requests.Session, emu: Any, workflow_id: str) -> List[Dict[str, Any]]:
    r = s.get(f"{emu.v2_url}/workflow/{workflow_id}/job")
    assert r.status_code == 200, r.text
    return r.json()["items"]


def all_pages(s: requests.Session, url: str, **params: Any) -> List[List[Dict[str, Any]]]:
    pages = []
    token = None
    while True:
        query = dict(params)
        if token:
            query["page-token"] = token
        r = s.get(url, params=query)
        assert r.status_code == 200, r.text
        body = r.json()
        pages.append(body["items"])
        token = body["next_page_token"]
        if token is None:
            return pages
