"""Run the real `circleci-v2` command line in a subprocess, as a user would (shared by tests/test_cli_*.py)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Optional, Union

# A file every version of the analyser must flag: a v1.1 build trigger (CCI102),
# sent without an Accept header (CCI120).
TRIGGER = 'import requests\n\nrequests.post("https://circleci.com/api/v1.1/project/github/acme/app/tree/main")\n'
# The same trigger with an Accept header: exactly one finding, CCI102.
TRIGGER_ACCEPT = (
    "import requests\n\n"
    'requests.post("https://circleci.com/api/v1.1/project/github/acme/app/tree/main",\n'
    '              headers={"Accept": "application/json"})\n'
)
CLEAN = "import os\n\nprint(os.getcwd())\n"


def run_cli(
    *args: str,
    cwd: Union[str, Path, None] = None,
    input: Optional[bytes] = None,
    env: Optional[dict] = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess:
    """`python -m circleci_v2.migrate ARGS` with text stdout/stderr."""
    full_env = dict(os.environ)
    full_env.pop("CIRCLECI_V2_DEBUG", None)
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "circleci_v2.migrate", *args],
        cwd=str(cwd) if cwd is not None else None,
        input=input,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=full_env,
        timeout=timeout,
    )
    proc.stdout = proc.stdout.decode("utf-8")  # type: ignore[assignment]
    proc.stderr = proc.stderr.decode("utf-8")  # type: ignore[assignment]
    return proc


def write(root: Path, relative: str, text: Union[str, bytes]) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def rules_in(stdout: str) -> list:
    """The rule ids of text-format finding lines, in order."""
    out = []
    for line in stdout.splitlines():
        parts = line.split(": ", 1)
        if len(parts) == 2 and parts[1][:3] == "CCI":
            out.append(parts[1].split()[0])
    return out


def error_lines(stderr: str) -> dict:
    """{path: message} of the `path: error: message` lines; a path named twice fails the test."""
    out = {}
    for line in stderr.splitlines():
        if ": error: " in line:
            path, message = line.split(": error: ", 1)
            assert path not in out, f"two lines for {path}"
            out[path] = message
    return out


def run_python(code: str, *args: str, cwd: Union[str, Path, None] = None) -> subprocess.CompletedProcess:
    """`python -c CODE ARGS` in a fresh interpreter (what it imports, how it exits), text stdout/stderr."""
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True)


def json_findings(root: Path, name: str, text: str) -> list:
    """Write `text` to root/name, run `check --output-format json` on it there, and give its findings (the
    run must end as a check does: 0 or 1, no traceback)."""
    write(root, name, text)
    proc = run_cli("check", "--output-format", "json", name, cwd=root)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout)["findings"]
