"""CIRCLECI_V2_USAGE records translated calls across processes; `check --usage` reports them."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("openapi_core", reason="the emulator needs the emulator extra")
from emulator_support import CONFIG, SLUG  # noqa: E402

SCRIPT = textwrap.dedent("""\
    import sys
    from circleci_v2.shim import circleci as api
    client = api.Api(sys.argv[1], sys.argv[2])
    for _ in range(2):
        client.get_recent_builds(limit=1)
    client.trigger_build("acme", "app", "main")
""")


@pytest.fixture
def emu(circleci_emulator_factory):
    emu = circleci_emulator_factory(workflow_delay=0.05)
    emu.add_project(SLUG, config=CONFIG)
    return emu


def test_two_processes_merge_and_check_reports_the_sites(emu, tmp_path):
    script = tmp_path / "legacy.py"
    script.write_text(SCRIPT)
    record = tmp_path / "usage.json"
    env = dict(os.environ, CIRCLECI_V2_USAGE=str(record))
    procs = [subprocess.Popen([sys.executable, str(script), emu.token, emu.url], env=env,
                              stderr=subprocess.PIPE) for _ in range(2)]
    for p in procs:
        assert p.wait(timeout=60) == 0, p.stderr.read()
    sites = json.loads(record.read_text())["sites"]
    by_rule = {(s["rule"], s["line"]): s["count"] for s in sites}
    assert by_rule == {("CCI113", 5): 4, ("CCI110", 6): 2}
    assert all(s["path"] == str(script) for s in sites)

    (tmp_path / "empty").mkdir()  # no static findings: what is reported came from the record
    result = subprocess.run([sys.executable, "-m", "circleci_v2.migrate", "check", "--usage", str(record),
                             "--output-format", "json", str(tmp_path / "empty")], capture_output=True,
                            text=True, cwd=tmp_path, timeout=60)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    items = report if isinstance(report, list) else report.get("findings", report)
    usage = [f for f in items if f["source"] == "usage"]
    assert {(f["rule"], f["line"]) for f in usage} == {("CCI113", 5), ("CCI110", 6)}


def test_check_usage_bad_file_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "usage.json"
    bad.write_text("{not json")
    (tmp_path / "src").mkdir()
    result = subprocess.run([sys.executable, "-m", "circleci_v2.migrate", "check", "--usage", str(bad),
                             str(tmp_path / "src")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "usage.json" in result.stderr and "Traceback" not in result.stderr


def test_nothing_recorded_without_the_variable(emu, tmp_path):
    script = tmp_path / "legacy.py"
    script.write_text(SCRIPT)
    env = {k: v for k, v in os.environ.items() if k != "CIRCLECI_V2_USAGE"}
    subprocess.run([sys.executable, str(script), emu.token, emu.url], env=env, check=True, cwd=tmp_path,
                   capture_output=True, timeout=60)
    assert list(tmp_path.iterdir()) == [script]


# -- the record file itself (no network: circleclient's cache.clear warns, is recorded, and raises) ------

NO_NETWORK = textwrap.dedent("""\
    from circleci_v2.shim import circleclient
    from circleci_v2.shim.circleci import CacheClearingRemoved
    try:
        circleclient.CircleClient("token").cache.clear("acme", "app")
    except CacheClearingRemoved:
        pass
""")


def _record_run(tmp_path, record) -> subprocess.CompletedProcess:
    script = tmp_path / "clears.py"
    script.write_text(NO_NETWORK)
    env = dict(os.environ, CIRCLECI_V2_USAGE=str(record), PYTHONWARNINGS="ignore")
    return subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60,
                          cwd=tmp_path)


@pytest.mark.parametrize("content", [b'{"name": "my-project", "version": "1.0.0", "private": true}\n',
                                     b"not json at all\n", b"\x89PNG\r\n\x1a\n\x00\x00"])
def test_a_file_that_is_not_a_usage_record_is_refused_untouched(tmp_path, content):
    record = tmp_path / "package.json"
    record.write_bytes(content)
    proc = _record_run(tmp_path, record)
    assert proc.returncode == 0  # the user's program is not failed for it
    assert record.read_bytes() == content
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and str(record) in lines[0] and "not a usage record" in lines[0], proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["clears.py", "package.json"]


def test_a_truncated_record_is_kept_aside_and_said(tmp_path):
    record = tmp_path / "usage.json"
    assert _record_run(tmp_path, record).returncode == 0
    whole = record.read_text()
    assert json.loads(whole)["sites"][0]["count"] == 1
    record.write_text(whole[: len(whole) // 2])  # a crash or a full disk cut it short
    proc = _record_run(tmp_path, record)
    assert proc.returncode == 0
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("usage.json.damaged-")]
    assert len(aside) == 1 and aside[0].read_text() == whole[: len(whole) // 2]
    assert "cut short or damaged" in proc.stderr and aside[0].name in proc.stderr
    assert [s["count"] for s in json.loads(record.read_text())["sites"]] == [1]  # a new record: this run


def test_writes_replace_the_record_by_rename_and_leave_no_temporary(tmp_path):
    record = tmp_path / "usage.json"
    _record_run(tmp_path, record)
    first = record.stat().st_ino
    reader_view = open(record, encoding="utf-8")  # a reader that opened the record before the next write
    try:
        _record_run(tmp_path, record)
        assert json.loads(reader_view.read())["sites"][0]["count"] == 1  # still the whole old record
    finally:
        reader_view.close()
    assert record.stat().st_ino != first  # a new file renamed over it, not the old one truncated
    assert json.loads(record.read_text())["sites"][0]["count"] == 2
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def _check(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "circleci_v2.migrate", "check", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=60)


def test_check_usage_text_fills_the_message_keeps_relative_paths_and_counts_in_the_summary(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "clears.py").write_text(NO_NETWORK)
    (tmp_path / "src" / "plain.py").write_text("import os\n")
    env = dict(os.environ, CIRCLECI_V2_USAGE="usage.json", PYTHONWARNINGS="ignore")
    subprocess.run([sys.executable, "src/clears.py"], env=env, cwd=tmp_path, check=True, timeout=60)

    result = _check("--usage", "usage.json", "src/plain.py", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("src/clears.py:4:1: CCI112 ")  # relative, as the path was given
    assert "{call}" not in lines[0] and "circleclient.circleclient.CircleClient.cache.clear" in lines[0]
    assert result.stderr.strip().startswith("Found 1 finding"), result.stderr
    assert "1 seen at run time" in result.stderr

    absolute = _check("--usage", "usage.json", str(tmp_path / "src" / "plain.py"), cwd=tmp_path)
    assert absolute.stdout.startswith(str(tmp_path / "src" / "clears.py") + ":4:1: CCI112 ")

    # --select applies to what the record holds too, and the summary says what was printed
    other = _check("--usage", "usage.json", "--select", "CCI110", "src/plain.py", cwd=tmp_path)
    assert other.returncode == 0 and other.stdout == "" and other.stderr.startswith("No findings")


def test_check_usage_fills_the_call_for_an_older_record_without_it(tmp_path):
    record = tmp_path / "usage.json"
    record.write_text(json.dumps({"sites": [{"rule": "CCI113", "path": str(tmp_path / "old.py"), "line": 3,
                                             "count": 2}]}))
    (tmp_path / "src").mkdir()
    result = _check("--usage", "usage.json", "src", cwd=tmp_path)
    assert result.stdout.startswith("old.py:3:1: CCI113 get_recent_builds / build.recent_all_projects reads")


def test_a_site_found_statically_and_seen_at_run_time_is_one_finding(emu, tmp_path):
    """The drop-in calls check finds in the file (info, as the drop-in runs them) and the record names are one
    finding each in every format, saying how often the site ran; a recorded site check does not see stays."""
    (tmp_path / "src").mkdir()
    script = tmp_path / "src" / "legacy.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, CIRCLECI_V2_USAGE="usage.json", PYTHONWARNINGS="ignore")
    subprocess.run([sys.executable, "src/legacy.py", emu.token, emu.url], env=env, cwd=tmp_path, check=True,
                   capture_output=True, timeout=60)
    record = json.loads((tmp_path / "usage.json").read_text())
    record["sites"].append({"rule": "CCI113", "path": str(tmp_path / "src" / "elsewhere.py"), "line": 9,
                           "count": 1, "call": "circleci_v2.shim.circleci:get_recent_builds"})
    (tmp_path / "usage.json").write_text(json.dumps(record))
    static = _check("--output-format", "json", "src", cwd=tmp_path)
    static_sites = {(f["rule"], f["path"], f["line"], f["column"]) for f in json.loads(static.stdout)["findings"]}
    assert static_sites == {("CCI113", "src/legacy.py", 5, 5), ("CCI110", "src/legacy.py", 6, 1)}

    text = _check("--usage", "usage.json", "src", cwd=tmp_path)
    lines = text.stdout.splitlines()
    assert len(lines) == 3, text.stdout
    assert lines[0].startswith("src/elsewhere.py:9:1: CCI113 ")
    assert lines[0].endswith("(seen at run time: called 1 time through circleci_v2.shim)")
    assert lines[1].startswith("src/legacy.py:5:5: CCI113 ") and "runs through the shim's translation" in lines[1]
    assert lines[1].endswith("(seen at run time: called 2 times through circleci_v2.shim)")
    assert lines[2].startswith("src/legacy.py:6:1: CCI110 ")
    assert lines[2].endswith("(seen at run time: called 1 time through circleci_v2.shim)")
    assert text.stderr.startswith("Found 3 findings") and "3 seen at run time" in text.stderr, text.stderr

    found = json.loads(_check("--usage", "usage.json", "--output-format", "json", "src", cwd=tmp_path).stdout)
    sites = [(f["rule"], f["path"], f["line"], f["column"], f["source"], f["run_time_calls"])
             for f in found["findings"]]
    assert sites == [("CCI113", "src/elsewhere.py", 9, 1, "usage", 1), ("CCI113", "src/legacy.py", 5, 5, "static", 2),
                     ("CCI110", "src/legacy.py", 6, 1, "static", 1)]

    sarif = json.loads(_check("--usage", "usage.json", "--output-format", "sarif", "src", cwd=tmp_path).stdout)
    results = sarif["runs"][0]["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"], r["properties"]["runTimeCalls"])
            for r in results] == [("CCI113", 9, 1), ("CCI113", 5, 2), ("CCI110", 6, 1)]
    assert results[1]["message"]["text"].endswith("(seen at run time: called 2 times through circleci_v2.shim)")

    stats = _check("--usage", "usage.json", "--statistics", "src", cwd=tmp_path)
    assert [line.split()[:2] for line in stats.stdout.splitlines()] == [["2", "CCI113"], ["1", "CCI110"]]


@pytest.mark.parametrize("site", [{"line": "abc"}, {"count": -5}, {"count": 0}, {"line": True}, {"rule": 102},
                                  {"path": None}, {"call": 3}])
def test_check_usage_refuses_a_record_with_a_bad_value_in_one_line(tmp_path, site):
    record = tmp_path / "usage.json"
    record.write_text(json.dumps({"sites": [{"rule": "CCI102", "path": "x.py", "line": 3, "count": 1, **site}]}))
    (tmp_path / "src").mkdir()
    result = _check("--usage", "usage.json", "src", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == "", result.stdout
    assert result.stderr.startswith("circleci-v2: error: --usage usage.json: not a usage file"), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_check_usage_refuses_a_named_pipe_instead_of_waiting_on_it(tmp_path):
    os.mkfifo(tmp_path / "usage.json")
    (tmp_path / "src").mkdir()
    result = _check("--usage", "usage.json", "src", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("circleci-v2: error: --usage usage.json: not a regular file"), result.stderr


def test_a_program_recording_into_a_named_pipe_or_a_record_with_bad_values_exits_without_a_traceback(tmp_path):
    os.mkfifo(tmp_path / "pipe.json")
    proc = _record_run(tmp_path, tmp_path / "pipe.json")  # a wait on the pipe at exit would time out
    assert proc.returncode == 0 and "not a regular file" in proc.stderr and "Traceback" not in proc.stderr
    record = tmp_path / "usage.json"
    bad = json.dumps({"sites": [{"rule": "CCI112", "path": "x.py", "line": "abc", "count": 1}]})
    record.write_text(bad)
    proc = _record_run(tmp_path, record)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert "cut short or damaged" in proc.stderr
    assert [s["count"] for s in json.loads(record.read_text())["sites"]] == [1]
    assert [p.read_text() for p in tmp_path.iterdir() if p.name.startswith("usage.json.damaged-")] == [bad]


MULTI_LINE = textwrap.dedent("""\
    import sys
    from circleci_v2.shim import circleci as api
    client = api.Api(sys.argv[1], sys.argv[2])
    builds = (client
              .get_recent_builds(
                  limit=1))
    client.trigger_build(  # circleci-v2: ignore[CCI110]
        "acme", "app", "main")
""")


def test_a_call_over_several_lines_is_one_finding_and_a_suppressed_one_stays_silent(emu, tmp_path):
    """The record names the line Python ran (the method's line), the analysis the call's first line; a comment
    that silences the site silences what the record says about it too."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "multi.py").write_text(MULTI_LINE)
    env = dict(os.environ, CIRCLECI_V2_USAGE="usage.json", PYTHONWARNINGS="ignore")
    subprocess.run([sys.executable, "src/multi.py", emu.token, emu.url], env=env, cwd=tmp_path, check=True,
                   capture_output=True, timeout=60)
    recorded = {(s["rule"], s["line"]) for s in json.loads((tmp_path / "usage.json").read_text())["sites"]}
    assert recorded == {("CCI113", 5), ("CCI110", 7)}
    result = _check("--usage", "usage.json", "--output-format", "json", "src", cwd=tmp_path)
    found = [(f["rule"], f["line"], f["column"], f["source"], f["run_time_calls"])
             for f in json.loads(result.stdout)["findings"]]
    assert found == [("CCI113", 4, 11, "static", 1)]
    assert "1 suppressed by comments" in result.stderr
