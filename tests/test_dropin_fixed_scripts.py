"""Legacy scripts run unchanged after `circleci-v2 fix` changes their import line, against the emulator."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("openapi_core", reason="the emulator needs the emulator extra")
from emulator_support import project_emulator  # noqa: E402

LEGACY = textwrap.dedent("""\
    import os
    import sys

    from circleci.api import Api as CircleApi
    from circleci.error import CircleCIException


    class Tool(CircleApi):
        def build(self, num):
            return self._request("GET", "project/github/acme/app/{}".format(num))


    api = Tool(os.environ["CIRCLE_TOKEN"], os.environ["CIRCLECI_HOST"] + "/api/v1.1")
    first = api.trigger_build("acme", "app", "main")
    retry = api.retry_build
    second = retry("acme", "app", first["build_num"])
    recent = api.get_recent_builds(limit=2)
    try:
        api.clear_cache("acme", "app")
    except CircleCIException as exc:
        print("cache:", type(exc).__name__)
    print(first["build_num"], second["build_num"], [b["build_num"] for b in recent], api.build(1)["build_num"])
""")


def test_fixed_legacy_script_runs_on_v2(circleci_emulator_factory, tmp_path):
    emu = project_emulator(circleci_emulator_factory)
    script = tmp_path / "tool.py"
    script.write_text(LEGACY)
    fix = subprocess.run([sys.executable, "-m", "circleci_v2.migrate", "fix", str(script)], capture_output=True,
                         text=True, timeout=120, cwd=tmp_path)
    assert fix.returncode in (0, 1), fix.stderr
    fixed = script.read_text()
    assert "circleci_v2.shim" in fixed and "from circleci.api" not in fixed
    changed = [ln for ln in fixed.splitlines() if ln not in LEGACY.splitlines()]
    assert all("import" in ln for ln in changed), changed  # only import lines changed
    env = dict(os.environ, CIRCLE_TOKEN=emu.token, CIRCLECI_HOST=emu.url)
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stderr
    out = run.stdout.splitlines()
    assert out[0] == "cache: CacheClearingRemoved"
    first, second, rest = out[1].split(" ", 2)
    assert int(second) > int(first)  # the retry is a new job
    assert rest.endswith(" 1")  # the subclass's own v1.1 call still answers JSON
    assert "CircleCIDeprecationWarning" in run.stderr and "CCI110" in run.stderr
    ops = [c.operation_id for c in emu.calls if c.api == "v2"]
    assert {"triggerPipeline", "rerunWorkflow", "listPipelines"} <= set(ops)
    emu.assert_valid()
