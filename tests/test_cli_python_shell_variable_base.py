"""A curl command line in a Python string whose URL starts with a shell variable, through the CLI.

The shell fills `$CIRCLE_API` in when it runs the string, so the line is the same request as in a shell
script: it is reported from Python with the rules and confidence the shell analyser gives that line (a
command a call runs: any variable base; one no call runs: a variable named like an API root). An argv list
is run without a shell, so `$NAME` there is literal text. Every file says circleci once, as the pre-filter
asks of a script and of a Python file alike.
"""
from __future__ import annotations


from clirun import json_findings, run_cli

ROUTE = "/project/github/acme/app/tree/main"


def _check(tmp_path, name: str, text: str) -> list:
    return json_findings(tmp_path, name, text)


def _seen(findings: list) -> list:
    return [(f["line"], f["rule"], f["confidence"], f["fix"], f["reason"]) for f in findings]


def test_subprocess_shell_string_with_variable_base_is_reported_low(tmp_path):
    found = _check(tmp_path, "trigger.py", (
        "# circleci\nimport subprocess\n"
        f"subprocess.run('curl -X POST \"$CIRCLE_API{ROUTE}\"', shell=True)\n"))
    assert _seen(found) == [
        (3, "CCI102", "low", "manual", "base URL not resolved in this file ($CIRCLE_API)"),
        (3, "CCI120", "low", "manual", "base URL not resolved in this file ($CIRCLE_API)"),
    ]


def test_fstring_braced_variable_through_own_runner_is_reported_low(tmp_path):
    found = _check(tmp_path, "trigger.py", (
        "# circleci\nimport subprocess\n\n\n"
        "def run_cmd(cmd):\n    subprocess.run(cmd, shell=True)\n\n\n"
        "def trigger(org, repo, branch):\n"
        "    run_cmd(f'curl -X POST \"${{CIRCLE_URL}}/project/github/{org}/{repo}/tree/{branch}\"')\n"))
    rules = [(f["line"], f["rule"], f["confidence"], f["fix"]) for f in found]
    assert (10, "CCI102", "low", "manual") in rules
    assert all("$CIRCLE_URL" in f["reason"] for f in found if f["line"] == 10)


def test_same_lines_as_a_shell_script_give_the_same_findings(tmp_path):
    lines = [f'curl -X POST "$CIRCLE_API{ROUTE}"', f'curl -X POST "${{CIRCLE_URL}}{ROUTE}"',
             f'curl -X POST "$WORKDIR{ROUTE}"', 'curl "$CIRCLE_API/me"', 'curl "$X/recent-builds"']
    shell = _check(tmp_path, "trigger.sh", "# circleci\n" + "".join(line + "\n" for line in lines))
    python = _check(tmp_path, "trigger.py", "# circleci\nimport subprocess\n" + "".join(
        f"subprocess.run({line!r}, shell=True)\n" for line in lines))
    assert shell  # the script's lines are reported
    # one line further down in the Python file (its import)
    assert [(f[0] - 1,) + f[1:] for f in _seen(python)] == _seen(shell)


def test_command_line_no_call_runs_follows_the_variable_name(tmp_path):
    found = _check(tmp_path, "steps.py", (
        "# circleci\n"
        f"TRIGGER = 'curl -X POST \"$CIRCLE_API{ROUTE}\"'\n"
        f"OTHER = 'curl -X POST \"$WORKDIR{ROUTE}\"'\n"
        "ME = 'curl \"$CIRCLE_API/me\"'\n"))
    assert [(f["line"], f["rule"], f["confidence"], f["fix"]) for f in found] == [(2, "CCI102", "low", "manual")]
    assert "base URL not resolved in this file ($CIRCLE_API)" in found[0]["reason"]
    # the same constants in a script: the shell analyser decides alike
    shell = _check(tmp_path, "steps.sh", (
        "# circleci\n"
        f"TRIGGER='curl -X POST \"$CIRCLE_API{ROUTE}\"'\n"
        f"OTHER='curl -X POST \"$WORKDIR{ROUTE}\"'\n"
        "ME='curl \"$CIRCLE_API/me\"'\n"))
    assert [(f["line"], f["rule"]) for f in shell] == [(2, "CCI102")]


def test_argv_list_is_run_without_a_shell(tmp_path):
    found = _check(tmp_path, "trigger.py", (
        "# circleci\nimport subprocess\n"
        f"subprocess.run(['curl', '-X', 'POST', '$CIRCLE_API{ROUTE}'])\n"))
    assert found == []


def test_fix_rewrites_nothing(tmp_path):
    text = "# circleci\nimport subprocess\n" f"subprocess.run('curl -X POST \"$CIRCLE_API{ROUTE}\"', shell=True)\n"
    (tmp_path / "trigger.py").write_text(text)
    proc = run_cli("fix", "trigger.py", cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    assert (tmp_path / "trigger.py").read_text() == text
