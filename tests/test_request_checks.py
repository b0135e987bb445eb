"""`request.check`: the schema lists the names, each front end registers one function per name, rules use them all."""
from __future__ import annotations

import pytest

from circleci_v2.migrate.fix.request_rules import PYTHON_FIXES
from circleci_v2.migrate.python.analyser import PYTHON_CHECKS
from circleci_v2.migrate.request_checks import RequestChecks
from circleci_v2.migrate.text.analyser import TEXT_CHECKS
from circleci_v2.migrate.text.trigger import TEXT_FIXES
from circleci_v2.rules import RuleError, load_catalogue, load_rules
from catalogue_copy import copy_catalogue, edit_rule, schema_enum

REGISTRIES = {"python analyser": PYTHON_CHECKS, "text analyser": TEXT_CHECKS, "text fixer": TEXT_FIXES,
              "python fixer": PYTHON_FIXES}


def _schema_names():
    return schema_enum("request", "check")


def _named_by_rules():
    return {r.request_check for r in load_catalogue().of_kind("request") if r.request_check is not None}


@pytest.mark.parametrize("front_end", sorted(REGISTRIES))
def test_each_front_end_registers_exactly_the_schema_checks(front_end):
    assert set(REGISTRIES[front_end].names()) == _schema_names()


def test_the_python_fixer_combines_only_checks_the_schema_allows():
    combined = [names for names, _ in PYTHON_FIXES.combinations()]
    assert combined and all(len(names) > 1 and set(names) <= _schema_names() for names in combined)


def test_rules_use_every_check_the_schema_allows():
    assert _named_by_rules() == _schema_names()


def test_the_loader_refuses_an_unknown_check_naming_file_and_field(tmp_path):
    paths = copy_catalogue(tmp_path)
    target = edit_rule(paths, "CCI120", "check: accept", "check: accept-json")
    with pytest.raises(RuleError) as err:
        load_rules(paths)
    assert err.value.path == str(target) and err.value.field == "request.check"
    assert "'accept-json' is not one of" in str(err.value)


def test_a_check_registered_twice_or_missing_fails_with_the_front_end_named():
    with pytest.raises(ValueError, match="the text fixer: request check 'accept' registered twice"):
        TEXT_FIXES("accept")(lambda rule, site: None)
    empty: RequestChecks = RequestChecks("a new front end")
    with pytest.raises(KeyError, match="a new front end: no function for the request check 'query-token'"):
        empty["query-token"]
