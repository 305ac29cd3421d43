"""Glossary import and export: TBX (v3 and 2008), XLSX, CSV and TSV through exports.registry."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from taiyaku.core.errors import ExportError, InputError
from taiyaku.core.printable import counted, path_text, visible
from taiyaku.core.progress import Progress, no_progress
from taiyaku.core.terms import TermEntry, TermForm

if TYPE_CHECKING:
    from taiyaku.glossary.store import ImportOutcome
    from taiyaku.store.interface import Store

__all__ = ["ImportResult", "ExportResult", "import_glossary", "export_glossary", "group_rows"]


@dataclass(frozen=True)
class ImportResult:
    """What an import did: the file, its format, what was read and what happened to each entry.

    :ivar read: entries in the file (after rows of one term were grouped, see
        :func:`group_rows`)
    :ivar rows: records read (CSV/XLSX rows, TBX concept entries)
    :ivar outcomes: one per entry, in file order (:class:`~glossary.store.ImportOutcome`)
    """

    path: Path
    format: str
    read: int
    rows: int
    outcomes: tuple[ImportOutcome, ...]
    by_status: dict[str, int]

    def count(self, action: str) -> int:
        """How many entries had *action* (``added``, ``merged``, ``updated`` …)."""
        return sum(1 for o in self.outcomes if o.action == action)

    @property
    def written(self) -> int:
        """Entries added or changed."""
        return sum(1 for o in self.outcomes if o.action in ("added", "merged", "updated"))

    def to_json(self) -> dict[str, object]:
        """Machine-readable shape for ``--json``."""
        from taiyaku.glossary.store import IMPORT_ACTIONS

        return {"file": path_text(self.path), "format": self.format, "rows_read": self.rows,
                "entries_read": self.read, "entries_written": self.written,
                **{a: self.count(a) for a in IMPORT_ACTIONS},
                "forms_added": sum(len(o.forms_added) for o in self.outcomes),
                "by_status": dict(self.by_status),
                "entries": [o.to_json() for o in self.outcomes]}

    def summary(self) -> str:
        """A few lines for people: the counts, then each merge and skip."""
        from taiyaku.glossary.store import IMPORT_ACTIONS

        grouped = (f" ({self.rows} rows; rows with the same Japanese term are one entry)"
                   if self.rows != self.read else "")
        counts = ", ".join(f"{self.count(a)} {a}" for a in IMPORT_ACTIONS)
        lines = [f"Imported {visible(str(self.path))} ({self.format}): "
                 f"{counted(self.read, 'entry', 'entries')} read{grouped}; {counts}"]
        for o in self.outcomes:
            if o.action == "merged":
                lines.append(f"  merged into protected entry {o.term_id} {visible(o.term)}: "
                             "added " + ", ".join(f.split(":", 1)[1] for f in o.forms_added)
                             + (f"; kept its {', '.join(o.kept)}" if o.kept else ""))
            elif o.action == "skipped":
                lines.append(f"  skipped {visible(o.term)} (entry {o.term_id} is approved, "
                             f"forbidden or edited by hand; kept its {', '.join(o.kept)})")
        return "\n".join(lines)


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    path: Path
    format: str
    entries: int
    tbx_version: str | None = None
    left_out: int = 0

    def to_json(self) -> dict[str, object]:
        """Machine-readable shape for ``--json``."""
        return {"file": path_text(self.path), "format": self.format, "entries": self.entries,
                "tbx_version": self.tbx_version, "left_out_one_language": self.left_out}

    def summary(self) -> str:
        """One line for people."""
        fmt = f"{self.format} {self.tbx_version}" if self.tbx_version else self.format
        rest = (f"; left out {counted(self.left_out, 'entry', 'entries')} without both "
                "Japanese and English (--all-entries exports them)" if self.left_out else "")
        entries = counted(self.entries, "glossary entry", "glossary entries")
        return f"Exported {entries} to {visible(str(self.path))} ({fmt}){rest}"


def group_rows(entries: list[TermEntry]) -> list[TermEntry]:
    """Rows of a spreadsheet glossary that give the same Japanese term (letter for letter)
    and no entry id are one entry: the first row's English is preferred, later rows add
    theirs as synonyms (with their own status where it differs) and fill empty fields.

    >>> rows = [TermEntry(ja=(TermForm("港湾", "ja"),), en=(TermForm(t, "en"),))
    ...         for t in ("port", "harbour", "harbor")]
    >>> [[f.text for f in e.en] for e in group_rows(rows)]
    [['port', 'harbour', 'harbor']]
    """
    out: list[TermEntry] = []
    where: dict[str, int] = {}
    for entry in entries:
        key = entry.ja[0].text.strip() if entry.ja and entry.id is None else None
        if key is None or key not in where:
            if key is not None:
                where[key] = len(out)
            out.append(entry)
            continue
        first = out[where[key]]
        out[where[key]] = dataclasses.replace(
            first, ja=_more_forms(first.ja, entry.ja[1:], entry.status, first.status),
            en=_more_forms(first.en, entry.en, entry.status, first.status),
            pos=first.pos or entry.pos, note=first.note or entry.note,
            definition=first.definition or entry.definition,
            context=first.context or entry.context,
            sources=tuple(dict.fromkeys((*first.sources, *entry.sources))))
    return out


def _more_forms(have: tuple[TermForm, ...], extra: tuple[TermForm, ...], row_status: str,
                entry_status: str) -> tuple[TermForm, ...]:
    """*have* plus the forms of *extra* it lacks (as synonyms, with the status of their row
    where it differs from the entry's)."""
    texts = {f.text.strip() for f in have}
    add = []
    for f in extra:
        if f.text.strip() in texts:
            continue
        texts.add(f.text.strip())
        status = f.status or row_status
        add.append(dataclasses.replace(
            f, kind="synonym" if f.kind == "term" else f.kind,
            status=None if status == entry_status else status))
    return (*have, *add)


def _languages_found(path: Path, fmt_name: str, entries: list[TermEntry]) -> list[str]:
    """The languages a glossary file has terms in, for the one-language refusal."""
    if fmt_name == "TBX":
        from taiyaku.exports.xmlutil import safe_iterparse

        langs: set[str] = set()
        with open(path, "rb") as fp:
            for _, elem in safe_iterparse(fp, str(path), ("start",)):
                if elem.tag.rsplit("}", 1)[-1] in ("langSet", "langSec"):
                    lang = elem.get("{http://www.w3.org/XML/1998/namespace}lang") or \
                        elem.get("lang")
                    if lang and lang.strip():
                        langs.add(lang.strip())
        return sorted(langs)
    return [lang for lang, has in (("ja", any(e.ja for e in entries)),
                                   ("en", any(e.en for e in entries))) if has]


def import_glossary(store: Store, path: str | os.PathLike[str],
                    progress: Progress = no_progress, *,
                    allow_monolingual: bool = False) -> ImportResult:
    """Read a glossary file completely, then store its entries in one transaction.

    A malformed file fails before the database is touched. How entries are added, merged
    with stored ones or left alone: :func:`glossary.store.import_entries`; rows of a
    CSV/TSV/XLSX file with the same Japanese term are one entry (:func:`group_rows`).

    :param allow_monolingual: import a file that has no Japanese or no English term at all
        (refused by default: an English–German glossary would become entries without Japanese)
    :raises InputError: missing file, unsupported format, a file without Japanese or English
    :raises ParseError: malformed or unsafe file (one line, with the line number where known)

    >>> import tempfile, pathlib
    >>> from taiyaku.store import open_store
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "g.csv"
    >>> _ = p.write_text("ja,en,status\\n川習会,Kawashu meeting,approved\\n", encoding="utf-8")
    >>> import_glossary(open_store(":memory:"), p).count("added")
    1
    """
    from taiyaku.exports.registry import glossary_format_for
    from taiyaku.glossary.store import import_entries

    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if not p.is_file():
        raise InputError(f"{p}: not a file")
    fmt = glossary_format_for(p)
    entries: list[TermEntry] = []
    try:
        with open(p, "rb") as fp:
            for entry in fmt.read(fp, str(p)):
                entries.append(entry)
                if len(entries) % 1000 == 0:
                    progress(len(entries), None, "reading")
        rows = len(entries)
        if fmt.name != "TBX":
            entries = group_rows(entries)
        if entries and not allow_monolingual:
            missing = [name for lang, name in (("ja", "Japanese"), ("en", "English"))
                       if not any(getattr(e, lang) for e in entries)]
            if missing:
                found = ", ".join(_languages_found(p, fmt.name, entries)) or "none"
                raise InputError(
                    f"{p}: no {missing[0]} term in any of its {len(entries)} entries "
                    f"(languages found: {found}; taiyaku keeps ja and en); "
                    "use --allow-monolingual to import it anyway")
    except OSError as e:
        raise InputError(f"{p}: cannot read ({e.strerror or e})") from None
    by_status: dict[str, int] = {}
    for entry in entries:
        by_status[entry.status] = by_status.get(entry.status, 0) + 1
    progress(0, len(entries), "importing")
    with store.transaction():
        outcomes = import_entries(store, entries)
    progress(len(entries), len(entries), "importing")
    return ImportResult(p, fmt.name, len(entries), rows, tuple(outcomes), by_status)


def export_glossary(store: Store, path: str | os.PathLike[str], *, tbx_version: str = "2008",
                    status: str | None = None, bilingual: bool | None = None) -> ExportResult:
    """Write the glossary (or the entries with *status*) to *path*, format by extension.

    The file appears only when complete (temporary file + rename).

    :param tbx_version: ``"2008"`` (TBX-Basic ``martif``, what OmegaT and Translate Toolkit
        open) or ``"3"`` (ISO 30042:2019)
    :param bilingual: export only entries with both a Japanese and an English term; by
        default (None) yes for TBX, which CAT tools load as a glossary (an entry without
        English is an empty line in OmegaT's glossary pane), no for XLSX/CSV/TSV, which are
        for review and editing, where the missing English is the work to do
    :raises ExportError: unsupported extension, unwritable folder, unknown TBX version

    >>> import tempfile, pathlib
    >>> from taiyaku.store import open_store
    >>> from taiyaku.glossary.store import add_term
    >>> s = open_store(":memory:")
    >>> _ = add_term(s, "戦略的曖昧さ", "strategic ambiguity")
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "g.tbx"
    >>> export_glossary(s, out).entries
    1
    """
    from taiyaku.exports.outfile import atomic_output, check_outputs
    from taiyaku.exports.registry import glossary_format_for
    from taiyaku.glossary.store import iter_entries

    p = Path(path)
    fmt = glossary_format_for(p, for_writing=True)
    check_outputs({"output": p}, database=getattr(store, "path", None))
    if tbx_version not in ("3", "2008"):
        raise ExportError(f"TBX version {tbx_version!r} is not supported: use 3 or 2008")
    both = fmt.name == "TBX" if bilingual is None else bilingual
    count = left_out = 0

    def counted() -> Iterator[TermEntry]:
        nonlocal count, left_out
        for entry in iter_entries(store, status=status):
            if both and not (any(f.text.strip() for f in entry.ja)
                             and any(f.text.strip() for f in entry.en)):
                left_out += 1
                continue
            count += 1
            yield entry

    # the database's own bookkeeping (the search index, the glossary revision) says nothing
    # about the glossary and differs between two stores holding the same one
    from taiyaku.store.interface import is_bookkeeping

    meta = {f"db {k}": v for k, v in store.meta.all().items() if not is_bookkeeping(k)}
    with atomic_output(p) as fp:
        fmt.write(counted(), fp, version=tbx_version, meta=meta)
    return ExportResult(p, fmt.name, count, tbx_version if fmt.name == "TBX" else None,
                        left_out)
