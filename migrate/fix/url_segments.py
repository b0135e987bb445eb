"""A URL expression as a list of segments, lined up with what the analyser resolved.

The analyser resolved the URL to a template (`ResolvedUrl.url`: literal text,
with one placeholder character per unknown part). To rewrite the URL the fixer
needs the other direction: which piece of *source* produced which characters
of the template. `flatten` turns the expression at the call site into segments
(literal text, or an expression kept as code) for the shapes people write:
string literals, f-strings, `+`, `%` and `str.format`. `align` fits those
segments onto the template with one regular expression, so every expression
segment learns the text it stands for. `Segments.cut` then takes any range of
the template back as segments, and `render` writes segments as a new string
literal or f-string.

Nothing here knows CircleCI: fix/endpoint.py decides what the new URL is.
"""
from __future__ import annotations

import ast
import re
import string
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence, Tuple

from .interface import CannotFix

# A literal `{name}` in a plain string is a template field: the analyser gave it a placeholder.
TEMPLATE_FIELD = re.compile(r"\{[+#./;?&]?[A-Za-z_][A-Za-z0-9_.,:*-]*\}")
PLACEHOLDER_CLASS = "[\x00\ue000-\uf8ff]"
_CONVERSIONS = {-1: "", 115: "s", 114: "r", 97: "a"}


@dataclass
class Seg:
    """Literal text (`expr` None) or an expression kept as code."""

    chars: List[str] = field(default_factory=list)  # literal: the source text of each template character
    expr: Optional[ast.expr] = None
    conversion: str = ""  # "", "s", "r" or "a"
    spec: str = ""  # a literal format spec
    start: int = 0  # where the segment sits in the template
    end: int = 0
    resolved: str = ""  # the template text it stands for

    @classmethod
    def lit(cls, text: str) -> "Seg":
        chars: List[str] = []
        last = 0
        for m in TEMPLATE_FIELD.finditer(text):
            chars.extend(text[last:m.start()])
            chars.append(m.group(0))
            last = m.end()
        chars.extend(text[last:])
        return cls(chars=chars)

    @property
    def is_lit(self) -> bool:
        return self.expr is None

    @property
    def text(self) -> str:
        return "".join(self.chars)


def flatten(node: ast.expr, constant: Optional[Callable[[ast.expr], Optional[str]]] = None) -> List[Seg]:
    """The segments of a string expression; CannotFix for a shape the fixer does not take apart.

    `constant` gives the text of a name holding a string constant (a module-level `ENDPOINT = "...%s"`), so
    that `ENDPOINT % branch` and `ENDPOINT.format(branch)` are taken apart like their literal forms.
    """
    if isinstance(node, ast.Constant):
        if not isinstance(node.value, str):
            raise CannotFix("the URL is not a str")
        return [Seg.lit(node.value)]
    if isinstance(node, ast.JoinedStr):
        out: List[Seg] = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                out.append(Seg.lit(value.value))
            elif isinstance(value, ast.FormattedValue):
                out.append(Seg(expr=value.value, conversion=_CONVERSIONS.get(value.conversion, ""),
                               spec=_literal_spec(value.format_spec)))
        return out
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return flatten(node.left, constant) + flatten(node.right, constant)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        fmt = _str_of(node.left, constant)
        if fmt is not None:
            return _percent(fmt, node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        fmt = _str_of(node.func.value, constant)
        if fmt is not None:
            return _format(fmt, node)
    return [Seg(expr=node)]


def _str_of(node: ast.expr, constant: Optional[Callable[[ast.expr], Optional[str]]]) -> Optional[str]:
    """The text of a string literal, or of a name `constant` knows; else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if constant is not None and isinstance(node, ast.Name):
        return constant(node)
    return None


def _literal_spec(spec: Optional[ast.AST]) -> str:
    if spec is None:
        return ""
    if isinstance(spec, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in spec.values):
        return "".join(v.value for v in spec.values)  # type: ignore[attr-defined]
    raise CannotFix("a computed format spec in the URL")


_PERCENT = re.compile(r"%(?:(%)|([sdir]))")


def _percent(fmt: str, right: ast.expr) -> List[Seg]:
    args = list(right.elts) if isinstance(right, ast.Tuple) else [right]
    if any(isinstance(a, ast.Starred) for a in args):
        raise CannotFix("a %-formatted URL with *args")
    out: List[Seg] = []
    last = 0
    used = 0
    for m in _PERCENT.finditer(fmt):
        out.append(Seg.lit(fmt[last:m.start()]))
        last = m.end()
        if m.group(1):
            out.append(Seg.lit("%"))
            continue
        if used >= len(args):
            raise CannotFix("a %-formatted URL with fewer values than fields")
        kind = m.group(2)
        out.append(Seg(expr=args[used], conversion="r" if kind == "r" else "",
                       spec="d" if kind in "di" else ""))
        used += 1
    if "%" in fmt[last:] or used != len(args) or (not isinstance(right, ast.Tuple) and used != 1):
        raise CannotFix("a %-formatted URL this fixer does not take apart")
    out.append(Seg.lit(fmt[last:]))
    return [s for s in out if not s.is_lit or s.chars]


def _format(fmt: str, call: ast.Call) -> List[Seg]:
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        raise CannotFix("a str.format URL with *args or **kwargs")
    keywords = {k.arg: k.value for k in call.keywords}
    out: List[Seg] = []
    auto = 0
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError:
        raise CannotFix("a malformed str.format template") from None
    for literal, name, spec, conversion in parsed:
        if literal:
            out.append(Seg.lit(literal))
        if name is None:
            continue
        if spec and "{" in spec:
            raise CannotFix("a nested format spec in the URL")
        if name == "":
            index: object = auto
            auto += 1
        elif name.isdigit():
            index = int(name)
        elif name.isidentifier():
            index = name
        else:
            raise CannotFix("a str.format field with attribute or index access")
        if isinstance(index, int):
            if index >= len(call.args):
                raise CannotFix("a str.format URL with a missing argument")
            value = call.args[index]
        else:
            if index not in keywords:
                raise CannotFix("a str.format URL with a missing argument")
            value = keywords[index]  # type: ignore[index]
        out.append(Seg(expr=value, conversion=conversion or "", spec=spec or ""))
    return out


class Segments:
    """Segments lined up with the analyser's template."""

    def __init__(self, segs: List[Seg], template: str) -> None:
        self.segs = segs
        self.template = template

    @classmethod
    def align(cls, segs: List[Seg], template: str, prefix: bool = False) -> "Segments":
        """Line `segs` up with `template`; with `prefix`, the template may start with text the segments lack
        (a client's base URL), which becomes a literal segment when it is all known."""
        if prefix:
            m = re.match(f"(.*?){cls._pattern(segs)}$", template, re.DOTALL)
            if m is None:
                raise CannotFix("the URL expression does not line up with the URL check resolved")
            pre = m.group(1)
            if re.search(PLACEHOLDER_CLASS, pre):
                raise CannotFix("the client's base URL is not a literal this fix can rewrite")
            segs = [Seg(chars=list(pre))] + segs
        return cls._align(segs, template)

    @staticmethod
    def _pattern(segs: List[Seg]) -> str:
        parts: List[str] = []
        for seg in segs:
            if seg.is_lit:
                for ch in seg.chars:
                    parts.append(PLACEHOLDER_CLASS if len(ch) > 1 else re.escape(ch))
            else:
                parts.append("(?:.*?)")
        return "".join(parts)

    @classmethod
    def _align(cls, segs: List[Seg], template: str) -> "Segments":
        parts: List[str] = []
        groups = 0
        for seg in segs:
            if seg.is_lit:
                for ch in seg.chars:
                    parts.append(PLACEHOLDER_CLASS if len(ch) > 1 else re.escape(ch))
            else:
                parts.append(f"(?P<g{groups}>.*?)")
                groups += 1
        m = re.fullmatch("".join(parts), template, re.DOTALL)
        if m is None:
            raise CannotFix("the URL expression does not line up with the URL check resolved")
        pos = 0
        g = 0
        for seg in segs:
            seg.start = pos
            if seg.is_lit:
                pos += len(seg.chars)
                seg.resolved = template[seg.start:pos]
            else:
                seg.start, pos = m.start(f"g{g}"), m.end(f"g{g}")
                seg.resolved = m.group(f"g{g}")
                g += 1
            seg.end = pos
        return cls(segs, template)

    def cut(self, a: int, b: int, what: str, inline: Optional[Callable[[Seg], Optional[str]]] = None,
            describe: Optional[Callable[[Seg, str], str]] = None) -> List[Seg]:
        """The segments covering template[a:b]; an expression that straddles an edge is inlined or refused."""
        out: List[Seg] = []
        for seg in self.segs:
            if seg.end <= a or seg.start >= b:
                if not (seg.start == seg.end and a <= seg.start < b):
                    continue
            if seg.is_lit:
                lo, hi = max(a, seg.start) - seg.start, min(b, seg.end) - seg.start
                if hi > lo:
                    out.append(Seg(chars=seg.chars[lo:hi]))
            elif a <= seg.start and seg.end <= b:
                out.append(seg)
            else:
                text = inline(seg) if inline is not None else None
                if text is None:
                    if describe is not None:
                        raise CannotFix(describe(seg, what))
                    raise CannotFix(f"one expression in the URL holds part of the {what} and more; "
                                    "split it, or rewrite the URL by hand")
                lo, hi = max(a, seg.start) - seg.start, min(b, seg.end) - seg.start
                out.append(Seg.lit(text[lo:hi]))
        return out


def literal_text(segs: Sequence[Seg]) -> Optional[str]:
    """The text when every segment is literal, else None."""
    if any(not s.is_lit for s in segs):
        return None
    return "".join(s.text for s in segs)


def render(segs: Sequence[Seg], source_of: Callable[[ast.expr], Optional[str]], quote: str = '"') -> str:
    """Python code for a str built from segments: a plain literal, a lone expression, or an f-string."""
    merged: List[Seg] = []
    for seg in segs:
        if seg.is_lit and merged and merged[-1].is_lit:
            merged[-1] = Seg(chars=merged[-1].chars + seg.chars)
        elif not seg.is_lit or seg.chars:
            merged.append(seg)
    if all(s.is_lit for s in merged):
        return string_literal("".join(s.text for s in merged), quote)
    fields: List[Tuple[Seg, str]] = []
    for seg in merged:
        if seg.is_lit:
            continue
        src = source_of(seg.expr)  # type: ignore[arg-type]
        if src is None:
            raise CannotFix("an expression in the URL could not be copied")
        fields.append((seg, src))
    for q in (quote, "'" if quote == '"' else '"'):
        if all(_fits(src, q) for _, src in fields):
            break
    else:
        raise CannotFix("an expression in the URL uses both quote characters")
    out = ["f", q]
    it = iter(fields)
    for seg in merged:
        if seg.is_lit:
            out.append(_escape(seg.text, q).replace("{", "{{").replace("}", "}}"))
            continue
        _, src = next(it)
        if isinstance(seg.expr, (ast.Lambda, ast.NamedExpr, ast.Yield, ast.YieldFrom)):
            src = f"({src})"
        if src.startswith("{"):
            src = " " + src
        text = "{" + src
        if seg.conversion:
            text += "!" + seg.conversion
        if seg.spec:
            text += ":" + seg.spec
        out.append(text + "}")
    out.append(q)
    return "".join(out)


def expression_for(segs: Sequence[Seg], source_of: Callable[[ast.expr], Optional[str]], quote: str = '"') -> str:
    """Code for a value made of segments: a lone plain expression as itself, else a string."""
    real = [s for s in segs if not s.is_lit or s.chars]
    if len(real) == 1 and not real[0].is_lit and not real[0].conversion and not real[0].spec:
        src = source_of(real[0].expr)  # type: ignore[arg-type]
        if src is None:
            raise CannotFix("an expression in the URL could not be copied")
        return src
    return render(real, source_of, quote)


def _fits(src: str, quote: str) -> bool:
    # before Python 3.12 an f-string field may not hold its quote, a backslash, a comment or a newline
    return quote not in src and "\\" not in src and "#" not in src and "\n" not in src


def _escape(text: str, quote: str) -> str:
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == quote:
            out.append("\\" + quote)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 32 or ord(ch) == 127 or ch in ("\u2028", "\u2029"):
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def string_literal(text: str, quote: str = '"') -> str:
    if quote in text and ('"' if quote == "'" else "'") not in text:
        quote = '"' if quote == "'" else "'"
    return quote + _escape(text, quote) + quote


def quote_of(source_text: Optional[str]) -> str:
    """The quote character the code already uses for its first string, default `"`."""
    if source_text:
        m = re.search(r"""(?<![A-Za-z0-9_])[rRbBuUfF]{0,2}(['"])""", source_text)
        if m:
            return m.group(1)
    return '"'
