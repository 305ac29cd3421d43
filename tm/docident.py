"""Which stored document a file is: the same file again, a changed file, or a new document.

A document's identity is where it came from and what it held, not its base name:

- the *source* is the resolved absolute path of a regular file (both files' paths, for a
  two-file pair); standard input, a FIFO or ``<(…)`` have no lasting path, so their source
  is the name given and only their content identifies them;
- the same source with the same SHA-256 is **unchanged**: nothing to do;
- the same source (a regular file) with other content **replaces** the document stored from it;
- anything else is a **new** document. Its name is the file name; when another document holds
  that name, the shortest tail of its path that no other document's path ends with
  (``clientB/memory.tsv``, ``b/omegat/project_save.tmx``), else the name with a number
  (``memory.tsv (2)``).

An explicit name (``ingest --name``) that another source already uses is refused unless the
caller asks to replace it. Nothing is deleted unless it is the same file or the user asked.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from taiyaku.core.errors import InputError
from taiyaku.core.printable import name_text, path_text, quoted
from taiyaku.store.interface import Store

__all__ = ["Source", "Placement", "source_of", "place"]


@dataclass(frozen=True)
class Source:
    """Where a document comes from.

    :ivar key: resolved path(s) of regular files (``", "``-joined), else the name as given
    :ivar by_path: *key* is a lasting path, so a changed file replaces its document
    :ivar sha256: of the content read
    :ivar name: the default document name (the file's name; ``stdin`` for ``-``)
    :ivar folders: the resolved path's folders, innermost last (for distinct names)
    """

    key: str
    by_path: bool
    sha256: str
    name: str
    folders: tuple[str, ...] = ()


@dataclass(frozen=True)
class Placement:
    """What to do with a file.

    :ivar action: ``"new"``, ``"replace"`` (delete *name*, then store under it) or
        ``"unchanged"`` (the same file is stored as *name*: nothing to do)
    :ivar name: the document name to use (or that already holds the file)
    """

    action: str
    name: str


def source_of(paths: Sequence[str | os.PathLike[str]], sha256: str) -> Source:
    """The :class:`Source` of the file(s) *paths* whose content hashes to *sha256*.

    >>> s = source_of(["-"], "ab")
    >>> (s.key, s.by_path, s.name)
    ('<stdin>', False, 'stdin')
    """
    keys: list[str] = []
    by_path = True
    first = str(paths[0])
    for p in paths:
        text = str(p)
        if text == "-":
            keys.append("<stdin>")
            by_path = False
            continue
        path = Path(p)
        if path.is_file():
            # a file name of any bytes becomes valid text (\xNN for bytes that are not UTF-8)
            keys.append(path_text(path.resolve()))
        else:  # a pipe or device: its path names nothing lasting
            keys.append(path_text(text))
            by_path = False
    name = "stdin" if first == "-" else name_text(first) or path_text(first)
    folders = Path(keys[0]).parent.parts[1:] if by_path else ()
    return Source(", ".join(keys), by_path, sha256, name, tuple(folders))


def _free_name(store: Store, source: Source) -> str:
    if store.documents.find(source.name) is None:
        return source.name
    # The shortest tail of the path that no other document's source ends with: every OmegaT
    # project keeps omegat/project_save.tmx, so the folder that tells projects apart is
    # further up (a/omegat/… and b/omegat/… give b/omegat/project_save.tmx).
    for depth in range(1, len(source.folders) + 1):
        candidate = "/".join((*source.folders[-depth:], source.name))
        if store.documents.find(candidate) is None and not store.documents.source_ends_with(
                os.sep + os.path.join(*source.folders[-depth:], source.name)):
            return candidate
    n = 2
    while store.documents.find(f"{source.name} ({n})") is not None:
        n += 1
    return f"{source.name} ({n})"


def remove_named(store: Store, name: str) -> bool:
    """Remove the document called *name* before a file replaces it (inside the caller's
    transaction); True if there was one."""
    doc = store.documents.find(name)
    return doc is not None and store.documents.remove(doc.id) is not None


def place(store: Store, source: Source, *, name: str | None = None,
          replace: bool = False) -> Placement:
    """Decide where *source* goes (call inside the transaction that stores it).

    :param name: a name the user gave (``--name``)
    :param replace: the user asked to replace the document of that name (or of the file's
        name) whatever it came from
    :raises InputError: *name* is taken by a document from another source, without *replace*
    """
    wanted = name if name is not None else source.name
    if name is not None or replace:
        doc = store.documents.find(wanted)
        if doc is None:
            return Placement("new", wanted)
        source_path, sha = doc.source_path, doc.sha256
        if source_path == source.key and sha == source.sha256:
            return Placement("unchanged", wanted)
        if replace or (source_path == source.key and source.by_path):
            return Placement("replace", wanted)
        raise InputError(
            f"{source.key}: a document named {quoted(wanted)} is already stored (from "
            f"{source_path or 'elsewhere'}); give another --name, or add --replace to replace it"
        )
    earlier = store.documents.from_source(source.key)
    for doc in earlier:
        if doc.sha256 == source.sha256:
            return Placement("unchanged", doc.name)
    if earlier and source.by_path:
        return Placement("replace", earlier[0].name)
    return Placement("new", _free_name(store, source))
