"""Reports of ``taiyaku qa`` for translators and reviewers: HTML (one page, filterable by check,
severity and text) and XLSX (:func:`taiyaku.exports.xlsx.write_findings`, the one sheet
writer's rows). The extensions are those of the ``qa report`` kind in
:data:`taiyaku.exports.registry.OUTPUT_FORMATS`."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from taiyaku.core.findings import Finding

__all__ = ["REPORT_KIND", "report_suffixes", "write_report", "write_html"]

#: the kind of output in :data:`taiyaku.exports.registry.OUTPUT_FORMATS`
REPORT_KIND = "qa report"
_COLUMNS = ("unit", "check", "severity", "source", "target", "message")


def report_suffixes() -> tuple[str, ...]:
    """The extensions a report can be written in (the registry's ``qa report`` kind).

    >>> report_suffixes()
    ('.htm', '.html', '.xlsx')
    """
    from taiyaku.exports.registry import OUTPUT_FORMATS

    return tuple(OUTPUT_FORMATS[REPORT_KIND])

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #ccc; padding: 4px 6px; vertical-align: top; text-align: left; }}
th {{ background: #dde6f0; position: sticky; top: 0; }}
tr.error td.sev {{ color: #a00; font-weight: bold; }}
tr.warning td.sev {{ color: #a60; }}
td.text {{ max-width: 32em; }}
.bar {{ margin: 0.8em 0; }}
</style></head><body>
<h1>{title}</h1>
<p>{summary}</p>
<div class="bar">
<label>Check <select id="check"><option value="">all</option>{check_options}</select></label>
<label>Severity <select id="severity"><option value="">all</option>{severity_options}</select>
</label>
<label>Text <input id="text" type="search" placeholder="filter"></label>
<span id="shown"></span>
</div>
<table><thead><tr><th>Unit</th><th>Check</th><th>Severity</th><th>Source</th><th>Target</th>
<th>Message</th></tr></thead>
<tbody>
{rows}
</tbody></table>
<script>
function filter() {{
  var c = document.getElementById("check").value, s = document.getElementById("severity").value,
      t = document.getElementById("text").value.toLowerCase(), n = 0;
  document.querySelectorAll("tbody tr").forEach(function (r) {{
    var ok = (!c || r.dataset.check === c) && (!s || r.dataset.severity === s) &&
             (!t || r.textContent.toLowerCase().indexOf(t) >= 0);
    r.style.display = ok ? "" : "none"; if (ok) n++;
  }});
  document.getElementById("shown").textContent = n + " shown";
}}
["check", "severity", "text"].forEach(function (id) {{
  document.getElementById(id).addEventListener("input", filter); }});
filter();
</script>
</body></html>
"""


def write_html(findings: Sequence[Finding], fp: IO[bytes], *, title: str = "QA report",
               summary: str = "") -> None:
    """One HTML page: a row per finding, filters by check, severity and text; everything
    escaped.

    >>> import io
    >>> buf = io.BytesIO()
    >>> write_html([Finding("3", "numbers", "error", "3億円", "<b>30 million</b>", "differ")], buf)
    >>> b"&lt;b&gt;30 million" in buf.getvalue(), b'data-check="numbers"' in buf.getvalue()
    (True, True)
    """
    esc = html.escape
    rows = "\n".join(
        f'<tr class="{esc(f.severity)}" data-check="{esc(f.check)}" '
        f'data-severity="{esc(f.severity)}"><td>{esc(f.unit)}</td><td>{esc(f.check)}</td>'
        f'<td class="sev">{esc(f.severity)}</td><td class="text" lang="{_lang(f.source)}">'
        f'{esc(f.source)}</td><td class="text">{esc(f.target)}</td><td>{esc(f.message)}</td></tr>'
        for f in findings)
    checks = Counter(f.check for f in findings)
    severities = Counter(f.severity for f in findings)
    page = _PAGE.format(
        title=esc(title),
        summary=esc(summary or f"{len(findings)} findings"),
        check_options="".join(f'<option value="{esc(c)}">{esc(c)} ({n})</option>'
                              for c, n in sorted(checks.items())),
        severity_options="".join(f'<option value="{esc(s)}">{esc(s)} ({n})</option>'
                                 for s, n in sorted(severities.items())),
        rows=rows)
    fp.write(page.encode("utf-8"))


def _lang(text: str) -> str:
    from taiyaku.core.normalize import has_japanese

    return "ja" if has_japanese(text) else "en"


def write_report(findings: Sequence[Finding], path: Path, *, title: str, summary: str) -> None:
    """Write the report *path* asks for by its extension (through the registry: a temporary
    file, renamed).

    :raises ExportError: an extension no report is written in
    """
    from taiyaku.exports.registry import write_output

    write_output(REPORT_KIND, list(findings), path, title=title, summary=summary)
