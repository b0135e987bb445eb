"""API v1 (not v1.1) routes: the ones v1 had, under /api/v1/project/:user/:project/..., get the same rules as
their v1.1 forms (envvar, checkout-key, tests), through the CLI and on the emulator."""
from __future__ import annotations

import json

import pytest

from clirun import run_cli, write
from emulator_support import SLUG, session

# An own client over API v1, written the way old scripts were: a base, then routes glued on per method.
V1_CLIENT = '''import requests

class Circle:
    def __init__(self, token, base="https://circleci.com/api/v1"):
        self.base = base
        self.params = {"circle-token": token}

    def env(self, user, repo):
        return requests.get(self.base + "/project/" + user + "/" + repo + "/envvar",
                            params=self.params, headers={"Accept": "application/json"})

    def drop(self, user, repo, name):
        return requests.delete(self.base + "/project/" + user + "/" + repo + "/envvar/" + name,
                               params=self.params, headers={"Accept": "application/json"})

    def keys(self, user, repo):
        return requests.get("%s/project/%s/%s/checkout-key" % (self.base, user, repo),
                            params=self.params, headers={"Accept": "application/json"})

    def tests(self, user, repo, num):
        return requests.get(f"{self.base}/project/{user}/{repo}/{num}/tests",
                            params=self.params, headers={"Accept": "application/json"})
'''

V1_SHELL = '''#!/bin/sh
curl -s -X POST -H "Accept: application/json" -H "Content-Type: application/json" \\
  -d '{"name": "NPM_TOKEN", "value": "x"}' \\
  "https://circleci.com/api/v1/project/acme/app/envvar?circle-token=$CIRCLE_TOKEN"
curl -s -H "Accept: application/json" "https://circleci.com/api/v1/project/acme/app/checkout-key?circle-token=$T"
'''


def _found(tmp_path, name):
    proc = run_cli("check", "--output-format", "json", name, cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    return sorted((f["line"], f["rule"]) for f in json.loads(proc.stdout)["findings"]
                  if f["rule"] in ("CCI134", "CCI135", "CCI136"))


def test_v1_envvar_checkout_key_and_tests_routes_in_python(tmp_path):
    write(tmp_path, "circle.py", V1_CLIENT)
    assert _found(tmp_path, "circle.py") == [(9, "CCI134"), (13, "CCI134"), (17, "CCI135"), (21, "CCI136")]


def test_v1_envvar_and_checkout_key_routes_in_shell(tmp_path):
    write(tmp_path, "setup.sh", V1_SHELL)
    assert _found(tmp_path, "setup.sh") == [(2, "CCI134"), (5, "CCI135")]


@pytest.fixture
def emu(circleci_emulator):
    circleci_emulator.add_project(SLUG)
    return circleci_emulator


def test_the_emulator_answers_the_v1_envvar_routes(emu):
    s = session(emu)
    v1 = emu.url + "/api/v1/project/acme/app/envvar"
    json_header = {"Accept": "application/json"}
    assert s.post(v1, headers=json_header, json={"name": "K", "value": "abcdef"}).status_code == 201
    assert s.get(v1, headers=json_header).json() == [{"name": "K", "value": "xxxxcdef"}]
    assert emu.calls[-1].rule_id == "CCI134" and emu.calls[-1].api == "v1"
    assert s.delete(v1 + "/K", headers=json_header).json() == {"message": "ok"}
