"""The rule catalogue: schema errors name the file and the field; every v2 operationId exists in the
official spec; the generated files (rules/markers.py, docs/rules.md) are fresh."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from circleci_v2.rules.docs import DOCS_PATH, render_rules_markdown
from circleci_v2.rules import CATALOGUE_DIR, SPEC_PATH, RuleError, load_catalogue, load_rules, parse_rule

VALID_RULE = CATALOGUE_DIR / "CCI102-trigger-branch.yaml"


def spec_operation_ids() -> set:
    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    ids = set()
    for item in spec["paths"].values():
        for method, operation in item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                ids.add(operation["operationId"])
    return ids


def test_catalogue_loads_with_unique_ids_and_names():
    catalogue = load_catalogue()
    assert len(catalogue) >= 20
    assert len({r.name for r in catalogue}) == len(catalogue)
    for rule in catalogue:
        assert Path(rule.source_file).name.startswith(rule.id + "-")
        assert rule.invalid_examples, rule.id


def test_every_operation_id_exists_in_the_official_v2_spec():
    known = spec_operation_ids()
    assert "triggerPipeline" in known and len(known) > 50
    for rule in load_catalogue():
        for op in rule.replacement.operations:
            assert op in known, f"{rule.source_file}: replacement.operations: {op} is not in {SPEC_PATH.name}"


def test_spec_is_vendored_with_its_source():
    sources = SPEC_PATH.parent / "SOURCES.md"
    assert sources.exists() and "circleci-v2-openapi.json" in sources.read_text(encoding="utf-8")


def _broken(tmp_path, mutate, name="CCI102-trigger-branch.yaml"):
    data = yaml.safe_load(VALID_RULE.read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("mutate, field, words", [
    (lambda d: d.pop("message"), "(top level)", "'message' is a required property"),
    (lambda d: d.update(severity="fatal"), "severity", "'fatal' is not one of"),
    (lambda d: d.update(id="CC102"), "id", "does not match"),
    (lambda d: d["endpoints"][0].update(path="/api/v3/project"), "endpoints[0].path", "does not match"),
    (lambda d: d["endpoints"][1].update(method="FETCH"), "endpoints[1].method", "'FETCH' is not one of"),
    (lambda d: d["replacement"].update(operations="triggerPipeline"), "replacement.operations", "not of type 'array'"),
    (lambda d: d.update(colour="red"), "(top level)", "'colour' was unexpected"),
    (lambda d: d["examples"]["invalid"][0].update(confidence="medium"), "examples.invalid[0].confidence",
     "'medium' is not one of"),
])
def test_schema_errors_name_the_file_and_the_field(tmp_path, mutate, field, words):
    path = _broken(tmp_path, mutate)
    with pytest.raises(RuleError) as info:
        parse_rule(path)
    message = str(info.value)
    assert message.startswith(f"{path}: {field}: ")
    assert words in message
    assert info.value.field == field


def test_loader_errors_beyond_the_schema(tmp_path):
    wrong_name = _broken(tmp_path, lambda d: None, name="CCI109-trigger-branch.yaml")
    with pytest.raises(RuleError, match=r"CCI109-trigger-branch.yaml: id: file name must start with the rule id"):
        parse_rule(wrong_name)
    bad_yaml = tmp_path / "CCI150-x.yaml"
    bad_yaml.write_text("id: CCI150\nname: [unclosed\n", encoding="utf-8")
    with pytest.raises(RuleError, match=r"CCI150-x.yaml: not valid YAML"):
        parse_rule(bad_yaml)
    other = tmp_path / "other"
    other.mkdir()
    first = _broken(tmp_path, lambda d: None)
    second = _broken(other, lambda d: d.update(id="CCI109"), name="CCI109-copy.yaml")
    with pytest.raises(RuleError, match=r"CCI109-copy.yaml: name: duplicate name"):
        load_rules([first, second])


def test_generated_files_are_fresh():
    """rules/markers.py and docs/rules.md match the catalogue (`python -m circleci_v2.rules.generate`)."""
    proc = subprocess.run([sys.executable, "-m", "circleci_v2.rules.generate", "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, f"stale generated files, run `python -m circleci_v2.rules.generate`:\n{proc.stderr}"


def test_docs_cover_every_rule():
    catalogue = load_catalogue()
    text = render_rules_markdown(catalogue)
    assert DOCS_PATH.name == "rules.md" and DOCS_PATH.parent.name == "docs"
    for rule in catalogue:
        assert f"\n## {rule.id}\n" in text
        assert rule.guidance.splitlines()[0] in text
        assert rule.invalid_examples[0].code.rstrip() in text
