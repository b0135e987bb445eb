"""How v1.1 URLs are built: every form the analyser must fold (issue 2, item 4)."""
from __future__ import annotations

import textwrap

import pytest

from circleci_v2.migrate.python import analyse
from circleci_v2.rules import load_catalogue

CATALOGUE = load_catalogue()
ACCEPT = 'headers={"Accept": "application/json"}'


def endpoint_findings(code: str):
    """Findings of endpoint rules only: (rule, confidence, reason)."""
    out = []
    for f in analyse(textwrap.dedent(code), "t.py", CATALOGUE):
        if CATALOGUE[f.rule_id].kind == "endpoint":
            out.append((f.rule_id, f.confidence, f.reason))
    return out


CASES = {
    "literal": f"""
        import requests
        requests.post("https://circleci.com/api/v1.1/project/github/acme/app/tree/main", {ACCEPT})
        """,
    "f-string": f"""
        import requests
        requests.post(f"https://circleci.com/api/v1.1/project/github/{{org}}/{{repo}}/tree/{{branch}}", {ACCEPT})
        """,
    "adjacent literals": f"""
        import requests
        requests.post("https://circleci.com/api/v1.1"
                      "/project/github/acme/app/tree/main", {ACCEPT})
        """,
    "str.format positional": f"""
        import requests
        url = "https://circleci.com/api/v1.1/project/github/{{}}/{{}}/tree/{{}}".format(org, repo, branch)
        requests.post(url, {ACCEPT})
        """,
    "str.format numbered": f"""
        import requests
        url = "https://circleci.com/api/v1.1/project/{{0}}/{{1}}/{{2}}/tree/{{3}}".format("github", o, r, b)
        requests.post(url, {ACCEPT})
        """,
    "str.format named": f"""
        import requests
        T = "https://circleci.com/api/v1.1/project/github/{{org}}/{{repo}}/tree/{{branch}}"
        requests.post(T.format(org=o, repo=r, branch=b), {ACCEPT})
        """,
    "str.format **locals()": f"""
        import requests
        def trigger(org, repo, branch):
            vcs = "github"
            url = "https://circleci.com/api/v1.1/project/{{vcs}}/{{org}}/{{repo}}/tree/{{branch}}".format(**locals())
            return requests.post(url, {ACCEPT})
        """,
    "str.format **dict": f"""
        import requests
        parts = {{"vcs": "github", "org": "acme"}}
        requests.post("https://circleci.com/api/v1.1/project/{{vcs}}/{{org}}/app/tree/main".format(**parts), {ACCEPT})
        """,
    "percent tuple": f"""
        import requests
        URL = "https://circleci.com/api/v1.1/project/%s/%s/%s/tree/%s"
        requests.post(URL % ("github", org, repo, branch), {ACCEPT})
        """,
    "percent dict": f"""
        import requests
        URL = "https://circleci.com/api/v1.1/project/%(vcs)s/%(org)s/%(repo)s/tree/%(b)s"
        requests.post(URL % {{"vcs": "github", "org": o, "repo": r, "b": b}}, {ACCEPT})
        """,
    "plus": f"""
        import requests
        BASE = "https://circleci.com/api/v1.1"
        requests.post(BASE + "/project/github/" + org + "/" + repo + "/tree/" + branch, {ACCEPT})
        """,
    "plus-equals": f"""
        import requests
        def go(branch):
            url = "https://circleci.com/api/v1.1"
            url += "/project/github/acme/app"
            url += "/tree/" + branch
            return requests.post(url, {ACCEPT})
        """,
    "module constant used in a function": f"""
        import requests
        def go():
            return requests.post(URL, {ACCEPT})
        URL = "https://circleci.com/api/v1.1/project/github/acme/app/tree/main"
        """,
    "class constant via self": f"""
        import requests
        class CI:
            BASE = "https://circleci.com/api/v1.1"
            TRIGGER = BASE + "/project/github/acme/app/tree/main"
            def go(self):
                return requests.post(self.TRIGGER, {ACCEPT})
        """,
    "class constant via cls": f"""
        import requests
        class CI:
            BASE = "https://circleci.com/api/v1.1"
            @classmethod
            def go(cls):
                return requests.post(cls.BASE + "/project/github/acme/app/tree/main", {ACCEPT})
        """,
    "class constant via class name": f"""
        import requests
        class CI:
            BASE = "https://circleci.com/api/v1.1"
        def go():
            return requests.post(CI.BASE + "/project/github/acme/app/tree/main", {ACCEPT})
        """,
    "instance attribute from a constructor default": f"""
        import requests
        class CI:
            def __init__(self, token, url="https://circleci.com/api/v1.1"):
                self.url = url
            def go(self, branch):
                return requests.post(f"{{self.url}}/project/github/acme/app/tree/{{branch}}", {ACCEPT})
        """,
    "inherited class constant": f"""
        import requests
        class Base:
            ROOT = "https://circleci.com/api/v1.1"
        class CI(Base):
            def go(self):
                return requests.post(self.ROOT + "/project/github/acme/app/tree/main", {ACCEPT})
        """,
    "function-local assignment": f"""
        import requests
        def go(org):
            root = "https://circleci.com/api/v1.1"
            project = root + f"/project/github/{{org}}/app"
            return requests.post(project + "/tree/main", {ACCEPT})
        """,
    "helper returning the URL": f"""
        import requests
        BASE = "https://circleci.com/api/v1.1"
        def url_for(path):
            return BASE + path
        requests.post(url_for("/project/github/acme/app/tree/main"), {ACCEPT})
        """,
    "urljoin": f"""
        import requests
        from urllib.parse import urljoin
        requests.post(urljoin("https://circleci.com/api/v1.1/", "project/github/acme/app/tree/main"), {ACCEPT})
        """,
    "urllib.parse.urljoin with an absolute path": f"""
        import requests
        import urllib.parse
        requests.post(urllib.parse.urljoin("https://circleci.com/x", "/api/v1.1/project/github/a/b/tree/main"), {ACCEPT})
        """,
    "uritemplate.expand": f"""
        import requests
        import uritemplate
        T = "https://circleci.com/api/v1.1/project/{{vcs}}/{{user}}/{{project}}/tree/{{branch}}"
        requests.post(uritemplate.expand(T, vcs="github", user="acme", project="app", branch=b), {ACCEPT})
        """,
    "URITemplate object": f"""
        import requests
        from uritemplate import URITemplate
        T = URITemplate("https://circleci.com/api/v1.1/project/github/{{user}}/{{project}}/tree/{{branch}}")
        requests.post(T.expand(user="acme", project="app", branch="main"), {ACCEPT})
        """,
    "literal {var} template": f"""
        import requests
        requests.post("https://circleci.com/api/v1.1/project/{{vcs}}/{{user}}/{{project}}/tree/{{branch}}", {ACCEPT})
        """,
    "os.environ.get default": f"""
        import os, requests
        BASE = os.environ.get("CIRCLE_URL", "https://circleci.com/api/v1.1")
        requests.post(f"{{BASE}}/project/github/acme/app/tree/main", {ACCEPT})
        """,
    "os.getenv default": f"""
        import os, requests
        BASE = os.getenv("CIRCLE_URL", "https://circleci.com/api/v1.1")
        requests.post(BASE + "/project/github/acme/app/tree/main", {ACCEPT})
        """,
    "env or fallback": f"""
        import os, requests
        BASE = os.environ.get("CIRCLE_URL") or "https://circleci.com/api/v1.1"
        requests.post(BASE + "/project/github/acme/app/tree/main", {ACCEPT})
        """,
    "join": f"""
        import requests
        requests.post("/".join(["https://circleci.com/api/v1.1", "project", vcs, org, repo, "tree", b]), {ACCEPT})
        """,
    "rstrip of a configured base": f"""
        import requests
        BASE = "https://circleci.com/api/v1.1/"
        requests.post(BASE.rstrip("/") + "/project/github/acme/app/tree/main", {ACCEPT})
        """,
    "server install host": f"""
        import requests
        requests.post("https://circleci.internal.example:8443/api/v1.1/project/github/acme/app/tree/main", {ACCEPT})
        """,
    "API v1 (no vcs segment)": f"""
        import requests
        requests.post(f"https://circleci.com/api/v1/project/{{user}}/{{repo}}/tree/{{branch}}", {ACCEPT})
        """,
}


@pytest.mark.parametrize("code", list(CASES.values()), ids=list(CASES))
def test_trigger_url_forms_are_resolved(code):
    assert endpoint_findings(code) == [("CCI102", "high", None)]


def test_a_slug_parameter_may_hold_several_segments_so_confidence_is_low():
    code = f"""
        import requests
        def go(slug, branch):
            requests.post(f"https://circleci.com/api/v1.1/project/{{slug}}/tree/{{branch}}", {ACCEPT})
        """
    [(rule, confidence, reason)] = endpoint_findings(code)
    assert (rule, confidence) == ("CCI102", "low")
    assert "`slug`" in reason and "vcs/user/project" in reason


def test_base_from_the_environment_is_low_and_says_why():
    code = f"""
        import os, requests
        BASE = os.environ["CIRCLE_URL"]
        def go(slug, b):
            requests.post(f"{{BASE}}/project/github/acme/app/tree/{{b}}", {ACCEPT})
        """
    [(rule, confidence, reason)] = endpoint_findings(code)
    assert (rule, confidence) == ("CCI102", "low")
    assert reason == "base URL not resolved in this file (environment variable CIRCLE_URL)"


def test_base_imported_from_another_module_is_low():
    code = f"""
        import requests
        from settings import CIRCLE_BASE
        requests.post(CIRCLE_BASE + "/project/github/acme/app/tree/main", {ACCEPT})
        """
    [(rule, confidence, reason)] = endpoint_findings(code)
    assert (rule, confidence) == ("CCI102", "low")
    assert "base URL not resolved in this file" in reason and "CIRCLE_BASE" in reason


def test_url_chosen_in_branches_is_low_when_the_rules_disagree():
    code = f"""
        import requests
        def go(ssh, n):
            if ssh:
                url = f"https://circleci.com/api/v1.1/project/github/a/b/{{n}}/ssh"
            else:
                url = f"https://circleci.com/api/v1.1/project/github/a/b/{{n}}/retry"
            requests.post(url, {ACCEPT})
        """
    [(rule, confidence, reason)] = endpoint_findings(code)
    assert rule in ("CCI104", "CCI105") and confidence == "low"
    assert "lines 5, 7" in reason and "CCI104" in reason and "CCI105" in reason


def test_a_placeholder_none_before_the_real_url_is_ignored():
    code = f"""
        import requests
        def go(n):
            url = None
            url = f"https://circleci.com/api/v1.1/project/github/a/b/{{n}}/retry"
            requests.post(url, {ACCEPT})
        """
    assert endpoint_findings(code) == [("CCI104", "high", None)]


def test_later_reassignment_in_the_same_block_wins():
    code = f"""
        import requests
        url = "https://circleci.com/api/v1.1/project/github/a/b/tree/main"
        url = "https://circleci.com/api/v2/project/gh/a/b/pipeline"
        requests.post(url, {ACCEPT})
        """
    assert endpoint_findings(code) == []


def test_replace_to_v2_is_not_reported():
    code = f"""
        import requests
        OLD = "https://circleci.com/api/v1.1/project/github/a/b/tree/main"
        requests.post(OLD.replace("/api/v1.1/", "/api/v2/"), {ACCEPT})
        """
    assert endpoint_findings(code) == []


@pytest.mark.parametrize("code", [
    '"""Trigger with POST https://circleci.com/api/v1.1/project/github/acme/app/tree/main"""\n',
    "# requests.post('https://circleci.com/api/v1.1/project/github/acme/app/tree/main')\n",
    'URL = "https://circleci.com/api/v1.1/project/github/acme/app/tree/main"\nprint(URL)\nlog.info(URL)\n',
    'def f():\n    """See https://circleci.com/api/v1.1/project/github/a/b/1/retry."""\n',
    'import requests\nrequests.post("https://circleci.com/api/v2/project/gh/a/b/pipeline")\n',
    'import requests\nrequests.post("https://example.com/api/v10/project/a/b/c/tree/main")\n',
    'import requests\nrequests.post(url)\n',
])
def test_strings_that_are_not_v1_requests_are_not_reported(code):
    assert analyse(code, "t.py", CATALOGUE) == []
