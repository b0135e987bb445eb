"""Write a whole file or nothing: a temporary file in the same folder, then os.replace.

Used for fixed source files, --output-file and --report alike. A reader sees the
old file or the new one, never half of either; a failure mid-way leaves the
original intact and removes the temporary file. The new file keeps the old one's
owner, group and permission bits; when the owner cannot be kept (only root may
give a file away) nothing is written. The temporary's name says who wrote it
(temporaries.py), so a later run can tell a leftover from a write in progress.
"""
from __future__ import annotations

import os
import stat
import tempfile

from .temporaries import TEMP_SUFFIX


class OwnerNotKept(PermissionError):
    """The replaced file would change owner or group: refused, nothing written."""


def replace_file(path: str, data: bytes) -> None:
    """Give `path` the bytes `data`, keeping an existing file's owner, group and mode. Raises OSError."""
    real = os.path.realpath(path)  # through a symlink: the link keeps pointing at the new file
    folder = os.path.dirname(real) or "."
    try:
        old = os.stat(real)
    except FileNotFoundError:
        old = None
    if old is not None:
        mode = stat.S_IMODE(old.st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    prefix = f".{os.path.basename(real)}.{os.getpid()}."
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=TEMP_SUFFIX)
    try:
        try:
            if old is not None:
                mine = os.fstat(fd)
                if (mine.st_uid, mine.st_gid) != (old.st_uid, old.st_gid):
                    try:
                        os.fchown(fd, old.st_uid, old.st_gid)
                    except PermissionError:
                        raise OwnerNotKept(
                            f"cannot keep its owner {old.st_uid}:{old.st_gid} (replacing it would make it "
                            f"{mine.st_uid}:{mine.st_gid}); left unchanged") from None
            os.fchmod(fd, mode)  # after the chown, which may clear set-id bits
        except BaseException:
            os.close(fd)
            raise
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, real)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
