"""Contract: the QA area (``store.qa``) remembers false positives per checked file, by unit,
check and both texts, each call to ``remember`` all or nothing."""

from __future__ import annotations

import pytest
from taiyaku.core.findings import Finding
from taiyaku.store import Store


def _f(unit: str, check: str = "numbers", source: str = "3人", target: str = "three") -> Finding:
    return Finding(unit, check, "error", source, target, "numbers differ")


def test_nothing_known_in_a_fresh_store(backend: Store) -> None:
    assert backend.qa.known("job.xlf") == set()


def test_remember_counts_new_rows_and_keys_by_file(backend: Store) -> None:
    assert backend.qa.remember("job.xlf", [_f("1"), _f("1"), _f("2", "tags")]) == 2
    assert backend.qa.remember("job.xlf", [_f("1")]) == 0  # already known
    assert backend.qa.known("job.xlf") == {("1", "numbers", "3人", "three"),
                                           ("2", "tags", "3人", "three")}
    assert backend.qa.known("other.xlf") == set()


def test_an_edited_text_is_a_different_finding(backend: Store) -> None:
    backend.qa.remember("job.xlf", [_f("1")])
    backend.qa.remember("job.xlf", [_f("1", target="four")])
    assert {t for *_, t in backend.qa.known("job.xlf")} == {"three", "four"}


def test_remember_inside_a_failed_transaction_leaves_nothing(backend: Store) -> None:
    with pytest.raises(RuntimeError), backend.transaction():
        backend.qa.remember("job.xlf", [_f("1")])
        raise RuntimeError("the command failed")
    assert backend.qa.known("job.xlf") == set()


def test_remembered_across_reopening(backend: Store) -> None:
    from taiyaku.store import open_store

    backend.qa.remember("job.xlf", [_f("7")])
    # a file's path, or a server database's address (PgStore.address)
    path = backend.path if backend.path is not None else getattr(backend, "address", None)
    assert path is not None
    backend.close()
    again = open_store(path)
    try:
        assert again.qa.known("job.xlf") == {("7", "numbers", "3人", "three")}
    finally:
        again.close()


def test_all_lists_every_false_positive_of_every_file_sorted(backend: Store) -> None:
    backend.qa.remember("b.xlf", [_f("2")])
    backend.qa.remember("a.xlf", [_f("9", "tags"), _f("1", target="four")])
    assert backend.qa.all() == [("a.xlf", "1", "numbers", "3人", "four"),
                                ("a.xlf", "9", "tags", "3人", "three"),
                                ("b.xlf", "2", "numbers", "3人", "three")]
