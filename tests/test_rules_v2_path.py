"""Rule.v2_path: the v2 path of a rule's replacement, built by the rule for both fixers and the config check."""
import re

import pytest

from circleci_v2.rules import load_catalogue
from circleci_v2.rules.model import V2PathError


def _rule(rule_id):
    return load_catalogue()[rule_id]


def _trigger():
    return next(r for r in load_catalogue() if r.triggers_pipeline and r.has_v2_path)


def test_project_slug_shortens_a_written_vcs_and_keeps_unresolved_parts_in_place():
    rule = _trigger()
    user = object()  # an unresolved part of the caller's: returned as it is
    parts = rule.v2_path({"vcs": "github", "user": user, "project": "app", "branch": "main"})
    assert parts[parts.index(user) - 2] == "gh"
    text = "".join(p if isinstance(p, str) else "$USER" for p in parts)
    assert text == rule.replacement.path.replace("{project-slug}", "gh/$USER/app")
    assert "".join(rule.v2_path({"vcs": "bitbucket", "user": "a", "project": "b"})).count("/bb/a/b/") == 1


def test_a_v1_path_without_vcs_is_github_and_a_missing_project_is_an_error():
    rule = _trigger()
    assert "/gh/acme/app/" in "".join(rule.v2_path({"user": "acme", "project": "app"}))
    with pytest.raises(V2PathError, match="project slug"):
        rule.v2_path({"vcs": "github", "user": "acme"})


def test_job_number_comes_from_build_num_and_the_pattern_matches_what_v2_path_builds():
    for rule in load_catalogue():
        if not rule.has_v2_path or rule.kind != "endpoint":
            continue
        params = {"vcs": "github", "user": "acme", "project": "app", "build_num": "42"}
        try:
            path = "".join(rule.v2_path(params))
        except V2PathError:
            continue  # a field the v1.1 URL does not give (a workflow id): the fixers leave it to a person
        assert "{" not in path, rule.id
        assert re.fullmatch(rule.v2_path_pattern(), path), rule.id


def test_a_rule_without_one_v2_endpoint_has_no_v2_path():
    rule = next(r for r in load_catalogue() if not r.has_v2_path)
    with pytest.raises(V2PathError, match=rule.id):
        rule.v2_path({})
