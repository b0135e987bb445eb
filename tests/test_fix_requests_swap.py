"""`fix --unsafe-fixes` points a file's `requests` at the shim when the import names other modules too
(`import os, requests`): the statement is split so only `requests` changes; the other names, their order and
the comments stay, the result compiles, and a second run changes nothing."""
from __future__ import annotations

import pytest

from clirun import run_cli, run_python, write

CALL = ('    return requests.post(f"https://circleci.com/api/v1.1/project/github/acme/app/{n}/retry",\n'
        '                         headers={"Accept": "application/json"}, auth=(os.environ["T"], ""))\n')
SHIM = "from circleci_v2.shim import requests"


def module(imports: str, indent: str = "", name: str = "requests") -> str:
    body = CALL.replace("\n    ", "\n" + indent + "    ").replace("requests.post", f"{name}.post")
    return f"#!/usr/bin/env python\n\"\"\"Retry a build.\"\"\"\n{imports}\n\n\n{indent}def retry(n):\n{indent}{body}"


@pytest.mark.parametrize("before, after", [
    ("import os, requests  # HTTP\nimport sys",
     f"import os\n{SHIM}  # HTTP\nimport sys"),
    ("# the clients\nimport os, requests, sys",
     f"# the clients\nimport os\n{SHIM}\nimport sys"),
    ("import os, json; import requests, sys",
     f"import os, json; {SHIM}; import sys"),
    ("import os, requests; import sys",
     f"import os; {SHIM}; import sys"),
])
def test_an_import_of_several_modules_is_split_around_requests(tmp_path, before, after):
    path = write(tmp_path, "retry.py", module(before))
    assert " CCI104 [~] " in run_cli("check", "retry.py", cwd=tmp_path).stdout  # check promises what fix does
    proc = run_cli("fix", "--unsafe-fixes", "retry.py", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # 1: a file changed
    assert path.read_text() == module(after)
    assert "fixed 1 finding(s) in 1 file" in proc.stderr
    assert run_python(f"import ast; ast.parse(open({str(path)!r}).read())").returncode == 0
    again = run_cli("fix", "--unsafe-fixes", "retry.py", cwd=tmp_path)
    assert "fixed 0 finding(s)" in again.stderr  # the call left runs through the shim, as after `import requests`
    assert path.read_text() == module(after)


def test_an_alias_is_kept(tmp_path):
    path = write(tmp_path, "retry.py", module("import requests as http, os", name="http"))
    assert run_cli("fix", "--unsafe-fixes", "retry.py", cwd=tmp_path).returncode == 1
    assert path.read_text() == module(f"{SHIM} as http\nimport os", name="http")


def test_an_indented_import_is_split_at_its_own_indent(tmp_path):
    before = module("if True:\n    import os, requests  # HTTP", indent="")
    path = write(tmp_path, "retry.py", before)
    assert run_cli("fix", "--unsafe-fixes", "retry.py", cwd=tmp_path).returncode == 1
    assert path.read_text() == module(f"if True:\n    import os\n    {SHIM}  # HTTP")
    assert run_cli("fix", "--unsafe-fixes", "retry.py", cwd=tmp_path).returncode == 1


def test_the_split_module_runs_through_the_shim(tmp_path):
    path = write(tmp_path, "retry.py", module("import os, requests"))
    assert run_cli("fix", "--unsafe-fixes", "retry.py", cwd=tmp_path).returncode == 1
    proc = run_python("import sys, os; sys.path.insert(0, '.'); import retry; "
                      "print(retry.requests.__name__, retry.os.sep == os.sep)", cwd=tmp_path)
    assert proc.stdout.split() == ["circleci_v2.shim.requests", "True"], proc.stderr


def test_no_swap_when_the_file_also_imports_a_requests_submodule(tmp_path):
    # `import requests.adapters` binds `requests` to the real package again: the swapped name would not hold
    before = module("import requests\nimport requests.adapters")
    path = write(tmp_path, "retry.py", before)
    assert " CCI104 [~] " not in run_cli("check", "retry.py", cwd=tmp_path).stdout
    proc = run_cli("fix", "--unsafe-fixes", "retry.py", cwd=tmp_path)
    assert proc.returncode == 1 and "fixed 0 finding(s)" in proc.stderr and " CCI104 [manual] " in proc.stdout
    assert path.read_text() == before
