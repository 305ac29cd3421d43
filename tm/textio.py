"""Reading text files: encoding detection, binary rejection, newline normalisation."""

from __future__ import annotations

import codecs
import os
import sys
import unicodedata
from pathlib import Path

from taiyaku.core.errors import InputError

__all__ = ["read_text", "read_bytes", "decode_bytes", "MAX_TEXT_BYTES"]

#: refuse files larger than this (a whole book of Japanese is ~2 MB)
MAX_TEXT_BYTES = 64 * 1024 * 1024

_BINARY_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"PK\x03\x04": "a zip archive (XLSX/DOCX?)",
    b"%PDF": "a PDF document",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x7fELF": "an executable",
    b"\x1f\x8b": "a gzip archive",
}

#: the control characters that mark a file as binary (str.count per character is C speed)
_CONTROL = tuple(chr(c) for c in range(32) if chr(c) not in "\n\t\f\v")
_TRIED = "UTF-8, UTF-16/32 (BOM), Shift_JIS/CP932, EUC-JP"


def read_text(path: str | os.PathLike[str]) -> str:
    """Read a text file and return its text with ``\\n`` newlines.

    :param path: the file (``-`` reads standard input)
    :raises InputError: missing, a directory, unreadable, empty, binary or undecodable

    The error names the file and what was tried.
    """
    name = "<stdin>" if str(path) == "-" else str(path)
    return decode_bytes(read_bytes(path), name)


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a file, read once: ``-`` is standard input, and a FIFO or a ``<(…)``
    pipe works like a file (it can be read only once, so callers hash these bytes rather
    than reading the file again).

    :raises InputError: missing, a directory, unreadable, or larger than
        :data:`MAX_TEXT_BYTES`
    """
    name = str(path)
    if name == "-":
        data = sys.stdin.buffer.read(MAX_TEXT_BYTES + 1)
    else:
        p = Path(path)
        if p.is_dir():
            raise InputError(f"{name}: is a directory, not a file")
        try:
            size = p.stat().st_size
            if size > MAX_TEXT_BYTES:
                raise InputError(
                    f"{name}: file is too large ({size} bytes; limit {MAX_TEXT_BYTES})")
            if p.is_file():
                data = p.read_bytes()
            else:  # a FIFO or a /dev/fd pipe: no size to check first, so read one byte more
                with open(p, "rb") as fp:
                    data = fp.read(MAX_TEXT_BYTES + 1)
        except FileNotFoundError:
            raise InputError(f"{name}: no such file") from None
        except PermissionError:
            raise InputError(f"{name}: permission denied (cannot read the file)") from None
        except OSError as e:
            raise InputError(f"{name}: cannot read ({e.strerror or e})") from None
    if len(data) > MAX_TEXT_BYTES:
        raise InputError(f"{name}: input is too large (limit {MAX_TEXT_BYTES} bytes)")
    return data


def decode_bytes(data: bytes, name: str = "<input>") -> str:
    """Decode *data*, detecting the encoding; see :func:`read_text`.

    >>> decode_bytes("対訳".encode("cp932"))
    '対訳'
    >>> decode_bytes(codecs.BOM_UTF8 + "a\\r\\nb".encode())
    'a\\nb'
    """
    if len(data) > MAX_TEXT_BYTES:
        raise InputError(f"{name}: input is too large (limit {MAX_TEXT_BYTES} bytes)")
    if not data.strip():
        raise InputError(f"{name}: file is empty")
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise InputError(f"{name}: looks like {what}, not a text file")
    text = _decode(data, name)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise InputError(f"{name}: contains NUL bytes; it is binary or a UTF-16 file without a BOM")
    bad = sum(map(text.count, _CONTROL))
    if bad > max(8, len(text) // 100):
        raise InputError(f"{name}: looks binary ({bad} control characters)")
    if not text.strip():
        raise InputError(f"{name}: file is empty")
    return text


def _decode(data: bytes, name: str) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[3:], "utf-8", name)
    # UTF-32 LE's BOM begins with UTF-16 LE's, so it is tested first.
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return _strict(data, "utf-32", name)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", name)
    if b"\x00" in data:
        raise InputError(
            f"{name}: contains NUL bytes: binary, or UTF-16 without a BOM (tried {_TRIED}); "
            "save it as UTF-8"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        utf8_error = e
    if _mostly_utf8(data):
        # A UTF-8 file with a few damaged bytes would otherwise "decode" as Shift_JIS mojibake.
        raise InputError(
            f"{name}: invalid UTF-8 at byte {utf8_error.start} (the rest of the file is UTF-8; "
            "it may be truncated or damaged)"
        )
    # Legacy Japanese encodings. Shift_JIS and EUC-JP byte ranges overlap, so decode both and
    # keep the one that reads as Japanese; a decode that yields mostly odd characters (a
    # Latin-1 or random binary file that happens to decode) is refused.
    candidates: list[tuple[int, str]] = []
    for enc in ("cp932", "euc_jp"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        candidates.append((_japanese_score(text), text))
    if candidates:
        score, text = max(candidates, key=lambda c: c[0])
        if score >= 0:
            line = _utf8_japanese_line(data)
            if line is not None:
                raise InputError(
                    f"{name}: mixed encodings: line {line} is UTF-8 but the rest is "
                    "Shift_JIS/EUC-JP; save the whole file in one encoding (UTF-8)"
                )
            return text
    raise InputError(
        f"{name}: cannot decode (tried {_TRIED}; invalid byte at offset {utf8_error.start}); "
        "save it as UTF-8"
    )


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise InputError(f"{name}: invalid {encoding.upper()} at byte {e.start}") from None


def _mostly_utf8(data: bytes) -> bool:
    """True when *data* is valid UTF-8 apart from a few bad bytes (damage, not a legacy codec).

    Shift_JIS or EUC-JP text read as UTF-8 yields almost only replacement characters.
    """
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    # Shift_JIS pairs such as 82 CC can form valid 2-byte UTF-8 too, but only as combining
    # marks or C1 controls: those do not count as evidence of real UTF-8 text.
    good = sum(
        1 for ch in text
        if ord(ch) > 0x7F and ch != "\ufffd"
        and unicodedata.category(ch) not in ("Mn", "Me", "Cc", "Co", "Cn")
    )
    return good >= 4 * bad


def _utf8_japanese_line(data: bytes) -> int | None:
    """Number of the first line that is valid UTF-8 Japanese, in a file that is not UTF-8.

    Such a line (a title pasted from elsewhere) would silently become mojibake. Legacy-codec
    bytes almost never form valid UTF-8 that decodes to several kana or kanji in a row, so
    two or more Japanese characters and no other non-ASCII ones are required.
    """
    for number, raw in enumerate(data.split(b"\n"), 1):
        if raw.isascii():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        wide = [ch for ch in line if ord(ch) > 0x7F]
        japanese = sum(1 for ch in wide if 0x3000 <= ord(ch) <= 0x30FF
                       or 0x4E00 <= ord(ch) <= 0x9FFF or 0xFF01 <= ord(ch) <= 0xFF5E)
        if japanese >= 2 and japanese == len(wide):
            return number
    return None


def _japanese_score(text: str) -> int:
    """How Japanese a legacy decode looks: plausible characters minus suspicious ones.

    The wrong codec turns kana into half-width katakana (EUC-JP read as CP932) or rare
    symbols and private-use characters; the right one yields kana, kanji and CJK punctuation.
    """
    score = 0
    for ch in text:
        o = ord(ch)
        if o < 0x80:
            continue
        if 0x3040 <= o <= 0x30FF or 0x3000 <= o <= 0x303F:  # kana, CJK punctuation
            score += 2
        elif 0x4E00 <= o <= 0x9FFF or 0xFF01 <= o <= 0xFF5E:  # kanji, full-width ASCII
            score += 1
        elif 0xFF61 <= o <= 0xFF9F:
            # Half-width katakana: rare in real text, frequent when EUC-JP is read as CP932;
            # a small penalty picks the right codec and still accepts old half-width files.
            score -= 1 if ch not in _HALFWIDTH_KANA_OK else 0
        elif unicodedata.category(ch) in ("Co", "Cn", "Cc"):
            score -= 3  # private use, unassigned, C1 controls
        else:
            score -= 1
    return score


#: half-width katakana that old Shift_JIS files really use (letters and the sound marks)
_HALFWIDTH_KANA_OK = frozenset(chr(c) for c in range(0xFF66, 0xFFA0))
