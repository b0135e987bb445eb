"""What the evaluator knows about an expression: the abstract values.

The analyser never runs code. It folds the expressions that build a URL, a verb,
a headers dict or an HTTP client object into one of these values; whatever it
cannot see becomes `Unknown` (or an unknown `Piece` inside a string) with a
label saying what it was, so a finding can explain its confidence.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any, Optional, Tuple, Union

if TYPE_CHECKING:  # pragma: no cover
    from .index import ClassInfo, Frame, FuncInfo

# The identity of the variable or attribute chain a value was reached through:
# (root, path). Mutations such as `s.headers.update(...)` are matched by it.
Key = Tuple[Any, Tuple[str, ...]]


class Piece:
    """One piece of a string: literal text, or a value not known statically."""

    __slots__ = ("text", "node", "label")

    def __init__(self, text: Optional[str], node: Optional[ast.AST], label: str = "") -> None:
        self.text = text
        self.node = node
        self.label = label  # for unknown pieces: what the value is, for reasons

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Piece({self.text!r})" if self.text is not None else f"Piece(?{self.label})"


class Str:
    """A string built from pieces; `via_names` when names or attributes were followed."""

    __slots__ = ("pieces", "via_names", "notes")

    def __init__(self, pieces: Tuple[Piece, ...], via_names: bool = False, notes: Tuple[str, ...] = ()) -> None:
        self.pieces = pieces
        self.via_names = via_names
        self.notes = notes

    @classmethod
    def literal_of(cls, text: str, node: Optional[ast.AST]) -> "Str":
        return cls((Piece(text, node),))

    @classmethod
    def unknown(cls, node: Optional[ast.AST], label: str) -> "Str":
        return cls((Piece(None, node, label),))

    @property
    def literal(self) -> Optional[str]:
        """The whole text when every piece is known, else None."""
        out = []
        for p in self.pieces:
            if p.text is None:
                return None
            out.append(p.text)
        return "".join(out)

    @property
    def resolved(self) -> bool:
        return all(p.text is not None for p in self.pieces)

    def concat(self, other: "Str") -> "Str":
        return Str(self.pieces + other.pieces, self.via_names or other.via_names, self.notes + other.notes)

    def with_via(self, notes: Tuple[str, ...] = ()) -> "Str":
        return Str(self.pieces, True, self.notes + notes)

    def template(self, mark: str = "\x00") -> str:
        return "".join(p.text if p.text is not None else mark for p in self.pieces)

    def __repr__(self) -> str:  # pragma: no cover
        return f"Str({self.pieces!r})"


class Const:
    """A constant that is not a string (int, float, bool, bytes, None)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class Qual:
    """Something imported, by qualified name: a module, function or class."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:  # pragma: no cover
        return f"Qual({self.name})"


class Instance:
    """An object made by calling an imported class, and members reached from it.

    `path` holds the attributes read on it: Instance("requests.Session", ("post",))
    is the bound method `session.post`; ("build", "trigger") is circleclient's
    `client.build.trigger`.
    """

    __slots__ = ("cls", "path", "ctor", "key", "via", "frame")

    def __init__(self, cls: str, path: Tuple[str, ...] = (), ctor: Optional[ast.Call] = None,
                 key: Optional[Key] = None, via: str = "", frame: Optional["Frame"] = None) -> None:
        self.cls = cls
        self.path = path
        self.ctor = ctor  # the constructor call, when this file shows it
        self.key = key
        self.via = via  # "annotation" or "subclass" when no constructor call is seen
        self.frame = frame  # where the constructor call is evaluated

    def member(self, name: str) -> "Instance":
        key = (self.key[0], self.key[1] + (name,)) if self.key is not None else None
        return Instance(self.cls, self.path + (name,), self.ctor, key, self.via, self.frame)

    def with_key(self, key: Optional["Key"]) -> "Instance":
        return Instance(self.cls, self.path, self.ctor, key, self.via, self.frame)

    def __repr__(self) -> str:  # pragma: no cover
        return f"Instance({self.cls}, {self.path})"


class LocalClass:
    """A class defined in this module."""

    __slots__ = ("info",)

    def __init__(self, info: "ClassInfo") -> None:
        self.info = info


class LocalInstance:
    """An instance of a class defined in this module (`self` inside its methods)."""

    __slots__ = ("info", "key")

    def __init__(self, info: "ClassInfo", key: Optional[Key] = None) -> None:
        self.info = info
        self.key = key


class Func:
    """A function or method defined in this module, bound to `bound` when reached via an instance."""

    __slots__ = ("info", "bound")

    def __init__(self, info: "FuncInfo", bound: Any = None) -> None:
        self.info = info
        self.bound = bound


Entry = Tuple[Union[str, ast.expr, None], Optional[ast.expr], "Frame"]


class DictV:
    """A dict display or dict(...) call: entries are (key, value expr, frame); key None is `**spread`."""

    __slots__ = ("node", "entries", "key")

    def __init__(self, node: ast.AST, entries: Tuple[Entry, ...], key: Optional[Key] = None) -> None:
        self.node = node
        self.entries = entries
        self.key = key


class SeqV:
    """A list or tuple display (or a concatenation of them): elements are (expr, frame)."""

    __slots__ = ("node", "elts")

    def __init__(self, node: ast.AST, elts: Tuple[Tuple[ast.expr, "Frame"], ...]) -> None:
        self.node = node
        self.elts = elts


class Bound:
    """A method of a value the evaluator folds itself: str.format, dict.get, ..."""

    __slots__ = ("base", "name")

    def __init__(self, base: Any, name: str) -> None:
        self.base = base
        self.name = name


class DynMember:
    """getattr(obj, name) where the name is not known statically."""

    __slots__ = ("base", "name", "node")

    def __init__(self, base: Any, name: Str, node: ast.AST) -> None:
        self.base = base
        self.name = name
        self.node = node


class Locals:
    """The mapping returned by locals() or vars() at a call site."""

    __slots__ = ("frame",)

    def __init__(self, frame: "Frame") -> None:
        self.frame = frame


class Unknown:
    """A value this file does not show; `label` says what it is."""

    __slots__ = ("node", "label")

    def __init__(self, node: Optional[ast.AST], label: str) -> None:
        self.node = node
        self.label = label

    def __repr__(self) -> str:  # pragma: no cover
        return f"Unknown({self.label})"


Value = Union[Str, Const, Qual, Instance, LocalClass, LocalInstance, Func, DictV, SeqV, Bound, DynMember,
              Locals, Unknown]


def renode(s: Str, node: ast.AST, name: str, module: str) -> Str:
    """A constant read from another file, as pieces of the name that brings it here (the fixer only ever
    sees nodes of the file it rewrites)."""
    pieces = tuple(Piece(p.text, node, p.label or f"`{name}` of {module}") for p in s.pieces)
    return Str(pieces, True, s.notes + (f"`{name}` from {module}",))
