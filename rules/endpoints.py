"""Splitting CircleCI API URLs at their root, and matching v1.1 URLs against the rules' path templates.

split_api_url accepts the v1.1, v1 and v2 roots: request rules (kind request,
e.g. a token in the query string) may cover v2 URLs too. Endpoint templates
are v1.1 or v1 only, so a v2 URL never matches an endpoint rule.

The linter matches URLs it could only partly resolve: a part it could not
resolve (an f-string field, a parameter, a value from the environment) is
written as PLACEHOLDER. A placeholder may stand for several path segments
(`f"{BASE}/project/{slug}/tree/{branch}"` with slug = "github/acme/app"),
so a run of :name segments also matches any text that contains one. A placeholder written right after
a template's last word (`.../artifacts${CIRCLE_TOKEN}`, a variable holding the query string) is taken as
following the route, not as part of its word; the match says so (`glued`).
The shim matches real URLs with the same code, where there are no placeholders.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

PLACEHOLDER = "\x00"
# A placeholder is PLACEHOLDER or one private-use character (U+E000 to U+F8FF), so
# that an analysis can give each unresolved part its own character and tell
# afterwards which source expression a matched parameter came from.
_PH = "[\x00\ue000-\uf8ff]"


def placeholder(index: int) -> str:
    """The placeholder character for unresolved part number `index` (0-based)."""
    if not 0 <= index < 0x18FF:
        raise ValueError("too many placeholders")
    return chr(0xE000 + index)


def has_placeholder(text: str) -> bool:
    return _PH_RE.search(text) is not None


def placeholder_index(char: str) -> int:
    """The part number of a placeholder made by placeholder(); -1 for PLACEHOLDER."""
    return -1 if char == PLACEHOLDER else ord(char) - 0xE000

_PH_RE = re.compile(_PH)
LEGACY_VERSIONS = ("v1.1", "v1")  # the versions endpoint rules describe (v2 is the target)
V2_VERSION = "v2"  # the target; its root is the vendored spec's server path (a test keeps them equal)
V2_ROOT = f"/api/{V2_VERSION}"
API_VERSIONS = LEGACY_VERSIONS + (V2_VERSION,)
_VERSION = "|".join(re.escape(v) for v in API_VERSIONS)  # v1.1 before v1: the longer one first
# The API roots split_api_url recognises; the fixer cuts URLs at the same root.
API_ROOT = re.compile(rf"/api/({_VERSION})(?=[/?#]|$)")
# A legacy root with a route after it (/api/v1.1/..., /api/v1/...): what the shim's requests translates.
LEGACY_API_ROOT = re.compile("/api/(?:" + "|".join(re.escape(v) for v in LEGACY_VERSIONS) + ")/")
# An API URL's versioned root at its end (.../api/v1.1, .../api/v2): where a v2 client takes its base from.
VERSIONED_ROOT_AT_END = re.compile(rf"/api/(?:{_VERSION})$")
_SEGMENT = r"[^/?#]+"
_PARAM = re.compile(r":([a-z_][a-z0-9_]*)")
# Parameters whose values are numbers in v1.1; a literal that is not a number
# cannot be one (so "/project/gh/o/r/envvar" is not a build).
_NUMERIC = {"build_num"}
# Parameters that may hold slashes (an unencoded branch such as feat/x).
_GREEDY = {"branch", "name", "fingerprint"}


@dataclass(frozen=True)
class ApiUrl:
    """A URL split around its /api/v1.1, /api/v1 or /api/v2 root."""

    base: str  # everything before /api/...: scheme and host, or a placeholder
    version: Optional[str]  # "v1.1", "v1", "v2", or None when the root was not seen
    path: str  # the path after the version, starting with "/"
    query: str  # without the leading "?"

    @property
    def base_resolved(self) -> bool:
        return self.version is not None

    @property
    def legacy(self) -> bool:
        """The root says v1.1 or v1 (not v2, and not unresolved)."""
        return self.version in LEGACY_VERSIONS


def split_api_url(url: str) -> Optional[ApiUrl]:
    """Split `url` at its API root; None when it is not a v1.1, v1 or v2 URL.

    A URL that starts with a placeholder and has no API root (the base lives
    outside the file) is returned with version None, so the caller can report
    it with lower confidence.
    """
    url = url.split("#", 1)[0]
    m = API_ROOT.search(url)
    if m is not None:
        base, version, rest = url[: m.start()], m.group(1), url[m.end():]
    elif _PH_RE.match(url):
        stripped = re.sub("^" + _PH + "+", "", url)
        if not stripped.startswith("/"):
            return None
        base, version, rest = url[: len(url) - len(stripped)], None, stripped
    else:
        return None
    path, _, query = rest.partition("?")
    return ApiUrl(base=base, version=version, path=path or "/", query=query)


@dataclass(frozen=True)
class EndpointMatch:
    """Where a URL matched a template: parameter values and how sure we are."""

    params: Dict[str, str]
    url: ApiUrl
    specificity: int  # literal characters the template matched; more is more specific
    spans_placeholder: bool  # a run of segments (or a glued part) was matched by a placeholder
    glued: Optional[str] = None  # the unresolved text glued to the route's last word (`artifacts${TOKEN}`)

    @property
    def exact(self) -> bool:
        return self.url.base_resolved and not self.spans_placeholder


class PathTemplate:
    """A path template such as /api/v1.1/project/:vcs/:user/:project/tree/:branch.

    Endpoint rules use v1.1 and v1 templates; a request rule may also name the
    v2 root (/api/v2/), which the loader allows for request rules only.
    """

    def __init__(self, template: str) -> None:
        m = API_ROOT.match(template)
        if m is None:
            raise ValueError(f"path template must start with /api/v1.1, /api/v1 or /api/v2: {template!r}")
        self.template = template
        self.version = m.group(1)
        self.relative = template[m.end():] or "/"
        self.param_names: List[str] = _PARAM.findall(self.relative)
        self._regex, self._run_groups = self._compile(self.relative)
        self.literal_length = len(_PARAM.sub("", self.relative))

    @staticmethod
    def _compile(relative: str) -> Tuple["re.Pattern[str]", List[Tuple[str, List[str]]]]:
        segments = relative.strip("/").split("/") if relative.strip("/") else []
        parts: List[str] = []
        runs: List[Tuple[str, List[str]]] = []
        i = 0
        while i < len(segments):
            seg = segments[i]
            if not seg.startswith(":"):
                if i == len(segments) - 1:
                    # the route's last word with an unresolved part glued on (`artifacts${CIRCLE_TOKEN}`,
                    # a variable holding the query string): the word ends the route, the part follows it
                    parts.append(re.escape(seg) + rf"(?P<glued>{_PH}[^/?#]*)?")
                else:
                    parts.append(re.escape(seg))
                i += 1
                continue
            run = []
            while i < len(segments) and segments[i].startswith(":"):
                run.append(segments[i][1:])
                i += 1
            last = i == len(segments)
            if len(run) == 1:
                name = run[0]
                if name in _NUMERIC:
                    pat = rf"(?P<{name}>[0-9]+|[^/?#]*{_PH}[^/?#]*)"
                elif name in _GREEDY and last:
                    pat = rf"(?P<{name}>[^?#]+?)"
                else:
                    pat = rf"(?P<{name}>{_SEGMENT})"
                parts.append(pat)
            else:
                # A run such as :vcs/:user/:project: either one segment each, or
                # text holding a placeholder that may stand for several segments.
                group = "run" + str(len(runs))
                exact = "/".join(rf"(?P<{group}_{n}>{_SEGMENT})" for n in run)
                parts.append(rf"(?:{exact}|(?P<{group}>[^?#]*?{_PH}[^?#]*?))")
                runs.append((group, run))
        body = "/".join(parts)
        pattern = "/" + body + "/?" if body else "/?"
        return re.compile(pattern), runs

    def match(self, url: str) -> Optional[EndpointMatch]:
        split = split_api_url(url)
        return None if split is None else self.match_split(split)

    def match_split(self, split: ApiUrl) -> Optional[EndpointMatch]:
        """match() for a URL already split by split_api_url."""
        if split.version is not None and split.version != self.version:
            return None
        m = self._regex.fullmatch(split.path)
        if m is None:
            return None
        params: Dict[str, str] = {}
        groups = m.groupdict()
        spans = groups.get("glued") is not None  # what the glued part holds is assumed, as for a run
        for name in self.param_names:
            if groups.get(name) is not None:
                params[name] = groups[name]
        for group, names in self._run_groups:
            if groups.get(group) is not None:
                spans = True
                params["+".join(names)] = groups[group]
            else:
                for n in names:
                    params[n] = groups[f"{group}_{n}"]
        for name, value in params.items():
            if name in _NUMERIC and not has_placeholder(value) and not value.isdigit():
                return None
        return EndpointMatch(params=params, url=split, specificity=self.literal_length,
                             spans_placeholder=spans, glued=groups.get("glued"))

    def __repr__(self) -> str:
        return f"PathTemplate({self.template!r})"


# Every spelling of a VCS in a v1.1 path or a v2 slug -> its v2 short form. The shim (slugs, the
# emulator, the v1.1 replies it builds) and the analysers read these names from here and only here.
VCS_SLUGS = {"github": "gh", "gh": "gh", "bitbucket": "bb", "bb": "bb"}
# The v2 short form -> the v1.1 name (a build's vcs_type, the :vcs of a path): gh -> github.
V1_VCS_NAMES = {short: name for name, short in VCS_SLUGS.items() if name != short}
# API v1 paths (/api/v1/project/:user/:project) name no VCS: v1 projects were GitHub's.
V1_DEFAULT_VCS = "github"


def v2_project_slug(vcs: str, user: str, project: str) -> str:
    """The v2 project slug for v1.1 path parts: github/acme/app -> gh/acme/app."""
    return f"{VCS_SLUGS.get(vcs.lower(), vcs)}/{user}/{project}"


def v1_vcs_name(vcs: str) -> str:
    """The v1.1 name of a v2 VCS short form: gh -> github, bb -> bitbucket; anything else stays."""
    return V1_VCS_NAMES.get(vcs, vcs)
