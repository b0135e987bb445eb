"""Evidence first, resolution second: every string that builds a v1.1 route is a site.

Each test is a shape real v1.1 code takes (written here, not copied): the
route is reported even when the call that sends it, its verb or its API root
cannot be resolved; what was resolved decides the rule and the reason.
"""
from __future__ import annotations

import textwrap
from typing import List, Tuple

import pytest

from circleci_v2.migrate.python import analyse
from circleci_v2.rules import load_catalogue

CATALOGUE = load_catalogue()


def run(code: str) -> list:
    return analyse(textwrap.dedent(code), "t.py", CATALOGUE)


def endpoints(code: str) -> List[Tuple[int, str, str]]:
    """(line, rule, confidence) of the endpoint findings."""
    return [(f.line, f.rule_id, f.confidence) for f in run(code) if CATALOGUE[f.rule_id].kind == "endpoint"]


def test_a_project_wrapper_of_requests_is_a_site():
    code = '''
        from ci import util
        TOKEN = "x"
        def kick(branch):
            util.requests_post(f"https://circleci.com/api/v1.1/project/github/o/r/tree/{branch}?circle-token={TOKEN}")
        '''
    [f] = [f for f in run(code) if f.rule_id == "CCI102"]
    assert (f.line, f.confidence, f.fix) == (5, "low", "manual")
    assert "`util.requests_post`, which is not a known HTTP call" in f.reason


def test_verb_dispatch_inside_a_client_method_follows_the_verb_passed_in():
    code = '''
        import requests
        class Client(object):
            def __init__(self, token, url="https://circleci.com/api/v1.1"):
                self.url = url
            def _request(self, verb, endpoint, data=None):
                full = "{0}/{1}".format(self.url, endpoint)
                if verb == 'GET':
                    return requests.get(full, headers={"Accept": "application/json"})
                elif verb == 'POST':
                    return requests.post(full, json=data, headers={"Accept": "application/json"})
            def retry(self, user, project, num, ssh=False):
                if ssh:
                    endpoint = 'project/github/{0}/{1}/{2}/ssh'.format(user, project, num)
                else:
                    endpoint = 'project/github/{0}/{1}/{2}/retry'.format(user, project, num)
                return self._request('POST', endpoint)
        '''
    found = endpoints(code)
    # each branch is a site: retry at the call the analysis follows, ssh where it is written
    assert (17, "CCI104", "low") in found
    assert (14, "CCI105", "low") in found
    assert not [r for _, r, _ in found if r in ("CCI131", "CCI133")]  # the GET branch never runs for 'POST'


def test_request_method_of_an_unknown_client_with_a_relative_route():
    code = '''
        import circleci_settings
        class Runner:
            def __init__(self, client):
                self.client = client
            def go(self, base):
                return self.client.request('POST', base + '/project/github/o/r/build')
        '''
    assert endpoints(code) == [(7, "CCI103", "low")]


@pytest.mark.parametrize("code, line, rule", [
    ('CIRCLE = "circleci"\ndef p(u, p, b):\n    return "/project/%s/%s/%s/tree/%s" % ("github", u, p, b)\n', 3,
     "CCI133"),  # nothing in the file sends POST: read
    ('CIRCLE = "circleci"\ndef r(a, b, c, d):\n    return "project/{0}/{1}/{2}/{3}/retry".format(a, b, c, d)\n', 3,
     "CCI104"),
    ('CIRCLE = "circleci"\ndef c(v, u, p):\n    return "/".join(["project", v, u, p, "build-cache"])\n', 3, "CCI106"),
    ('from urllib.parse import urljoin\nCIRCLE = "circleci"\ndef f(h, v, u, p):\n'
     '    return urljoin(h, "project/%s/%s/%s/follow" % (v, u, p))\n', 4, "CCI139"),
    ('CIRCLE = "circleci"\ndef a(user):\n    return ("/project/github/"\n            f"{user}/app/"\n'
     '            "build")\n', 3, "CCI103"),
    ('import uritemplate\nCIRCLE_TOKEN = 1\n'
     'T = "{+base}/project/{vcs}/{user}/{project}/{num}/artifacts{?circle-token}"\n', 3, "CCI132"),
])
def test_relative_route_templates_are_sites(code, line, rule):
    found = endpoints(code)
    assert [(ln, r) for ln, r, _ in found] == [(line, rule)]
    assert all(c == "low" for _, _, c in found)


def test_class_attribute_route_takes_the_verb_of_the_call_it_reaches():
    code = '''
        import os
        CIRCLE_HOST = os.environ["CIRCLE_HOST"]
        class Api:
            TRIGGER = "/project/{vcs_type}/{username}/{project}/build"
            BRANCH = "{+base}/project/{vcs}/{user}/{project}/tree/{branch}{?circle-token}"
            def __init__(self, session, base):
                self.session = session
                self.base = base
            def trigger(self, **kw):
                return self.session.post(self.base + self.TRIGGER.format(**kw))
            def tree(self, **kw):
                import uritemplate
                return self.session.get(uritemplate.expand(self.BRANCH, base=self.base, **kw))
        '''
    assert endpoints(code) == [(5, "CCI103", "low"), (6, "CCI133", "low")]


def test_an_endpoint_table_gives_the_verb_from_its_method_key():
    code = '''
        CIRCLE_TOKEN_ENV = "CIRCLECI_TOKEN"
        ENDPOINTS = {
            'new_build': {'method': 'POST', 'path': '/project/{username}/{project}/tree/{branch}'},
            'recent_branch_builds': {'method': 'GET', 'path': '/project/{username}/{project}/tree/{branch}'},
            'retry': {'path': '/project/{username}/{project}/{build_num}/retry'},
        }
        '''
    found = run(code)
    assert [(f.line, f.rule_id) for f in found] == [(4, "CCI102"), (5, "CCI133"), (6, "CCI104")]
    assert "HTTP verb not resolved" not in " ".join(f.reason or "" for f in found)  # /retry is POST only


def test_unknown_verb_reports_the_most_consequential_rule_and_names_the_others():
    code = '''
        CIRCLE = "circleci"
        def path(vcs, user, project, branch):
            return f"/project/{vcs}/{user}/{project}/tree/{branch}"
        def send(http, url, body):
            return http.send("POST", url, body)
        '''
    [f] = run(code)
    assert (f.rule_id, f.severity, f.confidence) == ("CCI102", "error", "low")
    assert "CCI102 if POST, CCI133 if GET" in f.reason


def test_unknown_verb_in_a_file_that_never_sends_post_is_a_read():
    code = '''
        CIRCLE = "circleci"
        class Builds:
            ENDPOINT = "/project/{vcs_type}/{username}/{project}/tree/{branch}"  # sent by a base class elsewhere
        '''
    [f] = run(code)
    assert (f.rule_id, f.severity, f.confidence) == ("CCI133", "info", "low")
    assert "GET assumed, as nothing in this file sends POST (CCI102 if POST, CCI133 if GET)" in f.reason


def test_a_named_route_sent_with_two_verbs_is_a_site_at_each_call():
    code = '''
        class Api:
            CIRCLE_API = "https://circleci.com/api/v1.1"
            BUILDS = "/project/{vcs_type}/{username}/{project}/tree/{path}"
            async def builds(self, data):
                return await self._make_request("GET", self.BUILDS, data)
            async def trigger(self, data, body):
                return await self._make_request("POST", self.BUILDS, data, data=body)
        '''
    assert endpoints(code) == [(6, "CCI133", "low"), (8, "CCI102", "low")]


def test_a_local_variable_reaches_only_the_calls_of_its_own_function():
    code = '''
        CIRCLE = "circleci"
        class Api:
            def follow(self, vcs, user, project):
                endpoint = 'project/{0}/{1}/{2}/follow'.format(vcs, user, project)
                return self._request('POST', endpoint)
            def builds(self, vcs, user, project):
                endpoint = 'project/{0}/{1}/{2}'.format(vcs, user, project)
                return self._request('GET', endpoint)
        '''
    assert [(ln, r) for ln, r, _ in endpoints(code)] == [(5, "CCI139"), (8, "CCI133")]


@pytest.mark.parametrize("method, rule", [("lower", "CCI139"), ("upper", "CCI139"), ("strip", "CCI139")])
def test_string_methods_keep_the_route_shape(method, rule):
    code = f'''
        import requests
        BASE = "https://circleci.com/api/v1.1/project/github/"
        def follow(user, project):
            return requests.post(BASE + '{{}}/{{}}/follow'.format(user, project).{method}(),
                                 headers={{"Accept": "application/json"}})
        '''
    assert [(r, c) for _, r, c in endpoints(code)] == [(rule, "high")]


def test_quote_of_a_template_and_rstrip_keep_the_route_shape():
    code = '''
        import requests
        from urllib.parse import quote, quote_plus
        BASE = "https://circleci.com/api/v1.1/project/github/"
        def follow(user, project):
            requests.post(BASE + quote('{}/{}/follow'.format(user, project)), headers={"Accept": "application/json"})
            requests.post(BASE + quote_plus('{}/{}/follow/'.format(user, project)).rstrip('/'),
                          headers={"Accept": "application/json"})
        '''
    assert [r for _, r, _ in endpoints(code)] == ["CCI139", "CCI139"]


@pytest.mark.parametrize("code", [
    # prose: docstrings and comments
    '"""POST /api/v1.1/project/github/o/r/tree/main triggers circleci."""\n# "/project/github/o/r/tree/main"\n',
    'def f():\n    """Calls project/{0}/{1}/{2}/{3}/retry on CircleCI."""\n',
    # a message to a person
    'import logging\nlog = logging.getLogger("circleci")\nlog.info("/project/github/o/r/tree/main")\n',
    'URL = "https://circleci.com/api/v1.1/project/github/o/r/tree/main"\nprint("see", URL)\n',
    # mock registrations in tests describe a fake server
    'import responses\nresponses.add(responses.POST, "https://circleci.com/api/v1.1/project/github/o/r/tree/main")\n',
    'import httpretty\nhttpretty.register_uri(httpretty.POST, "https://circleci.com/api/v1.1/project/gh/o/r/1/retry")\n',
    # another service with the same words, in a file that mentions CircleCI
    'CIRCLECI = 1\nimport requests\nrequests.get(GITLAB + "/projects/%s/pipelines" % pid)\n',
    'CIRCLECI = 1\nPATH = "/project/" + name\nOTHER = "/project/settings/general"\n',
    'CIRCLECI = 1\nrequests.get("https://gitlab.com/api/v4/projects/1/pipeline")\n',
    # a relative route where nothing says CircleCI (outside comments)
    '# circleci\nimport ci\nci.send(base + "/project/github/o/r/tree/main")\n',
    # v2
    'CIRCLECI = 1\nP = "/api/v2/project/gh/o/r/pipeline"\n',
])
def test_what_is_not_a_call_stays_silent(code):
    assert run(code) == []


def test_route_already_reported_by_the_call_is_not_reported_twice():
    code = '''
        import requests
        URL = "https://circleci.com/api/v1.1/project/github/o/r/tree/main"
        requests.post(URL, headers={"Accept": "application/json"})
        '''
    assert endpoints(code) == [(4, "CCI102", "high")]


def test_verb_held_in_a_variable_and_a_methods_list_in_a_table():
    code = '''
        import circleci_settings
        class Build:
            def status(self, username, project, build_num):
                method = 'GET'
                url = ('/project/{username}/{project}/{build_num}?'
                       'circle-token={token}'.format(username=username, project=project, build_num=build_num,
                                                      token=self.client.api_token))
                return self.client.request(method, url)
        MAPPING = {
            'user': {'resource': 'me', 'methods': ['GET']},
            'branch': {'resource': 'project/{vcs_type}/{username}/{project}/tree/{branch}', 'methods': ['GET']},
        }
        '''
    assert [(ln, r) for ln, r, _ in endpoints(code)] == [(6, "CCI131"), (11, "CCI137"), (12, "CCI133")]


def test_mock_registration_through_a_variable_is_not_reported():
    code = '''
        import httpretty
        ENDPOINT = "https://circleci.com/api/v1"
        def test_me(client):
            url = ENDPOINT + '/me?circle-token=token'
            httpretty.register_uri(httpretty.GET, url, body="{}")
            url = ENDPOINT + '/project/o/r/tree/main?circle-token=token'
            httpretty.register_uri(httpretty.POST, url, body="{}")
        '''
    assert run(code) == []


def test_a_route_word_is_never_a_parameter_and_names_choose_the_template():
    code = '''
        import requests
        CIRCLE = "circleci"
        class Cli:
            def add(self, username, project, d):
                return self._post("project/{username}/{project}/envvar".format(**locals()), data=d)
        def status(repo, reply, token):
            return requests.get('https://circleci.com/api/v1.1/project/github/{}/{}?circle-token={}'.format(
                repo, reply['build_num'], token))
        def builds(project, limit):
            return requests.get(f"https://circleci.com/api/v1.1/project/github/{project}?limit={limit}")
        '''
    rules = {ln: r for ln, r, _ in endpoints(code)}
    assert rules.get(6) != "CCI101"  # `envvar` is not a project: no trigger
    assert rules[8] == "CCI131"  # github/{repo}/{build_num}: a build
    assert rules[11] == "CCI133"  # github/{project}: the project's builds


def test_unresolved_url_with_the_circle_token_parameter_is_a_circleci_call():
    code = '''
        import requests
        def go(url, token):
            return requests.post(url, params={'circle-token': token})
        '''
    [f] = run(code)
    assert (f.rule_id, f.confidence, f.line) == ("CCI121", "low", 4)
    assert "the circle-token parameter says it is a CircleCI call" in f.reason
    assert run(code.replace("'circle-token'", "'page'")) == []


@pytest.mark.parametrize("code, line, rule", [
    # a pytest fixture or parameter, in a file that imports circleclient
    ('from circleclient import circleclient\ndef test_trigger(client):\n    client.build.trigger("o", "r", "main")\n',
     3, "CCI110"),
    # a bound method passed on uncalled, from a parameter
    ('import circleci.api\ndef hook(api, run):\n    run(retry=api.retry_build)\n', 3, "CCI111"),
    # a vendored copy of the package
    ('from circleci.circleci import api\nb = api.Api("tok")\nb.clear_cache("acme", "app")\n', 3, "CCI112"),
])
def test_legacy_clients_without_a_visible_constructor(code, line, rule):
    found = [f for f in run(code) if CATALOGUE[f.rule_id].kind == "client"]
    assert [(f.line, f.rule_id, f.confidence, f.fix) for f in found] == [(line, rule, "low", "manual")]


def test_legacy_method_names_on_objects_of_other_packages_stay_silent():
    code = 'import requests\ndef go(client):\n    client.build.trigger("o", "r")\n    client.retry_build(1)\n'
    assert run(code) == []


def test_a_legacy_package_used_only_for_its_v2_methods_is_not_reported():
    v2_only = 'from pycircleci.api import Api\napi = Api("t")\napi.trigger_pipeline(username="o", project="r")\n'
    assert run(v2_only) == []
    both = v2_only + 'api.get_recent_builds()\n'
    assert sorted(CATALOGUE[f.rule_id].kind for f in run(both)) == ["client", "import"]
    handed_on = 'from pycircleci.api import Api\ndef make(t):\n    return Api(t)\n'
    assert [CATALOGUE[f.rule_id].kind for f in run(handed_on)] == ["import"]


def test_a_bare_f_string_statement_is_prose():
    assert run('CIRCLECI = 1\ndef f(o):\n    f"""POST /project/github/{o}/app/tree/main"""\n') == []


def test_fields_filled_from_locals_keep_their_names_for_choosing_the_template():
    code = '''
        CIRCLE = "circleci"
        class Cli:
            def builds(self, username=None, project=None, build_num=None):
                if build_num:
                    return self._get('project/{username}/{project}/{build_num}'.format(**locals()))
        '''
    assert [(ln, r) for ln, r, _ in endpoints(code)] == [(6, "CCI131")]  # v1's build, not a v1.1 project


@pytest.mark.parametrize("code, line, rule", [
    # `import circleci.api` then the class through the package path
    ('import circleci.api\napi = circleci.api.Api("tok")\napi.trigger_build("acme", "app")\n', 3, "CCI110"),
    # an Api instance in a variable named like the package
    ('from circleci.api import Api\ncircleci = Api("tok")\ncircleci.clear_cache("acme", "app")\n', 3, "CCI112"),
])
def test_legacy_clients_through_the_package_path_and_a_shadowing_name(code, line, rule):
    found = [(f.line, f.rule_id) for f in run(code) if CATALOGUE[f.rule_id].kind == "client"]
    assert found == [(line, rule)]


def test_a_request_whose_url_start_is_unknown_does_not_hide_its_routes():
    # `{self.url}/{api_version}/{endpoint}`: the analysis resolves the call, not the URL up to the route
    code = '''
        import requests
        GET, POST = "GET", "POST"
        class Api:
            def __init__(self, token, url="https://circleci.com/api"):
                self.url = url
                self._session = requests.Session()
            def follow(self, slug):
                endpoint = f"project/{slug}/follow"
                return self._request(POST, endpoint)
            def builds(self, slug, branch):
                endpoint = f"project/{slug}/tree/{branch}"
                return self._request(GET, endpoint)
            def _request(self, verb, endpoint, api_version=None):
                api_version = self.validate(api_version)
                url = f"{self.url}/{api_version}/{endpoint}"
                verb = verb.upper()
                if verb == GET:
                    return self._session.get(url, headers={"Accept": "application/json"})
                elif verb == POST:
                    return self._session.post(url, headers={"Accept": "application/json"})
        '''
    assert [(ln, r) for ln, r, _ in endpoints(code)] == [(9, "CCI139"), (12, "CCI133")]
