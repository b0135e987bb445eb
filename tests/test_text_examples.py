"""Every rule example written in a language other than Python, through the text analyser and the curl fixer.

An invalid example gives a finding of its rule with the example's confidence,
and fixing it gives its `fixed` text (safe fixes) and `fixed_unsafe` text
(--unsafe-fixes), or leaves it as it was when neither is given; a valid one
gives no finding of its rule. (Python examples: test_rule_examples.py and
test_fix_examples.py; config rules: test_parameter_check.py.)
"""
from __future__ import annotations

import pytest

from circleci_v2.migrate.fix.curl_in_text import fix_text
from circleci_v2.migrate.text import analyse
from circleci_v2.rules import load_catalogue

CATALOGUE = load_catalogue()
KIND = {"shell": "shell", "makefile": "makefile", "yaml": "yaml", "dockerfile": "dockerfile",
        "jenkinsfile": "jenkinsfile"}


def _examples(which: str):
    for rule in CATALOGUE:
        if rule.kind == "config":
            continue
        examples = rule.valid_examples if which == "valid" else rule.invalid_examples
        for i, example in enumerate(examples):
            if example.language == "python":
                continue
            label = f"{rule.id}-{which}-{i}-{example.language}" + (f"-{example.name}" if example.name else "")
            yield pytest.param(rule, example, id=label.replace(" ", "_"))


def test_there_are_text_examples():
    assert len(list(_examples("invalid"))) >= 5 and list(_examples("valid"))


@pytest.mark.parametrize("rule, example", list(_examples("invalid")))
def test_invalid_text_example(rule, example):
    kind = KIND[example.language]
    findings = analyse(example.code, "example", CATALOGUE, kind)
    mine = [f for f in findings if f.rule_id == rule.id]
    assert mine and {f.confidence for f in mine} == {example.confidence}
    assert all(f.message == rule.message and f.severity == rule.severity for f in mine)
    safe = example.fixed if example.fixed is not None else example.code
    unsafe = example.fixed_unsafe if example.fixed_unsafe is not None else safe
    assert fix_text(example.code, "example", kind, findings, {"unsafe_fixes": False}) == safe
    assert fix_text(example.code, "example", kind, findings, {"unsafe_fixes": True}) == unsafe


@pytest.mark.parametrize("rule, example", list(_examples("valid")))
def test_valid_text_example(rule, example):
    findings = analyse(example.code, "example", CATALOGUE, KIND[example.language])
    assert [f for f in findings if f.rule_id == rule.id] == []
