"""What a curl, wget or httpie command line sends: verb, URL, headers, body, credentials.

Only the command-line syntax of the three tools lives here (which options
take a value, which ones send a body); what a request means is decided by the
rules (circleci_v2.rules) in analyse.py.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

from ..curl_command import URL, CurlWords, curl_verb, read_curl
from ..curl_command import CURL_DATA_LONG
from .shell import LIT, Command, Word

CURL_PROGRAMS = {"curl"}
WGET_PROGRAMS = {"wget"}
HTTPIE_PROGRAMS = {"http", "https", "httpie", "xh", "xhs"}
PROGRAMS = CURL_PROGRAMS | WGET_PROGRAMS | HTTPIE_PROGRAMS

_WGET_SHORT_ARG = set("oOaietTwPUlARDIXQBe")
_HTTPIE_ARG = {"-a", "--auth", "-A", "--auth-type", "-p", "--print", "-o", "--output", "--verify", "--timeout",
               "--session", "--session-read-only", "--raw", "--cert", "--cert-key", "--cert-key-pass", "--proxy",
               "--max-redirects", "--pretty", "-s", "--style", "--format-options", "--boundary",
               "--default-scheme", "--response-charset", "--response-mime", "--ssl", "--ciphers", "-P"}
_HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}


class Arg:
    """One option of the command: the word(s) it takes."""

    __slots__ = ("name", "first", "last", "value")

    def __init__(self, name: str, first: int, last: int, value: Optional[Word]) -> None:
        self.name = name  # canonical long name (--header), "url", or "item" (httpie)
        self.first = first  # index of the option's first word in Command.words
        self.last = last  # index of its last word
        self.value = value  # the value word, or a Word made of the attached part (-XPOST)

    def __repr__(self) -> str:
        return f"Arg({self.name}, {self.first}..{self.last})"


class HttpRequest:
    """A request sent by curl, wget or httpie, as the command line says."""

    def __init__(self, tool: str, command: Command, program_index: int) -> None:
        self.tool = tool  # curl | wget | httpie
        self.command = command
        self.program_index = program_index
        self.verb: Optional[str] = "GET"  # None: set by a value we cannot read
        self.verb_label = ""  # the text that sets an unresolved verb, for messages
        self.url: Optional[Word] = None
        self.url_arg: Optional[Arg] = None
        self.args: List[Arg] = []
        self.headers: List[Word] = []
        self.opaque_options = False  # an option we cannot read ($CURL_OPTS, -K file): headers may hide there
        self.data: List[Arg] = []  # body options in order (curl -d/-F/--json, wget --post-data, httpie items)
        self.get_data = False  # curl -G: data goes to the query string
        self.user: Optional[Arg] = None  # curl -u / wget --user / httpie -a
        self.json_flag = False  # curl --json, httpie default JSON
        self.output: Optional[Word] = None  # -o FILE

    def header_names(self) -> List[Optional[str]]:
        """Lower-case header names, None for a header whose name is not written out."""
        names: List[Optional[str]] = []
        for h in self.headers:
            first = h.parts[0] if h.parts else None
            if first is None or first.kind != LIT or ":" not in first.text and ";" not in first.text:
                names.append(None)
                continue
            sep = min(i for i in (first.text.find(":"), first.text.find(";")) if i != -1)
            names.append(first.text[:sep].strip().lower())
        return names

    def header_value(self, name: str) -> Optional[Word]:
        """The value part of header `name` (a Word of the parts after the colon)."""
        for h, hn in zip(self.headers, self.header_names()):
            if hn == name:
                return _after_colon(h)
        return None


def _after_colon(word: Word) -> Word:
    from .shell import Part

    first = word.parts[0]
    i = first.text.find(":")
    rest = first.text[i + 1:].lstrip()
    skipped = len(first.text) - len(rest)
    parts = list(word.parts[1:])
    if rest:
        parts.insert(0, Part(LIT, rest, first.start + skipped, first.end, first.quote))
    return Word(parts, first.start + skipped, word.end)


def _attached(word: Word, skip: int) -> Word:
    """The part of an option word after its first `skip` literal characters (-XPOST -> POST)."""
    from .shell import Part

    first = word.parts[0]
    rest = first.text[skip:]
    parts = list(word.parts[1:])
    if rest:
        # the value starts inside the first part: offsets only exact for unquoted text
        parts.insert(0, Part(LIT, rest, first.start + skip if not first.quote else first.start, first.end,
                             first.quote))
    return Word(parts, first.start + skip, word.end)


def parse_request(cmd: Command) -> Optional[HttpRequest]:
    """The request a command sends, when it runs curl, wget or httpie."""
    program, index = cmd.program()
    if program is None:
        return None
    if program in CURL_PROGRAMS:
        return _curl(cmd, index)
    if program in WGET_PROGRAMS:
        return _wget(cmd, index)
    if program in HTTPIE_PROGRAMS:
        return _httpie(cmd, index)
    return None


def _option_text(word: Word) -> Optional[str]:
    """The literal start of a word that begins with `-`, else None."""
    first = word.parts[0] if word.parts else None
    if first is None or first.kind != LIT or not first.text.startswith("-"):
        return None
    return first.text


class _ShellWords(CurlWords[Word]):
    def option_text(self, word: Word) -> Optional[str]:
        return _option_text(word)

    def attached(self, word: Word, skip: int) -> Word:
        return _attached(word, skip)

    def continues(self, word: Word, text: str, skip: int) -> bool:
        return skip < len(text) or len(word.parts) > 1  # -X"$VERB"


_SHELL_WORDS = _ShellWords()


def _curl(cmd: Command, index: int) -> HttpRequest:
    req = HttpRequest("curl", cmd, index)
    options = read_curl(cmd.words, index + 1, _SHELL_WORDS)
    for o in options:
        if o.name == URL:
            w = o.value
            assert w is not None
            if not o.after_options and w.literal is None and w.parts and w.parts[0].kind != LIT \
                    and w.parts[0].quote == "":
                req.opaque_options = True  # an unquoted $VAR may carry options
            arg = Arg("url", o.first, o.last, w)
            if req.url is None:
                req.url, req.url_arg = w, arg
        else:
            arg = Arg(o.name, o.first, o.last, o.value)
        req.args.append(arg)
        if "--get" in o.flags:
            req.get_data = True
    for arg in req.args:
        if arg.name == "--header" and arg.value is not None:
            req.headers.append(arg.value)
        elif arg.name in CURL_DATA_LONG:
            req.data.append(arg)
            if arg.name == "--json":
                req.json_flag = True
        elif arg.name in ("--user", "--oauth2-bearer"):
            req.user = arg
        elif arg.name == "--get":
            req.get_data = True
        elif arg.name == "--config":
            req.opaque_options = True
        elif arg.name == "--output" and arg.value is not None:
            req.output = arg.value
        elif arg.name == "--url" and arg.value is not None and req.url is None:
            req.url, req.url_arg = arg.value, arg
    _prefer_url_like(req)
    explicit, verb = curl_verb(options)
    if explicit is not None:
        lit = explicit.literal
        req.verb, req.verb_label = (lit.upper() if lit else None), _raw_label(explicit)
    else:
        req.verb = verb
    return req


def _url_like(word: Word) -> bool:
    first = word.parts[0] if word.parts else None
    if first is None:
        return False
    if first.kind != LIT:
        return True  # $URL, ${CIRCLE_API}/...
    return "://" in first.text or first.text.startswith("/") or "/api/" in word.text_with("")


def _prefer_url_like(req: HttpRequest) -> None:
    """curl takes several URLs: when the first one is no URL (`revision=<ENTER SHA>` split by a `<` the
    script's author meant as a placeholder), the first word that looks like one is the request's URL."""
    if req.url is None or req.url_arg is None or req.url_arg.name != "url" or _url_like(req.url):
        return
    for arg in req.args:
        if arg.name == "url" and arg.value is not None and _url_like(arg.value):
            req.url, req.url_arg = arg.value, arg
            return


def _raw_label(word: Word) -> str:
    return "".join(p.text if p.kind == LIT else (p.text if p.kind != "var" else "$" + p.text) for p in word.parts)


def _wget(cmd: Command, index: int) -> HttpRequest:
    req = HttpRequest("wget", cmd, index)
    words = cmd.words
    i = index + 1
    method: Optional[Tuple[Optional[str], str]] = None
    while i < len(words):
        w = words[i]
        text = _option_text(w)
        if text is None:
            arg = Arg("url", i, i, w)
            req.args.append(arg)
            if req.url is None:
                req.url, req.url_arg = w, arg
            i += 1
            continue
        if text.startswith("--"):
            name, eq, _ = text.partition("=")
            takes = name in ("--method", "--post-data", "--post-file", "--body-data", "--body-file", "--header",
                             "--user", "--password", "--http-user", "--http-password", "--output-document",
                             "--output-file", "--tries", "--timeout", "--wait", "--directory-prefix",
                             "--user-agent", "--load-cookies", "--save-cookies", "--execute", "--input-file")
            if takes and eq:
                arg = Arg(name, i, i, _attached(w, len(name) + 1))
            elif takes and i + 1 < len(words):
                arg = Arg(name, i, i + 1, words[i + 1])
            else:
                arg = Arg(name, i, i, None)
        else:
            c = text[1:2]
            if c in _WGET_SHORT_ARG and len(text) == 2 and i + 1 < len(words):
                arg = Arg("-" + c, i, i + 1, words[i + 1])
            elif c in _WGET_SHORT_ARG and len(text) > 2:
                arg = Arg("-" + c, i, i, _attached(w, 2))
            else:
                arg = Arg(text, i, i, None)
        req.args.append(arg)
        i = arg.last + 1
    for arg in req.args:
        if arg.name == "--method" and arg.value is not None:
            lit = arg.value.literal
            method = (lit.upper() if lit else None, _raw_label(arg.value))
        elif arg.name == "--header" and arg.value is not None:
            req.headers.append(arg.value)
        elif arg.name in ("--post-data", "--post-file", "--body-data", "--body-file"):
            req.data.append(arg)
        elif arg.name in ("--user", "--http-user"):
            req.user = arg
        elif arg.name in ("-e", "--execute", "-i", "--input-file"):
            req.opaque_options = True
        elif arg.name in ("-O", "--output-document") and arg.value is not None:
            req.output = arg.value
    if method is not None:
        req.verb, req.verb_label = method
    elif any(a.name in ("--post-data", "--post-file") for a in req.data):
        req.verb = "POST"
    return req


def _httpie(cmd: Command, index: int) -> HttpRequest:
    req = HttpRequest("httpie", cmd, index)
    req.json_flag = True  # httpie sends JSON and asks for it
    words = cmd.words
    i = index + 1
    positional: List[Tuple[int, Word]] = []
    while i < len(words):
        w = words[i]
        text = _option_text(w)
        if text is None or positional:
            positional.append((i, w))
            i += 1
            continue
        name = text.partition("=")[0]
        if name in _HTTPIE_ARG:
            if "=" in text:
                arg = Arg(name, i, i, _attached(w, len(name) + 1))
            elif i + 1 < len(words):
                arg = Arg(name, i, i + 1, words[i + 1])
            else:
                arg = Arg(name, i, i, None)
        else:
            arg = Arg(name, i, i, None)
        req.args.append(arg)
        if name in ("-a", "--auth"):
            req.user = arg
        elif name in ("-f", "--form"):
            req.json_flag = False
        elif name in ("-o", "--output") and arg.value is not None:
            req.output = arg.value
        i = arg.last + 1
    if positional:
        first_i, first = positional[0]
        lit = first.literal
        if lit is not None and lit.upper() in _HTTP_METHODS and lit.isalpha() and len(positional) > 1:
            req.verb = lit.upper()
            req.args.append(Arg("--method", first_i, first_i, first))
            positional = positional[1:]
        elif lit is None and len(positional) > 1 and first.parts and first.parts[0].kind != LIT:
            # `http $METHOD $URL`: the verb is in a variable
            req.verb, req.verb_label = None, _raw_label(first)
            positional = positional[1:]
        url_i, url = positional[0]
        req.url, req.url_arg = url, Arg("url", url_i, url_i, url)
        req.args.append(req.url_arg)
        has_data = False
        for item_i, item in positional[1:]:
            kind = _httpie_item(item)
            arg = Arg("item:" + kind, item_i, item_i, item)
            req.args.append(arg)
            if kind == "header":
                req.headers.append(item)
            elif kind in ("data", "json", "file"):
                req.data.append(arg)
                has_data = True
        if has_data and req.verb == "GET" and not any(a.name == "--method" for a in req.args):
            req.verb = "POST"
    return req


def _httpie_item(word: Word) -> str:
    """header (Name:value), query (name==value), json (name:=value), file (name@path), data (name=value)."""
    text = word.text_with("\x00")
    best: Optional[Tuple[int, int, str]] = None
    for sep, kind in ((":=", "json"), ("==", "query"), ("=", "data"), ("@", "file"), (":", "header"),
                      (";", "header")):
        pos = text.find(sep)
        if pos > 0 and "\x00" not in text[:pos]:
            key = (pos, -len(sep), kind)  # the earliest separator wins; on a tie, the longer one (:= over :)
            if best is None or key < best:
                best = key
    return best[2] if best is not None else "unknown"
