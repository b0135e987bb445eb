"""The text analyser on shell scripts: lexing, curl/wget/httpie options, variables, the rules."""
from __future__ import annotations

import textwrap

import pytest

from circleci_v2.migrate.text import analyse
from circleci_v2.migrate.kinds.shell_script import shell_segments
from circleci_v2.migrate.suppress import apply_suppressions
from circleci_v2.migrate.text.shell import lex
from circleci_v2.rules import load_catalogue

CATALOGUE = load_catalogue()
V11 = "https://circleci.com/api/v1.1"
V2 = "https://circleci.com/api/v2"


def findings(script: str, kind: str = "shell"):
    return analyse(textwrap.dedent(script), "script.sh", CATALOGUE, kind)


def rules(script: str, kind: str = "shell"):
    return [(f.rule_id, f.line) for f in findings(script, kind)]


def commands(script: str):
    return [[w.literal if w.literal is not None else repr(w.parts) for w in c.words] for c in
            lex(shell_segments(script)[0])]


# ---- the lexer -------------------------------------------------------------------------------------

def test_quotes_escapes_and_continuations_make_one_word():
    assert commands("curl -s \"a b\"'c'd\\ e \\\n  --fail") == [["curl", "-s", "a bcd e", "--fail"]]


def test_comments_are_not_commands():
    assert commands("# curl https://circleci.com/api/v1.1/me\necho hi # curl x\n") == [["echo", "hi"]]


def test_commands_inside_substitutions_are_found():
    cmds = lex(shell_segments("BUILD=$(curl -s u | jq -r .build_num)\necho `curl -s v`\n")[0])
    progs = [(c.words[0].literal, c.captured, c.pipe_out) for c in cmds if c.words]
    assert ("curl", True, True) in progs and ("jq", True, False) in progs
    assert [c.words[-1].literal for c in cmds if c.words and c.words[0].literal == "curl"] == ["u", "v"]


def test_here_document_bodies_are_not_commands():
    script = "cat <<EOF | curl -d @- u\ncurl https://circleci.com/api/v1.1/me\nEOF\necho done\n"
    assert commands(script) == [["cat"], ["curl", "-d", "@-", "u"], ["echo", "done"]]


def test_reserved_words_wrappers_and_prefix_assignments():
    cmds = lex(shell_segments("if FOO=1 sudo -E timeout 30 curl -s u; then echo ok; fi\n")[0])
    first = cmds[0]
    assert first.assignments[0][0] == "FOO"
    assert first.program() == ("curl", 4)


def test_variables_keep_their_quoting():
    (cmd,) = lex(shell_segments('curl "$A" $B "${C:-x y}" \'$D\'\n')[0])
    kinds = [(p.kind, p.text, p.quote) for w in cmd.words[1:] for p in w.parts]
    assert kinds == [("var", "A", '"'), ("var", "B", ""), ("var", "C", '"'), ("lit", "$D", "'")]


def test_unbalanced_quotes_do_not_raise():
    assert commands("curl 'https://circleci.com/api/v1.1/me") == [["curl", "https://circleci.com/api/v1.1/me"]]
    assert findings("echo \"unterminated $(curl -s `x\n") == []


# ---- verbs and rules --------------------------------------------------------------------------------

@pytest.mark.parametrize("line, expected", [
    (f"curl -X POST {V11}/project/github/acme/app/tree/main", "CCI102"),
    (f"curl -XPOST {V11}/project/github/acme/app/tree/main", "CCI102"),
    (f"curl --request=POST {V11}/project/github/acme/app/tree/main", "CCI102"),
    (f"curl -d branch=main {V11}/project/github/acme/app/build", "CCI103"),
    (f"curl --json '{{}}' {V11}/project/github/acme/app", "CCI101"),
    (f"curl -F tag=v1 {V11}/project/github/acme/app", "CCI101"),
    (f"curl {V11}/project/github/acme/app/tree/main", "CCI133"),
    (f"curl -G -d limit=5 {V11}/project/github/acme/app/tree/main", "CCI133"),
    (f"curl -X DELETE {V11}/project/github/acme/app/build-cache", "CCI106"),
    (f"curl -X POST {V11}/project/github/acme/app/123/retry", "CCI104"),
    (f"curl --url {V11}/recent-builds", "CCI107"),
    (f"wget -qO- --post-data='' {V11}/project/github/acme/app/tree/main", "CCI102"),
    (f"wget --method=DELETE {V11}/project/github/acme/app/build-cache", "CCI106"),
    (f"http POST {V11}/project/github/acme/app/tree/main", "CCI102"),
    (f"http {V11}/project/github/acme/app tag=v1", "CCI101"),
    (f"https --check-status -a tok: DELETE {V11}/project/github/acme/app/build-cache", "CCI106"),
])
def test_endpoint_rule_by_verb(line, expected):
    found = [f for f in findings(line + "\n") if CATALOGUE[f.rule_id].kind == "endpoint"]
    assert [f.rule_id for f in found] == [expected]
    assert found[0].confidence == "high"


def test_v2_and_other_urls_are_not_reported():
    script = """\
        curl -X POST https://circleci.com/api/v2/project/gh/acme/app/pipeline -H "Circle-Token: $T"
        curl https://example.com/api/v1.1/project/github/acme/app  # not CircleCI? still the v1.1 shape
        echo "https://circleci.com/api/v1.1/project/github/acme/app/tree/main"
        grep -r /api/v1.1/ .
    """
    assert [r for r, _ in rules(script)] == ["CCI120", "CCI133"]  # only the curl of a v1.1 path


def test_verb_from_a_variable_is_low_and_says_why():
    (f,) = [f for f in findings(f'curl -X "$METHOD" {V11}/project/github/acme/app/tree/main -H "Accept: application/json"\n')]
    assert f.rule_id == "CCI133" or f.rule_id == "CCI102"
    assert f.confidence == "low" and f.fix == "manual"
    assert "HTTP verb not resolved ($METHOD)" in f.reason and "CCI102 if POST" in f.reason


def test_variables_assigned_in_the_script_are_followed():
    script = """\
        CIRCLE_API="${CIRCLE_API:-https://circleci.com/api/v1.1}"
        ORG=acme
        export REPO=storefront
        URL="$CIRCLE_API/project/github/$ORG/$REPO/tree/${BRANCH}"
        curl -fsS -X POST -H "Circle-Token: $CIRCLE_TOKEN" "$URL"
    """
    (f,) = [f for f in findings(script) if f.rule_id == "CCI102"]
    assert (f.line, f.confidence) == (5, "high")
    assert f.fix == "manual" and "$URL" in f.reason  # the URL is built elsewhere: rewrite by hand


def test_base_url_from_the_environment_is_low():
    (f, *_rest) = findings('curl -X POST "$CIRCLE_API/project/github/acme/app/tree/main" -u "$T:"\n')
    assert f.rule_id == "CCI102" and f.confidence == "low"
    assert "base URL not resolved in this file ($CIRCLE_API)" in f.reason


def test_slug_in_one_variable_is_low():
    (f, *_) = findings(f'curl -X POST "{V11}/project/$SLUG/tree/main" -u "$T:" -H "Accept: application/json"\n')
    assert f.confidence == "low" and "$SLUG is assumed to hold vcs/user/project" in f.reason


def test_position_spans_the_whole_command():
    script = "set -e\nout=$(curl -s -X POST \\\n   https://circleci.com/api/v1.1/project/github/a/b/tree/main \\\n   -u \"$T:\")\n"
    f = [f for f in findings(script) if f.rule_id == "CCI102"][0]
    assert (f.line, f.column, f.end_line, f.end_column) == (2, 7, 4, 12)


# ---- request rules ------------------------------------------------------------------------------------

def test_every_request_rule_has_a_text_check():
    for rule in CATALOGUE.of_kind("request"):
        # the rule names its check (rules/schema.json enum); the text analyser implements both
        assert rule.request_check in ("accept", "query-token", "route"), rule.id


@pytest.mark.parametrize("line, reported", [
    (f"curl {V11}/me", True),
    (f"curl -H 'Accept: application/json' {V11}/me", False),
    (f"curl -H 'accept:application/json' {V11}/me", False),
    (f"curl --json '{{}}' {V11}/me", False),
    (f'curl -H "$HEADERS" {V11}/me', False),  # a header we cannot read may be the Accept header
    (f"curl $CURL_OPTS {V11}/me", False),
    (f"curl -K ~/.circleci.curlrc {V11}/me", False),
    (f"http {V11}/me", False),  # httpie asks for JSON itself
    (f"wget -qO- {V11}/me", True),
    (f"wget --header='Accept: application/json' -qO- {V11}/me", False),
    ("curl https://circleci.com/api/v1/project/acme/app", False),  # v1 never answered EDN
])
def test_missing_accept_header(line, reported):
    assert any(f.rule_id == "CCI120" for f in findings(line + "\n")) is reported


@pytest.mark.parametrize("line", [
    f'curl -H "Accept: application/json" "{V11}/me?circle-token=$CIRCLE_TOKEN"',
    f'curl -H "Accept: application/json" -G -d "circle-token=$T" {V11}/me',
    f"http {V11}/me circle-token==$T",
    'curl "$CIRCLE_API/me?limit=1&circle-token=$T"',
    # v2 still accepts the token in the query string: the same leak, the same rule
    f'curl -s "{V2}/project/gh/acme/app/pipeline?circle-token=$CIRCLE_TOKEN"',
    f'curl -s -G -d "circle-token=$CIRCLE_TOKEN" {V2}/me',
    f"http {V2}/me circle-token==$T",
    f'wget -qO- "{V2}/me?circle-token=$T"',
    'API=https://circleci.com/api/v2\ncurl "$API/me?circle-token=$T"',
])
def test_token_in_query(line):
    found = [f for f in findings(line + "\n") if f.rule_id == "CCI121"]
    assert len(found) == 1


def test_a_v2_token_is_reported_with_the_rule_message_and_nothing_else():
    found = findings(f'curl -s "{V2}/project/gh/acme/app/pipeline?circle-token=$CIRCLE_TOKEN"\n')
    rule = CATALOGUE["CCI121"]
    # no Accept rule (v2 answers JSON) and no endpoint rule (v2 routes are the target)
    assert [(f.rule_id, f.message, f.confidence, f.fix) for f in found] == [("CCI121", rule.message, "high", "safe")]


@pytest.mark.parametrize("line", [
    f'curl -s -H "Circle-Token: $CIRCLE_TOKEN" "{V2}/project/gh/acme/app/pipeline"',
    f'curl -s "{V2}/project/gh/acme/app/pipeline?branch=main" -H "Circle-Token: $T"',
    f'curl -s "{V2}/insights/gh/acme/app/workflows?page-token=$NEXT"',
    'curl -s "https://hooks.example.com/notify?circle-token=$T"',
    'curl -s "https://example.com/api/v20/me?circle-token=$T"',
    f"curl -s {V2}/me",
])
def test_v2_calls_without_a_query_token_are_not_reported(line):
    assert findings(line + "\n") == []


def test_a_v2_token_finding_can_be_suppressed():
    script = (f'curl -s "{V2}/me?circle-token=$T"  # circleci-v2: ignore[CCI121]\n'
              f'curl -s "{V2}/me?circle-token=$T"\n')
    kept, silenced = apply_suppressions(findings(script), script)
    assert [(f.rule_id, f.line) for f in kept] == [("CCI121", 2)] and silenced == 1


def test_token_in_header_is_fine():
    # only the information that v2 has getCurrentUser: no request rule
    found = findings(f'curl -H "Accept: application/json" -H "Circle-Token: $T" {V11}/me\n')
    assert [(f.rule_id, f.severity) for f in found] == [("CCI137", "info")]


def test_realistic_script_end_to_end():
    script = """\
        #!/usr/bin/env bash
        # Nightly: retry the last failed build, then trigger the nightly run.
        set -euo pipefail
        : "${CIRCLE_TOKEN:?}"
        API="https://circleci.com/api/v1.1/project/github/acme/app"
        last_failed=$(curl -fsS -H "Accept: application/json" -H "Circle-Token: $CIRCLE_TOKEN" \\
          "$API/tree/main?filter=failed&limit=1" | jq -r '.[0].build_num')
        if [ -n "$last_failed" ]; then
          curl -fsS -X POST -H "Circle-Token: $CIRCLE_TOKEN" "$API/$last_failed/retry" >/dev/null
        fi
        curl -fsS -X POST -u "$CIRCLE_TOKEN:" "$API/tree/main" \\
          -d 'build_parameters[NIGHTLY]=true' -d revision=abc123
    """
    got = [(f.rule_id, f.line, f.fix) for f in findings(script)]
    assert got == [
        ("CCI133", 6, "manual"),
        ("CCI104", 9, "manual"),
        ("CCI120", 9, "safe"),  # an Accept header can be added whatever the URL
        ("CCI102", 11, "manual"),  # revision has no v2 equivalent
        ("CCI120", 11, "safe"),
    ]
