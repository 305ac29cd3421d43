"""The beads area on SQLite: stored alignments, per-document revisions and edit history.

Every statement about beads lives here. The TM units a bead change adds or removes go
through :func:`_add_units` and :func:`_delete_units`, which call the units area
(``store.units.add`` / ``store.units.delete``): it keeps the fuzzy index exact in the same
transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from taiyaku.core.errors import StoreError
from taiyaku.core.model import NewUnit
from taiyaku.store.beads import HISTORY_SIZE, BeadEdit, BeadUnit, StoredBead
from taiyaku.store.sqlite.schema import now_iso
from taiyaku.store.sqlite.units import hand_over

if TYPE_CHECKING:
    from taiyaku.store.sqlite import SqliteStore

__all__ = ["SqliteBeads"]


def _ids_text(ids: Sequence[int]) -> str:
    return ",".join(map(str, ids))


def _ids_of(text: str) -> tuple[int, ...]:
    return tuple(int(i) for i in text.split(",")) if text else ()


def _now() -> str:
    return str(now_iso())


class SqliteBeads:
    """The beads area of an open :class:`~taiyaku.store.sqlite.SqliteStore` (``store.beads``;
    see :class:`taiyaku.store.beads.BeadsArea` for what each method promises).

    :param store: the open store; writes run in its current transaction
    """

    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    # -- reading ---------------------------------------------------------------------------
    def beads(self, doc_id: int) -> list[StoredBead]:
        rows = self.store.conn.execute(
            "SELECT position, ja_ids, en_ids, score, confirmed, unit_id FROM beads "
            "WHERE doc_id = ? ORDER BY position", (doc_id,)).fetchall()
        if rows:
            return [StoredBead(int(p), _ids_of(j), _ids_of(e), float(s), bool(c),
                               None if u is None else int(u)) for p, j, e, s, c, u in rows]
        return self._from_segments(doc_id)

    def _from_segments(self, doc_id: int) -> list[StoredBead]:
        """The beads of a document stored before beads were kept, read back from which unit
        each segment went into (segments of one unit are one bead; the others are 1-0 and
        0-1 beads where they stand)."""
        conn = self.store.conn
        sides: dict[str, list[tuple[int, int | None]]] = {"ja": [], "en": []}
        for lang, position, unit_id in conn.execute(
                "SELECT lang, position, unit_id FROM segments WHERE doc_id = ? "
                "ORDER BY lang, position", (doc_id,)):
            sides[str(lang)].append((int(position), None if unit_id is None else int(unit_id)))
        if not sides["ja"] or not sides["en"]:
            return []
        confidence = dict(conn.execute(
            "SELECT id, confidence FROM units WHERE id IN "
            "(SELECT unit_id FROM segments WHERE doc_id = ?)", (doc_id,)).fetchall())
        ja, en = sides["ja"], sides["en"]
        out: list[StoredBead] = []
        i = j = 0
        while i < len(ja) or j < len(en):
            if i < len(ja) and ja[i][1] is None:
                out.append(StoredBead(len(out), (ja[i][0],), (), 0.0))
                i += 1
            elif j < len(en) and (en[j][1] is None or i == len(ja)):
                out.append(StoredBead(len(out), (), (en[j][0],), 0.0))
                j += 1
            else:
                unit = ja[i][1]
                ja_ids, en_ids = [], []
                while i < len(ja) and ja[i][1] == unit:
                    ja_ids.append(ja[i][0])
                    i += 1
                while j < len(en) and en[j][1] == unit:
                    en_ids.append(en[j][0])
                    j += 1
                out.append(StoredBead(len(out), tuple(ja_ids), tuple(en_ids),
                                      float(confidence.get(unit, 0.0)), False,
                                      unit if en_ids else None))
        return out

    def revision(self, doc_id: int) -> int:
        row = self.store.conn.execute(
            "SELECT revision FROM bead_revisions WHERE doc_id = ?", (doc_id,)).fetchone()
        return 0 if row is None else int(row[0])

    def segment_texts(self, doc_id: int, lang: str) -> list[str]:
        return [str(t) for (t,) in self.store.conn.execute(
            "SELECT text FROM segments WHERE doc_id = ? AND lang = ? ORDER BY position",
            (doc_id, lang))]

    def history(self, doc_id: int) -> list[BeadEdit]:
        rows = self.store.conn.execute(
            "SELECT revision, action, start, before, after, created FROM bead_edits "
            "WHERE doc_id = ? ORDER BY revision", (doc_id,)).fetchall()
        return [BeadEdit(doc_id, int(rev), str(action), int(start),
                         tuple(StoredBead.from_json(b) for b in json.loads(before)),
                         tuple(StoredBead.from_json(b) for b in json.loads(after)), str(created))
                for rev, action, start, before, after, created in rows]

    # -- writing ---------------------------------------------------------------------------
    def store_alignment(self, doc_id: int, beads: Sequence[StoredBead]) -> None:
        self._write_rows(doc_id, 0, beads)

    def _write_rows(self, doc_id: int, start: int, beads: Iterable[StoredBead]) -> None:
        self.store.conn.execute("DELETE FROM beads WHERE doc_id = ? AND position >= ?",
                                (doc_id, start))
        self.store.conn.executemany(
            "INSERT INTO beads(doc_id, position, ja_ids, en_ids, score, confirmed, unit_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(doc_id, b.position, _ids_text(b.ja_ids), _ids_text(b.en_ids), float(b.score),
              int(b.confirmed), b.unit_id) for b in beads])

    def replace(self, doc_id: int, start: int, count: int, new: Sequence[StoredBead],
                units: Sequence[BeadUnit | None], *, action: str,
                record: bool = True) -> BeadEdit:
        if not self.store.conn.in_transaction:
            raise StoreError("SqliteBeads.replace must run inside store.atomic()")
        old = self.beads(doc_id)
        if not self.store.conn.execute("SELECT 1 FROM beads WHERE doc_id = ? LIMIT 1",
                                       (doc_id,)).fetchone():
            self._write_rows(doc_id, 0, old)  # read back from the segments: kept from now on
        if not 0 <= start <= start + count <= len(old):
            raise StoreError(f"document {doc_id}: beads {start}…{start + count - 1} out of range")
        removed = old[start : start + count]
        kept = {b.unit_id for b in new if b.unit_id is not None}
        # New units first: their ids then lie above those of the units deleted below.
        wanted = [(k, u) for k, (b, u) in enumerate(zip(new, units, strict=True))
                  if b.paired and b.unit_id is None]
        if any(u is None for _, u in wanted):
            raise StoreError(f"document {doc_id}: a new paired bead has no unit text")
        made = _add_units(self.store, doc_id,
                          [(u.ja, u.en, new[k].kind, new[k].score) for k, u in wanted if u])
        placed = list(new)
        for (k, _), uid in zip(wanted, made, strict=True):
            placed[k] = replace(placed[k], unit_id=uid)
        gone = [b.unit_id for b in removed if b.unit_id is not None and b.unit_id not in kept]
        _delete_units(self.store, doc_id, gone)
        placed = [replace(b, position=start + k) for k, b in enumerate(placed)]
        tail = [replace(b, position=start + len(placed) + k)
                for k, b in enumerate(old[start + count:])]
        self._write_rows(doc_id, start, placed + tail)
        self._link_segments(doc_id, removed, placed)
        self._renumber_units(doc_id, old[:start] + placed + tail)
        revision = self.revision(doc_id) + 1
        self.store.conn.execute(
            "INSERT INTO bead_revisions(doc_id, revision) VALUES (?, ?) "
            "ON CONFLICT(doc_id) DO UPDATE SET revision = excluded.revision", (doc_id, revision))
        edit = BeadEdit(doc_id, revision, action, start, tuple(removed), tuple(placed), _now())
        if record:
            self.store.conn.execute(
                "INSERT INTO bead_edits(doc_id, revision, action, start, before, after, created)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (doc_id, revision, action, start,
                 json.dumps([b.to_json() for b in removed]),
                 json.dumps([b.to_json() for b in placed]), edit.created))
            self.store.conn.execute(
                "DELETE FROM bead_edits WHERE doc_id = ? AND revision NOT IN (SELECT revision "
                "FROM bead_edits WHERE doc_id = ? ORDER BY revision DESC LIMIT ?)",
                (doc_id, doc_id, HISTORY_SIZE))
        return edit

    def restore(self, doc_id: int, revision: int, history: Sequence[BeadEdit]) -> None:
        conn = self.store.conn
        conn.execute("DELETE FROM bead_edits WHERE doc_id = ?", (doc_id,))
        conn.executemany(
            "INSERT INTO bead_edits(doc_id, revision, action, start, before, after, created)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(doc_id, e.revision, e.action, e.start, json.dumps([b.to_json() for b in e.before]),
              json.dumps([b.to_json() for b in e.after]), e.created) for e in history])
        if revision or conn.execute("SELECT 1 FROM bead_revisions WHERE doc_id = ?",
                                    (doc_id,)).fetchone():
            conn.execute(
                "INSERT INTO bead_revisions(doc_id, revision) VALUES (?, ?) "
                "ON CONFLICT(doc_id) DO UPDATE SET revision = excluded.revision",
                (doc_id, revision))

    def drop_last_edit(self, doc_id: int, revision: int) -> None:
        self.store.conn.execute("DELETE FROM bead_edits WHERE doc_id = ? AND revision = ?",
                                (doc_id, revision))

    def _link_segments(self, doc_id: int, removed: Sequence[StoredBead],
                       placed: Sequence[StoredBead]) -> None:
        """Each segment names the unit its bead made (None when unpaired)."""
        links: dict[tuple[str, int], int | None] = {}
        for b in removed:
            links.update({("ja", i): None for i in b.ja_ids})
            links.update({("en", i): None for i in b.en_ids})
        for b in placed:
            links.update({("ja", i): b.unit_id for i in b.ja_ids})
            links.update({("en", i): b.unit_id for i in b.en_ids})
        self.store.conn.executemany(
            "UPDATE segments SET unit_id = ? WHERE doc_id = ? AND lang = ? AND position = ?",
            [(uid, doc_id, lang, pos) for (lang, pos), uid in links.items()])

    def _renumber_units(self, doc_id: int, beads: Sequence[StoredBead]) -> None:
        """Units are numbered in document order among the paired beads (as ingest does)."""
        want = {b.unit_id: n for n, b in enumerate(b for b in beads if b.unit_id is not None)}
        have = dict(self.store.conn.execute(
            "SELECT id, position FROM units WHERE doc_id = ?", (doc_id,)).fetchall())
        self.store.conn.executemany(
            "UPDATE units SET position = ? WHERE id = ?",
            [(n, uid) for uid, n in want.items() if uid in have and have[uid] != n])


# -- units and the fuzzy index: through the units area, which keeps the index exact ----------
def _add_units(store: SqliteStore, doc_id: int,
               units: Sequence[tuple[str, str, str, float]]) -> list[int]:
    """Add units (ja, en, bead type, confidence) to *doc_id* (``store.units.add``: the fuzzy
    index follows in the same transaction)."""
    if not units:
        return []
    (position,) = store.conn.execute(
        "SELECT coalesce(max(position), -1) + 1 FROM units WHERE doc_id = ?", (doc_id,)
    ).fetchone()
    ids = store.units.add(doc_id, [
        NewUnit(ja=ja, en=en, position=int(position) + k, bead=kind,
                confidence=min(1.0, max(0.0, float(score))))
        for k, (ja, en, kind, score) in enumerate(units)])
    return [int(i) for i in ids if i is not None]


def _delete_units(store: SqliteStore, doc_id: int, ids: Sequence[int]) -> None:
    """Take units out of the TM (``store.units.delete``: their ids leave the fuzzy index's
    posting lists and token codes, so the index stays exact). A unit another document holds
    too (``unit_holders``) passes to the oldest such document instead: a unit stays as long
    as any document holds it."""
    heirs = hand_over(store.conn, doc_id, ids)
    for uid in ids:
        if uid not in heirs:
            store.units.delete(uid)
