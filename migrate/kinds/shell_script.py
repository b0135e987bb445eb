"""Shell scripts: the whole file is one shell region."""
from __future__ import annotations

from typing import List

from .file_kind import FileKind, hash_comment
from .shell_regions import Segment


class ShellScript(FileKind):
    name = "shell"
    suffixes = (".sh", ".bash", ".zsh", ".ksh", ".bats", ".csh", ".tcsh")
    # start-up files and build recipes that are shell scripts by name (the hooks pass them as `shell`)
    file_names = (".bashrc", ".bash_profile", ".bash_aliases", ".profile", ".envrc", "direnvrc", ".zshrc",
                  ".zprofile", ".zshenv", ".zlogin", ".zlogout", ".cshrc", "pkgbuild")
    shebangs = ("sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "csh", "tcsh", "bats")
    precommit_types = ("shell",)

    def segments(self, source: str) -> List[Segment]:
        return shell_segments(source)

    def in_comment(self, source: str, line_start: int, hit: int) -> bool:
        return hash_comment(source[line_start:hit])


KIND = ShellScript()


def shell_segments(source: str) -> List[Segment]:
    seg = Segment("shell")
    seg.add_source(source, 0, len(source))
    return [seg.finish()]
