"""The SQLite backend of :mod:`taiyaku.store`."""
