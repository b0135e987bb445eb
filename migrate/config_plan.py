"""What a project's .circleci/config.yml needs so that its migrated triggers run: decided here, once.

The triggers found in the tree (pipeline_parameters.ParameterUse, one per
parameter passed by literal name, as the analysers recorded them) are grouped by the config of the project
they target (ConfigTargets), and for each config this module decides:

- which pipeline parameters to declare, with a type inferred from the values
  the code sends (boolean, integer, else string) and a default that keeps
  today's behaviour when the trigger does not send it ("" for a string: v1.1
  left the variable unset);
- which jobs a trigger selected with the v1.1 job build parameter
  (CIRCLE_JOB). What that parameter becomes (`run-job`, and a workflow
  `run-<job>` per job) is read from the CCI140 rule's `config.job_parameter`
  by rules/job_parameter.py, which the fixers and the shim ask too.

config_edit.py then writes these needs into the YAML; `check` reports what is
missing from them (CCI140).
"""
from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from .pipeline_parameters import (  # noqa: F401 (JobParameter, job_parameter: read here by config_edit, fix/)
    NEUTRAL_DEFAULTS, RULE_ID, JobParameter, ParameterUse, find_config, job_parameter, parameter_type,
    pipeline_parameter_name)

_SLUG = re.compile(r"^(gh|bb|github|bitbucket|circleci)/[^/=\s]+/[^/=\s]+$")
_REMOTE = re.compile(r"(?:^[\w.-]+@|//(?:[^/@]+@)?)(github\.com|bitbucket\.org)[:/]([^/]+)/([^/]+?)(?:\.git)?/?$")


def is_job_selection(use: ParameterUse, jp: JobParameter) -> bool:
    return (use.origin == "build_parameters" and use.name == jp.build_parameter) or (
        use.origin == "parameters" and use.name == jp.pipeline_parameter)


# ---- which config a trigger's parameters belong to ------------------------------------------------------

def parse_config_option(values: Sequence[str]) -> Tuple[Optional[str], Dict[str, str]]:
    """--circleci-config values: PATH (this tree's config) or SLUG=PATH (another project's). ValueError on a bad one."""
    from circleci_v2.rules.endpoints import v2_project_slug

    plain: Optional[str] = None
    by_slug: Dict[str, str] = {}
    for value in values:
        slug, eq, path = value.partition("=")
        if eq and _SLUG.match(slug):
            vcs, org, repo = slug.split("/")
            by_slug[v2_project_slug(vcs, org, repo) if vcs != "circleci" else slug] = path
        elif eq and "/" in slug and not os.path.exists(value):
            raise ValueError(f"{value}: `{slug}` is not a project slug (vcs/org/repo, e.g. gh/acme/app)")
        elif plain is not None and plain != value:
            raise ValueError(f"{value}: only one config without a project slug; name the others SLUG=PATH")
        else:
            plain = value
    return plain, by_slug


def slug_of_remote(url: str) -> Optional[str]:
    m = _REMOTE.search(url.strip())
    if m is None:
        return None
    host, org, repo = m.groups()
    return f"{'gh' if host == 'github.com' else 'bb'}/{org}/{repo}"


def _repository_root(path: str) -> Optional[str]:
    folder = os.path.dirname(os.path.abspath(path))
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _origin_slug(config_path: str) -> Optional[str]:
    """The project of the repository holding a config, from its `origin` remote (None when there is none)."""
    root = _repository_root(config_path)
    if root is None:
        return None
    try:
        done = subprocess.run(["git", "-C", root, "config", "--get", "remote.origin.url"], capture_output=True,
                              text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return slug_of_remote(done.stdout) if done.returncode == 0 else None


class ConfigTargets:
    """Which config each parameter use belongs to.

    A trigger whose project is spelled out and named by `--circleci-config
    SLUG=PATH` goes to that PATH. Otherwise it goes to this tree's config
    (`--circleci-config PATH`, else the one found above the trigger's file),
    unless both the trigger's project and the config's project (its
    repository's `origin` remote) are known and differ: then the trigger
    targets another project whose config is not here (`other`).
    """

    def __init__(self, explicit: Optional[str] = None, by_slug: Optional[Mapping[str, str]] = None,
                 start: str = ".") -> None:
        self.explicit = explicit
        self.by_slug = dict(by_slug or {})
        self.start = start
        self._found: Dict[str, Optional[str]] = {}
        self._slugs: Dict[str, Optional[str]] = {}

    def default_config(self, path: str) -> Optional[str]:
        if self.explicit:
            return self.explicit
        where = path if path and path != "-" and os.path.exists(path) else self.start
        folder = where if os.path.isdir(where) else os.path.dirname(os.path.abspath(where))
        if folder not in self._found:
            self._found[folder] = find_config(folder)
        return self._found[folder]

    def project_of(self, config: str) -> Optional[str]:
        key = os.path.abspath(config)
        for slug, path in self.by_slug.items():
            if os.path.abspath(path) == key:
                return slug
        if key not in self._slugs:
            self._slugs[key] = _origin_slug(config)
        return self._slugs[key]

    def target(self, use: ParameterUse) -> Tuple[Optional[str], Optional[str]]:
        """(config path, the project's slug when known); (None, slug): another project's; (None, None): no config."""
        if use.slug is not None and use.slug in self.by_slug:
            return self.by_slug[use.slug], use.slug
        config = self.default_config(use.path)
        if config is None:
            return None, None  # no config here: nothing to check or edit
        mine = self.project_of(config)
        if use.slug is not None and mine is not None and use.slug != mine:
            return None, use.slug
        return config, use.slug or mine


# ---- what one config needs ------------------------------------------------------------------------------

@dataclass
class Declaration:
    name: str
    type: str
    default: Any
    uses: List[ParameterUse] = field(default_factory=list)

    @property
    def from_v1(self) -> bool:
        """Sent as a v1.1 build parameter somewhere: jobs read it as an environment variable."""
        return any(u.origin == "build_parameters" for u in self.uses)


@dataclass
class ConfigNeeds:
    """What the triggers of one project need from its config."""

    config: Optional[str]  # the config to edit; None: another project's, not in this tree
    slug: Optional[str]
    declarations: Dict[str, Declaration] = field(default_factory=dict)
    jobs: Dict[str, List[ParameterUse]] = field(default_factory=dict)  # jobs selected by the job parameter
    problems: List[str] = field(default_factory=list)  # why the config cannot be edited
    uses: List[ParameterUse] = field(default_factory=list)


def group_needs(uses: Sequence[ParameterUse], targets: ConfigTargets, jp: JobParameter) -> List[ConfigNeeds]:
    """One ConfigNeeds per config (or other project), in the order first met."""
    groups: Dict[Tuple[Optional[str], Optional[str]], List[ParameterUse]] = {}
    for use in uses:
        path, slug = targets.target(use)
        key = (os.path.abspath(path), None) if path is not None else (None, slug)
        groups.setdefault(key, []).append(use)
    out = []
    for (path, slug), members in groups.items():
        needs = needs_of(members, jp)
        needs.config = path
        if path is not None:
            needs.slug = targets.project_of(path)
            seen = sorted({u.slug for u in members if u.slug is not None})
            if needs.slug is None and len(seen) > 1:
                needs.problems.append(
                    f"the triggers target several projects ({', '.join(seen)}); name this config's project "
                    f"with --circleci-config SLUG=PATH")
            elif needs.slug is None and seen:
                needs.slug = seen[0]
        else:
            needs.slug = slug
        out.append(needs)
    return out


def needs_of(uses: Sequence[ParameterUse], jp: JobParameter) -> ConfigNeeds:
    needs = ConfigNeeds(config=None, slug=None, uses=list(uses))
    types: Dict[str, set] = {}
    for use in uses:
        if is_job_selection(use, jp):
            decl = needs.declarations.setdefault(jp.pipeline_parameter,
                                                 Declaration(jp.pipeline_parameter, "string", ""))
            decl.uses.append(use)
            if use.known and isinstance(use.value, str) and use.value:
                needs.jobs.setdefault(use.value, []).append(use)
            else:
                needs.problems.append(f"{_where(use)}: the job {use.name} selects is not a literal, so no "
                                      f"workflow can be made for it")
            continue
        decl = needs.declarations.setdefault(use.name, Declaration(use.name, "string", ""))
        decl.uses.append(use)
        if use.known:
            types.setdefault(use.name, set()).add(parameter_type(use.value))
    for name, found in types.items():
        if len(found) > 1:
            where = ", ".join(_where(u) for u in needs.declarations[name].uses)
            needs.problems.append(f"`{name}` is sent as {' and '.join(sorted(found))} ({where}): one pipeline "
                                  f"parameter has one type; make the triggers agree")
            continue
        kind = next(iter(found))
        needs.declarations[name].type = kind
        needs.declarations[name].default = NEUTRAL_DEFAULTS[kind]
    return needs


def _where(use: ParameterUse) -> str:
    return f"{display_path(use.path)}:{use.line}"


def display_path(path: str) -> str:
    """`path` as the config plan and its edits name it: relative to the current folder when under it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel
