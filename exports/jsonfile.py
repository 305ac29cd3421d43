"""JSON files taiyaku writes: a pre-translation (one object per segment, the DESIGN.md shape) and
the analysis report of one. UTF-8, not ASCII-escaped, indented, one newline at the end.

Chosen by extension (``.json``) in :mod:`exports.registry`.
"""

from __future__ import annotations

import json
from typing import IO, Any

from taiyaku.core.analysis import Analysis
from taiyaku.core.pretranslated import PretranslatedDocument

__all__ = ["write_pretranslation", "write_report"]


def _dump(value: object, fp: IO[bytes]) -> None:
    fp.write(json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8"))
    fp.write(b"\n")


def write_pretranslation(doc: PretranslatedDocument, fp: IO[bytes], **_opts: Any) -> None:
    """A JSON array, one object per segment (see
    :meth:`core.pretranslated.PretranslatedSegment.to_json`)."""
    _dump(doc.to_json(), fp)


def write_report(analysis: Analysis, fp: IO[bytes], **_opts: Any) -> None:
    """The analysis as JSON (see :meth:`core.analysis.Analysis.to_json`).

    >>> import io
    >>> from taiyaku.core.analysis import analyze
    >>> buf = io.BytesIO()
    >>> write_report(analyze([("港", "100")]), buf)
    >>> json.loads(buf.getvalue())["total"]["characters"]
    1
    """
    _dump(analysis.to_json(), fp)
