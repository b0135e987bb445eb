"""Every rule's examples, run through the Python analyser.

A valid example must give no finding of its rule; an invalid one must give a
finding of its rule with the example's confidence. Examples in other languages
(shell, YAML) belong to the text scanner and are not collected here, nor are
the examples of kind `config` rules, which need a .circleci/config.yml
(tests/test_parameter_check.py runs them).
"""
from __future__ import annotations

import pytest

from circleci_v2.migrate.python import analyse
from circleci_v2.rules import load_catalogue

CATALOGUE = load_catalogue()


def _examples(kind: str):
    for rule in CATALOGUE:
        examples = rule.valid_examples if kind == "valid" else rule.invalid_examples
        for i, example in enumerate(examples):
            if example.language != "python" or rule.kind == "config":
                continue
            label = f"{rule.id}-{kind}-{i}" + (f"-{example.name}" if example.name else "")
            yield pytest.param(rule, example, id=label.replace(" ", "_"))


@pytest.mark.parametrize("rule, example", list(_examples("valid")))
def test_valid_example_is_not_reported(rule, example):
    found = [f for f in analyse(example.code, "example.py", CATALOGUE) if f.rule_id == rule.id]
    assert found == [], f"{rule.id} reported on a valid example: {[(f.line, f.reason) for f in found]}"


@pytest.mark.parametrize("rule, example", list(_examples("invalid")))
def test_invalid_example_is_reported(rule, example):
    found = [f for f in analyse(example.code, "example.py", CATALOGUE) if f.rule_id == rule.id]
    assert found, f"{rule.id} not reported on its invalid example"
    assert {f.confidence for f in found} == {example.confidence}, [(f.line, f.confidence, f.reason) for f in found]
    for f in found:
        assert f.severity == rule.severity
        assert "{call}" not in f.message and "{module}" not in f.message and "{drop_in}" not in f.message


def test_every_rule_has_python_examples_both_ways():
    for rule in CATALOGUE:
        langs_valid = {e.language for e in rule.valid_examples}
        langs_invalid = {e.language for e in rule.invalid_examples}
        assert "python" in langs_invalid, f"{rule.id} has no invalid Python example"
        assert "python" in langs_valid, f"{rule.id} has no valid Python example"
