"""Evidence first in text files: every v1.1 route outside a comment is a finding, resolved or not.

A curl, wget or httpie call the analysis reads keeps its findings (test_text_shell.py and
test_text_containers.py); every other v1.1 route of a shell script, Makefile, CI YAML,
Dockerfile or Jenkinsfile is reported with low confidence, a reason saying what was not
resolved, and no fix.
"""
from __future__ import annotations

import json
import textwrap

import pytest
from clirun import run_cli, write

from circleci_v2.migrate.text import analyse
from circleci_v2.rules import load_catalogue

CATALOGUE = load_catalogue()
V11 = "https://circleci.com/api/v1.1"


def found(text: str, kind: str = "shell"):
    return analyse(textwrap.dedent(text), "f", CATALOGUE, kind)


def low(text: str, kind: str = "shell"):
    """(rule, line, reason) of the low-confidence findings."""
    out = []
    for f in found(text, kind):
        if f.confidence == "low":
            assert f.fix == "manual" and f.reason
            out.append((f.rule_id, f.line, f.reason))
    return out


def ids(text: str, kind: str = "shell"):
    return [(f.rule_id, f.line, f.confidence) for f in found(text, kind)]


# ---- shell: URLs the request analysis does not see sent ---------------------------------------------

def test_url_passed_to_an_unknown_program_names_the_program_and_the_verb_choice():
    (rule, line, reason), = low(f"./trigger.sh {V11}/project/github/acme/app/tree/main\n")
    assert (rule, line) == ("CCI102", 1)  # the most consequential of POST (trigger) and GET (list)
    assert "`trigger.sh`" in reason and "CCI102 if POST, CCI133 if GET" in reason


@pytest.mark.parametrize("line, rule, verb_said", [
    (f"python3 -c \"import requests; requests.post('{V11}/project/github/acme/app/tree/main')\"",
     "CCI102", "requests.post("),
    (f"python3 -c \"import requests; requests.get('{V11}/project/github/acme/app/tree/main')\"",
     "CCI133", "requests.get("),
    (f"node -e \"fetch('{V11}/project/github/acme/app/7/retry', {{method: 'POST'}})\"", "CCI104", None),
    (f"api_call DELETE {V11}/project/github/acme/app/build-cache", "CCI106", None),
])
def test_unknown_programs_take_the_verb_from_the_text_around(line, rule, verb_said):
    (got, _, reason), = low(line + "\n")
    assert got == rule
    if verb_said:
        assert verb_said in reason
    assert "if POST" not in reason


@pytest.mark.parametrize("route, rule", [
    ("/project/github/acme/app/12/retry", "CCI104"),
    ("/project/github/acme/app/12/ssh", "CCI105"),
    ("/project/github/acme/app/build-cache", "CCI106"),
    ("/recent-builds?limit=5", "CCI107"),
    ("/project/github/acme/app/follow", "CCI139"),
])
def test_a_route_with_one_verb_needs_no_resolved_verb(route, rule):
    (got, _, reason), = low(f'notify "{V11}{route}"\n')
    assert got == rule and "verb" not in reason


def test_url_in_a_variable_set_in_branches_reports_each_branch():
    script = f"""\
        if [ -n "$SSH" ]; then
          EP="{V11}/project/github/acme/app/$N/ssh"
        else
          EP="{V11}/project/github/acme/app/$N/retry"
        fi
        curl -X POST -H "Accept: application/json" "$EP"
    """
    got = ids(script)
    assert ("CCI104", 6, "high") in got  # the curl reads the last assignment, as today
    assert ("CCI105", 2, "low") in got  # the other branch is a site too
    (reason,) = [r for rule, _, r in low(script) if rule == "CCI105"]
    assert "curl call on line 6" in reason


def test_url_in_a_variable_used_by_an_unknown_program_is_reported_at_the_route():
    script = f"""\
        URL="{V11}/project/github/$ORG/$REPO/tree/$BRANCH"
        http_post "$URL"
    """
    (rule, line, reason), = low(script)
    assert (rule, line) == ("CCI102", 1) and "passed (line 2) to `http_post`" in reason


def test_url_in_a_variable_nothing_sends():
    (rule, line, reason), = low(f'TRIGGER_URL="{V11}/project/github/acme/app/tree/main"\n')
    assert (rule, line) == ("CCI102", 1) and "no command in this file sends it" in reason


def test_base_in_another_variable():
    (rule, line, reason), = low('python3 trigger.py "${CIRCLE_API}/project/github/acme/app/tree/main"\n')
    assert (rule, line) == ("CCI102", 1) and "base URL not resolved in this file ($CIRCLE_API)" in reason
    assert found('cd "${CIRCLE_WORKDIR:-$HOME}/project/acme/app/tree/main"\n') == []  # not an API root


def test_here_document_and_sh_c_strings_are_read_as_scripts():
    script = f"""\
        bash <<EOF
        curl -X POST -H "Circle-Token: $T" {V11}/project/github/acme/app/tree/main
        EOF
        sh -c "curl -X DELETE {V11}/project/github/acme/app/build-cache"
        ssh ci@host 'wget -qO- {V11}/recent-builds'
        python3 - <<'PY'
        import requests
        requests.get("{V11}/project/github/acme/app/tree/main?circle-token=%s" % TOKEN)
        PY
    """
    got = [(rule, line) for rule, line, _ in low(script)]
    assert got == [("CCI102", 2), ("CCI106", 4), ("CCI107", 5), ("CCI121", 8), ("CCI133", 8)]
    reasons = {line: r for _, line, r in low(script)}
    assert "here-document given to `bash`" in reasons[2] and "run by `sh`" in reasons[4]


def test_command_substitution_and_continuation_lines():
    script = f"""\
        BUILD=$(python3 -c "import requests; print(requests.post('{V11}/project/github/acme/app/tree/main').json())")
        notify \\
          "{V11}/project/github/"\\
        "acme/app/build-cache"
    """
    got = [(rule, line) for rule, line, _ in low(script)]
    assert got == [("CCI102", 1), ("CCI106", 3)]


def test_token_in_the_query_of_an_unread_call():
    got = low(f'python3 poll.py "{V11}/project/github/acme/app/42?circle-token=$CIRCLE_TOKEN"\n')
    assert [rule for rule, _, _ in got] == ["CCI121", "CCI131"]


# ---- what is not a call -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, kind", [
    (f"# curl -X POST {V11}/project/github/acme/app/tree/main\necho hi  # see {V11}/recent-builds\n", "shell"),
    (f'echo "Triggering {V11}/project/github/acme/app/tree/main"\n', "shell"),
    ("curl -X POST https://circleci.com/api/v2/project/gh/acme/app/pipeline\n"
     "python3 -c \"requests.get('https://circleci.com/api/v2/project/gh/acme/app')\"\n", "shell"),
    ("cd $HOME/project/acme/app/src\nls ~/project/a/b/c /home/circleci/project/a/b/c\n", "shell"),
    (f"# {V11}/project/github/acme/app/tree/main\nall:\n\techo done # {V11}/me\n", "makefile"),
    (f"FROM alpine\n# RUN curl -X POST {V11}/project/github/acme/app/tree/main\nRUN true\n", "dockerfile"),
    (f"node {{\n  echo \"Triggering {V11}/project/github/acme/app/tree/main\"\n}}\n", "jenkinsfile"),
    (f"// httpRequest url: '{V11}/project/github/acme/app/tree/main'\n"
     f"/* {V11}/project/github/acme/app/1/retry\n */\nnode {{ sh 'make' }}\n", "jenkinsfile"),
    (f"""\
        version: 2.1
        # {V11}/project/github/acme/app/tree/main
        jobs:
          build:
            working_directory: ~/project
            steps:
              - run:
                  name: Trigger {V11}/project/github/acme/app/tree/main
                  description: |
                    POST {V11}/project/github/acme/app/tree/main
                  command: |
                    # curl -X POST {V11}/project/github/acme/app/tree/main
                    ls /home/circleci/project/a/b/c
              - run: curl -H "Circle-Token: $T" https://circleci.com/api/v2/project/gh/acme/app/pipeline
    """, "yaml"),
])
def test_comments_prose_messages_and_v2_are_not_calls(text, kind):
    assert found(text, kind) == []


# ---- containers --------------------------------------------------------------------------------------

def test_makefile_base_in_a_make_variable():
    makefile = """\
        TRIGGER = $(CIRCLE_URL)/project/github/acme/app/tree/main
        RETRY := $(CIRCLE_URL)/project/github/acme/app/$(N)/retry
        deploy:
        \t./bin/notify $(TRIGGER)
        \tcurl -X POST -H "Circle-Token: $$T" $(RETRY)
    """
    got = ids(makefile, "makefile")
    assert ("CCI102", 1, "low") in got
    (retry_reason,) = [r for rule, line, r in low(makefile, "makefile") if rule == "CCI104"]
    assert "base URL not resolved" in retry_reason  # the curl reads $(RETRY)'s base from outside
    (trigger_reason,) = [r for rule, line, r in low(makefile, "makefile") if rule == "CCI102"]
    assert "passed (line 4) to `notify`" in trigger_reason


def test_yaml_action_inputs_env_entries_and_continued_run_lines():
    workflow = f"""\
        on: push
        env:
          STATUS_URL: {V11}/project/github/acme/app/tree/main
        jobs:
          trigger:
            runs-on: ubuntu-latest
            steps:
              - uses: example/http-request-action@v1
                with:
                  url: '{V11}/project/github/acme/app/tree/main'
                  method: 'POST'
                  bearerToken: ${{{{ secrets.CIRCLE_TOKEN }}}}
              - uses: example/http-request-action@v1
                with:
                  url: '{V11}/project/github/acme/app/9/retry'
              - run: ./scripts/poll "$STATUS_URL"
              - run: |
                  python3 tools/ci.py \\
                    --url "{V11}/project/github/acme/app/build-cache" \\
                    --method DELETE
    """
    got = [(rule, line) for rule, line, _ in low(workflow, "yaml")]
    assert got == [("CCI102", 3), ("CCI102", 10), ("CCI104", 15), ("CCI106", 19)]
    reasons = {line: r for _, line, r in low(workflow, "yaml")}
    assert "HTTP verb POST" in reasons[10] and "`url:`" in reasons[10]
    assert "passed (line 16) to `poll`" in reasons[3]


def test_yaml_flow_sequence_command():
    compose = f"""\
        services:
          trigger:
            image: curlimages/curl
            command: ["-X", "POST", "{V11}/project/github/acme/app/tree/main"]
    """
    (rule, line, reason), = low(compose, "yaml")
    assert (rule, line) == ("CCI102", 4) and "POST" in reason


def test_dockerfile_env_line_and_run_that_sends_it():
    dockerfile = f"""\
        FROM alpine
        ENV TRIGGER_URL={V11}/project/github/acme/app/tree/main
        ARG RETRY_URL={V11}/project/github/acme/app/1/retry
        RUN curl -fsS -X POST -H "Accept: application/json" -H "Circle-Token: $T" "$TRIGGER_URL"
    """
    got = ids(dockerfile, "dockerfile")
    assert ("CCI102", 4, "high") in got  # ENV is followed into the RUN like a CI env: value
    assert ("CCI104", 3, "low") in got  # nothing sends RETRY_URL: still a site
    assert not any(line == 2 for _, line, _ in got)


def test_jenkinsfile_groovy_http_request():
    jenkinsfile = f"""\
        pipeline {{ agent any
          stages {{ stage('ci') {{ steps {{
            httpRequest httpMode: 'POST', url: "{V11}/project/github/acme/app/tree/${{BRANCH}}"
            script {{
              def cancel = "{V11}/project/github/acme/app/${{BUILD}}/cancel"
            }}
          }} }} }}
        }}
    """
    got = low(jenkinsfile, "jenkinsfile")
    assert [(r, line) for r, line, _ in got] == [("CCI102", 3), ("CCI130", 5)]
    assert "HTTP verb POST" in got[0][2]


# ---- through the command line ------------------------------------------------------------------------

TREE = {
    "scripts/release.sh": f"""\
        #!/bin/sh
        set -e
        # curl -X POST {V11}/project/github/acme/app/tree/main   (the old way)
        curl -fsS -X POST -H "Accept: application/json" "{V11}/project/github/acme/app/tree/main?circle-token=$T"
        ./bin/trigger "{V11}/project/github/acme/app/tree/release"
    """,
    ".github/workflows/ci.yml": f"""\
        on: push
        jobs:
          t:
            runs-on: ubuntu-latest
            steps:
              - uses: example/http-request-action@v1
                with:
                  url: '{V11}/project/github/acme/app/tree/main'
                  method: POST
    """,
    "README.md": f"Run `curl -X POST {V11}/project/github/acme/app/tree/main` (the old way).\n",
    "docs/ci.txt": f"curl -X POST {V11}/project/github/acme/app/tree/main\n",
}


def _tree(tmp_path):
    for name, text in TREE.items():
        write(tmp_path, name, textwrap.dedent(text))
    return tmp_path


def test_cli_reports_evidence_low_without_fix_marker(tmp_path):
    root = _tree(tmp_path)
    proc = run_cli("check", "--output-format", "json", ".", cwd=root)
    assert proc.returncode == 1, proc.stderr
    got = sorted((f["path"], f["line"], f["rule"], f["confidence"], f["fix"]) for f in json.loads(proc.stdout)["findings"])
    assert got == [
        (".github/workflows/ci.yml", 8, "CCI102", "low", "manual"),
        ("scripts/release.sh", 4, "CCI102", "high", "safe"),
        ("scripts/release.sh", 4, "CCI121", "high", "safe"),
        ("scripts/release.sh", 5, "CCI102", "low", "manual"),
    ]
    text = run_cli("check", ".", cwd=root).stdout
    low_lines = [line for line in text.splitlines() if "low confidence" in line]
    assert len(low_lines) == 2 and not any("[*]" in line for line in low_lines)


def test_cli_fix_leaves_evidence_unchanged(tmp_path):
    root = _tree(tmp_path)
    workflow = (root / ".github/workflows/ci.yml").read_text()
    proc = run_cli("fix", ".", cwd=root)
    assert proc.returncode == 1, proc.stderr  # the low-confidence sites remain for a person
    assert (root / ".github/workflows/ci.yml").read_text() == workflow
    script = (root / "scripts/release.sh").read_text()
    assert "/api/v2/project/gh/acme/app/pipeline" in script  # the curl it reads is rewritten
    assert f'./bin/trigger "{V11}/project/github/acme/app/tree/release"' in script
    again = run_cli("check", "--output-format", "json", ".", cwd=root)
    assert sorted((f["path"], f["line"], f["confidence"]) for f in json.loads(again.stdout)["findings"]) == [
        (".github/workflows/ci.yml", 8, "low"), ("scripts/release.sh", 5, "low")]


def test_curl_url_after_a_placeholder_the_author_left_in_angle_brackets():
    script = f"""\
        curl --user ${{CIRCLE_TOKEN}}: \\
            --request POST \\
            --form revision=<ENTER COMMIT SHA HERE>\\
            --form notify=false \\
            {V11}/project/github/acme/app/tree/master
    """
    # the `<` starts a redirect, so ENTER... are words of curl; the URL is still the one it requests
    assert ids(script) == [("CCI102", 1, "high"), ("CCI120", 1, "high")]


def test_a_second_url_of_one_curl_is_reported_with_its_verb():
    script = f'curl -X POST -H "Accept: application/json" {V11}/project/github/a/b/1/retry {V11}/project/github/a/b/2/ssh\n'
    got = ids(script)
    assert ("CCI104", 1, "high") in got and ("CCI105", 1, "low") in got


def test_route_templates_of_api_documentation_are_not_calls():
    catalogue_like = """\
        endpoints:
          - {method: POST, path: "/api/v1.1/project/:vcs/:user/:project/tree/:branch"}
        see: https://circleci.com/api/v1.1/project/:vcs/:username/:project/:build_num/retry
    """
    assert found(catalogue_like, "yaml") == []


def test_a_base_url_in_a_variable_is_reported_where_commands_add_the_route():
    script = f"""\
        API="{V11}/project/github/acme/app"
        notify_ci -X POST "$API/tree/main"
        notify_ci "$API/$BUILD/retry"
    """
    got = low(script)
    assert [(rule, line) for rule, line, _ in got] == [("CCI102", 2), ("CCI104", 3)]
    assert "built from $API and passed to `notify_ci`" in got[0][2] and "-X POST" in got[0][2]


def test_a_shell_function_around_curl_gives_the_verb_of_its_calls():
    script = f"""\
        API="{V11}/project/github/acme/app"
        cci() {{ curl -fsS -H "Circle-Token: $CIRCLE_TOKEN" "$@"; }}
        function cci_post {{
          curl -fsS -X POST -H "Circle-Token: $CIRCLE_TOKEN" "$1"
        }}
        cci "$API/tree/main"
        cci_post "$API/tree/main"
        cci "$API/12/retry"
    """
    got = low(script)
    # a GET through cci lists builds; a POST through cci_post triggers; /retry has one verb whatever cci sends
    assert [(rule, line) for rule, line, _ in got] == [("CCI133", 6), ("CCI102", 7), ("CCI104", 8)]
    assert "`cci`, a function of this script around curl" in got[0][2]


def test_makefile_shell_function():
    makefile = f"""\
        REPO = acme/app
        size:
        \t@http "$(shell http {V11}/project/github/$(REPO)/$(shell cat build_num)/artifacts | jq '.[].url')" > SIZE
        \t@echo "$(shell http POST {V11}/project/github/$(REPO)/tree/main)"
    """
    got = low(makefile, "makefile")
    assert [(rule, line) for rule, line, _ in got] == [("CCI132", 3), ("CCI102", 4)]
    assert "make $(shell ...) function" in got[0][2]


def test_a_relative_route_joined_to_a_base_variable():
    script = """\
        CIRCLE_API="${CIRCLE_API:-https://circleci.com/api/v1.1}"
        STATUS="project/github/acme/app/tree/main"
        ./bin/api GET "$CIRCLE_API/$STATUS"
        if [ "$1" = retry ]; then
          ENDPOINT="project/github/acme/app/$2/retry"
        else
          ENDPOINT="project/github/acme/app/tree/main"
        fi
        ./bin/api POST "$CIRCLE_API/$ENDPOINT"
        cd project/acme/app/src && ls "$HOME/$STATUS"
    """
    got = low(script)
    # one site at the join; a variable set in branches: each value where it is set
    assert [(rule, line) for rule, line, _ in got] == [("CCI133", 3), ("CCI104", 5), ("CCI102", 7)]
    assert "joined from $CIRCLE_API, $STATUS and passed to `api`" in got[0][2]
    assert "one of the values of $ENDPOINT, joined on line 9" in got[1][2]


def test_a_ci_expression_inside_a_string_run_as_a_script():
    workflow = f"""\
        jobs:
          t:
            steps:
              - run: sh -c "curl -X POST ${{{{ env.CIRCLE_API }}}}{V11[8:]}/project/github/a/b/tree/main '0"
    """
    assert [(rule, line) for rule, line, _ in low(workflow, "yaml")] == [("CCI102", 4)]


@pytest.mark.parametrize("text", [
    f"curl \uf400 {V11}/me\n",  # a private-use character of the file, where the lexer keeps its templates
    "curl ${API=x\\",  # a default cut by the end of the text after a backslash
])
def test_the_lexer_never_raises_on_these(text):
    for kind in ("shell", "makefile", "yaml", "dockerfile", "jenkinsfile"):
        analyse(text, "f", CATALOGUE, kind)


def test_a_route_split_by_a_line_continuation():
    script = f"""\
        notify {V11}/\\
        project/github/acme/app/1/retry
        notify "{V11}/project/github/\\
        acme/app/build-cache"
    """
    assert [(rule, line) for rule, line, _ in low(script)] == [("CCI104", 1), ("CCI106", 3)]


def test_explained_spans_cover_what_any_of_them_covers():
    from circleci_v2.migrate.text.evidence import Explained

    explained = Explained()
    assert not explained.covers(0)
    explained.spans += [(10, 20), (12, 14), (30, 31), (5, 11)]
    covered = [n for n in range(40) if explained.covers(n)]
    assert covered == [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 30]
    explained.spans.append((35, 40))  # spans added later count too
    assert explained.covers(39) and not explained.covers(40) and not explained.covers(34)
