"""Progress reporting: library code calls a callback; the CLI decides whether to draw it."""

from __future__ import annotations

from typing import Protocol

__all__ = ["Progress", "no_progress"]


class Progress(Protocol):
    """Called with the work done so far, the total when known, and a short label."""

    def __call__(self, done: int, total: int | None = None, label: str = "") -> None: ...


def no_progress(done: int, total: int | None = None, label: str = "") -> None:
    """A progress callback that does nothing (the default for library calls)."""
