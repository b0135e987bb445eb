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
