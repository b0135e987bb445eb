"""Rules about any v1.1 request: a missing Accept header (never a false "missing") and a token in the query
(on v2 URLs too)."""
from __future__ import annotations

import textwrap

import pytest

from circleci_v2.migrate.python import analyse
from circleci_v2.migrate.python.http_calls import COMMAND_LINE_NOT_REWRITTEN
from circleci_v2.rules import load_catalogue
from clirun import rules_in, run_cli, write

CATALOGUE = load_catalogue()
ME = "https://circleci.com/api/v1.1/me"
V2 = "https://circleci.com/api/v2"
ACCEPT_RULE = next(r.id for r in CATALOGUE if r.name == "missing-accept-header")
TOKEN_RULE = next(r.id for r in CATALOGUE if r.name == "token-in-query")


def of_rule(code: str, rule_id: str):
    return [(f.line, f.confidence, f.reason) for f in analyse(textwrap.dedent(code), "t.py", CATALOGUE)
            if f.rule_id == rule_id]


@pytest.mark.parametrize("call", [
    f'requests.get("{ME}")',
    f'requests.get("{ME}", headers={{"Circle-Token": t}})',
    f'requests.get("{ME}", headers=None)',
    f'requests.get("{ME}", headers=dict(Authorization=a))',
    f'requests.get("{ME}", headers=[("Circle-Token", t)])',
    f'urllib.request.urlopen("{ME}")',
    f'subprocess.run(["curl", "-H", "Circle-Token: x", "{ME}"])',
])
def test_missing_accept_is_high_when_every_header_source_is_visible(call):
    code = "import requests, urllib.request, subprocess\n" + call + "\n"
    manual = COMMAND_LINE_NOT_REWRITTEN if call.startswith("subprocess") else None  # found, not rewritten
    assert of_rule(code, ACCEPT_RULE) == [(2, "high", manual)]


@pytest.mark.parametrize("call", [
    f'requests.get("{ME}", headers={{"Accept": "application/json"}})',
    f'requests.get("{ME}", headers={{"accept": "application/json"}})',
    f'requests.get("{ME}", headers=dict(Accept="application/json"))',
    f'requests.get("{ME}", headers=HEADERS)',
    f'requests.get("{ME}", headers=MUTATED)',
    f'requests.get("{ME}", headers={{**HEADERS, "X": "1"}})',
    f'requests.get("{ME}", headers=make_headers(t))',
    f'requests.get("{ME}", headers=[("Accept", "application/json")])',
    f'session.get("{ME}")',
    f'client.get("{ME}")',
    f'subprocess.run(["curl", "-H", "Accept: application/json", "{ME}"])',
    f'subprocess.run("curl -H \'accept: application/json\' {ME}", shell=True)',
    'requests.get("https://circleci.com/api/v2/me")',
])
def test_accept_header_found(call):
    code = f"""
        import requests, subprocess, httpx
        HEADERS = {{"Accept": "application/json", "Circle-Token": t}}
        MUTATED = {{"Circle-Token": t}}
        MUTATED["Accept"] = "application/json"
        def make_headers(token):
            return {{"Circle-Token": token, "Accept": "application/json"}}
        session = requests.Session()
        session.headers.update({{"Accept": "application/json"}})
        client = httpx.Client(headers={{"Accept": "application/json"}})
        {call}
        """
    assert of_rule(code, ACCEPT_RULE) == []


@pytest.mark.parametrize("call", [
    f'requests.get("{ME}", headers=h)',
    f'requests.get("{ME}", **kwargs)',
    f'requests.get("{ME}", headers=build_headers())',
    f'session.get("{ME}")',
])
def test_headers_this_file_cannot_see_are_never_reported_missing(call):
    code = f"""
        import requests
        def go(h, kwargs, session: requests.Session):
            {call}
        """
    assert of_rule(code, ACCEPT_RULE) == []


def test_headers_partly_hidden_are_low_and_say_where():
    code = f"""
        import requests
        def go(base_headers):
            requests.get("{ME}", headers={{**base_headers, "Circle-Token": t}})
        """
    [(line, confidence, reason)] = of_rule(code, ACCEPT_RULE)
    assert confidence == "low"
    assert reason == "the headers partly come from parameter `base_headers` of go(), which this file does not show"


def test_session_headers_updated_from_a_hidden_dict_are_low():
    code = f"""
        import requests
        def go(extra):
            s = requests.Session()
            s.headers.update(extra)
            s.get("{ME}")
        """
    assert [c for _, c, _ in of_rule(code, ACCEPT_RULE)] == ["low"]


def test_accept_rule_covers_v1_1_only_as_its_endpoints_say():
    code = """
        import requests
        requests.get("https://circleci.com/api/v1/me")
        requests.get("https://circleci.com/api/v2/me")
        requests.get("https://example.com/not/circleci")
        """
    assert of_rule(code, ACCEPT_RULE) == []


def test_url_passed_to_a_wrapper_makes_its_request_v1_1():
    code = f"""
        import requests
        def get(url):
            return requests.get(url)
        get("{ME}")
        """
    [(line, confidence, reason)] = of_rule(code, ACCEPT_RULE)
    assert (line, confidence) == (4, "high") and reason == "a v1.1 URL is passed in at line 5"


@pytest.mark.parametrize("call, confidence", [
    (f'requests.get("{ME}?circle-token=" + t, headers=H)', "high"),
    (f'requests.get(f"{ME}?limit=1&circle-token={{t}}", headers=H)', "high"),
    (f'requests.get("{ME}", params={{"circle-token": t}}, headers=H)', "high"),
    (f'requests.get("{ME}", params=[("circle-token", t)], headers=H)', "high"),
    (f'requests.get("{ME}", params=P, headers=H)', "high"),
    (f'requests.get("{ME}?" + urlencode({{"circle-token": t}}), headers=H)', "high"),
    ('requests.get("https://circleci.com/api/v1/me?circle-token=" + t, headers=H)', "high"),
    (f'subprocess.run(["curl", "-H", "Accept: application/json", "{ME}?circle-token=x"])', "high"),
    ('requests.get(f"{BASE}/me?circle-token={t}", headers=H)', "low"),
    # v2 still accepts the token in the query string: the same leak, the same rule
    (f'requests.get("{V2}/me?circle-token=" + t)', "high"),
    (f'requests.get(f"{V2}/project/gh/acme/app/pipeline?branch=main&circle-token={{t}}")', "high"),
    (f'requests.post("{V2}/project/gh/acme/app/pipeline", params={{"circle-token": t}}, json={{}})', "high"),
    (f'requests.get("{V2}/me", params=P)', "high"),
    (f'subprocess.run(["curl", "{V2}/me?circle-token=x"])', "high"),
    (f'subprocess.run(f"curl -s {V2}/me?circle-token=$CIRCLE_TOKEN", shell=True)', "high"),
])
def test_token_in_query(call, confidence):
    code = f"""
        import os, requests, subprocess
        from urllib.parse import urlencode
        BASE = os.environ["CIRCLE_URL"]
        H = {{"Accept": "application/json"}}
        P = {{}}
        P["circle-token"] = t
        {call}
        """
    assert [c for _, c, _ in of_rule(code, TOKEN_RULE)] == [confidence]


@pytest.mark.parametrize("call", [
    f'requests.get("{ME}", headers={{"Circle-Token": t, "Accept": "application/json"}})',
    f'requests.get("{ME}?token=" + t, headers=H)',
    f'requests.get("{V2}/me", headers={{"Circle-Token": t}})',
    f'requests.get("{V2}/project/gh/acme/app/pipeline?branch=main", headers={{"Circle-Token": t}})',
    f'requests.get("{V2}/me", params={{"page-token": t}})',
    'requests.get("https://hooks.example.com/notify?circle-token=" + t)',
    'requests.get("https://example.com/api/v20/me?circle-token=" + t)',
    'requests.get("https://example.com/api/v3/me", params={"circle-token": t})',
])
def test_no_token_in_a_circleci_query(call):
    code = "import requests\nH = {'Accept': 'application/json'}\n" + call + "\n"
    assert of_rule(code, TOKEN_RULE) == []


@pytest.mark.parametrize("code", [
    f'import requests\nrequests.get("{V2}/me?circle-token=" + t)\n',
    f'import requests\nrequests.get("{V2}/project/gh/acme/app/pipeline", params={{"circle-token": t}})\n',
    f'import requests\ndef get(url):\n    return requests.get(url)\nget("{V2}/me?circle-token=" + t)\n',
])
def test_a_v2_request_is_reported_only_for_its_token(code):
    """v2 answers JSON by default (no Accept rule) and its routes are the target (no endpoint rule)."""
    found = analyse(code, "t.py", CATALOGUE)
    assert {f.rule_id for f in found} == {TOKEN_RULE}, [(f.rule_id, f.reason) for f in found]


def test_a_v2_token_finding_is_suppressed_in_check_and_fix(tmp_path):
    """Through the command line: suppressed calls are neither reported nor rewritten; the others are."""
    silenced_1 = f'requests.get("{V2}/me?circle-token=" + t)  # circleci-v2: ignore[{TOKEN_RULE}]'
    silenced_2 = f'requests.get("{V2}/me", params={{"circle-token": t}})'
    other_rule = f'requests.get("{V2}/me?circle-token=" + t)  # circleci-v2: ignore[CCI120]'
    path = write(tmp_path, "ci.py", "\n".join(["import requests", silenced_1, "# circleci-v2: ignore", silenced_2,
                                              other_rule, ""]))
    checked = run_cli("check", "ci.py", cwd=tmp_path)
    assert checked.returncode == 1, checked.stderr
    assert rules_in(checked.stdout) == [TOKEN_RULE] and "ci.py:5:" in checked.stdout
    fixed = run_cli("fix", "ci.py", cwd=tmp_path)
    assert fixed.returncode == 1 and "fixed 1 finding(s)" in fixed.stderr, fixed.stdout + fixed.stderr
    assert path.read_text().splitlines() == [
        "import requests", silenced_1, "# circleci-v2: ignore", silenced_2,
        f'requests.get("{V2}/me", headers={{"Circle-Token": t}})  # circleci-v2: ignore[CCI120]']
    assert run_cli("check", "ci.py", cwd=tmp_path).returncode == 0


def test_every_request_rule_has_a_check():
    # the rule names its check (rules/schema.json enum); the Python analyser implements both
    for rule in CATALOGUE.of_kind("request"):
        assert rule.request_check in ("accept", "query-token", "route"), rule.id
