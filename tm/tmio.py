"""``taiyaku tm import`` / ``tm export``: TM files in (TMX 1.4b, bilingual XLIFF, XLSX, CSV,
TSV) and out (TMX, XLSX, CSV, TSV)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from taiyaku.core.errors import InputError
from taiyaku.core.model import NewUnit, TMUnit
from taiyaku.core.printable import path_text, quoted, visible
from taiyaku.core.progress import Progress, no_progress
from taiyaku.store.interface import Store, StoredUnit, is_bookkeeping

__all__ = ["import_tm", "export_tm", "ImportResult", "ExportResult", "iter_units",
           "export_units", "ALSO_IN",
           "SKIP_REASONS", "file_sha256"]


#: why a unit read from a file was not stored, in words (the keys appear in ``--json``)
SKIP_REASONS = {
    "empty_side": "with an empty Japanese or English side",
    "not_ja_en": "without both Japanese and English",
    "no_target": "without a translation",
    "unconfirmed": "not confirmed (drafts: --include-drafts imports them)",
    "not_translatable": "marked translate=\"no\"",
}


@dataclass(frozen=True)
class ImportResult:
    """Counts of one import: every unit read is added, a duplicate, or skipped with a reason.

    :ivar status: ``"added"`` (a new document), ``"replaced"`` (the same file, changed, replaced
        its earlier import) or ``"unchanged"`` (the same file is already stored: nothing done)
    :ivar skipped: reason (a key of :data:`SKIP_REASONS`) → count
    """

    path: str
    document: str
    read: int
    added: int
    duplicates: int
    skipped: Mapping[str, int] = field(default_factory=dict)
    status: str = "added"
    format: str = ""

    def to_json(self) -> dict[str, Any]:
        """JSON for ``--json``."""
        return {"path": self.path, "document": self.document, "status": self.status,
                "format": self.format, "read": self.read, "added": self.added,
                "duplicates_skipped": self.duplicates, "skipped": dict(self.skipped)}

    def summary(self) -> str:
        """One line for the terminal."""
        if self.status == "unchanged":
            return (f"{visible(self.path)}: unchanged since it was imported as document "
                    f"{quoted(self.document)}; nothing to do")
        parts = [f"{self.added} unit{'' if self.added == 1 else 's'} added",
                 f"{self.duplicates} duplicate{'' if self.duplicates == 1 else 's'} skipped"]
        parts += [f"{n} skipped {SKIP_REASONS.get(reason, reason)}"
                  for reason, n in sorted(self.skipped.items())]
        verb = "replacing the earlier import of this file" if self.status == "replaced" else ""
        return (f"{visible(self.path)}: {', '.join(parts)} ({self.read} read) as document "
                f"{quoted(self.document)}{'; ' + verb if verb else ''}")


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote.

    :ivar merged: units not written because a unit with the same Japanese and English text
        was (its document is listed in that unit's ``x-also-in``)
    """

    path: str
    units: int
    format: str
    merged: int = 0

    def to_json(self) -> dict[str, Any]:
        """JSON for ``--json``."""
        return {"path": self.path, "units": self.units, "format": self.format,
                "duplicates_merged": self.merged}

    def summary(self) -> str:
        """One line for the terminal."""
        merged = (f"; {self.merged} identical pairs from other documents merged into them"
                  if self.merged else "")
        return f"{visible(self.path)}: {self.units} units written ({self.format}){merged}"


class _Tally:
    """Units read from one file: how many were handed on, and the skipped ones by reason."""

    def __init__(self) -> None:
        self.units = 0
        self.skipped: Counter[str] = Counter()
        self.languages: set[str] = set()

    def skip(self, _line: int | None, reason: str, languages: tuple[str, ...] = ()) -> None:
        self.skipped[reason] += 1
        self.languages.update(lang for lang in languages if lang)

    def one_sided(self, line: int | None, _side: str) -> None:
        self.skip(line, "empty_side")

    @property
    def read(self) -> int:
        return self.units + sum(self.skipped.values())


def _new_units(
    units: Iterator[TMUnit], tally: _Tally, progress: Progress
) -> Iterator[NewUnit]:
    for i, u in enumerate(units):
        props = dict(u.props)
        if u.document is not None:
            props["x-document"] = u.document
        if u.note:
            props["x-note"] = u.note
        tally.units = i + 1
        if tally.units % 10_000 == 0:
            progress(tally.units, None, "reading")
        yield NewUnit(
            ja=u.ja,
            en=u.en,
            position=u.position if u.position is not None else i,
            bead=u.bead or "1-1",
            confidence=u.confidence if u.confidence is not None else 1.0,
            props=props,
            created=u.created,
        )


def _ja_en(src: str | None, trg: str | None) -> bool | None:
    """True for a Japanese source and English target, False for the reverse, else None."""
    from taiyaku.exports.tmx import lang_code

    pair = (lang_code(src or ""), lang_code(trg or ""))
    return True if pair == ("ja", "en") else False if pair == ("en", "ja") else None


def _xliff_units(segments: Iterator[Any], tally: _Tally, include_drafts: bool
                 ) -> Iterator[TMUnit]:
    """The JA–EN segments of a bilingual XLIFF that go into the TM (translated and confirmed,
    or every translated one with *include_drafts*); the others are counted in *tally*."""
    for seg in segments:
        ja_first = _ja_en(seg.src_lang, seg.trg_lang)
        if ja_first is None:
            tally.skip(None, "not_ja_en", (seg.src_lang or "(none)", seg.trg_lang or "(none)"))
        elif not seg.translatable:
            tally.skip(None, "not_translatable")
        elif seg.target is None or not seg.target.strip():
            tally.skip(None, "no_target")
        elif not seg.source.strip():
            tally.skip(None, "empty_side")
        elif not (seg.confirmed or include_drafts):
            tally.skip(None, "unconfirmed")
        else:
            ja, en = (seg.source, seg.target) if ja_first else (seg.target, seg.source)
            props = {"x-xliff-id": seg.id}
            if seg.state:
                props["x-xliff-state"] = seg.state
            yield TMUnit(ja=ja, en=en, document=seg.file, note=seg.note, props=props)


def _nothing_to_import(name: str, tally: _Tally) -> InputError:
    """The refusal for a file none of whose units has a Japanese and an English side."""
    from taiyaku.exports.tmx import lang_code

    found = sorted(tally.languages)
    primaries = {lang_code(lang) for lang in found}
    if not tally.read:
        return InputError(f"{name}: has no translation units; nothing to import")
    if found and not {"ja", "en"} <= primaries or tally.skipped["not_ja_en"] == tally.read:
        return InputError(f"{name}: no Japanese–English pair (languages found: "
                          f"{', '.join(found) or 'none'}; taiyaku keeps ja and en)")
    reasons = ", ".join(f"{n} {SKIP_REASONS.get(r, r)}" for r, n in sorted(tally.skipped.items()))
    return InputError(f"{name}: none of its {tally.read} units can go into the TM ({reasons})")


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks.

    :raises InputError: the file cannot be read
    """
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fp:
            while block := fp.read(1 << 20):
                digest.update(block)
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    return digest.hexdigest()


def import_tm(store: Store, path: Path, progress: Progress = no_progress, *,
              include_drafts: bool = False, upload: str | None = None) -> ImportResult:
    """Import a TM file (TMX; bilingual XLIFF 1.2/2.x incl. .sdlxliff, .mqxliff, .mxliff;
    XLSX/CSV/TSV through :mod:`exports.registry`) as one document, skipping units already in
    the TM; all in one transaction.

    The document is recognised by the file's resolved path and content (:mod:`tm.docident`):
    the same file unchanged is left alone, the same file changed replaces its earlier import,
    another file of the same name becomes a document of its own (``b/project_save.tmx``).
    Units it shares with other documents are recorded as held by it too, so replacing either
    keeps them. Every unit read is counted: added, duplicate, or skipped with a reason.

    :param include_drafts: XLIFF: also import translated segments that are not confirmed
    :param upload: the file came by upload (the web workbench) under this name: it has no
        lasting path, so its content identifies it and the name is the document's name
    :raises InputError: the file is missing, not a supported format, or has no unit with both
        a Japanese and an English side (the languages found are named)
    :raises ParseError: malformed or unsafe file (the database is left unchanged)

    >>> import tempfile, pathlib
    >>> from taiyaku.store import open_store
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.tmx"
    >>> _ = p.write_text('<tmx version="1.4"><header/><body><tu><tuv xml:lang="ja">'
    ...                  '<seg>対訳</seg></tuv><tuv xml:lang="en"><seg>parallel</seg></tuv>'
    ...                  '</tu></body></tmx>')
    >>> import_tm(open_store(":memory:"), p).added
    1
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    from taiyaku.exports.registry import tm_format_for
    from taiyaku.tm.docident import place, remove_named, source_of

    fmt = tm_format_for(path)  # by extension, else sniffed; InputError when nothing fits
    source = source_of([path], file_sha256(path))
    if upload is not None:
        # an upload's temporary folder is no lasting path: known by its content, as ingest does
        source = replace(source, key=f"upload:{upload}", by_path=False, name=upload, folders=())
    tally = _Tally()
    try:
        fp = open(path, "rb")
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    with fp, store.transaction():
        placement = place(store, source)
        if placement.action == "unchanged":
            return ImportResult(path_text(path), placement.name, 0, 0, 0, status="unchanged",
                                format=fmt.name)
        if placement.action == "replace":
            remove_named(store, placement.name)
        # documents.kind allows 'tmx' for any imported TM file; layout names the format.
        doc_id = store.documents.add(placement.name, layout=fmt.name.lower(), kind="tmx",
                                     source_path=source.key, sha256=source.sha256)
        records = fmt.read_units(fp, str(path), one_sided=tally.one_sided,
                                 skipped=tally.skip)
        if fmt.name == "XLIFF":
            records = _xliff_units(records, tally, include_drafts)
        with store.units.bulk(progress):
            ids = store.units.add(doc_id, _new_units(records, tally, progress),
                                  skip_duplicates=True)
            if not ids:
                raise _nothing_to_import(str(path), tally)
    added = sum(1 for i in ids if i is not None)
    progress(tally.units, tally.units, "imported")
    status = "replaced" if placement.action == "replace" else "added"
    return ImportResult(path_text(path), placement.name, tally.read, added, tally.units - added,
                        dict(tally.skipped), status, fmt.name)


#: the prop that lists the other documents that hold a unit (one name per line)
ALSO_IN = "x-also-in"


def _with_holders(props: dict[str, str], names: list[str], own: str) -> None:
    """Add *names* (other documents holding the unit) to its ``x-also-in`` prop."""
    known = props[ALSO_IN].split("\n") if props.get(ALSO_IN) else []
    for name in names:
        if name != own and name not in known:
            known.append(name)
    if known:
        props[ALSO_IN] = "\n".join(known)


def _unit(stored: StoredUnit) -> TMUnit:
    props = dict(stored.props)
    document = props.pop("x-document", stored.document)
    note = props.pop("x-note", None)
    _with_holders(props, list(stored.also_in), document)
    return TMUnit(ja=stored.ja, en=stored.en, document=document, position=stored.position,
                  confidence=stored.confidence, bead=stored.bead, created=stored.created,
                  note=note, props=props)


def iter_units(store: Store) -> Iterator[TMUnit]:
    """Every stored unit as a :class:`TMUnit` (document order), streamed.

    A unit imported from TMX keeps its original ``x-document``; others carry their document's
    name. Documents that hold the unit too (they were skipped as its duplicates on import) are
    listed in its ``x-also-in`` prop, one name per line.
    """
    for stored in store.units.iterate():
        yield _unit(stored)


def export_units(store: Store, merged: list[int] | None = None) -> Iterator[TMUnit]:
    """The units a TM export writes: :func:`iter_units`, with units whose Japanese and English
    texts are identical written once: the first in document order, with the documents of
    the others added to its ``x-also-in``. Their own positions, confidences and props are not
    written (positions differ from document to document, so "only when the props differ"
    would keep nearly every duplicate).

    :param merged: when given, its first item is incremented per unit left out
    """
    # Pairs stored more than once are few (tm import skips duplicates; only ingest and
    # pre-existing data repeat them), so only those are held in memory.
    documents: dict[tuple[str, str], list[str]] = {}
    for ja, en, name in store.units.repeated_pairs():
        documents.setdefault((ja, en), []).append(name)
    repeated = {key: names for key, names in documents.items() if len(names) > 1}
    written: set[tuple[str, str]] = set()
    for unit in iter_units(store):
        names = repeated.get((unit.ja, unit.en))
        if names is None:
            yield unit
        elif (unit.ja, unit.en) in written:
            if merged is not None:
                merged[0] += 1
        else:
            written.add((unit.ja, unit.en))
            props = dict(unit.props)
            _with_holders(props, [n for n in names[1:] if n != names[0]], unit.document or "")
            yield replace(unit, props=props)


def export_tm(store: Store, path: Path) -> ExportResult:
    """Write the whole TM to *path* (format by extension: .tmx, .xlsx, .csv, .tsv) through a
    temporary file and a rename; a Japanese–English pair stored more than once is written
    once (:func:`export_units`).

    :raises ExportError: unsupported extension or unwritable destination

    >>> import tempfile, pathlib
    >>> from taiyaku.store import open_store
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "tm.tmx"
    >>> export_tm(open_store(":memory:"), out).units
    0
    """
    from taiyaku.exports.outfile import atomic_output, check_outputs
    from taiyaku.exports.registry import tm_format_for

    path = Path(path)
    fmt = tm_format_for(path, for_writing=True)  # ExportError for unknown extensions
    check_outputs({"output": path}, database=getattr(store, "path", None))
    count = [0]
    merged = [0]

    def counted() -> Iterator[TMUnit]:
        for u in export_units(store, merged):
            count[0] += 1
            yield u

    with atomic_output(path) as fp:
        meta = {k: v for k, v in store.meta.all().items() if not is_bookkeeping(k)}
        fmt.write_units(counted(), fp, meta=meta)
    return ExportResult(path_text(path), count[0], fmt.name, merged[0])
