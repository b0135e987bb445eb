"""`fix` on shell, Makefile, YAML, Dockerfile and Jenkinsfile text (migrate/fix/curl_in_text.py).

Rewritten scripts are run: a stand-in `curl` early on PATH records the
arguments the shell really passes, so quoting is checked the way a user meets
it, not by comparing strings alone.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from typing import List

import pytest
import yaml

from circleci_v2.migrate.fix.curl_in_text import fix_text
from circleci_v2.migrate.text import analyse
from circleci_v2.migrate.kinds.registry import segments_for
from circleci_v2.rules import load_catalogue

CATALOGUE = load_catalogue()
BASH = shutil.which("bash")
needs_bash = pytest.mark.skipif(BASH is None, reason="bash is not installed")

FAKE_CURL = """\
#!{python}
# Records its arguments, writes an empty JSON reply for -o, answers 201 for -w.
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_CURL_LOG"], "a") as fh:
    fh.write(json.dumps(args) + "\\n")
out = None
for i, a in enumerate(args):
    if a in ("-o", "--output") and i + 1 < len(args):
        out = args[i + 1]
    elif a.startswith("-") and not a.startswith("--") and "o" in a[1:] and i + 1 < len(args):
        out = args[i + 1]
if out:
    open(out, "w").write("{{}}")
if "-w" in args or any(a.startswith("-") and not a.startswith("--") and a.endswith("w") for a in args):
    sys.stdout.write("201")
"""


def fix(source: str, kind: str = "shell", unsafe: bool = False, only=None) -> str:
    found = analyse(source, "f", CATALOGUE, kind)
    if only is not None:
        found = [f for f in found if f.rule_id in only]
    return fix_text(source, "f", kind, found, {"unsafe_fixes": unsafe})


@pytest.fixture
def fake_curl(tmp_path):
    """PATH with a recording curl first; returns (env, read_calls)."""
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    curl = bin_dir / "curl"
    curl.write_text(FAKE_CURL.format(python=sys.executable))
    curl.chmod(0o755)
    log = tmp_path / "curl.log"
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", FAKE_CURL_LOG=str(log),
               CIRCLE_TOKEN="tok-123")

    def calls() -> List[List[str]]:
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    return env, calls


def request_of(argv: List[str]) -> dict:
    """What a curl command line sends: url, headers, body (enough for the forms fix writes)."""
    out = {"url": None, "headers": {}, "data": [], "method": None}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-H", "--header"):
            name, _, value = argv[i + 1].partition(":")
            out["headers"][name.strip().lower()] = value.strip()
            i += 2
            continue
        if a in ("-d", "--data", "--data-raw"):
            out["data"].append(argv[i + 1])
            i += 2
            continue
        if a in ("-X", "--request"):
            out["method"] = argv[i + 1]
            i += 2
            continue
        if a in ("-o", "-w", "-u", "--output"):
            i += 2
            continue
        if not a.startswith("-"):
            out["url"] = a
        i += 1
    return out


def run_bash(script: str, env, *args, cwd=None):
    return subprocess.run([BASH, "-c", script, "script", *args], env=env, capture_output=True, text=True,
                          timeout=30, cwd=cwd)


# ---- shell ---------------------------------------------------------------------------------------------

DEPLOY_SH = textwrap.dedent("""\
    #!/usr/bin/env bash
    set -euo pipefail
    : "${CIRCLE_TOKEN:?set CIRCLE_TOKEN}"
    CIRCLECI_HOST="${CIRCLECI_HOST:-https://circleci.com}"
    ORG="${ORG:-acme}"
    BRANCH="${1:-main}"
    reply="$(mktemp)"
    status=$(curl -sS -o "$reply" -w '%{http_code}' -X POST \\
      -H "Accept: application/json" \\
      "$CIRCLECI_HOST/api/v1.1/project/github/$ORG/storefront/tree/$BRANCH?circle-token=$CIRCLE_TOKEN")
    if [ "$status" != "201" ]; then cat "$reply" >&2; exit 1; fi
    echo "Triggered."
""")

DEPLOY_SH_FIXED = textwrap.dedent("""\
    #!/usr/bin/env bash
    set -euo pipefail
    : "${CIRCLE_TOKEN:?set CIRCLE_TOKEN}"
    CIRCLECI_HOST="${CIRCLECI_HOST:-https://circleci.com}"
    ORG="${ORG:-acme}"
    BRANCH="${1:-main}"
    reply="$(mktemp)"
    status=$(curl -sS -o "$reply" -w '%{http_code}' -X POST \\
      -H "Accept: application/json" \\
      "$CIRCLECI_HOST/api/v2/project/gh/$ORG/storefront/pipeline" \\
      -H "Circle-Token: $CIRCLE_TOKEN" \\
      -H "Content-Type: application/json" \\
      -d "{\\"branch\\": \\"$BRANCH\\"}")
    if [ "$status" != "201" ]; then cat "$reply" >&2; exit 1; fi
    echo "Triggered."
""")


def test_curl_trigger_becomes_the_v2_call():
    assert fix(DEPLOY_SH) == DEPLOY_SH_FIXED


@needs_bash
def test_rewritten_script_sends_the_v2_request(fake_curl):
    env, calls = fake_curl
    env["CIRCLECI_HOST"] = "http://127.0.0.1:9"
    result = run_bash(fix(DEPLOY_SH), env, "feature/x y")
    assert result.returncode == 0, result.stderr
    (argv,) = calls()
    req = request_of(argv)
    assert req["method"] == "POST"
    assert req["url"] == "http://127.0.0.1:9/api/v2/project/gh/acme/storefront/pipeline"
    assert req["headers"]["circle-token"] == "tok-123"
    assert req["headers"]["content-type"] == "application/json"
    assert [json.loads(d) for d in req["data"]] == [{"branch": "feature/x y"}]


def test_fix_is_idempotent_and_leaves_no_trigger():
    once = fix(DEPLOY_SH)
    assert fix(once) == once
    assert [f.rule_id for f in analyse(once, "f", CATALOGUE, "shell")] == []


TRIGGER_WITH_PARAMETERS = textwrap.dedent("""\
    curl -fsS -u "${CIRCLE_TOKEN}:" -X POST https://circleci.com/api/v1.1/project/github/acme/app/tree/main \\
         -d 'build_parameters[DEPLOY_ENV]=staging' -d "build_parameters[SHA]=$(git rev-parse HEAD)" \\
         -d build_parameters[RUN_MIGRATIONS]=true
""")


def test_build_parameters_wait_for_unsafe_fixes():
    (f,) = [f for f in analyse(TRIGGER_WITH_PARAMETERS, "f", CATALOGUE, "shell") if f.rule_id == "CCI102"]
    assert f.fix == "unsafe"
    # the reason the Python fixer gives too (rules/field_outcomes.py), with the parameters' names
    assert f.reason.startswith("needs --unsafe-fixes: `build_parameters` -> `parameters` (DEPLOY_ENV, SHA, "
                               "RUN_MIGRATIONS): pipeline parameters must be declared")
    # without --unsafe-fixes the trigger stays; only the Accept header is added
    safe = fix(TRIGGER_WITH_PARAMETERS)
    assert "/api/v1.1/" in safe and '-H "Accept: application/json"' in safe


@needs_bash
def test_unsafe_fix_moves_build_parameters_to_typed_parameters(fake_curl, tmp_path):
    env, calls = fake_curl
    fixed = fix(TRIGGER_WITH_PARAMETERS, unsafe=True)
    assert fixed == textwrap.dedent("""\
        curl -fsS -X POST https://circleci.com/api/v2/project/gh/acme/app/pipeline \\
             -H "Circle-Token: ${CIRCLE_TOKEN}" \\
             -H "Content-Type: application/json" \\
             -d "{\\"branch\\": \\"main\\", \\"parameters\\": {\\"DEPLOY_ENV\\": \\"staging\\", \\"SHA\\": \\"$(git rev-parse HEAD)\\", \\"RUN_MIGRATIONS\\": true}}"
    """)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q",
                    "--allow-empty", "-m", "x"], check=True)
    result = run_bash(fixed, env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    body = json.loads(request_of(calls()[0])["data"][0])
    assert body["parameters"]["RUN_MIGRATIONS"] is True and len(body["parameters"]["SHA"]) == 40


def test_json_body_fields_carry_over():
    source = ("curl -X POST -H 'Content-Type: application/json' -H \"Circle-Token: $T\" "
              "-d '{\"tag\": \"v1.2.0\"}' https://circleci.com/api/v1.1/project/bitbucket/acme/app\n")
    assert fix(source) == ("curl -X POST -H \"Circle-Token: $T\" https://circleci.com/api/v2/project/bb/acme/app/pipeline"
                           " -H \"Content-Type: application/json\" -d '{\"tag\": \"v1.2.0\"}'\n")


def test_parallel_is_dropped_only_with_unsafe_fixes():
    source = 'curl -X POST -u "$T:" -d parallel=4 https://circleci.com/api/v1.1/project/github/a/b/tree/main\n'
    (f,) = [f for f in analyse(source, "f", CATALOGUE, "shell") if f.rule_id == "CCI102"]
    # the words of the Python fixer and the shim too (rules/field_outcomes.py)
    assert f.fix == "unsafe" and f.reason == "needs --unsafe-fixes: `parallel` is dropped: set parallelism in the config instead"
    assert "parallel" not in fix(source, unsafe=True) and "/api/v2/" in fix(source, unsafe=True)


@pytest.mark.parametrize("source, reason", [
    ('BUILD=$(curl -fsS -X POST -u "$T:" https://circleci.com/api/v1.1/project/github/a/b/tree/main'
     ' | jq -r .build_num)\n', "reads `build_num` from the reply"),
    ('out=$(curl -fsS -X POST -u "$T:" https://circleci.com/api/v1.1/project/github/a/b/tree/main)\n'
     'echo "$out" | python3 -c \'import json,sys; print(json.load(sys.stdin)["build_url"])\'\n',
     "reads `build_url` from the reply"),
    ('curl -X POST -u "$T:" -d revision=abc123 https://circleci.com/api/v1.1/project/github/a/b/tree/main\n',
     "`revision`: v2 cannot pin a commit"),
    ('curl -X POST -u "$T:" -d @payload.json https://circleci.com/api/v1.1/project/github/a/b/tree/main\n',
     "the request body comes from a file"),
    ('curl -X POST https://circleci.com/api/v1.1/project/github/a/b/tree/main\n', "no API token in the command"),
    ('URL=https://circleci.com/api/v1.1/project/github/a/b/tree/main\ncurl -X POST -u "$T:" "$URL"\n',
     "the API root comes from $URL"),
    ('wget --post-data= https://circleci.com/api/v1.1/project/github/a/b/tree/main\n', "curl commands only"),
    ('http POST https://circleci.com/api/v1.1/project/github/a/b/tree/main Circle-Token:$T\n', "curl commands only"),
    ('curl -X POST -u "user:secret" https://circleci.com/api/v1.1/project/github/a/b/tree/main\n',
     "a user and a password"),
    ('curl -X POST -u "$T:" "https://circleci.com/api/v1.1/project/github/a/b/tree/main?branch=x"\n',
     "query parameter `branch`"),
])
def test_unsafe_to_rewrite_is_reported_with_guidance_and_left_alone(source, reason):
    (f,) = [f for f in analyse(source, "f", CATALOGUE, "shell") if f.rule_id == "CCI102"]
    assert f.fix == "manual" and reason in (f.reason or ""), f.reason
    fixed = fix(source, unsafe=True, only={"CCI102"})
    assert fixed == source


@pytest.mark.parametrize("source", [
    "curl -X POST https://circleci.com/api/v2/project/gh/acme/app/pipeline -H \"Circle-Token: $T\" -d '{}'\n",
    "# curl -X POST https://circleci.com/api/v1.1/project/github/a/b/tree/main\n",
    "echo 'curl -X POST https://circleci.com/api/v1.1/project/github/a/b/tree/main'\n",
    "cat <<EOF\ncurl -X POST https://circleci.com/api/v1.1/project/github/a/b/tree/main\nEOF\n",
    "curl -fsS https://example.com/healthz\n",
])
def test_scripts_that_must_not_change(source):
    assert fix(source, unsafe=True) == source


@needs_bash
def test_token_and_accept_fixes_on_other_calls(fake_curl):
    env, calls = fake_curl
    source = 'API=https://circleci.com/api/v1.1\ncurl -fsS "$API/me?circle-token=$CIRCLE_TOKEN&x=1" > /dev/null\n'
    fixed = fix(source)
    assert fixed == ('API=https://circleci.com/api/v1.1\n'
                     'curl -fsS "$API/me?x=1" -H "Circle-Token: $CIRCLE_TOKEN" -H "Accept: application/json"'
                     ' > /dev/null\n')
    assert run_bash(fixed, env).returncode == 0
    req = request_of(calls()[0])
    assert req["url"] == "https://circleci.com/api/v1.1/me?x=1"
    assert req["headers"] == {"circle-token": "tok-123", "accept": "application/json"}


@needs_bash
def test_a_v2_token_moves_to_the_header(fake_curl):
    env, calls = fake_curl
    source = ('curl -fsS "https://circleci.com/api/v2/project/gh/acme/app/pipeline?circle-token=$CIRCLE_TOKEN"'
              ' > /dev/null\n')
    fixed = fix(source)
    # v2 answers JSON by default: no Accept header is added
    assert fixed == ('curl -fsS "https://circleci.com/api/v2/project/gh/acme/app/pipeline"'
                     ' -H "Circle-Token: $CIRCLE_TOKEN" > /dev/null\n')
    assert run_bash(fixed, env).returncode == 0
    req = request_of(calls()[0])
    assert req["url"] == "https://circleci.com/api/v2/project/gh/acme/app/pipeline"
    assert req["headers"] == {"circle-token": "tok-123"}
    assert analyse(fixed, "f", CATALOGUE, "shell") == []


@pytest.mark.parametrize("source", [
    'curl -fsS -H "Circle-Token: $CIRCLE_TOKEN" "https://circleci.com/api/v2/project/gh/acme/app/pipeline"\n',
    'curl -fsS "https://circleci.com/api/v2/me?page-token=$NEXT" -H "Circle-Token: $T"\n',
    'curl -fsS "https://hooks.example.com/notify?circle-token=$T"\n',
])
def test_v2_calls_without_a_query_token_are_left_alone(source):
    assert fix(source, unsafe=True) == source


def test_only_the_findings_given_are_applied():
    source = 'curl -s "https://circleci.com/api/v1.1/me?circle-token=$T"\n'
    assert fix(source, only=set()) == source
    assert fix(source, only={"CCI121"}) == 'curl -s "https://circleci.com/api/v1.1/me" -H "Circle-Token: $T"\n'
    assert fix(source, only={"CCI120"}) == ('curl -s "https://circleci.com/api/v1.1/me?circle-token=$T"'
                                            ' -H "Accept: application/json"\n')


def test_line_ends_and_bom_are_kept():
    source = "\ufeffset -e\r\ncurl -X POST -u \"$T:\" \\\r\n  https://circleci.com/api/v1.1/project/github/a/b/tree/main\r\necho ok\r\n"
    fixed = fix(source)
    assert fixed.startswith("\ufeff") and "/api/v2/project/gh/a/b/pipeline" in fixed
    assert fixed.count("\r\n") == fixed.count("\n") and fixed.endswith("echo ok\r\n")


# ---- other containers ------------------------------------------------------------------------------------

MAKEFILE = textwrap.dedent("""\
    CIRCLE_API ?= https://circleci.com/api/v1.1
    BRANCH ?= main

    trigger:
    \t@curl -fsS -X POST \\
    \t  "$(CIRCLE_API)/project/github/acme/app/tree/$(BRANCH)" \\
    \t  -u "$${CIRCLE_TOKEN}:"
""")


@needs_bash
def test_makefile_rewrite_runs_under_make(fake_curl, tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    env, calls = fake_curl
    fixed = fix(MAKEFILE, "makefile")
    assert fixed == textwrap.dedent("""\
        CIRCLE_API ?= https://circleci.com/api/v1.1
        BRANCH ?= main

        trigger:
        \t@curl -fsS -X POST \\
        \t  "$(CIRCLE_API:/api/v1.1=)/api/v2/project/gh/acme/app/pipeline" \\
        \t  -H "Circle-Token: $${CIRCLE_TOKEN}" \\
        \t  -H "Content-Type: application/json" \\
        \t  -d "{\\"branch\\": \\"$(BRANCH)\\"}"
    """)
    (tmp_path / "Makefile").write_text(fixed)
    result = subprocess.run(["make", "-s", "trigger", "BRANCH=release/1.0"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    req = request_of(calls()[0])
    assert req["url"] == "https://circleci.com/api/v2/project/gh/acme/app/pipeline"
    assert req["headers"]["circle-token"] == "tok-123"
    assert json.loads(req["data"][0]) == {"branch": "release/1.0"}


GITLAB = textwrap.dedent("""\
    deploy:
      script:
        - |
          curl -fsS -X POST \\
            -H "Circle-Token: $CIRCLE_TOKEN" \\
            "https://circleci.com/api/v1.1/project/github/acme/app/tree/$CI_COMMIT_REF_NAME"
        - "curl -fsS -X POST -u \\"$CIRCLE_TOKEN:\\" https://circleci.com/api/v1.1/project/github/acme/app/tree/main"
        - 'curl -fsS -X POST -u "$CIRCLE_TOKEN:" https://circleci.com/api/v1.1/project/github/acme/app/tree/main'
        - curl -fsS -X POST -u "$CIRCLE_TOKEN:" https://circleci.com/api/v1.1/project/github/acme/app/tree/main
""")


@needs_bash
def test_yaml_scripts_stay_valid_yaml_and_send_v2_requests(fake_curl):
    env, calls = fake_curl
    env["CI_COMMIT_REF_NAME"] = "feat/1"
    fixed = fix(GITLAB, "yaml")
    doc = yaml.safe_load(fixed)
    scripts = doc["deploy"]["script"]
    assert "/api/v1.1/" in scripts[3]  # a plain scalar: reported, left for a person
    for script in scripts[:3]:
        assert run_bash(script, env).returncode == 0
    reqs = [request_of(c) for c in calls()]
    assert [r["url"] for r in reqs] == ["https://circleci.com/api/v2/project/gh/acme/app/pipeline"] * 3
    assert [json.loads(r["data"][0]) for r in reqs] == [{"branch": "feat/1"}, {"branch": "main"}, {"branch": "main"}]
    assert all(r["headers"]["circle-token"] == "tok-123" for r in reqs)
    (plain,) = [f for f in analyse(GITLAB, "f", CATALOGUE, "yaml") if f.line == 9 and f.rule_id == "CCI102"]
    assert plain.fix == "manual" and "plain YAML scalar" in plain.reason


DOCKERFILE = textwrap.dedent("""\
    FROM alpine:3.19
    ARG CIRCLE_TOKEN
    RUN apk add --no-cache curl \\
     && curl -fsS -X POST "https://circleci.com/api/v1.1/project/github/acme/app/tree/main" \\
          -H "Circle-Token: ${CIRCLE_TOKEN}"
""")


def test_dockerfile_rewrite():
    assert fix(DOCKERFILE, "dockerfile") == textwrap.dedent("""\
        FROM alpine:3.19
        ARG CIRCLE_TOKEN
        RUN apk add --no-cache curl \\
         && curl -fsS -X POST "https://circleci.com/api/v2/project/gh/acme/app/pipeline" \\
              -H "Content-Type: application/json" \\
              -d '{"branch": "main"}' \\
              -H "Circle-Token: ${CIRCLE_TOKEN}"
    """)


JENKINSFILE = textwrap.dedent("""\
    node {
      sh 'curl -fsS -X POST https://circleci.com/api/v1.1/project/github/acme/app/tree/main -u "$CIRCLE_TOKEN:"'
      sh \"\"\"
        curl -fsS -X POST \\\\
          "https://circleci.com/api/v1.1/project/github/acme/app/tree/${env.BRANCH_NAME}" \\\\
          -H "Circle-Token: \\$CIRCLE_TOKEN"
      \"\"\"
    }
""")


@needs_bash
def test_jenkinsfile_rewrite_escapes_for_groovy(fake_curl):
    env, calls = fake_curl
    fixed = fix(JENKINSFILE, "jenkinsfile")
    assert fixed == textwrap.dedent("""\
        node {
          sh 'curl -fsS -X POST https://circleci.com/api/v2/project/gh/acme/app/pipeline -H "Circle-Token: $CIRCLE_TOKEN" -H "Content-Type: application/json" -d \\'{"branch": "main"}\\''
          sh \"\"\"
            curl -fsS -X POST \\\\
              "https://circleci.com/api/v2/project/gh/acme/app/pipeline" \\\\
              -H "Content-Type: application/json" \\\\
              -d "{\\\\"branch\\\\": \\\\"${env.BRANCH_NAME}\\\\"}" \\\\
              -H "Circle-Token: \\$CIRCLE_TOKEN"
          \"\"\"
        }
    """)
    # what Groovy hands to sh (interpolation replaced by a value), run by a real shell
    for seg in segments_for(fixed, "jenkinsfile"):
        script = seg.text
        for ch, template in seg.templates.items():
            script = script.replace(ch, "feature/j" if template.name == "env.BRANCH_NAME" else "")
        assert run_bash(script, env).returncode == 0
    bodies = [json.loads(request_of(c)["data"][0]) for c in calls()]
    assert bodies == [{"branch": "main"}, {"branch": "feature/j"}]


def test_fix_text_through_the_fix_engine_options_object():
    class Options:  # the engine's FixOptions has `unsafe`
        def __init__(self, unsafe):
            self.unsafe = unsafe

    source = 'curl -u "$T:" -X POST https://circleci.com/api/v1.1/project/github/a/b -d build_parameters[X]=1\n'
    found = analyse(source, "f", CATALOGUE, "shell")
    assert "/api/v1.1/" in fix_text(source, "f", "shell", found, Options(False))
    assert """-d '{"parameters": {"X": 1}}'""" in fix_text(source, "f", "shell", found, Options(True))
