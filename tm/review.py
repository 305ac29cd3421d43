"""Side-by-side alignment review files (HTML page or XLSX sheet), weakest beads first."""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from taiyaku.core.errors import ExportError
from taiyaku.exports.outfile import atomic_output
from taiyaku.exports.xmlutil import clean_xml_text

if TYPE_CHECKING:
    from taiyaku.core.model import Alignment

__all__ = ["write_review", "review_rows", "ReviewRow", "confidence_colour"]

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


def review_rows(alignment: Alignment) -> list[ReviewRow]:
    """The beads as rows, weakest first (ties in document order), so a reviewer reads the
    doubtful ones first."""
    rows = []
    for n, bead in enumerate(alignment.beads, start=1):
        ja, en = alignment.texts(bead)
        rows.append(ReviewRow(
            n, bead.kind, float(bead.score), ",".join(map(str, bead.ja_ids)),
            ",".join(map(str, bead.en_ids)), ja, en,
        ))
    rows.sort(key=lambda r: (r.confidence, r.number))
    return rows


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


def write_review(path: str | os.PathLike[str], alignment: Alignment, *,
                 document_name: str) -> None:
    """Write a review of *alignment* to *path*: ``.html``/``.htm`` or ``.xlsx``.

    Rows show JA | EN | bead type | confidence, weakest first, coloured by confidence.
    The file is written atomically (temp file, then rename).

    :raises ExportError: unknown extension, or the file cannot be written

    Example::

        write_review("review.html", align_document("article.txt"), document_name="article")
    """
    suffix = Path(path).suffix.lower()
    if suffix in (".html", ".htm"):
        data = _html(alignment, document_name).encode("utf-8")
        with atomic_output(path) as fp:
            fp.write(data)
    elif suffix == ".xlsx":
        _xlsx(path, alignment, document_name)
    else:
        raise ExportError(
            f"{path}: unknown review format {suffix or '(no extension)'!r}; use .html or .xlsx"
        )


_CSS = """
body{font-family:system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;margin:1.5em;color:#222}
h1{font-size:1.3em}p.meta{color:#555}
table{border-collapse:collapse;width:100%;table-layout:fixed}
th,td{border:1px solid #ccc;padding:.35em .5em;vertical-align:top;text-align:left}
th{background:#eee;position:sticky;top:0}
td.ja,td.en{width:40%;word-wrap:break-word}td.num,td.type,td.conf{width:5%;white-space:nowrap}
td.empty{color:#999;font-style:italic}
"""


def _html(alignment: Alignment, document_name: str) -> str:
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
        f"paired beads {alignment.mean_confidence():.2f}. Weakest first; colour from red "
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
_WIDTHS = [6, 7, 11, 9, 9, 60, 60, 6, 40]


def _xlsx(path: str | os.PathLike[str], alignment: Alignment, document_name: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment as CellAlignment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from taiyaku.exports.cells import check_xlsx_text

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "review"
    ws.append(_HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    wrap = CellAlignment(wrap_text=True, vertical="top")
    for r in review_rows(alignment):
        values: list[object] = [
            r.number, r.bead, round(r.confidence, 4), r.ja_ids, r.en_ids,
            check_xlsx_text(clean_xml_text(r.ja), f"{path}: bead {r.number}, Japanese",
                            instead=".html"),
            check_xlsx_text(clean_xml_text(r.en), f"{path}: bead {r.number}, English",
                            instead=".html"),
            "", ""]
        ws.append(values)
        row = ws.max_row
        fill = PatternFill("solid", fgColor=confidence_colour(r.confidence)[1:].upper())
        for col in range(1, len(values) + 1):
            cell = ws.cell(row=row, column=col)
            if isinstance(cell.value, str):
                # Never a formula: openpyxl marks text starting with '=' as one.
                cell.data_type = "s"
            cell.alignment = wrap
            if col <= 7:
                cell.fill = fill
    for i, width in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(_HEADERS))}{ws.max_row}"
    wb.properties.title = clean_xml_text(f"Alignment review: {document_name}")[:200]
    from taiyaku.exports.xlsx import save_workbook

    with atomic_output(path) as fp:
        save_workbook(wb, fp)
