"""Ingesting documents: read, split by language, segment, align, store in one transaction."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from taiyaku.core.errors import InputError
from taiyaku.core.model import Alignment, join_segments
from taiyaku.core.printable import path_text, quoted, visible
from taiyaku.core.progress import Progress, no_progress
from taiyaku.store.interface import NewSegment, Store
from taiyaku.tm.layout import LAYOUTS, Sides, split_document, split_presegmented
from taiyaku.tm.textio import decode_bytes, read_bytes, read_text

if TYPE_CHECKING:
    from taiyaku.core.japanese import Analyzer

__all__ = [
    "IngestOptions",
    "IngestResult",
    "Alignment",
    "align_document",
    "align_sides",
    "ingest_file",
    "join_segments",
]

#: beads under this confidence are counted as "weak" in summaries
WEAK_CONFIDENCE = 0.5


@dataclass(frozen=True)
class IngestOptions:
    """How to ingest one document.

    :ivar en_path: the English file of a two-file pair
    :ivar layout: one of :data:`tm.layout.LAYOUTS`
    :ivar presegmented: both files hold one segment per line
    :ivar name: document name in the TM (default: the file name; see :mod:`tm.docident`)
    :ivar review: write a side-by-side review here (``.html`` or ``.xlsx``)
    :ivar replace: replace the stored document of that name even if it came from another file
    :ivar upload: the file came by upload (the web workbench) under this name: it has no
        lasting path, so, as for standard input, its content identifies it and the name is
        the document's default name and its source
    """

    en_path: str | os.PathLike[str] | None = None
    layout: str = "auto"
    presegmented: bool = False
    name: str | None = None
    review: str | os.PathLike[str] | None = None
    replace: bool = False
    upload: str | None = None


def align_sides(sides: Sides, *, analyzer: Analyzer | None = None,
                lexicon: Sequence[tuple[str, str]] = ()) -> Alignment:
    """Align the two sides of a split document with :func:`tm.align.align`."""
    from taiyaku.tm.align import align

    beads = align(
        [s.text for s in sides.ja], [s.text for s in sides.en], analyzer=analyzer,
        ja_kinds=[s.kind for s in sides.ja], en_kinds=[s.kind for s in sides.en],
        lexicon=lexicon,
    )
    return Alignment(sides.ja, sides.en, beads, sides.layout, sides.message)


def _read_sides(path: str | os.PathLike[str], en_path: str | os.PathLike[str] | None,
                layout: str, presegmented: bool) -> Sides:
    if layout not in LAYOUTS:
        raise InputError(f"{path}: unknown layout {layout!r} (use one of {', '.join(LAYOUTS)})")
    text = read_text(path)
    en_text = read_text(en_path) if en_path is not None else None
    return _split(path, text, en_path, en_text, layout, presegmented)


def _split(path: str | os.PathLike[str], text: str, en_path: str | os.PathLike[str] | None,
           en_text: str | None, layout: str, presegmented: bool) -> Sides:
    name = str(path)
    if layout not in LAYOUTS:
        raise InputError(f"{name}: unknown layout {layout!r} (use one of {', '.join(LAYOUTS)})")
    en_name = str(en_path) if en_path is not None else "<english>"
    if presegmented:
        if en_text is None:
            raise InputError(f"{name}: --presegmented needs the English file as well")
        return split_presegmented(text, en_text, name=name, en_name=en_name)
    return split_document(text, layout=layout, name=name, en_text=en_text, en_name=en_name)


#: the command that reads each interchange format (found by its root element)
_IMPORTERS = {"tmx": ("TMX", "tm import"), "xliff": ("XLIFF", "tm import"),
              "tbx": ("TBX", "terms import")}
_IMPORTER_EXT = {".tmx": "tmx", ".tbx": "tbx", ".xlf": "xliff", ".xliff": "xliff",
                 ".sdlxliff": "xliff", ".mqxliff": "xliff", ".mxliff": "xliff"}


def _refuse_interchange(path: str | os.PathLike[str], data: bytes) -> None:
    """Refuse a TMX, XLIFF or TBX file: its markup is not a document's text.

    The root element decides (whatever the extension); a file that starts like XML with an
    interchange format's extension is refused too.
    """
    from taiyaku.exports.registry import XML_ROOTS, xml_root

    root = xml_root(data[:4096])
    kind = XML_ROOTS.get(root.lower()) if root else None
    if kind is None and root is not None:
        kind = _IMPORTER_EXT.get(Path(path).suffix.lower())
    if kind is None:
        return
    what, command = _IMPORTERS[kind]
    article = "an" if what == "XLIFF" else "a"
    raise InputError(f"{path}: is {article} {what} file (root element <{root}>), not a document to "
                     f"align; import it with `taiyaku {command} {path}`")


def align_document(
    path: str | os.PathLike[str],
    en_path: str | os.PathLike[str] | None = None,
    *,
    layout: str = "auto",
    presegmented: bool = False,
    analyzer: Analyzer | None = None,
) -> Alignment:
    """Split, segment and align a document without storing it.

    :param path: the bilingual file, or the Japanese file of a pair
    :param en_path: the English file of a pair
    :param layout: see :func:`tm.layout.split_document`
    :param presegmented: both files hold one segment per line (ids = 0-based line numbers)
    :raises InputError: unreadable files, a one-language document, a bad layout

    Example (``taiyaku align ja.txt en.txt --presegmented``)::

        alignment = align_document("ja.txt", "en.txt", presegmented=True)
        print(alignment.to_tsv())
    """
    if layout == "mono":
        raise InputError(f"{path}: --layout mono has nothing to align; use `taiyaku segment`")
    sides = _read_sides(path, en_path, layout, presegmented)
    if sides.layout == "mono":
        raise InputError(
            f"{path}: has no English text to align ({sides.message.removeprefix('layout: ')}); "
            "give the English file with --en"
        )
    if analyzer is None:
        from taiyaku.core.japanese import Analyzer

        analyzer = Analyzer()
    return align_sides(sides, analyzer=analyzer)


@dataclass(frozen=True)
class IngestResult:
    """What :func:`ingest_file` stored."""

    document: str
    doc_id: int
    kind: str
    layout: str
    message: str
    source: str
    ja_segments: int
    en_segments: int
    units: int
    unaligned_ja: int
    unaligned_en: int
    bead_counts: dict[str, int] = field(default_factory=dict)
    mean_confidence: float | None = None
    weak_beads: int = 0
    review: str | None = None
    replaced: bool = False
    #: ``"added"``, ``"replaced"`` or ``"unchanged"`` (the same file was already stored)
    status: str = "added"
    #: confirmed beads of the replaced version carried over / dropped (their text is gone)
    confirmed_kept: int = 0
    confirmed_lost: int = 0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict of every field."""
        return {
            "status": "replaced" if self.replaced else self.status,
            "document": self.document, "doc_id": self.doc_id, "kind": self.kind,
            "layout": self.layout, "message": self.message, "source": self.source,
            "ja_segments": self.ja_segments, "en_segments": self.en_segments,
            "units": self.units, "unaligned_ja": self.unaligned_ja,
            "unaligned_en": self.unaligned_en, "bead_counts": self.bead_counts,
            "mean_confidence": None if self.mean_confidence is None
            else round(self.mean_confidence, 4),
            "weak_beads": self.weak_beads, "review": self.review, "replaced": self.replaced,
            "confirmed_kept": self.confirmed_kept, "confirmed_lost": self.confirmed_lost,
        }

    def summary(self) -> str:
        """Several lines for people: layout decision, counts per bead type, confidence."""
        if self.status == "unchanged":
            return (f"Unchanged: {visible(self.source)} is already stored as document "
                    f"{quoted(self.document)}; nothing to do")
        verb = "Replaced" if self.replaced else "Ingested"
        lines = [f"{verb} {quoted(self.document)} ({self.kind}) from {visible(self.source)}",
                 f"  {self.message}"]
        lines.append(f"  segments: {self.ja_segments} Japanese, {self.en_segments} English")
        if self.kind == "bilingual":
            types = ", ".join(f"{k}: {v}" for k, v in self.bead_counts.items())
            lines.append(f"  beads: {types}")
            lines.append(
                f"  TM units: {self.units}; unaligned segments: {self.unaligned_ja} Japanese, "
                f"{self.unaligned_en} English"
            )
            mean = self.mean_confidence or 0.0
            lines.append(
                f"  mean confidence: {mean:.2f}; {self.weak_beads} paired beads below "
                f"{WEAK_CONFIDENCE}"
            )
        if self.confirmed_kept or self.confirmed_lost:
            lines.append(f"  confirmed beads carried over: {self.confirmed_kept}; dropped with "
                         f"their text: {self.confirmed_lost}")
        if self.review:
            lines.append(f"  review: {visible(self.review)}")
        return "\n".join(lines)


def _sha256(contents: Sequence[bytes]) -> str:
    """SHA-256 of the bytes already read (a pipe or standard input cannot be read again)."""
    digest = hashlib.sha256()
    for data in contents:
        digest.update(data)
        digest.update(b"\0")
    return digest.hexdigest()


def _check_review_path(review: str | os.PathLike[str] | None) -> None:
    """Refuse a review file whose extension no review writer takes, before any work is done."""
    if review is not None:
        from taiyaku.exports.registry import output_format_for

        output_format_for("review", review)


def ingest_file(
    store: Store,
    path: str | os.PathLike[str],
    options: IngestOptions = IngestOptions(),
    progress: Progress = no_progress,
) -> IngestResult:
    """Split, segment, align and store one document in one transaction.

    Aligned beads (1-1, 2-1 …) become TM units; 1-0 and 0-1 beads stay segments without a
    unit. Which document the file is follows :mod:`tm.docident`: the same file (path and
    content) again is left alone, the same file changed replaces its document, another file of
    the same name becomes a new document; each input is read once (``-``, FIFOs and ``<(…)``
    work). A TMX, XLIFF or TBX file is refused with the command that imports it.
    ``--layout mono`` (or an ``auto`` file with no English) stores segments only. The review
    file, when asked for, is written inside the same transaction: if it cannot be written
    nothing is stored.

    :raises InputError: unreadable input, a bilingual layout without English, review of a
        one-language document
    :raises ExportError: the review file cannot be written or has an unknown extension

    Example::

        with open_store("tm.db") as store:
            result = ingest_file(store, "article.txt", IngestOptions(review="review.html"))
            print(result.summary())
    """
    from taiyaku.core.gcpause import paused_gc

    with paused_gc():  # millions of short-lived objects and no cycles: see core.gcpause
        return _ingest_file(store, path, options, progress)


def _ingest_file(store: Store, path: str | os.PathLike[str], options: IngestOptions,
                 progress: Progress) -> IngestResult:
    from taiyaku.exports.outfile import check_outputs
    from taiyaku.tm.docident import place, remove_named, source_of

    check_outputs({"review": options.review},
                  inputs={"input": path, "English": options.en_path},
                  database=getattr(store, "path", None))
    _check_review_path(options.review)
    progress(0, 3, "reading")
    sources = [path] + ([options.en_path] if options.en_path is not None else [])
    contents = [read_bytes(p) for p in sources]  # each input is read once
    for p, data in zip(sources, contents, strict=True):
        _refuse_interchange(p, data)
    source = source_of(sources, _sha256(contents))
    if options.upload is not None:
        # an upload's temporary folder is no lasting path: like stdin, known by its content
        source = replace(source, key=f"upload:{options.upload}", by_path=False,
                         name=options.upload, folders=())
    placement = place(store, source, name=options.name, replace=options.replace)
    if placement.action == "unchanged":
        return _unchanged(store, placement.name, path)
    texts = [decode_bytes(data, "<stdin>" if str(p) == "-" else str(p))
             for p, data in zip(sources, contents, strict=True)]
    sides = _split(path, texts[0], options.en_path, texts[1] if len(texts) > 1 else None,
                   options.layout, options.presegmented)
    mono = sides.layout == "mono"
    if mono and options.review is not None:
        raise InputError(
            f"{path}: a one-language document has no alignment to review; drop --review"
        )
    progress(1, 3, "aligning")
    alignment: Alignment | None = None
    if not mono:
        from taiyaku.core.japanese import Analyzer

        alignment = align_sides(sides, analyzer=Analyzer())
    progress(2, 3, "storing")
    with store.transaction():
        # decided again under the write lock: another process may have stored it meanwhile
        placement = place(store, source, name=options.name, replace=options.replace)
        if placement.action == "unchanged":
            return _unchanged(store, placement.name, path)
        name = placement.name
        confirmed: frozenset[int] = frozenset()
        lost = 0
        if alignment is not None and placement.action == "replace":
            # what a person confirmed in the stored document outlives its re-alignment
            from taiyaku.tm.realign import carry_confirmed

            carried = carry_confirmed(store, name, alignment.ja, alignment.en, alignment.beads)
            alignment, confirmed = replace(alignment, beads=carried.beads), carried.confirmed
            lost = carried.lost
        replaced = placement.action == "replace" and remove_named(store, name)
        doc_id = store.documents.add(
            name, layout=sides.layout, kind="mono" if mono else "bilingual",
            source_path=source.key, sha256=source.sha256,
        )
        ja_unit: list[int | None] = [None] * len(sides.ja)
        en_unit: list[int | None] = [None] * len(sides.en)
        n_units = 0
        if alignment is not None:
            n_units = _store_units(store, doc_id, alignment, ja_unit, en_unit)
            from taiyaku.tm.realign import record_beads

            record_beads(store, doc_id, alignment.beads, ja_unit, confirmed)
        rows = [NewSegment("ja", i, s.text, s.kind, ja_unit[i]) for i, s in enumerate(sides.ja)]
        rows += [NewSegment("en", i, s.text, s.kind, en_unit[i]) for i, s in enumerate(sides.en)]
        store.segments.add(doc_id, rows)
        if alignment is not None and options.review is not None:
            from taiyaku.exports.review import write_review

            write_review(options.review, alignment, document_name=name)
    progress(3, 3, "done")
    return replace(_result(name, doc_id, sides, alignment, path, n_units, ja_unit, en_unit,
                           options.review, replaced),
                   confirmed_kept=len(confirmed), confirmed_lost=lost)


def _unchanged(store: Store, name: str, path: str | os.PathLike[str]) -> IngestResult:
    """The result for a file already stored as document *name*: nothing was done."""
    doc = next(d for d in store.documents.all() if d.name == name)
    return IngestResult(document=name, doc_id=doc.id, kind=doc.kind, layout=doc.layout,
                        message="already stored; nothing to do", source=path_text(path),
                        ja_segments=0, en_segments=0, units=0, unaligned_ja=0, unaligned_en=0,
                        status="unchanged")


def _store_units(store: Store, doc_id: int, alignment: Alignment,
                 ja_unit: list[int | None], en_unit: list[int | None]) -> int:
    from taiyaku.core.model import NewUnit

    paired = [b for b in alignment.beads if b.ja_ids and b.en_ids]
    units = []
    for position, bead in enumerate(paired):
        ja, en = alignment.texts(bead)
        units.append(NewUnit(ja=ja, en=en, position=position, bead=bead.kind,
                             confidence=min(1.0, max(0.0, float(bead.score)))))
    ids = store.units.add(doc_id, units)
    for bead, uid in zip(paired, ids, strict=True):
        for i in bead.ja_ids:
            ja_unit[i] = uid
        for j in bead.en_ids:
            en_unit[j] = uid
    return len(paired)


def _result(name: str, doc_id: int, sides: Sides, alignment: Alignment | None,
            path: str | os.PathLike[str], n_units: int, ja_unit: list[int | None],
            en_unit: list[int | None], review: str | os.PathLike[str] | None,
            replaced: bool) -> IngestResult:
    counts: dict[str, int] = {}
    mean = None
    weak = 0
    if alignment is not None:
        counts = alignment.bead_counts()
        mean = alignment.mean_confidence()
        weak = sum(1 for b in alignment.beads
                   if b.ja_ids and b.en_ids and b.score < WEAK_CONFIDENCE)
    return IngestResult(
        document=name, doc_id=doc_id, kind="mono" if alignment is None else "bilingual",
        layout=sides.layout, message=sides.message, source=path_text(path),
        ja_segments=len(sides.ja), en_segments=len(sides.en), units=n_units,
        unaligned_ja=sum(1 for u in ja_unit if u is None) if alignment is not None else 0,
        unaligned_en=sum(1 for u in en_unit if u is None) if alignment is not None else 0,
        bead_counts=counts, mean_confidence=mean, weak_beads=weak,
        review=path_text(review) if review is not None else None, replaced=replaced,
    )
