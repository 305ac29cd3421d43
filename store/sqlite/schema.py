"""The SQLite backend's schema: its migrations (one list, in order) and the formats of stored
values (timestamps, JSON columns)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

from taiyaku.core.errors import StoreError

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Migration", "run_script", "now_iso", "dumps"]


def now_iso() -> str:
    """Current UTC time, ISO 8601 with seconds."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")



def dumps(value: object) -> str:
    """JSON for TEXT columns (UTF-8 kept readable)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))



# Ordered; index i upgrades user_version i -> i+1. Never edit a released migration: add one.

Migration = Callable[[sqlite3.Connection], None]


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run several statements inside the current transaction.

    ``executescript`` would COMMIT first, breaking the one-transaction-per-migration rule.
    """
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        raise StoreError(f"incomplete SQL statement in migration: {statement.strip()[:60]}")


def m001_initial(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            source_path TEXT,
            sha256 TEXT,
            layout TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('bilingual', 'mono', 'tmx')),
            created TEXT NOT NULL
        );
        CREATE TABLE units (
            id INTEGER PRIMARY KEY,
            doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            ja TEXT NOT NULL,
            en TEXT NOT NULL,
            ja_norm TEXT NOT NULL,
            en_norm TEXT NOT NULL,
            ja_hash INTEGER NOT NULL,
            en_hash INTEGER NOT NULL,
            bead TEXT NOT NULL DEFAULT '1-1',
            confidence REAL NOT NULL DEFAULT 1.0,
            props TEXT,
            created TEXT NOT NULL
        );
        CREATE INDEX units_doc ON units(doc_id, position);
        CREATE INDEX units_ja_hash ON units(ja_hash);
        CREATE INDEX units_en_hash ON units(en_hash);
        CREATE TABLE segments (
            id INTEGER PRIMARY KEY,
            doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            lang TEXT NOT NULL CHECK (lang IN ('ja', 'en')),
            position INTEGER NOT NULL,
            text TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'text',
            unit_id INTEGER REFERENCES units(id) ON DELETE SET NULL
        );
        CREATE INDEX segments_doc ON segments(doc_id, lang, position);
        CREATE INDEX segments_unit ON segments(unit_id);
        CREATE TABLE terms (
            id INTEGER PRIMARY KEY,
            status TEXT NOT NULL DEFAULT 'candidate'
                CHECK (status IN ('candidate', 'approved', 'forbidden')),
            origin TEXT NOT NULL DEFAULT 'extracted'
                CHECK (origin IN ('extracted', 'manual', 'import')),
            edited INTEGER NOT NULL DEFAULT 0,
            pos TEXT,
            note TEXT,
            definition TEXT,
            context TEXT,
            sources TEXT,
            evidence TEXT,
            frequency INTEGER NOT NULL DEFAULT 0,
            score REAL NOT NULL DEFAULT 0,
            created TEXT NOT NULL,
            updated TEXT NOT NULL
        );
        CREATE TABLE term_forms (
            id INTEGER PRIMARY KEY,
            term_id INTEGER NOT NULL REFERENCES terms(id) ON DELETE CASCADE,
            lang TEXT NOT NULL,
            text TEXT NOT NULL,
            norm TEXT NOT NULL,
            reading TEXT,
            rank INTEGER NOT NULL DEFAULT 0,
            kind TEXT NOT NULL DEFAULT 'term',
            status TEXT
        );
        CREATE INDEX term_forms_term ON term_forms(term_id, lang, rank);
        CREATE INDEX term_forms_norm ON term_forms(lang, norm);
        CREATE INDEX term_forms_reading ON term_forms(reading);
        """
    )


def m002_term_form_pos(conn: sqlite3.Connection) -> None:
    """Part of speech per term form (TBX partOfSpeech lives on the term, not the concept)."""
    conn.execute("ALTER TABLE term_forms ADD COLUMN pos TEXT")


def m003_fuzzy_index(conn: sqlite3.Connection) -> None:
    """The fuzzy-search candidate index (tm/index.py): JA character bigrams and EN words,
    each key with its document frequency and posting lists of unit ids (uint32 LE blobs)."""
    run_script(
        conn,
        """
        CREATE TABLE fuzzy_keys (key TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE fuzzy_postings (
            key TEXT NOT NULL,
            chunk INTEGER NOT NULL,
            n INTEGER NOT NULL,
            ids BLOB NOT NULL,
            PRIMARY KEY (key, chunk)
        );
        """,
    )


def m004_fuzzy_tokens(conn: sqlite3.Connection) -> None:
    """English sides as token codes (tm/index.py): CRC-32 of each scoring token, uint32 LE,
    so that rescoring English candidates skips reading and tokenising their text."""
    conn.execute("CREATE TABLE fuzzy_tokens (id INTEGER PRIMARY KEY, codes BLOB NOT NULL)")


def m005_unit_holders(conn: sqlite3.Connection) -> None:
    """Documents that hold a unit stored under another document: an import skips a unit the TM
    already has and records here that its document holds it too (at its own position), so
    that replacing or deleting the first document hands the unit over instead of losing it."""
    run_script(
        conn,
        """
        CREATE TABLE unit_holders (
            unit_id INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
            doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            PRIMARY KEY (unit_id, doc_id)
        ) WITHOUT ROWID;
        CREATE INDEX unit_holders_doc ON unit_holders(doc_id);
        CREATE INDEX documents_source ON documents(source_path);
        """,
    )


def m006_beads(conn: sqlite3.Connection) -> None:
    """Stored alignments (store/sqlite/beads.py): each document's beads (segment positions
    per language, comma-separated), whether a person confirmed them and the unit each made;
    a revision per document, so that an edit made from an old state is refused; and a short
    edit history per document for undo."""
    run_script(
        conn,
        """
        CREATE TABLE beads (
            doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            ja_ids TEXT NOT NULL,
            en_ids TEXT NOT NULL,
            score REAL NOT NULL,
            confirmed INTEGER NOT NULL DEFAULT 0,
            unit_id INTEGER REFERENCES units(id) ON DELETE SET NULL,
            PRIMARY KEY (doc_id, position)
        );
        CREATE INDEX beads_unit ON beads(unit_id);
        CREATE TABLE bead_revisions (
            doc_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
            revision INTEGER NOT NULL
        );
        CREATE TABLE bead_edits (
            doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            revision INTEGER NOT NULL,
            action TEXT NOT NULL,
            start INTEGER NOT NULL,
            before TEXT NOT NULL,
            after TEXT NOT NULL,
            created TEXT NOT NULL,
            PRIMARY KEY (doc_id, revision)
        );
        """,
    )


def m007_term_dismissed(conn: sqlite3.Connection) -> None:
    """What a person removed, so that no machine brings it back (a removal is a human
    decision): the keys of deleted terms (term extraction does not propose them again), and
    the forms removed from an entry (an import does not add them to it again)."""
    conn.execute(
        "CREATE TABLE term_dismissed (lang TEXT NOT NULL, norm TEXT NOT NULL, "
        "created TEXT NOT NULL, PRIMARY KEY (lang, norm)) WITHOUT ROWID"
    )
    conn.execute(
        "CREATE TABLE term_removed_forms (term_id INTEGER NOT NULL REFERENCES terms(id) "
        "ON DELETE CASCADE, lang TEXT NOT NULL, norm TEXT NOT NULL, created TEXT NOT NULL, "
        "PRIMARY KEY (term_id, lang, norm)) WITHOUT ROWID"
    )


def m008_qa_false_positives(conn: sqlite3.Connection) -> None:
    """Findings of ``taiyaku qa`` a reviewer marked as false positives, per checked file (its
    id), unit, check and the texts they were found in: a later run of the same file leaves
    them out until the source or the target changes (store/sqlite/qa.py)."""
    conn.execute(
        "CREATE TABLE qa_false_positives (file_id TEXT NOT NULL, unit TEXT NOT NULL, "
        "check_name TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL, "
        "created TEXT NOT NULL, PRIMARY KEY (file_id, unit, check_name, source, target)"
        ") WITHOUT ROWID"
    )


MIGRATIONS: list[Migration] = [m001_initial, m002_term_form_pos, m003_fuzzy_index,
                               m004_fuzzy_tokens, m005_unit_holders, m006_beads,
                               m007_term_dismissed, m008_qa_false_positives]
SCHEMA_VERSION = len(MIGRATIONS)
