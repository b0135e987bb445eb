"""curl command lines that Python hands to a runner other than subprocess, through the CLI.

Every v1.1 call is a finding: a known runner (fabric, invoke, paramiko, os.popen, commands, pexpect, sh)
is high, any other callee low with the reason naming it; one no call is seen to run (a table's step, a constant,
a class attribute, a default argument) low, saying so. A command line only shown to a person (print, logging,
an exception's message), prose that mentions curl, a docstring or a comment is no call.
"""
from __future__ import annotations


from clirun import json_findings, run_cli

URL = "https://circleci.com/api/v1.1/project/github/acme/app/tree/main"
CMD = f"curl -X POST {URL}"


def _check(tmp_path, text: str, name: str = "runs.py") -> list:
    return json_findings(tmp_path, name, text)


def _triggers(findings: list) -> list:
    return [(f["line"], f["confidence"], f["fix"]) for f in findings if f["rule"] == "CCI102"]


def test_subprocess_still_reported_high(tmp_path):
    found = _check(tmp_path, f'import subprocess\nsubprocess.run("{CMD}", shell=True)\n')
    assert _triggers(found) == [(2, "high", "manual")]


def test_unknown_runner_is_reported_low_with_its_name(tmp_path):
    found = _check(tmp_path, f'ctx.exec_command("{CMD}")\n\n\ndef build(ctx):\n    ctx.exec_command("{CMD}")\n')
    assert _triggers(found) == [(1, "low", "manual"), (5, "low", "manual")]
    reasons = [f["reason"] for f in found if f["rule"] == "CCI102"]
    assert all("the command is passed to `ctx.exec_command`, which check does not know runs it" in r
               for r in reasons)
    # the Accept header rule reads the same command line, low for the same reason
    accept = [(f["line"], f["confidence"]) for f in found if f["rule"] == "CCI120"]
    assert accept == [(1, "low"), (5, "low")]


def test_paramiko_exec_command_is_a_known_runner(tmp_path):
    found = _check(tmp_path, 'import paramiko\n\nclient = paramiko.SSHClient()\nclient.connect("ci")\n'
                             f'client.exec_command("{CMD} -H \'Accept: application/json\'")\n')
    assert _triggers(found) == [(5, "high", "manual")]
    assert [f["rule"] for f in found] == ["CCI102"]  # the Accept header is read from the command line


def test_fabric_and_invoke_runners_are_known(tmp_path):
    found = _check(tmp_path, (
        "from fabric.api import run, local, sudo\n"
        "from fabric import Connection\n"
        "from invoke import task\n\n"
        f'run("{CMD}")\n'
        f'local("{CMD}")\n'
        f'sudo("{CMD}")\n'
        f'Connection("deploy@ci").run("{CMD}")\n\n\n'
        "@task\n"
        "def deploy(c):\n"
        f'    c.run("{CMD}")\n'))
    assert _triggers(found) == [(5, "high", "manual"), (6, "high", "manual"), (7, "high", "manual"),
                                (8, "high", "manual"), (13, "high", "manual")]


def test_os_popen_commands_and_pexpect_are_known(tmp_path):
    found = _check(tmp_path, (
        "import os\nimport commands\nimport pexpect\n\n"
        f'os.popen("{CMD}")\n'
        f'commands.getoutput("{CMD}")\n'
        f'pexpect.spawn("{CMD}")\n'
        f'pexpect.run("{CMD}")\n'))
    assert _triggers(found) == [(5, "high", "manual"), (6, "high", "manual"), (7, "high", "manual"),
                                (8, "high", "manual")]


def test_sh_runs_curl_with_its_arguments(tmp_path):
    found = _check(tmp_path, (
        "import sh\n\n"
        f'sh.curl("-X", "POST", "{URL}")\n'
        f'sh.Command("curl")("-X", "POST", "{URL}")\n'))
    assert _triggers(found) == [(3, "high", "manual"), (4, "high", "manual")]


def test_project_helper_and_argv_list_given_to_anything(tmp_path):
    found = _check(tmp_path, (
        "from tools import run_cmd, runner\n\n"
        f'run_cmd("{CMD}")\n'
        f'runner.execute(["curl", "-X", "POST", "{URL}"])\n'))
    assert _triggers(found) == [(3, "low", "manual"), (4, "low", "manual")]
    reasons = {f["line"]: f["reason"] for f in found if f["rule"] == "CCI102"}
    assert "the command is passed to `run_cmd`, which check does not know runs it" in reasons[3]
    assert "the command is passed to `runner.execute`" in reasons[4]


def test_a_command_assigned_then_passed(tmp_path):
    found = _check(tmp_path, (
        "def trigger(ctx, branch):\n"
        f'    cmd = "curl -X POST https://circleci.com/api/v1.1/project/github/acme/app/tree/" + branch\n'
        "    ctx.exec_command(cmd)\n"))
    assert _triggers(found) == [(3, "low", "manual")]


def test_a_command_the_module_runs_through_its_own_helper(tmp_path):
    # the helper hands its parameter to subprocess: the call of the helper is the site
    found = _check(tmp_path, (
        "import subprocess\n\n\n"
        "def sh(command):\n"
        "    return subprocess.check_output(command, shell=True)\n\n\n"
        f'sh("{CMD}")\n'))
    assert _triggers(found) == [(8, "high", "manual")]


def test_a_helper_that_runs_something_else_is_not_known(tmp_path):
    found = _check(tmp_path, (
        "import subprocess\n\n\n"
        "class Remote:\n"
        "    def run(self, command, where):\n"
        "        return subprocess.check_output(['ssh', where])\n\n"
        "    def trigger(self):\n"
        f'        self.run("{CMD}", "ci")\n'))
    assert _triggers(found) == [(9, "low", "manual")]
    [reason] = [f["reason"] for f in found if f["rule"] == "CCI102"]
    assert "the command is passed to `self.run`, which check does not know runs it" in reason


def test_messages_docstrings_and_comments_are_not_calls(tmp_path):
    found = _check(tmp_path, (
        "import logging\n\nlog = logging.getLogger(__name__)\n\n\n"
        "def trigger():\n"
        f'    """Same as `{CMD}`."""\n'
        f'    # {CMD}\n'
        f'    print("run: {CMD}")\n'
        f'    log.info("{CMD}")\n'
        f'    logging.warning("run %s", "{CMD}")\n'
        f'    raise Exception("trigger it by hand: {CMD}")\n'))
    assert found == []


def test_fix_leaves_every_command_line_and_says_why(tmp_path):
    text = (f'import paramiko\nclient = paramiko.SSHClient()\nclient.exec_command("{CMD}")\n'
            f'ctx.exec_command("{CMD}")\n')
    (tmp_path / "runs.py").write_text(text)
    check = run_cli("check", "runs.py", cwd=tmp_path)
    fix = run_cli("fix", "runs.py", cwd=tmp_path)
    assert fix.returncode == 1 and "Traceback" not in fix.stderr
    assert (tmp_path / "runs.py").read_text() == text
    assert "runs.py:3:" in fix.stdout and "curl command lines are not rewritten automatically" in fix.stdout
    assert "runs.py:4:" in fix.stdout and "which check does not know runs it" in fix.stdout
    assert "[*]" not in check.stdout  # check promises no fix that fix does not make


def test_wget_and_httpie_command_lines_are_read_too(tmp_path):
    found = _check(tmp_path, (
        "import subprocess\n\n"
        f'subprocess.run("wget --method=POST -q -O- {URL}", shell=True)\n'
        f'subprocess.run(["http", "POST", "{URL}"])\n'
        f'ctx.exec_command("wget --post-data= {URL}")\n'
        f'subprocess.run(["wget", "-q", "{URL}"])\n'))
    assert _triggers(found) == [(3, "high", "manual"), (4, "high", "manual"), (5, "low", "manual")]
    assert sorted(f["rule"] for f in found if f["line"] == 6) == ["CCI120", "CCI133"]
    reasons = {(f["line"], f["rule"]): f["reason"] for f in found}
    assert "wget command lines are not rewritten automatically" in reasons[(3, "CCI102")]
    assert "httpie command lines are not rewritten automatically" in reasons[(4, "CCI102")]
    # httpie asks for JSON: no Accept finding for it; wget sends none
    accept = sorted(line for line, rule in reasons if rule == "CCI120")
    assert accept == [3, 5, 6]


NOT_RUN = "a curl command line no call was seen to run"


def test_command_lines_no_call_runs_are_reported_low(tmp_path):
    text = (
        "STEPS = {\n"
        f'    "trigger": "{CMD}",\n'
        "}\n"
        f'COMMANDS = ["echo start", "{CMD} -H \'Accept: application/json\'"]\n'
        f'TRIGGER = "{CMD}"\n\n\n'
        "class Jobs:\n"
        f'    trigger = "{CMD}"\n\n\n'
        f'def trigger(command="{CMD}"):\n'
        "    return command\n")
    found = _check(tmp_path, text)
    assert _triggers(found) == [(2, "low", "manual"), (4, "low", "manual"), (5, "low", "manual"),
                                (9, "low", "manual"), (12, "low", "manual")]
    reasons = [f["reason"] for f in found if f["rule"] == "CCI102"]
    assert all(NOT_RUN in r for r in reasons), reasons
    # the rule comes from the command line's verb and route: curl without -X reads
    found = _check(tmp_path, f'STEPS = ["curl -s -H \'Accept: application/json\' {URL}"]\n', "reads.py")
    assert [(f["rule"], f["line"], f["confidence"]) for f in found] == [("CCI133", 1, "low")]
    assert NOT_RUN in found[0]["reason"]


def test_wget_command_line_no_call_runs_names_its_tool(tmp_path):
    found = _check(tmp_path, f'STEPS = {{"trigger": "wget --method=POST -q -O- {URL}"}}\n')
    assert _triggers(found) == [(1, "low", "manual")]
    assert "a wget command line no call was seen to run" in found[0]["reason"]


def test_command_lines_only_shown_or_in_prose_stay_silent(tmp_path):
    found = _check(tmp_path, (
        "import logging\n\nlog = logging.getLogger(__name__)\n"
        f'HINT = "{CMD}"\n'
        f'MSG = "see {URL} for details"\n'
        f'USAGE = "Use curl -X POST {URL} by hand"\n\n\n'
        "def trigger():\n"
        f'    """Run `{CMD}`."""\n'
        f'    # {CMD}\n'
        "    print(HINT)\n"
        "    log.info(HINT)\n"
        "    raise RuntimeError(HINT)\n"))
    assert found == []


def test_fix_rewrites_no_command_line_no_call_runs(tmp_path):
    text = f'STEPS = {{"trigger": "{CMD}"}}\n'
    (tmp_path / "steps.py").write_text(text)
    check = run_cli("check", "steps.py", cwd=tmp_path)
    fix = run_cli("fix", "steps.py", cwd=tmp_path)
    assert "steps.py:1:" in check.stdout and "[*]" not in check.stdout and "[~]" not in check.stdout
    assert fix.returncode == 1 and "Traceback" not in fix.stderr
    assert (tmp_path / "steps.py").read_text() == text
    assert "steps.py:1:" in fix.stdout and NOT_RUN in fix.stdout


def test_a_step_a_call_runs_is_reported_once_where_it_runs(tmp_path):
    found = _check(tmp_path, (
        "import subprocess\n\n"
        f'STEPS = {{"trigger": "{CMD}"}}\n'
        "subprocess.run(STEPS['trigger'], shell=True)\n"
        f'JOBS = {{"a": ["{CMD}"]}}\n'
        "run_cmd(JOBS['a'][0])\n"
        f'SHOWN = ("{CMD}",)\n'
        "print(SHOWN)\n"))
    assert _triggers(found) == [(4, "high", "manual"), (6, "low", "manual")]
    assert "the command is passed to `run_cmd`" in [f for f in found if f["line"] == 6][0]["reason"]
