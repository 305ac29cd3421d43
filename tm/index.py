"""The fuzzy-search candidate index: JA character bigrams and EN words → unit ids, in SQLite.

Each key (``j`` + a character bigram of the padded normalised Japanese text, or ``e`` + a
lowercased English word) has a document frequency in ``fuzzy_keys`` and its posting list in
``fuzzy_postings`` as uint32 little-endian blobs, split into chunks so that appending a few
units never rewrites a long list. A query reads only its rarest keys (up to a budget of
postings), counts how many of them each unit shares, and hands the best-counted units to the
rapidfuzz rescoring in :mod:`tm.search`.

The index follows the units table through two hooks: :func:`tm.units.on_units_added` (same
transaction as the insert) and :func:`tm.store.on_document_delete`. Deleted units' postings are
left in place (a candidate that no longer exists is dropped when its row is fetched) until they
make up a quarter of the index, when it is rebuilt. :func:`deferred` turns per-chunk upkeep off
during a bulk import and indexes the new units in one pass at the end.
"""

from __future__ import annotations

import contextlib
import re
import sys
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

from .progress import Progress, no_progress
from .store import Store, on_document_delete
from .units import on_units_added

__all__ = [
    "ja_keys",
    "en_keys",
    "candidates",
    "posting_ids",
    "prefix_posting_ids",
    "rebuild",
    "deferred",
    "ensure_current",
    "DEFAULT_BUDGET",
    "wide_candidates",
]

#: at most this many postings are counted per query (rarest keys first)
DEFAULT_BUDGET = 15_000
#: appends go into a chunk row until it holds this many ids
CHUNK_IDS = 2048
_PAD_START, _PAD_END = "\x02", "\x03"
_EN_WORD = re.compile(r"\w+(?:['\-]\w+)*")
_META_DEFERRED = "fuzzy_deferred"
_META_MAX_ID = "fuzzy_max_id"
_META_STALE = "fuzzy_stale"


def ja_keys(norm: str) -> set[str]:
    """Index keys of normalised Japanese text: its character bigrams, padded at both ends.

    >>> sorted(ja_keys("京都"))
    ['j\\x02京', 'j京都', 'j都\\x03']
    """
    p = _PAD_START + norm + _PAD_END
    return {"j" + p[i : i + 2] for i in range(len(p) - 1)}


def en_keys(norm: str) -> set[str]:
    """Index keys of normalised English text: its lowercased words (punctuation left out).

    >>> sorted(en_keys("The policy, the U.S. policy"))
    ['epolicy', 'es', 'ethe', 'eu']
    """
    return {"e" + w for w in _EN_WORD.findall(norm.lower())}


def _to_blob(ids: array[int]) -> bytes:
    if sys.byteorder == "big":
        ids = array("I", ids)
        ids.byteswap()
    return ids.tobytes()


def _from_blob(blob: bytes) -> array[int]:
    a = array("I")
    a.frombytes(blob)
    if sys.byteorder == "big":
        a.byteswap()
    return a


def _postings_of(rows: Iterable[tuple[int, str, str]]) -> dict[str, array[int]]:
    postings: dict[str, array[int]] = {}
    get = postings.get
    for uid, ja_norm, en_norm in rows:
        for key in ja_keys(ja_norm) | en_keys(en_norm):
            a = get(key)
            if a is None:
                postings[key] = a = array("I")
            a.append(uid)
    return postings


def _write_postings(store: Store, postings: dict[str, array[int]], *, append_small: bool) -> None:
    """Add posting lists; small appends extend the key's last chunk, bulk ones add a chunk."""
    conn = store.conn
    if not postings:
        return
    conn.executemany(
        "INSERT INTO fuzzy_keys(key, df) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET df = df + excluded.df",
        ((k, len(v)) for k, v in postings.items()),
    )
    last: dict[str, tuple[int, int]] = {}
    keys = list(postings)
    for i in range(0, len(keys), 500):
        part = keys[i : i + 500]
        marks = ",".join("?" * len(part))
        for key, chunk, n in conn.execute(
            f"SELECT key, max(chunk), n FROM fuzzy_postings WHERE key IN ({marks}) GROUP BY key",
            part,
        ):
            last[key] = (int(chunk), int(n))
    inserts = []
    for key, ids in postings.items():
        prev = last.get(key)
        if prev is None:
            inserts.append((key, 0, len(ids), _to_blob(ids)))
        elif append_small and prev[1] + len(ids) <= CHUNK_IDS:
            (blob,) = conn.execute(
                "SELECT ids FROM fuzzy_postings WHERE key = ? AND chunk = ?", (key, prev[0])
            ).fetchone()
            merged = _from_blob(blob)
            merged.extend(ids)
            conn.execute(
                "UPDATE fuzzy_postings SET n = ?, ids = ? WHERE key = ? AND chunk = ?",
                (len(merged), _to_blob(merged), key, prev[0]),
            )
        else:
            inserts.append((key, prev[0] + 1, len(ids), _to_blob(ids)))
    conn.executemany(
        "INSERT INTO fuzzy_postings(key, chunk, n, ids) VALUES (?, ?, ?, ?)", inserts
    )


def _set_max_id(store: Store, max_id: int) -> None:
    current = int(store.get_meta(_META_MAX_ID) or 0)
    if max_id > current:
        store.set_meta(_META_MAX_ID, str(max_id))


@on_units_added
def _on_units_added(store: Store, rows: Sequence[tuple[int, str, str]]) -> None:
    if not rows or store.get_meta(_META_DEFERRED):
        return
    _write_postings(store, _postings_of(rows), append_small=True)
    _set_max_id(store, max(r[0] for r in rows))


@on_document_delete
def _on_document_delete(store: Store, doc_id: int) -> None:
    conn = store.conn
    (n_doc,) = conn.execute("SELECT count(*) FROM units WHERE doc_id = ?", (doc_id,)).fetchone()
    if not n_doc:
        return
    (total,) = conn.execute("SELECT count(*) FROM units").fetchone()
    stale = int(store.get_meta(_META_STALE) or 0) + int(n_doc)
    if stale * 4 >= total:
        rebuild(store, exclude_doc=doc_id)
    else:
        store.set_meta(_META_STALE, str(stale))


def _iter_units(
    store: Store, where: str, params: tuple[int, ...]
) -> Iterator[tuple[int, str, str]]:
    cur = store.conn.execute(
        f"SELECT id, ja_norm, en_norm FROM units WHERE {where} ORDER BY id", params
    )
    while True:
        rows = cur.fetchmany(10_000)
        if not rows:
            return
        yield from rows


def _index_rows(store: Store, rows: Iterator[tuple[int, str, str]], total: int,
                progress: Progress, label: str) -> None:
    postings: dict[str, array[int]] = {}
    get = postings.get
    done = 0
    max_id = 0
    for uid, ja_norm, en_norm in rows:
        for key in ja_keys(ja_norm) | en_keys(en_norm):
            a = get(key)
            if a is None:
                postings[key] = a = array("I")
            a.append(uid)
        max_id = uid
        done += 1
        if done % 20_000 == 0:
            progress(done, total, label)
    _write_postings(store, postings, append_small=False)
    _set_max_id(store, max_id)
    progress(done, total, label)


def rebuild(
    store: Store, *, exclude_doc: int | None = None, progress: Progress = no_progress
) -> None:
    """Drop and rebuild the whole index from the units table (call inside ``store.atomic()``).

    :param exclude_doc: leave this document's units out (it is about to be deleted)

    >>> from tm.store import Store
    >>> s = Store.open(":memory:")
    >>> with s.atomic():
    ...     rebuild(s)
    """
    conn = store.conn
    conn.execute("DELETE FROM fuzzy_postings")
    conn.execute("DELETE FROM fuzzy_keys")
    store.set_meta(_META_STALE, "0")
    store.set_meta(_META_MAX_ID, "0")
    where, params = ("doc_id != ?", (exclude_doc,)) if exclude_doc is not None else ("1", ())
    (total,) = conn.execute(f"SELECT count(*) FROM units WHERE {where}", params).fetchone()
    _index_rows(store, _iter_units(store, where, params), int(total), progress, "indexing")


def ensure_current(store: Store) -> None:
    """Index units the hooks did not see (a database from before the index, or units written
    by a process that did not load this module). Cheap when nothing is missing."""
    (max_id,) = store.conn.execute("SELECT coalesce(max(id), 0) FROM units").fetchone()
    indexed = int(store.get_meta(_META_MAX_ID) or 0)
    if int(max_id) <= indexed or store.get_meta(_META_DEFERRED):
        return
    with store.atomic():
        (total,) = store.conn.execute(
            "SELECT count(*) FROM units WHERE id > ?", (indexed,)
        ).fetchone()
        _index_rows(store, _iter_units(store, "id > ?", (indexed,)), int(total), no_progress,
                    "indexing")


@contextlib.contextmanager
def deferred(store: Store, progress: Progress = no_progress) -> Iterator[None]:
    """Within the caller's transaction, skip per-chunk index upkeep and index every unit added
    inside the block in one pass at its end (bulk TMX import).

    >>> from tm.store import Store
    >>> s = Store.open(":memory:")
    >>> with s.atomic(), deferred(s):
    ...     pass
    """
    (mark,) = store.conn.execute("SELECT coalesce(max(id), 0) FROM units").fetchone()
    indexed = int(store.get_meta(_META_MAX_ID) or 0)
    start = min(int(mark), indexed)
    store.set_meta(_META_DEFERRED, "1")
    try:
        yield
    finally:
        store.conn.execute("DELETE FROM meta WHERE key = ?", (_META_DEFERRED,))
    (total,) = store.conn.execute("SELECT count(*) FROM units WHERE id > ?", (start,)).fetchone()
    _index_rows(store, _iter_units(store, "id > ?", (start,)), int(total), progress, "indexing")


def _dfs(store: Store, keys: Iterable[str]) -> dict[str, int]:
    keys = list(keys)
    out: dict[str, int] = {}
    for i in range(0, len(keys), 500):
        part = keys[i : i + 500]
        marks = ",".join("?" * len(part))
        out.update(
            store.conn.execute(f"SELECT key, df FROM fuzzy_keys WHERE key IN ({marks})", part)
        )
    return out


def posting_ids(store: Store, key: str) -> array[int]:
    """Every unit id under *key* (ascending, possibly with ids of deleted units)."""
    out = array("I")
    for (blob,) in store.conn.execute(
        "SELECT ids FROM fuzzy_postings WHERE key = ? ORDER BY chunk", (key,)
    ):
        out.extend(_from_blob(blob))
    return out


def prefix_posting_ids(store: Store, prefix: str, first: int) -> list[int]:
    """The *first* smallest unit ids under any key starting with *prefix* (1-character
    concordance: every character starts one padded bigram)."""
    best: set[int] = set()
    for (blob,) in store.conn.execute(
        "SELECT ids FROM fuzzy_postings WHERE key >= ? AND key < ?",
        (prefix, prefix + "\U0010ffff"),
    ):
        a = _from_blob(blob[: 4 * first])
        best.update(a)
        if len(best) > 4 * first:
            best = set(sorted(best)[:first])
    return sorted(best)[:first]


def candidates(
    store: Store,
    keys: Iterable[str],
    *,
    top: int = 150,
    budget: int = DEFAULT_BUDGET,
    df_cache: dict[str, int] | None = None,
    postings_cache: dict[str, array[int]] | None = None,
) -> list[int]:
    """Unit ids sharing the most of the query's rarest *keys*, best first.

    Keys are read rarest first until *budget* postings are counted (at least two keys are
    read, so a query made only of common bigrams still finds its candidates).

    :param df_cache: / :param postings_cache: dictionaries a batch lookup passes to share reads
    """
    keys = list(keys)
    if df_cache is None:
        dfs = _dfs(store, keys)
    else:
        missing = [k for k in keys if k not in df_cache]
        if missing:
            found = _dfs(store, missing)
            for k in missing:
                df_cache[k] = found.get(k, 0)
        dfs = {k: df_cache[k] for k in keys if df_cache[k]}
    ordered = sorted((df, k) for k, df in dfs.items() if df)
    chosen: list[str] = []
    total = 0
    for df, k in ordered:
        if total + df > budget and len(chosen) >= 2:
            break
        chosen.append(k)
        total += df
    counter: Counter[int] = Counter()
    uncached = []
    for k in chosen:
        if postings_cache is not None and k in postings_cache:
            counter.update(postings_cache[k])
        else:
            uncached.append(k)
    if uncached:
        marks = ",".join("?" * len(uncached))
        per_key: dict[str, array[int]] = {}
        for key, blob in store.conn.execute(
            f"SELECT key, ids FROM fuzzy_postings WHERE key IN ({marks})", uncached
        ):
            a = _from_blob(blob)
            counter.update(a)
            if postings_cache is not None:
                per_key.setdefault(key, array("I")).extend(a)
        if postings_cache is not None:
            for key, a in per_key.items():
                if len(a) >= 2000:  # only common keys are worth keeping
                    postings_cache[key] = a
    return [uid for uid, _ in counter.most_common(top)]


#: the wide second pass counts up to this many postings (keys rarest first) ...
WIDE_BUDGET = 150_000
#: ... skipping keys held by more units than this (they rank nothing)
WIDE_MAX_DF = 60_000


def wide_candidates(
    store: Store,
    keys: Iterable[str],
    *,
    top: int = 300,
    exclude: Iterable[int] = (),
    budget: int = WIDE_BUDGET,
    max_df: int = WIDE_MAX_DF,
    df_cache: dict[str, int] | None = None,
) -> list[int]:
    """Like :func:`candidates` but counting common keys too (a second pass for queries whose
    best candidate is weak: a 50–60 match often shares only common bigrams with the query).

    The posting blobs are counted in polars (concatenate, sort, run lengths), which keeps a
    few hundred thousand postings within some milliseconds.
    """
    import polars as pl

    keys = list(keys)
    if df_cache is not None and all(k in df_cache for k in keys):
        dfs = {k: df_cache[k] for k in keys if df_cache[k]}
    else:
        dfs = _dfs(store, keys)
    chosen: list[str] = []
    total = 0
    for df, k in sorted((df, k) for k, df in dfs.items() if df and df <= max_df):
        if total + df > budget and chosen:
            break
        chosen.append(k)
        total += df
    if not chosen:
        return []
    blobs: list[bytes] = []
    for i in range(0, len(chosen), 500):
        part = chosen[i : i + 500]
        marks = ",".join("?" * len(part))
        blobs.extend(
            b for (b,) in store.conn.execute(
                f"SELECT ids FROM fuzzy_postings WHERE key IN ({marks})", part)
        )
    data = b"".join(blobs)
    if sys.byteorder == "big":
        a = _from_blob(data)
        data = a.tobytes()
    n = len(data) // 4
    if not n:
        return []
    skip = set(exclude)
    runs = (
        pl.select(pl.lit(data).bin.reinterpret(dtype=pl.Array(pl.UInt32, n)).alias("a"))
        .to_series()
        .explode()
        .sort(multithreaded=False)
        .rle()
        .struct.unnest()
        .top_k(top + len(skip), by="len")
    )
    out = [int(v) for v in runs["value"].to_list() if v not in skip]
    return out[:top]
