"""Backend contract: meta settings, and transactions (a failed one leaves everything as it was,
index included; nested ones are savepoints)."""

from __future__ import annotations

import pytest
from store_contract import assert_index_exact, stored
from taiyaku.core.matchkeys import unit_keys
from taiyaku.core.model import NewUnit
from taiyaku.core.normalize import normalize
from taiyaku.store import Store


def test_meta_get_set_all(backend: Store) -> None:
    assert backend.meta.get("probe") is None
    with backend.transaction():
        backend.meta.set("probe", "1")
        backend.meta.set("probe", "2")
    assert backend.meta.get("probe") == "2" and backend.meta.all()["probe"] == "2"
    assert backend.meta.get("created")  # a new store is signed


def _snapshot(store: Store) -> tuple[object, ...]:
    return (store.documents.all(), stored(store), store.meta.all(), store.counts())


def test_a_failed_transaction_changes_nothing(backend: Store) -> None:
    with backend.transaction():
        doc = backend.documents.add("kept", layout="pair", kind="bilingual")
        (uid,) = backend.units.add(doc, [NewUnit("京都の寺", "A temple in Kyoto", 0)])
    before = _snapshot(backend)
    new = NewUnit("奈良の鹿", "Deer in Nara", 1)
    with pytest.raises(RuntimeError), backend.transaction():
        backend.units.add(doc, [new])
        backend.units.update(uid, en="Kyoto temple")  # type: ignore[arg-type]
        other = backend.documents.add("lost", layout="pair", kind="bilingual")
        backend.units.add(other, [NewUnit("大阪城", "Osaka Castle", 0)])
        backend.meta.set("probe", "x")
        raise RuntimeError("fails")
    assert _snapshot(backend) == before
    assert_index_exact(backend, unit_keys(normalize(new.ja), normalize(new.en))
                       | unit_keys("大阪城", "Osaka Castle"))


def test_nested_transactions_roll_back_alone(backend: Store) -> None:
    with backend.transaction():
        doc = backend.documents.add("outer", layout="pair", kind="bilingual")
        with pytest.raises(RuntimeError), backend.transaction():
            backend.units.add(doc, [NewUnit("奈良の鹿", "Deer in Nara", 0)])
            raise RuntimeError("inner fails")
        backend.units.add(doc, [NewUnit("京都の寺", "A temple in Kyoto", 1)])
    assert [v[0] for v in stored(backend).values()] == ["京都の寺"]
    assert_index_exact(backend, unit_keys("奈良の鹿", "Deer in Nara"))
