"""Decide from a file's bytes, before any decoding or parsing, whether it can hold a finding.

Stage 1: one of the byte markers generated from the rules
(circleci_v2.rules.markers.MARKERS) occurs in the lower-cased bytes. Measured
on the CPython standard library (12 MB): `data.lower()` plus three `in` tests
costs 12 ms (with markers sharing a prefix scanned once, see scan_keys) against
117 ms for a `(?i)` regex and 30 ms for a regex of the case variants,
and it also catches CIRCLECI_TOKEN or CircleCI.com.

Stage 2, only for files that pass stage 1: a compiled regex over the same bytes
for the shapes a finding needs. A v1.1 or v1 API root (`/api/v1` not followed
by a digit, or `/api` ending a string with a `v1.1` or `v1` string soon after), an import of a legacy
client module, or the first segment of a
v1.1 route written without its root (`f"{CIRCLECI_URL}/project/..."`, where the
base comes from outside the file), also right after a quote without its slash
(`'project/{0}/{1}/{2}/{3}/retry'`, `'/'.join(['project', ...])`). A file that only mentions CircleCI (an API
v2 client, a CI config without API calls, prose) stops here; one that spells
circle-token passes both stages (a rule marker), since a token in the query
string is reported on v2 URLs too; so does a v2 pipeline trigger that sends
parameters, which CCI140 checks against the config.

Importing this module imports neither yaml nor the catalogue.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional, Pattern, Tuple

from circleci_v2.rules.endpoints import LEGACY_VERSIONS, V2_ROOT  # plain constants: no yaml, no catalogue

from .rulefiles import drop_in_modules, markers, route_roots, v2_trigger_paths


MARKERS = markers()  # generated from the catalogue, read without loading it

# The literal start of every v1.1/v1 route after its /api/v1.1 or /api/v1 root, generated
# from the catalogue into rules/markers.py so that the pre-filter never loads it.
ROUTE_ROOTS: Tuple[bytes, ...] = tuple(root.encode("ascii") for root in route_roots())
# The drop-ins the rules name (client `drop_in`, shim `route.module`): a call through one is still reported
# (shim.runs). Generated into rules/markers.py for the same reason.
DROP_IN_MODULES: Tuple[bytes, ...] = tuple(module.encode("ascii") for module in drop_in_modules())


def build_shapes(markers: Iterable[bytes], route_roots: Iterable[bytes] = ROUTE_ROOTS) -> Pattern[bytes]:
    """The stage-2 regex: API roots, module imports and route roots, from the markers."""
    alternatives = []
    for marker in markers:
        if marker.startswith(b"/"):
            # an API root: /api/v1 and /api/v1.1, never /api/v10 or /api/v1beta
            alternatives.append(re.escape(marker) + rb"(?![0-9a-zA-Z])")
        elif marker.decode("ascii", "replace").isidentifier():
            # a legacy module: `import circleci.api`, `from pycircleci.api import Api`,
            # `import os, circleclient`; a marker is the shortest module name that
            # selects a file, so a prefix is allowed (pycircleci), a suffix is not
            # (circleci_v2)
            alternatives.append(
                rb"(?m:^[ \t]*(?:from|import)[ \t][^\n]*?(?<![\w.])\w*" + re.escape(marker) + rb"(?!\w))"
            )
        else:
            alternatives.append(re.escape(marker))  # any other marker a rule declares, as written
    # an import of a drop-in: `from circleci_v2.shim.circleci import Api`, `from circleci_v2.shim import requests`
    for module in DROP_IN_MODULES:
        package, _, leaf = module.rpartition(b".")
        alternatives.append(rb"(?m:^[ \t]*(?:from|import)[ \t]+" + re.escape(module) + rb"(?!\w))")
        alternatives.append(rb"(?m:^[ \t]*from[ \t]+" + re.escape(package) + rb"[ \t]+import[ \t][^\n]*(?<![\w.])"
                            + re.escape(leaf) + rb"(?!\w))")
    # an API root written split from its version: `'%s/%s/' % ('https://circleci.com/api', 'v1.1')`,
    # `API = "https://host/api"` then `VERSION = "v1"` (within 200 bytes)
    versions = b"|".join(re.escape(v.encode("ascii")) for v in LEGACY_VERSIONS)
    alternatives.append(rb"""/api/?['"](?s:.{0,200}?)['"]/?(?:""" + versions + rb""")/?['"]""")
    # a v2 pipeline trigger that sends parameters (within 2 KB of its URL): they must be declared in the config,
    # which CCI140 checks on v2 too; a v2 trigger without parameters stays out
    trigger = b"(?:" + b"|".join(_v2_path_bytes(p) for p in v2_trigger_paths()) + rb")(?![\w/-])"
    alternatives.append(rb"(?s:" + trigger + rb".{0,2048}?parameters|parameters.{0,2048}?" + trigger + rb")")
    # a route root right after /api/v2 is an API v2 call (the decoys that
    # mention CircleCI but are already migrated)
    alternatives.extend(rb"(?<!" + re.escape(V2_ROOT.encode("ascii")) + rb")" + re.escape(root) for root in route_roots)
    # the same roots written relative, right after a quote: 'project/{0}/{1}/{2}/{3}/retry'.format(...),
    # '/'.join(['project', vcs, user, name]) (the base is joined elsewhere)
    alternatives.extend(rb"""['"]""" + re.escape(root.lstrip(b"/").rstrip(b"/")) + rb"""(?:/|['"])"""
                        for root in route_roots if len(root.strip(b"/")) > 2)
    return re.compile(b"|".join(alternatives))


def _v2_path_bytes(path: str) -> bytes:
    """A v2 path template as a byte regex: each {field} any run of URL characters (a slug spans segments)."""
    return b"[^\\s'\"]*".join(re.escape(part.encode("ascii")) for part in re.split(r"\{[a-z][a-z0-9-]*\}", path))


_shapes: Optional[Pattern[bytes]] = None  # compiled on first use: most runs never need it


def scan_keys(markers: Iterable[bytes], min_length: int = 6) -> Tuple[Tuple[bytes, Tuple[bytes, ...]], ...]:
    """Group markers that share a prefix of at least `min_length` bytes under that prefix.

    Each `in` test is a full pass over the file (about 4.5 ms for the 12 MB
    stdlib), so `circleci` and `circleclient` are found with one pass for
    `circlec`, and only a file that has it is tested for the markers themselves.
    """
    groups: list = []
    for marker in sorted(markers):
        if groups:
            key, members = groups[-1]
            common = _common_prefix(key, marker)
            if len(common) >= min_length:
                groups[-1] = (common, members + (marker,))
                continue
        groups.append((marker, (marker,)))
    return tuple(groups)


def _common_prefix(a: bytes, b: bytes) -> bytes:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return a[:n]


_SCAN = scan_keys(MARKERS)


def has_marker(data: bytes) -> bool:
    """Stage 1: a rule marker occurs in the bytes, in any letter case."""
    lower = data.lower()
    for key, members in _SCAN:
        if key in lower:
            if len(members) == 1 and members[0] == key:
                return True
            for marker in members:
                if marker in lower:
                    return True
    return False


def has_shape(data: bytes) -> bool:
    """Stage 2: the bytes hold something a rule can match."""
    global _shapes
    if _shapes is None:
        _shapes = build_shapes(MARKERS)
    return _shapes.search(data) is not None


def is_candidate(data: bytes) -> bool:
    """Both stages: only a candidate is decoded and analysed."""
    return has_marker(data) and has_shape(data)
