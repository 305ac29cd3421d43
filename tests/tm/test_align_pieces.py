"""Long documents: cut at islands into pieces, each aligned once, shared with a worker process
(issue 16 point 14)."""

from __future__ import annotations

import io
import pickle
import threading
from dataclasses import replace

import pytest
import taiyaku.tm.align as mod
from taiyaku.core.japanese import Analyzer
from taiyaku.core.model import Bead
from taiyaku.tm.align import AlignParams, align
from taiyaku.tm.alignworker import serve

PLACES = [("京都", "Kyoto"), ("奈良", "Nara"), ("大阪", "Osaka"), ("東京", "Tokyo"),
          ("神戸", "Kobe")]


BeadIds = tuple[tuple[int, ...], tuple[int, ...]]


def _planted(count: int, every: int = 30) -> tuple[list[str], list[str], list[BeadIds]]:
    """*count* sentence pairs whose numbers repeat (1 to 28) but for a year written in every
    *every*-th pair only (the islands); every 41st English sentence is missing. Returns JA,
    EN and the gold beads."""
    ja: list[str] = []
    en: list[str] = []
    gold: list[BeadIds] = []
    for k in range(count):
        jp, ep = PLACES[k % len(PLACES)]
        year_ja = f"{1000 + k}年、" if k % every == every // 2 else ""
        year_en = f"In {1000 + k}, " if year_ja else ""
        ja.append(f"{year_ja}{jp}で{k % 28 + 1}件の記録が見つかった。")
        if k % 41 == 7:
            gold.append(((k,), ()))
            continue
        gold.append(((k,), (len(en),)))
        en.append(f"{year_en}{k % 28 + 1} records were found in {ep}.")
    return ja, en, gold


def _pairs(beads: list[Bead]) -> list[BeadIds]:
    return [(b.ja_ids, b.en_ids) for b in beads]


def test_islands_are_the_pairs_sharing_a_number_written_once_a_side() -> None:
    ja, en, gold = _planted(300)
    islands = mod._islands(ja, en)
    planted = [(k, gold[k][1][0]) for k in range(15, 300, 30) if gold[k][1]]
    assert islands == planted


def test_an_island_that_its_neighbours_contradict_is_no_cut() -> None:
    ja, en, gold = _planted(900)
    # a year written once a side, but in sentences that do not translate each other, far
    # from where the document is: its chain neighbours do not agree with it
    ja[400] = ja[400].replace("。", "、1999年。")
    en[420] = en[420].replace(".", " in 1999.")
    cuts = mod._cuts(ja, en, AlignParams(window=150))
    assert cuts, "a 900-row document with islands every 30 rows is cut"
    truth = {b[0][0]: b[1] for b in gold}
    for i, j in cuts:
        assert truth[i] == (j,)  # each cut starts a piece at a true pair
    assert all(i != 400 for i, _ in cuts)
    # pieces of about `window` rows: none longer than two windows, none tiny
    rows = [0] + [i for i, _ in cuts] + [len(ja)]
    assert all(50 <= b - a <= 300 for a, b in zip(rows, rows[1:], strict=False)), rows


def test_pieces_align_each_segment_once_and_give_the_whole_documents_beads(
        analyzer: Analyzer, monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 16.14: overlapping windows aligned each segment about 1.25 times (the tail of
    # every window again at the start of the next); pieces cut at islands align each once
    ja, en, gold = _planted(600)
    whole = align(ja, en, analyzer=analyzer, params=AlignParams(window_from=10**6))
    assert _pairs(whole) == gold
    seen: list[int] = []
    build = mod.build_anchors

    def counting_build(ja_: list[str], en_: list[str], **kw: object) -> object:
        seen.append(len(ja_))
        return build(ja_, en_, **kw)

    monkeypatch.setattr(mod, "build_anchors", counting_build)
    params = AlignParams(window_from=300, window=150, workers=1)
    pieces = align(ja, en, analyzer=analyzer, params=params)
    assert _pairs(pieces) == _pairs(whole)
    assert len(seen) >= 3 and max(seen) <= 300
    assert sum(seen) == len(ja)  # no segment aligned twice


def _one_worker(p: AlignParams, analyzer: Analyzer | None) -> list[mod._Worker]:
    """One worker whatever the machine's cores (the default caps them)."""
    return [mod._Worker(None if analyzer is None else analyzer.mode, p.builtin_lexicon)]


def test_a_worker_process_gives_the_same_beads_as_aligning_alone(
        analyzer: Analyzer, monkeypatch: pytest.MonkeyPatch) -> None:
    ja, en, _gold = _planted(900)
    params = AlignParams(window_from=300, window=150)
    alone = align(ja, en, analyzer=analyzer, params=AlignParams(window_from=300, window=150,
                                                                 workers=1))
    sent: list[int] = []
    real = mod._Worker.align

    def spy(self: mod._Worker, request: tuple[mod._Piece, str | None,
                                              tuple[tuple[str, str], ...],
                                              AlignParams]) -> list[Bead]:
        sent.append(len(request[0][0]))
        out: list[Bead] = real(self, request)
        return out

    monkeypatch.setattr(mod, "_start_workers", _one_worker)
    monkeypatch.setattr(mod._Worker, "align", spy)
    shared = align(ja, en, analyzer=analyzer, params=params)
    assert sent, "the worker aligned no piece"
    assert shared == alone


def test_a_worker_gets_its_next_piece_while_this_process_is_busy(
        analyzer: Analyzer, monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 16.14: the worker was handed its next piece only when this process had finished
    # one of its own, so it sat idle for much of the time (a third of the pieces at 8 MB).
    # Here this process's first piece waits until the worker has aligned three: that ends
    # only if the worker is fed while this process is busy.
    ja, en, _gold = _planted(900)
    params = AlignParams(window_from=300, window=150, learn=False)
    alone = align(ja, en, analyzer=analyzer, params=replace(params, workers=1))
    by_worker: list[int] = []
    three = threading.Event()
    real_align, real_piece = mod._Worker.align, mod._align_piece

    def spy(self: mod._Worker, request: tuple[mod._Piece, str | None,
                                              tuple[tuple[str, str], ...],
                                              AlignParams]) -> list[Bead]:
        out: list[Bead] = real_align(self, request)
        by_worker.append(len(request[0][0]))
        if len(by_worker) >= 3:
            three.set()
        return out

    waited: list[bool] = []

    def slow_first(*args: object) -> list[Bead]:
        if not waited:
            waited.append(three.wait(timeout=30))
        out: list[Bead] = real_piece(*args)
        return out

    monkeypatch.setattr(mod, "_start_workers", _one_worker)
    monkeypatch.setattr(mod._Worker, "align", spy)
    monkeypatch.setattr(mod, "_align_piece", slow_first)
    shared = align(ja, en, analyzer=analyzer, params=params)
    assert waited == [True], "the worker was not given a piece while this process worked"
    assert len(by_worker) >= 3
    assert shared == alone


def test_a_worker_that_dies_hands_its_piece_back(analyzer: Analyzer,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    ja, en, _gold = _planted(900)
    alone = align(ja, en, analyzer=analyzer, params=AlignParams(window_from=300, window=150,
                                                                 workers=1))

    def dead(p: AlignParams, a: Analyzer | None) -> list[mod._Worker]:
        workers = _one_worker(p, a)
        workers[0].kill()
        return workers

    monkeypatch.setattr(mod, "_start_workers", dead)
    assert align(ja, en, analyzer=analyzer, params=AlignParams(window_from=300,
                                                               window=150)) == alone


def test_the_worker_answers_each_request_and_reports_errors() -> None:
    ja, en, _gold = _planted(40)
    params = AlignParams(learn=False)
    inp = io.BytesIO()
    pickle.dump(((ja, en, None, None), None, (), params), inp)
    pickle.dump((("not", "a piece"), None, (), params), inp)
    inp.seek(0)
    out = io.BytesIO()
    serve(inp, out)
    out.seek(0)
    status, beads = pickle.load(out)
    assert status == "ok"
    assert beads == mod._align_piece((ja, en, None, None), None, (), params, None)
    status, message = pickle.load(out)
    assert status == "error" and "ValueError" in message
    with pytest.raises(EOFError):
        pickle.load(out)


def test_the_worker_process_delivers_every_answer_and_exits_cleanly() -> None:
    # it leaves with os._exit (no interpreter teardown): what it wrote must be flushed first
    import subprocess
    import sys

    ja, en, _gold = _planted(40)
    params = AlignParams(learn=False, builtin_lexicon=False)
    requests = io.BytesIO()
    for k in range(3):
        pickle.dump(((ja[k:], en[k:], None, None), None, (), params), requests)
    done = subprocess.run([sys.executable, "-m", "taiyaku.tm.alignworker"],
                          input=requests.getvalue(), capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = io.BytesIO(done.stdout)
    for k in range(3):
        status, beads = pickle.load(out)
        assert status == "ok"
        assert beads == mod._align_piece((ja[k:], en[k:], None, None), None, (), params, None)
    assert out.read() == b""


def test_pieces_go_out_largest_first_so_the_last_ones_are_small(
        analyzer: Analyzer, monkeypatch: pytest.MonkeyPatch) -> None:
    # whoever finishes first waits for the other's last piece: a small one, not a large one
    ja, en, _gold = _planted(1500)
    params = AlignParams(window_from=300, window=150, learn=False)
    alone = align(ja, en, analyzer=analyzer, params=replace(params, workers=1))
    cuts = [(0, 0), *mod._cuts(ja, en, params), (len(ja), len(en))]
    sizes = [b[0] - a[0] + b[1] - a[1] for a, b in zip(cuts, cuts[1:], strict=False)]
    assert len(set(sizes)) > 3  # pieces of several sizes
    by_main: list[int] = []
    by_worker: list[int] = []
    real_align, real_piece = mod._Worker.align, mod._align_piece

    def spy(self: mod._Worker, request: tuple[mod._Piece, str | None,
                                              tuple[tuple[str, str], ...],
                                              AlignParams]) -> list[Bead]:
        by_worker.append(len(request[0][0]) + len(request[0][1]))
        out: list[Bead] = real_align(self, request)
        return out

    def mine(job: mod._Piece, *args: object) -> list[Bead]:
        by_main.append(len(job[0]) + len(job[1]))
        out: list[Bead] = real_piece(job, *args)  # type: ignore[arg-type]
        return out

    monkeypatch.setattr(mod, "_start_workers", _one_worker)
    monkeypatch.setattr(mod._Worker, "align", spy)
    monkeypatch.setattr(mod, "_align_piece", mine)
    assert align(ja, en, analyzer=analyzer, params=params) == alone
    assert sorted(by_main + by_worker) == sorted(sizes)
    for taken in (by_main, by_worker):
        assert taken == sorted(taken, reverse=True), taken
    assert max(sizes) in (by_main[:1] + by_worker[:1])
