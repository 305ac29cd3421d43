"""A worker process that aligns pieces of a long document (see :func:`tm.align._align_pieces`).

Started as ``python -m taiyaku.tm.alignworker`` with pipes: it reads pickled requests
``(piece, analyzer mode, lexicon, params)`` from standard input, one after the other, and
writes each piece's beads back, pickled, as ``("ok", beads)`` (or ``("error", message)``,
and the caller aligns that piece itself, where the error surfaces as it would without a
worker). It stops at the end of its input. A plain child process rather than
:mod:`multiprocessing`: nothing of the caller is inherited (no fork, so no lock held by one
of its threads) and the caller's main script is not imported again (spawn would run a
script that lacks an ``if __name__ == "__main__"`` guard).
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
from typing import BinaryIO


def serve(inp: BinaryIO, out: BinaryIO) -> None:
    """Answer the requests read from *inp* on *out* until *inp* ends."""
    from taiyaku.tm.align import _align_piece, _worker_tools

    while True:
        try:
            job, mode, lexicon, params = pickle.load(inp)
        except EOFError:
            return
        try:
            analyzer, builtin = _worker_tools(mode, params.builtin_lexicon)
            answer: tuple[str, object] = (
                "ok", _align_piece(job, analyzer, lexicon, params, builtin))
        except Exception as e:  # the caller aligns the piece itself and sees the error
            answer = ("error", f"{type(e).__name__}: {e}")
        pickle.dump(answer, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()


def main(argv: list[str]) -> None:
    """Serve standard input and output. *argv* may give the analyzer's split mode and ``1``
    for the built-in word list: they are loaded at once, while the caller looks for the
    cuts. Ctrl-C is the caller's to handle (it ends us by closing our input)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # a process of its own for one job, ended by os._exit: the cyclic collector only walks
    # the pieces' objects again and again (see core.gcpause)
    gc.disable()
    if argv:
        from taiyaku.tm.align import _worker_tools

        analyzer, _builtin = _worker_tools(argv[0], argv[1:2] == ["1"])
        if analyzer is not None:
            analyzer.tokenize("準備")
    serve(sys.stdin.buffer, sys.stdout.buffer)
    sys.stdout.flush()
    # at once: tearing down the interpreter (the Sudachi dictionary, the pieces' garbage)
    # took a fifth of a second, for which the caller waited before storing the document
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
