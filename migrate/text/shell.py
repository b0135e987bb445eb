"""A small shell lexer: commands, words, and the parts each word is made of.

It reads the POSIX sh/bash subset that CI scripts use: quoting ('..', "..",
$'..', backslashes), line continuations, comments, variables ($X, ${X},
${X:-default}), command substitution ($(..) and backticks, lexed in turn, so a
curl inside one is found), arithmetic, here-documents, redirections, pipelines
and lists (; && || & |), and the reserved words in front of a command (if,
then, do, !, time...). It never runs anything and never fails: text it does
not understand ends up as literal words.

Every word keeps the segment offsets of each of its parts, so a finding can
point at it and a fix can copy a variable exactly as it was written.
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

from ..kinds.shell_regions import Segment, is_template_char

LIT = "lit"  # literal text (already unquoted)
VAR = "var"  # $NAME, ${NAME...}
SUBST = "subst"  # $(...), `...`, $((...)), <(...)
TEMPLATE = "template"  # expanded before the shell (make, CI expressions, Groovy)

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SPECIAL_PARAM = set("@*#?-$!0123456789")
_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?\+?=")
RESERVED = {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "time",
            "case", "esac", "in", "function", "select", "coproc"}
# Commands that run their arguments as a command.
WRAPPERS = {"sudo", "env", "command", "exec", "nohup", "time", "builtin", "nice", "stdbuf", "xargs",
            "timeout", "retry", "eval"}
_WRAPPER_ARGS = {"timeout": 1, "nice": 0, "stdbuf": 0}


class Part:
    """One part of a word."""

    __slots__ = ("kind", "text", "start", "end", "quote", "default", "op")

    def __init__(self, kind: str, text: str, start: int, end: int, quote: str,
                 default: Optional["Word"] = None, op: str = "") -> None:
        self.kind = kind
        self.text = text  # LIT: the characters; VAR: the name; SUBST/TEMPLATE: the raw text
        self.start = start  # segment offsets of the part as written (quotes of a LIT excluded)
        self.end = end
        self.quote = quote  # "" unquoted, "'" or '"' or "$'" : the quoting it was written in
        self.default = default  # ${NAME:-default}
        self.op = op  # the ${NAME<op>...} operator, "" for a plain reference

    def __repr__(self) -> str:
        q = self.quote or "-"
        return f"{self.kind}({self.text!r},{q})"


class Word:
    __slots__ = ("parts", "start", "end")

    def __init__(self, parts: List[Part], start: int, end: int) -> None:
        self.parts = parts
        self.start = start  # segment offsets of the whole word, quotes included
        self.end = end

    @property
    def literal(self) -> Optional[str]:
        """The word's value when it is all literal text."""
        if all(p.kind == LIT for p in self.parts):
            return "".join(p.text for p in self.parts)
        return None

    def text_with(self, unknown: str = "\x00") -> str:
        return "".join(p.text if p.kind == LIT else unknown for p in self.parts)

    def __repr__(self) -> str:
        return f"Word({self.parts!r})"


class Command:
    """A simple command: prefix assignments, words, redirections."""

    def __init__(self) -> None:
        self.assignments: List[Tuple[str, Word]] = []
        self.words: List[Word] = []
        self.redirects: List[Tuple[str, Optional[Word]]] = []
        self.pipe_in = False
        self.pipe_out = False
        self.captured = False  # inside $(...) or backticks: its output is read by the script
        self.start = -1
        self.end = -1
        self.heredoc: Optional[Tuple[int, int]] = None  # segment span of a here-document body
        self.index = 0  # order in the segment
        self.unbalanced = False  # its script has a quote that never closes: the lexing is a guess

    def program(self) -> Tuple[Optional[str], int]:
        """(the program run, index of its word), looking through sudo/env/timeout and the like."""
        i = 0
        while i < len(self.words):
            name = self.words[i].literal
            if name is None:
                return None, i
            base = name.rsplit("/", 1)[-1]
            if base in WRAPPERS:
                i += 1
                skip = _WRAPPER_ARGS.get(base, 0)
                while i < len(self.words):
                    w = self.words[i].literal or ""
                    if w.startswith("-") or (base == "env" and "=" in w):
                        i += 1
                        continue
                    if skip:
                        skip -= 1
                        i += 1
                        continue
                    break
                continue
            return base, i
        return None, i

    def __repr__(self) -> str:
        return f"Command({self.words!r})"


class _Lexer:
    def __init__(self, seg: Segment) -> None:
        self.seg = seg
        self.text = seg.text
        self.n = len(self.text)
        self.commands: List[Command] = []
        self.pending_heredocs: List[Tuple[Command, str, bool]] = []
        self.unbalanced = False
        self.in_backticks = False
        self.comments: List[Tuple[int, int]] = []  # segment spans of `# ...` comments

    # -- lists of commands -------------------------------------------------------------------
    def parse_list(self, pos: int, stop: str, captured: bool) -> int:
        """Commands from `pos` until `stop` (")" or "`"; "" for the end). Returns the position after it."""
        text, n = self.text, self.n
        cmd = self._new(captured)
        pipe_in = False
        depth = 0  # ( subshells ) opened inside this list
        while pos < n:
            ch = text[pos]
            if ch in " \t\r":
                pos += 1
                continue
            if ch == "\\" and pos + 1 < n and text[pos + 1] in "\r\n":
                pos = _after_line_break(text, pos + 1)
                continue
            if ch == "\n":
                pos += 1
                self._end(cmd, pipe_in)
                pos = self._heredocs(pos)
                cmd, pipe_in = self._new(captured), False
                continue
            if ch == "#":  # a word cannot start with # : a comment
                start = pos
                while pos < n and text[pos] != "\n":
                    pos += 1
                self.comments.append((start, pos))
                continue
            if stop == "`" and ch == "`":
                self._end(cmd, pipe_in)
                return pos + 1
            if ch == ")":
                if depth > 0:
                    depth -= 1
                    pos += 1
                    self._end(cmd, pipe_in)
                    cmd, pipe_in = self._new(captured), False
                    continue
                if stop == ")":
                    self._end(cmd, pipe_in)
                    return pos + 1
                pos += 1
                continue
            if ch == "(":
                if text.startswith("((", pos) and not cmd.words:  # (( arithmetic ))
                    pos = _skip_parens(text, pos)
                    continue
                depth += 1
                pos += 1
                self._end(cmd, pipe_in)
                cmd, pipe_in = self._new(captured), False
                continue
            if ch in ";&|":
                op = text[pos:pos + 2] if text[pos:pos + 2] in ("&&", "||", ";;", "|&", ";&") else ch
                if op == "&" and text.startswith("&>", pos):
                    pos = self._redirect(cmd, pos)
                    continue
                pos += len(op)
                if op in ("|", "|&"):
                    cmd.pipe_out = True
                    self._end(cmd, pipe_in)
                    cmd, pipe_in = self._new(captured), True
                else:
                    self._end(cmd, pipe_in)
                    cmd, pipe_in = self._new(captured), False
                continue
            if ch in "<>" and not text.startswith("<(", pos) and not text.startswith(">(", pos):
                pos = self._redirect(cmd, pos)
                continue
            word, end = self.parse_word(pos)
            if end == pos:  # nothing consumed: skip the character
                pos += 1
                continue
            pos = end
            # an fd number before a redirection: 2>/dev/null
            if end < n and text[end] in "<>" and word.literal is not None and word.literal.isdigit() \
                    and word.end == end:
                continue
            self._add_word(cmd, word)
        self._end(cmd, pipe_in)
        return pos

    def _new(self, captured: bool) -> Command:
        cmd = Command()
        cmd.captured = captured
        return cmd

    def _add_word(self, cmd: Command, word: Word) -> None:
        if cmd.start < 0:
            cmd.start = word.start
        cmd.end = word.end
        if not cmd.words:
            lit = word.literal
            if lit in RESERVED and not cmd.assignments:
                cmd.start = -1
                return
            first = word.parts[0] if word.parts else None
            if first is not None and first.kind == LIT and first.quote == "":
                m = _ASSIGNMENT.match(first.text)
                if m is not None:
                    cmd.assignments.append((m.group(1), _value_word(word, m.end())))
                    return
        cmd.words.append(word)

    def _end(self, cmd: Command, pipe_in: bool) -> None:
        if cmd.words or cmd.assignments:
            cmd.pipe_in = pipe_in
            cmd.index = len(self.commands)
            self.commands.append(cmd)

    def _redirect(self, cmd: Command, pos: int) -> int:
        text = self.text
        m = re.compile(r"&>>|&>|<<<|<<-|<<|<>|>>|>&|<&|>\||>|<").match(text, pos)
        assert m is not None
        op = m.group(0)
        pos = m.end()
        while pos < self.n and text[pos] in " \t":
            pos += 1
        target, end = self.parse_word(pos)
        if end == pos:
            cmd.redirects.append((op, None))
            return pos
        cmd.redirects.append((op, target))
        if cmd.start < 0:
            cmd.start = pos
        cmd.end = max(cmd.end, target.end)
        if op in ("<<", "<<-"):
            delim = "".join(p.text for p in target.parts)
            self.pending_heredocs.append((cmd, delim, op == "<<-"))
        return end

    def _heredocs(self, pos: int) -> int:
        """Skip the bodies of here-documents started on the line just ended."""
        text = self.text
        for cmd, delim, strip_tabs in self.pending_heredocs:
            body_start = pos
            while pos < self.n:
                eol = text.find("\n", pos)
                eol = self.n if eol == -1 else eol
                line = text[pos:eol].rstrip("\r")
                if (line.lstrip("\t") if strip_tabs else line) == delim:
                    cmd.heredoc = (body_start, pos)
                    pos = min(eol + 1, self.n)
                    break
                pos = eol + 1
            else:
                cmd.heredoc = (body_start, self.n)
        self.pending_heredocs = []
        return pos

    # -- words ---------------------------------------------------------------------------------
    def parse_word(self, pos: int) -> Tuple[Word, int]:
        text, n = self.text, self.n
        parts: List[Part] = []
        start = pos
        lit: List[str] = []
        lit_start = pos

        def flush(end: int, quote: str = "") -> None:
            nonlocal lit
            if lit:
                parts.append(Part(LIT, "".join(lit), lit_start, end, quote))
                lit = []

        while pos < n:
            ch = text[pos]
            if ch in " \t\r\n;&|<>()" and not (ch in "<>" and text.startswith("(", pos + 1)):
                if ch == "(" and parts and parts[-1].kind == LIT and parts[-1].text.endswith("="):
                    pass  # arr=(a b): taken as text
                else:
                    break
            if ch == "`" and self.in_backticks:  # the closing backtick of the substitution being lexed
                break
            if ch == "\\":
                if pos + 1 < n and text[pos + 1] in "\r\n":
                    end = _after_line_break(text, pos + 1)
                    if not lit and not parts:
                        break
                    pos = end
                    continue
                if not lit:
                    lit_start = pos
                lit.append(text[pos + 1] if pos + 1 < n else "\\")  # a backslash at the very end stays
                pos = min(pos + 2, n)
                continue
            if ch == "'":
                flush(pos)
                end = text.find("'", pos + 1)
                if end == -1:
                    self.unbalanced = True
                    end = n
                parts.append(Part(LIT, text[pos + 1:end], pos + 1, end, "'"))
                pos = min(end + 1, n)
                lit_start = pos
                continue
            if ch == "$" and text.startswith("$'", pos):
                flush(pos)
                pos = self._ansi_c(pos, parts)
                lit_start = pos
                continue
            if ch == '"':
                flush(pos)
                pos = self._double(pos + 1, parts)
                lit_start = pos
                continue
            if ch == "$" or ch == "`" or (ch in "<>" and text.startswith("(", pos + 1)):
                part, end = self._dollar(pos, "")
                if part is not None:
                    flush(pos)
                    parts.append(part)
                    pos = end
                    lit_start = pos
                    continue
            if is_template_char(ch) and ch in self.seg.templates:  # a private-use character of the file itself is text
                flush(pos)
                parts.append(Part(TEMPLATE, self.seg.templates[ch].raw, pos, pos + 1, ""))
                pos += 1
                lit_start = pos
                continue
            if not lit:
                lit_start = pos
            lit.append(ch)
            pos += 1
        flush(pos)
        return Word(_merge(parts), start, pos), pos

    def _double(self, pos: int, parts: List[Part]) -> int:
        """Inside "...": from just after the opening quote; returns the position after the closing one."""
        text, n = self.text, self.n
        lit: List[str] = []
        lit_start = pos
        before = len(parts)
        while pos < n:
            ch = text[pos]
            if ch == '"':
                break
            if ch == "\\" and pos + 1 < n:
                nxt = text[pos + 1]
                if nxt in "$`\"\\":
                    if not lit:
                        lit_start = pos
                    lit.append(nxt)
                    pos += 2
                    continue
                if nxt in "\r\n":
                    pos = _after_line_break(text, pos + 1)
                    continue
            if ch in "$`":
                part, end = self._dollar(pos, '"')
                if part is not None:
                    if lit:
                        parts.append(Part(LIT, "".join(lit), lit_start, pos, '"'))
                        lit = []
                    parts.append(part)
                    pos = end
                    lit_start = pos
                    continue
            if is_template_char(ch) and ch in self.seg.templates:  # a private-use character of the file itself is text
                if lit:
                    parts.append(Part(LIT, "".join(lit), lit_start, pos, '"'))
                    lit = []
                parts.append(Part(TEMPLATE, self.seg.templates[ch].raw, pos, pos + 1, '"'))
                pos += 1
                lit_start = pos
                continue
            if not lit:
                lit_start = pos
            lit.append(ch)
            pos += 1
        if lit:
            parts.append(Part(LIT, "".join(lit), lit_start, pos, '"'))
        if pos >= n:
            self.unbalanced = True
        if len(parts) == before:  # "" is an empty word, not no word
            parts.append(Part(LIT, "", pos, pos, '"'))
        return min(pos + 1, n)

    def _ansi_c(self, pos: int, parts: List[Part]) -> int:
        text, n = self.text, self.n
        i = pos + 2
        out: List[str] = []
        while i < n and text[i] != "'":
            if text[i] == "\\" and i + 1 < n:
                out.append({"n": "\n", "t": "\t", "r": "\r", "'": "'", "\\": "\\", '"': '"'}.get(text[i + 1],
                                                                                           "\\" + text[i + 1]))
                i += 2
                continue
            out.append(text[i])
            i += 1
        parts.append(Part(LIT, "".join(out), pos + 2, i, "$'"))
        return min(i + 1, n)

    def _dollar(self, pos: int, quote: str) -> Tuple[Optional[Part], int]:
        """A $-expansion, backtick or process substitution at `pos`; (None, pos) when `$` is literal."""
        text, n = self.text, self.n
        ch = text[pos]
        if ch == "`":
            inner = _Lexer(self.seg)
            inner.in_backticks = True
            inner.commands = self.commands
            inner.comments = self.comments
            end = inner.parse_list(pos + 1, "`", True)
            self.unbalanced = self.unbalanced or inner.unbalanced
            return Part(SUBST, text[pos:end], pos, end, quote), end
        if ch in "<>":  # <(...) >(...)
            end = self._sub_list(pos + 2)
            return Part(SUBST, text[pos:end], pos, end, quote), end
        nxt = text[pos + 1] if pos + 1 < n else ""
        if nxt == "(":
            if text.startswith("$((", pos):
                end = _skip_parens(text, pos + 1)
                return Part(SUBST, text[pos:end], pos, end, quote), end
            end = self._sub_list(pos + 2)
            return Part(SUBST, text[pos:end], pos, end, quote), end
        if nxt == "{":
            return self._braced(pos, quote)
        m = _NAME.match(text, pos + 1)
        if m is not None:
            return Part(VAR, m.group(0), pos, m.end(), quote), m.end()
        if nxt and nxt in _SPECIAL_PARAM:
            return Part(VAR, nxt, pos, pos + 2, quote), pos + 2
        return None, pos

    def _sub_list(self, pos: int) -> int:
        saved = self.pending_heredocs
        self.pending_heredocs = []
        end = self.parse_list(pos, ")", True)
        self.pending_heredocs = saved
        return end

    def _braced(self, pos: int, quote: str) -> Tuple[Part, int]:
        text, n = self.text, self.n
        depth = 0
        i = pos + 1
        while i < n:
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        end = min(i + 1, n)
        inner = text[pos + 2:i]
        m = re.match(r"#?([A-Za-z_][A-Za-z0-9_]*|[@*#?$!0-9])(.*)$", inner, re.S)
        if m is None:
            return Part(VAR, inner, pos, end, quote, op="?"), end
        name, rest = m.group(1), m.group(2)
        if inner.startswith("#") and name != "#":
            return Part(VAR, name, pos, end, quote, op="#"), end
        op_m = re.match(r":?[-=+?]", rest)
        if op_m is not None:
            op = op_m.group(0)
            default = None
            if op in (":-", "-", ":=", "="):
                sub = _Lexer(self.seg)
                sub.n = min(i, self.n)  # the default ends at the closing brace (or the text)
                sub.commands = []
                dstart = pos + 2 + len(inner) - len(rest) + len(op)
                default, _ = sub._default_word(dstart, quote)
            return Part(VAR, name, pos, end, quote, default=default, op=op), end
        return Part(VAR, name, pos, end, quote, op=rest[:2] if rest else ""), end

    def _default_word(self, pos: int, quote: str) -> Tuple[Word, int]:
        """The default of ${X:-default}: a word that may contain spaces, up to the closing brace."""
        parts: List[Part] = []
        start = pos
        while pos < self.n:
            word, end = self.parse_word(pos)
            parts.extend(word.parts)
            if end == pos:
                if pos < self.n:
                    parts.append(Part(LIT, self.text[pos], pos, pos + 1, quote))
                pos += 1
            else:
                pos = end
        for p in parts:
            if p.kind == LIT and not p.quote:
                p.quote = quote
        return Word(_merge(parts), start, pos), pos


def _value_word(word: Word, skip: int) -> Word:
    """The value of NAME=value: the word without its first `skip` literal characters."""
    first = word.parts[0]
    rest = first.text[skip:]
    parts = list(word.parts[1:])
    if rest:
        parts.insert(0, Part(LIT, rest, first.start + skip, first.end, first.quote))
    start = first.start + skip
    return Word(parts, start, word.end)


def _merge(parts: List[Part]) -> List[Part]:
    """Join adjacent literal parts written in the same quoting."""
    out: List[Part] = []
    for p in parts:
        if out and p.kind == LIT and out[-1].kind == LIT and out[-1].quote == p.quote and out[-1].end == p.start:
            prev = out[-1]
            out[-1] = Part(LIT, prev.text + p.text, prev.start, p.end, p.quote)
        else:
            out.append(p)
    return out


def _after_line_break(text: str, pos: int) -> int:
    if text.startswith("\r\n", pos):
        return pos + 2
    return pos + 1


def _skip_parens(text: str, pos: int) -> int:
    """From an opening parenthesis to just after its match (quotes ignored: arithmetic)."""
    depth = 0
    i = pos
    while i < len(text):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(text)


def lex(seg: Segment, comments: Optional[List[Tuple[int, int]]] = None) -> List[Command]:
    """Every simple command of a segment, in source order (commands inside substitutions included).

    `comments`, when given, receives the segment spans of the shell comments.
    """
    if seg.argv is not None:
        cmd = Command()
        for value, s, e in seg.argv:
            # exec form: each JSON string is one word; offsets are source offsets here
            cmd.words.append(Word([Part(LIT, value, s, e, "json")], s, e))
        if cmd.words:
            cmd.start, cmd.end = cmd.words[0].start, cmd.words[-1].end
            return [cmd]
        return []
    lexer = _Lexer(seg)
    lexer.parse_list(0, "", False)
    if comments is not None:
        comments.extend(lexer.comments)
    commands = sorted(lexer.commands, key=lambda c: (c.start, c.index))
    for i, c in enumerate(commands):
        c.index = i
        c.unbalanced = lexer.unbalanced
    return commands


def assignments(commands: List[Command]) -> Dict[str, List[Tuple[int, Word]]]:
    """NAME -> [(command index, value word)] for NAME=value, export/readonly/local/declare NAME=value."""
    found: Dict[str, List[Tuple[int, Word]]] = {}
    for cmd in commands:
        if not cmd.words:
            for name, value in cmd.assignments:
                found.setdefault(name, []).append((cmd.index, value))
            continue
        prog = cmd.words[0].literal
        if prog in ("export", "readonly", "local", "declare", "typeset"):
            for w in cmd.words[1:]:
                first = w.parts[0] if w.parts else None
                if first is None or first.kind != LIT or first.quote:
                    continue
                m = _ASSIGNMENT.match(first.text)
                if m is not None:
                    found.setdefault(m.group(1), []).append((cmd.index, _value_word(w, m.end())))
    return found
