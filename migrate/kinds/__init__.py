"""The kinds of file circleci-v2 reads: one module per kind, listed in registry.py (one line each).

A kind says how its files are found (names, suffixes, `#!` interpreters, the
pre-commit types the hooks pass), which analyser and fixer read it, and, for a
text container (shell, Makefile, YAML, Dockerfile, Jenkinsfile), how its shell
regions are cut out (shell_regions.Segment), which variables it sets before the
shell runs, and how a comment is written in it. file_kind.FileKind is the
interface, with the defaults most kinds keep.

Nothing here imports the analysers: discovery reads the kinds on every run,
and a kind's regular expressions are compiled on first use (file_kind.pattern).
"""
