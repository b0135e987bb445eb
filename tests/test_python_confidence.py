"""When a finding is "high" and when "low", and that a low finding always says why and is never auto-fixed."""
from __future__ import annotations

import textwrap

from circleci_v2.migrate.python import analyse
from circleci_v2.rules import load_catalogue

CATALOGUE = load_catalogue()
H = 'headers={"Accept": "application/json"}'


def one(code: str, rule_id: str):
    found = [f for f in analyse(textwrap.dedent(code), "t.py", CATALOGUE) if f.rule_id == rule_id]
    assert len(found) == 1, found
    return found[0]


def test_resolved_in_this_file_is_high_without_reason():
    f = one(f"""
        import requests
        requests.post("https://circleci.com/api/v1.1/project/github/a/b/tree/main", {H})
        """, "CCI102")
    assert (f.confidence, f.reason, f.fix) == ("high", None, "safe")


def test_alternatives_that_agree_stay_high():
    f = one(f"""
        try:
            import httpx as http
        except ImportError:
            import requests as http
        def go(debug):
            url = "https://circleci.com/api/v1.1/project/github/a/b/tree/main" if debug else \\
                  "https://circleci.com/api/v1.1/project/github/a/b/tree/" + "main"
            http.post(url, {H})
        """, "CCI102")
    assert (f.confidence, f.reason) == ("high", None)


def test_alternatives_that_disagree_are_low_and_name_the_choice():
    f = one(f"""
        import requests
        def go(legacy):
            url = ("https://circleci.com/api/v1.1/project/github/a/b/tree/main" if legacy
                   else "https://circleci.com/api/v2/project/gh/a/b/pipeline")
            requests.post(url, {H})
        """, "CCI102")
    assert f.confidence == "low" and f.fix == "manual"
    assert f.reason == "the URL depends on the condition `legacy`: CCI102 or no v1.1 route"


def test_environment_default_is_high_and_noted():
    f = one(f"""
        import os, requests
        BASE = os.environ.get("CIRCLE_URL", "https://circleci.com/api/v1.1")
        requests.post(BASE + "/project/github/a/b/tree/main", {H})
        """, "CCI102")
    assert f.confidence == "high"
    assert f.site.notes == ("default of environment variable CIRCLE_URL",)


def test_every_low_reason_together():
    f = one("""
        import os
        BASE = os.environ["CIRCLE_URL"]
        class Tool:
            def __init__(self, http):
                self.http = http
            def go(self, method, slug, b):
                return self.http.request(method, f"https://circleci.example/api/v1.1/project/{slug}/tree/{b}")
        """, "CCI102")
    assert f.confidence == "low" and f.fix == "manual"
    assert f.reason == ("HTTP verb not resolved (parameter `method` of go()): CCI102 if POST, CCI133 if GET; "
                        "parameter `slug` of go() is assumed to hold vcs/user/project; "
                        "`self.http` is not a known HTTP client; assumed it sends a request")


def test_too_many_alternatives_are_cut_and_said():
    branches = "\n".join(f"    if c{i}:\n        url += '/x{i}'" for i in range(8))
    code = ("import requests\ndef go(" + ", ".join(f"c{i}" for i in range(8)) + "):\n"
            "    url = 'https://circleci.com/api/v1.1/project/github/a/b/tree/main'\n" + branches + "\n"
            f"    requests.post(url, {H})\n")
    found = [f for f in analyse(code, "t.py", CATALOGUE) if f.rule_id == "CCI102"]
    assert len(found) == 1 and found[0].confidence == "low"
    assert "more than 64 alternatives" in found[0].reason


def test_low_findings_are_never_auto_fixed_and_always_explained():
    code = """
        import os, requests
        BASE = os.environ["CIRCLE_URL"]
        def a(method):
            requests.request(method, "https://circleci.com/api/v1.1/project/github/a/b/tree/x")
        def b(h):
            requests.get(f"{BASE}/project/github/a/b/tree/x?circle-token=t", headers={**h})
        """
    found = analyse(textwrap.dedent(code), "t.py", CATALOGUE)
    lows = [f for f in found if f.confidence == "low"]
    assert len(lows) >= 3
    for f in lows:
        assert f.fix == "manual" and f.reason


def test_a_wrapper_call_is_high_but_manual_and_points_at_the_wrapper():
    f = one(f"""
        import requests
        BASE = "https://circleci.com/api/v1.1"
        def post(path):
            return requests.post(BASE + path, {H})
        post("/project/github/a/b/tree/main")
        """, "CCI102")
    assert (f.confidence, f.fix, f.line) == ("high", "manual", 6)
    assert f.reason == "the request is sent by post() (line 4); change it there"
