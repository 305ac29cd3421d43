"""Numbers read from imported files (CSV/TSV/XLSX columns, TMX props, TBX notes).

One place decides what a number in a file may be: an integer that SQLite's 64-bit INTEGER
holds, or a finite float. ``inf``, ``nan``, ``1e400`` or ``99999999999999999999`` would
otherwise reach the database as an OverflowError, a NULL (NaN) that breaks a NOT NULL
column, or an ``Infinity`` that no JSON reader accepts.
"""

from __future__ import annotations

import math

from taiyaku.core.errors import ParseError

__all__ = ["INT_MIN", "INT_MAX", "parse_int", "parse_float", "storable"]

#: the range of SQLite's INTEGER (a signed 64-bit integer)
INT_MIN, INT_MAX = -(2**63), 2**63 - 1


def parse_int(raw: str, *, name: str, line: int | None, field: str) -> int:
    """*raw* as an integer; a float with no fraction (``3.0``, as spreadsheets write) is fine.

    :param name: the file, for the message
    :param line: its line (or row), where known
    :param field: the column or property, for the message
    :raises ParseError: not a number, not whole, not finite or beyond 64 bits

    >>> parse_int(" 12 ", name="t.csv", line=2, field="frequency"), parse_int("3.0",
    ...     name="t.csv", line=2, field="frequency")
    (12, 3)
    >>> parse_int("99999999999999999999", name="t.csv", line=4, field="position")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    taiyaku.core.errors.ParseError: t.csv:4: position '99999999999999999999' is out of range ...
    """
    text = raw.strip()
    try:
        value = int(text)
    except ValueError:
        number = _float(text, name, line, field, "a whole number")
        if not number.is_integer():
            raise ParseError(name, f"{field} {_quote(raw)} is not a whole number", line) from None
        value = int(number)
    if not INT_MIN <= value <= INT_MAX:
        raise ParseError(name, f"{field} {_quote(raw)} is out of range (a whole number between "
                               f"{INT_MIN} and {INT_MAX})", line)
    return value


def parse_float(raw: str, *, name: str, line: int | None, field: str) -> float:
    """*raw* as a finite float.

    :raises ParseError: not a number, or ``inf``/``nan``/an overflow such as ``1e400``

    >>> parse_float("0.75", name="m.tmx", line=9, field="x-confidence")
    0.75
    >>> parse_float("1e400", name="m.tmx", line=9, field="x-confidence")
    Traceback (most recent call last):
    taiyaku.core.errors.ParseError: m.tmx:9: x-confidence '1e400' is not a finite number
    """
    return _float(raw.strip(), name, line, field, "a number")


def storable(value: int | float) -> bool:
    """True when *value* (already a number, e.g. from JSON metadata) fits the database: an
    integer of 64 bits or a finite float.

    >>> storable(2**63 - 1), storable(2**63), storable(float("nan")), storable(0.5)
    (True, False, False, True)
    """
    if isinstance(value, int):
        return INT_MIN <= value <= INT_MAX
    return math.isfinite(value)


def _float(text: str, name: str, line: int | None, field: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ParseError(name, f"{field} {_quote(text)} is not {what}", line) from None
    if not math.isfinite(value):
        raise ParseError(name, f"{field} {_quote(text)} is not a finite number", line)
    return value


def _quote(raw: str) -> str:
    """The value as written, shortened: a message stays one readable line."""
    return repr(raw if len(raw) <= 40 else raw[:40] + "…")
