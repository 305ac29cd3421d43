"""Writing TM units into the store: normalised forms, hashes for exact lookup, index upkeep."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from taiyaku.core.normalize import normalize
from taiyaku.tm.store import Store, dumps, now_iso

__all__ = ["NewUnit", "add_units", "text_hash", "on_units_added", "match_key", "UNIT_CHUNK"]

#: units inserted (and handed to the index hooks) per executemany
UNIT_CHUNK = 5000


@dataclass(frozen=True, slots=True)
class NewUnit:
    """A unit to store; ``position`` orders units within their document."""

    ja: str
    en: str
    position: int
    bead: str = "1-1"
    confidence: float = 1.0
    props: Mapping[str, str] = field(default_factory=dict)
    created: str | None = None


def match_key(text: str, lang: str) -> str:
    """The form exact matching compares: normalised, and lowercased for English.

    >>> match_key("Ｇ２０ summit", "en") == match_key("g20  Summit", "en")
    True
    """
    norm = normalize(text)
    return norm.lower() if lang == "en" else norm


def text_hash(key: str) -> int:
    """A signed 64-bit hash of a match key (fits an SQLite INTEGER).

    >>> text_hash("対訳") == text_hash("対訳"), text_hash("a") != text_hash("b")
    (True, True)
    """
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


#: Called with (store, [(unit_id, ja_norm, en_norm), ...]) after units are inserted, inside the
#: same transaction, so search indexes stay in step with the units table.
UnitsAddedHook = Callable[[Store, Sequence[tuple[int, str, str]]], None]
_ADDED_HOOKS: list[UnitsAddedHook] = []


def on_units_added(hook: UnitsAddedHook) -> UnitsAddedHook:
    """Register an index-maintenance hook (decorator)."""
    if hook not in _ADDED_HOOKS:
        _ADDED_HOOKS.append(hook)
    return hook


def add_units(
    store: Store,
    doc_id: int,
    units: Iterable[NewUnit],
    *,
    skip_duplicates: bool = False,
    chunk_size: int = UNIT_CHUNK,
) -> list[int | None]:
    """Insert *units* for document *doc_id*; return their ids (None where skipped).

    Call inside ``store.atomic()``. With *skip_duplicates*, a unit whose normalised JA and EN
    both equal a stored unit's (or an earlier one in this call) is skipped, and when that unit
    belongs to another document, *doc_id* is recorded as holding it too (``unit_holders``), so
    that the unit outlives the other document's replacement. Units are taken from *units* one
    chunk at a time; past one chunk, the search index is built in one pass at the end
    (:func:`tm.index.deferred`), as appending each chunk's postings to the lists the chunks
    before it wrote would rewrite them over and over.
    """
    # The fuzzy-search index keeps itself in step through the hooks it registers on import.
    from taiyaku.tm import index

    it = iter(units)
    first = list(itertools.islice(it, chunk_size))
    second = list(itertools.islice(it, chunk_size))
    if not second:
        return _insert_chunk(store, doc_id, first, skip_duplicates) if first else []
    ids: list[int | None] = []
    with index.deferred(store):
        for batch in itertools.chain((first, second), iter(
                lambda: list(itertools.islice(it, chunk_size)), [])):
            ids.extend(_insert_chunk(store, doc_id, batch, skip_duplicates))
            batch.clear()  # its texts may go before the next chunk is read
    return ids


def _insert_chunk(
    store: Store, doc_id: int, batch: list[NewUnit], skip: bool
) -> list[int | None]:
    conn = store.conn
    created_default = now_iso()
    rows = []
    for u in batch:
        ja_norm, en_norm = normalize(u.ja), normalize(u.en)
        ja_h, en_h = text_hash(ja_norm), text_hash(en_norm.lower())
        rows.append((u, ja_norm, en_norm, ja_h, en_h))
    # Duplicates of units stored before this chunk (in this call too: the connection sees
    # its own uncommitted rows) come from the hash index; a dict only covers the chunk itself.
    # Each maps a pair to the unit that holds it and that unit's document.
    seen = _existing_pairs(store, {r[3] for r in rows}) if skip else {}
    # Ids are given explicitly so one executemany can insert the chunk: the caller holds the
    # write lock (BEGIN IMMEDIATE), so no other writer can take these ids meanwhile.
    (next_id,) = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM units").fetchone()
    ids: list[int | None] = []
    added: list[tuple[int, str, str]] = []
    held: list[tuple[int, int, int]] = []
    params = []
    for u, ja_norm, en_norm, ja_h, en_h in rows:
        if skip:
            found = seen.get((ja_h, en_h))
            if found is not None:
                ids.append(None)
                if found[1] != doc_id:  # this document holds another document's unit too
                    held.append((found[0], doc_id, u.position))
                continue
            seen[(ja_h, en_h)] = (next_id, doc_id)
        uid = next_id
        next_id += 1
        params.append(
            (uid, doc_id, u.position, u.ja, u.en, ja_norm, en_norm, ja_h, en_h, u.bead,
             float(u.confidence), dumps(dict(u.props)) if u.props else None,
             u.created or created_default)
        )
        ids.append(uid)
        added.append((uid, ja_norm, en_norm))
    if held:
        conn.executemany(
            "INSERT OR IGNORE INTO unit_holders(unit_id, doc_id, position) VALUES (?, ?, ?)",
            held,
        )
    conn.executemany(
        "INSERT INTO units(id, doc_id, position, ja, en, ja_norm, en_norm, ja_hash, en_hash, "
        "bead, confidence, props, created) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        params,
    )
    for hook in _ADDED_HOOKS:
        hook(store, added)
    return ids


def _existing_pairs(store: Store, ja_hashes: set[int]) -> dict[tuple[int, int], tuple[int, int]]:
    """Stored pairs among *ja_hashes*: (ja_hash, en_hash) → (oldest unit id, its document)."""
    found: dict[tuple[int, int], tuple[int, int]] = {}
    hashes = list(ja_hashes)
    for i in range(0, len(hashes), 500):
        part = hashes[i : i + 500]
        marks = ",".join("?" * len(part))
        for a, b, uid, doc in store.conn.execute(
            f"SELECT ja_hash, en_hash, id, doc_id FROM units WHERE ja_hash IN ({marks}) "
            "ORDER BY id DESC", part
        ):
            found[(int(a), int(b))] = (int(uid), int(doc))
    return found
