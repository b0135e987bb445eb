"""v1.1's form-encoded request bodies as the JSON bodies they stand for.

v1.1 took a request's fields from a JSON body or from an application/x-www-form-urlencoded one
(`curl -d branch=main -d "build_parameters[DEPLOY]=true"`, `requests.post(url, data={...})`), with
nested names in brackets: `build_parameters[NAME]=v` is the entry NAME of the map build_parameters,
`name[]=v` an item of the list name (CircleCI's docs show the form in their curl examples, and the rule
catalogue's examples hold it). Values stay the strings the form sent: build parameters became
environment variables. A name given twice keeps its last value. The emulator's v1.1 routes and
circleci_v2.shim.requests' translations both read a form body with form_fields().
"""
from __future__ import annotations

from typing import Any, Dict, List, Union
from urllib.parse import parse_qsl

from circleci_v2.rules.form_names import form_name_path

__all__ = ["FORM", "MAX_DEPTH", "FormError", "form_fields", "is_form"]

FORM = "application/x-www-form-urlencoded"
MAX_DEPTH = 64  # levels of brackets in a name: as deep as the emulator takes a JSON body


class FormError(ValueError):
    """A form body that stands for no JSON body v1.1 or v2 would take (a name nested too deep)."""


def is_form(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == FORM


def form_fields(body: Union[str, bytes]) -> Dict[str, Any]:
    """The fields of a form-encoded body, bracketed names nested: `a[b]=1&c[]=2&c[]=3` -> {a: {b: 1}, c: [2, 3]}.

    FormError for a name nested deeper than MAX_DEPTH levels.
    """
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    fields: Dict[str, Any] = {}
    for name, value in parse_qsl(text, keep_blank_values=True):
        path = form_name_path(name)  # `a[][b]`, which no v1.1 field is shaped like, is kept under its whole name
        if len(path) > MAX_DEPTH:  # what the reply or the v2 request would be made of could not be encoded
            raise FormError(f"Invalid form body: nested deeper than {MAX_DEPTH} levels.")
        _put(fields, path, value)
    return fields


def _put(fields: Dict[str, Any], path: List[str], value: str) -> None:
    *parents, last = path
    if last == "" and parents:  # `name[]=v`: an item of the list `name`
        *parents, last = parents
        here = _container(fields, parents)
        items = here.get(last)
        if not isinstance(items, list):
            items = here[last] = []
        items.append(value)
    else:
        _container(fields, parents)[last] = value


def _container(fields: Dict[str, Any], keys: List[str]) -> Dict[str, Any]:
    """The map at `keys` (made, or put in place of a plain value given before under the same name)."""
    here = fields
    for key in keys:
        inner = here.get(key)
        if not isinstance(inner, dict):
            inner = here[key] = {}
        here = inner
    return here
