"""`shim.translation`: the schema lists the names, the shim registers one handler per name, rules use them all."""
from __future__ import annotations

import pytest

from circleci_v2.rules import RuleError, load_catalogue, load_rules
from circleci_v2.shim.requests import translations
from catalogue_copy import copy_catalogue, edit_rule, schema_enum


def _schema_names():
    return schema_enum("shim", "translation")


def _named_by_rules():
    return {str(r.shim["translation"]): r.id for r in load_catalogue() if (r.shim or {}).get("translation")}


def test_every_translation_a_rule_names_is_registered():
    named = _named_by_rules()
    assert named, "no rule names a shim translation"
    missing = {name: rule_id for name, rule_id in named.items() if name not in translations()}
    assert not missing, f"rules name translations the shim has no handler for: {missing}"


def test_every_registered_translation_is_named_by_some_rule():
    unused = set(translations()) - set(_named_by_rules())
    assert not unused, f"registered but named by no rule: {sorted(unused)}"


def test_the_schema_allows_exactly_the_registered_translations():
    assert _schema_names() == set(translations())


def test_the_loader_refuses_an_unknown_translation_naming_file_and_field(tmp_path):
    paths = copy_catalogue(tmp_path)
    target = edit_rule(paths, "CCI106", "translation: clear-cache", "translation: flush-cache")
    with pytest.raises(RuleError) as err:
        load_rules(paths)
    assert err.value.path == str(target) and err.value.field == "shim.translation"
    assert str(err.value).startswith(f"{target}: shim.translation: 'flush-cache' is not one of")


def test_registering_a_name_twice_fails_at_once():
    from circleci_v2.shim.requests import translation

    with pytest.raises(ValueError, match="'trigger' registered twice"):
        translation("trigger")(lambda call: None)  # type: ignore[arg-type,return-value]
