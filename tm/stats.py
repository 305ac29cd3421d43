"""``taiyaku stats``: what the database holds and how it was produced."""

from __future__ import annotations

from dataclasses import dataclass

from taiyaku.core.dburl import mask
from taiyaku.core.printable import path_text, visible
from taiyaku.store.interface import Store

__all__ = ["Stats", "collect_stats"]


@dataclass(frozen=True)
class Stats:
    """Counts and meta of one database."""

    path: str
    schema_version: int
    counts: dict[str, int]
    meta: dict[str, str]

    def to_json(self) -> dict[str, object]:
        """JSON shape for ``--json``."""
        return {"database": self.path, "schema_version": self.schema_version,
                **self.counts, "meta": self.meta}

    def render(self) -> str:
        """Human-readable lines."""
        c = self.counts
        lines = [
            f"database:   {visible(self.path)}",
            f"documents:  {c['documents']}",
            f"segments:   {c['segments']} (ja {c['segments_ja']}, en {c['segments_en']}; "
            f"{c['unaligned_segments']} unaligned)",
            f"TM units:   {c['units']}",
            f"terms:      {c['terms']} ({c['terms_approved']} approved)",
            f"schema:     {self.schema_version}",
        ]
        # meta values are stored text: a database from elsewhere could hold escape sequences
        lines += [f"{visible(k) + ':':<20}{visible(v)}" for k, v in sorted(self.meta.items())]
        return "\n".join(lines)


def collect_stats(store: Store) -> Stats:
    """Gather :class:`Stats` for *store*.

    >>> from taiyaku.store import open_store
    >>> s = collect_stats(open_store(":memory:"))
    >>> s.counts["units"], s.schema_version >= 1
    (0, True)
    """
    return Stats(
        # a server's address without its password (a file's path as it is)
        path=mask(path_text(store.path) if store.path else store.name),
        schema_version=store.schema_version,
        counts=store.counts(),
        meta=store.meta.all(),
    )
