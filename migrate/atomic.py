"""Write a whole file or nothing: a temporary file in the same folder, then os.replace.

Used for fixed source files, --output-file and --report alike. A reader sees the
old file or the new one, never half of either; a failure mid-way leaves the
original intact and removes the temporary file.
"""
from __future__ import annotations

import os
import stat
import tempfile


def replace_file(path: str, data: bytes) -> None:
    """Give `path` the bytes `data`, keeping an existing file's permission bits. Raises OSError."""
    real = os.path.realpath(path)  # through a symlink: the link keeps pointing at the new file
    folder = os.path.dirname(real) or "."
    try:
        mode = stat.S_IMODE(os.stat(real).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(real)}.", suffix=".circleci-v2.tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, real)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
