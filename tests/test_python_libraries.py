"""Each HTTP library the analyser knows, and curl run through subprocess."""
from __future__ import annotations

import textwrap

import pytest

from circleci_v2.migrate.python import analyse
from circleci_v2.rules import load_catalogue

CATALOGUE = load_catalogue()
TREE = "https://circleci.com/api/v1.1/project/github/acme/app/tree/main"


def found(code: str):
    return [(f.line, f.rule_id, f.confidence, f.site.library if f.site is not None else None)
            for f in analyse(textwrap.dedent(code), "t.py", CATALOGUE)]


def endpoint(code: str):
    return [(line, rule, c, lib) for line, rule, c, lib in found(code) if CATALOGUE[rule].kind == "endpoint"]


def test_requests_module_functions_and_aliases():
    code = f"""
        import requests
        import requests as rq
        from requests import post as send
        from requests import api
        requests.post("{TREE}")
        rq.post("{TREE}")
        send("{TREE}")
        api.post("{TREE}")
        """
    assert endpoint(code) == [(n, "CCI102", "high", "requests") for n in (6, 7, 8, 9)]


def test_requests_session_forms():
    code = f"""
        import requests
        from requests import Session
        s = requests.Session()
        s.post("{TREE}")
        with requests.Session() as s2:
            s2.post("{TREE}")
        Session().post("{TREE}")
        requests.session().request("POST", "{TREE}")
        class Client:
            def __init__(self):
                self.http = requests.Session()
            def go(self):
                return self.http.post("{TREE}")
        def f(session: requests.Session):
            session.post("{TREE}")
        """
    assert endpoint(code) == [(n, "CCI102", "high", "requests.Session") for n in (5, 7, 8, 9, 14, 16)]


def test_httpx_sync_async_and_base_url():
    code = """
        import httpx
        async def main():
            async with httpx.AsyncClient() as c:
                await c.post("https://circleci.com/api/v1.1/project/github/a/b/tree/main")
            client = httpx.Client(base_url="https://circleci.com/api/v1.1/")
            client.delete("/project/github/a/b/build-cache")
            httpx.post("https://circleci.com/api/v1.1/project/github/a/b/1/retry")
            await httpx.AsyncClient().request("GET", "https://circleci.com/api/v1.1/recent-builds")
        """
    assert endpoint(code) == [(5, "CCI102", "high", "httpx.AsyncClient"), (7, "CCI106", "high", "httpx.Client"),
                              (8, "CCI104", "high", "httpx"), (9, "CCI107", "high", "httpx.AsyncClient")]


def test_urllib_request():
    code = """
        import urllib.request
        from urllib.request import Request, urlopen
        req = Request("https://circleci.com/api/v1.1/project/github/a/b/tree/main", data=b"{}")
        urlopen(req)
        urllib.request.urlopen("https://circleci.com/api/v1.1/project/github/a/b/tree/main")
        urllib.request.urlopen("https://circleci.com/api/v1.1/project/github/a/b/tree/main", b"{}")
        urlopen("https://circleci.com/api/v1.1/project/github/a/b/tree/main", data=None)
        urlopen(Request("https://circleci.com/api/v1.1/project/github/a/b/1/retry", method="POST"))
        """
    assert endpoint(code) == [(4, "CCI102", "high", "urllib.request"), (6, "CCI133", "high", "urllib.request"),
                              (7, "CCI102", "high", "urllib.request"), (8, "CCI133", "high", "urllib.request"),
                              (9, "CCI104", "high", "urllib.request")]


def test_http_client():
    code = """
        import http.client
        conn = http.client.HTTPSConnection("circleci.com")
        conn.request("POST", "/api/v1.1/project/github/a/b/tree/main", body="{}")
        conn.request("GET", "/api/v1.1/project/github/a/b/tree/main")
        def server(host):
            c = http.client.HTTPSConnection(host)
            c.request("DELETE", "/api/v1.1/project/github/a/b/build-cache")
        """
    assert endpoint(code) == [(4, "CCI102", "high", "http.client"), (5, "CCI133", "high", "http.client"),
                              (8, "CCI106", "high", "http.client")]


def test_aiohttp():
    code = """
        import aiohttp
        async def main():
            async with aiohttp.ClientSession() as session:
                async with session.post("https://circleci.com/api/v1.1/project/github/a/b/tree/main") as resp:
                    await resp.json()
                await session.request("DELETE", "https://circleci.com/api/v1.1/project/github/a/b/build-cache")
            await aiohttp.request("POST", "https://circleci.com/api/v1.1/project/github/a/b/build")
        """
    assert endpoint(code) == [(5, "CCI102", "high", "aiohttp"), (7, "CCI106", "high", "aiohttp"),
                              (8, "CCI103", "high", "aiohttp")]


@pytest.mark.parametrize("call, rule", [
    (f'subprocess.run(["curl", "-X", "POST", "{TREE}"])', "CCI102"),
    (f'subprocess.run(["curl", "--request=POST", "{TREE}"])', "CCI102"),
    (f'subprocess.run(["curl", "-sSXPOST", "{TREE}"])', "CCI102"),
    (f'subprocess.check_output(["curl", "-s", "{TREE}"])', "CCI133"),
    (f'subprocess.call(["curl", "-d", "x=1", "{TREE}"])', "CCI102"),
    (f'subprocess.check_call(["curl", "--data-raw", "{{}}", "{TREE}"])', "CCI102"),
    (f'subprocess.Popen(["curl", "-F", "a=b", "{TREE}"])', "CCI102"),
    (f'subprocess.run(["curl", "-G", "-d", "limit=1", "{TREE}"])', "CCI133"),
    (f'subprocess.run(["/usr/bin/curl", "--url", "{TREE}", "-X", "POST"])', "CCI102"),
    (f'os.system("curl -fsS -X POST {TREE}")', "CCI102"),
    (f'os.system("curl {TREE} && echo done")', "CCI133"),
    (f'subprocess.run("curl --request POST \'{TREE}\'", shell=True)', "CCI102"),
    (f'subprocess.run(["bash", "-c", "curl -XPOST {TREE}"])', "CCI102"),
    (f'subprocess.run(shlex.split("curl -X POST {TREE}"))', "CCI102"),
    ('os.popen("curl -X DELETE https://circleci.com/api/v1.1/project/github/a/b/build-cache")', "CCI106"),
])
def test_curl_through_subprocess(call, rule):
    code = "import os, shlex, subprocess\n" + call + "\n"
    assert [(r, c, lib) for _, r, c, lib in endpoint(code)] == [(rule, "high", "subprocess:curl")]


def test_curl_argv_built_in_a_variable_and_f_string():
    code = """
        import subprocess
        def trigger(org, repo, branch):
            cmd = ["curl", "-X", "POST"]
            cmd += [f"https://circleci.com/api/v1.1/project/github/{org}/{repo}/tree/{branch}"]
            subprocess.run(cmd, check=True)
        """
    [f] = [f for f in analyse(textwrap.dedent(code), "t.py", CATALOGUE) if f.rule_id == "CCI102"]
    assert f.confidence == "high" and f.site.argv_index == 3


def test_curl_with_an_unresolved_verb_is_low():
    code = f"""
        import subprocess
        def go(verb):
            subprocess.run(["curl", "-X", verb, "{TREE}"])
        """
    [(line, rule, c, lib)] = endpoint(code)
    assert (rule, c) == ("CCI102", "low")


def test_other_programs_are_not_curl():
    code = f"""
        import subprocess
        subprocess.run(["echo", "curl", "-X", "POST", "{TREE}"])
        """
    assert endpoint(code) == []


def test_wget_is_read_as_wget():
    # wget sends GET unless told otherwise: the branch's builds, not a trigger
    code = f"""
        import subprocess
        subprocess.run(["wget", "{TREE}"])
        """
    assert [(rule, c) for _line, rule, c, _lib in endpoint(code)] == [("CCI133", "high")]


def test_unknown_client_object_with_a_resolved_v1_url_is_low():
    code = f"""
        class Deployer:
            def __init__(self, http):
                self.http = http
            def go(self):
                return self.http.post("{TREE}")
        """
    [f] = analyse(textwrap.dedent(code), "t.py", CATALOGUE)
    assert (f.rule_id, f.confidence) == ("CCI102", "low")
    assert f.reason == "`self.http` is not a known HTTP client; assumed it sends POST"
    assert f.site.library == "unknown" and f.site.receiver == "`self.http`"


def test_unknown_client_object_with_unresolved_base_is_not_reported():
    code = """
        def go(http, base):
            return http.post(f"{base}/project/github/a/b/tree/main")
        """
    assert analyse(textwrap.dedent(code), "t.py", CATALOGUE) == []


def test_request_objects_sent_later():
    code = """
        import requests, httpx
        s = requests.Session()
        prepared = requests.Request("POST", "https://circleci.com/api/v1.1/project/github/a/b/tree/main").prepare()
        s.send(prepared)
        httpx.Client().send(httpx.Request("GET", "https://circleci.com/api/v1.1/recent-builds"))
        """
    assert endpoint(code) == [(4, "CCI102", "high", "requests"), (6, "CCI107", "high", "httpx")]
