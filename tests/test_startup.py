"""What a pre-commit hook run pays when no staged file holds a v1.1 call: no heavy import, no catalogue.

The hooks run `circleci-v2 check FILES` and `circleci-v2 fix FILES` with the staged files named one by
one. Over files without a CircleCI marker (or with one but nothing a rule can match) neither command may
import libcst, requests, yaml or jsonschema, load the catalogue, or touch the fixer: that is what keeps a
hook run close to Python's start-up (bench/hook measures it).
"""
from __future__ import annotations

import pytest

from clirun import CLEAN, run_python, write

HEAVY = ("libcst", "requests", "yaml", "jsonschema")
# modules that mean work a marker-free run must not do
WORK = ("circleci_v2.rules.loader", "circleci_v2.migrate.python", "circleci_v2.migrate.text",
        "circleci_v2.migrate.fix.engine", "circleci_v2.migrate.fix.curl_in_text", "circleci_v2.migrate.migration_report",
        "circleci_v2.migrate.parameter_check", "circleci_v2.migrate.run_checks", "circleci_v2.migrate.trigger_sends")

STAGED = {
    "app/main.py": CLEAN,
    "app/settings.py": "import os\n\nCI = os.environ.get('CIRCLECI') == 'true'  # set on CircleCI\n",
    "scripts/publish.sh": "#!/usr/bin/env bash\nset -euo pipefail\naws s3 sync site/ s3://docs/\n",
    "scripts/release": "#!/bin/sh\ngit tag \"$1\" && git push --tags\n",
    "Makefile": "test:\n\tpython -m pytest -q\n",
    ".github/workflows/test.yml": "on: [push]\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n",
    ".circleci/config.yml": "version: 2.1\njobs:\n  test:\n    docker:\n      - image: circleci/python:3.9\n"
                            "    steps: [checkout, {run: make test}]\n",
    # already on v2, token in basic auth: mentions CircleCI, but nothing a rule can match
    "app/ci_status.py": "import os, requests\n\nrequests.get('https://circleci.com/api/v2/me',\n"
                        "             auth=(os.environ['CIRCLECI_TOKEN'], ''))\n",
    "Dockerfile": "FROM python:3.12-slim\nRUN pip install circleci-v2\n",
    "Jenkinsfile": "pipeline { agent any; stages { stage('t') { steps { sh 'make test' } } } }\n",
    "README.md": "Not checked: no kind of file circleci-v2 reads.\n",
}

PROBE = (
    "import sys\n"
    "from circleci_v2.migrate.cli import main\n"
    "try:\n"
    "    main(sys.argv[1:])\n"
    "except SystemExit as exc:\n"
    "    work = {work!r} + (() if sys.argv[1] in ('fix', 'diff') else ('circleci_v2.migrate.fix.command',))\n"
    "    loaded = sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r} or m in work)\n"
    "    print(exc.code, loaded)\n"
).format(heavy=HEAVY, work=WORK)


def _staged_tree(root):
    return {name: write(root, name, text) for name, text in STAGED.items()}


# (check does not even import migrate/fix: its commands are declared only when fix or diff runs)
@pytest.mark.parametrize("command", [["fix"], ["check", "-q"], ["diff"]])
def test_a_hook_run_over_marker_free_files_imports_nothing_heavy(tmp_path, command):
    files = _staged_tree(tmp_path)
    before = {name: path.read_bytes() for name, path in files.items()}
    proc = run_python(PROBE, *command, *sorted(STAGED), cwd=tmp_path)
    assert proc.stdout.strip() == "0 []", proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert {name: path.read_bytes() for name, path in files.items()} == before


def test_the_same_probe_sees_the_fixer_once_a_staged_file_holds_a_v11_call(tmp_path):
    """The probe above is not blind: with one v1.1 curl call among the staged files, the work is done."""
    _staged_tree(tmp_path)
    write(tmp_path, "scripts/trigger.sh",
          '#!/bin/sh\ncurl -X POST "https://circleci.com/api/v1.1/project/github/acme/app/tree/main'
          '?circle-token=$CIRCLE_TOKEN"\n')
    proc = run_python(PROBE, "fix", *sorted(STAGED), "scripts/trigger.sh", cwd=tmp_path)
    code, loaded = proc.stdout.strip().split(" ", 1)
    assert code == "1", proc.stdout + proc.stderr
    assert "'circleci_v2.migrate.text'" in loaded and "'circleci_v2.migrate.fix.curl_in_text'" in loaded
    assert "'yaml'" in loaded  # the catalogue
    assert "libcst" not in loaded  # a shell fix needs no Python rewriting


def test_a_staged_v2_call_with_the_token_in_its_query_is_found_and_fixed(tmp_path):
    """v2 code is no candidate by its root alone; spelling circle-token makes it one (CCI121)."""
    _staged_tree(tmp_path)
    script = write(tmp_path, "scripts/status.sh",
                   '#!/bin/sh\ncurl -s "https://circleci.com/api/v2/project/gh/acme/app/pipeline'
                   '?circle-token=$CIRCLE_TOKEN"\n')
    proc = run_python(PROBE, "fix", *sorted(STAGED), "scripts/status.sh", cwd=tmp_path)
    code, loaded = proc.stdout.strip().split(" ", 1)
    assert code == "1", proc.stdout + proc.stderr
    assert "'circleci_v2.migrate.text'" in loaded and "'circleci_v2.migrate.fix.curl_in_text'" in loaded
    assert script.read_text() == ('#!/bin/sh\ncurl -s "https://circleci.com/api/v2/project/gh/acme/app/pipeline"'
                                  ' -H "Circle-Token: $CIRCLE_TOKEN"\n')


def test_a_process_exit_skips_the_shutdown_collections_and_keeps_its_atexit_handlers(tmp_path):
    """main() run as the console script freezes the objects before exit (bench/hook: about 3 ms a run);
    atexit handlers still run and the output is complete. Called with argv (a library caller), it does not."""
    write(tmp_path, "a.py", CLEAN)
    code = ("import atexit, gc, sys\n"
            "atexit.register(lambda: print('atexit', gc.get_freeze_count() > 0))\n"
            "from circleci_v2.migrate.cli import main\n"
            "if sys.argv[1] == 'argv':\n"
            "    try:\n        main(['check', '-q', 'a.py'])\n    except SystemExit as exc:\n        print('exit', exc.code)\n"
            "else:\n"
            "    sys.argv = ['circleci-v2', 'rules']\n    main()\n")
    proc = run_python(code, "console", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.endswith("atexit True\n"), proc.stdout + proc.stderr
    assert "CCI101" in proc.stdout  # the whole listing came out before the handler ran
    proc = run_python(code, "argv", cwd=tmp_path)
    assert proc.stdout == "exit 0\natexit False\n", proc.stdout + proc.stderr
