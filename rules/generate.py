"""Regenerate the files derived from the catalogue.

    python -m circleci_v2.rules.generate          # rewrite rules/markers.py and docs/rules.md
    python -m circleci_v2.rules.generate --check  # exit 1 when either is stale

The pre-filter markers come from every rule's v1.1 and v1 endpoints (their common
literal root), legacy client modules, imports and extra markers; a marker that contains
another one is dropped, since the shorter one already selects the file. A module name
is dropped only for one it ends with: the pre-filter's import pattern lets a module
name start before its marker (pycircleci for circleci) but not go on after it, which
keeps circleci_v2 and circleci_tools out.

The route roots are the literal start of every v1.1 and v1 endpoint route after its
API root: the template's text up to its first :placeholder (the whole path when it
has none), minus a root that starts with another one. The pre-filter and the
evidence scanners build their route patterns from them. A weak root is a whole
route of one segment that is a plain word (/me, /projects): common in any API, so
the evidence scanners need more than the root to count it.

The drop-in modules are those the rules name (client `drop_in`, shim
`route.module`): the pre-filter admits a file importing one, since a call through a
drop-in is still reported.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Iterable, List, Sequence

from .docs import DOCS_PATH, render_rules_markdown
from .endpoints import LEGACY_VERSIONS
from .loader import CATALOGUE_DIR, RULES_DIR, RuleError, catalogue_digest, load_rules
from .model import Catalogue

MARKERS_PATH = RULES_DIR / "markers.py"


def derive_markers(catalogue: Catalogue) -> List[bytes]:
    found = set()
    for rule in catalogue:
        for endpoint in rule.endpoints:
            if endpoint.template.version in LEGACY_VERSIONS:
                # the template's root; /api/v1 covers /api/v1.1 (the prefilter lets no digit follow it)
                found.add(f"/api/{endpoint.template.version}")
            # a v2 root is no marker: it would admit every v2 client; the loader makes
            # such a rule declare its own markers (circle-token)
        for client in rule.clients:
            found.add(client.module.split(".")[0])
        for mapping in rule.imports:
            found.add(mapping.module.split(".")[0])
        found.update(m.lower() for m in rule.markers)
    minimal = {m for m in found if not any(o != m and _covers(o, m) for o in found)}
    return sorted(m.encode() for m in minimal)


def _covers(shorter: str, marker: str) -> bool:
    """Whatever `marker` selects, `shorter` selects too (see the module docstring)."""
    if marker.isidentifier() and shorter.isidentifier():
        return marker.endswith(shorter)
    return shorter in marker


def derive_route_roots(catalogue: Catalogue) -> List[str]:
    """The literal start of every v1.1/v1 endpoint route (see the module docstring)."""
    found = set()
    for rule in catalogue:
        if rule.kind == "request":
            continue  # these name the API root itself ("/"), which covers every URL, not a route
        for endpoint in rule.endpoints:
            template = endpoint.template
            if template.version not in LEGACY_VERSIONS:
                continue
            literal = template.relative.split(":", 1)[0]
            if literal.strip("/"):
                found.add(literal)
    return sorted(r for r in found if not any(o != r and r.startswith(o) for o in found))


# a route that is one plain word, whole (no placeholder follows it): /me, /projects; not /recent-builds
_PLAIN_WORD_ROUTE = re.compile(r"/[a-z]+")


def derive_weak_route_roots(route_roots: Iterable[str]) -> List[str]:
    """The route roots too common to count on their own (see the module docstring)."""
    return sorted(r for r in route_roots if _PLAIN_WORD_ROUTE.fullmatch(r))


def derive_drop_in_modules(catalogue: Catalogue) -> List[str]:
    """The drop-in modules the rules name: client entries' `drop_in` and shim `route.module`."""
    found = {client.drop_in for rule in catalogue for client in rule.clients if client.drop_in}
    found |= {str(rule.shim["route"]["module"]) for rule in catalogue if isinstance(rule.shim.get("route"), dict)}
    return sorted(found)


def derive_v2_trigger_paths(catalogue: Catalogue) -> List[str]:
    """The v2 paths the trigger rules rewrite to (replacement.path, with its {fields})."""
    return sorted({r.replacement.path for r in catalogue if r.triggers_pipeline and r.has_v2_path})


def _items(values: Iterable[object]) -> str:
    return "".join(f"    {v!r},\n" for v in values)


def render_markers(markers: Iterable[bytes], route_roots: Sequence[str], digest: str,
                   v2_trigger_paths: Sequence[str] = (), drop_in_modules: Sequence[str] = ()) -> str:
    head = MARKERS_PATH.read_text(encoding="utf-8").split("MARKERS = (", 1)[0]
    return (f"{head}MARKERS = (\n{_items(markers)})\n\n"
            "# The literal start of every v1.1 and v1 endpoint route after its API root, up to the\n"
            "# first :placeholder; the pre-filter and the evidence scanners build their route patterns from it.\n"
            f"ROUTE_ROOTS = (\n{_items(route_roots)})\n\n"
            "# The route roots that are a whole route of one plain word: common in any API, so the\n"
            "# evidence scanners count them only with more evidence (the /api/v1.1 root, CircleCI named).\n"
            f"WEAK_ROUTE_ROOTS = (\n{_items(derive_weak_route_roots(route_roots))})\n\n"
            "# The v2 paths the trigger rules rewrite to: the pre-filter also admits a v2 trigger that\n"
            "# sends parameters, which the config check reads.\n"
            f"V2_TRIGGER_PATHS = (\n{_items(v2_trigger_paths)})\n\n"
            "# The drop-in modules the rules name (client drop_in, shim route.module): the pre-filter\n"
            "# admits a file importing one, since a call through a drop-in is still reported.\n"
            f"DROP_IN_MODULES = (\n{_items(drop_in_modules)})\n\n"
            "# The schema and rule files as validated when this file was generated; the loader\n"
            "# skips schema validation only for exactly these bytes.\n"
            f"CATALOGUE_DIGEST = {digest!r}\n")


def outputs() -> dict:
    """Each generated file and its expected content."""
    paths = sorted(CATALOGUE_DIR.glob("*.yaml"))
    catalogue = load_rules(paths)  # always validated: the digest below vouches for these bytes
    digest = catalogue_digest({p: p.read_bytes() for p in paths})
    result = {MARKERS_PATH: render_markers(derive_markers(catalogue), derive_route_roots(catalogue), digest,
                                           derive_v2_trigger_paths(catalogue), derive_drop_in_modules(catalogue))}
    result[Path(DOCS_PATH)] = render_rules_markdown(catalogue)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m circleci_v2.rules.generate")
    parser.add_argument("--check", action="store_true", help="exit 1 when a generated file is stale")
    args = parser.parse_args(argv)
    try:
        generated = outputs()
    except RuleError as exc:  # a rule file the schema refuses: its name, the field and why, nothing written
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stale = []
    for path, content in generated.items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != content:
            stale.append(path)
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(content, encoding="utf-8")
    for path in stale:
        print(f"{'stale' if args.check else 'rewrote'}: {path}", file=sys.stderr)
    return 1 if (stale and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
