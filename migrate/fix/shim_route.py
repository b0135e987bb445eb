"""Route one call through the runtime shim instead of rewriting it.

When the code reads v1.1 fields of the reply (build_num, lifecycle, ...) and
the rule says `reads-fields: shim`, the call keeps its v1.1 URL and body and
only its module changes: `requests.post(...)` becomes `shim_requests.post(...)`
with `from circleci_v2.shim import requests as shim_requests`. The shim's
`requests` keeps the library's signatures, runs the call on v2 and answers
with the v1.1 shape the code reads. Which module, which name and which
libraries come from the rule's `shim.route` block. When --unsafe-fixes switches
the file's `import requests` to the shim too, the routed calls keep their name
and the alias import is dropped (engine._Planner._one_shim_import).
"""
from __future__ import annotations

import ast
from typing import Any, Mapping, Optional, Tuple

from .endpoint import body_plan
from .interface import SAFE, CannotFix
from .shape import Draft, module_bound, need_import, shape_of


def route_import(rule: Any) -> Optional[Tuple[str, str, str]]:
    """(module, name, import statement) of the rule's `shim.route`; None when it names no module."""
    route = rule.shim.get("route") if isinstance(rule.shim, Mapping) else None
    if not isinstance(route, Mapping) or not route.get("module"):
        return None
    module = str(route["module"])
    parent, _, leaf = module.rpartition(".")
    alias = str(route.get("name") or f"shim_{leaf}")
    return module, alias, f"from {parent} import {leaf} as {alias}"


def route_through_shim(draft: Draft, call: ast.Call, site, rule, unsafe: bool) -> Tuple[str, str]:
    """Plan the route into `draft`; (fix class, description). The body fields decide the class, as for a rewrite."""
    route = rule.shim.get("route") if isinstance(rule.shim, Mapping) else None
    if not isinstance(route, Mapping) or not route.get("module"):
        raise CannotFix(f"{rule.id} names no shim function to route this call through")
    libraries = tuple(route.get("libraries", ()))
    if site.library not in libraries:
        raise CannotFix(f"only calls through {', '.join(libraries) or 'no library'} can be routed through "
                        f"{route['module']}; this call uses {site.library}")
    func = call.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        raise CannotFix("the callee is not `module.function`; route it through the shim by hand")
    library_module = site.library.split(".")[0]
    if not module_bound(draft.sm, func.value.id, library_module):
        raise CannotFix(f"`{func.value.id}` is not bound by `import {library_module}` at the top of the file")
    fix_class = SAFE
    if rule.body:
        # the shim carries the fields over as the rule says: the same fields need the same care
        fix_class = body_plan(draft, call, shape_of(site.library), rule, {}, '"', unsafe).fix_class
    module, alias, statement = route_import(rule)  # type: ignore[misc]
    need_import(draft, alias, module, statement)
    draft.call(call).receiver = alias
    return fix_class, f"routed through {module} (keeps the v1.1 reply the code reads): {func.value.id}.{func.attr} -> " \
           f"{alias}.{func.attr}"
