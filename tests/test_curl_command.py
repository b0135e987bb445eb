"""One curl reader: the same command line, run from Python or written in a shell script, gives the same findings.

Both front ends read curl's options with migrate/curl_command.py; each line below is checked in a Python file
(`os.system("...")`) and in a shell script, on the same line number, through the command line.
"""
from __future__ import annotations

import json

from clirun import run_cli, write

U = "https://circleci.com/api/v1.1/project/github/acme/app"
COMMANDS = [
    f"curl -X POST {U}/tree/main",  # the verb as the next word
    f"curl -sXPOST {U}/tree/main",  # attached to a cluster of short options
    f"curl --request=POST {U}",  # a long option with =
    f"curl -d branch=main {U}",  # a body makes it POST
    f"curl -sG -d branch=main {U}",  # -G sends the body in the query: GET
    f"curl -I {U}",  # HEAD
    f"curl -T build.json {U}",  # PUT
    f"curl -G -T build.json {U}",  # -G without a body leaves -T's PUT
    f"curl -sS -H 'Accept: application/json' --url {U}/tree/main -d x=1",  # --url, header, body
    f"curl -X DELETE {U}/build-cache",
    f"curl -X GET -X POST {U}/tree/main",  # the last -X wins
    f"curl -s -- {U}/tree/main",  # a URL after --
    f"curl --max-time 5 -o out.json {U}/build-cache",  # options with values are not URLs
]


def _findings(stdout: str, name: str):
    return sorted((f["line"], f["rule"]) for f in json.loads(stdout)["findings"] if f["path"].endswith(name))


def test_python_and_shell_read_the_same_curl_command_lines_alike(tmp_path):
    write(tmp_path, "trigger.py", "import os\n" + "".join(f'os.system("{c}")\n' for c in COMMANDS))
    write(tmp_path, "trigger.sh", "#!/bin/sh\n" + "".join(f"{c}\n" for c in COMMANDS))
    proc = run_cli("check", "--output-format", "json", "--ignore", "CCI121", ".", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    python, shell = _findings(proc.stdout, "trigger.py"), _findings(proc.stdout, "trigger.sh")
    assert python == shell
    # what the verbs made of the same URLs: POST triggers, GET reads, HEAD and PUT no endpoint rule
    assert [(line, rule) for line, rule in python if rule != "CCI120"] == [
        (2, "CCI102"), (3, "CCI102"), (4, "CCI101"), (5, "CCI101"), (6, "CCI133"), (10, "CCI102"), (11, "CCI106"),
        (12, "CCI102"), (13, "CCI133"),
    ]
    # the Accept header is read from -H by both: only line 10 sends it
    assert [line for line, rule in python if rule == "CCI120"] == [n for n in range(2, 15) if n != 10]
