"""``taiyaku db copy``: everything of one store into another, through the storage interface only.

Because it reads and writes only :class:`~taiyaku.store.interface.Store` methods, it copies
any backend into any backend (a personal SQLite file into the team's PostgreSQL database and
back). What travels: documents (name, source, checksum, layout, kind, time added), their
segments with the unit each went into, beads with confirmations, each document's alignment
revision and undo history, units (texts, position, bead type, confidence, properties and
notes, time created; their ids may change), the documents that also hold a unit, glossary
entries with their ids, every form (kind, status, reading, part of speech, matching keys),
status, origin, the edited mark, notes, definitions, context, sources, evidence (its segment
and unit ids translated), times, the forms a person removed, dismissed candidates, QA false
positives, and the database's own meta (creation time; the destination keeps its signature
and its search index's bookkeeping, and the index is built as the units arrive).

Into an empty destination it is a copy. With ``merge`` the destination keeps everything it
has and nothing of it is overwritten that a person decided (see :func:`copy_store`).

All writes are ONE transaction on the destination: an error or Ctrl-C leaves it as it was.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from taiyaku.core.dburl import is_server_address, mask
from taiyaku.core.errors import InputError
from taiyaku.core.findings import Finding
from taiyaku.core.matchkeys import text_hash
from taiyaku.core.model import NewUnit
from taiyaku.core.normalize import normalize
from taiyaku.core.progress import Progress, no_progress
from taiyaku.store.beads import StoredBead
from taiyaku.store.glossary import StoredEntry
from taiyaku.store.interface import NewSegment, Store, StoredUnit, is_bookkeeping

__all__ = ["CopyResult", "copy_store", "copy_database", "is_empty"]

#: units read, added and reported per step
_CHUNK = 5000
#: glossary entries read per step
_TERM_CHUNK = 500


@dataclass(frozen=True, slots=True)
class CopyResult:
    """What ``db copy`` did.

    :ivar renamed: (name in the source, name given in the destination) of documents whose
        name the destination already had (``--merge``)
    :ivar units_merged: units the destination already had (same source and target text):
        not stored twice, the copied document holds the destination's unit
    :ivar terms_kept: source entries with the same forms as a destination entry that
        stays as it is (a person decided about it, or neither side did)
    :ivar terms_replaced: destination entries nobody had decided about (extracted
        candidates) replaced by the source's entry with the same forms, which a person had
    """

    source: str
    destination: str
    merge: bool
    documents: int = 0
    segments: int = 0
    units: int = 0
    units_merged: int = 0
    terms: int = 0
    terms_kept: int = 0
    terms_replaced: int = 0
    qa_false_positives: int = 0
    renamed: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["renamed"] = [{"source": a, "destination": b} for a, b in self.renamed]
        return out

    def summary(self) -> str:
        """What was copied, in a few lines."""
        how = "merged into" if self.merge else "copied to"
        lines = [f"{self.source} {how} {self.destination}: {self.documents} documents, "
                 f"{self.segments} segments, {self.units} units, {self.terms} terms, "
                 f"{self.qa_false_positives} QA false positives"]
        if self.units_merged:
            lines.append(f"  {self.units_merged} units were already there (same source and "
                         "target): not stored twice")
        if self.terms_kept or self.terms_replaced:
            lines.append(f"  terms with the same forms: {self.terms_kept} kept as the "
                         f"destination has them, {self.terms_replaced} unreviewed candidates "
                         "replaced by the reviewed source entry")
        for a, b in self.renamed:
            lines.append(f"  document {a!r} stored as {b!r} (the name was taken)")
        return "\n".join(lines)


@dataclass
class _Maps:
    """Old id → new id, per kind, filled as the copy goes."""

    documents: dict[int, int] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    units: dict[int, int] = field(default_factory=dict)
    segments: dict[int, int] = field(default_factory=dict)


def is_empty(store: Store) -> bool:
    """True when *store* holds no document, unit, glossary entry, dismissed term or QA false
    positive (meta and an empty schema do not count)."""
    counts = store.counts()
    if counts["documents"] or counts["units"] or counts["terms"]:
        return False
    area = store.glossary
    return not (area.dismissed("ja") or area.dismissed("en") or store.qa.all())


def _describe(store: Store) -> str:
    c = store.counts()
    return f"{c['documents']} documents, {c['units']} units, {c['terms']} terms"


def copy_store(src: Store, dst: Store, *, merge: bool = False,
               progress: Progress = no_progress, source: str = "source",
               destination: str = "destination") -> CopyResult:
    """Copy everything *src* holds into *dst* in one transaction on *dst*.

    A destination that holds anything is refused unless *merge*. With *merge*:

    - a unit with the same source and target text (after normalisation) as a destination
      unit is not stored twice: the copied document holds the destination's unit (as an
      import of a duplicate does), and its segments and beads point to it;
    - a document whose name the destination has is stored under the name with `` (2)``
      (`` (3)`` …) added; the destination's document stays as it is;
    - a glossary entry with exactly the same forms (language and matching key) as a
      destination entry is not added: the destination's entry stays, unless nobody decided
      about it (an extracted candidate, never edited) while a person decided about the
      source's one (reviewed, edited, added by hand or imported), which then replaces it.
      Other entries are added with new ids;
    - dismissed candidates, removed forms and QA false positives are added to the
      destination's; its meta stays.

    Without *merge*, glossary entries keep their ids.

    :param source: how to name *src* in messages (masked: no password)
    :raises InputError: *dst* is not empty and *merge* is not set
    """
    if not merge and not is_empty(dst):
        raise InputError(f"{destination}: the destination is not empty ({_describe(dst)}); "
                         "use --merge to add to it")
    totals = src.counts()
    maps = _Maps()
    with dst.transaction():
        if not merge:
            _copy_meta(src, dst)
        renamed = _copy_documents(src, dst, maps, merge)
        with dst.units.bulk(progress):
            units, merged = _copy_units(src, dst, maps, merge, progress, totals["units"])
        _copy_holders(src, dst, maps)
        segments = _copy_segments_and_beads(src, dst, maps)
        terms, kept, replaced = _copy_glossary(src, dst, maps, merge)
        qa = _copy_qa(src, dst)
    progress(totals["units"], totals["units"], "done")
    return CopyResult(source, destination, merge, len(maps.documents), segments, units,
                      merged, terms, kept, replaced, qa, tuple(renamed))


def _copy_meta(src: Store, dst: Store) -> None:
    """The source's own meta (its creation time …). The destination keeps its signature
    (versions, normaliser and scorer: its units are normalised by this taiyaku as they
    arrive) and its index bookkeeping (``fuzzy_*``: the index is the destination's own)."""
    from taiyaku.core.signature import static_meta

    own = set(static_meta())
    for key, value in src.meta.all().items():
        if key not in own and not is_bookkeeping(key):
            dst.meta.set(key, value)


def _free_name(dst: Store, name: str) -> str:
    n = 2
    while dst.documents.find(f"{name} ({n})") is not None:
        n += 1
    return f"{name} ({n})"


def _copy_documents(src: Store, dst: Store, maps: _Maps, merge: bool) -> list[tuple[str, str]]:
    renamed = []
    for doc in src.documents.all():
        name = doc.name
        if merge and dst.documents.find(name) is not None:
            name = _free_name(dst, name)
            renamed.append((doc.name, name))
        maps.documents[doc.id] = dst.documents.add(
            name, layout=doc.layout, kind=doc.kind, source_path=doc.source_path,
            sha256=doc.sha256, created=doc.created)
        maps.names[doc.name] = name
    return renamed


def _runs(units: Iterator[StoredUnit]) -> Iterator[list[StoredUnit]]:
    """Chunks of consecutive units of one document (iterate() gives document order)."""
    for _, run in itertools.groupby(units, key=lambda u: u.doc_id):
        while chunk := list(itertools.islice(run, _CHUNK)):
            yield chunk


def _pair_key(ja: str, en: str) -> tuple[int, int]:
    # what Units.add(skip_duplicates=True) compares: the normalised texts' hashes
    return text_hash(normalize(ja)), text_hash(normalize(en).lower())


def _existing_unit(dst: Store, unit: StoredUnit) -> int:
    """The id of the destination's unit that *unit* duplicates (the oldest one)."""
    want = _pair_key(unit.ja, unit.en)
    found = [uid for _, uid, ja, en, _ in dst.units.by_hashes("ja", [want[0]])
             if _pair_key(ja, en) == want]
    if not found:  # pragma: no cover - add() skipped it, so it exists
        raise InputError(f"unit {unit.id}: its duplicate in the destination was not found")
    return min(found)


def _copy_units(src: Store, dst: Store, maps: _Maps, merge: bool, progress: Progress,
                total: int) -> tuple[int, int]:
    added = merged = done = 0
    for chunk in _runs(src.units.iterate()):
        new = [NewUnit(u.ja, u.en, u.position, u.bead, u.confidence, dict(u.props), u.created)
               for u in chunk]
        ids = dst.units.add(maps.documents[chunk[0].doc_id], new, skip_duplicates=merge)
        for unit, uid in zip(chunk, ids, strict=True):
            if uid is None:
                maps.units[unit.id] = _existing_unit(dst, unit)
                merged += 1
            else:
                maps.units[unit.id] = uid
                added += 1
        done += len(chunk)
        progress(done, total, "units")
    return added, merged


def _copy_holders(src: Store, dst: Store, maps: _Maps) -> None:
    rows = []
    for unit_id, doc_id, position in src.units.holders():
        new_unit, new_doc = maps.units.get(unit_id), maps.documents.get(doc_id)
        if new_unit is not None and new_doc is not None:
            rows.append((new_unit, new_doc, position))
    if rows:
        owners = {u.id: u.doc_id for u in (dst.units.get(uid) for uid, _, _ in rows) if u}
        # a unit merged into one the destination document already owns needs no holder
        dst.units.add_holders([r for r in rows if owners.get(r[0]) != r[1]])


def _bead(b: StoredBead, units: dict[int, int]) -> StoredBead:
    return dataclasses.replace(b, unit_id=None if b.unit_id is None else units.get(b.unit_id))


def _copy_segments_and_beads(src: Store, dst: Store, maps: _Maps) -> int:
    count = 0
    for old, new in maps.documents.items():
        segments = src.segments.of_document(old)
        dst.segments.add(new, [NewSegment(s.lang, s.position, s.text, s.kind,
                                          None if s.unit_id is None else
                                          maps.units.get(s.unit_id)) for s in segments])
        placed = {(s.lang, s.position): s.id for s in dst.segments.of_document(new)}
        maps.segments.update((s.id, placed[(s.lang, s.position)]) for s in segments)
        count += len(segments)
        beads = src.beads.beads(old)
        if beads:
            dst.beads.store_alignment(new, [_bead(b, maps.units) for b in beads])
        history = [dataclasses.replace(
            e, doc_id=new, before=tuple(_bead(b, maps.units) for b in e.before),
            after=tuple(_bead(b, maps.units) for b in e.after))
            for e in src.beads.history(old)]
        revision = src.beads.revision(old)
        if revision or history:
            dst.beads.restore(new, revision, history)
    return count


def _translated(stored: StoredEntry, maps: _Maps) -> tuple[StoredEntry, dict[str, Any]]:
    """*stored* with the source's segment and unit ids and document names made the
    destination's (ids of things not copied are left out)."""
    evidence = dict(stored.evidence)
    for key, table in (("segments", maps.segments), ("units", maps.units)):
        ids = evidence.get(key)
        if isinstance(ids, list):
            evidence[key] = [table[i] for i in ids if isinstance(i, int) and i in table]
    entry = dataclasses.replace(
        stored.entry, evidence=tuple(_new_ids(maps.segments, stored.entry.evidence)),
        sources=tuple(maps.names.get(s, s) for s in stored.entry.sources))
    return dataclasses.replace(stored, entry=entry), evidence


def _new_ids(table: dict[int, int], ids: Sequence[int]) -> Iterator[int]:
    """The new ids of *ids* that were copied, in order."""
    return (table[i] for i in ids if i in table)


def _form_keys(stored: StoredEntry) -> frozenset[tuple[str, str]]:
    return frozenset((k.form.lang, k.norm) for k in stored.forms)


def _all_entries(store: Store) -> Iterator[StoredEntry]:
    ids = sorted(store.glossary.ranked_ids())
    for start in range(0, len(ids), _TERM_CHUNK):
        yield from store.glossary.stored(ids[start : start + _TERM_CHUNK])


def _copy_glossary(src: Store, dst: Store, maps: _Maps, merge: bool) -> tuple[int, int, int]:
    area = dst.glossary
    existing: dict[frozenset[tuple[str, str]], StoredEntry] = {}
    if merge:
        for e in _all_entries(dst):
            existing.setdefault(_form_keys(e), e)
    added = kept = replaced = 0
    for stored in _all_entries(src):
        stored, evidence = _translated(stored, maps)
        state = stored.state
        other = existing.get(_form_keys(stored)) if merge else None
        if other is not None:
            if other.state.protected or not state.protected:
                kept += 1
                continue
            assert other.entry.id is not None
            area.replace(other.entry.id, stored.entry, stored.forms, origin=state.origin,
                         edited=state.edited, evidence=evidence)
            area.note_removed(other.entry.id, sorted(stored.removed))
            replaced += 1
            continue
        new_id = area.add(stored.entry, stored.forms, origin=state.origin, edited=state.edited,
                          evidence=evidence, term_id=None if merge else stored.entry.id,
                          created=stored.created, updated=stored.updated)
        if stored.removed:
            area.note_removed(new_id, sorted(stored.removed))
        added += 1
    for lang in ("ja", "en"):
        keys = src.glossary.dismissed(lang)
        if keys:
            area.dismiss(lang, sorted(keys))
    return added, kept, replaced


def _copy_qa(src: Store, dst: Store) -> int:
    rows = src.qa.all()
    for file_id, group in itertools.groupby(rows, key=lambda r: r[0]):
        dst.qa.remember(file_id, [Finding(unit, check, "warning", source, target, "")
                                  for _, unit, check, source, target in group])
    return len(rows)


def _same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    if is_server_address(a) or is_server_address(b):
        return os.fspath(a) == os.fspath(b)
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def copy_database(source: str | os.PathLike[str], destination: str | os.PathLike[str], *,
                  merge: bool = False, progress: Progress = no_progress,
                  command: str = "taiyaku db copy") -> CopyResult:
    """Open the database at *source* (it must exist; only read) and the one at *destination*
    (created when missing) and :func:`copy_store` the first into the second.

    Addresses are whatever ``--db`` takes (a file, or a server address); messages name them
    with passwords masked.

    :raises InputError: both are the same database, or the destination is not empty
    """
    from taiyaku.store import open_store

    src_name, dst_name = mask(source), mask(destination)
    if _same_file(source, destination):
        raise InputError(f"{dst_name}: the source and the destination are the same database")
    src = open_store(source, create=False, readonly=True, command=command)
    try:
        dst = open_store(destination, command=command)
        try:
            return copy_store(src, dst, merge=merge, progress=progress, source=src_name,
                              destination=dst_name)
        finally:
            dst.close()
    finally:
        src.close()
