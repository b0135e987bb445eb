"""Project and org slugs: parse, normalise gh|github|bb|bitbucket|circleci, validate with clear errors."""
from __future__ import annotations

import pytest

from circleci_v2.shim.slugs import (OrgSlug, ProjectSlug, SlugError, normalise_vcs, org_slug,
                                    parse_org_slug, parse_project_slug, project_slug)


@pytest.mark.parametrize("text,expected", [
    ("gh/acme/app", "gh/acme/app"),
    ("github/acme/app", "gh/acme/app"),
    ("GitHub/acme/app", "gh/acme/app"),
    ("bb/acme/app", "bb/acme/app"),
    ("bitbucket/acme/app", "bb/acme/app"),
    ("gh%2Facme%2Fapp", "gh/acme/app"),  # the spec allows escaped slashes
    ("  gh/Acme-Corp/my.app_2  ", "gh/Acme-Corp/my.app_2"),
    ("gh/acme/.github", "gh/acme/.github"),
    ("circleci/43G3lM5RtfFE7v5sa4nWAU/44n9wujWcTnVZ2b5S8Fnat",
     "circleci/43G3lM5RtfFE7v5sa4nWAU/44n9wujWcTnVZ2b5S8Fnat"),
    ("circleci/8e4f1fa8-0b89-4c0d-a1b5-3a5d2f1c9e00/2b5e0c44-1111-4c0d-a1b5-3a5d2f1c9e00",
     "circleci/8e4f1fa8-0b89-4c0d-a1b5-3a5d2f1c9e00/2b5e0c44-1111-4c0d-a1b5-3a5d2f1c9e00"),
])
def test_project_slugs_normalise(text, expected):
    assert project_slug(text) == expected
    assert str(parse_project_slug(text)) == expected


@pytest.mark.parametrize("text,fragment", [
    ("gh/acme", "expected vcs/org/repo (e.g. gh/acme/app), got 2 parts"),
    ("acme/app", "got 2 parts"),
    ("gh/acme/app/extra", "got 4 parts"),
    ("", "empty project slug"),
    ("gl/acme/app", "unknown VCS 'gl': expected one of bb, bitbucket, circleci, gh, github"),
    ("gh//app", "the org is empty"),
    ("gh/acme/", "the repo is empty"),
    ("gh/acme/my app", "bad repo 'my app'"),
    ("gh/acme/app?x=1", "bad repo 'app?x=1'"),
    ("gh/acme/..", "bad repo '..'"),
    ("circleci/org.id/proj", "bad org id 'org.id'"),
])
def test_bad_project_slugs_say_what_is_wrong(text, fragment):
    with pytest.raises(SlugError) as info:
        parse_project_slug(text)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message
    assert repr(text) in message or not text.strip()
    assert isinstance(info.value, ValueError)


def test_non_string_slug():
    with pytest.raises(SlugError, match="must be a string like 'gh/acme/app', got int"):
        parse_project_slug(42)  # type: ignore[arg-type]


@pytest.mark.parametrize("text,expected", [
    ("gh/acme", "gh/acme"), ("github/acme", "gh/acme"), ("bitbucket/acme", "bb/acme"),
    ("circleci/43G3lM5RtfFE7v5sa4nWAU", "circleci/43G3lM5RtfFE7v5sa4nWAU"),
])
def test_org_slugs(text, expected):
    assert org_slug(text) == expected
    assert parse_org_slug(text) == OrgSlug(*expected.split("/"))


@pytest.mark.parametrize("text,fragment", [
    ("gh", "expected vcs/org (e.g. gh/acme), got 1 part"),
    ("gh/acme/app", "got 3 parts"),
    ("svn/acme", "unknown VCS 'svn'"),
])
def test_bad_org_slugs(text, fragment):
    with pytest.raises(SlugError, match="invalid org slug") as info:
        parse_org_slug(text)
    assert fragment in str(info.value)


def test_slug_objects():
    slug = ProjectSlug.from_v1("github", "acme", "app")
    assert slug == ProjectSlug("gh", "acme", "app")
    assert slug.org_slug == OrgSlug("gh", "acme")
    assert org_slug(slug) == "gh/acme"
    assert parse_project_slug(slug) is slug
    assert normalise_vcs("BitBucket") == "bb"
