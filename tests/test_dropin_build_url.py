"""build_url is the same for one build whichever call returns it: built from the configured host.

The v2 translations build it from the client's host; the v1.1 calls that stay on
v1.1 get it from the service, which builds it from its own host (the emulator
from its URL, as a server install from its hostname).
"""
from __future__ import annotations

import warnings

import pytest

from circleci_v2.shim import circleci, circleclient, pycircleci
from circleci_v2.shim import requests as shim_requests

pytest.importorskip("openapi_core", reason="the emulator needs the emulator extra")
from emulator_support import project_emulator  # noqa: E402


@pytest.fixture
def emu(circleci_emulator_factory):
    return project_emulator(circleci_emulator_factory)


def test_every_call_gives_one_build_url(emu):
    api = circleci.Api(emu.token, emu.url + "/api/v1.1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build = api.trigger_build("acme", "app", "main")
        num = build["build_num"]
        expected = f"{emu.url}/gh/acme/app/{num}"
        urls = {
            "circleci trigger_build": build["build_url"],
            "circleci get_build_info (v1.1)": api.get_build_info("acme", "app", num)["build_url"],
            "circleci get_build_info (use_v2)": circleci.Api(emu.token, emu.url + "/api/v1.1", use_v2=True)
            .get_build_info("acme", "app", num)["build_url"],
            "circleci get_recent_builds": {b["build_num"]: b["build_url"]
                                           for b in api.get_recent_builds(limit=10)}[num],
            "circleci get_project_build_summary (v1.1)": {
                b["build_num"]: b["build_url"] for b in api.get_project_build_summary("acme", "app")}[num],
            "pycircleci get_build_info (v1.1)": pycircleci.Api(emu.token, url=emu.url + "/api")
            .get_build_info("acme", "app", num)["build_url"],
            "circleclient build.status (v1)": circleclient.CircleClient(emu.token, url=emu.url + "/api/v1")
            .build.status("acme", "app", num)["build_url"],
            "requests GET v1.1 build": shim_requests.get(
                f"{emu.url}/api/v1.1/project/github/acme/app/{num}", headers={"Circle-Token": emu.token})
            .json()["build_url"],
            "requests recent-builds": {b["build_num"]: b["build_url"] for b in shim_requests.get(
                f"{emu.url}/api/v1.1/recent-builds", headers={"Circle-Token": emu.token}).json()}[num],
        }
        retried = api.retry_build("acme", "app", num)
        pushed = shim_requests.post(f"{emu.url}/api/v1.1/project/github/acme/app/tree/main",
                                    headers={"Circle-Token": emu.token}).json()
    assert {name: url for name, url in urls.items() if url != expected} == {}
    for again in (retried, pushed):
        assert again["build_url"] == f"{emu.url}/gh/acme/app/{again['build_num']}"
        assert api.get_build_info("acme", "app", again["build_num"])["build_url"] == again["build_url"]
