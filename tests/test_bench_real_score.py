"""bench/real/score: the arithmetic of the real-code measurement, on a tiny corpus of invented files.

Two runs: one through the real `circleci-v2 check` (files whose outcome every
version of the analyser must give: a textbook trigger, a v2-only script), and
one through a stand-in check that prints a fixed report, so that matching by
line and span, rule lists, error findings on info sites, negatives and
unmatched findings are each counted on known input.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from clirun import TRIGGER_ACCEPT, write

SCORE = Path(__file__).resolve().parents[1] / "bench" / "real" / "score"
COMMIT = "0" * 40


def run_score(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCORE), *args], capture_output=True, text=True, env=env, timeout=300)


def manifest(tmp: Path, files: list) -> Path:
    path = tmp / "manifest.json"
    path.write_text(json.dumps({"version": 1, "files": files}), encoding="utf-8")
    return path


def entry(repo: str, path: str, sites: list, negative: bool = False, tags: list | None = None) -> dict:
    return {"repo": repo, "path": path, "commit": COMMIT, "kind": "python", "negative": negative,
            "tags": tags or [], "sites": sites}


def site(lines: list, rule, deprecated: bool, endpoint: str = "X") -> dict:
    return {"lines": lines, "endpoint": endpoint, "rule": rule, "deprecated": deprecated}


def test_real_check_textbook_trigger_negative_wrong_line_and_missing_file(tmp_path: Path) -> None:
    texts = tmp_path / "texts"
    write(texts, "acme/app/trigger.py", TRIGGER_ACCEPT)  # the POST is on line 3
    write(texts, "acme/app/mislabelled.py", TRIGGER_ACCEPT)
    write(texts, "acme/web/v2.py", 'import requests\n\nrequests.get("https://circleci.com/api/v2/me", headers={"Circle-Token": "t"})\n')
    m = manifest(tmp_path, [
        entry("acme/app", "trigger.py", [site([3, 4], "CCI102", True)], tags=["textbook"]),
        entry("acme/app", "mislabelled.py", [site([9], "CCI102", True)], tags=["shifted"]),
        entry("acme/web", "v2.py", [], negative=True),
        entry("acme/gone", "lost.py", [site([1], "CCI107", True)]),
    ])
    proc = run_score("--texts", str(texts), "--manifest", str(m), "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    t = result["totals"]
    assert t["files"] == 4 and t["files_scored"] == 3
    assert t["deprecated"] == {"sites": 2, "found": 1, "right_rule": 1}
    assert t["negative_files"] == 1 and t["findings_on_negatives"] == 0
    # the mislabelled file: its site is missed and the real finding on line 3 is listed for review
    assert [(x["file"], x["lines"], x["tags"]) for x in result["misses"]] == [("acme/app/mislabelled.py", [9], ["shifted"])]
    assert [(u["file"], u["line"], u["rule"]) for u in result["unmatched_findings"]] == [("acme/app/mislabelled.py", 3, "CCI102")]
    assert result["missing_texts"] == [{"repo": "acme/gone", "path": "lost.py", "commit": COMMIT}]

    text = run_score("--texts", str(texts), "--manifest", str(m))
    assert text.returncode == 0
    assert "deprecated sites found: 1/2 (50%); right rule 1/1 (100%)" in text.stdout
    assert "acme/gone lost.py @ " + COMMIT in text.stdout


FAKE_CHECK = '''
import json, subprocess, sys
if sys.argv[1] == "rules":
    sys.exit(subprocess.call([sys.executable, "-m", "circleci_v2.migrate", *sys.argv[1:]]))
def f(path, line, rule, severity, end=None):
    return {"rule": rule, "path": path, "line": line, "end_line": end or line, "severity": severity, "message": "m"}
print(json.dumps({"version": 1, "errors": [{"path": "./o/p/b.py", "message": "syntax error"}], "findings": [
    f("o/p/a.py", 10, "CCI102", "error"),            # on the site's first line: found, right rule
    f("o/p/a.py", 10, "CCI120", "warning"),          # a request rule: not scored
    f("o/p/a.py", 20, "CCI101", "error"),            # a follow reported as a trigger: found, wrong rule, error on info
    f("o/p/a.py", 28, "CCI133", "info", end=31),     # span 28-31 reaches the site on line 30
    f("o/p/a.py", 50, "CCI131", "info"),             # matches no site
    f("./o/p/b.py", 5, "CCI107", "error"),           # a leading ./ names the same file
    f("./o/n/neg.py", 2, "CCI121", "warning"),       # any finding on a negative file counts
    f("o/c/ctx.py", 4, "CCI102", "error"),           # a context file is read, not scored
]}))
'''


def test_arithmetic_on_a_fixed_report(tmp_path: Path) -> None:
    texts = tmp_path / "texts"
    for rel in ("o/p/a.py", "o/p/b.py", "o/n/neg.py", "o/c/ctx.py"):
        write(texts, rel, "x = 1\n" * 60)
    fake = tmp_path / "fake_check.py"
    fake.write_text(FAKE_CHECK, encoding="utf-8")
    m = manifest(tmp_path, [
        entry("o/p", "a.py", [
            site([10], "CCI102", True),
            site([20], "CCI139", False),
            site([30], ["CCI133", "CCI131"], False),
            site([40], "CCI104", True),
            site([45], None, False),
        ], tags=["t1"]),
        {**entry("o/p", "b.py", [site([5], "CCI107", True), site([7], "CCI133", False)], tags=["t2"]), "holdout": True},
        {**entry("o/n", "neg.py", [], negative=True), "holdout": True},
        {**entry("o/c", "ctx.py", []), "context": True},
    ])
    proc = run_score("--texts", str(texts), "--manifest", str(m), "--command", f"{sys.executable} {fake}", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    t = result["totals"]
    assert t["deprecated"] == {"sites": 3, "found": 2, "right_rule": 2}
    assert t["info"] == {"sites": 3, "found": 2, "right_rule": 1}
    assert t["unresolved"] == {"sites": 1, "found": 0, "right_rule": 0}
    assert t["error_findings_on_info_sites"] == 1 and t["info_sites_with_error_findings"] == 1
    assert t["found_sites_with_other_rules"] == 1  # the follow site, reported as CCI101
    assert t["unmatched_findings_on_positives"] == 1
    assert t["auxiliary_findings"] == 1
    assert t["negative_files_with_findings"] == 1 and t["findings_on_negatives"] == 1
    assert t["context_files"] == 1 and t["context_findings"] == 1 and t["positive_files"] == 2
    assert t["check_errors"] == 1
    assert sorted((x["lines"][0], x["holdout"]) for x in result["misses"]) == [(7, True), (40, False), (45, False)]
    assert result["wrong_rule"] == [{"file": "o/p/a.py", "lines": [20], "endpoint": "X", "expected": ["CCI139"], "got": ["CCI101"]}]
    # the holdout files (b.py and neg.py) again on their own, from the same run
    h = result["holdout"]
    assert h["files"] == 2 and h["files_scored"] == 2 and h["positive_files"] == 1 and h["negative_files"] == 1
    assert h["deprecated"] == {"sites": 1, "found": 1, "right_rule": 1}
    assert h["info"] == {"sites": 1, "found": 0, "right_rule": 0}
    assert h["unresolved"] == {"sites": 0, "found": 0, "right_rule": 0}
    assert h["findings_on_negatives"] == 1 and h["error_findings_on_info_sites"] == 0
    assert h["unmatched_findings_on_positives"] == 0 and h["check_errors"] == 1
    assert h["by_kind"] == {"python": {"deprecated": {"sites": 1, "found": 1}, "info": {"sites": 1, "found": 0},
                                       "unresolved": {"sites": 0, "found": 0}}}

    text = run_score("--texts", str(texts), "--manifest", str(m), "--command", f"{sys.executable} {fake}")
    assert text.returncode == 0, text.stderr
    totals_part, held_part = text.stdout.split("holdout files only")
    assert "deprecated sites found: 2/3 (67%)" in totals_part
    assert "deprecated sites found: 1/1 (100%)" in held_part and "info sites found: 0/1 (0%)" in held_part
    assert "o/p/b.py:7 X -> CCI133 (info) [t2] [holdout]" in text.stdout


def test_bad_arguments_and_manifests_exit_2(tmp_path: Path) -> None:
    texts = tmp_path / "texts"
    texts.mkdir()
    missing = run_score("--texts", str(texts), "--manifest", str(tmp_path / "none.json"))
    assert missing.returncode == 2 and "manifest not found" in missing.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    assert run_score("--texts", str(texts), "--manifest", str(broken)).returncode == 2
    negative_with_sites = manifest(tmp_path, [entry("o/n", "neg.py", [site([1], "CCI102", True)], negative=True)])
    proc = run_score("--texts", str(texts), "--manifest", str(negative_with_sites))
    assert proc.returncode == 2 and "negative file has no sites" in proc.stderr
    good = manifest(tmp_path, [entry("o/n", "neg.py", [], negative=True)])
    nowhere = run_score("--texts", str(tmp_path / "nowhere"), "--manifest", str(good))
    assert nowhere.returncode == 2 and "texts folder not found" in nowhere.stderr
    assert run_score("--no-such-option").returncode == 2
    assert all("Traceback" not in p.stderr for p in (missing, proc, nowhere))


def test_holdout_rounds_are_counted_each_on_their_own(tmp_path: Path) -> None:
    texts = tmp_path / "texts"
    for rel in ("o/p/a.py", "o/p/b.py", "o/n/neg.py", "o/c/ctx.py"):
        write(texts, rel, "x = 1\n" * 60)
    fake = tmp_path / "fake_check.py"
    fake.write_text(FAKE_CHECK, encoding="utf-8")
    m = manifest(tmp_path, [
        entry("o/p", "a.py", [site([10], "CCI102", True)]),
        # b.py came in the second round; neg.py names no round, so it is in the first
        {**entry("o/p", "b.py", [site([5], "CCI107", True), site([7], "CCI133", False)], tags=["t2"]),
         "holdout": True, "batch": 2},
        {**entry("o/n", "neg.py", [], negative=True), "holdout": True},
        {**entry("o/c", "ctx.py", []), "context": True},
    ])
    proc = run_score("--texts", str(texts), "--manifest", str(m), "--command", f"{sys.executable} {fake}", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    first, second = result["holdout_batches"]["1"], result["holdout_batches"]["2"]
    assert first["files"] == 1 and first["negative_files"] == 1 and first["findings_on_negatives"] == 1
    assert first["deprecated"] == {"sites": 0, "found": 0, "right_rule": 0} and first["check_errors"] == 0
    assert second["files"] == 1 and second["positive_files"] == 1 and second["check_errors"] == 1
    assert second["deprecated"] == {"sites": 1, "found": 1, "right_rule": 1}
    assert second["info"] == {"sites": 1, "found": 0, "right_rule": 0}
    # the rounds add up to the holdout figures
    assert result["holdout"]["deprecated"] == second["deprecated"] and result["holdout"]["negative_files"] == 1
    assert [(x["lines"], x["batch"]) for x in result["misses"]] == [([7], 2)]

    text = run_score("--texts", str(texts), "--manifest", str(m), "--command", f"{sys.executable} {fake}")
    assert text.returncode == 0, text.stderr
    second_part = text.stdout.split("holdout batch 2 only:")[1]
    assert "deprecated sites found: 1/1 (100%)" in second_part and "info sites found: 0/1 (0%)" in second_part
    assert "o/p/b.py:7 X -> CCI133 (info) [t2] [holdout] [batch 2]" in text.stdout

    bad = manifest(tmp_path, [{**entry("o/p", "b.py", []), "holdout": True, "batch": 0}])
    refused = run_score("--texts", str(texts), "--manifest", str(bad))
    assert refused.returncode == 2 and "`batch` is a positive integer" in refused.stderr
