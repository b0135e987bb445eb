"""The edits a fix plans, as plain data keyed by node ordinal (see source_map.py).

Planning (endpoint.py, request_rules.py, imports.py) only reads `ast` and
records edits here; locate.py applies them to the libcst tree in one pass.
Keeping the plan as data lets several fixes of one call compose: two fixes
that both need an Accept header add it once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Set, Tuple, Union

Selector = Union[int, str]  # positional index or keyword name of an argument


@dataclass
class NewDict:
    """A dict literal to add as a keyword argument; `wrapper` places it ("{}" or "json.dumps({}).encode()")."""

    entries: List[Tuple[str, str, str]] = field(default_factory=list)  # (key text, key code, value code)
    wrapper: str = "{}"

    def ensure(self, key_text: str, key_code: str, value_code: str) -> None:
        if all(k.lower() != key_text.lower() for k, _, _ in self.entries):
            self.entries.append((key_text, key_code, value_code))

    def code(self) -> str:
        body = "{" + ", ".join(f"{k}: {v}" for _, k, v in self.entries) + "}"
        return self.wrapper.replace("{}", body, 1)


@dataclass
class CallEdit:
    expect_func: str  # the callee's source text, for messages
    expect_shape: str = ""  # signature.ast_shape of the callee: the located libcst node must show the same
    arg_values: Dict[Selector, str] = field(default_factory=dict)  # new code for an argument's value
    remove_args: Set[Selector] = field(default_factory=set)
    add_kwargs: Dict[str, Union[str, NewDict]] = field(default_factory=dict)
    receiver: Optional[str] = None  # replace `x` in `x.post(...)` by this name


@dataclass
class DictEdit:
    expect_keys: Tuple[str, ...]  # signature.ast_dict_keys: the located libcst dict must show the same
    ensure: List[Tuple[str, str, str]] = field(default_factory=list)  # (key text, key code, value code)
    rename: Dict[str, str] = field(default_factory=dict)  # key text -> new key code
    remove: Set[str] = field(default_factory=set)  # key texts

    def add(self, key_text: str, key_code: str, value_code: str) -> None:
        if all(k.lower() != key_text.lower() for k, _, _ in self.ensure):
            self.ensure.append((key_text, key_code, value_code))


@dataclass
class AssignEdit:
    expect_target: str  # the target's source text, for messages
    value: str  # new code for the assigned value
    expect_shapes: Tuple[str, ...] = ()  # signature.ast_shape of each target


@dataclass
class StatementEdit:
    """Replace an import statement (Import / ImportFrom) by new code."""

    expect: str  # the statement's source text, for messages
    code: str
    expect_sig: Tuple[object, ...] = ()  # signature.ast_import of the statement


@dataclass
class Edits:
    calls: Dict[int, CallEdit] = field(default_factory=dict)
    dicts: Dict[int, DictEdit] = field(default_factory=dict)
    assigns: Dict[int, AssignEdit] = field(default_factory=dict)
    imports: Dict[Tuple[str, int], StatementEdit] = field(default_factory=dict)  # ("Import"|"ImportFrom", ordinal)
    chain_renames: Dict[str, str] = field(default_factory=dict)  # dotted `circleci.api` -> `circleci_v2.shim.circleci`
    new_imports: List[str] = field(default_factory=list)  # statements to add after the module's imports
    # the statements holding planned nodes, as paths of body indexes (see SourceMap.scope); None: the whole module
    scope: Optional[Set[Tuple[int, ...]]] = None
    locator: Optional[Any] = None  # counts_at(path), start_line(path): the SourceMap the plan was made on

    def __bool__(self) -> bool:
        return bool(self.calls or self.dicts or self.assigns or self.imports or self.chain_renames
                    or self.new_imports)

    def add_import(self, code: str) -> None:
        if code not in self.new_imports:
            self.new_imports.append(code)


def squash(text: Optional[str]) -> str:
    """Source text without whitespace, comments kept: how located nodes are compared."""
    return "".join((text or "").split())
