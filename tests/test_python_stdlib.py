"""The installed standard library holds no CircleCI call: the analyser must report nothing and crash on nothing.

Every .py file is analysed, not only those passing the byte pre-filter (none would): ~1,800 files in
about 10 s here. site-packages is not the standard library and is skipped.
"""
from __future__ import annotations

import io
import os
import sysconfig
import tokenize

from circleci_v2.migrate.python import analyse
from circleci_v2.rules import load_catalogue


def _stdlib_files():
    root = sysconfig.get_paths()["stdlib"]
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in ("site-packages", "dist-packages", "__pycache__"))
        for name in sorted(filenames):
            if name.endswith(".py"):
                yield os.path.join(dirpath, name)


def test_standard_library_reports_nothing_and_crashes_on_nothing():
    catalogue = load_catalogue()
    analysed = unparsable = 0
    findings = []
    for path in _stdlib_files():
        with open(path, "rb") as fh:
            data = fh.read()
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
            source = data.decode(encoding)
        except (SyntaxError, UnicodeDecodeError, LookupError):
            continue  # undecodable test data: the CLI reports those before analysis
        try:
            findings.extend(analyse(source, path, catalogue))
        except SyntaxError:
            unparsable += 1  # lib2to3 fixtures, bad_coding tests: deliberately broken files
            continue
        analysed += 1
    assert analysed > 500, "the standard library was not found"
    assert unparsable < 20
    assert [(f.path, f.line, f.rule_id) for f in findings] == []
