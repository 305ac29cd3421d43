"""The SQLite backend's fuzzy-search candidate index: JA character bigrams, EN token bigrams
and EN words → unit ids.

Each key (:mod:`taiyaku.core.matchkeys`: ``j`` + a character bigram of the padded normalised
Japanese text, ``b`` + the hash bucket of a bigram of the padded English scoring tokens, or
``e`` + a lowercased English word, for concordance) has a document frequency in
``fuzzy_keys`` and its posting list in ``fuzzy_postings`` as uint32 little-endian blobs, split
into chunks so that appending a few units never rewrites a long list. A query reads only its
rarest keys (up to a budget of postings), counts how many of them each unit shares, and hands
the best-counted units to the rapidfuzz rescoring in :mod:`taiyaku.tm.search`. English sides
are also kept as token codes (``fuzzy_tokens``, :func:`~taiyaku.core.matchkeys.en_codes`),
which that rescoring compares instead of the text.

The store owns this index: the units and documents areas call :func:`units_added` and
:func:`units_removed` in the transaction of every write (add, edit, delete, document removal),
so the posting lists hold exactly the stored units at every commit. :func:`deferred` turns
per-chunk upkeep off during a bulk import: a second process builds the posting lists while
units are inserted, and they are written in one pass at the end of the same transaction.
"""

from __future__ import annotations

import bisect
import contextlib
import contextvars
import itertools
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from itertools import repeat
from typing import TYPE_CHECKING, Any

from taiyaku.core.errors import StoreError
from taiyaku.core.matchkeys import (
    bigram_similarity_bound,
    bucket_names,
    ids_from_blob,
    ids_to_blob,
    ja_key,
    text_keys,
    unit_keys,
)
from taiyaku.core.progress import Progress, no_progress
from taiyaku.store.interface import Candidates

if TYPE_CHECKING:
    from taiyaku.store.sqlite import SqliteStore as Store

__all__ = [
    "candidates",
    "posting_ids",
    "prefix_posting_ids",
    "rebuild",
    "deferred",
    "prepare",
    "units_added",
    "units_removed",
    "DEFAULT_BUDGET",
    "wide_candidates",
    "short_ids",
    "SqliteFuzzy",
]

#: at most this many postings are counted per query (rarest keys first)
DEFAULT_BUDGET = 15_000
#: appends go into a chunk row until it holds this many ids
CHUNK_IDS = 2048
_META_DEFERRED = "fuzzy_deferred"
_META_MAX_ID = "fuzzy_max_id"
_META_VERSION = "fuzzy_version"
#: 2: adds length keys (``#`` + length) for units whose normalised Japanese is this short;
#: 3: adds English token-bigram keys (``b`` + bucket); 4: adds English token codes
INDEX_VERSION = "4"


def _write_code_rows(store: Store, rows: Iterable[tuple[int, bytes]]) -> None:
    """Store units' token codes, given as (id, blob) rows."""
    store.conn.executemany("INSERT OR REPLACE INTO fuzzy_tokens(id, codes) VALUES (?, ?)", rows)


class _Postings:
    """Posting lists being built (key → unit ids, ascending) from units given in id order.

    A unit has some forty Japanese bigram keys and twenty English bigram buckets: rather
    than a dictionary update per posting (cache misses over a million keys), they are
    collected as (key number, unit) pairs and moved into their lists in bulk, a stable numpy
    sort at a time. That halves the indexing time of a large import.

    The units' English token codes (:func:`en_codes`) come out of the same tokenising; they
    are kept, packed, until :meth:`take_codes`.
    """

    #: pending postings moved into the lists at a time
    FLUSH = 4_000_000

    def __init__(self) -> None:
        self.lists: dict[str, array[int]] = {}
        self._ja, self._ja_units = array("Q"), array("I")
        self._en, self._en_units = array("I"), array("I")
        self._codes, self._code_ends, self._code_units = array("I"), array("L"), array("I")

    def add(self, rows: Iterable[tuple[int, str, str]]) -> None:
        lists = self.lists
        codes, ends, owners = self._codes, self._code_ends, self._code_units
        for uid, ja_norm, en_norm in rows:
            keys, ja, buckets, en = text_keys(ja_norm, en_norm)
            codes.extend(en)
            ends.append(len(codes))
            owners.append(uid)
            for key in keys:
                try:
                    lists[key].append(uid)
                except KeyError:
                    lists[key] = array("I", (uid,))
            self._ja.extend(ja)
            self._ja_units.extend(repeat(uid, len(ja)))
            if buckets:
                self._en.extend(buckets)
                self._en_units.extend(repeat(uid, len(buckets)))
            if len(self._ja) >= self.FLUSH or len(self._en) >= self.FLUSH:
                self._flush()

    def _flush(self) -> None:
        names = bucket_names()
        self._move(self._ja, self._ja_units, "uint64", ja_key)
        self._move(self._en, self._en_units, "uint32", names.__getitem__)
        self._ja, self._ja_units = array("Q"), array("I")
        self._en, self._en_units = array("I"), array("I")

    def _move(self, numbers: array[int], units: array[int], dtype: str,
              key_of: Any) -> None:
        if not numbers:
            return
        import numpy as np

        nums = np.frombuffer(numbers, dtype=dtype)
        ids = np.frombuffer(units, dtype=np.uint32)
        order = np.argsort(nums, kind="stable")  # stable: each key's ids stay ascending
        nums, ids = nums[order], ids[order]
        starts = np.flatnonzero(np.diff(nums)) + 1
        bounds = [0, *(4 * starts).tolist(), 4 * len(ids)]
        data = ids.tobytes()
        lists = self.lists
        for i, n in enumerate(nums[np.concatenate(([0], starts))].tolist()):
            key = key_of(n)
            got = lists.get(key)
            if got is None:
                got = lists[key] = array("I")
            got.frombytes(data[bounds[i] : bounds[i + 1]])

    def result(self) -> dict[str, array[int]]:
        """The posting lists (the builder is spent)."""
        self._flush()
        return self.lists

    def take_codes(self, batch: int = 50_000) -> Iterator[list[tuple[int, bytes]]]:
        """The token codes of the units added so far, as (id, blob) rows in batches; they
        are dropped from the builder as they go."""
        codes, ends, owners = self._codes, self._code_ends, self._code_units
        self._codes, self._code_ends, self._code_units = array("I"), array("L"), array("I")
        data = ids_to_blob(codes)
        del codes
        start = 0
        for i in range(0, len(owners), batch):
            rows = []
            for uid, end in zip(owners[i : i + batch], ends[i : i + batch], strict=True):
                rows.append((uid, data[4 * start : 4 * end]))
                start = end
            yield rows


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
            inserts.append((key, 0, len(ids), ids_to_blob(ids)))
        elif append_small and prev[1] + len(ids) <= CHUNK_IDS:
            (blob,) = conn.execute(
                "SELECT ids FROM fuzzy_postings WHERE key = ? AND chunk = ?", (key, prev[0])
            ).fetchone()
            merged = ids_from_blob(blob)
            merged.extend(ids)
            conn.execute(
                "UPDATE fuzzy_postings SET n = ?, ids = ? WHERE key = ? AND chunk = ?",
                (len(merged), ids_to_blob(merged), key, prev[0]),
            )
        else:
            inserts.append((key, prev[0] + 1, len(ids), ids_to_blob(ids)))
    conn.executemany(
        "INSERT INTO fuzzy_postings(key, chunk, n, ids) VALUES (?, ?, ?, ?)", inserts
    )


def _set_max_id(store: Store, max_id: int) -> None:
    current = int(store.meta.get(_META_MAX_ID) or 0)
    if not current:
        store.meta.set(_META_VERSION, INDEX_VERSION)  # a new index: this version's keys
    if max_id > current:
        store.meta.set(_META_MAX_ID, str(max_id))


#: a bulk import past this many units builds its posting lists in a second process, in
#: parallel with parsing and inserting (the main process only writes them at the end)
WORKER_AFTER = 50_000


class _Bulk:
    """State of one :func:`deferred` block: units seen, and the posting-list worker."""

    def __init__(self, store: Store, start: int) -> None:
        self.store = store
        self.start = start  # units above this id are the block's to index
        self.seen = 0
        self.first_sent = 0
        self.conn: Any = None
        self.proc: Any = None
        self.sigpipe: Any = None  # the SIGPIPE action to restore when the worker is done

    def add(self, rows: Sequence[tuple[int, str, str]]) -> None:
        self.seen += len(rows)
        if self.conn is None and self.seen >= WORKER_AFTER:
            self._start()
            if self.conn is not None:
                # the units stored before the worker started go to it too: this process
                # would otherwise index them at the end, while the worker sits idle
                self.first_sent = self.start + 1
                backlog = _iter_units(self.store, "id > ? AND id < ?", (self.start, rows[0][0]))
                while True:
                    part = list(itertools.islice(backlog, 5000))
                    if not part:
                        break
                    self._send(part)
        if self.conn is not None:
            if not self.first_sent:
                self.first_sent = rows[0][0]
            self._send(list(rows))

    def _send(self, rows: list[tuple[int, str, str]]) -> None:
        if not rows:
            return
        try:
            self.conn.send(rows)
        except (OSError, EOFError):
            raise self._died() from None

    def _start(self) -> None:
        import multiprocessing
        import signal
        import threading

        # The CLI restores SIGPIPE's default action (so `| head` ends quietly), under which a
        # write to the pipe of a worker that died kills this process on the spot (exit 141)
        # with the transaction open. Ignored while the worker runs, the write raises
        # BrokenPipeError instead, which becomes one line and a rollback (see _died).
        if hasattr(signal, "SIGPIPE") and threading.current_thread() is threading.main_thread():
            self.sigpipe = signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        try:
            # fork: the child needs nothing but this module's functions, and "spawn" would
            # run the importing script's __main__ again
            methods = multiprocessing.get_all_start_methods()
            ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            ours, theirs = ctx.Pipe()
            proc = ctx.Process(  # type: ignore[attr-defined]
                target=_postings_worker, args=(theirs, ours), daemon=True)
            proc.start()
            theirs.close()
        except (OSError, RuntimeError):
            self._restore_sigpipe()
            return  # no second process: everything is indexed at the end, in this one
        self.conn, self.proc = ours, proc

    def _restore_sigpipe(self) -> None:
        if self.sigpipe is not None:
            import signal

            signal.signal(signal.SIGPIPE, self.sigpipe)
            self.sigpipe = None

    def finish(self) -> Iterator[tuple[str, Any]]:
        """The worker's results in batches: ``("codes", [(id, blob)…])`` then
        ``("postings", [(key, blob)…])`` (nothing when no worker ran)."""
        if self.conn is None:
            return
        batch: Any = ...
        while True:
            try:
                if batch is ...:
                    self.conn.send(None)
                batch = self.conn.recv()
            except (OSError, EOFError):
                raise self._died() from None
            if batch is None:
                break
            yield batch
        self.close()

    def _died(self) -> StoreError:
        """The error for a worker that went away: the caller's transaction rolls back."""
        self.proc.join(timeout=2)
        code = self.proc.exitcode
        self.close()
        if code is not None and code < 0:
            how = f"killed by signal {-code}"
        else:
            how = f"exit code {code}" if code is not None else "no reply"
        return StoreError(f"the indexing process stopped during the import ({how}); "
                          "nothing was imported")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.proc.join(timeout=5)
            if self.proc.is_alive():
                self.proc.kill()
            self.conn = None
        self._restore_sigpipe()


_BULK: contextvars.ContextVar[_Bulk | None] = contextvars.ContextVar("fuzzy_bulk", default=None)


#: the worker moves token codes to its spill file every this many units
SPILL_UNITS = 50_000


def _postings_worker(conn: Any, parent_end: Any = None) -> None:
    """Second process of a bulk import: build posting lists and token codes from the rows it
    is sent, then send them back in batches (codes, then postings). Exits when the importer
    goes away.

    The codes wait in a temporary file (pickled batches): the importer reads nothing until
    the end, and held in memory they would add some 130 MB at a million units."""
    import pickle
    import signal
    import tempfile

    # A forked child holds a copy of the importer's end of the pipe: unless it is closed here,
    # recv() never sees EOF when the importer is killed, and the orphan keeps running (and
    # keeps the importer's stdout/stderr open). Ctrl-C is the importer's to handle.
    if parent_end is not None:
        parent_end.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    builder = _Postings()
    spill = tempfile.TemporaryFile()

    def spill_codes(built: _Postings) -> None:
        for code_rows in built.take_codes():
            pickle.dump(code_rows, spill, protocol=pickle.HIGHEST_PROTOCOL)

    try:
        pending = 0
        while True:
            rows = conn.recv()
            if rows is None:
                break
            builder.add(rows)
            pending += len(rows)
            if pending >= SPILL_UNITS:
                spill_codes(builder)
                pending = 0
        spill_codes(builder)
        spill.seek(0)
        while True:
            try:
                code_rows = pickle.load(spill)
            except EOFError:
                break
            conn.send(("codes", code_rows))
        spill.close()
        postings = builder.result()
        del builder
        batch: list[tuple[str, bytes]] = []
        for key in sorted(postings):  # key order: the index receives appends, not random inserts
            batch.append((key, ids_to_blob(postings.pop(key))))
            if len(batch) >= 50_000:
                conn.send(("postings", batch))
                batch = []
        conn.send(("postings", batch))
        conn.send(None)
    except (EOFError, OSError):
        pass  # the importer stopped (or was killed): nothing to deliver
    finally:
        spill.close()


def _write_blobs(store: Store, batch: list[tuple[str, bytes]], *, fresh: bool = False) -> None:
    """Add bulk posting lists (ids above every indexed id) as new chunks.

    :param fresh: the index held no posting lists before (a first import): every key's
        list is its chunk 0, with no look-up of the keys' last chunks (a million-unit
        import has some two million keys)
    """
    conn = store.conn
    conn.executemany(
        "INSERT INTO fuzzy_keys(key, df) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET df = df + excluded.df",
        ((k, len(b) // 4) for k, b in batch),
    )
    last: dict[str, int] = {}
    for i in range(0, 0 if fresh else len(batch), 500):
        part = [k for k, _ in batch[i : i + 500]]
        marks = ",".join("?" * len(part))
        last.update(conn.execute(
            f"SELECT key, max(chunk) FROM fuzzy_postings WHERE key IN ({marks}) GROUP BY key",
            part,
        ))
    conn.executemany(
        "INSERT INTO fuzzy_postings(key, chunk, n, ids) VALUES (?, ?, ?, ?)",
        ((k, int(last[k]) + 1 if k in last else 0, len(b) // 4, b) for k, b in batch),
    )


def units_added(store: Store, rows: Sequence[tuple[int, str, str]]) -> None:
    """Index units just inserted, as (id, ja_norm, en_norm) rows in ascending id order, each
    id above every id indexed before (inside the insert's transaction)."""
    if not rows:
        return
    bulk = _BULK.get()
    if bulk is not None and bulk.store is store:
        bulk.add(rows)
        return
    if store.meta.get(_META_DEFERRED):
        return
    builder = _Postings()
    _add_and_store_codes(store, builder, rows)
    _write_postings(store, builder.result(), append_small=True)
    _set_max_id(store, max(r[0] for r in rows))


#: a removal of at least this share of the stored units rebuilds the index from what stays,
#: rather than taking each removed id out of its posting lists
REBUILD_SHARE = 0.25


def units_removed(store: Store, rows: Sequence[tuple[int, str, str]]) -> bool:
    """Take units about to be deleted, as (id, ja_norm, en_norm) rows, out of the index
    (inside the delete's transaction): every posting of theirs and their token codes.

    :return: True when they are so many (:data:`REBUILD_SHARE` of the units) that the caller
        is to :func:`rebuild` the index once their rows are deleted, instead
    """
    if not rows:
        return False
    (total,) = store.conn.execute("SELECT count(*) FROM units").fetchone()
    if len(rows) > 100 and len(rows) >= REBUILD_SHARE * int(total):
        return True
    by_key: dict[str, list[int]] = {}
    for uid, ja_norm, en_norm in rows:
        for key in unit_keys(ja_norm, en_norm):
            by_key.setdefault(key, []).append(uid)
    _take_out(store, by_key)
    store.conn.executemany("DELETE FROM fuzzy_tokens WHERE id = ?", [(r[0],) for r in rows])
    return False


def units_changed(store: Store, old: tuple[int, str, str], new: tuple[int, str, str]) -> None:
    """Re-index a unit whose texts were edited in place (same id): its postings move from the
    keys of *old* to those of *new*, each list kept ascending, and its token codes change."""
    uid = old[0]
    before, after = unit_keys(old[1], old[2]), unit_keys(new[1], new[2])
    _take_out(store, {k: [uid] for k in before - after})
    _put_in(store, uid, after - before)
    builder = _Postings()
    builder.add([new])
    for code_rows in builder.take_codes():
        _write_code_rows(store, code_rows)


def _chunks(store: Store, key: str) -> list[tuple[int, array[int]]]:
    return [(int(c), ids_from_blob(b)) for c, b in store.conn.execute(
        "SELECT chunk, ids FROM fuzzy_postings WHERE key = ? ORDER BY chunk", (key,))]


def _take_out(store: Store, by_key: dict[str, list[int]]) -> None:
    """Remove the ids listed per key from those keys' posting lists (and their counts).

    Lists are ascending: a few ids come out by binary search (a common key's list holds
    hundreds of thousands), many by one filtering pass; chunks whose range holds none of them
    are not rewritten."""
    conn = store.conn
    for key, ids in by_key.items():
        gone = sorted(set(ids))
        removed = 0
        # all rows first: the loop rewrites them
        for chunk, blob in conn.execute(
                "SELECT chunk, ids FROM fuzzy_postings WHERE key = ? ORDER BY chunk",
                (key,)).fetchall():
            # a chunk is decoded only when its range (first and last id, read from the raw
            # little-endian bytes) can hold a removed id: a common key has hundreds of chunks
            raw = bytes(blob)
            if len(raw) < 4 or int.from_bytes(raw[:4], "little") > gone[-1] or (
                    int.from_bytes(raw[-4:], "little") < gone[0]):
                continue
            got = ids_from_blob(raw)
            n_before = len(got)
            if len(gone) * 16 < n_before:
                kept = got
                for uid in reversed(gone):
                    at = bisect.bisect_left(kept, uid)
                    if at < len(kept) and kept[at] == uid:
                        del kept[at]
            else:
                drop = set(gone)
                kept = array("I", (i for i in got if i not in drop))
            if len(kept) == n_before:
                continue
            removed += n_before - len(kept)
            if kept:
                conn.execute("UPDATE fuzzy_postings SET n = ?, ids = ? WHERE key = ? AND "
                             "chunk = ?", (len(kept), ids_to_blob(kept), key, chunk))
            else:
                conn.execute("DELETE FROM fuzzy_postings WHERE key = ? AND chunk = ?",
                             (key, chunk))
        if removed:
            conn.execute("UPDATE fuzzy_keys SET df = df - ? WHERE key = ?", (removed, key))
            conn.execute("DELETE FROM fuzzy_keys WHERE key = ? AND df <= 0", (key,))


def _put_in(store: Store, uid: int, keys: Iterable[str]) -> None:
    """Add *uid* to the posting lists of *keys* at its place (lists stay ascending)."""
    conn = store.conn
    for key in keys:
        chunks = _chunks(store, key)
        if not chunks:
            conn.execute("INSERT INTO fuzzy_postings(key, chunk, n, ids) VALUES (?, 0, 1, ?)",
                         (key, ids_to_blob(array("I", [uid]))))
        else:
            # the first chunk whose last id is above uid holds its place (else the last one)
            chunk, got = next(((c, g) for c, g in chunks if g and g[-1] > uid), chunks[-1])
            got.insert(bisect.bisect_left(got, uid), uid)
            conn.execute("UPDATE fuzzy_postings SET n = ?, ids = ? WHERE key = ? AND chunk = ?",
                         (len(got), ids_to_blob(got), key, chunk))
        conn.execute("INSERT INTO fuzzy_keys(key, df) VALUES (?, 1) "
                     "ON CONFLICT(key) DO UPDATE SET df = df + 1", (key,))


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


def _add_and_store_codes(store: Store, builder: _Postings,
                         rows: Sequence[tuple[int, str, str]]) -> None:
    """Add *rows* to *builder*, and store their token codes at once (posting lists wait for
    the end; codes are final per unit)."""
    builder.add(rows)
    for code_rows in builder.take_codes():
        _write_code_rows(store, code_rows)


def _index_rows(store: Store, rows: Iterator[tuple[int, str, str]], total: int,
                progress: Progress, label: str) -> None:
    builder = _Postings()
    done = 0
    max_id = 0
    while batch := list(itertools.islice(rows, 20_000)):
        _add_and_store_codes(store, builder, batch)
        max_id = batch[-1][0]
        done += len(batch)
        progress(done, total, label)
    _write_postings(store, builder.result(), append_small=False)
    _set_max_id(store, max_id)
    progress(done, total, label)


def rebuild(store: Store, *, progress: Progress = no_progress) -> None:
    """Drop and rebuild the whole index from the units table (inside the caller's
    transaction).

    >>> from taiyaku.store import open_store
    >>> s = open_store(":memory:")
    >>> with s.transaction():
    ...     rebuild(s)
    """
    conn = store.conn
    conn.execute("DELETE FROM fuzzy_postings")
    conn.execute("DELETE FROM fuzzy_keys")
    conn.execute("DELETE FROM fuzzy_tokens")
    conn.execute("DELETE FROM meta WHERE key = 'fuzzy_stale'")  # an older version's count
    store.meta.set(_META_MAX_ID, "0")
    store.meta.set(_META_VERSION, INDEX_VERSION)
    (total,) = conn.execute("SELECT count(*) FROM units").fetchone()
    _index_rows(store, _iter_units(store, "1", ()), int(total), progress,
                "rebuilding the search index")


def prepare(store: Store, progress: Progress = no_progress) -> None:
    """Before a search: rebuild an index that an older taiyaku built (its keys changed, or it
    left deleted units' postings in place), shown through *progress* (a million units take
    about a minute). Nothing to do for an index this version keeps: every write keeps it
    exact. A read-only file is searched as it is."""
    meta = store.meta
    if meta.get(_META_DEFERRED) or store.mode != "rw":
        return
    if meta.get(_META_VERSION) == INDEX_VERSION and not int(meta.get("fuzzy_stale") or 0):
        return
    with store.atomic():
        if meta.get(_META_VERSION) != INDEX_VERSION or int(meta.get("fuzzy_stale") or 0):
            rebuild(store, progress=progress)


@contextlib.contextmanager
def deferred(store: Store, progress: Progress = no_progress) -> Iterator[None]:
    """Within the caller's transaction, skip per-chunk index upkeep and index every unit added
    inside the block in one pass at its end (bulk TMX import).

    >>> from taiyaku.store import open_store
    >>> s = open_store(":memory:")
    >>> with s.transaction(), deferred(s):
    ...     pass
    """
    outer = _BULK.get()
    if outer is not None and outer.store is store:
        yield  # inside a deferred block already (a TMX import): its end indexes these too
        return
    (mark,) = store.conn.execute("SELECT coalesce(max(id), 0) FROM units").fetchone()
    indexed = int(store.meta.get(_META_MAX_ID) or 0)
    start = min(int(mark), indexed)
    store.meta.set(_META_DEFERRED, "1")
    bulk = _Bulk(store, start)
    token = _BULK.set(bulk)
    try:
        try:
            yield
        finally:
            _BULK.reset(token)
            store.conn.execute("DELETE FROM meta WHERE key = ?", (_META_DEFERRED,))
        # units the worker did not see: before the block, or before it started
        where: str = "id > ?"
        params: tuple[int, ...] = (start,)
        if bulk.first_sent:
            where, params = ("id > ? AND id < ?", (start, bulk.first_sent))
        (total,) = store.conn.execute(
            f"SELECT count(*) FROM units WHERE {where}", params).fetchone()
        _index_rows(store, _iter_units(store, where, params), int(total), progress, "indexing")
        if bulk.first_sent:
            progress(0, None, "indexing")
            # the worker sends each key once: with no list stored before its first batch,
            # none of its keys has a chunk to follow
            fresh: bool | None = None
            for kind, batch in bulk.finish():
                if kind == "codes":
                    _write_code_rows(store, batch)
                else:
                    if fresh is None:
                        fresh = store.conn.execute(
                            "SELECT 1 FROM fuzzy_postings LIMIT 1").fetchone() is None
                    _write_blobs(store, batch, fresh=fresh)
            (max_id,) = store.conn.execute("SELECT coalesce(max(id), 0) FROM units").fetchone()
            _set_max_id(store, int(max_id))
    finally:
        bulk.close()


def _read_dfs(store: Store, keys: Iterable[str]) -> dict[str, int]:
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
        out.extend(ids_from_blob(blob))
    return out


def prefix_posting_ids(store: Store, prefix: str, first: int) -> list[int]:
    """The *first* smallest unit ids under any key starting with *prefix* (1-character
    concordance: every character starts one padded bigram)."""
    best: set[int] = set()
    for (blob,) in store.conn.execute(
        "SELECT ids FROM fuzzy_postings WHERE key >= ? AND key < ?",
        (prefix, prefix + "\U0010ffff"),
    ):
        a = ids_from_blob(blob[: 4 * first])
        best.update(a)
        if len(best) > 4 * first:
            best = set(sorted(best)[:first])
    return sorted(best)[:first]


def _top_counted(counter: Counter[int], top: int) -> tuple[list[int], int]:
    """The *top* most counted ids, ties in counting order (a threshold and one filter instead
    of a heap over every id: the counts are small integers), and the highest count of an id
    left out (0 when none is)."""
    if len(counter) > top:
        hist = Counter(counter.values())
        need, t = top, 0
        for c in sorted(hist, reverse=True):
            need -= hist[c]
            if need <= 0:
                t = c
                break
        sel = [u for u, c in counter.items() if c >= t]
        left = counter[sel[top]] if len(sel) > top else t - 1
    else:
        sel = list(counter)
        left = 0
    sel.sort(key=counter.__getitem__, reverse=True)  # stable: ties keep counting order
    return sel[:top], left


#: from this many postings on, :func:`candidates` counts them in numpy (a sort in native
#: code) rather than in a Counter (a hash update per posting: about 2 ms for 12,000)
NUMPY_FROM = 4_000


def _top_counted_numpy(arrays: list[array[int]], top: int) -> tuple[list[int], int]:
    """:func:`_top_counted` over the concatenation of *arrays* (rarest key first), in numpy:
    the same ids (ties in counting order, the first occurrence deciding) and the highest
    count of an id left out."""
    import numpy as np

    ids = np.frombuffer(b"".join(a.tobytes() for a in arrays), dtype=np.uint32)  # native order
    if not len(ids):
        return [], 0
    values, first, counts = np.unique(ids, return_index=True, return_counts=True)
    order = np.lexsort((first, -counts.astype(np.int64)))[: top + 1]
    out = values[order[:top]].tolist()
    left = int(counts[order[top]]) if len(order) > top else 0
    return out, left


def short_ids(store: Store, counted: Iterable[int], qlen: int) -> list[tuple[int, int]]:
    """(id, length) of the *counted* units whose Japanese side could score 50 against a
    query of *qlen* characters (between half and twice as long); needs ``2*qlen <= SHORT_LEN``.
    """
    pool = set(counted)
    out: list[tuple[int, int]] = []
    for n in range((qlen + 1) // 2, 2 * qlen + 1):
        out.extend((u, n) for u in pool.intersection(posting_ids(store, f"#{n}")))
    return out


def candidates(
    store: Store,
    keys: Iterable[str],
    *,
    top: int = 150,
    budget: int = DEFAULT_BUDGET,
    df_cache: dict[str, int] | None = None,
    postings_cache: dict[str, array[int]] | None = None,
    short: int = 0,
    unseen: list[int] | None = None,
) -> list[int]:
    """Unit ids sharing the most of the query's rarest *keys*, best first.

    Keys are read rarest first until *budget* postings are counted (at least two keys are
    read, so a query made only of common bigrams still finds its candidates); ties keep
    that order (units holding the rarest keys first).

    :param short: the length of a short Japanese query (``2*short <= SHORT_LEN``): keep only
        units of a length that can reach 50, nearest length first among equal counts
    :param df_cache: / :param postings_cache: dictionaries a batch lookup passes to share reads
    :param unseen: a list that receives one number: at most how many of *keys* a unit left
        out of the result can hold (keys not read count as held), for
        :func:`bigram_similarity_bound`
    """
    keys = list(keys)
    if df_cache is None:
        dfs = _read_dfs(store, keys)
    else:
        missing = [k for k in keys if k not in df_cache]
        if missing:
            found = _read_dfs(store, missing)
            for k in missing:
                df_cache[k] = found.get(k, 0)
        dfs = {k: df_cache[k] for k in keys if df_cache[k]}
    chosen, total = choose_keys(dfs, budget)
    lists: dict[str, array[int]] = {}
    uncached = []
    for k in chosen:
        if postings_cache is not None and k in postings_cache:
            lists[k] = postings_cache[k]
        else:
            uncached.append(k)
    if uncached:
        marks = ",".join("?" * len(uncached))
        for key, blob in store.conn.execute(
            f"SELECT key, ids FROM fuzzy_postings WHERE key IN ({marks}) ORDER BY key, chunk",
            uncached,
        ):
            a = ids_from_blob(blob)
            if key in lists:
                lists[key].extend(a)
            else:
                lists[key] = a
        if postings_cache is not None:
            for key in uncached:
                got = lists.get(key)
                if got is not None and len(got) >= 2000:  # only common keys are worth keeping
                    postings_cache[key] = got
    return count_candidates(store, dfs, chosen, total, lists, top=top, short=short,
                            unseen=unseen)


def choose_keys(dfs: dict[str, int], budget: int) -> tuple[list[str], int]:
    """The keys :func:`candidates` reads: rarest first (ties by key) until *budget* postings
    are counted, and at least two; and how many postings they hold.

    >>> choose_keys({"ja": 5, "jb": 3, "jc": 9, "jd": 0}, 7)
    (['jb', 'ja'], 8)
    """
    chosen: list[str] = []
    total = 0
    for df, k in sorted((df, k) for k, df in dfs.items() if df):
        if total + df > budget and len(chosen) >= 2:
            break
        chosen.append(k)
        total += df
    return chosen, total


def count_candidates(
    store: Store, dfs: dict[str, int], chosen: list[str], total: int,
    lists: dict[str, array[int]], *, top: int = 150, short: int = 0,
    unseen: list[int] | None = None,
) -> list[int]:
    """The second half of :func:`candidates`: count the posting *lists* of the *chosen* keys
    (of the query's keys *dfs*) and keep the *top* units."""
    if not short and total >= NUMPY_FROM:
        out, left = _top_counted_numpy([lists[k] for k in chosen if k in lists], top)
        if unseen is not None:
            unseen.append(left + len(dfs) - len(chosen))
        return out
    counter: Counter[int] = Counter()
    for k in chosen:  # rarest first, so that ties rank units holding rare keys first
        got = lists.get(k)
        if got is not None:
            counter.update(got)
    if short:
        near = short_ids(store, counter, short)
        near.sort(key=lambda t: (-counter[t[0]], abs(t[1] - short)))
        return [u for u, _ in near[:top]]
    out, left = _top_counted(counter, top)
    if unseen is not None:
        unseen.append(left + len(dfs) - len(chosen))
    return out


#: the wide second pass counts up to this many postings (keys rarest first) ...
WIDE_BUDGET = 150_000
#: ... skipping keys held by more units than this (they rank nothing)
WIDE_MAX_DF = 60_000


def most_counted(data: bytes, want: int) -> list[int]:
    """The ids in *data* (uint32, little-endian) most often repeated, most first and ties by
    id: at least the first *want* of them (and every id tied with the last of those; a few
    more may follow).

    numpy's ``bincount`` counts a few hundred thousand ids in under a millisecond, a fifth
    of what sorting them takes (in polars or numpy).

    >>> from array import array
    >>> most_counted(array("I", [5, 3, 5, 9, 3, 5, 1]).tobytes(), 2)
    [5, 3]
    >>> most_counted(array("I", [7, 2, 7, 4, 2]).tobytes(), 1)
    [2, 7]
    """
    import numpy as np

    ids = np.frombuffer(data, dtype="<u4")
    if not len(ids) or want <= 0:
        return []
    if int(ids.max()) > 16 * len(ids) + 1_000_000:  # sparse ids: sort rather than count
        values, counts = np.unique(ids, return_counts=True)
        threshold = 1
        if len(values) > want:
            threshold = int(np.partition(counts, len(counts) - want)[len(counts) - want])
        keep = counts >= threshold
        values, counts = values[keep], counts[keep]
    else:
        per_id = np.bincount(ids)
        # A threshold count that at least *want* ids reach, estimated from a histogram of
        # the counts over every 8th posting (an id counted c times is met c times, so divide
        # by c), then lowered until it holds: every pass stays as long as the postings.
        step = 8 if len(ids) >= 50_000 else 1
        per_count = np.bincount(per_id[ids[::step]])
        per_count //= np.maximum(np.arange(len(per_count)), 1)
        at_least = np.cumsum(per_count[::-1])[::-1] * step
        enough = np.flatnonzero(at_least >= want)
        threshold = max(1, int(enough[-1])) if len(enough) else 1
        values = np.flatnonzero(per_id >= threshold)
        while len(values) < want and threshold > 1:
            threshold -= 1
            values = np.flatnonzero(per_id >= threshold)
        counts = per_id[values]
    order = np.lexsort((values, -counts.astype(np.int64)))
    return [int(v) for v in values[order]]


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
    """
    keys = list(keys)
    if df_cache is not None and all(k in df_cache for k in keys):
        dfs = {k: df_cache[k] for k in keys if df_cache[k]}
    else:
        dfs = _read_dfs(store, keys)
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
    skip = set(exclude)
    found = most_counted(b"".join(blobs), top + len(skip))
    return [u for u in found if u not in skip][:top]


class SqliteFuzzy:
    """The fuzzy-candidates area of :class:`~taiyaku.store.sqlite.SqliteStore`: posting-list
    look-ups over :mod:`taiyaku.core.matchkeys` keys (see :mod:`taiyaku.store.interface`).

    :param store: the open SQLite store
    """

    def __init__(self, store: Store) -> None:
        self._store = store

    def prepare(self, progress: Progress = no_progress) -> None:
        """:func:`prepare`, then read the file through a memory map (searches make many small
        random reads)."""
        prepare(self._store, progress)
        self._store.map_for_reading()

    def candidates(
        self, keys: Iterable[str], *, length: int, top: int = 150, budget: int = DEFAULT_BUDGET,
        df_cache: dict[str, int] | None = None,
        postings_cache: dict[str, array[int]] | None = None, short: int = 0,
    ) -> Candidates:
        """:func:`candidates`, with the bound (:func:`~taiyaku.core.matchkeys.
        bigram_similarity_bound`) on the raw similarity of any unit left out, for a query of
        *length* symbols (100 when unknown)."""
        keys = list(keys)
        unseen: list[int] = []
        ids = candidates(self._store, keys, top=top, budget=budget, df_cache=df_cache,
                         postings_cache=postings_cache, short=short, unseen=unseen)
        return self.bounded(ids, keys, unseen, length)

    @staticmethod
    def bounded(ids: list[int], keys: list[str], unseen: list[int], length: int) -> Candidates:
        """*ids* with the bound on the raw similarity of the units left out (*unseen*: what
        :func:`candidates` put there)."""
        bound = 100.0 if not unseen else bigram_similarity_bound(
            len(set(keys)), unseen[0], length)
        return Candidates(ids, bound)

    def wide_candidates(
        self, keys: Iterable[str], *, top: int = 300, exclude: Iterable[int] = (),
        budget: int = WIDE_BUDGET, max_df: int = WIDE_MAX_DF,
        df_cache: dict[str, int] | None = None,
    ) -> list[int]:
        """:func:`wide_candidates`."""
        return wide_candidates(self._store, keys, top=top, exclude=exclude, budget=budget,
                               max_df=max_df, df_cache=df_cache)

    def key_counts(self, keys: Iterable[str]) -> dict[str, int]:
        """How many units hold each of *keys* (keys no unit holds are left out)."""
        return _read_dfs(self._store, keys)

    def holders(self, key: str) -> array[int]:
        """Every unit id holding *key*, ascending."""
        return posting_ids(self._store, key)

    def first_holders(self, prefix: str, first: int) -> list[int]:
        """The *first* smallest unit ids holding a key that starts with *prefix*."""
        return prefix_posting_ids(self._store, prefix, first)

    def token_codes(self, ids: Sequence[int]) -> Iterator[tuple[int, bytes]]:
        """(id, English token codes as a uint32 blob) of the units *ids* (any order)."""
        conn = self._store.conn
        for i in range(0, len(ids), 500):
            part = list(ids[i : i + 500])
            yield from conn.execute(
                f"SELECT id, codes FROM fuzzy_tokens WHERE id IN ({','.join('?' * len(part))})",
                part)

    def rebuild(self, progress: Progress = no_progress) -> None:
        """:func:`rebuild` (inside the caller's transaction)."""
        rebuild(self._store, progress=progress)

    def deferred(self, progress: Progress = no_progress) -> contextlib.AbstractContextManager[
            None]:
        """:func:`deferred`."""
        return deferred(self._store, progress)

    def postings(self) -> dict[str, list[int]]:
        """Every key's posting list as stored (tests compare it with an exhaustive scan)."""
        out: dict[str, list[int]] = {}
        for key, blob in self._store.conn.execute(
                "SELECT key, ids FROM fuzzy_postings ORDER BY key, chunk"):
            out.setdefault(str(key), []).extend(ids_from_blob(blob))
        return out

    def key_counts_all(self) -> dict[str, int]:
        """Every key's stored count."""
        return {str(k): int(n) for k, n in self._store.conn.execute(
            "SELECT key, df FROM fuzzy_keys")}

    def codes_all(self) -> dict[int, bytes]:
        """Every unit's stored token codes."""
        return {int(i): bytes(b) for i, b in self._store.conn.execute(
            "SELECT id, codes FROM fuzzy_tokens")}
