"""How the data was produced: versions and settings recorded in the store and in export headers."""

from __future__ import annotations

import importlib.metadata

from taiyaku.core.normalize import NORMALIZER_NAME

__all__ = ["static_meta", "taiyaku_version", "SPLIT_MODE", "SCORER_NAME"]

SPLIT_MODE = "C"
SCORER_NAME = "ja:char-levenshtein/en:word-levenshtein (1-d/max)"


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def taiyaku_version() -> str:
    """The installed taiyaku version."""
    return _version("taiyaku")


def static_meta() -> dict[str, str]:
    """Meta values written on every migration run (no heavy imports: metadata only)."""
    return {
        "taiyaku_version": taiyaku_version(),
        "sudachipy_version": _version("sudachipy"),
        "sudachi_dictionary": "core " + _version("sudachidict-core"),
        "split_mode": SPLIT_MODE,
        "normalizer": NORMALIZER_NAME,
        "scorer": SCORER_NAME,
    }
