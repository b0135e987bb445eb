"""Suppression comments in every kind of file, and through the command line for shell scripts."""
from __future__ import annotations

import importlib.util

import pytest

from circleci_v2.migrate.findings import Finding
from circleci_v2.migrate.suppress import apply_suppressions, parse_suppressions
from clirun import run_cli, write


def finding(line, rule="CCI102", end_line=None):
    return Finding(rule_id=rule, path="x", line=line, column=1, end_line=end_line or line, end_column=2,
                   message="m", severity="error", fix="safe")


@pytest.mark.parametrize("text", [
    # shell / Makefile / Dockerfile
    'curl -X POST "$URL/project/github/a/b/tree/main"  # circleci-v2: ignore[CCI102]\n',
    '# circleci-v2: ignore[CCI102]\ncurl -X POST "$URL/project/github/a/b/tree/main"\n',
    # YAML
    "steps:\n  # circleci-v2: ignore[CCI102]\n  - run: curl -X POST $URL\n",
    "steps:\n  - run: curl -X POST $URL  # circleci-v2: ignore[cci102, CCI120]\n",
    # Jenkinsfile (Groovy comments)
    "node {\n  // circleci-v2: ignore[CCI102]\n  sh 'curl -X POST $URL'\n}\n",
    # CRLF line ends
    "a = 1\r\n# circleci-v2: ignore[CCI102]\r\ncall()\r\n",
])
def test_comment_styles(text):
    line = next(i for i, t in enumerate(text.splitlines(), start=1) if "curl" in t or "call()" in t)
    kept, silenced = apply_suppressions([finding(line), finding(line, "CCI120")], text)
    assert [f.rule_id for f in kept] == ([] if "CCI120" in text else ["CCI120"])
    assert silenced == 2 - len(kept)


def test_bare_comment_silences_every_rule_and_lists_may_hold_prefixes():
    text = "x()  # circleci-v2: ignore\ny()  # circleci-v2: ignore[CCI1]\nz()  # circleci-v2: ignore[CCI13]\n"
    findings = [finding(1, "CCI102"), finding(1, "CCI131"), finding(2, "CCI120"), finding(3, "CCI102")]
    kept, silenced = apply_suppressions(findings, text)
    assert [(f.line, f.rule_id) for f in kept] == [(3, "CCI102")]
    assert silenced == 3


def test_a_trailing_comment_does_not_reach_the_next_line():
    text = "x()  # circleci-v2: ignore\ny()\n"
    kept, _ = apply_suppressions([finding(2)], text)
    assert len(kept) == 1


def test_multi_line_finding_is_silenced_from_any_of_its_lines():
    text = "requests.post(\n    URL,  # circleci-v2: ignore[CCI102]\n)\n"
    kept, _ = apply_suppressions([finding(1, end_line=3)], text)
    assert kept == []


def test_lines_are_counted_as_parsers_count_them():
    # a form feed or U+2028 inside a line is not a line end for Python or the shell
    text = "a = '\x0c\u2028'\nb()  # circleci-v2: ignore\n"
    assert set(parse_suppressions(text)) == {2}


def test_similar_comments_are_not_suppressions():
    assert parse_suppressions("# circleci-v2 ignore\n# circleci: ignore[CCI102]\n# noqa\n") == {}


@pytest.mark.skipif(importlib.util.find_spec("circleci_v2.migrate.text") is None,
                    reason="the shell analyser (circleci_v2.migrate.text) is not in this tree yet")
def test_shell_script_suppression_through_the_cli(tmp_path):
    write(tmp_path, "deploy.sh", (
        "#!/bin/sh\n"
        "# circleci-v2: ignore[CCI102]\n"
        'curl -X POST -H "Accept: application/json" "https://circleci.com/api/v1.1/project/github/a/b/tree/main"\n'
        'curl -X POST -H "Accept: application/json" "https://circleci.com/api/v1.1/project/github/a/b/tree/dev"\n'))
    proc = run_cli("check", "--select", "CCI102", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert [line.split(": ")[0] for line in proc.stdout.splitlines()] == ["deploy.sh:4:1"]
    assert "1 suppressed" in proc.stderr
