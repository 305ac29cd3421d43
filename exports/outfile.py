"""Write output files atomically: a temporary file in the same folder, renamed when complete."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from tm.errors import ExportError

__all__ = ["atomic_output"]


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """Yield a binary file; on success it replaces *path*, on any error *path* is untouched.

    :raises ExportError: the folder is missing or unwritable, or the disk is full

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_output(target) as fp:
    ...     _ = fp.write(b"done")
    >>> target.read_bytes()
    b'done'
    """
    target = Path(path)
    if target.is_dir():
        raise ExportError(f"{target}: is a directory; give a file name")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"{target}: folder {folder} does not exist")
    # Character devices (/dev/null, /dev/full) cannot be renamed over: write to them directly.
    if target.exists() and not target.is_file():
        try:
            with open(target, "wb") as fp:
                yield fp
                fp.flush()
        except OSError as e:
            raise ExportError(f"{target}: cannot write ({e.strerror or e})") from None
        return
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as e:
        raise ExportError(f"{target}: cannot create a file in {folder} ({e.strerror})") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fp:
            yield fp
            fp.flush()
            os.fsync(fp.fileno())
        os.replace(tmp, target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"{target}: cannot write ({e.strerror or e})") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
