"""The text analyser in the files that hold shell commands: Makefiles, YAML, Dockerfiles, Jenkinsfiles.

Positions are the ones a user sees in the file (line and column of the
command's first word), and suppression comments work in every kind, through
the real command line.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from circleci_v2.migrate.text import analyse
from circleci_v2.migrate.kinds.registry import segments_for
from circleci_v2.rules import load_catalogue

CATALOGUE = load_catalogue()


def found(source: str, kind: str):
    return [(f.rule_id, f.line, f.column, f.confidence) for f in
            analyse(textwrap.dedent(source), "f", CATALOGUE, kind)]


def endpoint(source: str, kind: str):
    return [x for x in found(source, kind) if CATALOGUE[x[0]].kind == "endpoint"]


# ---- Makefile --------------------------------------------------------------------------------------

MAKEFILE = """\
CIRCLE_API ?= https://circleci.com/api/v1.1
PROJECT := github/acme/app

.PHONY: trigger clear-cache
trigger: ## start a build of BRANCH
\t@echo "triggering $(BRANCH)"
\tcurl -fsS -X POST \\
\t  "$(CIRCLE_API)/project/$(PROJECT)/tree/$(BRANCH)" \\
\t  -H "Circle-Token: $$CIRCLE_TOKEN" -H 'Accept: application/json'

clear-cache: ; curl -X DELETE $(CIRCLE_API)/project/$(PROJECT)/build-cache -u "$${CIRCLE_TOKEN}:"
RETRY = curl -X POST https://circleci.com/api/v1.1/project/github/acme/app/$(N)/retry
"""


def test_makefile_recipes_variables_and_values():
    assert endpoint(MAKEFILE, "makefile") == [
        ("CCI102", 7, 2, "high"),  # $(CIRCLE_API) and $(PROJECT) are set in the file
        ("CCI106", 11, 16, "high"),  # target: deps ; recipe
        ("CCI104", 12, 9, "high"),  # a variable holding a command
    ]


def test_makefile_shell_variables_are_double_dollar():
    (seg,) = [s for s in segments_for(MAKEFILE, "makefile") if "Circle-Token" in s.text]
    assert '"Circle-Token: $CIRCLE_TOKEN"' in seg.text


def test_makefile_comment_and_rule_lines_are_not_commands():
    assert found("# curl -X POST https://circleci.com/api/v1.1/project/github/a/b\n"
                 "all: https://circleci.com/api/v1.1/project\n", "makefile") == []


# ---- YAML ------------------------------------------------------------------------------------------

GITHUB_ACTIONS = """\
name: deploy  # curl -X POST https://circleci.com/api/v1.1/project/github/a/b/tree/main
on: push
env:
  CIRCLE_TOKEN: ${{ secrets.CIRCLE_TOKEN }}
jobs:
  trigger:
    runs-on: ubuntu-latest
    steps:
      - name: curl -X POST https://circleci.com/api/v1.1/project/github/a/b/tree/main
        run: |
          set -e
          curl -fsS -X POST \\
            -H "Circle-Token: $CIRCLE_TOKEN" -H "Accept: application/json" \\
            "https://circleci.com/api/v1.1/project/github/acme/app/tree/${{ github.ref_name }}"
      - run: curl -X DELETE https://circleci.com/api/v1.1/project/github/acme/app/build-cache -u "$CIRCLE_TOKEN:"
      - run: "curl -X POST https://circleci.com/api/v1.1/project/github/acme/app/1/retry -u \\"$T:\\""
      - run: 'curl -X POST https://circleci.com/api/v1.1/project/github/acme/app/2/retry -u ''$T:'''
"""


def test_github_actions_run_blocks_and_scalars():
    assert endpoint(GITHUB_ACTIONS, "yaml") == [
        ("CCI102", 12, 11, "high"),
        ("CCI106", 15, 14, "high"),
        ("CCI104", 16, 15, "high"),
        ("CCI104", 17, 15, "high"),
    ]


def test_github_actions_expressions_are_templates():
    (seg,) = [s for s in segments_for(GITHUB_ACTIONS, "yaml") if "set -e" in s.text]
    assert [t.name for t in seg.templates.values()] == ["github.ref_name"]


GITLAB = """\
stages: [deploy]
trigger:
  stage: deploy
  script:
    - echo start
    - curl -X POST "https://circleci.com/api/v1.1/project/github/acme/app/tree/$CI_COMMIT_REF_NAME" -u "$T:"
    - >
      curl -fsS -X POST
      -u "$T:" -H "Accept: application/json"
      "https://circleci.com/api/v1.1/project/github/acme/app/build"
  after_script:
    - |
      if [ "$CI_JOB_STATUS" = failed ]; then
        curl -s -X DELETE "https://circleci.com/api/v1.1/project/github/acme/app/build-cache" -u "$T:"
      fi
"""


def test_gitlab_ci_script_lists_folded_and_literal_blocks():
    assert endpoint(GITLAB, "yaml") == [
        ("CCI102", 6, 7, "high"),
        ("CCI103", 8, 7, "high"),
        ("CCI106", 14, 9, "high"),
    ]


CIRCLECI = """\
version: 2.1
jobs:
  notify:
    docker: [{image: cimg/base:stable}]
    steps:
      - run:
          name: Trigger the downstream project
          command: >-
            curl -X POST -u "${DOWNSTREAM_TOKEN}:"
            https://circleci.com/api/v1.1/project/github/acme/downstream/tree/<< pipeline.git.branch >>
      - run: |
          curl -s "https://circleci.com/api/v1.1/project/github/acme/app/$CIRCLE_BUILD_NUM/artifacts?circle-token=$T"
"""


def test_circleci_config_commands():
    got = found(CIRCLECI, "yaml")
    assert ("CCI102", 9, 13, "high") in got
    assert ("CCI132", 12, 11, "high") in got and ("CCI121", 12, 11, "high") in got


def test_yaml_that_a_parser_would_refuse_is_still_scanned():
    source = "{% if deploy %}\nsteps:\n  - run: curl -X DELETE https://circleci.com/api/v1.1/project/github/a/b/build-cache\n\t- bad: [\n"
    assert endpoint(source, "yaml") == [("CCI106", 3, 10, "high")]


# ---- Dockerfile -------------------------------------------------------------------------------------

DOCKERFILE = """\
FROM alpine:3.19
# RUN curl -X POST https://circleci.com/api/v1.1/project/github/acme/app/tree/main
ARG CIRCLE_TOKEN
RUN --mount=type=cache,target=/var/cache/apk apk add curl \\
    # comment lines inside an instruction are dropped by Docker
    && curl -fsS -X POST "https://circleci.com/api/v1.1/project/github/acme/app/tree/main" \\
         -H "Circle-Token: ${CIRCLE_TOKEN}" -H "Accept: application/json"
RUN ["curl", "-X", "DELETE", "https://circleci.com/api/v1.1/project/github/acme/app/build-cache"]
RUN <<EOT
set -e
curl -s -X POST https://circleci.com/api/v1.1/project/github/acme/app/7/retry -H "Circle-Token: $T"
EOT
HEALTHCHECK --interval=5m CMD curl -f https://circleci.com/api/v1.1/me -H "Accept: application/json" || exit 1
CMD ["sh", "-c", "curl -X POST https://circleci.com/api/v1.1/project/github/acme/app/tree/main -u \\"$T:\\""]
"""


def test_dockerfile_instructions():
    assert endpoint(DOCKERFILE, "dockerfile") == [
        ("CCI102", 6, 8, "high"),
        ("CCI106", 8, 6, "high"),  # exec form: the words are the JSON strings
        ("CCI104", 11, 1, "high"),  # a here-document is a script
        ("CCI137", 13, 31, "high"),  # HEALTHCHECK's command (GET /me, information)
        ("CCI102", 14, 19, "high"),  # sh -c "...": the string is a script
    ]


def test_dockerfile_escape_directive():
    source = "# escape=`\nFROM x\nRUN curl -X DELETE `\n    https://circleci.com/api/v1.1/project/github/a/b/build-cache\n"
    assert endpoint(source, "dockerfile") == [("CCI106", 3, 5, "high")]


# ---- Jenkinsfile ------------------------------------------------------------------------------------

JENKINSFILE = """\
pipeline {
  agent any
  stages {
    stage('Trigger') {
      steps {
        // sh 'curl -X POST https://circleci.com/api/v1.1/project/github/acme/app/tree/main'
        sh 'curl -fsS -X POST https://circleci.com/api/v1.1/project/github/acme/app/tree/main -u "$TOKEN:"'
        sh \"\"\"
          curl -fsS -X DELETE \\\\
            "https://circleci.com/api/v1.1/project/github/acme/${env.REPO}/build-cache" \\\\
            -H "Circle-Token: \\$TOKEN"
        \"\"\"
        script {
          def out = sh(returnStdout: true, script: "curl -s -X POST https://circleci.com/api/v1.1/project/github/acme/app/${params.BUILD}/retry -H 'Circle-Token: ${TOKEN}'")
        }
      }
    }
  }
}
"""


def test_jenkinsfile_sh_steps():
    assert endpoint(JENKINSFILE, "jenkinsfile") == [
        ("CCI102", 7, 13, "high"),
        ("CCI106", 9, 11, "high"),
        ("CCI104", 14, 53, "high"),
    ]


def test_jenkinsfile_groovy_escapes_reach_the_shell_decoded():
    segs = segments_for(textwrap.dedent(JENKINSFILE), "jenkinsfile")
    (seg,) = [s for s in segs if "DELETE" in s.text]
    assert '"Circle-Token: $TOKEN"' in seg.text and "\\\n" in seg.text
    assert [t.raw for t in seg.templates.values()] == ["${env.REPO}"]


# ---- through the command line: kinds, suppression, exit codes ----------------------------------------

def _run(args, cwd):
    return subprocess.run([sys.executable, "-m", "circleci_v2.migrate", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("name, text, comment", [
    ("deploy.sh", "curl -X DELETE https://circleci.com/api/v1.1/project/github/a/b/build-cache\n", "#"),
    ("Makefile", "x:\n\tcurl -X DELETE https://circleci.com/api/v1.1/project/github/a/b/build-cache\n", "#"),
    ("ci.yml", "steps:\n  - run: curl -X DELETE https://circleci.com/api/v1.1/project/github/a/b/build-cache\n", "#"),
    ("Dockerfile", "FROM x\nRUN curl -X DELETE https://circleci.com/api/v1.1/project/github/a/b/build-cache\n", "#"),
    ("Jenkinsfile", "node {\n  sh 'curl -X DELETE https://circleci.com/api/v1.1/project/github/a/b/build-cache'\n}\n",
     "//"),
])
def test_cli_reports_and_suppression_comments_silence(tmp_path, name, text, comment):
    path = tmp_path / name
    path.write_text(text)
    result = _run(["check", "--select", "CCI106", name], tmp_path)
    assert result.returncode == 1, result.stderr
    assert f"{name}:" in result.stdout and "CCI106" in result.stdout
    lines = text.splitlines(keepends=True)
    target = next(i for i, line in enumerate(lines) if "curl" in line)
    indent = lines[target][: len(lines[target]) - len(lines[target].lstrip())]
    if name == "Makefile":
        indent = ""  # a comment line in a recipe would be a shell comment; make reads it as a comment here
    lines.insert(target, f"{indent}{comment} circleci-v2: ignore[CCI106] -- the cache key is bumped instead\n")
    path.write_text("".join(lines))
    result = _run(["check", "--select", "CCI106", name], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 suppressed" in result.stderr


def test_shell_script_without_suffix_is_found_by_its_shebang(tmp_path):
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "deploy").write_text(
        "#!/usr/bin/env bash\ncurl -X DELETE https://circleci.com/api/v1.1/project/github/a/b/build-cache\n")
    result = _run(["check", "--select", "CCI106", "."], tmp_path)
    assert result.returncode == 1 and "bin/deploy:2:1: CCI106" in result.stdout


def test_ci_env_values_are_followed():
    source = """\
        env:
          CIRCLE_API: https://circleci.com/api/v1.1
        jobs:
          t:
            environment:
              ORG: "acme"
            steps:
              - run: curl -X DELETE "$CIRCLE_API/project/github/$ORG/app/build-cache" -u "$T:"
    """
    assert endpoint(source, "yaml") == [("CCI106", 8, 14, "high")]
    # one name set to two values in the file: not followed
    twice = source + "          other:\n            env:\n              CIRCLE_API: https://example.com/api/v1.1\n"
    assert endpoint(twice, "yaml")[0][3] == "low"
