"""curl (and wget, httpie) command lines run from Python (subprocess, os.system): verb, URL and headers.

Tokens are `Str` values, so a URL that an f-string builds keeps its unknown
parts. A shell string is split with shlex; unknown parts travel through the
split as private-use characters and come back as the original pieces. A shell
variable written in the string (`"$CIRCLE_API/project/..."`, `${CIRCLE_URL}`)
is a value the shell fills in: it comes back as an unknown piece labelled as
the shell analyser labels it (`$CIRCLE_API`), so the URL's base is not known. The
options are read by migrate/curl_command.py, the reader the text analyser uses
for curl in shell too; a wget or httpie command line is read by the text
analyser's reader of those tools (text/http_tools.py), its words made from the
tokens (an unknown part is a variable there).
"""
from __future__ import annotations

import ast
import re
import shlex
from typing import Dict, List, Optional, Tuple

from ..curl_command import URL, CurlWords, curl_verb, read_curl
from ..text.http_tools import PROGRAMS, parse_request
from ..text.shell import LIT, VAR, Command, Part, Word
from .values import Piece, Str

_SEPARATORS = {";", "&&", "||", "|", "&", "(", ")", "\n"}
_MARK_BASE = 0xF000
# `$NAME`, `${NAME}`: what the shell fills in when it runs the string (never in an argv list, run without one)
_SHELL_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


class CurlCommand:
    """One curl invocation: what it sends and where."""

    def __init__(self) -> None:
        self.verb: Optional[str] = None  # None: given but not resolved
        self.verb_token: Optional[Str] = None
        self.verb_label = ""
        self.urls: List[Str] = []
        self.url_indexes: List[int] = []
        self.headers: List[Str] = []
        self.tool = "curl"
        # wget/httpie: the header names as their reader gives them (None: a name not written out)
        self.header_names: Optional[List[Optional[str]]] = None
        self.accepts_json = False  # httpie asks for JSON unless told otherwise


def split_shell(s: Str, node: ast.AST) -> List[List[Str]]:
    """A shell command string -> its simple commands, each a list of tokens."""
    marks: Dict[str, Piece] = {}
    text_parts: List[str] = []
    for p in _shell_variables(s.pieces, node):
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


def _shell_variables(pieces: Tuple[Piece, ...], node: ast.AST) -> List[Piece]:
    """The pieces with each shell variable of their literal text an unknown piece of its own."""
    out: List[Piece] = []
    for p in pieces:
        if p.text is None or "$" not in p.text:
            out.append(p)
            continue
        at = 0
        for m in _SHELL_VARIABLE.finditer(p.text):
            if m.start() > at:
                out.append(Piece(p.text[at:m.start()], p.node))
            out.append(Piece(None, p.node or node, "$" + (m.group(1) or m.group(2))))
            at = m.end()
        if at < len(p.text):
            out.append(Piece(p.text[at:], p.node))
    return out


def shell_variable_base(url: Str) -> Optional[str]:
    """The shell variable a URL starts with (`$CIRCLE_API`), or None."""
    first = url.pieces[0] if url.pieces else None
    if first is None or first.text is not None or not first.label.startswith("$"):
        return None
    return first.label


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


def is_http_tool(token: Str) -> bool:
    """curl, wget or httpie (http, https, xh) runs here."""
    lit = token.literal
    if lit is None:
        return False
    base = re.split(r"[\\/]", lit)[-1].lower()
    return (base[:-4] if base.endswith(".exe") else base) in PROGRAMS


def parse_http_tool(tokens: List[Str]) -> Optional[CurlCommand]:
    """tokens[0] is curl, wget or httpie: what it sends (None when no URL is found)."""
    if is_curl(tokens[0]):
        return parse_curl(tokens)
    words = [_word(t, i) for i, t in enumerate(tokens)]
    command = Command()
    command.words = words
    req = parse_request(command)
    if req is None or req.tool == "curl" or req.url_arg is None:
        return None
    cmd = CurlCommand()
    cmd.tool = req.tool
    cmd.urls.append(tokens[req.url_arg.first])
    cmd.url_indexes.append(req.url_arg.first)
    cmd.verb, cmd.verb_label = req.verb, req.verb_label
    cmd.header_names = req.header_names()
    cmd.accepts_json = req.tool == "httpie" and req.json_flag
    return cmd


def _word(token: Str, index: int) -> Word:
    """A token as the shell reader's word: literal text, and each unknown part a variable."""
    parts: List[Part] = []
    for k, p in enumerate(token.pieces):
        if p.text is None:
            parts.append(Part(VAR, f"_{index}_{k}", index, index, ""))
        elif parts and parts[-1].kind == LIT:
            parts[-1] = Part(LIT, parts[-1].text + p.text, index, index, "")
        else:
            parts.append(Part(LIT, p.text, index, index, ""))
    return Word(parts, index, index)


def is_curl(token: Str) -> bool:
    lit = token.literal
    if lit is None:
        return False
    base = re.split(r"[\\/]", lit)[-1].lower()
    return base in ("curl", "curl.exe")


class _StrWords(CurlWords[Str]):
    def option_text(self, word: Str) -> Optional[str]:
        t = word.template()  # an unknown part is a placeholder character: never an option letter
        return t if t.startswith("-") else None

    def attached(self, word: Str, skip: int) -> Str:
        return _suffix(word, skip)


_STR_WORDS = _StrWords()


def parse_curl(tokens: List[Str]) -> CurlCommand:
    """tokens[0] is curl: its URLs, headers and verb, as curl_command.read_curl reads them."""
    cmd = CurlCommand()
    options = read_curl(tokens, 1, _STR_WORDS)
    for o in options:
        if o.name in (URL, "--url") and o.value is not None:
            cmd.urls.append(o.value)
            cmd.url_indexes.append(o.last)
        elif o.name == "--header" and o.value is not None:
            cmd.headers.append(o.value)
    explicit, verb = curl_verb(options)
    if explicit is None:
        cmd.verb = verb
        return cmd
    cmd.verb_token = explicit
    lit = explicit.literal
    if lit is not None:
        cmd.verb = lit.upper()
    else:
        cmd.verb = None
        unknown = [p.label for p in explicit.pieces if p.text is None]
        cmd.verb_label = unknown[0] if unknown else "the -X value"
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
