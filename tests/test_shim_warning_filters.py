"""CircleCIDeprecationWarning follows Python's own warning filters, in fresh interpreters.

The call site is in an imported module (not __main__), where Python hides
DeprecationWarning by default: the shim shows its warning there unless the user
set a filter of their own (-W, PYTHONWARNINGS, a filter set before the import).
The legacy call is circleclient's cache.clear(), which warns and raises without
any network.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

LEGACY = textwrap.dedent("""\
    from circleci_v2.shim import circleclient
    from circleci_v2.shim.circleci import CacheClearingRemoved


    def run():
        for _ in range(2):  # one call site: shown once
            try:
                circleclient.CircleClient("token").cache.clear("acme", "app")
            except CacheClearingRemoved:
                pass
""")


def _run(tmp_path, before: str = "", *options: str, env: dict = None) -> subprocess.CompletedProcess:
    (tmp_path / "legacy_calls.py").write_text(LEGACY)
    main = f"{before}\nimport legacy_calls\nlegacy_calls.run()\nprint('finished')\n"
    full_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONWARNINGS", "CIRCLECI_V2_USAGE")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, *options, "-c", main], cwd=tmp_path, env=full_env,
                          capture_output=True, text=True, timeout=60)


def _shown(proc: subprocess.CompletedProcess) -> int:
    return proc.stderr.count("CircleCIDeprecationWarning: CCI")


def test_shown_once_per_call_site_without_filters(tmp_path):
    proc = _run(tmp_path)
    assert proc.returncode == 0 and "finished" in proc.stdout, proc.stderr
    assert _shown(proc) == 1, proc.stderr
    assert "legacy_calls.py:8" in proc.stderr  # the user's line, not the shim's


@pytest.mark.parametrize("options, env", [
    (["-W", "ignore"], {}),
    (["-W", "ignore::DeprecationWarning"], {}),
    ([], {"PYTHONWARNINGS": "ignore"}),
    ([], {"PYTHONWARNINGS": "ignore::DeprecationWarning"}),
])
def test_ignored_by_command_line_and_environment_filters(tmp_path, options, env):
    proc = _run(tmp_path, "", *options, env=env)
    assert proc.returncode == 0 and "finished" in proc.stdout, proc.stderr
    assert _shown(proc) == 0, proc.stderr


@pytest.mark.parametrize("options, env", [
    (["-W", "error"], {}),
    (["-W", "error::DeprecationWarning"], {}),
    ([], {"PYTHONWARNINGS": "error"}),
])
def test_raised_by_error_filters(tmp_path, options, env):
    proc = _run(tmp_path, "", *options, env=env)
    assert proc.returncode == 1 and "finished" not in proc.stdout
    assert "CircleCIDeprecationWarning: CCI112" in proc.stderr.splitlines()[-1]


@pytest.mark.parametrize("before, shown", [
    ("import warnings; warnings.simplefilter('ignore')", 0),
    ("import warnings; warnings.filterwarnings('ignore', category=DeprecationWarning)", 0),
    ("import warnings; warnings.simplefilter('always')", 2),
    # a filter about something else leaves ours shown
    ("import warnings; warnings.filterwarnings('ignore', category=UserWarning)", 1),
])
def test_a_filter_set_before_the_import_decides(tmp_path, before, shown):
    proc = _run(tmp_path, before)
    assert proc.returncode == 0 and "finished" in proc.stdout, proc.stderr
    assert _shown(proc) == shown, proc.stderr


def test_an_error_filter_set_before_the_import_raises(tmp_path):
    proc = _run(tmp_path, "import warnings; warnings.simplefilter('error')")
    assert proc.returncode == 1 and "finished" not in proc.stdout
    assert "CircleCIDeprecationWarning: CCI112" in proc.stderr.splitlines()[-1]


def test_a_filter_set_after_the_import_decides(tmp_path):
    before = "import circleci_v2.shim.circleclient, warnings; warnings.simplefilter('ignore')"
    proc = _run(tmp_path, before)
    assert proc.returncode == 0 and _shown(proc) == 0, proc.stderr
