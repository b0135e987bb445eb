"""`circleci-v2 rules`, `explain` and `emulator`."""
from __future__ import annotations

import importlib.util
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from circleci_v2.rules import load_catalogue
from clirun import run_cli


def test_rules_text_lists_every_rule_once():
    proc = run_cli("rules")
    assert proc.returncode == 0
    catalogue = load_catalogue()
    lines = [line for line in proc.stdout.splitlines() if line.startswith("CCI")]
    assert [line.split()[0] for line in lines] == [r.id for r in catalogue]
    for line, rule in zip(lines, catalogue):
        assert rule.name in line and rule.title in line
        assert ("[*]" in line) == (rule.fix == "safe")


def test_rules_json_carries_every_field():
    proc = run_cli("rules", "--format", "json")
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    catalogue = load_catalogue()
    assert [r["id"] for r in data] == [r.id for r in catalogue]
    by_id = {r["id"]: r for r in data}
    trigger = by_id["CCI102"]
    assert trigger["fix"] == catalogue["CCI102"].fix
    assert trigger["replacement"]["operations"] == ["triggerPipeline"]
    assert {"method": "POST", "path": "/api/v1.1/project/:vcs/:user/:project/tree/:branch"} in trigger["endpoints"]
    assert any(r["clients"] for r in data) and any(r["imports"] for r in data)


@pytest.mark.parametrize("name", ["CCI101", "cci101", "trigger-project"])
def test_explain_shows_guidance_and_examples(name):
    rule = load_catalogue()["CCI101"]
    proc = run_cli("explain", name)
    assert proc.returncode == 0
    out = proc.stdout
    assert out.startswith(f"CCI101 {rule.name}: {rule.title}")
    assert rule.guidance.splitlines()[0] in out
    assert "triggerPipeline" in out
    assert rule.invalid_examples[0].code.splitlines()[-1].strip() in out
    assert "Reported" in out and "Not reported" in out


def test_explain_unknown_rule():
    proc = run_cli("explain", "CCI999")
    assert proc.returncode == 2
    assert "unknown rule 'CCI999'" in proc.stderr and "Traceback" not in proc.stderr


def test_emulator_help():
    proc = run_cli("emulator", "--help")
    assert proc.returncode == 0
    for option in ("--port", "--seed", "--cutover", "--workflow-delay"):
        assert option in proc.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_emulator_serves_until_interrupted(tmp_path):
    if importlib.util.find_spec("circleci_v2.shim.emulator") is None or \
            importlib.util.find_spec("circleci_v2.shim.emulator.server") is None:
        pytest.skip("the emulator (circleci_v2.shim.emulator.server) is not in this tree yet")
    if importlib.util.find_spec("openapi_core") is None:
        pytest.skip("the emulator needs the `emulator` extra (openapi-core)")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "circleci_v2.migrate", "emulator", "--port", str(port), "--workflow-delay", "0.05"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 20
        answered = None
        while time.monotonic() < deadline and answered is None:
            if proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/me", timeout=1) as resp:
                    answered = resp.status
            except urllib.error.HTTPError as exc:  # 401 without a token is an answer too
                answered = exc.code
            except OSError:
                time.sleep(0.05)
        assert answered is not None, proc.stderr.read().decode() if proc.poll() is not None else "no answer"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            _, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    assert "Traceback" not in err.decode()
