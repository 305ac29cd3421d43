"""``taiyaku tm import`` / ``tm export``: TM files (TMX 1.4b, XLSX, CSV, TSV) in and out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import index
from .errors import InputError
from .model import TMUnit
from .printable import name_text, path_text, visible
from .progress import Progress, no_progress
from .store import Store
from .units import NewUnit, add_units

__all__ = ["import_tm", "export_tm", "ImportResult", "ExportResult", "iter_units"]


@dataclass(frozen=True)
class ImportResult:
    """Counts of one import."""

    path: str
    document: str
    read: int
    added: int
    duplicates: int

    def to_json(self) -> dict[str, Any]:
        """JSON for ``--json``."""
        return {"path": self.path, "document": self.document, "read": self.read,
                "added": self.added, "duplicates_skipped": self.duplicates}

    def summary(self) -> str:
        """One line for the terminal."""
        return (f"{visible(self.path)}: {self.added} units added, {self.duplicates} duplicates "
                f"skipped "
                f"({self.read} read) as document {self.document!r}")


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    path: str
    units: int
    format: str

    def to_json(self) -> dict[str, Any]:
        """JSON for ``--json``."""
        return {"path": self.path, "units": self.units, "format": self.format}

    def summary(self) -> str:
        """One line for the terminal."""
        return f"{visible(self.path)}: {self.units} units written ({self.format})"


def _new_units(
    units: Iterator[TMUnit], counter: list[int], progress: Progress
) -> Iterator[NewUnit]:
    for i, u in enumerate(units):
        props = dict(u.props)
        if u.document is not None:
            props["x-document"] = u.document
        if u.note:
            props["x-note"] = u.note
        counter[0] = i + 1
        if counter[0] % 10_000 == 0:
            progress(counter[0], None, "reading TMX")
        yield NewUnit(
            ja=u.ja,
            en=u.en,
            position=u.position if u.position is not None else i,
            bead=u.bead or "1-1",
            confidence=u.confidence if u.confidence is not None else 1.0,
            props=props,
            created=u.created,
        )


def import_tm(store: Store, path: Path, progress: Progress = no_progress) -> ImportResult:
    """Import a TM file (TMX, or XLSX/CSV/TSV through :mod:`exports.registry`) as one document
    named after the file (importing it again replaces it), skipping units already in the TM;
    all in one transaction.

    :raises InputError: the file is missing or not a supported format
    :raises ParseError: malformed or unsafe TMX (the database is left unchanged)

    >>> import tempfile, pathlib
    >>> from tm.store import Store
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.tmx"
    >>> _ = p.write_text('<tmx version="1.4"><header/><body><tu><tuv xml:lang="ja">'
    ...                  '<seg>対訳</seg></tuv><tuv xml:lang="en"><seg>parallel</seg></tuv>'
    ...                  '</tu></body></tmx>')
    >>> import_tm(Store.open(":memory:"), p).added
    1
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    from exports.registry import tm_format_for

    fmt = tm_format_for(path)  # by extension, else sniffed; InputError when nothing fits
    counter = [0]
    try:
        fp = open(path, "rb")
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    # The units table's hash indexes take random inserts: with SQLite's default 2 MB page
    # cache a large import thrashes (100k units took 90 s); 256 MB keeps them in memory.
    (cache,) = store.conn.execute("PRAGMA cache_size").fetchone()
    store.conn.execute("PRAGMA cache_size = -262144")
    try:
        with fp, store.atomic():
            # documents.kind allows 'tmx' for any imported TM file; layout names the format.
            doc_id = store.add_document(name_text(path), layout=fmt.name.lower(), kind="tmx",
                                        source_path=path_text(path))
            with index.deferred(store, progress):
                units = _new_units(fmt.read_units(fp, str(path)), counter, progress)
                ids = add_units(store, doc_id, units, skip_duplicates=True)
    finally:
        store.conn.execute(f"PRAGMA cache_size = {int(cache)}")
    added = sum(1 for i in ids if i is not None)
    progress(counter[0], counter[0], "imported")
    return ImportResult(path_text(path), name_text(path), counter[0], added, counter[0] - added)


_EXPORT_SQL = (
    "SELECT u.ja, u.en, d.name, u.position, u.confidence, u.bead, u.created, u.props "
    "FROM units u JOIN documents d ON d.id = u.doc_id ORDER BY u.doc_id, u.position, u.id"
)


def iter_units(store: Store) -> Iterator[TMUnit]:
    """Every stored unit as a :class:`TMUnit` (document order), streamed.

    A unit imported from TMX keeps its original ``x-document``; others carry their document's
    name.
    """
    cur = store.conn.execute(_EXPORT_SQL)
    while True:
        rows = cur.fetchmany(5000)
        if not rows:
            return
        for ja, en, doc, position, confidence, bead, created, props_json in rows:
            props: dict[str, str] = json.loads(props_json) if props_json else {}
            document = props.pop("x-document", doc)
            note = props.pop("x-note", None)
            yield TMUnit(ja=ja, en=en, document=document, position=position,
                         confidence=confidence, bead=bead, created=created, note=note,
                         props=props)


def export_tm(store: Store, path: Path) -> ExportResult:
    """Write the whole TM to *path* (format by extension: .tmx, .xlsx, .csv, .tsv) through a
    temporary file and a rename.

    :raises ExportError: unsupported extension or unwritable destination

    >>> import tempfile, pathlib
    >>> from tm.store import Store
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "tm.tmx"
    >>> export_tm(Store.open(":memory:"), out).units
    0
    """
    from exports.outfile import atomic_output
    from exports.registry import tm_format_for

    path = Path(path)
    fmt = tm_format_for(path, for_writing=True)  # ExportError for unknown extensions
    count = [0]

    def counted() -> Iterator[TMUnit]:
        for u in iter_units(store):
            count[0] += 1
            yield u

    with atomic_output(path) as fp:
        meta = {k: v for k, v in store.meta().items() if not k.startswith("fuzzy_")}
        fmt.write_units(counted(), fp, meta=meta)
    return ExportResult(path_text(path), count[0], fmt.name)
