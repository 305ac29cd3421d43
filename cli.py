"""taiyaku command line: parse options, call one library function, print the result.

No logic lives here; heavy libraries (sudachipy, polars, openpyxl, rapidfuzz) are imported
inside the library functions, so ``taiyaku --help`` stays fast.
"""

from __future__ import annotations

import math
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from taiyaku.core.errors import TaiyakuError

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


# -- shared plumbing ---------------------------------------------------------------------------
#: SQLite's INTEGER is signed 64-bit: a larger option value would end in an OverflowError
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1


class TaiyakuCommand(click.Command):
    """A command that checks every argument's value once click has converted it.

    In one place, so that no command (and no option added later) forgets: text must be valid
    UTF-8 (a byte that is not arrives as a lone surrogate, which SQLite and the terminal
    refuse), an integer must fit SQLite's 64 bits, a float must be finite (``nan`` passes
    ``FloatRange`` because every comparison with it is false). File names (``Path`` values)
    may hold any bytes and are not checked. A bad value is click's usage error (exit 2).
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        rest = super().parse_args(ctx, args)
        for param in self.get_params(ctx):
            value = ctx.params.get(param.name) if param.name else None
            for item in value if isinstance(value, (tuple, list)) else (value,):
                problem = _bad_value(item)
                if problem is not None:
                    raise click.BadParameter(problem, ctx=ctx, param=param)
        return rest


def _bad_value(value: Any) -> str | None:
    """What is wrong with one converted argument value, or None."""
    if isinstance(value, str):
        from taiyaku.core.printable import bad_text_position

        at = bad_text_position(value)
        if at is not None:
            byte = ord(value[at]) - 0xDC00
            shown = f"byte 0x{byte:02x}" if 0x80 <= byte <= 0xFF else "a lone surrogate"
            return (f"not valid UTF-8 text ({shown} at character {at + 1}); "
                    "give text arguments in UTF-8")
    elif isinstance(value, bool):
        return None
    elif isinstance(value, int) and not _INT_MIN <= value <= _INT_MAX:
        return f"{value} is out of range ({_INT_MIN} to {_INT_MAX})"
    elif isinstance(value, float) and not math.isfinite(value):
        return f"{value} is not a finite number"
    return None


class TaiyakuGroup(click.Group):
    """Turns the project's errors into ``Error: <one line>`` (exit 1) in one place.

    Also: Ctrl-C exits 130 after the open transaction rolled back; a closed pipe (``| head``)
    exits quietly; environment failures (disk full, permission denied, database locked) are
    one line too. ``--traceback`` (or ``TAIYAKU_TRACEBACK=1``) shows the full traceback.
    Its commands are :class:`TaiyakuCommand`, its subgroups TaiyakuGroups.
    """

    command_class = TaiyakuCommand
    group_class = type

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as e:
            raise _clean_usage_error(e) from None

    def main(self, args: Any = None, *pargs: Any, **kwargs: Any) -> Any:
        if args is None and kwargs.get("standalone_mode", True):
            # Started from the command line (not CliRunner or a caller passing args):
            # restore the default SIGPIPE action so `taiyaku … | head` ends quietly, as Unix
            # tools do, and turn SIGTERM into an exception so transactions and temp files
            # are cleaned up.
            if hasattr(signal, "SIGPIPE"):
                signal.signal(signal.SIGPIPE, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, _terminate)
            try:
                return super().main(args, *pargs, **kwargs)
            finally:
                # The work is committed and reported: a Ctrl-C that lands now, while the
                # interpreter shuts down, would kill the process by SIGINT (exit -2) although
                # nothing was lost. Ignore it for the last moments instead.
                signal.signal(signal.SIGINT, signal.SIG_IGN)
        return super().main(args, *pargs, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TaiyakuError as e:
            if _want_traceback(ctx):
                raise
            raise click.ClickException(_one_line(str(e))) from None
        except KeyboardInterrupt:
            click.echo(
                "\nInterrupted; nothing half-written was kept "
                "(a change is stored whole or not at all).",
                err=True,
            )
            ctx.exit(130)
        except click.UsageError as e:  # a subcommand's parsing, an unknown command
            raise _clean_usage_error(e) from None
        except BrokenPipeError:
            # `taiyaku … | head`: the reader went away; exit quietly.
            _silence_stdout()
            ctx.exit(0)
        except Exception as e:
            message = _environment_error(e, ctx.meta.get("taiyaku.db"),
                                         ctx.meta.get("taiyaku.command", "taiyaku"))
            if message is None and not _want_traceback(ctx):
                message = _secret_bearing(e)
            if message is None or _want_traceback(ctx):
                raise
            raise click.ClickException(message) from None


def _clean_usage_error(e: click.UsageError) -> click.UsageError:
    """Click quotes the user's arguments in its messages: keep them on one line, with control
    characters and undecodable bytes shown visibly (*e* itself when it needs nothing)."""
    if isinstance(e, click.exceptions.NoArgsIsHelpError):
        return e  # prints the help, not a message
    text = e.format_message()
    if _one_line(text) == text:
        return e
    return click.UsageError(_one_line(text), e.ctx)  # exit 2, as every usage error


def _want_traceback(ctx: click.Context) -> bool:
    return bool(ctx.meta.get("taiyaku.traceback") or os.environ.get("TAIYAKU_TRACEBACK"))


def _terminate(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def _environment_error(e: Exception, db: Path | None = None,
                       command: str = "taiyaku") -> str | None:
    """One line for failures caused by the machine rather than by taiyaku, else None.

    Database errors are the store's to explain (:func:`taiyaku.store.explain_error`). A
    damaged database (found mid-command) is named with *db*, the command's database, and
    remembered beside it so that writers refuse it (*command* is noted as the finder).
    """
    hint = " (run with --traceback for details)"
    if isinstance(e, OSError) and not isinstance(e, click.ClickException):
        where = f"{e.filename}: " if e.filename else ""
        return _one_line(f"{where}{e.strerror or e}{hint}")
    if "taiyaku.store" in sys.modules:  # no store opened: no database error to explain
        from taiyaku.store import explain_error

        known = explain_error(e, db, command, hint=hint)
        if known is not None:
            return _one_line(known)
    return None


def _secret_bearing(e: Exception) -> str | None:
    """One line for an unexpected error (a database driver's, say) whose text holds a
    password: shown masked instead of as a traceback that would print it."""
    from taiyaku.core.dburl import mask_text

    text = f"{type(e).__name__}: {e}"
    if mask_text(text) == text:
        return None
    return _one_line(f"{text} (run with --traceback for details)")


def _one_line(message: str) -> str:
    """One line, with control characters and undecodable bytes of quoted file content or
    file names shown visibly (never sent raw to the terminal)."""
    from taiyaku.core.dburl import mask_text
    from taiyaku.core.printable import visible

    # every error message passes here: a database address in it loses its password
    return visible(mask_text(" ".join(message.split())))


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


class DbAddress(click.ParamType):  # type: ignore[type-arg]  # generic from click 8.2
    """``--db``: an SQLite file (a Path), or a PostgreSQL address passed on untouched as a
    string (``postgresql://…``, ``postgres://…``, ``service=…``: a Path would fold its
    ``//``); :func:`taiyaku.store.open_store` tells them apart by the same rule."""

    name = "PATH|URL"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        if isinstance(value, Path):
            return value
        from taiyaku.store.postgres import is_postgres_address

        if is_postgres_address(value):
            return value
        return click.Path(dir_okay=False, path_type=Path).convert(value, param, ctx)


def db_option(f: F) -> F:
    """``--db PATH|URL`` (env ``TAIYAKU_DB``); default in the user data folder."""
    return click.option(
        "--db",
        "db_path",
        type=DbAddress(),
        envvar="TAIYAKU_DB",
        help="SQLite database file, or a PostgreSQL address (postgresql://user@host/name, "
             "service=NAME) [env TAIYAKU_DB; default: taiyaku.db in the user data folder].",
    )(f)


def json_option(f: F) -> F:
    """``--json``: machine-readable output on stdout."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")(f)


def open_store(ctx: click.Context, db_path: Path | None, *, create: bool = True,
               readonly: bool = False) -> Any:
    """Open the store and close it when the command ends.

    :param readonly: the command only reads: a missing database is refused, and read-only
        media are read
    """
    from taiyaku.store import open_store as open_database

    ctx.meta["taiyaku.command"] = ctx.command_path
    store = open_database(db_path, create=create, readonly=readonly, on_wait=info,
                       command=ctx.command_path)
    ctx.meta["taiyaku.db"] = store.path
    ctx.call_on_close(store.close)
    return store


def emit(obj: Any) -> None:
    """Print *obj* as JSON on stdout (every control character escaped)."""
    from taiyaku.core.printable import json_text

    click.echo(json_text(obj))


def progress_reporter() -> Callable[..., None]:
    """A progress callback drawing on stderr when it is a terminal, silent otherwise."""
    if not sys.stderr.isatty():
        from taiyaku.core.progress import no_progress

        return no_progress
    last = [0.0]

    def report(done: int, total: int | None = None, label: str = "") -> None:
        now = time.monotonic()
        finished = total is not None and done >= total
        if now - last[0] < 0.1 and not finished:
            return
        last[0] = now
        pct = f" {100 * done / total:5.1f}%" if total else ""
        of = f"/{total}" if total else ""
        click.echo(f"\r{label} {done}{of}{pct}   ", err=True, nl=finished)

    return report


def info(message: str) -> None:
    """A message for the user on stderr (a database address in it without its password)."""
    from taiyaku.core.dburl import mask_text

    click.echo(mask_text(message), err=True)


# -- the group ---------------------------------------------------------------------------------
@click.group(cls=TaiyakuGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="taiyaku", prog_name="taiyaku",
                      message="%(prog)s %(version)s")
@click.option("--traceback", is_flag=True, help="Show the full traceback on errors (debugging).")
@click.pass_context
def cli(ctx: click.Context, traceback: bool) -> None:
    """taiyaku (対訳): Japanese–English translation memory and glossary.

    \b
    Typical session:
      taiyaku ingest article.txt --review review.html
      taiyaku terms extract
      taiyaku tm search "輸出規制を強化した"
      taiyaku pretranslate new-article.txt -o new.xlf --report report.html
    """
    ctx.meta["taiyaku.traceback"] = traceback


# -- documents ---------------------------------------------------------------------------------
LAYOUTS = ["auto", "halves", "interleaved", "pair", "mono"]


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--en", "en_file", type=click.Path(path_type=Path),
              help="English file (two-file pair).")
@click.option("--layout", type=click.Choice(LAYOUTS), default="auto", show_default=True,
              help="How the languages are laid out in FILE.")
@click.option("--presegmented", is_flag=True, help="FILE and --en hold one segment per line.")
@click.option("--name", help="Document name in the TM [default: the file name].")
@click.option("--review", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a side-by-side review (.html or .xlsx), weakest beads first.")
@click.option("--replace", is_flag=True,
              help="Replace the stored document of this name even if another file made it.")
@db_option
@json_option
@click.pass_context
def ingest(ctx: click.Context, file: Path, en_file: Path | None, layout: str, presegmented: bool,
           name: str | None, review: Path | None, replace: bool, db_path: Path | None,
           as_json: bool) -> None:
    """Split, segment, align and store one bilingual (or --layout mono) document.

    A document is known by its file's path and content, not by its name: the same file
    again is left alone ("unchanged"); the same file changed replaces its document; another
    file of the same name (another folder) becomes a new document named with its folder
    (b/article.txt). A --name already used by another file is refused unless --replace is
    given. FILE may be - (standard input). TMX, XLIFF and TBX files are refused with the
    command that imports them.

    \b
    Examples:
      taiyaku ingest article.txt
      taiyaku ingest ja.txt --en en.txt --review review.xlsx
      taiyaku ingest news-ja.txt --layout mono
    """
    from taiyaku.tm.ingest import IngestOptions, ingest_file

    store = open_store(ctx, db_path)
    options = IngestOptions(en_path=en_file, layout=layout, presegmented=presegmented,
                            name=name, review=review, replace=replace)
    result = ingest_file(store, file, options, progress=progress_reporter())
    emit(result.to_json()) if as_json else click.echo(result.summary())


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.argument("en_file", required=False, type=click.Path(path_type=Path))
@click.option("--en", "en_opt", type=click.Path(path_type=Path), help="English file.")
@click.option("--layout", type=click.Choice(LAYOUTS), default="auto", show_default=True)
@click.option("--presegmented", is_flag=True, help="Both files hold one segment per line.")
@click.option("--format", "fmt", type=click.Choice(["tsv", "json"]), default="tsv",
              show_default=True)
@json_option
def align(file: Path, en_file: Path | None, en_opt: Path | None, layout: str,
          presegmented: bool, fmt: str, as_json: bool) -> None:
    """Segment and align without storing; print beads.

    TSV columns: ja_ids, en_ids, score, ja_text, en_text (0-based ids, comma-separated,
    empty for 1-0 / 0-1 beads).

    \b
    Examples:
      taiyaku align ja.txt en.txt --presegmented --format tsv
      taiyaku align bilingual-article.txt --format json
    """
    from taiyaku.tm.ingest import align_document

    if en_file is not None and en_opt is not None:
        raise click.UsageError("give the English file either as EN_FILE or --en, not both")
    if presegmented and (en_file or en_opt) is None:
        raise click.UsageError("--presegmented needs two files: JA and EN")
    alignment = align_document(file, en_file or en_opt, layout=layout, presegmented=presegmented)
    click.echo(alignment.to_json_text() if (as_json or fmt == "json") else alignment.to_tsv(),
               nl=False)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path), required=False)
@click.option("--lang", type=click.Choice(["ja", "en", "auto"]), default="auto", show_default=True)
@click.option("--show-rules", is_flag=True, help="Print the segmentation rules and exit.")
@json_option
def segment(file: Path | None, lang: str, show_rules: bool, as_json: bool) -> None:
    """Print one segment per line.

    \b
    Examples:
      taiyaku segment article.txt
      taiyaku segment --show-rules
    """
    from taiyaku.tm.segment import RULES, segment_file

    if show_rules:
        emit(RULES) if as_json else click.echo("\n".join(f"- {r}" for r in RULES))
        return
    if file is None:
        raise click.UsageError("FILE is required unless --show-rules is given")
    segments = segment_file(file, lang=lang)
    if as_json:
        emit([{"text": s.text, "lang": s.lang, "kind": s.kind} for s in segments])
    else:
        for s in segments:
            click.echo(s.text)


# -- TM ----------------------------------------------------------------------------------------
@cli.group()
def tm() -> None:
    """Translation memory: fuzzy search, concordance, TMX in and out.

    \b
    Examples:
      taiyaku tm search "輸出規制を強化した"
      taiyaku tm export -o memory.tmx
    """


@tm.command("search")
@click.argument("query", required=False)
@click.option("--queries", type=click.Path(dir_okay=False, path_type=Path),
              help="Look up every line of this file (batch).")
@click.option("--limit", default=5, show_default=True, type=click.IntRange(1, 1000))
@click.option("--min-score", default=50.0, show_default=True, type=click.FloatRange(0, 100))
@click.option("--concordance", is_flag=True, help="Substring search over both sides.")
@db_option
@json_option
@click.pass_context
def tm_search(ctx: click.Context, query: str | None, queries: Path | None, limit: int,
              min_score: float, concordance: bool, db_path: Path | None, as_json: bool) -> None:
    """Fuzzy TM match (score 0–100) or substring concordance; Japanese or English query.

    \b
    Examples:
      taiyaku tm search "米国の台湾政策は不変だ"
      taiyaku tm search "strategic ambiguity" --concordance
      taiyaku tm search --queries segments.txt --json
    """
    from taiyaku.tm.search import SearchOptions, run_search

    if (query is None) == (queries is None):
        raise click.UsageError("give either QUERY or --queries FILE")
    store = open_store(ctx, db_path, readonly=True)
    options = SearchOptions(limit=limit, min_score=min_score, concordance=concordance)
    result = run_search(store, query=query, queries_file=queries, options=options,
                        progress=progress_reporter())
    emit(result.to_json()) if as_json else click.echo(result.render(color=sys.stdout.isatty()))


@tm.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--include-drafts", is_flag=True,
              help="XLIFF: also import translated segments that are not confirmed.")
@db_option
@json_option
@click.pass_context
def tm_import(ctx: click.Context, file: Path, include_drafts: bool, db_path: Path | None,
              as_json: bool) -> None:
    """Import a TM file into the TM: TMX 1.4b (OmegaT's project_save.tmx too), a finished
    bilingual XLIFF 1.2 or 2.x (.xlf, .xliff, Trados .sdlxliff, memoQ .mqxliff, Phrase
    .mxliff), or XLSX/CSV/TSV in taiyaku's TM layout. Only the Japanese–English pair is kept,
    in either direction.

    From XLIFF only translated and confirmed segments are imported: XLIFF 2 state
    translated, reviewed or final; XLIFF 1.2 approved="yes" or target state translated,
    signed-off or final; Trados sdl:seg conf Translated, ApprovedTranslation or
    ApprovedSignOff; memoQ mq:status ManuallyConfirmed, Confirmed, Reviewer1Confirmed,
    Reviewer2Confirmed or Proofread; Phrase m:confirmed 1 or more. --include-drafts imports
    every translated segment.

    Units already in the TM are skipped as duplicates; every unit read is reported (added,
    duplicate, or skipped with the reason). The file is known by its path and content: the
    same file again is left alone, the same file changed replaces its earlier import, another
    file of the same name (e.g. another project's project_save.tmx) is a new document named
    with its folder. A file with no Japanese–English pair is refused, naming the languages
    found.

    \b
    Examples:
      taiyaku tm import client-memory.tmx
      taiyaku tm import omegat/project_save.tmx
      taiyaku tm import job.sdlxliff --include-drafts
    """
    from taiyaku.tm.tmio import import_tm

    store = open_store(ctx, db_path)
    result = import_tm(store, file, progress=progress_reporter(),
                       include_drafts=include_drafts)
    emit(result.to_json()) if as_json else click.echo(result.summary())


@tm.command("export")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output file: .tmx, .xlsx, .csv or .tsv.")
@db_option
@json_option
@click.pass_context
def tm_export(ctx: click.Context, output: Path, db_path: Path | None, as_json: bool) -> None:
    """Export the TM as TMX 1.4b (or XLSX/CSV), with document, position and confidence.

    A Japanese–English pair stored more than once (from several documents) is written once,
    as the first document has it; the other documents that hold it are listed in its
    x-also-in property (one name per line).

    \b
    Example:
      taiyaku tm export -o memory.tmx
    """
    from taiyaku.tm.tmio import export_tm

    store = open_store(ctx, db_path, readonly=True)
    result = export_tm(store, output)
    emit(result.to_json()) if as_json else click.echo(result.summary())


# -- glossary ----------------------------------------------------------------------------------
@cli.group()
def terms() -> None:
    """Glossary: extract, search, edit, import and export terms.

    \b
    Examples:
      taiyaku terms extract
      taiyaku terms search 一般輸出許可
      taiyaku terms export -o glossary.tbx
    """


@terms.command("extract")
@click.option("--min-freq", default=2, show_default=True, type=click.IntRange(1))
@click.option("--limit", default=500, show_default=True, type=click.IntRange(1))
@db_option
@json_option
@click.pass_context
def terms_extract(ctx: click.Context, min_freq: int, limit: int, db_path: Path | None,
                  as_json: bool) -> None:
    """Extract terms from everything ingested, pair JA↔EN, store as candidates.

    Approved and hand-edited entries are never overwritten.

    \b
    Example:
      taiyaku terms extract --min-freq 2 --limit 300
    """
    from taiyaku.glossary.extract import ExtractOptions, extract_terms

    store = open_store(ctx, db_path)
    result = extract_terms(store, ExtractOptions(min_freq=min_freq, limit=limit),
                           progress=progress_reporter())
    emit(result.to_json()) if as_json else click.echo(result.summary())


@terms.command("search")
@click.argument("query")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@db_option
@json_option
@click.pass_context
def terms_search(ctx: click.Context, query: str, limit: int, db_path: Path | None,
                 as_json: bool) -> None:
    """Fuzzy term lookup: Japanese surface or kana reading, English in any case or number.

    \b
    Examples:
      taiyaku terms search 台湾有事
      taiyaku terms search せんりゃく
      taiyaku terms search "Rare Earths"
    """
    from taiyaku.glossary.lookup import render_entries, search_terms

    store = open_store(ctx, db_path, readonly=True)
    hits = search_terms(store, query, limit=limit)
    emit([h.to_json() for h in hits]) if as_json else click.echo(render_entries(hits))


@terms.command("list")
@click.option("--status", type=click.Choice(["candidate", "approved", "forbidden"]))
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1))
@db_option
@json_option
@click.pass_context
def terms_list(ctx: click.Context, status: str | None, limit: int, db_path: Path | None,
               as_json: bool) -> None:
    """The glossary, best first.

    \b
    Example:
      taiyaku terms list --status approved --limit 100
    """
    from taiyaku.glossary.lookup import render_entries
    from taiyaku.glossary.store import list_terms

    store = open_store(ctx, db_path, readonly=True)
    entries = list_terms(store, status=status, limit=limit)
    emit([e.to_json() for e in entries]) if as_json else click.echo(render_entries(entries))


@terms.command("add")
@click.argument("ja")
@click.argument("en", required=False)
@click.option("--note", help="A note for translators.")
@click.option("--status", type=click.Choice(["candidate", "approved", "forbidden"]),
              default="approved", show_default=True)
@db_option
@json_option
@click.pass_context
def terms_add(ctx: click.Context, ja: str, en: str | None, note: str | None, status: str,
              db_path: Path | None, as_json: bool) -> None:
    """Add a term by hand (approved unless --status says otherwise).

    \b
    Example:
      taiyaku terms add 戦略的曖昧さ "strategic ambiguity" --note "US policy on Taiwan"
    """
    from taiyaku.glossary.store import add_or_update_term

    store = open_store(ctx, db_path)
    done = add_or_update_term(store, ja, en, note=note, status=status)
    emit(done.to_json()) if as_json else click.echo(done.summary())


@terms.command("set-status")
@click.argument("term_id", type=int)
@click.argument("status", type=click.Choice(["approved", "candidate", "forbidden"]))
@db_option
@json_option
@click.pass_context
def terms_set_status(ctx: click.Context, term_id: int, status: str, db_path: Path | None,
                     as_json: bool) -> None:
    """Approve, demote or forbid a term.

    \b
    Example:
      taiyaku terms set-status 12 approved
    """
    from taiyaku.glossary.store import set_status

    store = open_store(ctx, db_path, create=False)
    entry = set_status(store, term_id, status)
    emit(entry.to_json()) if as_json else click.echo(f"term {term_id}: {status}")


@terms.command("edit")
@click.argument("term_id", type=int)
@click.option("--ja", help="The preferred Japanese form (an existing form moves first; the "
                           "previous one stays as a variant).")
@click.option("--en", help="The preferred English form (likewise).")
@click.option("--add-ja", multiple=True, help="Add a Japanese variant (repeatable).")
@click.option("--add-en", multiple=True, help="Add an English variant (repeatable).")
@click.option("--remove", multiple=True, help="Remove the form with this text (repeatable).")
@click.option("--form-status", "form_status", multiple=True, metavar="FORM=STATUS",
              help="Give one form a status of its own, e.g. harbor=forbidden (repeatable).")
@click.option("--status", type=click.Choice(["candidate", "approved", "forbidden"]),
              help="The entry's status (forms with a status of their own keep it).")
@click.option("--note", help='The note ("" removes it).')
@click.option("--definition", help='The definition ("" removes it).')
@click.option("--pos", help='The part of speech ("" removes it).')
@db_option
@json_option
@click.pass_context
def terms_edit(ctx: click.Context, term_id: int, ja: str | None, en: str | None,
               add_ja: tuple[str, ...], add_en: tuple[str, ...], remove: tuple[str, ...],
               form_status: tuple[str, ...], status: str | None, note: str | None,
               definition: str | None, pos: str | None, db_path: Path | None,
               as_json: bool) -> None:
    """Edit a term: forms, preferred form, variants, statuses, note, definition, POS.

    One transaction: an unknown id or form changes nothing. The entry is marked
    edited, so `terms extract` and imports leave it as it is.

    \b
    Examples:
      taiyaku terms edit 12 --en "U.S.–Japan alliance" --remove "U.S. Japan"
      taiyaku terms edit 7 --en port --form-status harbor=forbidden --status approved
    """
    from taiyaku.glossary.lookup import render_entries
    from taiyaku.glossary.store import TermEdit, edit_term

    pairs = tuple(tuple(item.rsplit("=", 1)) for item in form_status)
    if any(len(p) != 2 for p in pairs):
        raise click.BadParameter("use FORM=STATUS, e.g. harbor=forbidden",
                                 param_hint="--form-status")
    store = open_store(ctx, db_path, create=False)
    entry = edit_term(store, term_id, TermEdit(
        ja=ja, en=en, add_ja=add_ja, add_en=add_en, remove=remove,
        form_status=tuple((a, b.strip().lower()) for a, b in pairs), note=note,
        definition=definition, pos=pos, status=status))
    emit(entry.to_json()) if as_json else click.echo(render_entries([entry]))


@terms.command("delete")
@click.argument("term_ids", type=int, nargs=-1, required=True)
@db_option
@json_option
@click.pass_context
def terms_delete(ctx: click.Context, term_ids: tuple[int, ...], db_path: Path | None,
                 as_json: bool) -> None:
    """Delete terms (with their forms and evidence); an unknown id deletes nothing.

    \b
    Example:
      taiyaku terms delete 12 13
    """
    from taiyaku.glossary.store import delete_terms

    store = open_store(ctx, db_path, create=False)
    gone = delete_terms(store, term_ids)
    emit([e.to_json() for e in gone]) if as_json else click.echo(
        f"deleted {len(gone)} term{'s' if len(gone) != 1 else ''}: "
        + ", ".join(str(e.id) for e in gone))


@terms.command("merge")
@click.argument("term_ids", type=int, nargs=-1, required=True)
@db_option
@json_option
@click.pass_context
def terms_merge(ctx: click.Context, term_ids: tuple[int, ...], db_path: Path | None,
                as_json: bool) -> None:
    """Merge terms into the first one given; the others are deleted.

    \b
    The merged entry keeps: the first entry's id, status and preferred forms;
    every other form it lacks, each with the status it had (a forbidden form
    stays forbidden); all notes and definitions (one per line); the first
    part of speech and context; all evidence and sources; the summed frequency
    and the highest score. It is marked edited.

    \b
    Example:
      taiyaku terms merge 4 17 23
    """
    from taiyaku.glossary.store import merge_terms

    store = open_store(ctx, db_path, create=False)
    done = merge_terms(store, term_ids)
    emit(done.to_json()) if as_json else click.echo(done.summary())


@terms.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--allow-monolingual", is_flag=True,
              help="Import a file with no Japanese or no English term at all (refused by "
                   "default, naming the languages found).")
@db_option
@json_option
@click.pass_context
def terms_import(ctx: click.Context, file: Path, allow_monolingual: bool, db_path: Path | None,
                 as_json: bool) -> None:
    """Import a glossary: TBX (2008 or v3), XLSX or CSV/TSV.

    Nothing is overwritten silently. Each entry of the file is added, merged, updated,
    left unchanged or skipped, and the summary (and --json) says which:

    \b
    - concepts of one file stay apart, even when they share a term;
    - a file entry joins a stored one only when their preferred term is the same,
      letter for letter, and they share an English form (or one has no English);
    - an approved, forbidden, hand-made or edited entry keeps its status, note
      and forms: the file can only add forms it lacks, with the file's status
      (a candidate translation stays a candidate): "merged" or "skipped";
    - an unreviewed candidate takes the file's values: "updated";
    - CSV/TSV/XLSX rows with the same Japanese term and no id are one entry;
      the first row's English is preferred, later rows add synonyms.

    Cells of files taiyaku did not write are read as they are (no escapes, no
    [annotations]).

    \b
    Examples:
      taiyaku terms import client-glossary.tbx
      taiyaku terms import terms.csv --json
    """
    from taiyaku.glossary.io import import_glossary

    store = open_store(ctx, db_path)
    result = import_glossary(store, file, progress=progress_reporter(),
                             allow_monolingual=allow_monolingual)
    emit(result.to_json()) if as_json else click.echo(result.summary())


@terms.command("export")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output file: .tbx, .xlsx, .csv or .tsv.")
@click.option("--tbx-version", type=click.Choice(["2008", "3"]), default="2008",
              show_default=True,
              help="TBX-Basic 2008 (martif): OmegaT 3.6 and Translate Toolkit/Weblate open it. "
                   "TBX v3 (ISO 30042:2019): neither opens it yet.")
@click.option("--status", type=click.Choice(["candidate", "approved", "forbidden"]),
              help="Only entries with this status.")
@click.option("--bilingual-only/--all-entries", "bilingual", default=None,
              help="Only entries with both Japanese and English. Default: on for .tbx (a CAT "
                   "tool's glossary), off for .xlsx/.csv/.tsv (for review and editing).")
@db_option
@json_option
@click.pass_context
def terms_export(ctx: click.Context, output: Path, tbx_version: str, status: str | None,
                 bilingual: bool | None, db_path: Path | None, as_json: bool) -> None:
    """Export the glossary as TBX, XLSX or CSV.

    Candidates (not reviewed) are marked: in TBX they have no administrativeStatus
    (approved is preferredTerm, forbidden deprecatedTerm) and the entry's first note
    says "Status: candidate — not reviewed"; XLSX/CSV have a status column. --status
    approved exports only reviewed terms.

    \b
    Examples:
      taiyaku terms export -o glossary.tbx
      taiyaku terms export -o glossary.tbx --status approved
      taiyaku terms export -o glossary.tbx --tbx-version 3
      taiyaku terms export -o glossary.xlsx
    """
    from taiyaku.glossary.io import export_glossary

    store = open_store(ctx, db_path, readonly=True)
    result = export_glossary(store, output, tbx_version=tbx_version, status=status,
                             bilingual=bilingual)
    emit(result.to_json()) if as_json else click.echo(result.summary())


# -- pre-translation ---------------------------------------------------------------------------
@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output: .xlf/.xliff, .xlsx, .json or .tmx.")
@click.option("--min-score", default=50.0, show_default=True, type=click.FloatRange(0, 100))
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path),
              help="Analysis by match band (.html or .json).")
@click.option("--xliff-version", type=click.Choice(["2.1", "1.2"]), default="2.1",
              show_default=True)
@click.option("--fill-fuzzy", is_flag=True, help="Also fill targets from fuzzy matches.")
@db_option
@json_option
@click.pass_context
def pretranslate(ctx: click.Context, file: Path, output: Path, min_score: float,
                 report: Path | None, xliff_version: str, fill_fuzzy: bool,
                 db_path: Path | None, as_json: bool) -> None:
    """Best TM match and glossary terms for each segment of a new article.

    \b
    Examples:
      taiyaku pretranslate new.txt -o new.xlf --report analysis.html
      taiyaku pretranslate new.txt -o new.xlsx
    """
    from taiyaku.tm.pretranslate import PretranslateOptions, pretranslate_file

    store = open_store(ctx, db_path, readonly=True)
    options = PretranslateOptions(output=output, min_score=min_score, report=report,
                                  xliff_version=xliff_version, fill_fuzzy=fill_fuzzy)
    result = pretranslate_file(store, file, options, progress=progress_reporter())
    emit(result.to_json()) if as_json else click.echo(result.summary())


@cli.command()
@db_option
@json_option
@click.pass_context
def stats(ctx: click.Context, db_path: Path | None, as_json: bool) -> None:
    """Counts of documents, segments, units and terms, and how the data was produced.

    \b
    Example:
      taiyaku stats --json
    """
    from taiyaku.tm.stats import collect_stats

    store = open_store(ctx, db_path, readonly=True)
    result = collect_stats(store)
    emit(result.to_json()) if as_json else click.echo(result.render())


# -- quality checks ----------------------------------------------------------------------------
@cli.command(name="qa")
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--tm", "check_tm", is_flag=True, help="Check the stored TM instead of a file.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write a report: .html or .xlsx.")
@click.option("--ignore", multiple=True, metavar="CHECK",
              help="Leave out a check (numbers, terms, forbidden, untranslated, same-as-source, "
                   "inconsistent, tags, punctuation); repeatable.")
@click.option("--false-positive", "false_positives", multiple=True, metavar="UNIT[:CHECK]",
              help="Remember a finding (or all of a unit's) as a false positive for this file; "
                   "later runs leave it out. Repeatable.")
@db_option
@json_option
@click.pass_context
def qa(ctx: click.Context, file: Path | None, check_tm: bool, output: Path | None,
       ignore: tuple[str, ...], false_positives: tuple[str, ...], db_path: Path | None,
       as_json: bool) -> None:
    """Check a finished bilingual file (XLIFF, TMX, filled pre-translation XLSX) or the TM:
    numbers (万/億, 漢数字, dates, eras), glossary terms, consistency, tags, punctuation.
    Exits 1 when an error finding remains.

    \b
    Examples:
      taiyaku qa job.xlf -o report.html
      taiyaku qa job.xlf --false-positive 12:numbers
      taiyaku qa --tm --ignore inconsistent --json
    """
    from taiyaku.tm.qa import qa_file, qa_tm

    if (file is None) == (not check_tm):
        raise click.UsageError("give a FILE or --tm (one of them)")
    store = open_store(ctx, db_path, readonly=not false_positives)
    if check_tm:
        result = qa_tm(store, ignore=ignore, false_positives=false_positives, output=output)
    else:
        assert file is not None
        result = qa_file(store, file, ignore=ignore, false_positives=false_positives,
                         output=output)
    emit(result.to_json()) if as_json else click.echo(result.render())
    if result.errors:
        ctx.exit(1)


# -- correcting what is stored: documents, TM units (issue 17) ---------------------------------
@cli.group(invoke_without_command=True)
@db_option
@json_option
@click.pass_context
def documents(ctx: click.Context, db_path: Path | None, as_json: bool) -> None:
    """List the stored documents (id, name, layout, segments, units, added), or show or
    remove one.

    \b
    Examples:
      taiyaku documents
      taiyaku documents show 3
      taiyaku documents remove 3
    """
    if ctx.invoked_subcommand is not None:
        return
    from taiyaku.tm.edit import list_documents

    result = list_documents(open_store(ctx, db_path, readonly=True))
    emit(result.to_json()) if as_json else click.echo(result.render())


@documents.command("show")
@click.argument("doc_id", metavar="ID", type=int)
@db_option
@json_option
@click.pass_context
def documents_show(ctx: click.Context, doc_id: int, db_path: Path | None, as_json: bool) -> None:
    """Show document ID: its source, counts and segments (with the unit each went into).

    \b
    Example:
      taiyaku documents show 3 --json
    """
    from taiyaku.tm.edit import show_document

    result = show_document(open_store(ctx, db_path, readonly=True), doc_id)
    emit(result.to_json()) if as_json else click.echo(result.render())


@documents.command("remove")
@click.argument("doc_id", metavar="ID", type=int)
@db_option
@json_option
@click.pass_context
def documents_remove(ctx: click.Context, doc_id: int, db_path: Path | None,
                     as_json: bool) -> None:
    """Remove document ID: its segments, its TM units and their search-index entries. A unit
    another document holds too stays, with that document.

    \b
    Example:
      taiyaku documents remove 3
    """
    from taiyaku.tm.edit import remove_document

    result = remove_document(open_store(ctx, db_path, create=False), doc_id)
    emit(result.to_json()) if as_json else click.echo(result.render())


@tm.command("edit")
@click.argument("unit_id", metavar="ID", type=int)
@click.option("--ja", help="The new Japanese text.")
@click.option("--en", help="The new English text.")
@db_option
@json_option
@click.pass_context
def tm_edit(ctx: click.Context, unit_id: int, ja: str | None, en: str | None,
            db_path: Path | None, as_json: bool) -> None:
    """Correct TM unit ID (`tm search --json` shows ids): new Japanese and/or English text.

    \b
    Example:
      taiyaku tm edit 17 --en "while Washington and Beijing explore a thaw"
    """
    from taiyaku.tm.edit import edit_unit

    result = edit_unit(open_store(ctx, db_path, create=False), unit_id, ja=ja, en=en)
    emit(result.to_json()) if as_json else click.echo(result.render())


@tm.command("delete")
@click.argument("unit_id", metavar="ID", type=int)
@db_option
@json_option
@click.pass_context
def tm_delete(ctx: click.Context, unit_id: int, db_path: Path | None, as_json: bool) -> None:
    """Delete TM unit ID; the segments it was made from become unaligned.

    \b
    Example:
      taiyaku tm delete 17
    """
    from taiyaku.tm.edit import delete_unit

    result = delete_unit(open_store(ctx, db_path, create=False), unit_id)
    emit(result.to_json()) if as_json else click.echo(result.render())


# -- the database file -------------------------------------------------------------------------
@cli.group()
def db() -> None:
    """The database file itself: check it for damage, recover what a damaged one holds.

    \b
    Examples:
      taiyaku db check
      taiyaku db recover damaged.db -o recovered.db
    """


@db.command("check")
@click.option("--quick", is_flag=True,
              help="Quick check: skip comparing each index with its table (faster).")
@db_option
@json_option
@click.pass_context
def db_check(ctx: click.Context, quick: bool, db_path: Path | None, as_json: bool) -> None:
    """Check the database for damage (SQLite's integrity check); exit 1 when damaged.

    Never writes to the file (it works on read-only media too).

    \b
    Examples:
      taiyaku db check
      taiyaku db check --db client.db --quick --json
    """
    from taiyaku.store import check_database

    report = check_database(db_path, full=not quick)
    emit(report.to_json()) if as_json else click.echo(report.render())
    if not report.ok:
        ctx.exit(1)


@db.command("recover")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The new database (must not exist yet).")
@click.option("--no-sqlite3", "no_shell", is_flag=True,
              help="Read row by row even if the sqlite3 shell (and its .recover) is installed.")
@json_option
def db_recover(source: Path, output: Path, no_shell: bool, as_json: bool) -> None:
    """Copy everything still readable from a damaged database into a new one.

    Uses the sqlite3 shell's .recover when installed (it also finds rows whose tree pages
    were lost), else reads each table by rowid range, skipping what cannot be read. The
    new file has the current schema and a rebuilt search index; SOURCE is never changed.

    \b
    Example:
      taiyaku db recover ~/.config/taiyaku/taiyaku.db -o recovered.db
    """
    from taiyaku.store import recover_database

    result = recover_database(source, output, use_sqlite_shell=not no_shell,
                              progress=progress_reporter())
    emit(result.to_json()) if as_json else click.echo(result.summary())


@db.command("copy")
@click.argument("source")
@click.argument("destination")
@click.option("--merge", is_flag=True,
              help="Add to a destination that already holds data (see below).")
@json_option
def db_copy(source: str, destination: str, merge: bool, as_json: bool) -> None:
    """Copy a whole database (TM, documents, alignments, glossary) into another one.

    SOURCE and DESTINATION are database files or server addresses (postgresql://…), in any
    combination; SOURCE is only read. Everything is copied in one transaction: the
    destination gets all of it or nothing. Glossary entries keep their ids; units,
    documents and segments may get new ones.

    A destination that holds anything is refused unless --merge. With --merge nothing in
    the destination is overwritten that a person decided: a unit with the same source and
    target is not stored twice (the copied document holds the existing one); a document
    whose name is taken is stored as "name (2)"; a term with exactly the same forms as one
    in the destination is skipped, except that an unreviewed extracted candidate there is
    replaced by the source's reviewed entry; dismissed terms and QA false positives are
    added.

    \b
    Examples:
      taiyaku db copy ~/.local/share/taiyaku/taiyaku.db postgresql://ann@tmserver/team --merge
      taiyaku db copy postgresql://ann@tmserver/team backup.db
    """
    from taiyaku.store.copy import copy_database

    result = copy_database(source, destination, merge=merge, progress=progress_reporter())
    emit(result.to_json()) if as_json else click.echo(result.summary())


# -- review ------------------------------------------------------------------------------------
@cli.group()
def review() -> None:
    """Alignment review: apply what a reviewer wrote in a review XLSX.

    \b
    Example:
      taiyaku ingest article.txt --review review.xlsx
      taiyaku review apply review.xlsx
    """


@review.command("apply")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--document", help="The stored document [default: the one the review names].")
@db_option
@json_option
@click.pass_context
def review_apply(ctx: click.Context, file: Path, document: str | None, db_path: Path | None,
                 as_json: bool) -> None:
    """Apply the "OK?" and "correction / note" columns of a review XLSX (ingest --review).

    OK? yes (y, ok, x, 1, true) confirms the bead: no re-alignment undoes it; no (n, 0,
    false) takes a confirmation back. A correction is one of: unpair (the bead's segments
    do not belong together; its TM unit goes), merge (with the next bead), pair ja=3,4
    en=5 (pair exactly these segment ids, as the ja_ids / en_ids columns show them; 3-4 is
    a range; a side left out is the row's own), or note: ... (ignored). Rows left empty stay
    as they are. All rows go in one transaction and one undoable edit; a row that cannot be
    read or applied is a one-line error naming it, and nothing is changed.

    \b
    Examples:
      taiyaku review apply review.xlsx
      taiyaku review apply review.xlsx --document article.txt --json
    """
    from taiyaku.tm.reviewapply import apply_review

    store = open_store(ctx, db_path, create=False)
    result = apply_review(store, file, document=document)
    emit(result.to_json()) if as_json else click.echo(result.summary())


# -- the web workbench (issue 18) -------------------------------------------------------------
@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; any other than this computer's needs --token.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535))
@click.option("--token", envvar="TAIYAKU_TOKEN",
              help="Access token the browser is asked for once [env TAIYAKU_TOKEN].")
@click.option("--open", "open_browser", is_flag=True, help="Open the workbench in a browser.")
@click.option("--workers", type=int, default=None,
              help="Worker processes: default 2 on a PostgreSQL server, 1 (the only choice) "
                   "for a SQLite file.")
@db_option
@json_option
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, token: str | None, open_browser: bool,
          workers: int | None, db_path: Path | None, as_json: bool) -> None:
    """Start the web workbench: documents, alignment editor, glossary, TM, pre-translation.

    It listens on 127.0.0.1 only unless --host says otherwise, which needs an access token.
    It runs until Ctrl-C. Once it listens it says where on stderr (--json: as JSON on
    stdout, {"url", "database", "token_required"}).

    \b
    Examples:
      taiyaku serve --open
      taiyaku serve --db client.db --port 9000
      taiyaku serve --host 0.0.0.0 --token "$(openssl rand -hex 16)"
      taiyaku serve --db postgresql://tm@dbhost/team --host 0.0.0.0 --workers 4
    """
    from taiyaku.store import default_db_path
    from taiyaku.web.app import serve as run_server

    ctx.meta["taiyaku.command"] = ctx.command_path
    run_server(db_path or default_db_path(), host=host, port=port, token=token or None,
               open_browser=open_browser, workers=workers,
               announce=lambda s: emit(s.to_json()) if as_json else info(s.render()))


def main() -> None:  # pragma: no cover - console entry
    """Entry point for ``python cli.py``."""
    cli()


if __name__ == "__main__":  # pragma: no cover
    main()
