"""curl's command line, as far as finding the URL, the verb and the body needs it.

One table for both places that read curl commands: curl run from Python
(python/curl.py) and curl in shell, Makefiles, CI YAML, Dockerfiles and
Jenkinsfiles (text/http_tools.py).
"""

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
