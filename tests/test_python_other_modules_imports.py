"""The dropped files' pass reads a whole import statement, through the CLI: a caller whose import of the
sender's module spans lines (`from tools.circle import (\n    client,\n)`, a backslash) is analysed like one
written on one line. The caller names no CircleCI route, so only that pass reads it."""
from __future__ import annotations

import json

from clirun import run_cli, write

from test_python_other_modules import CLIENT

CALLS = '''

def release(branch):
    ci = client.Circle("t")
    ci.me()
    return ci.trigger("acme/app", branch)
'''


def _findings(root):
    proc = run_cli("check", "--output-format", "json", ".", cwd=root)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc, json.loads(proc.stdout)["findings"]


def _at(findings, name):
    return sorted((f["line"], f["rule"], f["confidence"], f["fix"]) for f in findings if f["path"].endswith(name))


def _project(root, caller: str):
    write(root, "tools/__init__.py", "")
    write(root, "tools/circle/__init__.py", "")
    write(root, "tools/circle/client.py", CLIENT)
    return write(root, "jobs.py", caller)


def test_an_import_in_parentheses_over_several_lines(tmp_path):
    _project(tmp_path, "import sys\nfrom tools.circle import (\n    client,\n)\n" + CALLS)
    proc, findings = _findings(tmp_path)
    assert proc.returncode == 1
    assert _at(findings, "jobs.py") == [(9, "CCI137", "low", "manual"), (10, "CCI102", "low", "manual")]


def test_parentheses_with_other_names_and_a_comment_first(tmp_path):
    _project(tmp_path, "from tools.circle import (  # for the CI\n    os_helpers as helpers,\n"
                       "    client\n)\n" + CALLS)
    _proc, findings = _findings(tmp_path)
    assert _at(findings, "jobs.py") == [(9, "CCI137", "low", "manual"), (10, "CCI102", "low", "manual")]


def test_a_backslash_continued_import(tmp_path):
    _project(tmp_path, "from tools.circle import \\\n    client\n" + CALLS)
    _proc, findings = _findings(tmp_path)
    assert _at(findings, "jobs.py") == [(7, "CCI137", "low", "manual"), (8, "CCI102", "low", "manual")]


def test_a_name_only_inside_another_statements_parentheses_is_not_an_import(tmp_path):
    # `client` is a word of a call's arguments, not of the import (which names another module)
    _project(tmp_path, "from os import (\n    path,\n)\nprint(path.join('client', 'x'))\n")
    _proc, findings = _findings(tmp_path)
    assert _at(findings, "jobs.py") == []


def test_fix_rewrites_no_caller(tmp_path):
    text = "from tools.circle import (\n    client,\n)\n" + CALLS
    jobs = _project(tmp_path, text)
    proc = run_cli("fix", ".", cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    assert jobs.read_text() == text
    assert "jobs.py:9:" in proc.stdout and "CCI102 [manual]" in proc.stdout


# a class of the calling module that subclasses the sender's class and calls what it inherits
SUBCLASS = '''from tools.circle.client import Circle


class Mine(Circle):
    def release(self, branch):
        self.me()
        super().trigger("acme/app", branch)
        return self.describe()

    def again(self, branch):
        return self.trigger("acme/app", branch)


class Quiet(Circle):
    def me(self):
        return "nobody"

    def who(self):
        return self.me()


class Other:
    def me(self):
        return self.trigger("x", "y")
'''


def test_a_subclass_calling_an_inherited_sender(tmp_path):
    _project(tmp_path, SUBCLASS)
    _proc, findings = _findings(tmp_path)
    # me() and trigger() inherited (through self and super()); describe() sends nothing; Quiet's own me()
    # overrides the sender; Other is no subclass
    assert _at(findings, "jobs.py") == [(6, "CCI137", "low", "manual"), (7, "CCI102", "low", "manual"),
                                        (11, "CCI102", "low", "manual")]
    reason = next(f["reason"] for f in findings if f["path"].endswith("jobs.py") and f["line"] == 11)
    assert "Circle.trigger() in tools/circle/client.py, line 14" in reason


# a base class whose one sender takes its route from its callers, and subclasses that hand it one
BASE_ACTION = '''import requests

API_URL = "https://circleci.com/api/v1.1/"


class CircleAction:
    def _perform_request(self, path, method, data=None):
        url = API_URL + path
        if method == "GET":
            return requests.get(url, headers={"Accept": "application/json"})
        return requests.post(url, json=data, headers={"Accept": "application/json"})
'''

RETRY = '''from lib.action import CircleAction


class RetryBuild(CircleAction):
    def run(self, project, vcs_type, username, build_num):
        path = 'project/%s/%s/%s/%s/retry' % (vcs_type, username, project, build_num)
        return self._perform_request(path, method='POST')

    def anything(self, path):
        return self._perform_request(path, method='POST')
'''


def test_a_subclass_handing_a_route_it_writes_keeps_the_routes_finding_alone(tmp_path):
    write(tmp_path, "lib/__init__.py", "")
    write(tmp_path, "lib/action.py", BASE_ACTION)
    write(tmp_path, "retry_build.py", RETRY)
    _proc, findings = _findings(tmp_path)
    # the route written in run() is reported there with its own rule; the call in anything() hands a route
    # the file does not show: the sender's CCI144
    assert [(f["line"], f["rule"]) for f in findings if f["path"].endswith("retry_build.py")] == [
        (6, "CCI104"), (10, "CCI144")]
