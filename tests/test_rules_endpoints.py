"""Splitting API URLs and matching them against the rules' v1.1 path templates (rules/endpoints.py)."""
from __future__ import annotations

import pytest

from circleci_v2.rules import (PLACEHOLDER, load_catalogue, placeholder, placeholder_index, split_api_url,
                               v2_project_slug)

P0, P1, P2, P3 = (placeholder(i) for i in range(4))


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def top(catalogue, method, url):
    matches = catalogue.match_request(method, url)
    return (matches[0].rule.id, matches[0].match) if matches else (None, None)


@pytest.mark.parametrize(
    "method, url, rule_id",
    [
        ("POST", "https://circleci.com/api/v1.1/project/github/acme/app", "CCI101"),
        ("POST", "https://circleci.com/api/v1.1/project/github/acme/app/tree/main", "CCI102"),
        ("POST", "https://circleci.com/api/v1.1/project/github/acme/app/build", "CCI103"),
        ("POST", "https://circleci.com/api/v1.1/project/github/acme/app/42/retry", "CCI104"),
        ("POST", "https://circleci.com/api/v1.1/project/github/acme/app/42/ssh", "CCI105"),
        ("DELETE", "https://circleci.com/api/v1.1/project/github/acme/app/build-cache", "CCI106"),
        ("GET", "https://circleci.com/api/v1.1/recent-builds?limit=5&offset=0", "CCI107"),
        ("POST", "https://circleci.com/api/v1.1/project/github/acme/app/42/cancel", "CCI130"),
        ("GET", "https://circleci.com/api/v1.1/project/github/acme/app/42", "CCI131"),
        ("GET", "https://circleci.com/api/v1.1/project/github/acme/app/42/artifacts", "CCI132"),
        ("GET", "https://circleci.com/api/v1.1/project/github/acme/app/latest/artifacts", "CCI132"),
        ("GET", "https://circleci.com/api/v1.1/project/github/acme/app/tree/main", "CCI133"),
        ("GET", "https://circleci.com/api/v1.1/project/github/acme/app/envvar", "CCI134"),
        ("DELETE", "https://circleci.com/api/v1.1/project/github/acme/app/envvar/KEY", "CCI134"),
        ("GET", "https://circleci.com/api/v1.1/project/github/acme/app/checkout-key", "CCI135"),
        ("GET", "https://circleci.com/api/v1.1/project/github/acme/app/42/tests", "CCI136"),
        # API v1 (circleclient): no vcs segment
        ("POST", "https://circleci.com/api/v1/project/acme/app/tree/main", "CCI102"),
        ("DELETE", "https://circleci.com/api/v1/project/acme/app/build-cache", "CCI106"),
        # a server install keeps its own host
        ("POST", "https://ci.example.com/api/v1.1/project/github/acme/app/7/retry", "CCI104"),
    ],
)
def test_literal_urls_match_their_rule(catalogue, method, url, rule_id):
    found, match = top(catalogue, method, url)
    assert found == rule_id
    assert match.exact


def test_get_on_a_branch_is_never_a_trigger(catalogue):
    ids = {m.rule.id for m in catalogue.match_request("GET", "https://circleci.com/api/v1.1/project/github/a/b/tree/main")}
    assert ids == {"CCI133"}


def test_unknown_verb_offers_every_candidate_most_specific_first(catalogue):
    ids = [m.rule.id for m in catalogue.match_request(None, "https://circleci.com/api/v1.1/project/github/a/b/tree/x")]
    assert set(ids[:2]) == {"CCI102", "CCI133"}


def test_non_numeric_segment_is_not_a_build_number(catalogue):
    ids = {m.rule.id for m in catalogue.match_request("GET", "https://circleci.com/api/v1.1/project/github/a/b/settings")}
    assert "CCI131" not in ids


def test_unencoded_branch_with_slash(catalogue):
    rule_id, match = top(catalogue, "POST", "https://circleci.com/api/v1.1/project/github/a/b/tree/feat/x")
    assert rule_id == "CCI102" and match.params["branch"] == "feat/x"


def test_placeholders_keep_their_identity(catalogue):
    url = f"https://circleci.com/api/v1.1/project/github/{P0}/{P1}/tree/{P2}"
    rule_id, match = top(catalogue, "POST", url)
    assert rule_id == "CCI102"
    assert [placeholder_index(match.params[k]) for k in ("user", "project", "branch")] == [0, 1, 2]
    assert match.params["vcs"] == "github"


def test_one_placeholder_may_stand_for_the_whole_project_path(catalogue):
    rule_id, match = top(catalogue, "POST", f"https://circleci.com/api/v1.1/project/{P0}/tree/{P1}")
    assert rule_id == "CCI102"
    assert match.spans_placeholder and not match.exact


def test_unresolved_base_is_matched_but_not_exact(catalogue):
    rule_id, match = top(catalogue, "POST", f"{P0}/project/{P1}/{P2}/{P3}/tree/main")
    assert rule_id == "CCI102"
    assert not match.url.base_resolved and not match.exact


@pytest.mark.parametrize(
    "url",
    [
        "https://circleci.com/api/v2/project/gh/a/b/pipeline",
        "https://example.com/api/v1/users",
        "https://example.com/api/v10/project/a/b/c",
        f"{P0}",
        "/project/github/a/b/tree/main",
    ],
)
def test_not_v1_routes(catalogue, url):
    assert catalogue.match_request("POST", url) == [] or split_api_url(url) is None


def test_split_keeps_base_and_query():
    split = split_api_url("https://ci.example.com:8443/api/v1.1/recent-builds?circle-token=x#frag")
    assert (split.base, split.version, split.path, split.query) == (
        "https://ci.example.com:8443", "v1.1", "/recent-builds", "circle-token=x")


@pytest.mark.parametrize(
    "url, version, legacy",
    [
        ("https://circleci.com/api/v1.1/me", "v1.1", True),
        ("https://circleci.com/api/v1/project/acme/app", "v1", True),
        ("https://circleci.com/api/v2/me?circle-token=x", "v2", False),
        ("https://circleci.com/api/v2", "v2", False),
        (f"{P0}/me", None, False),
    ],
)
def test_split_names_the_version(url, version, legacy):
    split = split_api_url(url)
    assert (split.version, split.legacy) == (version, legacy)


@pytest.mark.parametrize("url", ["https://example.com/api/v20/me", "https://example.com/api/v2beta/me",
                                 "https://hooks.example.com/notify?circle-token=x", "https://example.com/api/v3/me"])
def test_split_refuses_other_roots(url):
    assert split_api_url(url) is None


def test_a_v2_url_matches_no_endpoint_rule(catalogue):
    """Every route of every endpoint rule, written under /api/v2, matches nothing: v2 code is not reported."""
    checked = 0
    for rule in catalogue:
        for endpoint in rule.endpoints:
            if rule.kind == "request":
                continue
            path = endpoint.path.replace("/api/v1.1/", "/api/v2/", 1).replace("/api/v1/", "/api/v2/", 1)
            path = path.replace(":build_num", "42").replace(":", "x")
            url = "https://circleci.com" + path
            for method in ("GET", "POST", "DELETE", None):
                assert catalogue.match_request(method, url) == [], (rule.id, url, method)
            checked += 1
    assert checked > 10


def test_request_rules_cover_v2_only_when_they_name_it(catalogue):
    v2 = split_api_url("https://circleci.com/api/v2/project/gh/acme/app/pipeline?circle-token=x")
    v11 = split_api_url("https://circleci.com/api/v1.1/me?circle-token=x")
    assert catalogue["CCI121"].covers_request("GET", v2) and catalogue["CCI121"].covers_request("GET", v11)
    # v2 answers JSON by default: the Accept rule stays on v1.1
    assert not catalogue["CCI120"].covers_request("GET", v2) and catalogue["CCI120"].covers_request("GET", v11)
    assert [r.id for r in catalogue.of_kind("request") if r.covers_request(None, v2)] == ["CCI121"]


@pytest.mark.parametrize(
    "vcs, expected", [("github", "gh/acme/app"), ("bitbucket", "bb/acme/app"), ("gh", "gh/acme/app"), ("bb", "bb/acme/app")]
)
def test_v2_project_slug(vcs, expected):
    assert v2_project_slug(vcs, "acme", "app") == expected


def test_anonymous_placeholder_is_index_minus_one():
    assert placeholder_index(PLACEHOLDER) == -1
