"""Side-by-side alignment review files (HTML page or XLSX sheet), weakest beads first, and
the reader of a review XLSX a reviewer filled in (its "OK?" and "correction" columns)."""

from __future__ import annotations

import html
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from taiyaku.core.errors import ParseError
from taiyaku.core.model import Bead
from taiyaku.exports.sheet import Column, write_rows, write_workbook

__all__ = ["write_review", "write_review_html", "write_review_xlsx", "review_rows", "ReviewRow",
           "confidence_colour", "read_review", "ReviewSheet", "ReviewedRow", "ReviewedAlignment"]


class ReviewedAlignment(Protocol):
    """What a review shows of an alignment (``tm.ingest.Alignment`` is one)."""

    @property
    def beads(self) -> Sequence[Bead]: ...

    @property
    def message(self) -> str: ...

    def texts(self, bead: Bead) -> tuple[str, str]: ...

    def bead_counts(self) -> dict[str, int]: ...

    def mean_confidence(self) -> float: ...

#: confidence below which a row is shown as doubtful (red end of the scale)
LOW, HIGH = 0.5, 0.9


@dataclass(frozen=True, slots=True)
class ReviewRow:
    """One bead as a review row.

    :ivar number: the bead's 1-based position in the document
    :ivar ja_ids: 0-based Japanese segment ids, comma-separated ("" for 0-1)
    """

    number: int
    bead: str
    confidence: float
    ja_ids: str
    en_ids: str
    ja: str
    en: str


def review_rows(alignment: ReviewedAlignment) -> list[ReviewRow]:
    """The beads as rows, weakest first (ties in document order), so a reviewer reads the
    doubtful ones first. An unpaired (1-0 / 0-1) bead is not sorted away from its
    neighbours: it stays, in document order, after the paired bead before it (or before the
    first one), and that group sorts by its weakest bead.

    >>> from taiyaku.core.model import Bead
    >>> class A:
    ...     beads = [Bead((0,), (0,), .9), Bead((1,), (), .2), Bead((2,), (1,), .5)]
    ...     def texts(self, bead): return ("", "")
    >>> [r.number for r in review_rows(A())]
    [1, 2, 3]
    """
    groups: list[list[ReviewRow]] = []
    leading = True
    for n, bead in enumerate(alignment.beads, start=1):
        ja, en = alignment.texts(bead)
        row = ReviewRow(n, bead.kind, float(bead.score), ",".join(map(str, bead.ja_ids)),
                        ",".join(map(str, bead.en_ids)), ja, en)
        paired = bool(bead.ja_ids) and bool(bead.en_ids)
        if paired and not leading or not groups:
            groups.append([row])
        else:
            groups[-1].append(row)
        leading = leading and not paired
    groups.sort(key=lambda g: (min(r.confidence for r in g), g[0].number))
    return [r for g in groups for r in g]


def confidence_colour(confidence: float) -> str:
    """A background colour from red (0) through yellow to green (1), as ``#rrggbb``.

    >>> confidence_colour(0.0), confidence_colour(1.0)
    ('#f8c4c4', '#c8ecc8')
    """
    c = min(1.0, max(0.0, confidence))
    red, yellow, green = (0xF8, 0xC4, 0xC4), (0xF8, 0xEC, 0xB0), (0xC8, 0xEC, 0xC8)
    if c < 0.5:
        a, b, t = red, yellow, c / 0.5
    else:
        a, b, t = yellow, green, (c - 0.5) / 0.5
    rgb = [round(x + (y - x) * t) for x, y in zip(a, b, strict=True)]
    return "#" + "".join(f"{v:02x}" for v in rgb)


def write_review(path: str | os.PathLike[str], alignment: ReviewedAlignment, *,
                 document_name: str, revision: int = 0) -> None:
    """Write a review of *alignment* to *path*: ``.html``/``.htm`` or ``.xlsx`` (the writers
    :data:`taiyaku.exports.registry.OUTPUT_FORMATS` names for ``review``).

    Rows show JA | EN | bead type | confidence, weakest first, coloured by confidence.
    The XLSX has "OK?" and "correction / note" columns for ``taiyaku review apply`` and a
    second sheet naming the document and its alignment *revision*. The file is written
    atomically (temp file, then rename).

    :raises ExportError: unknown extension, or the file cannot be written

    Example::

        write_review("review.html", align_document("article.txt"), document_name="article")
    """
    from taiyaku.exports.registry import write_output

    write_output("review", alignment, path, document_name=document_name, revision=revision)


def write_review_html(alignment: ReviewedAlignment, fp: IO[bytes], *, document_name: str,
                      **_opts: Any) -> None:
    """The review page (registry writer of ``.html`` / ``.htm`` reviews)."""
    fp.write(_html(alignment, document_name).encode("utf-8"))


_CSS = """
body{font-family:system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;margin:1.5em;color:#222}
h1{font-size:1.3em}p.meta{color:#555}
table{border-collapse:collapse;width:100%;table-layout:fixed}
th,td{border:1px solid #ccc;padding:.35em .5em;vertical-align:top;text-align:left}
th{background:#eee;position:sticky;top:0}
td.ja,td.en{width:40%;word-wrap:break-word}td.num,td.type,td.conf{width:5%;white-space:nowrap}
td.empty{color:#999;font-style:italic}
"""


def _html(alignment: ReviewedAlignment, document_name: str) -> str:
    e = html.escape
    counts = ", ".join(f"{k}: {v}" for k, v in alignment.bead_counts().items())
    rows = []
    for r in review_rows(alignment):
        ja = f'<td class="ja" lang="ja">{e(r.ja)}</td>' if r.ja else (
            '<td class="ja empty">(nothing: English only)</td>')
        en = f'<td class="en" lang="en">{e(r.en)}</td>' if r.en else (
            '<td class="en empty">(nothing: Japanese only)</td>')
        rows.append(
            f'<tr style="background:{confidence_colour(r.confidence)}">'
            f'<td class="num">{r.number}</td>{ja}{en}'
            f'<td class="type">{e(r.bead)}</td><td class="conf">{r.confidence:.2f}</td></tr>'
        )
    title = f"Alignment review: {e(document_name)}"
    return (
        "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{title}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{title}</h1>\n"
        f"<p class=\"meta\">{e(alignment.message)}<br>beads: {e(counts)}; mean confidence of "
        f"paired beads {alignment.mean_confidence():.2f}. Weakest first (unpaired segments "
        "beside the bead before them); colour from red "
        "(doubtful) to green (confident).</p>\n"
        # table-layout:fixed takes column widths from the first row, so they are set here.
        "<table>\n<colgroup><col style=\"width:4em\"><col><col><col style=\"width:4.5em\">"
        "<col style=\"width:7em\"></colgroup>\n"
        "<thead><tr><th>#</th><th>Japanese</th><th>English</th><th>type</th>"
        "<th>confidence</th></tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody>\n</table>\n</body>\n</html>\n"
    )


_HEADERS = ["#", "type", "confidence", "ja_ids", "en_ids", "Japanese", "English", "OK?",
            "correction / note"]
#: the sheet naming the reviewed document and its revision
DOCUMENT_SHEET = "document"
_WIDTHS = [6, 7, 11, 9, 9, 60, 60, 6, 40]


#: the review sheet's columns: the reviewer's two are not tinted by confidence
_COLUMNS = [Column(key, key, width, wrap=key in ("Japanese", "English", _HEADERS[-1]),
                   tinted=key not in ("OK?", _HEADERS[-1]))
            for key, width in zip(_HEADERS, _WIDTHS, strict=True)]


def write_review_xlsx(alignment: ReviewedAlignment, fp: IO[bytes], *, document_name: str,
                      revision: int = 0, **_opts: Any) -> None:
    """The review workbook (registry writer of ``.xlsx`` reviews), through the one sheet writer
    (:mod:`taiyaku.exports.sheet`): a "review" sheet, then a "document" sheet naming the
    document and its alignment *revision* for ``review apply``.

    :raises taiyaku.exports.cells.CellTooLong: a bead's text is longer than a cell holds
    """
    rows = [{"#": r.number, "type": r.bead, "confidence": round(r.confidence, 4),
             "ja_ids": r.ja_ids, "en_ids": r.en_ids, "Japanese": r.ja, "English": r.en,
             "_tint": confidence_colour(r.confidence)[1:].upper()}
            for r in review_rows(alignment)]

    def build(wb: Any) -> None:
        write_rows(wb, "review", _COLUMNS, rows, describe=lambda row, n: f"bead {row['#']}",
                   instead=".html", tint=lambda row: str(row["_tint"]))
        write_rows(wb, DOCUMENT_SHEET, [Column("key", "key", 12), Column("value", "value", 60)],
                   [{"key": "document", "value": document_name},
                    {"key": "revision", "value": revision}],
                   describe=lambda row, n: str(row["key"]), instead=".html")

    write_workbook(fp, build, title=f"Alignment review: {document_name}")


# -- reading a filled-in review ----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ReviewedRow:
    """One row of a review XLSX as the reviewer left it.

    :ivar row: the sheet's row number (for messages)
    :ivar ja_ids: / :ivar en_ids: the bead's segment ids as the review showed them
    :ivar ok: the "OK?" cell ("" when empty)
    :ivar correction: the "correction / note" cell ("" when empty)
    """

    row: int
    number: int
    ja_ids: tuple[int, ...]
    en_ids: tuple[int, ...]
    ok: str
    correction: str


@dataclass(frozen=True)
class ReviewSheet:
    """A review XLSX read back: the document it reviews and its rows."""

    document: str | None
    revision: int | None
    rows: list[ReviewedRow]


def _ids(value: object, where: str, name: str) -> tuple[int, ...]:
    text = "" if value is None else str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    try:
        return tuple(int(x) for x in text.split(",")) if text else ()
    except ValueError:
        raise ParseError(name, f"{where}: segment ids {text!r} are not numbers") from None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_review(path: str | os.PathLike[str]) -> ReviewSheet:
    """Read a review XLSX that ``ingest --review`` wrote and a reviewer filled in.

    :raises ParseError: not a readable workbook, not a taiyaku review (its header row), or a
        row whose ``#`` or id cells are not numbers
    """
    from taiyaku.exports.xlsx import _check_zip

    name = str(path)
    try:
        data = io.BytesIO(Path(path).read_bytes())
    except OSError as e:
        raise ParseError(name, f"cannot read it ({e.strerror or e})") from None
    _check_zip(data, name)
    from openpyxl import load_workbook

    try:
        wb = load_workbook(data, read_only=True, data_only=False)
    except Exception as e:  # openpyxl raises many types for damaged parts
        raise ParseError(name, f"not a readable XLSX workbook ({type(e).__name__})") from None
    try:
        return _read_sheets(wb, name)
    finally:
        wb.close()


def _read_sheets(wb: Any, name: str) -> ReviewSheet:
    if "review" not in wb.sheetnames:
        raise ParseError(name, "not a taiyaku review workbook (no sheet named 'review')")
    rows = wb["review"].iter_rows(values_only=True)
    header = [_text(c) for c in next(rows, ())]
    col = {h: k for k, h in enumerate(header)}
    missing = [h for h in ("#", "ja_ids", "en_ids", "OK?", _HEADERS[-1]) if h not in col]
    if missing:
        raise ParseError(name, f"not a taiyaku review sheet: no column {missing[0]!r} in "
                               "its header row", 1)
    out: list[ReviewedRow] = []
    for line, cells in enumerate(rows, 2):
        def cell(h: str, cells: Sequence[Any] = cells) -> Any:
            k = col[h]
            return cells[k] if k < len(cells) else None
        if cells is None or all(c is None or c == "" for c in cells):
            continue
        where = f"row {line}"
        number = cell("#")
        if not isinstance(number, (int, float)) or isinstance(number, bool):
            raise ParseError(name, f"{where}: the # cell {_text(number)!r} is not a bead number")
        out.append(ReviewedRow(line, int(number), _ids(cell("ja_ids"), where, name),
                               _ids(cell("en_ids"), where, name), _text(cell("OK?")),
                               _text(cell(_HEADERS[-1]))))
    document: str | None = None
    revision: int | None = None
    if DOCUMENT_SHEET in wb.sheetnames:
        for key, value, *_ in wb[DOCUMENT_SHEET].iter_rows(values_only=True):
            if key == "document" and value is not None:
                document = str(value)
            elif key == "revision" and isinstance(value, (int, float)):
                revision = int(value)
    else:  # a review written before the document sheet: its title names the document
        title = wb.properties.title or ""
        if title.startswith("Alignment review: "):
            document = title.removeprefix("Alignment review: ")
    return ReviewSheet(document, revision, out)
