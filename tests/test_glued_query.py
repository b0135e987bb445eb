"""A variable written right after a route's last word (`.../artifacts${CIRCLE_TOKEN}`, where the variable
holds `?circle-token=...`) is the query string, not part of the route: the route is the artifacts list,
reported low with the reason, and not a build's details. Through the CLI, in a Makefile, a shell script and
Python."""
from __future__ import annotations

import json

from clirun import run_cli, write

MAKEFILE = '''REPO=acme/app
CIRCLE_TOKEN?=?circle-token=$(TOKEN)

ci-size:
\t@http https://circleci.com/api/v1.1/project/github/${REPO}/$(shell cat build_num)/artifacts${CIRCLE_TOKEN} | jq -r ".[].url"
\t@http https://circleci.com/api/v1.1/project/github/${REPO}/tree/main$(CIRCLE_TOKEN) | jq ".[0].build_num"
'''

SHELL = '''#!/bin/sh
# CIRCLE_QUERY comes from the environment (?circle-token=...)
curl -s -H "Accept: application/json" "https://circleci.com/api/v1.1/project/github/acme/app/$1/artifacts$CIRCLE_QUERY"
curl -s -X POST -H "Accept: application/json" "https://circleci.com/api/v1.1/project/github/acme/app/follow$CIRCLE_QUERY"
'''

PYTHON = '''import requests

def artifacts(num, query):
    return requests.get(f"https://circleci.com/api/v1.1/project/github/acme/app/{num}/artifacts{query}",
                        headers={"Accept": "application/json"})
'''


def _endpoint(tmp_path, name, text):
    write(tmp_path, name, text)
    proc = run_cli("check", "--output-format", "json", name, cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    return [(f["line"], f["rule"], f["confidence"], f["reason"]) for f in json.loads(proc.stdout)["findings"]
            if f["rule"].startswith("CCI13")]


def test_makefile_token_variable_after_the_route(tmp_path):
    found = _endpoint(tmp_path, "Makefile", MAKEFILE)
    # the branch of tree/:branch takes what follows it anyway; the rule is the same either way
    assert [(line, rule) for line, rule, _c, _r in found] == [(5, "CCI132"), (6, "CCI133")]
    assert found[0][2] == "low"
    assert "${CIRCLE_TOKEN}, written right after `artifacts`, is assumed to be the query string" in found[0][3]


def test_shell_query_variable_after_the_route(tmp_path):
    found = _endpoint(tmp_path, "sizes.sh", SHELL)
    assert [(line, rule) for line, rule, _c, _r in found] == [(3, "CCI132"), (4, "CCI139")]
    assert [(conf, reason) for _l, _r, conf, reason in found] == [
        ("low", "$CIRCLE_QUERY, written right after `artifacts`, is assumed to be the query string"),
        ("low", "$CIRCLE_QUERY, written right after `follow`, is assumed to be the query string")]


def test_python_field_after_the_route(tmp_path):
    assert [(line, rule) for line, rule, _c, _r in _endpoint(tmp_path, "artifacts.py", PYTHON)] == [(4, "CCI132")]
