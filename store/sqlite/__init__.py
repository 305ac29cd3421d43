"""The SQLite backend of :mod:`taiyaku.store`: one file, WAL, the embedded default."""
