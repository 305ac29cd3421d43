"""The glossary's rules over the store's glossary area: adding, editing, merging, importing.

Matching keys, readings and the rules of who may change what live here; the statements
that read and write entries live in the store (:mod:`taiyaku.store.sqlite.glossary`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from taiyaku.core.errors import InputError, NotFoundError
from taiyaku.core.terms import FORM_KINDS, STATUSES, TermEntry, TermForm
from taiyaku.glossary.keys import en_key, ja_key, reading_key
from taiyaku.store.glossary import KeyedForm

if TYPE_CHECKING:
    from taiyaku.core.japanese import Analyzer
    from taiyaku.store.interface import Store

__all__ = [
    "list_terms", "add_term", "add_or_update_term", "TermAdded", "set_status", "get_entry",
    "iter_entries", "upsert_entries", "insert_entry", "replace_entry", "find_entry_id",
    "protected_keys", "form_key", "load_entries", "delete_extracted_candidates",
    "ImportOutcome", "import_entries", "IMPORT_ACTIONS", "TermEdit", "edit_term",
    "delete_terms", "merge_terms", "TermMerged",
]


def form_key(form: TermForm) -> str:
    """The matching key of a form: :func:`ja_key` or :func:`en_key` by language."""
    return en_key(form.text) if form.lang == "en" else ja_key(form.text)


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise InputError(f"unknown term status {status!r}: use one of {', '.join(STATUSES)}")


def _no_term(term_id: int) -> NotFoundError:
    return NotFoundError(f"no term with id {term_id} (see `taiyaku terms list`)")


def load_entries(store: Store, ids: Sequence[int]) -> list[TermEntry]:
    """Entries with these ids, in the order given (missing ids are skipped)."""
    return store.glossary.get(ids)


def get_entry(store: Store, term_id: int) -> TermEntry:
    """One entry by id.

    :raises InputError: no entry has this id

    >>> from taiyaku.store import open_store
    >>> s = open_store(":memory:")
    >>> e = add_term(s, "台湾有事", "Taiwan contingency")
    >>> get_entry(s, e.id).en[0].text
    'Taiwan contingency'
    """
    found = load_entries(store, [term_id])
    if not found:
        raise _no_term(term_id)
    return found[0]


def list_terms(store: Store, *, status: str | None = None, limit: int = 50) -> list[TermEntry]:
    """The glossary, best first (score, then frequency, then id).

    >>> from taiyaku.store import open_store
    >>> s = open_store(":memory:")
    >>> _ = add_term(s, "川習会")
    >>> [e.ja[0].text for e in list_terms(s)]
    ['川習会']
    """
    if status is not None:
        _check_status(status)
    area = store.glossary
    return area.get(area.ranked_ids(status=status, limit=limit))


def iter_entries(store: Store, *, status: str | None = None) -> Iterator[TermEntry]:
    """Every entry (best first), loaded in batches; for exports.

    >>> from taiyaku.store import open_store
    >>> s = open_store(":memory:")
    >>> _ = add_term(s, "戦後秩序", "post-war order")
    >>> [e.en[0].text for e in iter_entries(s, status="approved")]
    ['post-war order']
    """
    if status is not None:
        _check_status(status)
    area = store.glossary
    ids = area.ranked_ids(status=status)
    for start in range(0, len(ids), 500):
        yield from area.get(ids[start : start + 500])


def _with_readings(entry: TermEntry, analyzer: Analyzer | None) -> tuple[TermForm, ...]:
    """JA forms with a reading filled in where Sudachi can give one."""
    out = []
    for f in entry.ja:
        if f.reading is None and analyzer is not None:
            f = TermForm(f.text, f.lang, f.kind, analyzer.reading(f.text), f.status, f.pos)
        out.append(f)
    return tuple(out)


def _keyed(forms: Iterable[TermForm]) -> list[KeyedForm]:
    """The forms to store (blank ones dropped, text trimmed) with their matching keys."""
    out = []
    for f in forms:
        text = f.text.strip()
        if not text:
            continue
        kind = f.kind if f.kind in FORM_KINDS else "variant"
        reading = reading_key(f.reading) if f.reading else None
        if f.lang == "ja" and reading is None:
            # A kana term is its own reading, so hiragana queries find katakana words.
            r = reading_key(text)
            reading = r if r and all("\u3041" <= c <= "\u309f" or c == "ー" for c in r) else None
        form = dataclasses.replace(f, text=text, kind=kind)
        out.append(KeyedForm(form, form_key(form), reading))
    return out


def _entry_forms(entry: TermEntry, analyzer: Analyzer | None) -> list[KeyedForm]:
    return _keyed((*_with_readings(entry, analyzer), *entry.en))


def insert_entry(
    store: Store, entry: TermEntry, *, origin: str | None = None, edited: bool = False,
    evidence: dict[str, Any] | None = None, analyzer: Analyzer | None = None,
) -> int:
    """Insert *entry* as a new row (inside the caller's transaction); return its id.

    :param evidence: extra JSON kept with the entry next to the segment ids
        (units, pairing method and confidence)
    """
    _check_status(entry.status)
    return store.glossary.add(entry, _entry_forms(entry, analyzer),
                                  origin=origin or entry.origin, edited=edited,
                                  evidence=evidence)


def replace_entry(
    store: Store, term_id: int, entry: TermEntry, *, origin: str,
    analyzer: Analyzer | None = None, edited: bool | None = None,
) -> None:
    """Overwrite entry *term_id* with the fields and forms of *entry*.

    :param edited: set the entry's edited mark to this (None: leave it as it is)
    """
    _check_status(entry.status)
    store.glossary.replace(term_id, entry, _entry_forms(entry, analyzer), origin=origin,
                               edited=edited)


def find_entry_id(store: Store, entry: TermEntry) -> int | None:
    """The id of the stored entry whose preferred JA form (or EN form, for entries without
    Japanese) has the same key as *entry*'s, or None."""
    if entry.ja:
        # An EN-only entry matches only entries without Japanese.
        found = store.glossary.preferred_matches("ja", ja_key(entry.ja[0].text))
    elif entry.en:
        found = store.glossary.preferred_matches("en", en_key(entry.en[0].text),
                                                     without_ja=True)
    else:
        return None
    return found[0][0] if found else None


def upsert_entries(
    store: Store, entries: Iterable[TermEntry], *, origin: str = "import"
) -> int:
    """Insert or update entries (inside the caller's transaction); return how many were written.

    An entry matches a stored one by its preferred Japanese form (or English form when it has
    no Japanese); a match is overwritten with all the fields of the new entry, else a new row
    is inserted. Japanese forms without a reading get one from Sudachi.

    >>> from taiyaku.store import open_store
    >>> s = open_store(":memory:")
    >>> with s.transaction():
    ...     upsert_entries(s, [TermEntry(ja=(TermForm("台湾有事", "ja"),), status="approved")])
    1
    >>> with s.transaction():
    ...     upsert_entries(s, [TermEntry(ja=(TermForm("台湾有事", "ja"),),
    ...                                  en=(TermForm("Taiwan contingency", "en"),))])
    1
    >>> [(e.ja[0].text, e.en[0].text, e.status) for e in iter_entries(s)]
    [('台湾有事', 'Taiwan contingency', 'candidate')]
    """
    if origin not in ("extracted", "manual", "import"):
        raise InputError(f"unknown term origin {origin!r}")
    analyzer: Analyzer | None = None
    count = 0
    with store.transaction():
        for entry in entries:
            if not entry.ja and not entry.en:
                continue
            if analyzer is None and any(f.reading is None for f in entry.ja):
                from taiyaku.core.japanese import Analyzer

                analyzer = Analyzer()
            existing = find_entry_id(store, entry)
            if existing is None:
                insert_entry(store, entry, origin=origin, analyzer=analyzer)
            else:
                replace_entry(store, existing, entry, origin=origin, analyzer=analyzer)
            count += 1
    return count


def _keep_statuses(forms: Iterable[TermForm], was: str, now: str) -> list[TermForm]:
    """*forms* of an entry whose status goes from *was* to *now*, each keeping the status it
    had (a form without its own status had the entry's)."""
    return [_with_status(f, f.status or was, now) for f in forms]


def _demoted(f: TermForm) -> TermForm:
    """A form that is no longer its language's first: a main term becomes a synonym."""
    return dataclasses.replace(f, kind="synonym") if f.kind == "term" else f


@dataclass(frozen=True)
class TermAdded:
    """What ``terms add`` did.

    :ivar existed: the Japanese term was already the preferred term of this entry
    :ivar previous_en: the entry's preferred English before (None: it had none)
    :ivar also_in: other entries that list the Japanese term among their forms (a
        candidate may have taken it as a variant): left as they are, named so the user can
        edit or merge them
    """

    entry: TermEntry
    existed: bool
    previous_en: str | None = None
    also_in: tuple[int, ...] = ()

    def to_json(self) -> dict[str, object]:
        """The entry's JSON plus ``existed``, ``previous_en`` and ``also_in``."""
        return {**self.entry.to_json(), "existed": self.existed,
                "previous_en": self.previous_en, "also_in": list(self.also_in)}

    def summary(self) -> str:
        """One line for the terminal."""
        from taiyaku.core.printable import visible

        e = self.entry
        ja = visible(e.ja[0].text) if e.ja else ""
        en = visible(e.en[0].text) if e.en else ""
        if not self.existed:
            line = f"added term {e.id}: {ja} = {en}"
        else:
            line = f"{ja} already exists as term {e.id}: updated it ({e.status})"
            if e.en and self.previous_en is not None and self.previous_en != e.en[0].text:
                line += (f"; preferred English is now {en!r} "
                         f"({visible(self.previous_en)!r} kept as a variant)")
        if self.also_in:
            ids = ", ".join(str(i) for i in self.also_in)
            line += (f"; {ja} is also a form of term{'s' if len(self.also_in) > 1 else ''} "
                     f"{ids} (left as {'they are' if len(self.also_in) > 1 else 'it is'}: "
                     "taiyaku terms edit / merge)")
        return line


def add_or_update_term(
    store: Store, ja: str, en: str | None = None, *, note: str | None = None,
    status: str = "approved",
) -> TermAdded:
    """Add a term by hand (origin ``manual``), or update the entry that has this Japanese term
    as its preferred term, and say which.

    Updating an entry: the Japanese term gets *status* (the entry's status); with *en*, that
    English becomes the preferred English form with *status* too (the machine's pairing it
    replaces stays as a variant); every other form keeps the status it had, so a forbidden
    form stays forbidden and a candidate translation is not approved by the way. With
    ``status="forbidden"`` and *en*, only that English form is forbidden: the entry and its
    other forms keep their statuses. *note* replaces the entry's note when given.

    :raises InputError: empty term or unknown status

    >>> from taiyaku.store import open_store
    >>> s = open_store(":memory:")
    >>> with s.transaction():
    ...     _ = insert_entry(s, TermEntry(ja=(TermForm("日米同盟", "ja"),),
    ...                                   en=(TermForm("U.S. Japan", "en"),)))
    >>> done = add_or_update_term(s, "日米同盟", "U.S.–Japan alliance")
    >>> done.existed, [(f.text, f.status) for f in done.entry.en], done.entry.status
    (True, [('U.S.–Japan alliance', None), ('U.S. Japan', 'candidate')], 'approved')
    """
    _check_status(status)
    ja = ja.strip()
    if not ja:
        raise InputError("the Japanese term is empty")
    from taiyaku.core.japanese import Analyzer

    analyzer = Analyzer()
    new_en = TermForm(en.strip(), "en") if en and en.strip() else None
    entry = TermEntry(ja=(TermForm(ja, "ja"),), en=(new_en,) if new_en else (), status=status,
                      note=note, origin="manual")
    area = store.glossary
    with store.transaction():
        existing = find_entry_id(store, entry)
        holders = area.match_forms("norm", "ja", ja_key(ja), "exact")
        if existing is None:
            term_id = insert_entry(store, entry, origin="manual", edited=True, analyzer=analyzer)
            return TermAdded(get_entry(store, term_id), False,
                             also_in=tuple(sorted(set(holders))))
        also_in = tuple(sorted(set(holders) - {existing}))
        old = get_entry(store, existing)
        state = area.state(existing)
        assert state is not None
        previous = old.en[0].text if old.en else None
        if status == "forbidden" and new_en is not None:
            # forbidding a translation of a known term: that form only
            now = old.status
            ja_forms = old.ja
            others = [f for f in old.en if en_key(f.text) != en_key(new_en.text)]
            en_forms = [_promoted(others[0]), *others[1:],
                        _demoted(_with_status(new_en, "forbidden", now))] \
                if others else [_with_status(new_en, "forbidden", now)]
        else:
            now = status
            key = ja_key(ja)
            ja_forms = tuple(
                dataclasses.replace(f, status=None) if ja_key(f.text) == key
                else _with_status(f, f.status or old.status, now) for f in old.ja)
            kept = _keep_statuses(old.en, old.status, now)
            if new_en is not None:
                others = [f for f in kept if en_key(f.text) != en_key(new_en.text)]
                en_forms = [new_en, *(_demoted(f) for f in others)]
            else:
                en_forms = kept
        merged = dataclasses.replace(
            old, ja=tuple(ja_forms), en=tuple(en_forms), status=now,
            note=note if note is not None else old.note)
        replace_entry(store, existing, merged, origin="manual" if state.origin == "extracted"
                      else state.origin, analyzer=analyzer, edited=True)
        return TermAdded(get_entry(store, existing), True, previous, also_in)


def add_term(
    store: Store, ja: str, en: str | None = None, *, note: str | None = None,
    status: str = "approved",
) -> TermEntry:
    """Add a term by hand (see :func:`add_or_update_term`); return the entry.

    :raises InputError: empty term or unknown status

    >>> from taiyaku.store import open_store
    >>> s = open_store(":memory:")
    >>> e = add_term(s, "戦略的曖昧さ", "strategic ambiguity", note="US policy on Taiwan")
    >>> e.ja[0].reading, e.status, e.origin
    ('せんりゃくてきあいまいさ', 'approved', 'manual')
    """
    return add_or_update_term(store, ja, en, note=note, status=status).entry


def set_status(store: Store, term_id: int, status: str) -> TermEntry:
    """Approve, demote or forbid an entry; a status set by hand marks it edited, so
    extraction never replaces it. Forms with a status of their own keep it.

    :raises InputError: unknown id or status

    >>> from taiyaku.store import open_store
    >>> s = open_store(":memory:")
    >>> e = add_term(s, "習会", status="candidate")
    >>> set_status(s, e.id, "forbidden").status
    'forbidden'
    """
    _check_status(status)
    with store.transaction():
        if not store.glossary.set_status(term_id, status):
            raise _no_term(term_id)
    return get_entry(store, term_id)


def protected_keys(store: Store) -> tuple[set[str], set[str]]:
    """JA and EN keys of entries extraction must leave alone (approved, forbidden, manual,
    imported or edited); any of their forms counts."""
    return store.glossary.protected_keys()


def delete_extracted_candidates(store: Store) -> int:
    """Drop the candidates of the previous extraction run (never edited or protected ones)."""
    return store.glossary.delete_extracted_candidates()


# -- import: add, merge, update, never overwrite a human decision --------------------------------
#: what an import did with one entry of the file (see :func:`import_entries`)
IMPORT_ACTIONS = ("added", "merged", "updated", "unchanged", "skipped")


@dataclass(frozen=True)
class ImportOutcome:
    """What happened to one entry of an imported file.

    :ivar action: one of :data:`IMPORT_ACTIONS`
    :ivar term_id: the stored entry it became or went into
    :ivar forms_added: forms (``"lang:text"``) added to an existing entry
    :ivar kept: fields of a protected entry the file would have changed (left as they are),
        and ``removed form lang:text`` for a form a person removed that the file has
    """

    action: str
    term_id: int
    term: str
    forms_added: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        """Machine-readable shape for ``--json``."""
        return {"action": self.action, "id": self.term_id, "term": self.term,
                "forms_added": list(self.forms_added), "kept": list(self.kept)}


def _same_term_ids(store: Store, entry: TermEntry, max_id: int) -> list[int]:
    """Entries stored before this import (id <= *max_id*) whose preferred term is *entry*'s,
    letter for letter (``ＡＢＣ会社`` is not ``ABC会社``); English only for entries without
    Japanese on either side."""
    if entry.ja:
        form, lang = entry.ja[0], "ja"
    else:
        form, lang = entry.en[0], "en"
    text = form.text.strip()
    rows = store.glossary.preferred_matches(lang, form_key(form), without_ja=lang == "en",
                                                upto=max_id)
    return [i for i, t in rows if t == text]


def _pick_match(store: Store, entry: TermEntry, ids: list[int]) -> TermEntry | None:
    """The stored entry that is *entry*'s concept: one sharing an English form (exact text);
    else, for a file entry without English, the oldest; else one without any English (the
    file fills in its translation). Two concepts with different translations stay apart."""
    if not ids:
        return None
    olds = load_entries(store, ids)
    if not entry.ja:
        return olds[0]
    mine = {f.text.strip() for f in entry.en}
    for old in olds:
        if mine & {f.text.strip() for f in old.en}:
            return old
    if not mine:
        return olds[0]
    return next((old for old in olds if not old.en), None)


def _with_status(f: TermForm, effective: str, entry_status: str) -> TermForm:
    """*f* with a per-form status that keeps *effective* under an entry of *entry_status*."""
    return dataclasses.replace(f, status=None if effective == entry_status else effective)


def _merge_forms(old: TermEntry, new: TermEntry, lang: str, protected: bool,
                 status: str) -> tuple[tuple[TermForm, ...], list[str]]:
    """Forms of *lang* after the import, and the ones that are new (``"lang:text"``)."""
    olds = old.ja if lang == "ja" else old.en
    news = new.ja if lang == "ja" else new.en
    have = {f.text.strip() for f in olds}
    added = [f for f in news if f.text.strip() not in have]
    label = [f"{lang}:{f.text.strip()}" for f in added]
    # every form keeps the status it had (explicit or through its entry)
    kept = [_with_status(f, f.status or old.status, status) for f in olds]
    incoming = [_with_status(dataclasses.replace(f, kind="synonym" if f.kind == "term"
                                                 and (olds or f is not news[0]) else f.kind),
                             f.status or new.status, status) for f in added]
    if protected or not news:
        return tuple(kept + incoming), label
    # an unreviewed entry takes the file's order and form data; its own extra forms follow
    by_text = {f.text.strip(): f for f in news}
    stored = {f.text.strip(): f for f in olds}
    ordered = []
    for f in news:
        was = stored.get(f.text.strip())
        if was is not None:
            # what the file leaves empty, the stored form keeps
            f = dataclasses.replace(f, reading=f.reading or was.reading, pos=f.pos or was.pos)
        ordered.append(_with_status(f, f.status or new.status, status))
    ordered = [dataclasses.replace(f, kind="term") if i == 0 and f.kind == "synonym" else f
               for i, f in enumerate(ordered)]
    rest = [f for f in kept if f.text.strip() not in by_text]
    return tuple(ordered + rest), label


def _merged_entry(old: TermEntry, new: TermEntry, protected: bool
                  ) -> tuple[TermEntry, list[str], list[str]]:
    """(entry after the import, forms added, fields of a protected entry left as they were)"""
    kept: list[str] = []
    if protected:
        status = old.status
        # a file's "candidate" (also what a file without a status column says) claims nothing
        if new.status not in (old.status, "candidate"):
            kept.append("status")
        for name in ("pos", "note", "definition", "context"):
            value = getattr(new, name)
            if value is not None and value != getattr(old, name):
                kept.append(name)
        fields = {}
    else:
        status = new.status
        fields = {name: getattr(new, name) if getattr(new, name) is not None
                  else getattr(old, name) for name in ("pos", "note", "definition", "context")}
        fields["sources"] = tuple(dict.fromkeys((*old.sources, *new.sources)))
    ja, ja_added = _merge_forms(old, new, "ja", protected, status)
    en, en_added = _merge_forms(old, new, "en", protected, status)
    merged = dataclasses.replace(old, ja=ja, en=en, status=status, **fields)
    return merged, ja_added + en_added, kept


def import_entries(store: Store, entries: Iterable[TermEntry]) -> list[ImportOutcome]:
    """Store the entries of an imported file (inside the caller's transaction).

    The rules (README, "terms import"):

    - entries of one file are never merged with each other: two concepts that share a term
      (銀行 *bank* and 銀行 *blood bank*) stay two entries;
    - a file entry goes into a stored entry only when both have the same preferred term,
      letter for letter, and they share an English form (or one of them has no English);
      otherwise it is a new entry;
    - a stored entry that is approved, forbidden, added by hand or edited is protected: it
      keeps its status, fields and forms; the file can only add forms it lacks (each with
      the status the file gives it, so a candidate translation is not approved by the
      import): ``merged``; a file that differs only in what is kept is ``skipped``; a form a
      person removed from the entry (``terms edit --remove``) is not added back;
    - an unreviewed stored entry takes the file's status and fields (empty cells keep what
      was there) and gains its forms: ``updated``;
    - an entry already stored as it is in the file is ``unchanged``.

    >>> from taiyaku.store import open_store
    >>> s = open_store(":memory:")
    >>> port = add_term(s, "港湾", "port", note="our house style")
    >>> with s.transaction():
    ...     done = import_entries(s, [TermEntry(ja=(TermForm("港湾", "ja"),),
    ...                                          en=(TermForm("port", "en"),
    ...                                              TermForm("harbour", "en")))])
    >>> [(o.action, o.forms_added, o.kept) for o in done]
    [('merged', ('en:harbour',), ())]
    >>> e = get_entry(s, port.id)
    >>> e.status, e.note, [(f.text, f.status) for f in e.en]
    ('approved', 'our house style', [('port', None), ('harbour', 'candidate')])
    """
    analyzer: Analyzer | None = None
    area = store.glossary
    max_id = area.max_id()
    out: list[ImportOutcome] = []
    for entry in entries:
        if not entry.ja and not entry.en:
            continue
        _check_status(entry.status)
        if analyzer is None and any(f.reading is None for f in entry.ja):
            from taiyaku.core.japanese import Analyzer

            analyzer = Analyzer()
        label = (entry.ja or entry.en)[0].text.strip()
        old = _pick_match(store, entry, _same_term_ids(store, entry, max_id))
        if old is None or old.id is None:
            term_id = insert_entry(store, entry, origin="import", analyzer=analyzer)
            out.append(ImportOutcome("added", term_id, label))
            continue
        state = area.state(old.id)
        assert state is not None
        origin = state.origin
        protected = state.status != "candidate" or origin == "manual" or state.edited
        refused: list[str] = []
        if protected:
            # a form a person removed from this entry stays removed
            gone = area.removed(old.id)
            if gone:
                refused = [f"removed form {f.lang}:{f.text.strip()}" for f in (*entry.ja,
                           *entry.en) if (f.lang, form_key(f)) in gone]
                entry = dataclasses.replace(
                    entry, ja=tuple(f for f in entry.ja if ("ja", form_key(f)) not in gone),
                    en=tuple(f for f in entry.en if ("en", form_key(f)) not in gone))
        merged, added, kept = _merged_entry(old, entry, protected)
        kept += refused
        if (protected and not added) or merged == old:
            # a protected entry is written only when it gains forms
            action = "skipped" if kept else "unchanged"
        else:
            action = "merged" if protected else "updated"
            replace_entry(store, old.id, merged, origin=origin if protected else "import",
                          analyzer=analyzer)
        out.append(ImportOutcome(action, old.id, label, tuple(added), tuple(kept)))
    return out


# -- editing by hand: edit, delete, merge --------------------------------------------------------
@dataclass(frozen=True)
class TermEdit:
    """The changes ``terms edit`` makes to one entry (None / empty: leave as it is).

    :ivar ja: the preferred Japanese form (an existing form moves first; a new one is added
        first); the previous preferred form stays as a variant
    :ivar en: the preferred English form, likewise
    :ivar add_ja: Japanese variants to add (forms the entry has already are left as they are)
    :ivar add_en: English variants to add
    :ivar remove: forms to remove (their text, in either language)
    :ivar form_status: (form text, status) pairs: a status of that form's own
    :ivar note: the note (``""`` removes it); likewise *definition* and *pos*
    :ivar status: the entry's status (forms with a status of their own keep it)
    """

    ja: str | None = None
    en: str | None = None
    add_ja: tuple[str, ...] = ()
    add_en: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    form_status: tuple[tuple[str, str], ...] = ()
    note: str | None = None
    definition: str | None = None
    pos: str | None = None
    status: str | None = None

    def is_empty(self) -> bool:
        """Nothing to change."""
        return self == TermEdit()


def _form_index(forms: Sequence[TermForm], lang: str, text: str) -> int | None:
    """Where a form with this text (by matching key) is among *forms* of *lang*."""
    key = form_key(TermForm(text, lang))
    return next((i for i, f in enumerate(forms) if f.lang == lang and form_key(f) == key), None)


def _find_form(entry: TermEntry, text: str) -> tuple[str, int]:
    """(language, index) of the form of *entry* written *text*: the exact text first, then
    the same matching key.

    :raises InputError: the entry has no such form
    """
    t = text.strip()
    for lang, forms in (("ja", entry.ja), ("en", entry.en)):
        for i, f in enumerate(forms):
            if f.text == t:
                return lang, i
    for lang, forms in (("ja", entry.ja), ("en", entry.en)):
        found = _form_index(forms, lang, t)
        if found is not None:
            return lang, found
    from taiyaku.core.printable import visible

    raise InputError(f"term {entry.id} has no form {visible(t)!r} "
                     f"(its forms: {', '.join(visible(f.text) for f in (*entry.ja, *entry.en))})")


def _promoted(f: TermForm) -> TermForm:
    """A form that becomes its language's first: a synonym or variant becomes the main term
    (an abbreviation stays one)."""
    return dataclasses.replace(f, kind="term") if f.kind in ("synonym", "variant") else f


def _preferred(forms: list[TermForm], text: str, lang: str) -> list[TermForm]:
    """*forms* with the form *text* first (added when missing), the others demoted."""
    i = _form_index(forms, lang, text)
    first = TermForm(text, lang) if i is None else forms.pop(i)
    first = _promoted(first)
    return [first, *(_demoted(f) for f in forms)]


def _clean(text: str, what: str) -> str:
    t = text.strip()
    if not t:
        raise InputError(f"the {what} is empty")
    return t


def _edited_entry(old: TermEntry, edit: TermEdit) -> TermEntry:
    """*old* with *edit* applied (nothing stored yet).

    :raises InputError: an empty form, a form to remove or restate that the entry lacks,
        an unknown status, or an entry left without any form
    """
    status = old.status
    if edit.status is not None:
        _check_status(edit.status)
        status = edit.status
    forms = {"ja": list(old.ja), "en": list(old.en)}
    for text in edit.remove:
        lang, i = _find_form(dataclasses.replace(old, ja=tuple(forms["ja"]),
                                                 en=tuple(forms["en"])), text)
        del forms[lang][i]
        if i == 0 and forms[lang]:
            forms[lang][0] = _promoted(forms[lang][0])
    for lang, first in (("ja", edit.ja), ("en", edit.en)):
        if first is not None:
            forms[lang] = _preferred(forms[lang], _clean(first, f"{lang} form"), lang)
    for lang, texts in (("ja", edit.add_ja), ("en", edit.add_en)):
        for text in texts:
            t = _clean(text, f"{lang} variant")
            if _form_index(forms[lang], lang, t) is None:
                kind = "term" if not forms[lang] else "variant"
                forms[lang].append(TermForm(t, lang, kind))
    new = dataclasses.replace(old, ja=tuple(forms["ja"]), en=tuple(forms["en"]))
    changed: dict[tuple[str, int], str] = {}
    for text, form_status in edit.form_status:
        _check_status(form_status)
        changed[_find_form(new, text)] = form_status
    if not new.ja and not new.en:
        raise InputError(f"term {old.id} would have no form left: delete it instead "
                         f"(taiyaku terms delete {old.id})")

    def restate(lang: str, i: int, f: TermForm) -> TermForm:
        # a form keeps the status it had unless this edit sets one: a new entry status
        # reaches only the forms that had none of their own (as `terms set-status` does)
        if (lang, i) in changed:
            return _with_status(f, changed[(lang, i)], status)
        return _with_status(f, f.status or status, status)

    fields: dict[str, Any] = {}
    for name in ("note", "definition", "pos"):
        value = getattr(edit, name)
        if value is not None:
            fields[name] = value.strip() or None
    return dataclasses.replace(
        new, status=status,
        ja=tuple(restate("ja", i, f) for i, f in enumerate(new.ja)),
        en=tuple(restate("en", i, f) for i, f in enumerate(new.en)), **fields)


def edit_term(store: Store, term_id: int, edit: TermEdit) -> TermEntry:
    """Change an entry by hand in one transaction; return it as stored. The entry is marked
    edited, so neither extraction nor an import changes it afterwards.

    :raises InputError: unknown id, nothing to change, or a change that cannot be made
        (see :func:`_edited_entry`); the glossary is left as it was

    >>> from taiyaku.store import open_store
    >>> s = open_store(":memory:")
    >>> e = add_term(s, "港湾", "harbor", status="candidate")
    >>> e = edit_term(s, e.id, TermEdit(en="port", form_status=(("harbor", "forbidden"),),
    ...                                  status="approved", note="house style"))
    >>> [(f.text, f.status) for f in e.en], e.status, e.note
    ([('port', None), ('harbor', 'forbidden')], 'approved', 'house style')
    """
    if edit.is_empty():
        raise InputError(f"nothing to change for term {term_id}: give a form, variant, "
                         "removal, status, note, definition or part of speech")
    area = store.glossary
    with store.transaction():
        old = get_entry(store, term_id)
        new = _edited_entry(old, edit)
        if any(f.reading is None for f in new.ja if f not in old.ja):
            from taiyaku.core.japanese import Analyzer

            analyzer = Analyzer()
            new = dataclasses.replace(new, ja=tuple(
                f if f.reading is not None or f in old.ja
                else dataclasses.replace(f, reading=analyzer.reading(f.text)) for f in new.ja))
        state = area.state(term_id)
        assert state is not None
        replace_entry(store, term_id, new, origin=state.origin, edited=True)
        before = {(f.lang, form_key(f)) for f in (*old.ja, *old.en)}
        after = {(f.lang, form_key(f)) for f in (*new.ja, *new.en)}
        # forms removed by hand are not added back by an import; given back, they may be
        area.note_removed(term_id, before - after)
        area.forget_removed(term_id, after)
    return get_entry(store, term_id)


def delete_terms(store: Store, ids: Sequence[int]) -> list[TermEntry]:
    """Delete entries (with their forms and evidence) in one transaction; return them as they
    were. Every id must exist, or nothing is deleted. Their Japanese terms are remembered as
    dismissed: term extraction does not propose them again (adding one by hand still works).

    :raises InputError: no id, or an unknown id

    >>> from taiyaku.store import open_store
    >>> s = open_store(":memory:")
    >>> e = add_term(s, "習会")
    >>> [d.ja[0].text for d in delete_terms(s, [e.id])], list_terms(s)
    (['習会'], [])
    """
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        raise InputError("no term id given")
    area = store.glossary
    with store.transaction():
        entries = load_entries(store, wanted)
        missing = sorted(set(wanted) - {e.id for e in entries})
        if missing:
            raise _no_term(missing[0])
        area.delete(wanted)
        # a person deleted them: `terms extract` must not bring them back
        area.dismiss("ja", (form_key(f) for e in entries for f in e.ja))
    return entries


@dataclass(frozen=True)
class TermMerged:
    """What ``terms merge`` did: the entry that stays and the ids merged into it."""

    entry: TermEntry
    merged: tuple[int, ...]

    def to_json(self) -> dict[str, object]:
        """The entry's JSON plus ``merged`` (the ids that are gone)."""
        return {**self.entry.to_json(), "merged": list(self.merged)}

    def summary(self) -> str:
        """One line for the terminal."""
        gone = ", ".join(str(i) for i in self.merged)
        return f"merged term{'s' if len(self.merged) > 1 else ''} {gone} into term {self.entry.id}"


def _joined(values: Iterable[str | None]) -> str | None:
    """Distinct non-empty texts, in order, one per line (a merge loses none of them)."""
    kept = list(dict.fromkeys(v.strip() for v in values if v and v.strip()))
    return "\n".join(kept) if kept else None


def merge_terms(store: Store, ids: Sequence[int]) -> TermMerged:
    """Merge entries into the first one, in one transaction; the others are deleted.

    What the merged entry keeps:

    - id, status and origin of the first entry;
    - forms: the first entry's, in their order (its preferred forms stay preferred), then
      each other entry's forms it lacks (same language and matching key), in id order given;
      every form keeps the status it had (a forbidden form stays forbidden, a candidate
      form stays a candidate under an approved entry), and a merged main term becomes a
      synonym;
    - notes and definitions: all of them, distinct ones one per line, first entry's first;
    - part of speech and context: the first entry's, else the first other that has one;
    - evidence and sources: all segment ids and sources (each once); frequency: the sum;
      score: the highest;
    - it is marked edited (a person decided), so extraction leaves it alone.

    :raises InputError: fewer than two different ids, or an unknown id; nothing changes

    >>> from taiyaku.store import open_store
    >>> s = open_store(":memory:")
    >>> a = add_term(s, "米中首脳会談", "U.S.-China summit")
    >>> b = add_term(s, "川習会", "Trump-Xi summit", status="candidate")
    >>> m = merge_terms(s, [a.id, b.id])
    >>> [f.text for f in m.entry.ja], m.merged
    (['米中首脳会談', '川習会'], (2,))
    >>> [(f.text, f.status) for f in m.entry.en]
    [('U.S.-China summit', None), ('Trump-Xi summit', 'candidate')]
    """
    wanted = list(dict.fromkeys(ids))
    if len(wanted) < 2:
        raise InputError("a merge needs at least two different term ids")
    area = store.glossary
    with store.transaction():
        entries = load_entries(store, wanted)
        missing = [i for i in wanted if i not in {e.id for e in entries}]
        if missing:
            raise _no_term(missing[0])
        first, others = entries[0], entries[1:]
        status = first.status
        forms = {"ja": _keep_statuses(first.ja, first.status, status),
                 "en": _keep_statuses(first.en, first.status, status)}
        for other in others:
            for lang, theirs in (("ja", other.ja), ("en", other.en)):
                for f in theirs:
                    if _form_index(forms[lang], lang, f.text) is None:
                        f = _with_status(f, f.status or other.status, status)
                        forms[lang].append(_demoted(f) if forms[lang] else f)
        evidence: dict[str, Any] = {}
        units: list[int] = []
        for e in entries:
            assert e.id is not None
            units.extend(i for i in area.evidence(e.id).get("units", []) if isinstance(i, int))
            if not evidence:
                evidence = {k: v for k, v in area.evidence(e.id).items()
                            if k not in ("segments", "units")}
        if units:
            evidence["units"] = list(dict.fromkeys(units))
        merged = dataclasses.replace(
            first, ja=tuple(forms["ja"]), en=tuple(forms["en"]),
            note=_joined(e.note for e in entries),
            definition=_joined(e.definition for e in entries),
            pos=next((e.pos for e in entries if e.pos), None),
            context=next((e.context for e in entries if e.context), None),
            sources=tuple(dict.fromkeys(s for e in entries for s in e.sources)),
            evidence=tuple(dict.fromkeys(i for e in entries for i in e.evidence)),
            frequency=sum(e.frequency for e in entries),
            score=max(e.score for e in entries),
        )
        state = area.state(wanted[0])
        assert state is not None
        area.delete(wanted[1:])
        area.replace(wanted[0], merged, _keyed((*merged.ja, *merged.en)), origin=state.origin,
                     edited=True, evidence=evidence or None)
    return TermMerged(get_entry(store, wanted[0]), tuple(wanted[1:]))
