"""fix --add-todo in text files: the note goes above the command, in the comment its kind writes there."""
from __future__ import annotations

import json

import pytest

from clirun import rules_in, run_cli, write

V11 = "https://circleci.com/api/v1.1/project/github/acme/app"
RETRY = f'curl -X POST -H "Accept: application/json" "{V11}/$BUILD/retry"'
NOTE = "# TODO(circleci-v2): CCI104 v2 reruns workflows, not builds. For build number N:"

# (file, text, text after fix --add-todo)
CASES = [
    ("retry.sh",
     f'#!/bin/sh\nif [ -n "$RETRY" ]; then\n  {RETRY}\nfi\n',
     f'#!/bin/sh\nif [ -n "$RETRY" ]; then\n  {NOTE}\n  {RETRY}\nfi\n'),
    (".github/workflows/retry.yml",  # the script's own comment, inside the literal block
     f"jobs:\n  retry:\n    steps:\n      - run: |\n          set -e\n          {RETRY}\n",
     f"jobs:\n  retry:\n    steps:\n      - run: |\n          set -e\n          {NOTE}\n          {RETRY}\n"),
    ("Makefile",  # a make comment at the margin: make skips it and does not print it
     f"retry:\n\t@{RETRY.replace('$BUILD', '$$BUILD')}\n",
     f"retry:\n{NOTE}\n\t@{RETRY.replace('$BUILD', '$$BUILD')}\n"),
    ("Dockerfile",
     f"FROM alpine\nRUN {RETRY}\n",
     f"FROM alpine\n{NOTE}\nRUN {RETRY}\n"),
    ("Jenkinsfile",  # the shell's comment inside the sh step's script
     f"node {{\n  sh '''\n    {RETRY}\n  '''\n}}\n",
     f"node {{\n  sh '''\n    {NOTE}\n    {RETRY}\n  '''\n}}\n"),
]


@pytest.mark.parametrize("name, text, expected", CASES, ids=[c[0] for c in CASES])
def test_add_todo_comments_the_command_left_in_the_kinds_own_syntax(tmp_path, name, text, expected):
    path = write(tmp_path, name, text)
    before = run_cli("check", name, cwd=tmp_path)
    first = run_cli("fix", "--add-todo", "--report", "report.json", name, cwd=tmp_path)
    assert path.read_text() == expected, first.stdout + first.stderr
    assert json.loads((tmp_path / "report.json").read_text())["files"][0]["left"][0]["todo"] is True
    again = run_cli("fix", "--add-todo", name, cwd=tmp_path)  # never twice
    assert path.read_text() == expected and "fixed 0 finding(s)" in again.stderr
    assert rules_in(run_cli("check", name, cwd=tmp_path).stdout) == rules_in(before.stdout) == ["CCI104"]


# where a line cannot go without changing what runs: the site is listed, the file left as it was
UNMARKED = [
    ("continued.sh", f"#!/bin/sh\necho retrying && \\\n  {RETRY}\n"),  # the line continues the one above
    ("plain.yml", f"steps:\n  - run: {RETRY}\n"),  # a `#` line would end the plain scalar
    ("Jenkinsfile", f"node {{\n  sh '{RETRY.replace(chr(34), '')}'\n}}\n"),  # one line: Groovy holds the line
]


@pytest.mark.parametrize("name, text", UNMARKED, ids=[c[0] for c in UNMARKED])
def test_add_todo_leaves_a_command_where_no_comment_line_can_go(tmp_path, name, text):
    path = write(tmp_path, name, text)
    proc = run_cli("fix", "--add-todo", "--report", "report.json", name, cwd=tmp_path)
    assert path.read_text() == text, proc.stdout + proc.stderr
    assert "CCI104" in proc.stdout
    assert json.loads((tmp_path / "report.json").read_text())["files"][0]["left"][0]["todo"] is False
