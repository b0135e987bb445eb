"""`circleci-v2 fix` and `circleci-v2 diff` as a user runs them: exit codes, stdin, --diff, the fix classes,
--add-todo, --report, and the same selection, configuration and suppression as `check`."""
from __future__ import annotations

import json

from clirun import CLEAN, TRIGGER, run_cli, run_python, write

RETRY = ('import requests\n\ndef retry(n):\n'
         '    requests.post(f"https://circleci.com/api/v1.1/project/github/acme/app/{n}/retry",\n'
         '                  headers={"Accept": "application/json"})\n')
PARAMS = ('import requests\n\nrequests.post("https://circleci.com/api/v1.1/project/github/acme/app/tree/main",\n'
          '              json={"build_parameters": {"DEPLOY": "1"}},\n'
          '              headers={"Accept": "application/json"}).raise_for_status()\n')
FIXED_TRIGGER = ('import requests\n\nrequests.post("https://circleci.com/api/v2/project/gh/acme/app/pipeline", '
                 'json={"branch": "main"}, headers={"Content-Type": "application/json", "Accept": "application/json"})\n')


def test_fix_rewrites_in_place_and_exits_1(tmp_path):
    path = write(tmp_path, "t.py", TRIGGER)
    proc = run_cli("fix", ".", cwd=tmp_path)
    assert proc.returncode == 1
    assert path.read_text() == FIXED_TRIGGER
    assert proc.stdout == "" and "fixed 2 finding(s) in 1 file; 0 left for a person" in proc.stderr
    again = run_cli("fix", ".", cwd=tmp_path)
    assert (again.returncode, again.stdout) == (0, "")


def test_exit_0_when_there_is_nothing_to_do(tmp_path):
    write(tmp_path, "a.py", CLEAN)
    assert run_cli("fix", ".", cwd=tmp_path).returncode == 0
    assert run_cli("diff", ".", cwd=tmp_path).returncode == 0


def test_exit_1_when_only_manual_findings_remain(tmp_path):
    path = write(tmp_path, "r.py", RETRY)
    proc = run_cli("fix", "r.py", cwd=tmp_path)
    assert proc.returncode == 1 and path.read_text() == RETRY
    assert proc.stdout.startswith("r.py:4:5: CCI104 [manual] no automatic rewrite")


def test_exit_2_on_errors_and_the_other_files_are_still_fixed(tmp_path):
    write(tmp_path, "bad.py", "def (:\n  circleci.com/api/v1.1\n")
    good = write(tmp_path, "good.py", TRIGGER)
    proc = run_cli("fix", ".", cwd=tmp_path)
    assert proc.returncode == 2
    assert "bad.py: error: syntax error at line 1" in proc.stderr and "Traceback" not in proc.stderr
    assert good.read_text() == FIXED_TRIGGER


def test_diff_and_fix_diff_print_the_same_patch_and_write_nothing(tmp_path):
    path = write(tmp_path, "t.py", TRIGGER)
    a = run_cli("diff", ".", cwd=tmp_path)
    b = run_cli("fix", "--diff", ".", cwd=tmp_path)
    assert a.returncode == b.returncode == 1
    assert a.stdout == b.stdout
    assert a.stdout.startswith("--- a/t.py\n+++ b/t.py\n@@ -1,3 +1,3 @@\n")
    assert path.read_text() == TRIGGER
    assert "would fix 2 finding(s) in 1 file" in a.stderr


def test_stdin_in_stdout_out(tmp_path):
    proc = run_cli("fix", "-", cwd=tmp_path, input=TRIGGER.encode())
    assert (proc.returncode, proc.stdout) == (1, FIXED_TRIGGER)
    clean = run_cli("fix", "-", cwd=tmp_path, input=CLEAN.encode())
    assert (clean.returncode, clean.stdout) == (0, CLEAN)  # nothing to do: the input comes back as it was
    manual = run_cli("fix", "-", "--stdin-filename", "pkg/r.py", cwd=tmp_path, input=RETRY.encode())
    assert (manual.returncode, manual.stdout) == (1, RETRY)
    assert "pkg/r.py:4:5: CCI104 [manual]" in manual.stderr  # what is left goes to stderr: stdout is the code
    patch = run_cli("diff", "-", cwd=tmp_path, input=TRIGGER.encode())
    assert patch.returncode == 1 and patch.stdout.startswith("--- a/-\n+++ b/-\n")


def test_stdin_that_does_not_parse_is_echoed_and_exits_2(tmp_path):
    proc = run_cli("fix", "-", cwd=tmp_path, input=b"def (:\n circleci.com/api/v1.1\n")
    assert proc.returncode == 2 and proc.stdout == "def (:\n circleci.com/api/v1.1\n"


def test_unsafe_fixes_only_with_the_flag(tmp_path):
    path = write(tmp_path, "p.py", PARAMS)
    safe = run_cli("fix", "p.py", cwd=tmp_path)
    assert safe.returncode == 1 and path.read_text() == PARAMS
    assert "p.py:3:1: CCI102 [needs --unsafe-fixes] needs --unsafe-fixes: `build_parameters` -> `parameters`" \
        in safe.stdout
    unsafe = run_cli("fix", "--unsafe-fixes", "p.py", cwd=tmp_path)
    assert unsafe.returncode == 1
    assert '"https://circleci.com/api/v2/project/gh/acme/app/pipeline"' in path.read_text()
    assert 'json={"parameters": {"DEPLOY": "1"}, "branch": "main"}' in path.read_text()


def test_add_todo_marks_manual_sites_once(tmp_path):
    path = write(tmp_path, "r.py", RETRY)
    run_cli("fix", "--add-todo", "r.py", cwd=tmp_path)
    text = path.read_text()
    todo = "    # TODO(circleci-v2): CCI104 v2 reruns workflows, not builds. For build number N:\n"
    assert text == RETRY.replace("    requests.post", todo + "    requests.post", 1)
    again = run_cli("fix", "--add-todo", "r.py", cwd=tmp_path)
    assert again.returncode == 1 and path.read_text() == text


def test_select_ignore_and_suppression_comments_as_in_check(tmp_path):
    path = write(tmp_path, "t.py", TRIGGER)
    proc = run_cli("fix", "--select", "CCI120", "t.py", cwd=tmp_path)
    assert proc.returncode == 1
    assert path.read_text() == TRIGGER.replace('main")', 'main", headers={"Accept": "application/json"})')
    other = write(tmp_path, "u.py", TRIGGER)
    run_cli("fix", "--ignore", "CCI1", "u.py", cwd=tmp_path)
    assert other.read_text() == TRIGGER
    quiet = write(tmp_path, "s.py", TRIGGER.replace('main")', 'main")  # circleci-v2: ignore'))
    proc = run_cli("fix", "s.py", cwd=tmp_path)
    assert proc.returncode == 0 and quiet.read_text() == TRIGGER.replace('main")', 'main")  # circleci-v2: ignore')


def test_configuration_from_pyproject(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.circleci-v2]\nignore = ["CCI102"]\nextend-exclude = ["vendor"]\n')
    t = write(tmp_path, "t.py", TRIGGER)
    v = write(tmp_path, "vendor/v.py", TRIGGER)
    proc = run_cli("fix", ".", cwd=tmp_path)
    assert proc.returncode == 1
    assert t.read_text() == TRIGGER.replace('main")', 'main", headers={"Accept": "application/json"})')
    assert v.read_text() == TRIGGER


def test_report_markdown_says_manual_work_remains_at_the_top(tmp_path):
    write(tmp_path, "t.py", TRIGGER)
    write(tmp_path, "r.py", RETRY)
    proc = run_cli("fix", "--report", "migration.md", ".", cwd=tmp_path)
    assert proc.returncode == 1
    report = (tmp_path / "migration.md").read_text()
    lines = report.splitlines()
    assert lines[0] == "# circleci-v2 migration report"
    assert lines[2].startswith("**Manual work remains: 1 site(s) in 1 file(s) need a person**")
    assert "| files changed | 1 |" in report and "| changes | 2 (2 safe, 0 unsafe) |" in report
    assert "## r.py" in report and "## t.py" in report
    assert "- line 4, CCI104 (manual): POST .../:build_num/retry is gone in API v2" in report
    assert "    > 3. rerunWorkflow (POST /api/v2/workflow/{id}/rerun)" in report
    assert "- line 3, CCI102 (safe): POST /api/v1.1/project/:vcs/:user/:project/tree/:branch -> triggerPipeline" \
        in report


def test_report_json_with_totals(tmp_path):
    write(tmp_path, "t.py", TRIGGER)
    proc = run_cli("diff", "--report", "out.json", ".", cwd=tmp_path)
    assert proc.returncode == 1
    data = json.loads((tmp_path / "out.json").read_text())
    assert data["manual_work_remains"] is False and data["applied"] is False
    assert data["totals"]["changes"] == 2 and data["totals"]["files_changed"] == 1
    [entry] = data["files"]
    assert entry["path"] == "t.py" and entry["changed"] is True
    assert [c["rule"] for c in entry["changes"]] == ["CCI102", "CCI120"]


def test_report_dash_prints_markdown_after_the_diff(tmp_path):
    t = write(tmp_path, "t.py", TRIGGER)
    proc = run_cli("diff", "--report", "-", ".", cwd=tmp_path)
    assert proc.returncode == 1
    diff, _, report = proc.stdout.partition("# circleci-v2 migration report")
    assert diff.startswith("--- a/t.py") and "+++ b/t.py" in diff
    assert "## t.py" in report and "CCI102 (safe)" in report
    assert t.read_text() == TRIGGER and sorted(p.name for p in tmp_path.iterdir()) == ["t.py"]


def test_report_with_a_bad_suffix_is_a_one_line_error(tmp_path):
    t = write(tmp_path, "t.py", TRIGGER)
    proc = run_cli("fix", "--report", "out.txt", ".", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == "circleci-v2: error: --report out.txt: the file name must end in .md or .json\n"
    assert t.read_text() == TRIGGER  # nothing was written before the options were checked


def test_report_into_a_missing_folder_is_an_error(tmp_path):
    write(tmp_path, "t.py", TRIGGER)
    proc = run_cli("fix", "--report", "no/such/dir/r.md", ".", cwd=tmp_path)
    assert proc.returncode == 2 and "--report no/such/dir/r.md: cannot write" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_help_lists_the_exit_codes():
    proc = run_cli("fix", "--help")
    assert proc.returncode == 0 and "--unsafe-fixes" in proc.stdout and "--add-todo" in proc.stdout
    assert "1  a file changed" in proc.stdout
    assert "--select" in run_cli("diff", "--help").stdout


def test_fix_does_not_import_libcst_for_a_tree_without_candidates(tmp_path):
    write(tmp_path, "a.py", CLEAN)
    code = ("import sys; from circleci_v2.migrate import cli\n"
            "try:\n    cli.main(['fix', '.'])\nexcept SystemExit as e:\n"
            "    print(e.code, 'libcst' in sys.modules, 'circleci_v2.migrate.fix.engine' in sys.modules)\n")
    out = run_python(code, cwd=tmp_path)
    assert out.stdout.strip() == "0 False False", out.stderr


def test_check_asks_the_fixers_plan_but_never_imports_libcst(tmp_path):
    """[*] is the fixer's own decision (migrate/fix/decide.py): check plans with the fixer's ast-only planner."""
    write(tmp_path, "t.py", TRIGGER)
    code = ("import sys; from circleci_v2.migrate import cli\n"
            "try:\n    cli.main(['check', '-q', '.'])\nexcept SystemExit as e:\n"
            "    print(e.code, 'libcst' in sys.modules, 'circleci_v2.migrate.fix.engine' in sys.modules)\n")
    out = run_python(code, cwd=tmp_path)
    assert out.stdout.strip().endswith("1 False True"), out.stdout + out.stderr


def test_a_file_with_only_manual_findings_does_not_import_libcst(tmp_path):
    write(tmp_path, "r.py", RETRY)
    code = ("import sys; from circleci_v2.migrate import cli\n"
            "try:\n    cli.main(['fix', '.'])\nexcept SystemExit as e:\n"
            "    print(e.code, 'libcst' in sys.modules)\n")
    out = run_python(code, cwd=tmp_path)
    assert out.stdout.strip().endswith("1 False"), out.stdout + out.stderr


def test_check_promises_only_what_fix_does_for_curl_run_from_python(tmp_path):
    """A curl command line in subprocess is found, not rewritten: check must not mark it fixable ([*])."""
    code = ('import subprocess\n\nsubprocess.run(["curl", "-X", "POST",\n'
            '                "https://circleci.com/api/v1.1/project/github/acme/app/tree/main?circle-token=x"])\n')
    path = write(tmp_path, "deploy.py", code)
    check = run_cli("check", ".", cwd=tmp_path)
    assert sorted(rule for rule in ("CCI102", "CCI120", "CCI121") if rule in check.stdout) == \
        ["CCI102", "CCI120", "CCI121"]
    assert "[*]" not in check.stdout and "fixable" not in check.stderr
    fix = run_cli("fix", ".", cwd=tmp_path)
    assert path.read_text() == code
    assert "fixed 0 finding(s)" in fix.stderr and "3 left for a person" in fix.stderr
