"""The text analyser and the curl fixer never raise, whatever the file holds."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from circleci_v2.migrate.fix.curl_in_text import fix_text, plan_file
from circleci_v2.migrate.kinds import registry
from circleci_v2.migrate.kinds.file_kind import TEXT_ANALYSER
from circleci_v2.migrate.text import analyse
from circleci_v2.rules import load_catalogue

CATALOGUE = load_catalogue()
KINDS = [kind.name for kind in registry.kinds() if kind.analyser == TEXT_ANALYSER]  # every text container
# pieces that steer random text towards the shapes the analyser looks at
PIECES = ["curl ", "wget ", "http ", "-X POST ", "-d ", "-u ", "-H ", "'", '"', "\\", "\\\n", "\n", "\t", "$", "${",
          "}", "$(", ")", "`", "(", "|", ";", "&&", "#", "<<EOF\n", "EOF\n", "RUN ", "sh '''", '"""', "run: |\n  ",
          "- ", ": ", "$(X)", "$$", "${{ x }}", "<< y >>", "https://circleci.com/api/v1.1/project/github/a/b",
          "/tree/main", "?circle-token=$T", "build_parameters[X]=1", '{"branch": "m"}', "@file", "\r\n", "\ufeff",
          "\x00", "é"]


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=5)), max_size=40))
def test_never_raises(kind, parts):
    source = "".join(parts)
    findings = analyse(source, "f", CATALOGUE, kind)
    for f in findings:
        assert 1 <= f.line <= f.end_line and f.column >= 1
    fixed = fix_text(source, "f", kind, findings, {"unsafe_fixes": True})
    assert isinstance(fixed, str)


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=5)), max_size=40))
def test_fix_is_idempotent(kind, parts):
    source = "".join(parts)
    once = fix_text(source, "f", kind, analyse(source, "f", CATALOGUE, kind), {"unsafe_fixes": True})
    twice = fix_text(once, "f", kind, analyse(once, "f", CATALOGUE, kind), {"unsafe_fixes": True})
    assert twice == once


def _fixed(source, kind, add_todo=True):
    findings = analyse(source, "f", CATALOGUE, kind)
    return plan_file(source, "f", findings, {"unsafe_fixes": True}, CATALOGUE, kind=kind).apply(add_todo).text


def _rules(source, kind):
    return sorted(f.rule_id for f in analyse(source, "f", CATALOGUE, kind))


TODO_PIECES = PIECES + ["retry", "/123/retry", "  ", "\n  curl ", "\n\t@curl -X POST ", "\nRUN curl -X POST "]


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(st.one_of(st.sampled_from(TODO_PIECES), st.text(max_size=5)), max_size=40))
def test_todo_notes_change_nothing_check_reads_and_come_once(kind, parts):
    """--add-todo: the notes never change what runs as check reads it, and a second run adds none."""
    source = "".join(parts)
    with_notes = _fixed(source, kind)
    assert _rules(with_notes, kind) == _rules(_fixed(source, kind, add_todo=False), kind)
    assert _fixed(with_notes, kind) == with_notes


ARGS = ["-X POST", "-XPOST", '-u "$CIRCLE_TOKEN:"', "-u $T:", '-H "Accept: application/json"',
        "-H 'Content-Type: application/json'", '-H "Circle-Token: $T"', "-d branch=main", "-d 'tag=v1'",
        '-d "build_parameters[A]=$X"', "-d build_parameters[B]=2", "-d parallel=2", "-d revision=abc",
        "--data-urlencode 'build_parameters[C]=x y'", "-fsS", "-o /dev/null", "-w '%{http_code}'", "-G",
        "-d '{\"branch\": \"x\", \"build_parameters\": {\"D\": true}}'", "\\\n  "]
URLS = ["https://circleci.com/api/v1.1/project/github/acme/app", "https://circleci.com/api/v1.1/project/gh/a/b/tree/main",
        '"$CIRCLE_API/project/github/$ORG/$REPO/tree/$BRANCH"', '"https://circleci.com/api/v1.1/project/github/a/b/build"',
        '"${HOST}/api/v1.1/project/github/a/b/tree/feat%2Fx?circle-token=$T"', "https://circleci.com/api/v1.1/me",
        "'https://circleci.com/api/v1/project/a/b'"]
WRAP = [("{}", "shell"), ("x=$({})\necho $x | jq .build_num", "shell"), ("t:\n\t{}", "makefile"),
        ("steps:\n  - run: |\n      {}", "yaml"), ("steps:\n  - run: \"{}\"", "yaml"), ("RUN {}", "dockerfile"),
        ("sh '''{}'''", "jenkinsfile"), ('sh """{}"""', "jenkinsfile")]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(args=st.lists(st.sampled_from(ARGS), max_size=6), url=st.sampled_from(URLS), at=st.integers(0, 6),
       wrap=st.sampled_from(WRAP), tool=st.sampled_from(["curl", "wget", "http"]))
def test_curl_commands_fix_cleanly(args, url, at, wrap, tool):
    words = list(args)
    words.insert(min(at, len(words)), url)
    template, kind = wrap
    source = template.format(" ".join([tool] + words)) + "\n"
    if kind == "yaml" and '"' in template:
        source = template.format(" ".join([tool] + words).replace("\\", "\\\\").replace('"', '\\"')) + "\n"
    findings = analyse(source, "f", CATALOGUE, kind)
    once = fix_text(source, "f", kind, findings, {"unsafe_fixes": True})
    again = analyse(once, "f", CATALOGUE, kind)
    # whatever was fixable is gone, and a second fix changes nothing
    fixable = {f.rule_id for f in findings if f.fix in ("safe", "unsafe")}
    assert not [f for f in again if f.rule_id in fixable and f.fix in ("safe", "unsafe")
                and CATALOGUE[f.rule_id].kind == "endpoint"], (source, once)
    assert fix_text(once, "f", kind, again, {"unsafe_fixes": True}) == once, (source, once)
    if kind == "yaml":
        import yaml

        try:
            yaml.safe_load(source)
        except yaml.YAMLError:
            return
        yaml.safe_load(once)
