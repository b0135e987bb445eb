"""Routes built across a project's own helpers: a returned prefix extended by its callers, a base URL
handed in as a parameter, a generic sender whose route comes from the callers.

Each test is a shape real v1.1 code takes (written here, not copied). A helper that returns
`/project/github/{user}/{project}` is not itself a request: the routes are where its result is extended
and sent, and a bare project root whose verb nothing shows is never reported at error level.
"""
from __future__ import annotations

import json
import textwrap
from typing import List, Tuple

from circleci_v2.migrate.python import analyse
from circleci_v2.rules import load_catalogue
from clirun import run_cli

CATALOGUE = load_catalogue()


def run(code: str) -> list:
    return analyse(textwrap.dedent(code), "t.py", CATALOGUE)


def endpoints(code: str) -> List[Tuple[int, str, str]]:
    """(line, rule, confidence) of the endpoint findings."""
    return sorted((f.line, f.rule_id, f.confidence) for f in run(code) if CATALOGUE[f.rule_id].kind == "endpoint")


CLIENT = '''
    from .base import Base

    class Circle(Base):
        api = "https://circleci.com/api/v1.1"

        def _project_url(self, slug):
            return "/project/github/acme/{}".format(slug)

        def follow(self, slug):
            url = self._project_url(slug) + "/follow"
            self._post(url=url)

        def unfollow(self, slug):
            self._post(url=self._project_url(slug) + "/unfollow")

        def envvars(self, slug):
            url = self._project_url(slug) + "/envvar"
            return self._get(url=url)

        def delete_envvar(self, slug, name):
            url = self._project_url(slug) + "/envvar"
            self._delete(url=url + "/" + name)
    '''


def test_a_method_returned_prefix_extended_by_callers_is_reported_at_each_send():
    assert endpoints(CLIENT) == [(11, "CCI139", "low"), (15, "CCI139", "low"), (18, "CCI134", "low"),
                                 (23, "CCI134", "low")]


def test_the_helper_returning_the_prefix_is_not_a_trigger():
    found = run(CLIENT)
    assert not [f for f in found if f.line == 8]
    assert not [f for f in found if f.severity == "error"]


def test_the_send_of_an_extended_route_takes_the_verb_of_its_sender():
    [f] = [f for f in run(CLIENT) if f.line == 23]
    assert f.site.verb == "DELETE"
    assert "GET assumed" not in (f.reason or "")
    assert "`self._delete`" in f.reason


def test_a_module_helper_returning_a_prefix_is_followed_to_its_callers():
    code = '''
        import requests
        API = "https://circleci.com/api/v1.1"

        def project(user, name):
            return "{}/project/github/{}/{}".format(API, user, name)

        def settings(user, name, token):
            return requests.post(project(user, name) + "/follow", headers={"Circle-Token": token})
        '''
    assert [(line, rule) for line, rule, _ in endpoints(code)] == [(9, "CCI139")]


def test_a_returned_prefix_not_used_in_the_file_is_never_an_error_level_trigger():
    # the callers are in another module; the file also sends POST elsewhere
    code = '''
        from .base import Base

        class Circle(Base):
            def project_url(self, slug):
                return "/project/github/acme/{}".format(slug)

            def save(self, data):
                self._post(url="/me", data=data)
        '''
    [f] = [f for f in run(code) if f.line == 6]
    assert f.severity != "error" and f.rule_id == "CCI133"
    assert "CCI101 if POST" in f.reason and f.confidence == "low"


def test_a_bare_project_root_posted_is_still_a_trigger():
    code = '''
        import requests
        def go(token):
            requests.post("https://circleci.com/api/v1.1/project/github/acme/app", headers={"Accept": "application/json"})
        '''
    assert [rule for _, rule, _ in endpoints(code)] == ["CCI101"]


def test_unfollow_is_reported_as_follow_rule_through_the_cli(tmp_path):
    (tmp_path / "circle.py").write_text(textwrap.dedent(CLIENT))
    proc = run_cli("check", "--output-format", "json", "circle.py", cwd=tmp_path)
    found = sorted((f["line"], f["rule"]) for f in json.loads(proc.stdout)["findings"])
    assert found == [(11, "CCI139"), (15, "CCI139"), (18, "CCI134"), (23, "CCI134")]
    assert proc.returncode == 1


BASE_PARAM = '''
    import requests
    BASE_URL = "https://circleci.com/api/v1.1/project/github"

    def send(url, params):
        return requests.get(url, params=params, headers={"Accept": "application/json"})

    def latest(base_url, branch, token):
        return send("{}/tree/{}".format(base_url, branch), {"circle-token": token})

    def artifacts(base_url, num, token):
        return send("{}/{}/artifacts".format(base_url, num), {"circle-token": token})

    def main(user, project, token):
        url = "{}/{}/{}".format(BASE_URL, user, project)
        artifacts(url, latest(url, "main", token), token)
    '''


def test_a_base_url_parameter_is_bound_at_the_files_own_call_sites():
    assert endpoints(BASE_PARAM) == [(9, "CCI133", "high"), (12, "CCI132", "high")]
    tokens = [f for f in run(BASE_PARAM) if f.rule_id == "CCI121"]
    assert sorted(f.line for f in tokens) == [9, 12]
    assert all("base URL not resolved" not in (f.reason or "") for f in tokens)


def test_call_sites_that_disagree_make_the_route_low():
    code = '''
        import requests
        V1 = "https://circleci.com/api/v1.1/project/github"
        V2 = "https://circleci.com/api/v2/project/gh"

        def send(url):
            return requests.get(url, headers={"Accept": "application/json"})

        def latest(base_url, branch):
            return send("{}/tree/{}".format(base_url, branch))

        def main(user, project):
            latest("{}/{}/{}".format(V1, user, project), "main")
            latest("{}/{}/{}".format(V2, user, project), "main")
        '''
    [f] = [f for f in run(code) if f.rule_id == "CCI133"]
    assert (f.line, f.confidence) == (10, "low")
    assert "the URL depends on which call of latest() runs (lines 13, 14)" in f.reason


def test_a_base_url_parameter_bound_at_call_sites_through_the_cli(tmp_path):
    (tmp_path / "getter.py").write_text(textwrap.dedent(BASE_PARAM))
    proc = run_cli("check", "--output-format", "json", "getter.py", cwd=tmp_path)
    found = sorted((f["line"], f["rule"]) for f in json.loads(proc.stdout)["findings"])
    assert found == [(9, "CCI121"), (9, "CCI133"), (12, "CCI121"), (12, "CCI132")]


SPLIT_ROOT = '''
    import requests
    API_URL = "%s/%s/" % ("https://circleci.com/api", "v1.1")

    class CircleCI:
        def _perform_request(self, path, method, data=None):
            url = API_URL + path
            if method == "GET":
                return requests.get(url, headers={"Accept": "application/json"})
            return requests.post(url, data=data, headers={"Accept": "application/json"})
    '''


def test_a_generic_v11_sender_whose_route_comes_from_callers_is_an_unresolved_v11_call():
    found = [f for f in run(SPLIT_ROOT) if f.rule_id == "CCI144"]
    assert [(f.line, f.confidence, f.fix) for f in found] == [(9, "low", "manual"), (10, "low", "manual")]
    assert all("parameter `path` of _perform_request()" in f.reason for f in found)


def test_a_sender_whose_routes_the_file_passes_in_reports_the_routes_not_the_sender():
    code = SPLIT_ROOT + '''
        def retry(self, user, project, num):
            return self._perform_request("project/github/%s/%s/%s/retry" % (user, project, num), "POST")
    '''
    found = run(code)
    assert not [f for f in found if f.rule_id == "CCI144"]
    assert [(f.line, f.rule_id) for f in found if CATALOGUE[f.rule_id].kind == "endpoint"] == [(13, "CCI104")]


def test_a_v2_sender_is_no_unresolved_v11_call():
    assert not run(SPLIT_ROOT.replace('"v1.1"', '"v2"'))


def test_a_split_root_file_is_a_candidate_through_the_cli(tmp_path):
    (tmp_path / "action.py").write_text(textwrap.dedent(SPLIT_ROOT))
    proc = run_cli("check", "--output-format", "json", ".", cwd=tmp_path)
    found = sorted((f["line"], f["rule"], f["confidence"]) for f in json.loads(proc.stdout)["findings"])
    assert found == [(9, "CCI144", "low"), (10, "CCI144", "low")]
    assert proc.returncode == 1
