"""`circleci-v2 check` end to end: exit codes, paths, stdin, select/ignore, suppression, output, summary."""
from __future__ import annotations

import json
import subprocess
import sys

from clirun import CLEAN, TRIGGER, TRIGGER_ACCEPT, rules_in, run_cli, run_python, write


def test_clean_tree_exits_0_with_summary_on_stderr_only(tmp_path):
    write(tmp_path, "app.py", CLEAN)
    write(tmp_path, "notes.py", "# we moved to CircleCI API v2 last year\n")
    proc = run_cli("check", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "No findings in 2 files" in proc.stderr


def test_findings_exit_1_in_ruff_style(tmp_path):
    write(tmp_path, "deploy.py", TRIGGER)
    proc = run_cli("check", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("deploy.py:3:1: CCI102 [*] ")
    assert "CCI120" in rules_in(proc.stdout)
    assert "Found 2 findings" in proc.stderr
    assert "deploy.py" not in proc.stderr  # findings go to stdout, only the summary to stderr


def test_default_path_is_current_folder_and_folders_are_walked(tmp_path):
    write(tmp_path, "a/b/c/deep.py", TRIGGER_ACCEPT)
    write(tmp_path, "top.py", CLEAN)
    proc = run_cli("check", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.startswith("a/b/c/deep.py:3:1: CCI102")
    proc = run_cli("check", "a", cwd=tmp_path)
    assert proc.stdout.startswith("a/b/c/deep.py:3:1: CCI102")
    proc = run_cli("check", "top.py", cwd=tmp_path)
    assert proc.returncode == 0


def test_stdin_with_stdin_filename(tmp_path):
    proc = run_cli("check", "-", "--stdin-filename", "scripts/release.py", cwd=tmp_path, input=TRIGGER.encode())
    assert proc.returncode == 1
    assert proc.stdout.startswith("scripts/release.py:3:1: CCI102")
    proc = run_cli("check", "-", cwd=tmp_path, input=CLEAN.encode())
    assert proc.returncode == 0
    proc = run_cli("check", "--stdin-filename", "x.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert "--stdin-filename needs `-`" in proc.stderr


def test_stdin_filename_decides_the_kind(tmp_path):
    # a YAML file read from stdin is not parsed as Python: no syntax error
    proc = run_cli("check", "-", "--stdin-filename", "ci.yml", cwd=tmp_path, input=b"steps:\n  - run: echo circleci\n")
    assert proc.returncode == 0, proc.stderr


def test_select_and_ignore_by_id_and_prefix(tmp_path):
    write(tmp_path, "deploy.py", TRIGGER)
    assert rules_in(run_cli("check", "--select", "CCI102", cwd=tmp_path).stdout) == ["CCI102"]
    assert rules_in(run_cli("check", "--select", "CCI12", cwd=tmp_path).stdout) == ["CCI120"]
    assert rules_in(run_cli("check", "--ignore", "CCI12", cwd=tmp_path).stdout) == ["CCI102"]
    # the more specific selector wins
    assert rules_in(run_cli("check", "--ignore", "CCI1", "--select", "CCI120", cwd=tmp_path).stdout) == ["CCI120"]
    proc = run_cli("check", "--ignore", "CCI1", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == ""
    # comma-separated values
    assert rules_in(run_cli("check", "--select", "cci102,CCI120", cwd=tmp_path).stdout) == ["CCI102", "CCI120"]


def test_unknown_selector_is_an_error_naming_it(tmp_path):
    write(tmp_path, "deploy.py", TRIGGER)
    proc = run_cli("check", "--select", "CCI999", cwd=tmp_path)
    assert proc.returncode == 2
    assert "CCI999" in proc.stderr and "matches no rule" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = run_cli("check", "--ignore", "E501", cwd=tmp_path)
    assert proc.returncode == 2 and "E501" in proc.stderr


def test_suppression_comments(tmp_path):
    write(tmp_path, "same_line.py", TRIGGER_ACCEPT.replace(
        '"application/json"})', '"application/json"})  # circleci-v2: ignore[CCI102]'))
    write(tmp_path, "line_above.py", (
        "import requests\n\n"
        "# circleci-v2: ignore[CCI102] -- moves to v2 next quarter\n"
        'requests.post("https://circleci.com/api/v1.1/project/github/acme/app/tree/main",\n'
        '              headers={"Accept": "application/json"})\n'))
    write(tmp_path, "bare.py", TRIGGER.replace('main")', 'main")  # circleci-v2: ignore'))
    write(tmp_path, "other_rule.py", TRIGGER.replace('main")', 'main")  # circleci-v2: ignore[CCI120]'))
    write(tmp_path, "prefix.py", TRIGGER.replace('main")', 'main")  # circleci-v2: ignore[CCI1]'))
    proc = run_cli("check", cwd=tmp_path)
    assert proc.returncode == 1
    reported = {line.split(":")[0] + " " + line.split(": ")[1].split()[0] for line in proc.stdout.splitlines()}
    assert reported == {"other_rule.py CCI102"}
    assert "7 suppressed by comments" in proc.stderr  # 1 + 1 + 2 (bare) + 1 + 2 (prefix)


def test_suppression_does_not_reach_two_lines_down(tmp_path):
    write(tmp_path, "far.py", (
        "import requests\n"
        "# circleci-v2: ignore\n"
        "\n"
        'requests.post("https://circleci.com/api/v1.1/project/github/acme/app/tree/main")\n'))
    proc = run_cli("check", cwd=tmp_path)
    assert "CCI102" in rules_in(proc.stdout)


def test_config_in_pyproject(tmp_path):
    write(tmp_path, "deploy.py", TRIGGER)
    write(tmp_path, "legacy/old.py", TRIGGER)
    write(tmp_path, "pyproject.toml", (
        "[project]\nname = 'x'\n\n"
        "[tool.circleci-v2]\n"
        'ignore = ["CCI120"]\n'
        'extend-exclude = ["legacy/"]\n'
        'output-format = "json"\n'))
    proc = run_cli("check", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert [(f["path"], f["rule"]) for f in data["findings"]] == [("deploy.py", "CCI102")]
    assert "1 excluded" in proc.stderr
    # the command line wins over the file
    proc = run_cli("check", "--output-format", "text", "--select", "CCI120", cwd=tmp_path)
    assert rules_in(proc.stdout) == ["CCI120"]
    # found from a subfolder too
    sub = tmp_path / "sub"
    sub.mkdir()
    proc = run_cli("check", str(tmp_path / "deploy.py"), cwd=sub)
    assert json.loads(proc.stdout)["findings"][0]["rule"] == "CCI102"


def test_config_given_explicitly_and_config_errors(tmp_path):
    write(tmp_path, "deploy.py", TRIGGER)
    write(tmp_path, "conf/ci.toml", '[tool.circleci-v2]\nselect = ["CCI120"]\n')
    proc = run_cli("check", "--config", "conf/ci.toml", cwd=tmp_path)
    assert rules_in(proc.stdout) == ["CCI120"]
    write(tmp_path, "pyproject.toml", '[tool.circleci-v2]\nselct = ["CCI1"]\n')
    proc = run_cli("check", cwd=tmp_path)
    assert proc.returncode == 2
    assert "pyproject.toml" in proc.stderr and "'selct'" in proc.stderr
    write(tmp_path, "pyproject.toml", '[tool.circleci-v2]\noutput-format = "xml"\n')
    proc = run_cli("check", cwd=tmp_path)
    assert proc.returncode == 2 and "output-format" in proc.stderr
    write(tmp_path, "pyproject.toml", '[tool.circleci-v2\nselect = 1\n')
    proc = run_cli("check", cwd=tmp_path)
    assert proc.returncode == 2 and "invalid TOML" in proc.stderr
    write(tmp_path, "pyproject.toml", '[tool.circleci-v2]\nselect = ["XYZ1"]\n')
    proc = run_cli("check", cwd=tmp_path)
    assert proc.returncode == 2 and "pyproject.toml" in proc.stderr and "XYZ1" in proc.stderr
    for out in (proc.stderr,):
        assert "Traceback" not in out


def test_output_file_holds_the_report_and_stdout_stays_empty(tmp_path):
    write(tmp_path, "deploy.py", TRIGGER)
    proc = run_cli("check", "--output-format", "json", "--output-file", "report.json", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == ""
    data = json.loads((tmp_path / "report.json").read_text())
    assert {f["rule"] for f in data["findings"]} == {"CCI102", "CCI120"}
    proc = run_cli("check", "--output-file", "no/such/folder/r.txt", cwd=tmp_path)
    assert proc.returncode == 2
    assert "no/such/folder/r.txt" in proc.stderr and "Traceback" not in proc.stderr
    assert not list((tmp_path).glob(".r.txt*"))


def test_statistics(tmp_path):
    write(tmp_path, "a.py", TRIGGER)
    write(tmp_path, "b.py", TRIGGER)
    proc = run_cli("check", "--statistics", cwd=tmp_path)
    assert proc.returncode == 1
    rows = [line.split() for line in proc.stdout.splitlines()]
    assert ["2", "CCI102"] == rows[0][:2] and rows[0][-1] == "trigger-branch"
    assert ["2", "CCI120"] == rows[1][:2]
    proc = run_cli("check", "--statistics", "--output-format", "json", cwd=tmp_path)
    assert {(r["code"], r["count"]) for r in json.loads(proc.stdout)} == {("CCI102", 2), ("CCI120", 2)}


def test_low_confidence_is_shown_with_its_reason(tmp_path):
    write(tmp_path, "env_base.py", (
        "import os\nimport requests\n\n"
        'BASE = os.environ["CIRCLECI_URL"]\n'
        'requests.post(f"{BASE}/project/github/acme/app/tree/main", headers={"Accept": "application/json"})\n'))
    proc = run_cli("check", cwd=tmp_path)
    assert proc.returncode == 1
    line = proc.stdout.splitlines()[0]
    assert line.startswith("env_base.py:5:1: CCI102 ")
    assert "(low confidence: " in line and "base URL" in line


def test_quiet_drops_the_summary(tmp_path):
    write(tmp_path, "deploy.py", TRIGGER)
    proc = run_cli("check", "-q", cwd=tmp_path)
    assert proc.returncode == 1 and proc.stderr == ""


def test_jobs_gives_the_same_report(tmp_path):
    # enough candidate bytes to cross the threshold for worker processes
    filler = "\n".join(f"value_{i} = {i}" for i in range(9000)) + "\n"
    for i in range(6):
        write(tmp_path, f"pkg/m{i}.py", TRIGGER + filler)
    serial = run_cli("check", "-j", "1", cwd=tmp_path)
    parallel = run_cli("check", "-j", "2", cwd=tmp_path)
    assert serial.returncode == parallel.returncode == 1
    assert serial.stdout == parallel.stdout
    assert len(serial.stdout.splitlines()) == 12


def test_help_documents_exit_codes_and_module_entry_point():
    proc = run_cli("check", "--help")
    assert proc.returncode == 0
    assert "Exit status" in proc.stdout
    for code in ("0  no findings", "1  findings", "2  errors"):
        assert code in proc.stdout
    top = subprocess.run([sys.executable, "-m", "circleci_v2.migrate", "--help"], capture_output=True, text=True)
    assert top.returncode == 0 and "check" in top.stdout


def test_usage_errors_exit_2_without_traceback(tmp_path):
    for args in (["check", "--output-format", "xml"], ["check", "--no-such-option"], ["nonsense"], ["check", "-j", "-3"]):
        proc = run_cli(*args, cwd=tmp_path)
        assert proc.returncode == 2, args
        assert "Traceback" not in proc.stderr


def test_no_heavy_import_when_nothing_is_a_candidate(tmp_path):
    """With no candidate, check never imports libcst, requests, yaml or jsonschema, nor loads the catalogue."""
    write(tmp_path, "app.py", CLEAN)
    write(tmp_path, "ci.py", "import os\nON_CI = os.environ.get('CIRCLECI')  # no v1.1 call\n")
    code = (
        "import sys\n"
        "from circleci_v2.migrate.cli import main\n"
        "try:\n"
        "    main(['check', '-q', '.'])\n"
        "except SystemExit as exc:\n"
        "    heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('libcst', 'requests', 'yaml', 'jsonschema'))\n"
        "    loaded = 'circleci_v2.migrate.python' in sys.modules, 'circleci_v2.rules.loader' in sys.modules\n"
        "    print(exc.code, heavy, *loaded)\n"
    )
    proc = run_python(code, cwd=tmp_path)
    assert proc.stdout.strip() == "0 [] False False", proc.stderr
    # and the same check does import them once a file is a candidate
    write(tmp_path, "deploy.py", TRIGGER)
    proc = run_python(code, cwd=tmp_path)
    last = proc.stdout.splitlines()[-1]
    assert last.startswith("1 ") and "'yaml'" in last
    assert "libcst" not in last  # detection is ast: libcst is for rewriting only


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path):
    for i in range(30):
        write(tmp_path, f"m{i}.py", CLEAN)
    proc = run_cli("check", cwd=tmp_path)
    assert "\r" not in proc.stderr and "[#" not in proc.stderr


class _Terminal:
    """A stand-in for stderr at a terminal: records what is drawn."""

    def __init__(self, tty=True):
        self.tty = tty
        self.text = ""

    def isatty(self):
        return self.tty

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def test_progress_bar_draws_at_a_terminal_and_clears_itself():
    from circleci_v2.migrate.report.progress import Progress

    term = _Terminal()
    bar = Progress(term, delay=0, interval=0)
    for done in range(1, 11):
        bar.update("checking", done, 10)
    assert "\rchecking [" in term.text and "10/10" in term.text
    bar.close()
    assert term.text.endswith("\r\x1b[K")
    quiet = _Terminal(tty=False)
    bar = Progress(quiet, delay=0, interval=0)
    bar.update("checking", 1, 10)
    bar.close()
    assert quiet.text == ""
    # short runs draw nothing: the first half second is free
    term = _Terminal()
    bar = Progress(term)
    bar.update("checking", 1, 10)
    bar.close()
    assert term.text == ""
