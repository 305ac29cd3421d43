"""HTML pages taiyaku writes for people: the analysis report of a pre-translation (a
self-contained page, HTML + CSS, no script).

Chosen by extension (``.html``, ``.htm``) in :mod:`exports.registry`; all text is escaped.
"""

from __future__ import annotations

import html
from typing import IO, Any

from taiyaku.core.analysis import BAND_COLOURS, Analysis

__all__ = ["write_report", "render_html"]


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Hiragino Sans","Noto Sans CJK JP",
 "Noto Sans JP",sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
h1{font-size:1.4rem;margin:0 0 .2rem}
.meta{color:#555;margin:0 0 1.5rem}
.stack{display:flex;height:2.2rem;border-radius:4px;overflow:hidden;border:1px solid #bbb;
 margin-bottom:.4rem}
.stack div{height:100%}
.legend{display:flex;flex-wrap:wrap;gap:.3rem 1rem;font-size:.85rem;margin-bottom:1.6rem}
.legend span.sw{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;
 margin-right:.3rem;vertical-align:-1px}
table{border-collapse:collapse;width:100%}
th,td{padding:.35rem .5rem;border-bottom:1px solid #e4e4e4;text-align:right;
 white-space:nowrap}
th:first-child,td:first-child{text-align:left}
th{font-size:.85rem;color:#444;border-bottom:2px solid #999}
td.bar{width:45%;text-align:left}
.track{background:#f1f1f1;border-radius:3px;height:1.1rem;position:relative}
.fill{height:100%;border-radius:3px}
th.bar{text-align:left}
.pct{font-weight:600}
tr.total td{font-weight:700;border-top:2px solid #999;border-bottom:none}
.note{color:#666;font-size:.8rem;margin-top:1.2rem}
"""


def write_report(analysis: Analysis, fp: IO[bytes], **_opts: Any) -> None:
    """The analysis report page: a stacked bar of the whole document, then one horizontal bar
    per band with its segments, characters and words."""
    fp.write(render_html(analysis).encode("utf-8"))


def render_html(analysis: Analysis) -> str:
    """The HTML page of :func:`write_report` as a string (all text escaped).

    >>> from taiyaku.core.analysis import analyze
    >>> page = render_html(analyze([("<b>新</b>", "no-match")], document="a&b.txt"))
    >>> "<b>新" in page, "a&amp;b.txt" in page
    (False, True)
    """
    esc = html.escape
    unit = analysis.unit
    unit_label = "English words" if unit == "words" else "Japanese characters (no spaces)"
    title = f"Analysis: {analysis.document}" if analysis.document else "Analysis"
    stack = []
    legend = []
    rows = []
    for b in analysis.bands:
        share = analysis.share(b.band)
        colour = BAND_COLOURS[b.band]
        pct = f"{100 * share:.1f}%"
        if share > 0:
            stack.append(
                f'<div style="width:{100 * share:.3f}%;background:#{colour}" '
                f'title="{esc(b.label)}: {pct}"></div>'
            )
        legend.append(f'<span><span class="sw" style="background:#{colour}"></span>'
                      f"{esc(b.label)} {pct}</span>")
        rows.append(
            f"<tr><td>{esc(b.label)}</td><td>{b.segments}</td><td>{b.characters}</td>"
            f"<td>{b.words}</td><td class=\"pct\">{pct}</td>"
            f'<td class="bar"><div class="track"><div class="fill" '
            f'style="width:{100 * share:.3f}%;background:#{colour}"></div></div></td></tr>'
        )
    t = analysis.total
    rows.append(
        f'<tr class="total"><td>Total</td><td>{t.segments}</td><td>{t.characters}</td>'
        f"<td>{t.words}</td><td class=\"pct\">{'100.0%' if t.segments else '–'}</td>"
        "<td></td></tr>"
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{esc(title)}</h1>
<p class="meta">{esc(analysis.src_lang)} → {esc(analysis.trg_lang)} ·
{t.segments} segments · {t.characters} characters · {t.words} words ·
bars show the share of {esc(unit_label)}</p>
<div class="stack" role="img" aria-label="share of the document by match band">
{"".join(stack)}
</div>
<div class="legend">{"".join(legend)}</div>
<table>
<thead><tr><th>Band</th><th>Segments</th><th>Characters</th><th>Words</th><th>Share</th>
<th class="bar">{esc(unit_label)}</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
<p class="note">Characters are counted without spaces; words are runs of Latin letters and
digits. A segment repeated in the document counts as new (by its match) the first time and
as a repetition after that.</p>
</body>
</html>
"""
