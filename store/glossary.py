"""The glossary area of the store: entries, their forms (with per-form statuses) and evidence.

A backend implements :class:`GlossaryArea`; the behaviour (matching rules, import rules,
extraction) lives in ``taiyaku.glossary`` and reaches the stored glossary only through it.
Entries travel as :class:`~taiyaku.core.terms.TermEntry` records; a form's ``status`` is
``None`` where it is the entry's own.

Writes are not transactions of their own: the caller wraps them in ``store.transaction()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from taiyaku.core.terms import TermEntry, TermForm

__all__ = ["GlossaryArea", "EntryState", "KeyedForm", "StoredEntry", "MatchHow", "FORM_COLUMNS"]

#: how a key is compared with a stored form's column (see :meth:`GlossaryArea.match_forms`)
MatchHow = Literal["exact", "prefix", "contains"]
#: the columns of a form that lookup compares: the normalised text and the kana reading
FORM_COLUMNS = ("norm", "reading")


@dataclass(frozen=True, slots=True)
class EntryState:
    """Who last decided about an entry.

    :ivar status: ``candidate``, ``approved`` or ``forbidden``
    :ivar origin: ``extracted``, ``manual`` or ``import``
    :ivar edited: a person changed it (status, forms or fields), so no machine replaces it
    """

    status: str
    origin: str
    edited: bool

    @property
    def protected(self) -> bool:
        """A human decision stands on this entry: extraction and imports leave it as it is."""
        return self.status != "candidate" or self.origin != "extracted" or self.edited


@dataclass(frozen=True, slots=True)
class KeyedForm:
    """A form to store with the keys lookup compares (the glossary's matching rules decide
    them, not the backend).

    :ivar norm: the form's matching key (``glossary.keys.ja_key`` / ``en_key``)
    :ivar reading: the kana reading key, or None
    """

    form: TermForm
    norm: str
    reading: str | None


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """Everything stored of one entry, as ``db copy`` moves it between stores.

    :ivar forms: the forms in stored order with the keys stored with them
    :ivar evidence: as :meth:`GlossaryArea.evidence` gives it
    :ivar removed: (lang, key) of the forms a person removed (:meth:`GlossaryArea.removed`)
    """

    entry: TermEntry
    forms: tuple[KeyedForm, ...]
    state: EntryState
    evidence: dict[str, Any]
    created: str
    updated: str
    removed: frozenset[tuple[str, str]] = frozenset()


class GlossaryArea(Protocol):
    """What every backend stores of the glossary, and the queries the glossary needs."""

    # -- entries ---------------------------------------------------------------------------
    def get(self, ids: Sequence[int]) -> list[TermEntry]:
        """Entries with these ids in the order given (unknown ids are skipped); forms in
        their stored order, preferred first."""
        ...

    def ranked_ids(self, *, status: str | None = None, limit: int | None = None) -> list[int]:
        """Entry ids best first (score, then frequency, then id), optionally of one status."""
        ...

    def filtered_ids(self, *, status: str | None = None, has_en: bool | None = None,
                     source: str | None = None, min_score: float | None = None,
                     max_score: float | None = None) -> list[int]:
        """Entry ids best first (as :meth:`ranked_ids`) of the entries that have *status*,
        have (True) or lack (False) an English form, list the document name *source* among
        their sources, and score at least *min_score* and at most *max_score* (None: any)."""
        ...

    def fingerprint(self) -> str:
        """A stamp of the glossary's state: the same while no entry or form is written, a
        new one after any write (what a cache built from the glossary, such as
        pre-translation's term index, checks before reuse). Cheap: read per request."""
        ...

    def standing(self, ids: Sequence[int]) -> dict[int, tuple[str, float]]:
        """(status, score) of each known entry among *ids*: what ranks equal lookup hits."""
        ...

    def state(self, term_id: int) -> EntryState | None:
        """Status, origin and the edited mark of an entry (None: no such entry)."""
        ...

    def evidence(self, term_id: int) -> dict[str, Any]:
        """The evidence stored with an entry: ``segments`` (ids) and, for extracted entries,
        ``units``, ``pairing`` and ``confidence``; empty when there is none."""
        ...

    def max_id(self) -> int:
        """The largest entry id so far (0 when the glossary is empty)."""
        ...

    def count(self, *, status: str | None = None, protected: bool = False) -> int:
        """How many entries (of *status*; only the protected ones with *protected*)."""
        ...

    def stored(self, ids: Sequence[int]) -> list[StoredEntry]:
        """Everything stored of the entries *ids*, in the order given (unknown ids skipped)."""
        ...

    # -- writing ---------------------------------------------------------------------------
    def add(self, entry: TermEntry, forms: Sequence[KeyedForm], *, origin: str,
            edited: bool = False, evidence: dict[str, Any] | None = None,
            term_id: int | None = None, created: str | None = None,
            updated: str | None = None) -> int:
        """Store the fields of *entry* as a new entry with *forms* (in this order, each
        language's first preferred; ``entry.ja``/``entry.en`` are not read); return its id.

        :param evidence: kept as the entry's evidence (``entry.evidence`` gives the segments)
        :param term_id: give the entry this id (``db copy`` into an empty store; later ids
            follow it); taken already: :class:`~taiyaku.core.errors.StoreError`
        :param created: keep this creation time (default: now); *updated* likewise
        """
        ...

    def replace(self, term_id: int, entry: TermEntry, forms: Sequence[KeyedForm], *,
                origin: str, edited: bool | None = None,
                evidence: dict[str, Any] | None = None) -> None:
        """Overwrite the fields of entry *term_id* with *entry*'s and its forms with *forms*.

        :param edited: set the edited mark to this (None: leave it)
        :param evidence: replace the stored evidence (None: keep it; segment ids that
            *entry* carries replace the stored ones)
        """
        ...

    def set_status(self, term_id: int, status: str) -> bool:
        """Set an entry's status by hand (marks it edited); False when there is no such entry.
        Forms with a status of their own keep it."""
        ...

    def delete(self, ids: Sequence[int]) -> int:
        """Remove these entries with their forms and evidence; return how many there were."""
        ...

    def dismiss(self, lang: str, keys: Iterable[str]) -> None:
        """Remember that a person deleted the terms with these keys (of *lang*), so that
        extraction does not propose them again."""
        ...

    def dismissed(self, lang: str) -> set[str]:
        """Keys of the terms of *lang* a person deleted."""
        ...

    def note_removed(self, term_id: int, forms: Iterable[tuple[str, str]]) -> None:
        """Remember that a person removed these (lang, key) forms from entry *term_id*, so
        that an import does not add them to it again."""
        ...

    def forget_removed(self, term_id: int, forms: Iterable[tuple[str, str]]) -> None:
        """A person gave entry *term_id* these (lang, key) forms back."""
        ...

    def removed(self, term_id: int) -> set[tuple[str, str]]:
        """(lang, key) of the forms a person removed from entry *term_id*."""
        ...

    def delete_extracted_candidates(self) -> int:
        """Remove the unprotected entries (see :attr:`EntryState.protected`) a previous
        extraction stored; return how many."""
        ...

    # -- finding ---------------------------------------------------------------------------
    def preferred_matches(self, lang: str, key: str, *, without_ja: bool = False,
                          upto: int | None = None) -> list[tuple[int, str]]:
        """(entry id, form text) of entries whose preferred *lang* form has this key, oldest
        first.

        :param without_ja: only entries that have no Japanese form
        :param upto: only entries with an id up to this one
        """
        ...

    def match_forms(self, column: str, lang: str | None, key: str, how: MatchHow) -> list[int]:
        """Ids of entries with a form whose *column* (:data:`FORM_COLUMNS`) equals, starts
        with or contains (ASCII case-insensitive) *key*; of one language unless *lang* is None.
        """
        ...

    def fuzzy_pool(self, column: str, lang: str | None, key: str,
                   limit: int) -> list[tuple[int, str]]:
        """(entry id, column value) of forms that may be fuzzy matches of *key*: a length
        window and a shared character (Japanese, readings) or word start (English). The
        caller scores them; a backend may use its own index."""
        ...

    def protected_keys(self) -> tuple[set[str], set[str]]:
        """Japanese and English keys of every form of a protected entry."""
        ...

    # -- documents ---------------------------------------------------------------------------
    def forget_document(self, doc_id: int) -> int:
        """Before document *doc_id* is removed (same transaction): take out of every entry's
        evidence the segments and units that go with it, and its name out of the entry's
        sources where no other document has that name. Entries stay. Return how many
        entries changed."""
        ...
