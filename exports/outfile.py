"""Write output files safely: temporary files in the target's folder, renamed when complete.

- :func:`atomic_output` writes one file; :class:`OutputSet` writes several as one change (a
  pre-translation and its report): every file goes to a temporary file, and the files are
  renamed into place only when all of them were written, so a failing command leaves no
  output and every earlier version as it was.
- A new file gets the permissions a plain ``open(…, "w")`` would give (``0o666`` less the
  umask); a file that is replaced keeps its mode. (``mkstemp`` alone makes every output
  ``0o600``.)
- :func:`check_outputs` refuses, before any work, an output that is the database, an input of
  the same command, another output of it, a folder, or in a folder that does not exist.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

from taiyaku.core.errors import ExportError

__all__ = ["atomic_output", "OutputSet", "check_outputs", "new_file_mode"]

PathLike = str | os.PathLike[str]


def new_file_mode() -> int:
    """The permission bits a newly created file gets: ``0o666`` less the process umask.

    >>> 0 <= new_file_mode() <= 0o666
    True
    """
    umask: int | None = None
    try:  # Linux ≥ 4.7 shows the umask without changing it (os.umask is not thread-safe)
        with open("/proc/self/status", encoding="ascii") as fp:
            for line in fp:
                if line.startswith("Umask:"):
                    umask = int(line.split()[1], 8)
                    break
    except (OSError, ValueError):
        umask = None
    if umask is None:
        umask = os.umask(0o022)
        os.umask(umask)
    return 0o666 & ~umask


def _real_target(path: PathLike) -> Path:
    """*path*, or the file a symbolic link at *path* points to (a link stays a link)."""
    target = Path(path)
    if target.is_symlink():
        return Path(os.path.realpath(target))
    return target


def _check_folder(target: Path, shown: PathLike) -> Path:
    if target.is_dir():
        raise ExportError(f"{shown}: is a directory; give a file name")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"{shown}: folder {folder} does not exist")
    return folder


class OutputSet:
    """Several output files written as one change: all of them appear, or none.

    Use as a context manager; :meth:`open` each file and write it. When the ``with`` block
    ends without an error the files are renamed over their targets (in the order opened;
    a rename within one folder does not fail once the data is written, short of the folder
    vanishing); on any error every temporary file is removed and the targets are untouched.

    :raises ExportError: a folder is missing or unwritable, the disk is full, or a record is
        too large for its format (the message starts with the file's name)

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with OutputSet() as outputs:
    ...     with outputs.open(folder / "a.txt") as fp:
    ...         _ = fp.write(b"one")
    ...     with outputs.open(folder / "b.txt") as fp:
    ...         _ = fp.write(b"two")
    >>> sorted(p.name for p in folder.iterdir())
    ['a.txt', 'b.txt']
    """

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path, PathLike]] = []  # (temporary, target, shown)

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None:
            self.discard()
            return
        self.commit()

    @contextlib.contextmanager
    def open(self, path: PathLike) -> Iterator[IO[bytes]]:
        """Yield a binary file for *path*; it replaces *path* when the whole set succeeds."""
        from taiyaku.exports.cells import CellTooLong

        target = _real_target(path)
        folder = _check_folder(target, path)
        # Character devices (/dev/null, /dev/full) cannot be renamed over: write to them
        # directly (there is no earlier version to keep).
        if target.exists() and not target.is_file():
            try:
                with open(target, "wb") as fp:
                    yield fp
                    fp.flush()
            except OSError as e:
                raise ExportError(f"{path}: cannot write ({e.strerror or e})") from None
            except CellTooLong as e:
                raise ExportError(f"{path}: {e}") from None
            return
        try:
            # The permission bits only: a set-user-ID bit has no business on a data file.
            mode = (stat.S_IMODE(target.stat().st_mode) & 0o777 if target.is_file()
                    else new_file_mode())
            fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part",
                                            dir=folder)
        except OSError as e:
            raise ExportError(f"{path}: cannot create a file in {folder} ({e.strerror})") \
                from None
        tmp = Path(tmp_name)
        self._pending.append((tmp, target, path))
        try:
            os.fchmod(fd, mode)
            with os.fdopen(fd, "wb") as fp:
                yield fp
                fp.flush()
                os.fsync(fp.fileno())
        except OSError as e:
            self.discard()
            raise ExportError(f"{path}: cannot write ({e.strerror or e})") from None
        except CellTooLong as e:
            self.discard()
            raise ExportError(f"{path}: {e}") from None
        except BaseException:
            self.discard()
            raise

    def commit(self) -> None:
        """Rename every written file over its target."""
        try:
            while self._pending:
                tmp, target, shown = self._pending[0]
                try:
                    os.replace(tmp, target)
                except OSError as e:
                    raise ExportError(f"{shown}: cannot write ({e.strerror or e})") from None
                self._pending.pop(0)
        finally:
            self.discard()

    def discard(self) -> None:
        """Remove every temporary file not renamed yet."""
        while self._pending:
            tmp, _, _ = self._pending.pop()
            tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_output(path: PathLike) -> Iterator[IO[bytes]]:
    """Yield a binary file; on success it replaces *path*, on any error *path* is untouched.

    :raises ExportError: the folder is missing or unwritable, or the disk is full

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_output(target) as fp:
    ...     _ = fp.write(b"done")
    >>> target.read_bytes()
    b'done'
    """
    with OutputSet() as outputs, outputs.open(path) as fp:
        yield fp


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.realpath(a) == os.path.realpath(b)


def check_outputs(outputs: Mapping[str, PathLike | None], *,
                  inputs: Mapping[str, PathLike | None] | None = None,
                  database: PathLike | None = None) -> None:
    """Refuse outputs that would destroy something, before any work is done.

    An output may not be the database (or its ``-wal``/``-shm``/``-journal`` files), an input
    of the same command, another output of it, a folder, or in a folder that does not exist.

    :param outputs: role → path (e.g. ``{"output": out, "report": rep}``); ``None`` skipped
    :param inputs: role → path of the files the command reads
    :param database: the database file (``None`` for an in-memory store)
    :raises ExportError: one line naming the output and what it would overwrite

    >>> check_outputs({"output": "a.db"}, database="a.db")
    Traceback (most recent call last):
    taiyaku.core.errors.ExportError: a.db: the output is the database itself; choose another ...
    >>> check_outputs({"output": "x.json", "report": "./x.json"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    taiyaku.core.errors.ExportError: ./x.json: the report would overwrite the output; give them ...
    """
    given = [(role, p) for role, p in outputs.items() if p is not None]
    protected: list[tuple[str, Path]] = []
    if database is not None and str(database) not in ("", ":memory:"):
        db = Path(database)
        protected.append(("the database itself", db))
        protected += [(f"the database's {s} file", Path(f"{db}-{s}"))
                      for s in ("wal", "shm", "journal")]
    protected += [(f"the {role} file", Path(p)) for role, p in (inputs or {}).items()
                  if p is not None and str(p) != "-"]
    for i, (role, path) in enumerate(given):
        target = Path(path)
        for what, other in protected:
            if _same_file(target, other):
                raise ExportError(f"{path}: the {role} is {what}; choose another file name"
                                  if what.startswith("the database") else
                                  f"{path}: the {role} would overwrite {what}; "
                                  "choose another file name")
        for other_role, earlier in given[:i]:
            if _same_file(target, Path(earlier)):
                raise ExportError(f"{path}: the {role} would overwrite the {other_role}; "
                                  "give them different names")
        _check_folder(_real_target(target), path)
