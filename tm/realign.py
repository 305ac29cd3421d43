"""What a re-alignment keeps: confirmed beads survive ``ingest`` of a changed file.

When ingest replaces a stored document, the beads a person confirmed in it are carried over
to the new alignment: a confirmed bead whose Japanese and English segments occur again, with
the same texts, one after another and in document order after the previous carried bead,
is put into the new alignment as it was (still confirmed). Segments the aligner had paired
with any of its segments become unpaired (1-0 / 0-1) beads for a reviewer to look at. A
confirmed bead whose text is no longer in the file is dropped (nothing is left to pair).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from taiyaku.core.model import Bead, Segment
from taiyaku.store.beads import StoredBead
from taiyaku.store.interface import Store

__all__ = ["Carried", "carry_confirmed", "record_beads", "walk"]


@dataclass(frozen=True)
class Carried:
    """The new alignment's beads after confirmed ones were carried over.

    :ivar confirmed: indexes (into :attr:`beads`) of the carried, confirmed beads
    :ivar lost: confirmed beads whose segments are no longer in the document
    """

    beads: list[Bead]
    confirmed: frozenset[int]
    lost: int = 0


@dataclass(frozen=True, slots=True)
class _Group:
    ja: tuple[int, ...]
    en: tuple[int, ...]
    score: float
    fixed: bool


def walk(n_ja: int, n_en: int, groups: Sequence[_Group]) -> list[_Group]:
    """Order *groups* (each a bead over consecutive segments) into a monotone bead list over
    ``n_ja`` and ``n_en`` segments; segments in no group become 1-0 / 0-1 beads, and an
    unfixed group that would cross another is broken into such beads."""
    owner_ja: dict[int, _Group] = {}
    owner_en: dict[int, _Group] = {}
    for g in groups:
        owner_ja.update(dict.fromkeys(g.ja, g))
        owner_en.update(dict.fromkeys(g.en, g))

    def single(lang: str, k: int) -> _Group:
        return _Group((k,), (), 0.0, False) if lang == "ja" else _Group((), (k,), 0.0, False)

    def split(g: _Group) -> None:
        for k in g.ja:
            owner_ja[k] = single("ja", k)
        for k in g.en:
            owner_en[k] = single("en", k)

    out: list[_Group] = []
    i = j = 0
    while i < n_ja or j < n_en:
        a = owner_ja.get(i) if i < n_ja else None
        if i < n_ja and a is None:
            a = owner_ja[i] = single("ja", i)
        b = owner_en.get(j) if j < n_en else None
        if j < n_en and b is None:
            b = owner_en[j] = single("en", j)
        if a is not None and not a.en:
            out.append(a)
            i += len(a.ja)
        elif b is not None and not b.ja:
            out.append(b)
            j += len(b.en)
        elif a is b and a is not None and a.ja[0] == i and a.en[0] == j:
            out.append(a)
            i += len(a.ja)
            j += len(a.en)
        else:  # two paired groups that cross (or one side is used up): break the unfixed
            victim = a if a is not None and not a.fixed else b
            assert victim is not None
            split(victim)
    return out


def carry_confirmed(store: Store, name: str, ja: Sequence[Segment], en: Sequence[Segment],
                    beads: Sequence[Bead]) -> Carried:
    """Carry the confirmed beads of the stored document *name* into a new alignment of
    *ja* / *en* (call before that document is replaced, inside the same transaction).

    Example: a document whose bead 「米中の接近」↔"the U.S.–China thaw" was confirmed is
    ingested again after an edit elsewhere; that bead stays whatever the aligner says.
    """
    doc = store.documents.find(name)
    if doc is None:
        return Carried(list(beads), frozenset())
    doc_id = doc.id
    area = store.beads
    old = [b for b in area.beads(doc_id) if b.confirmed]
    if not old:
        return Carried(list(beads), frozenset())
    old_ja, old_en = area.segment_texts(doc_id, "ja"), area.segment_texts(doc_id, "en")
    new_ja, new_en = [s.text for s in ja], [s.text for s in en]
    forced: list[_Group] = []
    lost = 0
    at_ja = at_en = 0
    for b in old:
        want_ja = [old_ja[k] for k in b.ja_ids]
        want_en = [old_en[k] for k in b.en_ids]
        start_ja = _find(new_ja, want_ja, at_ja)
        start_en = _find(new_en, want_en, at_en)
        if start_ja is None or start_en is None:
            lost += 1
            continue
        g = _Group(tuple(range(start_ja, start_ja + len(want_ja))),
                   tuple(range(start_en, start_en + len(want_en))), b.score, True)
        forced.append(g)
        at_ja, at_en = start_ja + len(want_ja), start_en + len(want_en)
    claimed_ja = {k for g in forced for k in g.ja}
    claimed_en = {k for g in forced for k in g.en}
    groups = list(forced)
    for bead in beads:
        if claimed_ja.isdisjoint(bead.ja_ids) and claimed_en.isdisjoint(bead.en_ids):
            if bead.ja_ids and bead.en_ids:
                groups.append(_Group(bead.ja_ids, bead.en_ids, bead.score, False))
    ordered = walk(len(new_ja), len(new_en), groups)
    scores = {(b.ja_ids, b.en_ids): b.score for b in beads}
    out = [Bead(g.ja, g.en, g.score if g.fixed or g.en and g.ja
                else scores.get((g.ja, g.en), 0.0)) for g in ordered]
    confirmed = frozenset(k for k, g in enumerate(ordered) if g.fixed)
    return Carried(out, confirmed, lost)


def _find(texts: Sequence[str], want: Sequence[str], start: int) -> int | None:
    """First position ≥ *start* where *want* occurs in *texts* (``start`` for nothing)."""
    if not want:
        return start
    n = len(want)
    for k in range(start, len(texts) - n + 1):
        if texts[k] == want[0] and list(texts[k : k + n]) == list(want):
            return k
    return None


def record_beads(store: Store, doc_id: int, beads: Sequence[Bead],
                 ja_unit: Sequence[int | None], confirmed: frozenset[int] = frozenset()
                 ) -> None:
    """Store a freshly ingested document's beads (revision 0), with the unit each paired
    bead made (``ja_unit``: the unit of each Japanese segment, as ingest filled it in)."""
    store.beads.store_alignment(doc_id, [
        StoredBead(k, b.ja_ids, b.en_ids, float(b.score), k in confirmed,
                   ja_unit[b.ja_ids[0]] if b.ja_ids and b.en_ids else None)
        for k, b in enumerate(beads)])
