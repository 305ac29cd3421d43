"""The backend contract of the glossary area (:class:`taiyaku.store.glossary.GlossaryArea`).

Every backend must pass these: they take the ``backend`` fixture of tests/store/conftest.py
(today only ``sqlite``) and go through the areas' methods only: what a backend stores is its
own business, what it gives back is the contract.
"""

from __future__ import annotations

import pytest
from taiyaku.core.terms import TermEntry, TermForm
from taiyaku.store import NewSegment, Store
from taiyaku.store.glossary import EntryState, GlossaryArea, KeyedForm


def _area(store: Store) -> GlossaryArea:
    return store.glossary


def _kf(text: str, lang: str, norm: str | None = None, reading: str | None = None,
        **kw: str | None) -> KeyedForm:
    return KeyedForm(TermForm(text, lang, **kw), norm or text.lower(), reading)  # type: ignore[arg-type]


def _add(store: Store, *forms: KeyedForm, origin: str = "extracted", edited: bool = False,
         evidence: dict[str, object] | None = None, **fields: object) -> int:
    entry = TermEntry(ja=(), **fields)  # type: ignore[arg-type]
    with store.transaction():
        return _area(store).add(entry, list(forms), origin=origin, edited=edited,
                                evidence=evidence)


def test_add_and_get_round_trip_every_field_and_form(backend: Store) -> None:
    area = _area(backend)
    term_id = _add(
        backend,
        _kf("港湾", "ja", reading="こうわん", pos="名詞"),
        _kf("みなと", "ja", reading="みなと", kind="variant", status="forbidden"),
        _kf("port", "en"),
        _kf("harbor", "en", kind="synonym", status="candidate"),
        status="approved", pos="noun", note="house style", definition="a place for ships",
        context="港湾の整備", sources=("doc-a", "doc-b"), frequency=4, score=2.5,
        evidence=None, origin="manual", edited=True,
    )
    (e,) = area.get([term_id])
    assert e.id == term_id and e.status == "approved" and e.origin == "manual"
    assert (e.pos, e.note, e.definition, e.context) == (
        "noun", "house style", "a place for ships", "港湾の整備")
    assert e.sources == ("doc-a", "doc-b") and (e.frequency, e.score) == (4, 2.5)
    assert [(f.text, f.kind, f.status, f.reading, f.pos) for f in e.ja] == [
        ("港湾", "term", None, "こうわん", "名詞"),
        ("みなと", "variant", "forbidden", "みなと", None)]
    assert [(f.text, f.kind, f.status) for f in e.en] == [
        ("port", "term", None), ("harbor", "synonym", "candidate")]
    assert area.state(term_id) == EntryState("approved", "manual", True)
    assert area.get([999, term_id, 998]) == [e]
    assert area.state(999) is None


def test_ranked_ids_count_standing_and_max_id(backend: Store) -> None:
    area = _area(backend)
    assert area.max_id() == 0 and area.ranked_ids() == []
    low = _add(backend, _kf("低", "ja"), score=1.0, frequency=9)
    high = _add(backend, _kf("高", "ja"), score=9.0, status="approved", origin="manual")
    tie_a = _add(backend, _kf("甲", "ja"), score=5.0, frequency=2)
    tie_b = _add(backend, _kf("乙", "ja"), score=5.0, frequency=3)
    assert area.ranked_ids() == [high, tie_b, tie_a, low]
    assert area.ranked_ids(limit=2) == [high, tie_b]
    assert area.ranked_ids(status="approved") == [high]
    assert area.count() == 4 and area.count(status="candidate") == 3
    assert area.count(protected=True) == 1
    assert area.standing([low, high, 999]) == {low: ("candidate", 1.0), high: ("approved", 9.0)}
    assert area.max_id() == max(low, high, tie_a, tie_b)


def test_evidence_is_kept_and_replace_keeps_what_extraction_found(backend: Store) -> None:
    area = _area(backend)
    with backend.transaction():
        term_id = area.add(TermEntry(ja=(), evidence=(10, 11)), [_kf("関税", "ja")],
                           origin="extracted",
                           evidence={"units": [3, 4], "pairing": {"method": "aligned"}})
    assert area.evidence(term_id) == {"segments": [10, 11], "units": [3, 4],
                                      "pairing": {"method": "aligned"}}
    (e,) = area.get([term_id])
    assert e.evidence == (10, 11)
    with backend.transaction():
        area.replace(term_id, TermEntry(ja=(), evidence=(12,), note="n"),
                     [_kf("関税", "ja"), _kf("tariff", "en")], origin="extracted")
    assert area.evidence(term_id) == {"segments": [12], "units": [3, 4],
                                      "pairing": {"method": "aligned"}}
    with backend.transaction():
        area.replace(term_id, TermEntry(ja=()), [_kf("関税", "ja")], origin="manual",
                     edited=True, evidence={"units": [5]})
    assert area.evidence(term_id) == {"segments": [], "units": [5]}
    assert area.evidence(999) == {}


def test_replace_overwrites_fields_and_forms_and_edited_only_when_asked(backend: Store) -> None:
    area = _area(backend)
    term_id = _add(backend, _kf("港湾", "ja"), _kf("harbor", "en"), note="old", edited=True)
    with backend.transaction():
        area.replace(term_id, TermEntry(ja=(), status="approved", note=None, pos="noun"),
                     [_kf("港", "ja"), _kf("port", "en")], origin="import")
    (e,) = area.get([term_id])
    assert ([f.text for f in (*e.ja, *e.en)], e.note, e.pos) == (["港", "port"], None, "noun")
    assert area.state(term_id) == EntryState("approved", "import", True)
    with backend.transaction():
        area.replace(term_id, e, [_kf("港", "ja")], origin="import", edited=False)
    state = area.state(term_id)
    assert state is not None and not state.edited
    assert area.match_forms("norm", "en", "harbor", "exact") == []


def test_set_status_marks_edited_and_keeps_form_statuses(backend: Store) -> None:
    area = _area(backend)
    term_id = _add(backend, _kf("港湾", "ja"), _kf("harbor", "en", status="forbidden"))
    with backend.transaction():
        assert area.set_status(term_id, "approved")
        assert not area.set_status(999, "approved")
    (e,) = area.get([term_id])
    assert e.status == "approved" and e.en[0].status == "forbidden"
    assert area.state(term_id) == EntryState("approved", "extracted", True)


def test_delete_and_delete_extracted_candidates(backend: Store) -> None:
    area = _area(backend)
    plain = _add(backend, _kf("一", "ja"))
    edited = _add(backend, _kf("二", "ja"), edited=True)
    approved = _add(backend, _kf("三", "ja"), status="approved")
    manual = _add(backend, _kf("四", "ja"), origin="manual")
    imported = _add(backend, _kf("五", "ja"), origin="import")
    gone = _add(backend, _kf("六", "ja"), _kf("six", "en"))
    with backend.transaction():
        assert area.delete([gone, 999]) == 1
    assert area.match_forms("norm", "en", "six", "exact") == []
    with backend.transaction():
        assert area.delete_extracted_candidates() == 1
    assert sorted(area.ranked_ids()) == sorted([edited, approved, manual, imported])
    assert area.get([plain]) == []
    assert area.match_forms("norm", "ja", "一", "exact") == []
    ja, en = area.protected_keys()
    assert ja == {"二", "三", "四", "五"} and en == set()


def test_a_failed_transaction_leaves_the_glossary_as_it_was(backend: Store) -> None:
    area = _area(backend)
    term_id = _add(backend, _kf("港湾", "ja"), _kf("port", "en"))
    before = area.get([term_id])
    with pytest.raises(RuntimeError), backend.transaction():
        area.replace(term_id, TermEntry(ja=(), note="x"), [_kf("港", "ja")], origin="manual")
        area.delete([term_id])
        raise RuntimeError("stop")
    assert area.get([term_id]) == before


def test_preferred_matches(backend: Store) -> None:
    area = _area(backend)
    first = _add(backend, _kf("港湾", "ja", "港湾"), _kf("Port", "en", "port"))
    variant = _add(backend, _kf("港", "ja", "港"), _kf("港湾", "ja", "港湾", kind="variant"))
    en_only = _add(backend, _kf("Port", "en", "port"))
    second = _add(backend, _kf("港湾", "ja", "港湾"))
    assert area.preferred_matches("ja", "港湾") == [(first, "港湾"), (second, "港湾")]
    assert area.preferred_matches("ja", "港湾", upto=first) == [(first, "港湾")]
    assert area.preferred_matches("en", "port") == [(first, "Port"), (en_only, "Port")]
    assert area.preferred_matches("en", "port", without_ja=True) == [(en_only, "Port")]
    assert variant not in [i for i, _ in area.preferred_matches("ja", "港湾")]


def test_match_forms_and_fuzzy_pool(backend: Store) -> None:
    area = _area(backend)
    a = _add(backend, _kf("輸出規制", "ja", "輸出規制", "ゆしゅつきせい"),
             _kf("Export Controls", "en", "export control"))
    b = _add(backend, _kf("輸出規制緩和", "ja", "輸出規制緩和", "ゆしゅつきせいかんわ"))
    c = _add(backend, _kf("レアアース輸出規制", "ja", "レアアース輸出規制"))
    d = _add(backend, _kf("輸入規制", "ja", "輸入規制"), _kf("IMPORT curbs", "en", "IMPORT curbs"))
    assert area.match_forms("norm", "ja", "輸出規制", "exact") == [a]
    assert sorted(area.match_forms("norm", "ja", "輸出規制", "prefix")) == [b]
    assert sorted(area.match_forms("norm", "ja", "輸出規制", "contains")) == sorted([a, b, c])
    assert area.match_forms("norm", "en", "輸出規制", "exact") == []
    # contains folds ASCII case; a language of None looks at every form
    assert area.match_forms("norm", "en", "import", "contains") == [d]
    assert sorted(area.match_forms("reading", None, "ゆしゅつきせい", "prefix")) == [b]
    pool = area.fuzzy_pool("norm", "ja", "輸出規正", 100)
    assert {a, b} <= {i for i, _ in pool}
    assert (a, "輸出規制") in pool
    assert all(len(text) <= 2 * 4 + 2 for _, text in pool)
    assert (a, "export control") in area.fuzzy_pool("norm", "en", "export contrl", 100)
    assert len(area.fuzzy_pool("norm", "ja", "規制", 1)) == 1
    with pytest.raises(ValueError):
        area.match_forms("text; DROP TABLE terms", None, "x", "exact")


def test_forget_document_takes_its_evidence_and_name_out_and_keeps_the_entries(
        backend: Store) -> None:
    from taiyaku.core.model import NewUnit

    area = _area(backend)
    with backend.transaction():
        gone = backend.documents.add("gone", layout="pair", kind="bilingual")
        stays = backend.documents.add("stays", layout="pair", kind="bilingual")
        (u1,) = backend.units.add(gone, [NewUnit("港湾を整備する。", "Ports are built.", 0)])
        (u2,) = backend.units.add(stays, [NewUnit("港湾の話。", "About ports.", 0)])
        assert u1 is not None and u2 is not None
        backend.segments.add(gone, [NewSegment("ja", 0, "港湾を整備する。", unit_id=u1)])
        backend.segments.add(stays, [NewSegment("ja", 0, "港湾の話。", unit_id=u2)])
    s1, s2 = (backend.segments.of_document(d)[0].id for d in (gone, stays))
    with backend.transaction():
        both = area.add(TermEntry(ja=(), sources=("gone", "stays"), evidence=(s1, s2)),
                        [_kf("港湾", "ja")], origin="extracted",
                        evidence={"units": [u1, u2], "pairing": "x"})
        only = area.add(TermEntry(ja=(), sources=("gone",), evidence=(s1,)),
                        [_kf("整備", "ja")], origin="manual", evidence={"units": [u1]})
        other = area.add(TermEntry(ja=(), sources=("stays",), evidence=(s2,)),
                         [_kf("話", "ja")], origin="manual")
    before_other = area.get([other])
    with backend.transaction():
        assert area.forget_document(gone) == 2
        assert backend.documents.remove(gone) is not None
    (e_both, e_only, e_other) = area.get([both, only, other])
    assert e_both.sources == ("stays",) and e_both.evidence == (s2,)
    assert area.evidence(both)["units"] == [u2] and area.evidence(both)["pairing"] == "x"
    assert e_only.sources == () and e_only.evidence == () and not area.evidence(only).get("units")
    assert [e_other] == before_other
    assert area.state(only) == EntryState("candidate", "manual", False)
    with backend.transaction():
        assert area.forget_document(999) == 0


def test_what_a_person_removed_is_remembered(backend: Store) -> None:
    area = _area(backend)
    term_id = _add(backend, _kf("港湾", "ja"), _kf("port", "en"))
    other = _add(backend, _kf("港", "ja"))
    with backend.transaction():
        area.dismiss("ja", ["今回", "今回", "問題"])
        area.note_removed(term_id, [("en", "harbor"), ("en", "harbour")])
        area.note_removed(other, [("en", "harbor")])
    assert area.dismissed("ja") == {"今回", "問題"} and area.dismissed("en") == set()
    with backend.transaction():
        area.forget_removed(term_id, [("en", "harbour"), ("en", "never")])
    assert area.removed(term_id) == {("en", "harbor")}
    with backend.transaction():
        area.delete([term_id])
    assert area.removed(term_id) == set() and area.removed(other) == {("en", "harbor")}


def test_filtered_ids_by_status_english_source_and_score(backend: Store) -> None:
    port = _add(backend, _kf("港湾", "ja"), _kf("port", "en"), status="approved",
                sources=("doc-a",), score=5.0)
    summit = _add(backend, _kf("川習会", "ja"), sources=("doc-a", "doc-b"), score=9.0)
    bare = _add(backend, _kf("台湾有事", "ja"), _kf("Taiwan contingency", "en"), score=1.0)
    area = _area(backend)
    assert area.filtered_ids() == [summit, port, bare]  # best first, as ranked_ids
    assert area.filtered_ids(status="approved") == [port]
    assert area.filtered_ids(has_en=True) == [port, bare]
    assert area.filtered_ids(has_en=False) == [summit]
    assert area.filtered_ids(source="doc-a") == [summit, port]
    assert area.filtered_ids(source="doc-b") == [summit]
    assert area.filtered_ids(source="doc") == []  # a whole name, not a part of one
    assert area.filtered_ids(min_score=2.0, max_score=6.0) == [port]
    assert area.filtered_ids(status="candidate", has_en=True, min_score=0.5) == [bare]


def test_fingerprint_changes_with_every_write(backend: Store) -> None:
    area = _area(backend)
    empty = area.fingerprint()
    term_id = _add(backend, _kf("港湾", "ja"), _kf("port", "en"), status="candidate")
    first = area.fingerprint()
    assert first != empty
    area.get([term_id])
    area.filtered_ids(has_en=True)
    assert area.fingerprint() == first  # reading changes nothing
    with backend.transaction():
        area.set_status(term_id, "approved")
    second = area.fingerprint()
    assert second != first
    (entry,) = area.get([term_id])
    with backend.transaction():
        area.replace(term_id, entry, [_kf("港湾", "ja"), _kf("harbor", "en")], origin="manual")
    third = area.fingerprint()
    assert third not in (first, second)
    other = _add(backend, _kf("川習会", "ja"))
    fourth = area.fingerprint()
    assert fourth not in (first, second, third)
    with backend.transaction():
        area.delete([other])
    assert area.fingerprint() not in (first, second, third, fourth)


def test_stored_gives_everything_and_add_can_keep_id_and_times(backend: Store) -> None:
    from taiyaku.core.errors import StoreError

    area = _area(backend)
    forms = [_kf("港湾", "ja", reading="こうわん"), _kf("みなと", "ja", "minato", "みなと"),
             _kf("Port", "en", "port"), _kf("harbor", "en", kind="synonym")]
    term_id = _add(backend, *forms, origin="import", edited=True, status="approved",
                   note="n", evidence={"segments": [4], "units": [9], "pairing": "x"})
    with backend.transaction():
        area.note_removed(term_id, [("en", "haven")])
    (got,) = area.stored([term_id, term_id + 50])
    assert got.entry == area.get([term_id])[0]
    # each form with its own keys, Japanese first then English, as get() gives the forms
    assert [(k.form.text, k.form.kind, k.norm, k.reading) for k in got.forms] == [
        (k.form.text, k.form.kind, k.norm, k.reading) for k in forms]
    assert got.state == EntryState("approved", "import", True)
    assert got.evidence == {"segments": [4], "units": [9], "pairing": "x"}
    assert got.removed == frozenset({("en", "haven")}) and got.created <= got.updated
    with backend.transaction():
        copied = area.add(got.entry, got.forms, origin="import", edited=True,
                          evidence=got.evidence, term_id=term_id + 10,
                          created="2020-01-01T00:00:00Z", updated="2021-01-01T00:00:00Z")
    assert copied == term_id + 10
    (again,) = area.stored([copied])
    assert (again.created, again.updated) == ("2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z")
    assert again.forms == got.forms and again.evidence == got.evidence
    assert area.max_id() == term_id + 10
    assert _add(backend, _kf("環境", "ja")) > copied  # later ids follow the kept one
    with pytest.raises(StoreError, match="already stored"), backend.transaction():
        area.add(got.entry, got.forms, origin="import", term_id=copied)
    assert area.count() == 3
