"""Which HTTP verb a call sends: a GET on tree/<branch> lists builds and is never a trigger."""
from __future__ import annotations

import textwrap

import pytest

from circleci_v2.migrate.python import analyse
from circleci_v2.rules import load_catalogue

CATALOGUE = load_catalogue()
TREE = "https://circleci.com/api/v1.1/project/github/acme/app/tree/main"
H = 'headers={"Accept": "application/json"}'


def endpoint(code: str):
    out = []
    for f in analyse(textwrap.dedent(code), "t.py", CATALOGUE):
        if CATALOGUE[f.rule_id].kind == "endpoint":
            out.append((f.line, f.rule_id, f.confidence, f.reason))
    return out


@pytest.mark.parametrize("verb_code, rule", [
    (f'requests.post("{TREE}", {H})', "CCI102"),
    (f'requests.get("{TREE}", {H})', "CCI133"),
    (f'requests.request("POST", "{TREE}", {H})', "CCI102"),
    (f'requests.request("get", "{TREE}", {H})', "CCI133"),
    (f'requests.request(method="POST", url="{TREE}", {H})', "CCI102"),
    (f'requests.head("{TREE}", {H})', None),
    (f'requests.put("{TREE}", {H})', None),
])
def test_verb_from_the_function(verb_code, rule):
    found = endpoint("import requests\n" + verb_code + "\n")
    assert [r for _, r, _, _ in found] == ([rule] if rule else [])
    assert all(c == "high" for _, _, c, _ in found)


def test_verb_in_a_variable():
    code = f"""
        import requests
        method = "POST"
        requests.request(method, "{TREE}", {H})
        verb = "get"
        requests.request(verb.upper(), "{TREE}", {H})
        """
    assert endpoint(code) == [(4, "CCI102", "high", None), (6, "CCI133", "high", None)]


def test_verb_through_getattr():
    code = f"""
        import requests
        verb = "post"
        getattr(requests, verb)("{TREE}", {H})
        getattr(requests, "get")("{TREE}", {H})
        """
    assert endpoint(code) == [(4, "CCI102", "high", None), (5, "CCI133", "high", None)]


def test_unresolved_verb_is_low_names_the_value_and_the_alternatives():
    code = f"""
        import requests
        def send(method):
            return requests.request(method, "{TREE}", {H})
        """
    [(line, rule, confidence, reason)] = endpoint(code)
    assert (rule, confidence) == ("CCI102", "low")
    assert reason == "HTTP verb not resolved (parameter `method` of send()): CCI102 if POST, CCI133 if GET"


def test_unresolved_getattr_verb_is_low():
    code = f"""
        import requests
        def send(verb):
            getattr(requests, verb)("{TREE}", {H})
        """
    [(_, rule, confidence, reason)] = endpoint(code)
    assert (rule, confidence) == ("CCI102", "low") and "HTTP verb not resolved" in reason


def test_dispatch_table_of_functions():
    code = f"""
        import requests
        SEND = {{"POST": requests.post, "GET": requests.get}}
        def send(v):
            SEND[v]("{TREE}", {H})
        SEND["GET"]("{TREE}", {H})
        """
    found = endpoint(code)
    assert found[0][:3] == (5, "CCI102", "low")
    assert found[0][3] == "HTTP verb not resolved (the dispatch key `v`): CCI102 if POST, CCI133 if GET"
    assert found[1] == (6, "CCI133", "high", None)


def test_dispatch_table_of_verb_and_url_keeps_them_together():
    code = f"""
        import requests
        BASE = "https://circleci.com/api/v1.1/project/github/acme/app"
        ROUTES = {{"trigger": ("POST", BASE + "/tree/main"), "envvars": ("GET", BASE + "/envvar")}}
        def go(action):
            method, url = ROUTES[action]
            return requests.request(method, url, {H})
        def trigger():
            method, url = ROUTES["trigger"]
            return requests.request(method, url, {H})
        """
    found = endpoint(code)
    # never the impossible pairing GET + tree/main (CCI133) or POST + envvar (CCI134 create)
    assert found[0][:3] == (7, "CCI102", "low")
    assert found[0][3] == "HTTP verb not resolved (the dispatch key `action`): CCI102 if POST, CCI134 if GET"
    assert found[1] == (10, "CCI102", "high", None)


def test_a_get_is_never_a_trigger_whatever_the_form():
    code = f"""
        import requests, httpx, subprocess
        from urllib.request import urlopen, Request
        s = requests.Session()
        s.get("{TREE}", {H})
        httpx.get("{TREE}", {H})
        urlopen(Request("{TREE}", headers={{"Accept": "application/json"}}))
        subprocess.run(["curl", "-H", "Accept: application/json", "{TREE}"])
        subprocess.run(["curl", "-G", "-d", "limit=1", "-H", "Accept: application/json", "{TREE}"])
        """
    assert {r for _, r, _, _ in endpoint(code)} == {"CCI133"}


def test_wrapper_passing_the_verb_is_resolved_at_each_call():
    code = """
        import requests
        BASE = "https://circleci.com/api/v1.1"
        def call(method, path, **kwargs):
            return requests.request(method, BASE + path, headers={"Accept": "application/json"}, **kwargs)
        call("POST", "/project/github/acme/app/tree/main", json={})
        call("GET", "/project/github/acme/app/tree/main")
        call("DELETE", "/project/github/acme/app/build-cache")
        """
    found = endpoint(code)
    assert [(line, rule, c) for line, rule, c, _ in found] == [
        (6, "CCI102", "high"), (7, "CCI133", "high"), (8, "CCI106", "high")]
    [f] = [f for f in analyse(textwrap.dedent(code), "t.py", CATALOGUE) if f.rule_id == "CCI102"]
    assert f.fix == "manual" and "sent by call() (line 4)" in f.reason
    assert f.site.wrapper is not None and f.site.inner_call is not None and f.site.inner_call is not f.site.call


def test_wrapper_method_with_a_session():
    code = """
        import requests
        class CircleCI:
            BASE = "https://circleci.com/api/v1.1"
            def __init__(self, token):
                self.session = requests.Session()
                self.session.headers.update({"Circle-Token": token, "Accept": "application/json"})
            def _post(self, path, **kw):
                return self.session.post(self.BASE + path, **kw)
            def trigger(self, org, repo, branch):
                return self._post(f"/project/github/{org}/{repo}/tree/{branch}", json={})
            def retry(self, org, repo, n):
                return self._post(f"/project/github/{org}/{repo}/{n}/retry")
        """
    assert [(line, rule, c) for line, rule, c, _ in endpoint(code)] == [(11, "CCI102", "high"), (13, "CCI104", "high")]


def test_wrapper_without_callers_is_reported_inside_with_low_confidence():
    code = """
        import requests
        def call(method, branch):
            return requests.request(method, f"https://circleci.com/api/v1.1/project/github/a/b/tree/{branch}",
                                    headers={"Accept": "application/json"})
        """
    [(line, rule, c, reason)] = endpoint(code)
    assert (line, rule, c) == (4, "CCI102", "low") and "HTTP verb not resolved" in reason


def test_wrapper_with_a_resolved_request_is_reported_once_inside():
    code = """
        import requests
        def trigger(branch):
            return requests.post(f"https://circleci.com/api/v1.1/project/github/a/b/tree/{branch}",
                                 headers={"Accept": "application/json"})
        trigger("main")
        trigger("dev")
        """
    assert [(line, rule, c) for line, rule, c, _ in endpoint(code)] == [(4, "CCI102", "high")]
