"""Text that is safe to print and to store: control characters shown visibly, file names of
any bytes as valid text, JSON with every control character escaped.

Stored text comes from files and may hold anything: a TSV cell holding
``\\x1b]0;PWNED\\x07\\x1b[2J`` would set the terminal's title and clear its screen if printed raw.
:func:`visible` shows such characters the way ``less`` does (``^[``, ``<U+009B>``), so a
terminal never interprets them; ``--json`` escapes them as JSON does (:func:`json_text`).

File names on Unix are bytes: a Shift_JIS name unpacked from a Windows archive is not UTF-8,
and Python hands it over with lone surrogates (``surrogateescape``). The path keeps them, so the
file opens; wherever the name becomes data (a document name, a message, a JSON field) it goes
through :func:`path_text`, which shows each undecodable byte as ``\\xNN``.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

__all__ = ["visible", "quoted", "counted", "path_text", "name_text", "json_text",
           "bad_text_position"]

#: C0 controls except tab, DEL, C1 controls, and lone surrogates
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")
#: the characters ``json.dumps(ensure_ascii=False)`` leaves raw but a terminal may act on
#: (DEL and C1: U+009B is a one-character CSI) or an encoder refuses (lone surrogates)
_JSON_RAW = re.compile("[\x7f-\x9f\ud800-\udfff]")


def _show(m: re.Match[str]) -> str:
    c = m.group(0)
    code = ord(c)
    if code < 0x20:
        return "^" + chr(code + 0x40)  # ^[ for ESC, ^G for BEL, ^J for a line feed
    if code == 0x7F:
        return "^?"
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"  # an undecodable byte, as path_text() shows it
    return f"<U+{code:04X}>"


def visible(text: str) -> str:
    """*text* with every control character (but tab) and lone surrogate shown visibly.

    For text printed to a terminal: one line per item stays one line (a line feed becomes
    ``^J``), and escape sequences become harmless characters. C0 controls and DEL are shown
    in caret notation and C1 controls as ``<U+009B>``, as ``less`` does; a byte that was not
    UTF-8 (a file name's) as ``\\xNN``, as :func:`path_text` stores it.

    >>> visible("a\\x1b]0;PWNED\\x07\\x1b[2Jb")
    'a^[]0;PWNED^G^[[2Jb'
    >>> visible("\\x9b2J \\x7f \\udcff 対訳\\tok")
    '<U+009B>2J ^? \\\\xff 対訳\\tok'
    """
    return _UNSAFE.sub(_show, text)


def quoted(text: str) -> str:
    """*text* in single quotes for a message, control characters shown (see :func:`visible`);
    unlike ``repr`` it leaves ``\\`` and non-ASCII letters as they are.

    >>> quoted("b/project_save.tmx")
    "'b/project_save.tmx'"
    >>> quoted("a\\x1bb")
    "'a^[b'"
    """
    return f"'{visible(text)}'"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``1 entry``, ``2 entries``: *n* with *noun* in the right number.

    >>> counted(1, "entry", "entries"), counted(3, "unit")
    ('1 entry', '3 units')
    """
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


def path_text(path: str | os.PathLike[str]) -> str:
    """A path as valid text: bytes that are not UTF-8 become ``\\xNN`` (``\\x91\\xce.txt``).

    Use it wherever a file name becomes data (stored, printed, written into a file); open the
    file with the original path.

    >>> path_text("\\udc91\\udcce\\udc96\\udcf3.txt")
    '\\\\x91\\\\xce\\\\x96\\\\xf3.txt'
    >>> path_text("対訳.txt")
    '対訳.txt'
    """
    text = os.fspath(path)
    if bad_text_position(text) is None:
        return text
    return "".join(_byte_escape(c) if "\ud800" <= c <= "\udfff" else c for c in text)


def name_text(path: str | os.PathLike[str]) -> str:
    """The last component of *path* as valid text (see :func:`path_text`).

    >>> name_text("/tmp/\\udcff.tmx")
    '\\\\xff.tmx'
    """
    return path_text(os.path.basename(os.fspath(path)))


def _byte_escape(c: str) -> str:
    code = ord(c)
    # surrogateescape maps an undecodable byte 0xNN to U+DCNN
    return f"\\x{code - 0xDC00:02x}" if code >= 0xDC80 else f"\\u{code:04x}"


def bad_text_position(text: str) -> int | None:
    """Where the first lone surrogate (a byte that was not UTF-8) sits in *text*, else None.

    >>> bad_text_position("戦\\udcff"), bad_text_position("ok")
    (1, None)
    """
    for i, c in enumerate(text):
        if "\ud800" <= c <= "\udfff":
            return i
    return None


def json_text(obj: Any, *, indent: int | None = 2) -> str:
    """*obj* as JSON with non-ASCII text kept readable and every control character escaped.

    ``json.dumps(ensure_ascii=False)`` escapes U+0000–U+001F but leaves DEL, the C1 controls
    and lone surrogates raw; they only ever occur inside string literals, so escaping them
    there keeps the same JSON value.

    >>> json_text({"t": "\\x1b[2J\\x9b\\udcff 訳"}, indent=None)
    '{"t": "\\\\u001b[2J\\\\u009b\\\\udcff 訳"}'
    """
    text = json.dumps(obj, ensure_ascii=False, indent=indent)
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
