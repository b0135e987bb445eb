"""The loader trusts only the exact bytes markers.py records as validated; anything else is validated."""
from __future__ import annotations

import pytest

from circleci_v2.rules import CATALOGUE_DIR, RuleError, load_rules
from circleci_v2.rules.loader import catalogue_digest
from circleci_v2.rules.markers import CATALOGUE_DIGEST
from catalogue_copy import copy_catalogue


def test_the_bundled_catalogue_is_what_markers_py_vouches_for():
    paths = sorted(CATALOGUE_DIR.glob("*.yaml"))
    assert catalogue_digest({p: p.read_bytes() for p in paths}) == CATALOGUE_DIGEST
    load_rules(paths, trusted_digest=None)  # and it passes full validation


def test_a_changed_rule_file_is_validated_despite_the_recorded_digest(tmp_path):
    paths = copy_catalogue(tmp_path)
    target = next(p for p in paths if p.name.startswith("CCI104"))
    target.write_text(target.read_text().replace("severity: error", "severity: fatal"))
    with pytest.raises(RuleError) as err:
        load_rules(paths, trusted_digest=CATALOGUE_DIGEST)
    assert target.name in str(err.value) and "severity" in str(err.value)


def test_unchanged_bytes_skip_only_the_schema_not_the_other_checks(tmp_path):
    paths = copy_catalogue(tmp_path)
    assert len(load_rules(paths, trusted_digest=CATALOGUE_DIGEST)) == len(paths)


def test_only_a_request_rule_may_name_a_v2_endpoint(tmp_path):
    paths = copy_catalogue(tmp_path)
    target = next(p for p in paths if p.name.startswith("CCI107"))
    text = target.read_text()
    assert "/api/v1.1/recent-builds" in text
    target.write_text(text.replace("/api/v1.1/recent-builds", "/api/v2/recent-builds", 1))
    with pytest.raises(RuleError) as err:
        load_rules(paths)
    assert target.name in str(err.value) and "only a request rule may name a v2 endpoint" in str(err.value)


def test_a_rule_covering_v2_needs_markers(tmp_path):
    """/api/v2 is no pre-filter marker (it would admit every v2 client): the rule must name its own."""
    paths = copy_catalogue(tmp_path)
    target = next(p for p in paths if p.name.startswith("CCI121"))
    text = target.read_text()
    assert "markers: [circle-token]\n" in text
    target.write_text(text.replace("markers: [circle-token]\n", ""))
    with pytest.raises(RuleError) as err:
        load_rules(paths)
    assert target.name in str(err.value) and "markers" in str(err.value)
