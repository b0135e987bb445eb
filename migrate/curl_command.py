"""The one reader of curl's command line, for curl run from Python and curl in text files.

Python (python/curl_calls.py) reads words that are `Str` values (unknown parts kept);
shell, Makefiles, YAML, Dockerfiles and Jenkinsfiles (text/http_tools.py) read
lexed `Word`s that keep their source offsets. Both hand their words to
`read_curl` with a `CurlWords` that says how to see a word's option text and cut
an attached value (-XPOST, --data=...); the option table is below.
What the options mean (verb, headers, body) is decided here once (`curl_verb`).
"""
from __future__ import annotations

from typing import Generic, List, Optional, Sequence, Tuple, TypeVar

# curl's options, as far as finding the URL, the verb and the body needs them
# short options that take a value (the rest of the word, or the next word)
CURL_SHORT_WITH_ARG = frozenset("XHdFuoTAebcwmErKxyYzCQDUtP")
CURL_LONG_WITH_ARG = frozenset({
    "--request", "--header", "--data", "--data-raw", "--data-binary", "--data-urlencode", "--data-ascii", "--json",
    "--form", "--form-string", "--user", "--output", "--upload-file", "--user-agent", "--referer", "--cookie",
    "--cookie-jar", "--write-out", "--max-time", "--connect-timeout", "--retry", "--retry-delay",
    "--retry-max-time", "--url", "--cert", "--key", "--cacert", "--capath", "--proxy", "--proxy-user", "--resolve",
    "--limit-rate", "--config", "--oauth2-bearer", "--range", "--interface", "--dump-header", "--trace",
    "--trace-ascii", "--stderr", "--max-filesize", "--speed-limit", "--speed-time", "--netrc-file", "--variable",
    "--expand-url", "--aws-sigv4", "--unix-socket", "--abstract-unix-socket", "--connect-to", "--proto",
    "--proto-redir", "--ciphers", "--tls-max", "--url-query", "--output-dir", "--create-file-mode",
    "--retry-all-errors-max", "--keepalive-time", "--dns-servers", "--happy-eyeballs-timeout-ms", "--max-redirs",
})
# the long name of each short option that matters here (the rest keep their short spelling)
CURL_SHORT_NAMES = {
    "X": "--request", "H": "--header", "d": "--data", "F": "--form", "u": "--user", "o": "--output",
    "T": "--upload-file", "K": "--config", "w": "--write-out", "E": "--cert", "A": "--user-agent",
    "e": "--referer", "b": "--cookie", "c": "--cookie-jar", "m": "--max-time", "x": "--proxy",
    "U": "--proxy-user", "D": "--dump-header", "r": "--range", "Y": "--speed-limit", "y": "--speed-time",
    "C": "--continue-at", "Q": "--quote", "t": "--telnet-option", "P": "--ftp-port", "z": "--time-cond",
    "G": "--get", "I": "--head",
}
# options that send a body, which makes curl's default verb POST
CURL_DATA_LONG = frozenset({"--data", "--data-raw", "--data-binary", "--data-urlencode", "--data-ascii", "--json",
                            "--form", "--form-string"})

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
