"""Cell text for spreadsheets: the formula guard of CSV/TSV and the XLSX cell size limit.

A spreadsheet program opening a CSV or TSV file runs a cell that starts with ``=``, ``+``,
``-`` or ``@`` (or a tab or carriage return) as a formula: ``=HYPERLINK(…)`` in a term or a
TM unit becomes a live link, older programs even start commands ("CSV injection"). OWASP's
guidance is to put a ``'`` in front of such cells; spreadsheet programs then show the cell as
text. :func:`guard_cell` does that when writing, :func:`unguard_cell` removes it again when
taiyaku reads a file it wrote itself, so that its own round trip loses nothing. Whether a file
is taiyaku's is the reader's decision (:func:`written_by_taiyaku` is the default test: the
header row is exactly taiyaku's); a file from another tool keeps its cells as they are.

XLSX cells hold at most 32,767 characters (Excel's limit; openpyxl silently cuts longer
text): :func:`check_xlsx_text` refuses such text with :class:`CellTooLong`, whose message
the output helper (:mod:`exports.outfile`) prefixes with the file's name.
"""

from __future__ import annotations

from collections.abc import Sequence

from taiyaku.core.errors import ExportError

__all__ = ["FORMULA_TRIGGERS", "GUARD", "XLSX_CELL_LIMIT", "CellTooLong", "guard_cell",
           "unguard_cell", "written_by_taiyaku", "check_xlsx_text"]

#: a cell starting with one of these is read as a formula by spreadsheet programs (OWASP)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: the prefix that makes a spreadsheet program show a cell as text
GUARD = "'"
#: the most characters an XLSX cell holds (Excel's specification limit)
XLSX_CELL_LIMIT = 32_767


def _looks_guarded(text: str) -> bool:
    """Whether *text* is one or more ``'`` followed by a formula trigger."""
    rest = text.lstrip(GUARD)
    return len(rest) < len(text) and rest.startswith(FORMULA_TRIGGERS)


def guard_cell(text: str) -> str:
    """*text* with a ``'`` in front when a spreadsheet would run it as a formula.

    Text that already starts with ``'`` before a trigger gets one more, so that
    :func:`unguard_cell` gives back exactly what was written.

    >>> guard_cell("=1+1"), guard_cell("-3%"), guard_cell("'=x"), guard_cell("港湾")
    ("'=1+1", "'-3%", "''=x", '港湾')
    """
    if text.startswith(FORMULA_TRIGGERS) or _looks_guarded(text):
        return GUARD + text
    return text


def unguard_cell(text: str) -> str:
    """Undo :func:`guard_cell`: drop one ``'`` that stands before a formula trigger.

    >>> unguard_cell("'=1+1"), unguard_cell("''=x"), unguard_cell("'quoted'")
    ('=1+1', "'=x", "'quoted'")
    """
    return text[1:] if _looks_guarded(text) else text


def written_by_taiyaku(header: Sequence[object], columns: Sequence[str]) -> bool:
    """Whether a header row is exactly taiyaku's *columns* (in order; case and surrounding
    spaces ignored, a byte-order mark too): the sign that taiyaku wrote the file, so its
    cells carry taiyaku's guard.

    >>> written_by_taiyaku(["JA", "en "], ("ja", "en")), written_by_taiyaku(["ja"], ("ja", "en"))
    (True, False)
    """
    names = [str(h).strip().lstrip("\ufeff").lower() if h is not None else "" for h in header]
    while names and not names[-1]:
        names.pop()  # trailing empty cells (a spreadsheet program may add them)
    return names == [c.lower() for c in columns]


class CellTooLong(ExportError):
    """A text is longer than the output format's cells hold; the message names the record
    (the output helper adds the file name)."""


def check_xlsx_text(text: str, what: str, *, instead: str = ".tmx, .tbx or .csv") -> str:
    """*text* unchanged when an XLSX cell holds it, else :class:`CellTooLong` naming *what*.

    :param what: the record and column, e.g. ``"entry 12 (港湾), column note"``
    :param instead: the formats to suggest, which keep such text whole

    >>> check_xlsx_text("港湾", "entry 1")
    '港湾'
    >>> check_xlsx_text("x" * 40_000, "entry 1, column note")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    taiyaku.exports.cells.CellTooLong: entry 1, column note holds 40,000 characters; ...
    """
    if len(text) > XLSX_CELL_LIMIT:
        raise CellTooLong(
            f"{what} holds {len(text):,} characters; an XLSX cell holds at most "
            f"{XLSX_CELL_LIMIT:,}, so nothing was written (write {instead} instead, "
            "which keep it whole)"
        )
    return text
