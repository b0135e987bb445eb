"""How the reply of a v1.1 call is used decides its fix (the rule's `reply` block): a site that only checks
the status is rewritten to v2; a site that reads v1.1 fields is routed through the shim or left for a person."""
from __future__ import annotations

import ast
import textwrap

import pytest

from circleci_v2.migrate.fix import FixOptions, fix_source
from circleci_v2.migrate.fix.reply import READS_FIELDS, STATUS_ONLY, reply_use
from circleci_v2.migrate.fix.source_map import SourceMap
from circleci_v2.migrate.python import analyse
from circleci_v2.rules import load_catalogue

CATALOGUE = load_catalogue()
URL = '"https://circleci.com/api/v1.1/project/github/acme/app/tree/main"'


def use_of(code: str, follow: bool = False):
    code = textwrap.dedent(code).replace("URL", URL)
    sm = SourceMap(code, "t.py")
    [call] = [c for c in sm.ordered[ast.Call] if (sm.text_of(c.func) or "").endswith(".post")]
    return reply_use(sm, call, follow_returns=follow)


@pytest.mark.parametrize("code, detail", [
    ("requests.post(URL)", "the reply is not used"),
    ("requests.post(URL).raise_for_status()", "raise_for_status()"),
    ("if requests.post(URL).ok:\n    pass", ".ok"),
    ("assert requests.post(URL).status_code == 201", ".status_code"),
    ("r = requests.post(URL)\nr.raise_for_status()\nprint(r.status_code)", "`r`: raise_for_status(), .status_code"),
    ("r = requests.post(URL)", "the reply is not used"),
    ("if not requests.post(URL):\n    raise SystemExit(1)", "truth value (ok)"),
    ("async def f(c):\n    r = await c.post(URL)\n    return r.is_success", "`r`: .is_success"),
    ("with urlopen(Request(URL, method='POST')) as resp:\n    print(resp.status)", None),
])
def test_status_only(code, detail):
    code = code.replace("Request(URL, method='POST')", "x.post(URL)")
    u = use_of(code)
    assert u.kind == STATUS_ONLY
    if detail is not None:
        assert u.detail == detail


@pytest.mark.parametrize("code, fields", [
    ("print(requests.post(URL).json()['build_num'])", ("build_num",)),
    ("r = requests.post(URL)\nnum = r.json()['build_num']", ("build_num",)),
    ("body = requests.post(URL).json()\nwhile body.get('lifecycle') != 'finished':\n    pass", ("lifecycle",)),
    ("r = requests.post(URL)\nlog(r)", ()),
    ("def f():\n    return requests.post(URL)", ()),
    ("r = requests.post(URL)\nprint(r.text)", ()),
    ("x = requests.post(URL).raise_for_status()", ()),
])
def test_reads_fields(code, fields):
    u = use_of(code)
    assert u.kind == READS_FIELDS
    assert u.fields == fields


def test_a_returned_reply_is_followed_to_this_files_callers_only_when_asked():
    code = "def f():\n    return requests.post(URL)\n\nf()\nf().raise_for_status()\n"
    assert use_of(code).kind == READS_FIELDS
    followed = use_of(code, follow=True)
    assert followed.kind == STATUS_ONLY and followed.detail.startswith("returned by f(), whose callers")
    reading = code + "print(f().json()['build_num'])\n"
    assert use_of(reading, follow=True).fields == ("build_num",)
    passed_on = code + "callbacks = [f]\n"
    assert use_of(passed_on, follow=True).kind == READS_FIELDS
    uncalled = "def f():\n    return requests.post(URL)\n"
    assert use_of(uncalled, follow=True).kind == READS_FIELDS


def fix(code: str, **options) -> object:
    code = textwrap.dedent(code).lstrip("\n")
    return fix_source(code, "t.py", analyse(code, "t.py", CATALOGUE), FixOptions(**options), CATALOGUE)


STATUS_SITE = '''
    import requests
    def deploy(branch):
        r = requests.post(f"https://circleci.com/api/v1.1/project/github/acme/app/tree/{branch}",
                          headers={"Accept": "application/json"})
        r.raise_for_status()
    '''
READING_SITE = '''
    import requests
    def deploy(branch):
        r = requests.post(f"https://circleci.com/api/v1.1/project/github/acme/app/tree/{branch}",
                          headers={"Accept": "application/json"})
        return r.json()["build_num"]
    '''


def test_status_only_site_is_rewritten_to_v2():
    result = fix(STATUS_SITE)
    assert 'requests.post("https://circleci.com/api/v2/project/gh/acme/app/pipeline",' in result.text
    assert [c.rule_id for c in result.changes] == ["CCI102"] and result.left == []


def test_reading_site_is_routed_through_the_shim_as_the_rule_says():
    assert CATALOGUE["CCI102"].reply["reads-fields"] == "shim"
    result = fix(READING_SITE)
    assert result.text == textwrap.dedent(READING_SITE).lstrip("\n").replace(
        "import requests\n", "import requests\nfrom circleci_v2.shim import requests as shim_requests\n").replace(
        "r = requests.post(", "r = shim_requests.post(")
    [change] = result.changes
    assert change.description.startswith("routed through circleci_v2.shim.requests")
    # the call now goes through the shim, which `check` does not report: a second fix changes nothing
    assert fix(result.text).text == result.text


def test_reading_site_of_a_rule_that_says_manual_is_left_with_a_todo():
    assert CATALOGUE["CCI103"].reply["reads-fields"] == "manual"
    code = '''
        import requests
        r = requests.post("https://circleci.com/api/v1.1/project/github/acme/app/build", json={"branch": "main"},
                          headers={"Accept": "application/json"})
        print(r.json()["body"])
        '''
    result = fix(code, add_todo=True)
    [l] = result.left
    assert l.rule_id == "CCI103" and l.todo
    assert l.reason.startswith("the code uses the v1.1 reply: `r` reads .json() (body)")
    assert result.text.startswith("import requests\n# TODO(circleci-v2): CCI103 Send POST /api/v2/project/")


def test_a_session_cannot_be_routed_and_says_so():
    code = textwrap.dedent(READING_SITE).replace("    r = requests.post", "    r = S.post").replace(
        "import requests\n", "import requests\nS = requests.Session()\n")
    result = fix(code)
    assert [l.reason for l in result.left] == [
        "only calls through requests can be routed through circleci_v2.shim.requests; this call uses requests.Session"]


def test_unsafe_fixes_follow_a_returned_reply_to_callers_that_only_check_it():
    code = '''
        import requests
        def trigger(branch):
            return requests.post(f"https://circleci.com/api/v1.1/project/github/acme/app/tree/{branch}",
                                 headers={"Accept": "application/json"})

        def main():
            trigger("main").raise_for_status()
        '''
    safe = fix(code)
    assert "shim_requests.post(" in safe.text  # returned: any caller might read it
    unsafe = fix(code, unsafe=True)
    assert "/api/v2/project/gh/acme/app/pipeline" in unsafe.text and "shim" not in unsafe.text
    [change] = [c for c in unsafe.changes if c.rule_id == "CCI102"]
    assert change.fix == "unsafe" and "assumes no other module calls it" in change.description
