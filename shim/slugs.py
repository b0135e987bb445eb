"""Project and organisation slugs of API v2: parse, normalise, validate.

A v2 project slug is `vcs/org/repo`: `gh` or `github`, `bb` or `bitbucket`,
or `circleci/<org-id>/<project-id>` for GitLab, GitHub App and Bitbucket Data
Center projects (opaque ids). An org slug is `vcs/org`. The long VCS names of
v1.1 (`github`, `bitbucket`) are accepted and normalised to the short forms the
service itself returns (`gh`, `bb`), so slugs compare equal however they were
written. The alias table is the rules' own (circleci_v2.rules.endpoints).

Errors are SlugError (a ValueError) with one line naming the slug and what is
wrong with it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Tuple, Union
from urllib.parse import unquote

from circleci_v2.rules.endpoints import VCS_SLUGS

__all__ = [
    "SlugError",
    "ProjectSlug",
    "OrgSlug",
    "parse_project_slug",
    "parse_org_slug",
    "project_slug",
    "org_slug",
    "normalise_vcs",
    "VCS_PROVIDERS",
]

# `circleci` is a provider of its own (not an alias): its org and project parts are ids.
_CIRCLECI = "circleci"
VCS_PROVIDERS = tuple(sorted(set(VCS_SLUGS.values()))) + (_CIRCLECI,)
_ACCEPTED = ", ".join(sorted(set(VCS_SLUGS) | {_CIRCLECI}))

# GitHub and Bitbucket names: letters, digits, '-', '_', '.' (repos); no spaces or
# URL syntax. Checked loosely on purpose: the service is the judge of existence,
# the client only refuses what can never be a slug (and would break the URL).
_NAME = re.compile(r"^[A-Za-z0-9_.][A-Za-z0-9_.-]*$")
_ID = re.compile(r"^[A-Za-z0-9_-]+$")


class SlugError(ValueError):
    """A project or org slug that cannot be valid; the message names it."""


def normalise_vcs(vcs: str) -> str:
    """`github` -> `gh`, `bitbucket` -> `bb`, `circleci` stays; SlugError for anything else."""
    key = vcs.strip().lower()
    if key == _CIRCLECI:
        return _CIRCLECI
    if key in VCS_SLUGS:
        return VCS_SLUGS[key]
    raise SlugError(f"unknown VCS {vcs!r}: expected one of {_ACCEPTED}")


@dataclass(frozen=True)
class OrgSlug:
    """`vcs/org`, e.g. gh/acme or circleci/<org-id>."""

    vcs: str
    org: str

    def __str__(self) -> str:
        return f"{self.vcs}/{self.org}"


@dataclass(frozen=True)
class ProjectSlug:
    """`vcs/org/repo`, e.g. gh/acme/app or circleci/<org-id>/<project-id>."""

    vcs: str
    org: str
    repo: str

    def __str__(self) -> str:
        return f"{self.vcs}/{self.org}/{self.repo}"

    @property
    def org_slug(self) -> OrgSlug:
        return OrgSlug(self.vcs, self.org)

    @classmethod
    def from_v1(cls, vcs_type: str, username: str, project: str) -> "ProjectSlug":
        """The v2 slug for the three v1.1 path parts (:vcs-type/:username/:project)."""
        return parse_project_slug(f"{vcs_type}/{username}/{project}")


def _parts(text: object, kind: str, example: str) -> list:
    if not isinstance(text, str):
        raise SlugError(f"{kind} slug must be a string like {example!r}, got {type(text).__name__}")
    raw = text.strip()
    # The spec allows the slashes to be URL-escaped (gh%2Facme%2Fapp).
    if "%" in raw:
        raw = unquote(raw)
    if not raw:
        raise SlugError(f"empty {kind} slug: expected something like {example!r}")
    return raw.split("/")


def _check_part(value: str, what: str, vcs: str, text: str, kind: str) -> None:
    if not value:
        raise SlugError(f"invalid {kind} slug {text!r}: the {what} is empty")
    pattern = _ID if vcs == _CIRCLECI else _NAME
    if not pattern.match(value) or value in (".", ".."):
        raise SlugError(f"invalid {kind} slug {text!r}: bad {what} {value!r}")


def _parse(text: str, kind: str, shape: str, example: str) -> Tuple[str, List[str]]:
    """Split a `kind` slug into its normalised vcs and checked parts; SlugError naming the problem."""
    names = shape.split("/")
    parts = _parts(text, kind, example)
    if len(parts) != len(names):
        raise SlugError(
            f"invalid {kind} slug {text!r}: expected {shape} (e.g. {example}), "
            f"got {len(parts)} part{'s' if len(parts) != 1 else ''}")
    try:
        vcs = normalise_vcs(parts[0])
    except SlugError as exc:
        raise SlugError(f"invalid {kind} slug {text!r}: {exc}") from None
    ids = {"org": "org id", "repo": "project id"}
    for name, value in zip(names[1:], parts[1:]):
        _check_part(value, ids[name] if vcs == _CIRCLECI else name, vcs, text, kind)
    return vcs, parts


def parse_project_slug(text: Union[str, ProjectSlug]) -> ProjectSlug:
    """Parse and normalise a project slug; SlugError when it cannot be one."""
    if isinstance(text, ProjectSlug):
        return text
    vcs, parts = _parse(text, "project", "vcs/org/repo", "gh/acme/app")
    return ProjectSlug(vcs, parts[1], parts[2])


def parse_org_slug(text: Union[str, OrgSlug]) -> OrgSlug:
    """Parse and normalise an org slug (`gh/acme`); SlugError when it cannot be one."""
    if isinstance(text, OrgSlug):
        return text
    vcs, parts = _parse(text, "org", "vcs/org", "gh/acme")
    return OrgSlug(vcs, parts[1])


def project_slug(value: Union[str, ProjectSlug]) -> str:
    """The normalised slug text, e.g. 'github/acme/app' -> 'gh/acme/app'."""
    return str(parse_project_slug(value))


def org_slug(value: Union[str, OrgSlug, ProjectSlug]) -> str:
    """The normalised org slug text; a project slug gives its org."""
    if isinstance(value, ProjectSlug):
        return str(value.org_slug)
    return str(parse_org_slug(value))


def maybe_org_slug(value: Optional[Union[str, OrgSlug, ProjectSlug]]) -> Optional[str]:
    return None if value is None else org_slug(value)
