"""Sites `fix` used to refuse with a wrong reason (issue: what check says must be what fix does, item 10).

Through the command line: `check` marks the site fixable, `fix` rewrites it, and a second `check` finds
nothing left to fix.
"""
from __future__ import annotations

from clirun import run_cli, write

ENV_TOKEN = (
    "import os\n"
    "import requests\n"
    'TOKEN = os.environ.get("CIRCLE_TOKEN", "")\n'
    'r = requests.get("https://circleci.com/api/v1.1/me?circle-token=" + TOKEN, headers={"Accept": "application/json"})\n'
    "r.raise_for_status()\n"
)
ENV_TOKEN_FIXED = (
    "import os\n"
    "import requests\n"
    'TOKEN = os.environ.get("CIRCLE_TOKEN", "")\n'
    'r = requests.get("https://circleci.com/api/v1.1/me", headers={"Accept": "application/json", '
    '"Circle-Token": TOKEN})\n'
    "r.raise_for_status()\n"
)


def test_an_empty_get_default_is_not_the_token(tmp_path):
    """`os.environ.get("CIRCLE_TOKEN", "")` is the variable's value; "" only when it is unset."""
    path = write(tmp_path, "me.py", ENV_TOKEN)
    check = run_cli("check", "me.py", cwd=tmp_path)
    assert "me.py:4:5: CCI121 [*] " in check.stdout
    fix = run_cli("fix", "me.py", cwd=tmp_path)
    assert "empty" not in fix.stdout + fix.stderr
    assert path.read_text() == ENV_TOKEN_FIXED
    assert "CCI121" not in run_cli("check", "me.py", cwd=tmp_path).stdout


def test_an_empty_get_default_leaves_the_base_url_unresolved(tmp_path):
    """An empty default says nothing about the base URL: the route is still found, with low confidence."""
    write(tmp_path, "t.py", (
        "import os\nimport requests\n"
        'BASE = os.environ.get("CIRCLECI_API", "")\n'
        'requests.post(BASE + "/project/github/acme/app/tree/main", headers={"Accept": "application/json"})\n'
    ))
    check = run_cli("check", "t.py", cwd=tmp_path)
    assert "t.py:4:1: CCI102 " in check.stdout
    assert "base URL not resolved in this file (environment variable CIRCLECI_API)" in check.stdout


PERCENT = (
    "import requests\n"
    'ENDPOINT = "https://circleci.com/api/v1.1/project/github/acme/app/tree/%s"\n'
    "def trigger(branch, token):\n"
    '    r = requests.post(ENDPOINT % branch, headers={"Circle-Token": token, "Accept": "application/json"})\n'
    "    r.raise_for_status()\n"
)
PERCENT_FIXED = (
    "import requests\n"
    'ENDPOINT = "https://circleci.com/api/v1.1/project/github/acme/app/tree/%s"\n'
    "def trigger(branch, token):\n"
    '    r = requests.post("https://circleci.com/api/v2/project/gh/acme/app/pipeline", headers={"Circle-Token": '
    'token, "Accept": "application/json", "Content-Type": "application/json"}, json={"branch": branch})\n'
    "    r.raise_for_status()\n"
)
FORMAT_VIA_NAME = (
    'import requests\n'
    'ENDPOINT = "https://circleci.com/api/v1.1/project/github/acme/app/tree/{}"\n'
    'def trigger(branch, token):\n'
    '    url = ENDPOINT.format(branch)\n'
    '    r = requests.post(url, headers={"Circle-Token": token, "Accept": "application/json"})\n'
    '    r.raise_for_status()\n'
)
FORMAT_VIA_NAME_FIXED = (
    'import requests\n'
    'ENDPOINT = "https://circleci.com/api/v1.1/project/github/acme/app/tree/{}"\n'
    'def trigger(branch, token):\n'
    '    url = "https://circleci.com/api/v2/project/gh/acme/app/pipeline"\n'
    '    r = requests.post(url, headers={"Circle-Token": token, "Accept": "application/json", '
    '"Content-Type": "application/json"}, json={"branch": branch})\n'
    '    r.raise_for_status()\n'
)


def test_a_format_string_held_in_a_module_constant_is_taken_apart(tmp_path):
    """`ENDPOINT % branch` with ENDPOINT assigned once and read once: no "assigned more than once" refusal."""
    a = write(tmp_path, "a.py", PERCENT)
    b = write(tmp_path, "b.py", FORMAT_VIA_NAME)
    fix = run_cli("fix", ".", cwd=tmp_path)
    assert "assigned more than once" not in fix.stdout + fix.stderr
    assert (a.read_text(), b.read_text()) == (PERCENT_FIXED, FORMAT_VIA_NAME_FIXED)
    assert "fixed 2 finding(s) in 2 files; 0 left for a person" in fix.stderr


def test_a_url_built_by_a_call_is_not_said_to_be_assigned_twice(tmp_path):
    """A whole-URL expression the fixer does not take apart is named as such, not as a reused variable."""
    write(tmp_path, "c.py", (
        "import requests\n"
        "def trigger(make_url, token):\n"
        '    r = requests.post(make_url("https://circleci.com/api/v1.1/project/github/acme/app/tree/main"),\n'
        '                      headers={"Circle-Token": token, "Accept": "application/json"})\n'
        "    r.raise_for_status()\n"
    ))
    fix = run_cli("fix", "c.py", cwd=tmp_path)
    assert "assigned more than once" not in fix.stdout
