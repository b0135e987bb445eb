"""Every rule example through the fixer: invalid ones become their `fixed` / `fixed_unsafe` text, valid ones
stay byte for byte, and a second fix of any result changes nothing (idempotence)."""
from __future__ import annotations

import pytest

from circleci_v2.migrate.fix import FixOptions, fix_source
from circleci_v2.migrate.python import analyse
from circleci_v2.rules import load_catalogue

CATALOGUE = load_catalogue()
SAFE = FixOptions()
UNSAFE = FixOptions(unsafe=True)


def _examples(kind: str):
    for rule in CATALOGUE:
        if rule.kind == "config":  # needs a .circleci/config.yml: tests/test_parameter_check.py
            continue
        examples = rule.invalid_examples if kind == "invalid" else rule.valid_examples
        for i, example in enumerate(examples):
            if example.language != "python":
                continue
            label = f"{rule.id}-{kind}-{i}" + (f"-{example.name}" if example.name else "")
            yield pytest.param(rule, example, id=label.replace(" ", "_"))


def fix(code: str, options: FixOptions) -> str:
    result = fix_source(code, "example.py", analyse(code, "example.py", CATALOGUE), options, CATALOGUE)
    assert result.errors == []
    return result.text


@pytest.mark.parametrize("rule, example", list(_examples("invalid")))
def test_invalid_example_becomes_its_fixed_text(rule, example):
    expected = example.fixed if example.fixed is not None else example.code
    expected_unsafe = example.fixed_unsafe if example.fixed_unsafe is not None else expected
    assert fix(example.code, SAFE) == expected
    assert fix(example.code, UNSAFE) == expected_unsafe


@pytest.mark.parametrize("rule, example", list(_examples("invalid")))
def test_fixing_twice_changes_nothing(rule, example):
    for options in (SAFE, UNSAFE, FixOptions(add_todo=True), FixOptions(unsafe=True, add_todo=True)):
        once = fix(example.code, options)
        assert fix(once, options) == once


@pytest.mark.parametrize("rule, example", list(_examples("valid")))
def test_valid_example_is_left_alone_by_its_rule(rule, example):
    """Other rules may apply to a valid example (it is valid for its own rule): fix with --select RULE."""
    findings = [f for f in analyse(example.code, "example.py", CATALOGUE) if f.rule_id == rule.id]
    for options in (UNSAFE, FixOptions(unsafe=True, add_todo=True)):
        result = fix_source(example.code, "example.py", findings, options, CATALOGUE)
        assert result.text == example.code and not result.errors


@pytest.mark.parametrize("rule, example", list(_examples("invalid")))
def test_fixed_text_no_longer_has_the_rule_unless_left_for_a_person(rule, example):
    code = example.code
    result = fix_source(code, "example.py", analyse(code, "example.py", CATALOGUE), SAFE, CATALOGUE)
    left = {l.rule_id for l in result.left}
    after = analyse(result.text, "example.py", CATALOGUE)
    for change in result.changes:
        if change.rule_id not in left:
            # a rewritten site is gone; a site now running through a drop-in (re-imported or routed through
            # the shim) stays visible at info level until it moves to v2 (its rule's shim.runs: translated)
            still = [f for f in after if f.rule_id == change.rule_id]
            assert all(f.severity == "info" and "runs through the shim's translation" in f.message
                       for f in still), (change, still)


def test_every_fixable_rule_shows_its_fix_in_an_example():
    for rule in CATALOGUE:
        if rule.fix == "manual" or rule.kind == "config":
            continue
        assert any(e.fixed is not None for e in rule.invalid_examples if e.language == "python"), rule.id


def test_both_kinds_of_reply_site_are_examples():
    """The reply decision is tested on both kinds of site: rewritten, and routed through the shim or left."""
    names = {(r.id, e.name) for r in CATALOGUE for e in r.invalid_examples}
    assert ("CCI102", "f-string URL, status checked") in names
    assert ("CCI102", "reads build_num from the reply (routed through the shim)") in names
    assert ("CCI103", "reads the v1.1 reply (left for a person)") in names
