"""The statement path (libcst parses only the statements holding edits, fix/statements.py) writes exactly what
the whole-module path writes: every rule example, nested, with CRLF, tabs, no final newline, TODO comments,
and the layouts where it must step back (`a; b`, `if x: call()`, a backslash before the statement)."""
from __future__ import annotations

import textwrap

import pytest

from circleci_v2.migrate.fix import FixOptions, engine, fix_source, statements
from circleci_v2.migrate.python import analyse
from circleci_v2.rules import load_catalogue

CATALOGUE = load_catalogue()
OPTIONS = [FixOptions(), FixOptions(unsafe=True, add_todo=True)]
URL = '"https://circleci.com/api/v1.1/project/github/acme/app/tree/main"'
RETRY = '"https://circleci.com/api/v1.1/project/github/acme/app/1/retry"'

LAYOUTS = {
    "semicolon before": f'import requests\nx = 1; r = requests.post({URL}, params={{"circle-token": t}})\n',
    "one-line if": f'import requests\nif x: r = requests.post({URL}, params={{"circle-token": t}})\n',
    "semicolon after": f'import requests\nr = requests.post({URL}, params={{"circle-token": t}});\n',
    "backslash before": f'import requests\nx = 1; \\\nr = requests.post({URL}, params={{"circle-token": t}})\n',
    "comment after": f'import requests\nr = requests.post({URL}, params={{"circle-token": t}})  # go\n',
    "decorator": ('import requests\n@deco(requests.get("https://circleci.com/api/v1.1/me", params={"circle-token": t}))\n'
                  'def f():\n    pass\n'),
    "with header": ('import requests\nwith requests.get("https://circleci.com/api/v1.1/me",\n'
                    '                  params={"circle-token": t}) as r:\n    """two\nlines"""\n# odd comment\n    pass\n'),
    # with --unsafe-fixes the retry moves `requests` to the shim: the import of several modules is split
    "import of several modules": ('import os, requests  # http\nimport sys\n'
                                  f'r = requests.post({RETRY}, headers={{"Accept": "application/json"}})\n'
                                  'requests.get("https://circleci.com/api/v1.1/me", params={"circle-token": t})\n'),
    "import of several, indented": ('if os:\n    import json, requests, sys  # http\n'
                                    f'r = requests.post({RETRY}, headers={{"Accept": "application/json"}})\n'
                                    'requests.get("https://circleci.com/api/v1.1/me", params={"circle-token": t})\n'),
    "method": ('import requests\n\n\nclass A:\n    @property\n    def me(self):\n'
               '        return requests.get("https://circleci.com/api/v1.1/me", params={"circle-token": t}).ok\n'),
}


def _examples():
    for rule in CATALOGUE:
        for i, example in enumerate(rule.invalid_examples):
            if example.language == "python":
                yield pytest.param(example.code, id=f"{rule.id}-{i}")


def _variants(code: str):
    yield code
    yield "class X:\n    def m(self):\n" + textwrap.indent(code, "        ")
    yield code.replace("\n", "\r\n")
    yield code.rstrip("\n")
    yield "def outer():\n" + textwrap.indent(code, "\t")
    yield '#!/usr/bin/env python\n"""Doc."""\nfrom __future__ import annotations\n\n' + code
    yield "x = 1\r\n" + code  # mixed line ends: libcst's default newline is the first one
    yield code + "    # dangling\n# end\n"


def _both(code: str, options: FixOptions, monkeypatch) -> tuple:
    findings = analyse(code, "t.py", CATALOGUE)
    monkeypatch.setattr(engine, "BY_STATEMENT", False)
    whole = fix_source(code, "t.py", findings, options, CATALOGUE)
    monkeypatch.setattr(engine, "BY_STATEMENT", True)
    short = fix_source(code, "t.py", findings, options, CATALOGUE)
    return short, whole


def _same(short, whole) -> None:
    assert short.text == whole.text
    assert (short.errors, short.changes, short.left) == (whole.errors, whole.changes, whole.left)


@pytest.mark.parametrize("code", list(_examples()))
def test_rule_examples_come_out_the_same_by_either_path(code, monkeypatch):
    for variant in _variants(code):
        for options in OPTIONS:
            _same(*_both(variant, options, monkeypatch))


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_layouts_come_out_the_same_by_either_path(layout, monkeypatch):
    code = LAYOUTS[layout]
    for variant in _variants(code):
        for options in OPTIONS:
            short, whole = _both(variant, options, monkeypatch)
            _same(short, whole)
            assert short.changes, "the layout should have something to fix"


def _taken(code: str, monkeypatch) -> list:
    taken = []
    real = statements.apply_by_statement

    def spy(*args, **kwargs):
        out = real(*args, **kwargs)
        taken.append(out is not None)
        return out

    monkeypatch.setattr(statements, "apply_by_statement", spy)
    result = fix_source(code, "t.py", analyse(code, "t.py", CATALOGUE), FixOptions(unsafe=True), CATALOGUE)
    assert result.text != code and not result.errors
    return taken


def test_an_ordinary_file_takes_the_statement_path(monkeypatch):
    assert _taken(LAYOUTS["method"], monkeypatch) == [True]
    assert _taken(LAYOUTS["with header"], monkeypatch) == [True]


def test_a_statement_sharing_its_line_steps_back_to_the_whole_module(monkeypatch):
    # `x = 1; r = ...` at the top level: no whole-line statement holds the call
    assert _taken(LAYOUTS["semicolon before"], monkeypatch) == [False]
    assert _taken(LAYOUTS["backslash before"], monkeypatch) == [False]
