"""How v1.1 read the names of a form-encoded body: `build_parameters[DEPLOY]=true` is the entry DEPLOY of
the map build_parameters, `name[]=v` an item of the list `name`.

One reading for every part that meets a form body: the shim's requests drop-in and the emulator
(shim/form_fields.py), and the analysers, which take `data={"build_parameters[DEPLOY]": ...}` in Python and
`-d "build_parameters[DEPLOY]=true"` in curl as the pipeline parameter DEPLOY.
"""
from __future__ import annotations

import re
from typing import List, Optional

_NESTED = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])+)$")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")


def form_name_path(name: str) -> List[str]:
    """The keys a form field's name stands for: `a[b][c]` -> [a, b, c], `c[]` -> [c, ""], `a` -> [a]. A name
    no v1.1 field is shaped like (`a[][b]`) is one key, its whole name."""
    match = _NESTED.match(name)
    if match is None:
        return [name]
    path = [match.group(1), *_SEGMENT.findall(match.group(2))]
    return [name] if "" in path[:-1] else path


def form_entry(name: str, field: str) -> Optional[str]:
    """The entry of map `field` a form field's name sets (`build_parameters[DEPLOY]`, field
    build_parameters -> DEPLOY), or None when the name is not one entry of it."""
    path = form_name_path(name)
    return path[1] if len(path) == 2 and path[0] == field and path[1] else None
