"""Python 2 source rewritten as Python 3 syntax, line for line, so that `ast` can read it.

Old v1.1 scripts are often Python 2: a `print "x"` or an `except URLError, e:` is enough for `ast` to
refuse the whole file, and then only its string tokens are read (tokens.py), which loses every route
built from a parameter or a name. The statements that make such a file unreadable are few and local;
each is rewritten on its own line, with the tokenizer (which reads Python 2 fine):

    print x, y            -> print(x, y)          print >>f, x  -> print(f, x)     print -> print()
    exec code             -> exec(code)
    except E, e:          -> except E as e:
    raise E, "message"    -> raise E("message")
    0777, 10L, a <> b     -> 0o777, 10, a != b
    `x`, ur"..."          -> repr(x), r"..."

No line is added or removed, so line numbers stay those of the file (columns after a rewrite on the same
line move by a few characters). The result is for reading only: what is found in it is reported with
low confidence and left to a person, as `fix` has no tree of the real file to rewrite.
"""
from __future__ import annotations

import ast
import io
import tokenize
import warnings
from typing import List, Optional, Tuple

Edit = Tuple[Tuple[int, int], Tuple[int, int], str]  # (start, end, replacement); (row, col) as tokenize gives
_STATEMENT_FUNCTIONS = {"print", "exec"}
_STATEMENT_ENDS = {tokenize.NEWLINE, tokenize.ENDMARKER}
_OPEN, _CLOSE = "([{", ")]}"


def lift(source: str) -> Optional[str]:
    """`source` with its Python 2 statements written as Python 3; None when nothing was rewritten, the
    tokenizer cannot read it, or the result still does not parse."""
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
                  if t.type not in (tokenize.NL, tokenize.INDENT)]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    edits = _edits(tokens)
    if not edits:
        return None
    lifted = _apply(source, edits)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(lifted)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
    return lifted


def _edits(tokens: List[tokenize.TokenInfo]) -> List[Edit]:
    edits: List[Edit] = []
    depth = 0
    statement_start = True
    backtick_open: Optional[tokenize.TokenInfo] = None
    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if tok.type in (tokenize.NEWLINE, tokenize.DEDENT, tokenize.ENDMARKER):
            statement_start, depth = True, 0
            continue
        if tok.type == tokenize.COMMENT:
            continue
        at_start, statement_start = statement_start, False
        if tok.type == tokenize.NAME and at_start and tok.string in _STATEMENT_FUNCTIONS:
            edits.extend(_statement_function(tokens, i))
        elif tok.type == tokenize.NAME and tok.string == "except":
            edits.extend(_except_comma(tokens, i))
        elif tok.type == tokenize.NAME and at_start and tok.string == "raise":
            edits.extend(_raise_comma(tokens, i))
        elif tok.type == tokenize.NUMBER and nxt is not None and nxt.start == tok.end:
            if tok.string == "0" and nxt.type == tokenize.NUMBER and nxt.string.isdigit():
                edits.append((tok.start, tok.end, "0o"))  # 0777: an octal literal
            elif nxt.type == tokenize.NAME and nxt.string in ("L", "l"):
                edits.append((nxt.start, nxt.end, ""))  # 10L: a long
        elif tok.type == tokenize.OP and tok.string == "<" and nxt is not None and nxt.string == ">" \
                and nxt.start == tok.end:
            edits.append((tok.start, nxt.end, "!="))
        elif tok.type == tokenize.ERRORTOKEN and tok.string == "`":
            if backtick_open is None:
                backtick_open = tok
            else:
                edits.append((backtick_open.start, backtick_open.end, "repr("))
                edits.append((tok.start, tok.end, ")"))
                backtick_open = None
        elif tok.type == tokenize.NAME and tok.string.lower() == "ur" and nxt is not None \
                and nxt.type == tokenize.STRING and nxt.start == tok.end:
            edits.append((tok.start, tok.end, "r"))
        elif tok.type == tokenize.OP:
            if tok.string in _OPEN:
                depth += 1
            elif tok.string in _CLOSE:
                depth = max(0, depth - 1)
            elif depth == 0 and tok.string in (";", ":"):
                statement_start = True  # `a; print x` and `if a: print x`
    return edits


def _statement_end(tokens: List[tokenize.TokenInfo], i: int) -> Tuple[int, Optional[int]]:
    """Index of the last token of the statement that starts after token i, and of its first comma at
    depth 0 (None without one)."""
    depth, last, comma = 0, i, None
    for j in range(i + 1, len(tokens)):
        t = tokens[j]
        if t.type in _STATEMENT_ENDS or (depth == 0 and t.type == tokenize.OP and t.string == ";"):
            break
        if t.type in (tokenize.COMMENT, tokenize.DEDENT):
            continue
        if t.type == tokenize.OP:
            if t.string in _OPEN:
                depth += 1
            elif t.string in _CLOSE:
                depth -= 1
            elif t.string == "," and depth == 0 and comma is None:
                comma = j
        last = j
    return last, comma


def _statement_function(tokens: List[tokenize.TokenInfo], i: int) -> List[Edit]:
    """`print x` / `exec code` -> a call; `print(x)`, `print = f` and `print.x` are left alone."""
    tok = tokens[i]
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    if nxt is None or nxt.type in _STATEMENT_ENDS or nxt.type == tokenize.COMMENT or nxt.string == ";":
        return [(tok.start, tok.end, tok.string + "()")] if tok.string == "print" else []
    if nxt.type == tokenize.OP and nxt.string in ("(", "=", ".", "[", ",", ")"):
        return []
    last, _ = _statement_end(tokens, i)
    edits: List[Edit] = [(tok.start, tok.end, tok.string + "(")]
    if nxt.type == tokenize.OP and nxt.string == ">>":
        edits.append((nxt.start, nxt.end, ""))  # print >>f, x: the stream becomes the first argument
    end = tokens[last].end
    edits.append((end, end, ")"))
    return edits


def _except_comma(tokens: List[tokenize.TokenInfo], i: int) -> List[Edit]:
    """`except E, e:` -> `except E as e:`."""
    depth = 0
    for j in range(i + 1, len(tokens)):
        t = tokens[j]
        if t.type in _STATEMENT_ENDS:
            return []
        if t.type != tokenize.OP:
            continue
        if t.string in _OPEN:
            depth += 1
        elif t.string in _CLOSE:
            depth -= 1
        elif depth == 0 and t.string == ":":
            return []
        elif depth == 0 and t.string == ",":
            return [(t.start, t.end, " as")]
    return []


def _raise_comma(tokens: List[tokenize.TokenInfo], i: int) -> List[Edit]:
    """`raise E, value` -> `raise E(value)`."""
    last, comma = _statement_end(tokens, i)
    if comma is None:
        return []
    end = tokens[last].end
    return [(tokens[comma].start, tokens[comma].end, "("), (end, end, ")")]


def _apply(source: str, edits: List[Edit]) -> str:
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(pos: Tuple[int, int]) -> int:
        row, col = pos
        return starts[row - 1] + col if row - 1 < len(starts) else len(source)

    out = source
    # from the end, so earlier offsets stay valid; an insertion at the same place as a replacement's end
    # goes after it
    for start, end, text in sorted(edits, key=lambda e: (offset(e[0]), offset(e[1])), reverse=True):
        a, b = offset(start), offset(end)
        out = out[:a] + text + out[b:]
    return out
