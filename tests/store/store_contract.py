"""Helpers of the backend contract suite: an exhaustive view of what a store holds, compared
with what its index answers."""

from __future__ import annotations

from taiyaku.core.matchkeys import unit_keys
from taiyaku.store import Store


def stored(store: Store) -> dict[int, tuple[str, str, str]]:
    """Every stored unit: id → (ja, en, document name), by a full scan."""
    return {u.id: (u.ja, u.en, u.document) for u in store.units.iterate()}


def assert_index_exact(store: Store, extra_keys: set[str] | None = None) -> None:
    """The fuzzy index holds exactly the stored units: for every key of a stored unit (and
    every key in *extra_keys*, e.g. those of units just deleted or edited away), the units
    holding it are exactly the stored units that have it, and its count says so; every unit
    is its own best candidate."""
    units = list(store.units.iterate())
    keys_of = {u.id: unit_keys(u.ja_norm, u.en_norm) for u in units}
    keys: set[str] = set(extra_keys or ())
    for ks in keys_of.values():
        keys |= ks
    counts = store.fuzzy.key_counts(keys)
    for key in keys:
        want = sorted(uid for uid, ks in keys_of.items() if key in ks)
        assert list(store.fuzzy.holders(key)) == want, key
        assert counts.get(key, 0) == len(want), key
    for u in units:
        ja_keys = {k for k in keys_of[u.id] if k.startswith("j")}
        found = store.fuzzy.candidates(ja_keys, length=len(u.ja_norm), top=len(units) + 1)
        assert u.id in found.ids
        assert set(found.ids) <= set(keys_of)
