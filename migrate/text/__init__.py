"""circleci_v2.migrate.text: CircleCI API v1.1 calls in shell scripts, Makefiles, YAML, Dockerfiles, Jenkinsfiles.

`analyse(source, path, catalogue, kind)` is the check pipeline's entry point
for every kind of file that holds shell text (migrate/kinds/, `FileKind.analyser`);
the curl rewrite is circleci_v2.migrate.fix.curl_in_text.
"""
from .analyser import analyse

__all__ = ["analyse"]
