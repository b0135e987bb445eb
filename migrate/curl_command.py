"""The one reader of curl's command line, for curl run from Python and curl in text files.

Python (python/curl.py) reads words that are `Str` values (unknown parts kept);
shell, Makefiles, YAML, Dockerfiles and Jenkinsfiles (text/http_tools.py) read
lexed `Word`s that keep their source offsets. Both hand their words to
`read_curl` with a `CurlWords` that says how to see a word's option text and cut
an attached value (-XPOST, --data=...); the option table is curl_options.py.
What the options mean (verb, headers, body) is decided here once (`curl_verb`).
"""
from __future__ import annotations

from typing import Generic, List, Optional, Sequence, Tuple, TypeVar

from .curl_options import CURL_DATA_LONG, CURL_LONG_WITH_ARG, CURL_SHORT_NAMES, CURL_SHORT_WITH_ARG

W = TypeVar("W")
URL = "url"  # the name of a word that is no option: a URL (curl takes several)


class CurlWords(Generic[W]):
    """How a front end shows its words to the reader."""

    def option_text(self, word: W) -> Optional[str]:
        """The literal text an option word starts with (all of it that is known), or None: not an option."""
        raise NotImplementedError

    def attached(self, word: W, skip: int) -> W:
        """The word without its first `skip` characters of option text (-XPOST -> POST)."""
        raise NotImplementedError

    def continues(self, word: W, text: str, skip: int) -> bool:
        """Whether anything follows the first `skip` characters of the word (whose option text is `text`)."""
        return skip < len(text)


class CurlOption(Generic[W]):
    """One option (or URL word) of the command line, and the words it takes."""

    __slots__ = ("name", "first", "last", "value", "flags", "after_options")

    def __init__(self, name: str, first: int, last: int, value: Optional[W], flags: Tuple[str, ...] = (),
                 after_options: bool = False) -> None:
        self.name = name  # long name (--header), URL, or a short cluster's own text (-sS) when it takes no value
        self.first = first  # index of its first word
        self.last = last  # index of its last word
        self.value = value  # the value (the next word or the attached part), the word itself for a URL
        self.flags = flags  # long names of the value-less short options of a cluster (-sG: --get)
        self.after_options = after_options  # a URL word after `--`

    def names(self) -> Tuple[str, ...]:
        return (self.name,) + self.flags


def read_curl(words: Sequence[W], start: int, reader: CurlWords[W]) -> List[CurlOption[W]]:
    """The options and URL words of the curl command whose program word is words[start-1], in order."""
    out: List[CurlOption[W]] = []
    i = start
    options_done = False
    while i < len(words):
        w = words[i]
        text = None if options_done else reader.option_text(w)
        if text is None or text == "-":
            out.append(CurlOption(URL, i, i, w, after_options=options_done))
            i += 1
            continue
        if text == "--":
            options_done = True
            i += 1
            continue
        if text.startswith("--"):
            name, eq, _ = text.partition("=")
            if name not in CURL_LONG_WITH_ARG:
                option: CurlOption[W] = CurlOption(name, i, i, None)
            elif eq:
                option = CurlOption(name, i, i, reader.attached(w, len(name) + 1))
            elif i + 1 < len(words):
                option = CurlOption(name, i, i + 1, words[i + 1])
            else:
                option = CurlOption(name, i, i, None)
            out.append(option)
            i = option.last + 1
            continue
        # a cluster of short options (-sSfL, -XPOST, -sX POST): the first that takes a value ends it
        flags: List[str] = []
        option = CurlOption(text, i, i, None)
        for j in range(1, len(text)):
            c = text[j]
            if c in CURL_SHORT_WITH_ARG:
                long = CURL_SHORT_NAMES.get(c, "-" + c)
                if reader.continues(w, text, j + 1):
                    option = CurlOption(long, i, i, reader.attached(w, j + 1))
                elif i + 1 < len(words):
                    option = CurlOption(long, i, i + 1, words[i + 1])
                else:
                    option = CurlOption(long, i, i, None)
                break
            if c in CURL_SHORT_NAMES:
                flags.append(CURL_SHORT_NAMES[c])
        option.flags = tuple(flags)
        out.append(option)
        i = option.last + 1
    return out


def curl_verb(options: Sequence[CurlOption[W]]) -> Tuple[Optional[W], str]:
    """(the -X value, "") when the command names its verb; else (None, the verb curl sends).

    -I sends HEAD; a body sends POST unless -G moves it into the query; -T sends PUT; else GET.
    """
    explicit: Optional[W] = None
    named = [n for o in options for n in o.names()]
    for o in options:
        if o.name == "--request" and o.value is not None:
            explicit = o.value  # the last -X wins, as in curl
    if explicit is not None:
        return explicit, ""
    if "--head" in named:
        return None, "HEAD"
    if any(n in CURL_DATA_LONG for n in named) and "--get" not in named:
        return None, "POST"
    if "--upload-file" in named:
        return None, "PUT"
    return None, "GET"
