"""``taiyaku review apply``: a reviewer's corrections from a review XLSX, applied to the TM.

What a reviewer can write (one correction per row, case and spaces ignored):

- "OK?" column: ``yes``, ``y``, ``ok``, ``x``, ``✓``, ``1`` or ``true`` confirm the bead (no
  re-alignment undoes it); ``no``, ``n``, ``0`` or ``false`` take a confirmation back; empty
  leaves it as it is.
- "correction / note" column:

  - ``unpair``: these segments do not belong together (the bead's TM unit goes);
  - ``merge``: merge this bead with the next one in the document;
  - ``pair ja=3,4 en=5``: pair exactly these segments (ids as in the ja_ids / en_ids
    columns; ``3-4`` is a range; a side left out is this row's own ids on that side);
  - ``note: …`` or ``# …``: a note, ignored; empty: nothing.

Rows are applied in document order, each to the bead its ja_ids / en_ids show; every bead a
correction makes is confirmed. Everything goes in one transaction (one undoable edit): a row
that cannot be read or applied is a one-line error naming it, and nothing is changed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from taiyaku.core.errors import InputError
from taiyaku.core.printable import quoted, visible
from taiyaku.exports.review import ReviewedRow, read_review
from taiyaku.store.beads import StoredBead
from taiyaku.store.interface import Store
from taiyaku.tm import alignedit

__all__ = ["ReviewApplied", "apply_review", "parse_correction", "Correction",
           "YES", "NO", "COMMANDS"]

#: "OK?" values that confirm a bead / take a confirmation back
YES = ("yes", "y", "ok", "x", "✓", "1", "true")
NO = ("no", "n", "0", "false")
#: what a correction cell can say
COMMANDS = ("unpair", "merge", "pair")

_SIDE = re.compile(r"(ja|en)\s*[=:]\s*([0-9][0-9,\s\-]*)")


@dataclass(frozen=True, slots=True)
class Correction:
    """One parsed correction: ``unpair``, ``merge`` or ``pair`` (with its segment ids)."""

    command: str
    ja_ids: tuple[int, ...] = ()
    en_ids: tuple[int, ...] = ()


def _id_list(text: str) -> tuple[int, ...]:
    out: list[int] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        lo, sep, hi = part.partition("-")
        if sep:
            a, b = int(lo), int(hi)
            if b < a:
                raise ValueError(part)
            out.extend(range(a, b + 1))
        else:
            out.append(int(part))
    return tuple(out)


def parse_correction(text: str, row: ReviewedRow) -> Correction | None:
    """The correction a cell says, None for a note or nothing.

    :raises InputError: the cell says something else (the message names the row)

    >>> from taiyaku.exports.review import ReviewedRow
    >>> r = ReviewedRow(5, 3, (2,), (2,), "", "")
    >>> parse_correction("Pair en=3-4", r)
    Correction(command='pair', ja_ids=(2,), en_ids=(3, 4))
    >>> parse_correction("note: check the name", r) is None
    True
    """
    t = " ".join(text.split()).lower()
    if not t or t.startswith("#") or t.startswith("note:"):
        return None
    word, _, rest = t.partition(" ")
    if word in ("unpair", "merge") and not rest:
        return Correction(word)
    if word == "pair":
        sides = {"ja": row.ja_ids, "en": row.en_ids}
        left = _SIDE.sub("", rest).strip()
        try:
            given = {m.group(1): _id_list(m.group(2)) for m in _SIDE.finditer(rest)}
        except ValueError:
            given, left = {}, rest
        if given and not left:
            sides.update(given)
            return Correction("pair", sides["ja"], sides["en"])
    raise InputError(
        f"row {row.row}: cannot read the correction {text.strip()!r}; write unpair, merge "
        "(with the next bead), pair ja=3,4 en=5, or note: … for a note")


@dataclass(frozen=True)
class ReviewApplied:
    """What ``review apply`` changed."""

    path: str
    document: str
    revision: int
    rows: int
    corrections: list[dict[str, Any]] = field(default_factory=list)
    confirmed: int = 0
    unconfirmed: int = 0
    units_added: int = 0
    units_removed: int = 0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"file": self.path, "document": self.document, "revision": self.revision,
                "rows": self.rows, "corrections": self.corrections,
                "confirmed": self.confirmed, "unconfirmed": self.unconfirmed,
                "units_added": self.units_added, "units_removed": self.units_removed}

    def summary(self) -> str:
        """A few lines for people."""
        if not self.corrections and not self.confirmed and not self.unconfirmed:
            return (f"Nothing to apply: {visible(self.path)} has no OK? or correction filled "
                    f"in for {quoted(self.document)}")
        lines = [f"Applied {visible(self.path)} to {quoted(self.document)} (revision "
                 f"{self.revision}): {len(self.corrections)} correction"
                 f"{'s' if len(self.corrections) != 1 else ''}, {self.confirmed} bead"
                 f"{'s' if self.confirmed != 1 else ''} confirmed, {self.unconfirmed} "
                 "unconfirmed"]
        for c in self.corrections:
            lines.append(f"  row {c['row']}: {c['command']} → "
                         + ", ".join(f"ja {_ids(b['ja_ids'])} / en {_ids(b['en_ids'])}"
                                     for b in c["made"]))
        lines.append(f"  TM units: {self.units_added} added, {self.units_removed} removed")
        return "\n".join(lines)


def _ids(ids: Sequence[int]) -> str:
    return ",".join(map(str, ids)) or "–"


def _find(beads: Sequence[StoredBead], row: ReviewedRow) -> int | None:
    for k, b in enumerate(beads):
        if b.ja_ids == row.ja_ids and b.en_ids == row.en_ids:
            return k
    return None


def _ok(row: ReviewedRow) -> bool | None:
    v = row.ok.strip().lower()
    if not v:
        return None
    if v in YES:
        return True
    if v in NO:
        return False
    raise InputError(f"row {row.row}: cannot read OK? {row.ok!r}; write yes (confirm the bead), "
                     "no (take a confirmation back) or leave it empty")


def apply_review(store: Store, path: str | os.PathLike[str], *,
                 document: str | None = None) -> ReviewApplied:
    """Apply the corrections of a filled-in review XLSX to its document, in one transaction.

    :param document: the stored document (default: the one the review names)
    :raises InputError: the file cannot be read, names no stored document, or a row says
        something that cannot be read or applied (the message names the row); nothing changed

    Example::

        with Store.open("tm.db") as store:
            print(apply_review(store, "review.xlsx").summary())
    """
    name = str(path)
    sheet = read_review(path)
    target = document or sheet.document
    if target is None:
        raise InputError(f"{name}: does not say which document it reviews; give --document")
    todo: list[tuple[ReviewedRow, Correction | None, bool | None]] = []
    for row in sheet.rows:
        try:
            correction, ok = parse_correction(row.correction, row), _ok(row)
        except InputError as e:
            raise InputError(f"{name}: {e}") from None
        if correction is not None or ok is not None:
            todo.append((row, correction, ok))
    with store.transaction():
        doc = alignedit.load(store, target)
        plan, report = _plan(name, doc, todo)
        result = alignedit.edit(store, doc.name, doc.revision, plan, action="review apply")
    return ReviewApplied(name, doc.name, result.revision, len(sheet.rows),
                         report["corrections"], report["confirmed"], report["unconfirmed"],
                         len(result.units_added), len(result.units_removed))


def _plan(name: str, doc: alignedit.DocumentAlignment,
          todo: Sequence[tuple[ReviewedRow, Correction | None, bool | None]]
          ) -> tuple[alignedit.Plan, dict[str, Any]]:
    """The plan that applies every row, and the report it fills in while it runs."""
    located = []
    for row, correction, ok in todo:
        k = _find(doc.beads, row)
        if k is None:
            raise InputError(
                f"{name}: row {row.row}: bead {row.number} (ja {_ids(row.ja_ids)} / en "
                f"{_ids(row.en_ids)}) is not in document {doc.name!r} any more (its alignment "
                "changed since the review was written); nothing was changed")
        located.append((k, row, correction, ok))
    located.sort(key=lambda t: t[0])
    report: dict[str, Any] = {"corrections": [], "confirmed": 0, "unconfirmed": 0}

    def plan(beads: list[StoredBead]) -> list[StoredBead]:
        for _, row, correction, _ok_value in located:
            if correction is None:
                continue
            k = _find(beads, row)
            if k is None:
                raise InputError(f"{name}: row {row.row}: its bead was already changed by the "
                                 "correction of an earlier row; nothing was changed")
            try:
                step = _step(correction, k, len(doc.ja), len(doc.en))
                new = step(beads)
            except InputError as e:
                raise InputError(f"{name}: row {row.row}: {e}; nothing was changed") from None
            had = {(b.ja_ids, b.en_ids) for b in beads}
            made = [b for b in new if (b.ja_ids, b.en_ids) not in had]
            report["corrections"].append({
                "row": row.row, "command": correction.command,
                "made": [{"ja_ids": list(b.ja_ids), "en_ids": list(b.en_ids)} for b in made]})
            beads = new
        for _, row, correction, ok in located:
            if ok is None or (ok is False and correction is not None):
                continue
            segs_ja, segs_en = set(row.ja_ids), set(row.en_ids)
            for k, b in enumerate(beads):
                if (segs_ja & set(b.ja_ids) or segs_en & set(b.en_ids)) and b.confirmed != ok:
                    beads[k] = replace(b, confirmed=ok)
                    report["confirmed" if ok else "unconfirmed"] += 1
        return beads

    return plan, report


def _step(correction: Correction, position: int, n_ja: int, n_en: int) -> alignedit.Plan:
    if correction.command == "unpair":
        return alignedit.plan_unpair(position)
    if correction.command == "merge":
        return alignedit.plan_merge_next(position)
    return alignedit.plan_pair(correction.ja_ids, correction.en_ids, n_ja, n_en)
