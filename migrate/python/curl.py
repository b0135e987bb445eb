"""curl command lines run from Python (subprocess, os.system): verb, URL and headers.

Tokens are `Str` values, so a URL that an f-string builds keeps its unknown
parts. A shell string is split with shlex; unknown parts travel through the
split as private-use characters and come back as the original pieces.
"""
from __future__ import annotations

import ast
import re
import shlex
from typing import Dict, List, Optional

from ..curl_options import CURL_DATA_LONG, CURL_LONG_WITH_ARG, CURL_SHORT_NAMES, CURL_SHORT_WITH_ARG
from .values import Piece, Str

_SEPARATORS = {";", "&&", "||", "|", "&", "(", ")", "\n"}
_MARK_BASE = 0xF000


class CurlCommand:
    """One curl invocation: what it sends and where."""

    def __init__(self) -> None:
        self.verb: Optional[str] = None  # None: given but not resolved
        self.verb_token: Optional[Str] = None
        self.verb_label = ""
        self.urls: List[Str] = []
        self.url_indexes: List[int] = []
        self.headers: List[Str] = []


def split_shell(s: Str, node: ast.AST) -> List[List[Str]]:
    """A shell command string -> its simple commands, each a list of tokens."""
    marks: Dict[str, Piece] = {}
    text_parts: List[str] = []
    for p in s.pieces:
        if p.text is None:
            ch = chr(_MARK_BASE + len(marks))
            marks[ch] = p
            text_parts.append(ch)
        else:
            text_parts.append(p.text)
    text = "".join(text_parts)
    try:
        lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()")
        lexer.whitespace_split = True
        lexer.commenters = ""
        raw = list(lexer)
    except ValueError:  # unbalanced quotes: fall back to whitespace
        raw = text.split()
    commands: List[List[Str]] = [[]]
    for tok in raw:
        if tok in _SEPARATORS or (tok and set(tok) <= set(";&|()")):
            commands.append([])
            continue
        commands[-1].append(_unmark(tok, marks, node))
    return [c for c in commands if c]


def _unmark(token: str, marks: Dict[str, Piece], node: ast.AST) -> Str:
    if not marks:
        return Str.literal_of(token, node)
    pieces: List[Piece] = []
    buf = ""
    for ch in token:
        if ch in marks:
            if buf:
                pieces.append(Piece(buf, node))
                buf = ""
            pieces.append(marks[ch])
        else:
            buf += ch
    if buf:
        pieces.append(Piece(buf, node))
    return Str(tuple(pieces))


def is_curl(token: Str) -> bool:
    lit = token.literal
    if lit is None:
        return False
    base = re.split(r"[\\/]", lit)[-1].lower()
    return base in ("curl", "curl.exe")


def parse_curl(tokens: List[Str]) -> CurlCommand:
    """tokens[0] is curl. Verb rules: -X wins; else -I HEAD, -G GET, -T PUT, data POST, else GET."""
    cmd = CurlCommand()
    explicit: Optional[Str] = None
    data = get = head = upload = False
    i = 1
    n = len(tokens)

    def value_at(j: int) -> Optional[Str]:
        return tokens[j] if j < n else None

    def take(name: str, arg: Optional[Str], at: int) -> None:
        """Note what option `name` (long spelling) with value `arg` says about the verb, headers and URL."""
        nonlocal explicit, data, get, head, upload
        if name == "--request" and arg is not None:
            explicit = arg
        elif name == "--header" and arg is not None:
            cmd.headers.append(arg)
        elif name in CURL_DATA_LONG:
            data = True
        elif name == "--get":
            get = True
        elif name == "--head":
            head = True
        elif name == "--upload-file":
            upload = True
        elif name == "--url" and arg is not None:
            cmd.urls.append(arg)
            cmd.url_indexes.append(at)

    while i < n:
        tok = tokens[i]
        t = tok.template()
        if t == "--":
            for j in range(i + 1, n):
                cmd.urls.append(tokens[j])
                cmd.url_indexes.append(j)
            break
        if t.startswith("--"):
            name, eq, attached = t.partition("=")
            arg: Optional[Str] = None
            if name in CURL_LONG_WITH_ARG:
                if eq:
                    arg, at = _suffix(tok, len(name) + 1), i
                    i += 1
                else:
                    arg, at = value_at(i + 1), i + 1
                    i += 2
            else:
                at = i
                i += 1
            take(name, arg, at)
            continue
        if t.startswith("-") and len(t) > 1:
            # a group of short flags; the first that takes a value ends the group
            j = 1
            consumed_next = False
            while j < len(t):
                flag = t[j]
                if flag in CURL_SHORT_WITH_ARG:
                    if t[j + 1:]:
                        arg = _suffix(tok, j + 1)
                    else:
                        arg = value_at(i + 1)
                        consumed_next = True
                    take(CURL_SHORT_NAMES.get(flag, ""), arg, i)
                    break
                take(CURL_SHORT_NAMES.get(flag, ""), None, i)
                j += 1
            i += 2 if consumed_next else 1
            continue
        cmd.urls.append(tok)
        cmd.url_indexes.append(i)
        i += 1
    if explicit is not None:
        lit = explicit.literal
        cmd.verb_token = explicit
        if lit is not None:
            cmd.verb = lit.upper()
        else:
            cmd.verb = None
            unknown = [p.label for p in explicit.pieces if p.text is None]
            cmd.verb_label = unknown[0] if unknown else "the -X value"
    elif head:
        cmd.verb = "HEAD"
    elif get:
        cmd.verb = "GET"
    elif upload:
        cmd.verb = "PUT"
    elif data:
        cmd.verb = "POST"
    else:
        cmd.verb = "GET"
    return cmd


def _suffix(tok: Str, n: int) -> Str:
    """The token without its first n characters of template text."""
    out: List[Piece] = []
    skip = n
    for p in tok.pieces:
        if skip <= 0:
            out.append(p)
            continue
        if p.text is None:
            skip -= 1
            continue
        if len(p.text) <= skip:
            skip -= len(p.text)
            continue
        out.append(Piece(p.text[skip:], p.node))
        skip = 0
    return Str(tuple(out), tok.via_names, tok.notes)
