"""Python 2 files: read in full once their Python 2 statements are rewritten (print, except E, e, raise E, v,
backticks, 0777), through the CLI. What is found is low confidence and left to a person; the syntax error
stays the file's problem."""
from __future__ import annotations

import json

from clirun import run_cli, write

# A cancel-redundant-builds script in the Python 2 of its day: the base is made by a helper and handed to
# the functions that send, so the routes are only whole at the calls in __main__.
CANCELLER = '''import json, os, urllib2

def base_url(slug):
    return "https://circleci.com/api/v1.1/project/github/%s" % slug

def running(base, branch, token):
    url = "{BASE}/tree/{BRANCH}?circle-token={TOKEN}".format(BASE=base, BRANCH=branch, TOKEN=token)
    print "listing", url
    try:
        return json.load(urllib2.urlopen(urllib2.Request(url, headers={"Accept": "application/json"})))
    except urllib2.HTTPError, e:
        print >>sys.stderr, "failed", `e`
        raise SystemExit, 1

def cancel(base, token, num):
    url = "{BASE}/{NUM}/cancel?circle-token={TOKEN}".format(BASE=base, NUM=num, TOKEN=token)
    urllib2.urlopen(urllib2.Request(url, data="", headers={"Accept": "application/json"}))

if __name__ == "__main__":
    base = base_url(os.environ["CIRCLE_PROJECT_USERNAME"] + "/" + os.environ["CIRCLE_PROJECT_REPONAME"])
    for build in running(base, os.environ["CIRCLE_BRANCH"], os.environ["CIRCLE_TOKEN"]):
        if build["status"] == "running": cancel(base, os.environ["CIRCLE_TOKEN"], build["build_num"])
    os.chmod("done", 0644)
'''

# An own v1 client whose only Python 2 is an `except X, e:`; its routes are built with `+`.
CLIENT = '''import urllib2

class Circle(object):
    def __init__(self, token):
        self.base = "https://circleci.com/api/v1/project/"
        self.token = token

    def _get(self, url):
        try:
            return urllib2.urlopen(urllib2.Request(url + "?circle-token=" + self.token,
                                                   headers={"Accept": "application/json"})).read()
        except urllib2.URLError, err:
            return None

    def env(self, user, repo):
        return self._get(self.base + user + "/" + repo + "/envvar")

    def details(self, user, repo, num):
        return self._get(self.base + user + "/" + repo + "/" + str(num))
'''


def _check(tmp_path, name):
    proc = run_cli("check", "--output-format", "json", name, cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc, json.loads(proc.stdout)["findings"]


def test_a_python2_script_is_read_in_full_and_its_routes_found_where_they_are_whole(tmp_path):
    write(tmp_path, "cancel_builds.py", CANCELLER)
    proc, findings = _check(tmp_path, "cancel_builds.py")
    assert proc.returncode == 2 and "cancel_builds.py: error: syntax error at line" in proc.stderr
    endpoint = sorted((f["line"], f["rule"]) for f in findings if f["rule"] in ("CCI130", "CCI133"))
    assert endpoint == [(21, "CCI133"), (22, "CCI130")]  # the calls that hand the base to the senders
    assert all(f["confidence"] == "low" and f["fix"] == "manual" for f in findings)
    assert all(f["reason"].startswith("does not parse as Python 3 (read after rewriting its Python 2 statements)")
               for f in findings)


def test_fix_leaves_a_python2_file_as_it_is(tmp_path):
    path = write(tmp_path, "cancel_builds.py", CANCELLER)
    proc = run_cli("fix", "cancel_builds.py", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "CCI130 [manual] does not parse as Python 3" in proc.stdout
    assert path.read_text() == CANCELLER


def test_an_own_v1_client_with_one_python2_except(tmp_path):
    write(tmp_path, "circle.py", CLIENT)
    _proc, findings = _check(tmp_path, "circle.py")
    endpoint = sorted((f["line"], f["rule"]) for f in findings if f["rule"].startswith("CCI13"))
    assert endpoint == [(16, "CCI134"), (19, "CCI131")]


def test_a_file_that_is_not_python2_either_keeps_its_string_routes(tmp_path):
    write(tmp_path, "half.py", 'import requests\nrequests.post("https://circleci.com/api/v1.1/project/github/a/b/tree/m"\n'
                               'print "unterminated\n')
    proc, findings = _check(tmp_path, "half.py")
    assert proc.returncode == 2
    assert [(f["line"], f["rule"], f["reason"]) for f in findings] == [(2, "CCI102", "does not parse as Python 3")]


def test_uritemplate_query_expansion_is_not_part_of_the_route(tmp_path):
    write(tmp_path, "retry.py", '''import requests, uritemplate

RETRY = "https://circleci.com/api/v1.1/project/{vcs}/{user}/{project}/{num}/retry{?circle-token}"

def retry(args):
    return requests.post(uritemplate.expand(RETRY, args), headers={"Accept": "application/json"})
''')
    _proc, findings = _check(tmp_path, "retry.py")
    assert [f["rule"] for f in findings if f["rule"].startswith("CCI10")] == ["CCI104"]
