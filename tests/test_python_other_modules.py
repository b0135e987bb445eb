"""v1.1 calls made through another module of the project, through the CLI: a client class in one module and a
script that calls it, an endpoint table whose dispatch is elsewhere, a Python 2 caller, a generic sender handed
a route. The caller names no CircleCI route or root, so the pre-filter alone would never read it."""
from __future__ import annotations

import json

from clirun import run_cli, write

# tools/circle/client.py: an own v1.1 client class; every method sends one route
CLIENT = '''import requests

API = "https://circleci.com/api/v1.1"


class Circle:
    def __init__(self, token):
        self.token = token

    def _get(self, path):
        return requests.get(API + path, headers={"Accept": "application/json", "Circle-Token": self.token})

    def trigger(self, slug, branch):
        return requests.post(API + "/project/github/" + slug + "/tree/" + branch,
                             headers={"Accept": "application/json", "Circle-Token": self.token})

    def me(self):
        return self._get("/me")

    def describe(self):
        return "a client"


def recent():
    return requests.get(API + "/recent-builds", headers={"Accept": "application/json"})
'''

# scripts/release.py: imports the class and the function by name; nothing here names CircleCI
RELEASE = '''import sys
from tools.circle.client import Circle, recent


class Releaser:
    def __init__(self, token):
        self.ci = Circle(token)

    def go(self, branch):
        return self.ci.trigger("acme/app", branch)


circle = Circle(sys.argv[1])
print(circle.me())
print(circle.describe())
Releaser(sys.argv[1]).go("main")
recent()
'''

# a gateway with a name-keyed endpoint table; the method that sends it is in a base class the project does
# not show
GATEWAY = '''from base_gateway import Gateway


class CiGateway(Gateway):
    def __init__(self, token):
        self._host_url = "https://circleci.com/api/v1.1"
        self._api = {
            "builds": {
                "path": "/project/{vcs}/{user}/{project}/tree/{branch}",
                "method": "GET",
            },
            "new_build": {
                "path": "/project/{vcs}/{user}/{project}/tree/{branch}",
                "method": "POST",
            },
        }
'''

# a Python 2 script of the same project: print statements, `import module` and module.Class
PY2_CALLER = '''import os
import gateway

api = gateway.CiGateway(os.environ["TOKEN"])
result = api.call("new_build", vcs="github", user="acme", project="app", branch="main")
for b in api.call("builds", vcs="github", user="acme", project="app", branch="main"):
    print b["build_num"]
api.call("unknown_entry")
'''


def _check(root, *args):
    proc = run_cli("check", "--output-format", "json", *args, cwd=root)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc, json.loads(proc.stdout)["findings"]


def _at(findings, name):
    return sorted((f["line"], f["rule"]) for f in findings if f["path"].endswith(name))


def test_a_script_calling_a_client_class_of_another_module_is_reported_at_its_calls(tmp_path):
    write(tmp_path, "tools/__init__.py", "")
    write(tmp_path, "tools/circle/__init__.py", "")
    write(tmp_path, "tools/circle/client.py", CLIENT)
    write(tmp_path, "scripts/release.py", RELEASE)
    proc, findings = _check(tmp_path, ".")
    assert proc.returncode == 1
    # me() through an instance, trigger() through self.ci built in __init__, the module function by name;
    # describe() sends nothing
    assert _at(findings, "release.py") == [(10, "CCI102"), (14, "CCI137"), (17, "CCI107")]
    at_callers = [f for f in findings if f["path"].endswith("release.py")]
    assert all(f["confidence"] == "low" and f["fix"] == "manual" for f in at_callers)
    trigger = next(f for f in at_callers if f["rule"] == "CCI102")
    assert trigger["severity"] == "error"
    assert "Circle.trigger() in tools/circle/client.py, line 14" in trigger["reason"]
    # the module's own findings are unchanged
    assert (14, "CCI102") in _at(findings, "client.py")


def test_the_caller_alone_on_the_command_line_is_not_enough_and_fix_rewrites_no_caller(tmp_path):
    write(tmp_path, "tools/__init__.py", "")
    write(tmp_path, "tools/circle/__init__.py", "")
    write(tmp_path, "tools/circle/client.py", CLIENT)
    release = write(tmp_path, "scripts/release.py", RELEASE)
    # named alone it is not a candidate and no candidate of the run holds a sender: nothing to report
    proc, findings = _check(tmp_path, "scripts/release.py")
    assert proc.returncode == 0 and findings == []
    proc = run_cli("fix", ".", cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    assert release.read_text() == RELEASE
    assert proc.returncode == 1
    assert ("scripts/release.py:10:16: CCI102 [manual] the request is sent by Circle.trigger() in "
            "tools/circle/client.py, line 14; change it there") in proc.stdout


def test_an_endpoint_table_entry_named_at_a_python2_callers_call(tmp_path):
    write(tmp_path, "gateway.py", GATEWAY)
    caller = write(tmp_path, "run_build.py", PY2_CALLER)
    proc, findings = _check(tmp_path, ".")
    assert proc.returncode == 2  # the Python 2 caller's syntax error stays its problem
    assert "run_build.py: error: syntax error" in proc.stderr
    assert _at(findings, "run_build.py") == [(5, "CCI102"), (6, "CCI133")]  # not the unknown entry
    new_build = next(f for f in findings if f["path"].endswith("run_build.py") and f["line"] == 5)
    assert "`new_build` of CiGateway's endpoint table (gateway.py, line 13)" in new_build["reason"]
    assert new_build["severity"] == "error" and new_build["fix"] == "manual"
    proc = run_cli("fix", ".", cwd=tmp_path)
    assert caller.read_text() == PY2_CALLER


def test_a_generic_sender_handed_a_route_string_by_another_module(tmp_path):
    write(tmp_path, "ci_http.py", '''import requests

API_URL = "%s/%s/" % ("https://circleci.com/api", "v1.1")


def send(path, body=None):
    url = API_URL + path
    if body is None:
        return requests.get(url, headers={"Accept": "application/json"})
    return requests.post(url, json=body, headers={"Accept": "application/json"})
''')
    write(tmp_path, "tasks.py", '''from ci_http import send

send("project/github/acme/app/tree/main", {"build_parameters": {}})
send(route_from_somewhere())
send("me")
''')
    _proc, findings = _check(tmp_path, ".")
    tasks = [f for f in findings if f["path"].endswith("tasks.py")]
    # the verb is the sender's: the most consequential rule the route allows, the others named
    assert sorted((f["line"], f["rule"]) for f in tasks) == [(3, "CCI102"), (4, "CCI144"), (5, "CCI137")]
    trigger = next(f for f in tasks if f["rule"] == "CCI102")
    assert "CCI133 if GET" in trigger["reason"]
    assert all(f["confidence"] == "low" for f in tasks)
    unresolved = next(f for f in tasks if f["rule"] == "CCI144")
    assert "route comes from its callers" in unresolved["reason"]


def test_a_run_without_senders_reports_what_it_did_before(tmp_path):
    write(tmp_path, "helpers.py", "def add(a, b):\n    return a + b\n")
    write(tmp_path, "main.py", "from helpers import add\nprint(add(1, 2))\n")
    proc, findings = _check(tmp_path, ".")
    assert proc.returncode == 0 and findings == []


def test_worker_processes_hand_their_senders_to_the_dropped_files_pass(tmp_path):
    # enough candidate source for the run to analyse in worker processes (run.PARALLEL_MIN_BYTES)
    padding = "".join(f"# padding line {i} so that this module is large enough for workers\n" for i in range(9000))
    write(tmp_path, "tools/__init__.py", "")
    write(tmp_path, "tools/circle/__init__.py", "")
    write(tmp_path, "tools/circle/client.py", CLIENT + padding)
    write(tmp_path, "other.py", "import requests\nrequests.get('https://circleci.com/api/v1.1/me')\n" + padding)
    write(tmp_path, "scripts/release.py", RELEASE)
    _proc, findings = _check(tmp_path, "--jobs", "2", ".")
    assert _at(findings, "release.py") == [(10, "CCI102"), (14, "CCI137"), (17, "CCI107")]


def test_a_legacy_client_call_keeps_its_own_finding_alone(tmp_path):
    # a vendored copy of a legacy client: the client rule reports the call; the copy's route is not repeated
    write(tmp_path, "circleci/__init__.py", "")
    write(tmp_path, "circleci/experimental.py", '''import requests


class Experimental:
    def __init__(self, token):
        self.token = token

    def retry_no_cache(self, username, project, build_num):
        url = "https://circleci.com/api/v1.1/project/github/{}/{}/{}/retry".format(username, project, build_num)
        return requests.post(url, data={"no-cache": "true"}, headers={"Accept": "application/json"})
''')
    write(tmp_path, "tests/test_live.py", '''import os
from circleci.experimental import Experimental

e = Experimental(os.getenv("CIRCLE_TOKEN"))
e.retry_no_cache("acme", "app", 1)
''')
    _proc, findings = _check(tmp_path, ".")
    assert _at(findings, "test_live.py") == [(2, "CCI115"), (5, "CCI114")]  # the import, the client method


def test_a_python2_file_that_calls_no_sender_stays_unread(tmp_path):
    write(tmp_path, "gateway.py", GATEWAY)
    # imports a module of the same name elsewhere (its own folder's), calls nothing of the gateway
    write(tmp_path, "legacy/gateway.py", "def ping():\n    return 1\n")
    write(tmp_path, "legacy/old.py", "import gateway\nprint gateway.ping()\n")
    proc, findings = _check(tmp_path, ".")
    assert "old.py" not in proc.stderr and not _at(findings, "old.py")


def test_fix_in_a_caller_that_is_a_candidate_rewrites_only_what_it_did_before(tmp_path):
    write(tmp_path, "tools/__init__.py", "")
    write(tmp_path, "tools/client.py", CLIENT)
    main = write(tmp_path, "main.py", '''import requests
from tools.client import Circle

requests.post("https://circleci.com/api/v1.1/project/github/acme/app/tree/main", headers={"Accept": "application/json"})
Circle("t").me()
''')
    proc = run_cli("fix", "--unsafe-fixes", ".", cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    text = main.read_text()
    assert "/api/v2/project/gh/acme/app/pipeline" in text  # the file's own trigger, as before
    assert text.endswith('Circle("t").me()\n')  # the caller's call is left for a person
    assert "main.py:5:1: CCI137 [manual] the request is sent by Circle.me() in tools/client.py" in proc.stdout


def test_instances_from_a_with_statement_and_an_annotated_parameter(tmp_path):
    write(tmp_path, "tools/__init__.py", "")
    write(tmp_path, "tools/circle/__init__.py", "")
    write(tmp_path, "tools/circle/client.py", CLIENT)  # (the analysis does not ask for __enter__)
    write(tmp_path, "jobs.py", '''from tools.circle import client


def release(ci: client.Circle, branch):
    return ci.trigger("acme/app", branch)


def whoami(ci: "client.Circle"):
    return ci.me()


with client.Circle("t") as ci2:
    ci2.me()
''')
    _proc, findings = _check(tmp_path, ".")
    assert _at(findings, "jobs.py") == [(5, "CCI102"), (9, "CCI137"), (13, "CCI137")]
