"""Legacy client code moves to the circleci_v2 drop-ins with one import change (every form), raw `requests`
moves to the shim only as an unsafe fix, and --add-todo comments sit where a person will see them."""
from __future__ import annotations

import textwrap

import pytest

from circleci_v2.migrate.fix import FixOptions, fix_source
from circleci_v2.migrate.python import analyse
from circleci_v2.rules import load_catalogue

CATALOGUE = load_catalogue()


def fix(code: str, **options):
    code = textwrap.dedent(code).lstrip("\n")
    result = fix_source(code, "t.py", analyse(code, "t.py", CATALOGUE), FixOptions(**options), CATALOGUE)
    assert result.errors == []
    return result


@pytest.mark.parametrize("before, after", [
    ("from circleci.api import Api\nApi(t).trigger_build('a', 'b')\n",
     "from circleci_v2.shim.circleci import Api\nApi(t).trigger_build('a', 'b')\n"),
    ("from circleci.api import Api as CircleApi\nCircleApi(t).retry_build('a', 'b', 1)\n",
     "from circleci_v2.shim.circleci import Api as CircleApi\nCircleApi(t).retry_build('a', 'b', 1)\n"),
    ("from circleci.error import CircleCIException, BadKeyError\n",
     "from circleci_v2.shim.circleci import CircleCIException, BadKeyError\n"),
    ("import circleci.api as ca\nca.Api(t).get_recent_builds()\n",
     "import circleci_v2.shim.circleci as ca\nca.Api(t).get_recent_builds()\n"),
    ("import circleci.api\n\napi = circleci.api.Api(token)\napi.retry_build('a', 'b', 1)\n",
     "import circleci_v2.shim.circleci\n\napi = circleci_v2.shim.circleci.Api(token)\napi.retry_build('a', 'b', 1)\n"),
    ("import circleci.api\nimport circleci.error\ntry:\n    circleci.api.Api(t).trigger_build('a', 'b')\n"
     "except circleci.error.CircleCIException:\n    pass\n",
     "import circleci_v2.shim.circleci\nimport circleci_v2.shim.circleci\ntry:\n"
     "    circleci_v2.shim.circleci.Api(t).trigger_build('a', 'b')\n"
     "except circleci_v2.shim.circleci.CircleCIException:\n    pass\n"),
    ("from circleci import api\napi.Api(t).trigger_build('a', 'b')\n",
     "from circleci_v2.shim import circleci as api\napi.Api(t).trigger_build('a', 'b')\n"),
    ("from pycircleci.api import Api, CIRCLE_API_URL\n",
     "from circleci_v2.shim.pycircleci import Api, CIRCLE_API_URL\n"),
    ("from circleclient import circleclient\ncircleclient.CircleClient(t).build.trigger('a', 'b', 'main')\n",
     "from circleci_v2.shim import circleclient\ncircleclient.CircleClient(t).build.trigger('a', 'b', 'main')\n"),
    ("import os, circleci.api as ca\n", "import os, circleci_v2.shim.circleci as ca\n"),
    ("def main():\n    from circleci.api import Api\n    Api(t).trigger_build('a', 'b')\n",
     "def main():\n    from circleci_v2.shim.circleci import Api\n    Api(t).trigger_build('a', 'b')\n"),
])
def test_legacy_imports_move_to_the_drop_ins(before, after):
    result = fix(before)
    assert result.text == after
    assert result.left == []
    assert fix(after).text == after  # the drop-in imports are not reported again


def test_a_client_finding_is_fixed_by_its_import_even_when_the_import_rule_is_ignored():
    code = "from circleci.api import Api\nApi(t).trigger_build('a', 'b')\n"
    findings = [f for f in analyse(code, "t.py", CATALOGUE) if f.rule_id != "CCI115"]
    result = fix_source(code, "t.py", findings, FixOptions(), CATALOGUE)
    assert result.text.startswith("from circleci_v2.shim.circleci import Api\n")
    [change] = result.changes
    assert change.rule_id == "CCI110" and "import changed at line 1" in change.description


def test_raw_requests_moves_to_the_shim_only_as_an_unsafe_fix():
    code = '''
        import requests
        def retry(n):
            requests.post(f"https://circleci.com/api/v1.1/project/github/acme/app/{n}/retry",
                          headers={"Accept": "application/json"})
        '''
    safe = fix(code)
    assert safe.text == textwrap.dedent(code).lstrip("\n")
    assert [(l.rule_id, l.needs) for l in safe.left] == [("CCI104", "manual")]
    unsafe = fix(code, unsafe=True)
    assert unsafe.text.startswith("from circleci_v2.shim import requests\n")
    assert unsafe.left == []
    [change] = unsafe.changes
    assert change.fix == "unsafe" and change.description.startswith("runs through circleci_v2.shim.requests now")


def test_the_requests_swap_keeps_an_alias_and_leaves_files_without_deprecated_calls():
    code = '''
        import requests as rq
        rq.post("https://circleci.com/api/v1.1/project/github/acme/app/42/retry",
                headers={"Accept": "application/json"})
        '''
    assert fix(code, unsafe=True).text.startswith("from circleci_v2.shim import requests as rq\n")
    # a call the shim cannot run either (its rule's shim.runs is `refused`) gains nothing from the swap
    refused = '''
        import requests as rq
        rq.delete("https://circleci.com/api/v1.1/project/github/acme/app/build-cache",
                  headers={"Accept": "application/json"})
        '''
    assert fix(refused, unsafe=True).text == textwrap.dedent(refused).lstrip("\n")
    info_only = '''
        import requests
        requests.get("https://circleci.com/api/v1.1/project/github/acme/app/42", headers={"Accept": "application/json"})
        '''
    assert fix(info_only, unsafe=True).text == textwrap.dedent(info_only).lstrip("\n")


@pytest.mark.parametrize("code, expected", [
    # indented, in a function
    ("import requests\ndef f(n):\n    x = 1\n    requests.post(URL)\n",
     "import requests\ndef f(n):\n    x = 1\n    TODO\n    requests.post(URL)\n"),
    # a one-line compound statement: above the line
    ("import requests\nif True: requests.post(URL)\n", "import requests\nTODO\nif True: requests.post(URL)\n"),
    # in an elif test: above the elif line
    ("import requests\nif a:\n    pass\nelif requests.post(URL).ok:\n    pass\n",
     "import requests\nif a:\n    pass\nTODO\nelif requests.post(URL).ok:\n    pass\n"),
    # in a decorator: above the decorators
    ("import requests\n@register(requests.post(URL))\ndef f():\n    pass\n",
     "import requests\nTODO\n@register(requests.post(URL))\ndef f():\n    pass\n"),
    # a multi-line call: above its first line
    ("import requests\nr = (\n    requests.post(URL)\n)\n", "import requests\nTODO\nr = (\n    requests.post(URL)\n)\n"),
])
def test_todo_comments_go_above_the_statement(code, expected):
    url = '"https://circleci.com/api/v1.1/project/github/acme/app/1/retry", headers={"Accept": "application/json"}'
    todo = "# TODO(circleci-v2): CCI104 v2 reruns workflows, not builds. For build number N:"
    code = code.replace("URL", url)
    expected = expected.replace("URL", url).replace("TODO", todo)
    result = fix(code, add_todo=True)
    assert result.text == expected
    assert [l.todo for l in result.left] == [True]
    assert fix(result.text, add_todo=True).text == expected


def test_one_todo_per_rule_and_statement_and_one_per_rule_even_after_edits():
    code = '''
        import requests
        for n in (1, 2):
            requests.post(f"https://circleci.com/api/v1.1/project/github/acme/app/{n}/retry") or requests.post(
                f"https://circleci.com/api/v1.1/project/github/acme/app/{n}/ssh")
        '''
    result = fix(code, add_todo=True)
    lines = result.text.splitlines()
    assert lines[2] == "    # TODO(circleci-v2): CCI104 v2 reruns workflows, not builds. For build number N:"
    assert lines[3].startswith("    # TODO(circleci-v2): CCI105 Find the job's workflow with getJobDetails")
    assert result.text.count("TODO(circleci-v2)") == 2
    # the Accept header was added to both calls in the same run; a second run changes nothing
    assert result.text.count('headers={"Accept": "application/json"}') == 2
    assert fix(result.text, add_todo=True).text == result.text


# a trigger rewritten to v2 (go), one routed through the shim because its reply is returned (go2), and the
# recent-builds listing only the shim runs (go3): --unsafe-fixes switches the file's `requests` import
SWITCHED = '''\
import os
import requests

BASE = os.environ["CIRCLE_HOST"]


def go(branch, token):
    requests.post(BASE + "/api/v1.1/project/github/acme/app/tree/" + branch, params={"circle-token": token},
                  json={"build_parameters": {"X": "1"}})


def go2(host, token):
    return requests.post(f"{host}/api/v1.1/project/github/acme/app/tree/main?circle-token={token}")


def go3(base):
    return requests.get(base + "/api/v1.1/recent-builds", headers={"Accept": "application/json"})
'''
GO2_ROUTED = ('    return {}.post(f"{{host}}/api/v1.1/project/github/acme/app/tree/main", '
              'headers={{"Accept": "application/json", "Circle-Token": token}})\n')


def _shim_imports(text: str) -> list:
    return [line for line in text.splitlines() if "import" in line and "requests" in line]


def test_a_file_switched_to_the_shims_requests_imports_it_once_and_routed_sites_use_that_name(tmp_path):
    from clirun import run_cli, write

    path = write(tmp_path, "b.py", SWITCHED)
    run_cli("fix", "--unsafe-fixes", "b.py", cwd=tmp_path)
    text = path.read_text()
    assert _shim_imports(text) == ["from circleci_v2.shim import requests"]
    assert GO2_ROUTED.format("requests") in text and "shim_requests" not in text
    compile(text, "b.py", "exec")
    run_cli("fix", "--unsafe-fixes", "b.py", cwd=tmp_path)
    assert path.read_text() == text


def test_fix_then_unsafe_fix_ends_with_one_import_of_the_shims_requests(tmp_path):
    from clirun import run_cli, write

    path = write(tmp_path, "c.py", SWITCHED)
    run_cli("fix", "c.py", cwd=tmp_path)
    safe = path.read_text()
    # not switched: the routed site keeps its own alias, as before
    assert _shim_imports(safe) == ["import requests", "from circleci_v2.shim import requests as shim_requests"]
    assert GO2_ROUTED.format("shim_requests") in safe
    run_cli("fix", "--unsafe-fixes", "c.py", cwd=tmp_path)
    text = path.read_text()
    assert _shim_imports(text) == ["from circleci_v2.shim import requests"]
    assert GO2_ROUTED.format("requests") in text and "shim_requests" not in text
    compile(text, "c.py", "exec")
    run_cli("fix", "--unsafe-fixes", "c.py", cwd=tmp_path)
    assert path.read_text() == text


def test_the_alias_import_stays_when_requests_is_bound_to_something_else_too():
    code = '''
        import requests
        from circleci_v2.shim import requests as shim_requests
        def go2(host, requests):
            return shim_requests.post(f"{host}/api/v1.1/project/github/acme/app/tree/main",
                                      headers={"Accept": "application/json"})
        def go3(base):
            return shim_requests.get(base + "/api/v1.1/recent-builds", headers={"Accept": "application/json"})
        def go4(base):
            import requests
            return requests.get(base + "/api/v1.1/recent-builds", headers={"Accept": "application/json"})
        '''
    result = fix(code, unsafe=True)
    # `requests` is also a parameter of go2: renaming shim_requests.x there would call the parameter
    assert "shim_requests.post(" in result.text and "from circleci_v2.shim import requests as shim_requests\n" in result.text
    compile(result.text, "t.py", "exec")
