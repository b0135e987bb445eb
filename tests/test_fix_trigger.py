"""Raw-HTTP v1.1 triggers become v2 triggerPipeline calls, for every library and URL form the fixer takes
apart; and what it refuses, with the reason a person reads."""
from __future__ import annotations

import textwrap

import pytest

from circleci_v2.migrate.fix import FixOptions, fix_source
from circleci_v2.migrate.python import analyse
from circleci_v2.rules import load_catalogue

CATALOGUE = load_catalogue()
JSON_HEADERS = '{"Content-Type": "application/json", "Accept": "application/json"}'


def fix(code: str, unsafe: bool = False, add_todo: bool = False):
    code = textwrap.dedent(code).lstrip("\n")
    result = fix_source(code, "t.py", analyse(code, "t.py", CATALOGUE), FixOptions(unsafe, add_todo), CATALOGUE)
    assert result.errors == []
    return result


def left(result) -> dict:
    return {l.rule_id: l.reason for l in result.left}


@pytest.mark.parametrize("call, expected", [
    # requests, a branch in the path: the branch moves into the JSON body
    ('requests.post(f"https://circleci.com/api/v1.1/project/github/{org}/{repo}/tree/{branch}")',
     f'requests.post(f"https://circleci.com/api/v2/project/gh/{{org}}/{{repo}}/pipeline", json={{"branch": branch}}, '
     f'headers={JSON_HEADERS})'),
    # requests.request with the verb first
    ('requests.request("POST", "https://circleci.com/api/v1.1/project/github/acme/app/tree/main")',
     f'requests.request("POST", "https://circleci.com/api/v2/project/gh/acme/app/pipeline", json={{"branch": "main"}}, '
     f'headers={JSON_HEADERS})'),
    # bitbucket -> bb; a percent-encoded branch is decoded for the body
    ('requests.post("https://circleci.com/api/v1.1/project/bitbucket/acme/app/tree/feat%2Fx")',
     f'requests.post("https://circleci.com/api/v2/project/bb/acme/app/pipeline", json={{"branch": "feat/x"}}, '
     f'headers={JSON_HEADERS})'),
    # an unencoded branch with slashes
    ('requests.post("https://circleci.com/api/v1.1/project/github/acme/app/tree/release/2024.06")',
     f'requests.post("https://circleci.com/api/v2/project/gh/acme/app/pipeline", json={{"branch": "release/2024.06"}}, '
     f'headers={JSON_HEADERS})'),
    # /api/v1 had no vcs segment: GitHub
    ('requests.post("https://circleci.com/api/v1/project/acme/app/tree/main")',
     f'requests.post("https://circleci.com/api/v2/project/gh/acme/app/pipeline", json={{"branch": "main"}}, '
     f'headers={JSON_HEADERS})'),
    # the project root with a tag: tag kept, no branch
    ('requests.post("https://circleci.com/api/v1.1/project/github/acme/app", json={"tag": "v1.2"})',
     f'requests.post("https://circleci.com/api/v2/project/gh/acme/app/pipeline", json={{"tag": "v1.2"}}, '
     f'headers={JSON_HEADERS})'),
    # the project root with no body: an empty JSON body (v2 builds the default branch, as v1.1 did)
    ('requests.post("https://circleci.com/api/v1.1/project/github/acme/app")',
     f'requests.post("https://circleci.com/api/v2/project/gh/acme/app/pipeline", json={{}}, headers={JSON_HEADERS})'),
    # .../build with data=json.dumps({...})
    ('requests.post("https://circleci.com/api/v1.1/project/github/acme/app/build", data=json.dumps({"branch": "x"}))',
     f'requests.post("https://circleci.com/api/v2/project/gh/acme/app/pipeline", data=json.dumps({{"branch": "x"}}), '
     f'headers={JSON_HEADERS})'),
    # str.format and quote(): placeholders kept, the branch unquoted for the body, the host expression kept
    ('requests.post("{}/api/v1.1/project/github/acme/app/tree/{}".format(host, quote(branch, safe="")))',
     f'requests.post(f"{{host}}/api/v2/project/gh/acme/app/pipeline", json={{"branch": branch}}, '
     f'headers={JSON_HEADERS})'),
    # %-formatting
    ('requests.post("https://circleci.com/api/v1.1/project/%s/%s/%s/tree/%s" % (vcs, org, repo, branch))',
     f'requests.post(f"https://circleci.com/api/v2/project/{{vcs}}/{{org}}/{{repo}}/pipeline", json={{"branch": branch}}, '
     f'headers={JSON_HEADERS})'),
    # a server install: the host is kept
    ('requests.post("https://circleci.example.com/api/v1.1/project/github/acme/app/tree/" + branch)',
     f'requests.post("https://circleci.example.com/api/v2/project/gh/acme/app/pipeline", json={{"branch": branch}}, '
     f'headers={JSON_HEADERS})'),
    # a token in the query string moves to the Circle-Token header
    ('requests.post(f"https://circleci.com/api/v1.1/project/github/acme/app/tree/main?circle-token={tok}")',
     'requests.post("https://circleci.com/api/v2/project/gh/acme/app/pipeline", json={"branch": "main"}, '
     'headers={"Content-Type": "application/json", "Accept": "application/json", "Circle-Token": tok})'),
    # ... and from params=, which goes away when it held only the token
    ('requests.post("https://circleci.com/api/v1.1/project/github/acme/app/tree/main", params={"circle-token": tok})',
     'requests.post("https://circleci.com/api/v2/project/gh/acme/app/pipeline", json={"branch": "main"}, '
     'headers={"Content-Type": "application/json", "Accept": "application/json", "Circle-Token": tok})'),
    # headers already present are merged, in the file's quote style
    ("requests.post('https://circleci.com/api/v1.1/project/github/acme/app/tree/main', headers={'Circle-Token': t})",
     "requests.post('https://circleci.com/api/v2/project/gh/acme/app/pipeline', headers={'Circle-Token': t, "
     "'Content-Type': 'application/json', 'Accept': 'application/json'}, json={'branch': 'main'})"),
])
def test_requests_triggers(call, expected):
    code = f"import json, requests\n{call}.raise_for_status()\n"
    result = fix(code)
    assert result.text == f"import json, requests\n{expected}.raise_for_status()\n"
    assert left(result) == {}


def test_a_base_url_constant_is_inlined():
    result = fix('''
        import requests
        BASE = "https://circleci.com/api/v1.1"
        requests.post(BASE + "/project/github/acme/app/build", json={"branch": "main"}).raise_for_status()
        ''')
    assert 'requests.post("https://circleci.com/api/v2/project/gh/acme/app/pipeline", json={"branch": "main"}' \
        in result.text
    assert 'BASE = "https://circleci.com/api/v1.1"' in result.text  # other calls may still read it


def test_a_base_url_from_the_environment_is_left_with_the_reason():
    result = fix('''
        import os, requests
        BASE = os.environ.get("CIRCLE_URL", "https://circleci.com") + "/api/v1.1"
        requests.post(BASE + "/project/github/acme/app/build", json={"branch": "main"}).raise_for_status()
        ''')
    assert left(result)["CCI103"] == ("the base URL `BASE` holds /api/v1.1 and is not a constant; point it at "
                                      "/api/v2 where it is defined, or rewrite this call by hand")
    assert "/api/v2" not in result.text


def test_a_url_variable_used_once_is_rewritten_where_it_is_built():
    result = fix('''
        import requests
        def go(branch):
            url = f"https://circleci.com/api/v1.1/project/github/acme/app/tree/{branch}"
            payload = {"tag": None}
            requests.post(url).raise_for_status()
        ''')
    assert '    url = "https://circleci.com/api/v2/project/gh/acme/app/pipeline"\n' in result.text
    assert '    requests.post(url, json={"branch": branch}, headers=' in result.text


def test_a_url_variable_read_twice_is_left():
    result = fix('''
        import requests
        def go(branch):
            url = f"https://circleci.com/api/v1.1/project/github/acme/app/tree/{branch}"
            requests.post(url).raise_for_status()
            print(url)
        ''')
    assert left(result)["CCI102"].startswith("the URL comes from `url`, which is assigned more than once")


def test_a_payload_variable_used_once_is_edited_in_place():
    result = fix('''
        import requests
        def go(token):
            payload = {"build_parameters": {"A": 1}}
            requests.post("https://circleci.com/api/v1.1/project/github/acme/app/tree/main", json=payload,
                          params={"circle-token": token, "x": 1}).raise_for_status()
        ''', unsafe=True)
    assert '    payload = {"parameters": {"A": 1}, "branch": "main"}\n' in result.text
    assert 'params={"x": 1}' in result.text and '"Circle-Token": token' in result.text
    [change] = [c for c in result.changes if c.rule_id == "CCI102"]
    assert change.fix == "unsafe" and "build_parameters -> parameters (unsafe:" in change.description


@pytest.mark.parametrize("body, reason", [
    ('{"revision": "abc"}', "`revision`: v2 cannot pin a commit"),
    ('{"tag": "v1"}', "v2 triggers a branch or a tag, not both"),
    ('{"branch": "x"}', "`branch` is both in the URL and in the body"),
    ('{"nonsense": 1}', "the body field `nonsense` has no v2 equivalent in CCI102"),
    ('{**extra}', "the dict has a ** splat whose keys cannot be seen"),
    ('make_body()', "the request body `make_body()` is not a dict literal the fixer can read"),
])
def test_bodies_that_need_a_person(body, reason):
    result = fix(f'''
        import requests
        requests.post("https://circleci.com/api/v1.1/project/github/acme/app/tree/main", json={body},
                      headers={{"Accept": "application/json"}}).raise_for_status()
        ''')
    assert left(result)["CCI102"].startswith(reason)
    assert "/api/v1.1/" in result.text


def test_a_dropped_field_is_removed_only_with_unsafe_fixes():
    # `parallel` has no v2 meaning (rules/field_outcomes.py DROPPED): the Python fixer removes it with
    # --unsafe-fixes and says so in the report, as the shell fixer does; it used to leave it for a person
    code = '''
        import requests
        requests.post("https://circleci.com/api/v1.1/project/github/acme/app/tree/main", json={"parallel": 2},
                      headers={"Accept": "application/json"}).raise_for_status()
        '''
    safe = fix(code)
    assert left(safe)["CCI102"] == "needs --unsafe-fixes: `parallel` is dropped: set parallelism in the config instead"
    assert "/api/v1.1/" in safe.text and "parallel" in safe.text
    unsafe = fix(code, unsafe=True)
    assert left(unsafe) == {}
    assert 'requests.post("https://circleci.com/api/v2/project/gh/acme/app/pipeline", json={"branch": "main"},' \
        in unsafe.text and "parallel" not in unsafe.text
    [change] = [c for c in unsafe.changes if c.rule_id == "CCI102"]
    assert change.fix == "unsafe"
    assert "; parallel dropped (unsafe: set parallelism in the config instead)" in change.description


def test_kwargs_splat_is_left():
    result = fix('''
        import requests
        def go(**kw):
            requests.post("https://circleci.com/api/v1.1/project/github/acme/app/tree/main", **kw).raise_for_status()
        ''')
    assert left(result)["CCI102"] == "the body may come in through **kwargs"


def test_requests_session_and_httpx_and_aiohttp():
    result = fix('''
        import aiohttp, httpx, requests
        s = requests.Session()
        s.post("https://circleci.com/api/v1.1/project/github/acme/app/tree/main").raise_for_status()

        async def go(branch):
            async with httpx.AsyncClient() as client:
                r = await client.post(f"https://circleci.com/api/v1.1/project/github/acme/app/tree/{branch}")
                r.raise_for_status()
            async with aiohttp.ClientSession() as session:
                async with session.post("https://circleci.com/api/v1.1/project/github/acme/app") as resp:
                    return resp.status
        ''')
    assert left(result) == {}
    assert result.text.count("/api/v2/project/gh/acme/app/pipeline") == 3
    assert 'await client.post("https://circleci.com/api/v2/project/gh/acme/app/pipeline", json={"branch": branch}' \
        in result.text


def test_httpx_client_base_url_becomes_an_absolute_v2_url():
    result = fix('''
        import httpx
        c = httpx.Client(base_url="https://circleci.com/api/v1.1")
        c.post("/project/github/acme/app/tree/main").raise_for_status()
        ''')
    assert 'c.post("https://circleci.com/api/v2/project/gh/acme/app/pipeline", json={"branch": "main"}' in result.text


def test_urllib_request_gets_a_json_body_and_headers():
    result = fix('''
        import urllib.request
        req = urllib.request.Request("https://circleci.com/api/v1.1/project/github/acme/app/tree/dev", method="POST")
        with urllib.request.urlopen(req) as resp:
            print(resp.status)
        ''')
    assert result.text.startswith("import urllib.request\nimport json\n")
    assert ('req = urllib.request.Request("https://circleci.com/api/v2/project/gh/acme/app/pipeline", method="POST", '
            'data=json.dumps({"branch": "dev"}).encode(), headers={"Content-Type": "application/json", '
            '"Accept": "application/json"})') in result.text


def test_http_client_and_curl_are_left_with_their_reason():
    result = fix('''
        import http.client, subprocess
        conn = http.client.HTTPSConnection("circleci.com")
        conn.request("POST", "/api/v1.1/project/github/acme/app/tree/main", headers={"Accept": "application/json"})
        subprocess.run(["curl", "-X", "POST", "-H", "Accept: application/json",
                        "https://circleci.com/api/v1.1/project/github/acme/app/tree/main"])
        ''')
    reasons = [l.reason for l in result.left if l.rule_id == "CCI102"]
    assert "calls through http.client in this form are not rewritten automatically" in reasons
    assert "curl command lines are not rewritten automatically" in reasons


def test_multiline_layout_is_followed():
    result = fix('''
        import requests
        def go(org):
            requests.post(
                f"https://circleci.com/api/v1.1/project/github/{org}/app/tree/main",
                headers={
                    "Circle-Token": TOKEN,
                },
            ).raise_for_status()
        ''')
    assert result.text == textwrap.dedent('''\
        import requests
        def go(org):
            requests.post(
                f"https://circleci.com/api/v2/project/gh/{org}/app/pipeline",
                headers={
                    "Circle-Token": TOKEN,
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                },
                json={"branch": "main"},
            ).raise_for_status()
        ''')
