"""Match keys: what exact lookup compares (:func:`match_key`, :func:`text_hash`) and the keys
of the fuzzy-search candidate index (Japanese character bigrams, English token-bigram buckets
and words, short-length keys), shared by the store's index and the searches that query it.

These are pure functions of the text: a backend stores them as it likes (the SQLite one as
posting lists), and a query computes the same keys to ask for candidates.
"""

from __future__ import annotations

import hashlib
import re
import sys
import zlib
from array import array
from collections.abc import Sequence

from taiyaku.core.normalize import normalize

__all__ = [
    "match_key",
    "text_hash",
    "EN_TOKEN",
    "EN_WORD",
    "ja_keys",
    "en_keys",
    "en_token_keys",
    "en_codes",
    "codes_of",
    "unit_keys",
    "text_keys",
    "ja_key",
    "bucket_names",
    "ids_to_blob",
    "ids_from_blob",
    "bigram_similarity_bound",
    "SHORT_LEN",
    "EN_BUCKETS",
]

#: English scoring tokens: words (with inner apostrophes and hyphens) and punctuation marks
EN_TOKEN = re.compile(r"\w++(?:['\-]\w++)*+|[^\w\s]")
#: English words (what concordance looks up), punctuation left out
EN_WORD = re.compile(r"\w++(?:['\-]\w++)*+")
PAD_START, PAD_END = "\x02", "\x03"
_PAD_CODE_START, _PAD_CODE_END = ord(PAD_START), ord(PAD_END)
#: Japanese sides up to this many characters are also indexed by their length, so a short
#: query (up to half of it) can prefer units of a near length among equally-counted ones
SHORT_LEN = 8


def match_key(text: str, lang: str) -> str:
    """The form exact matching compares: normalised, and lowercased for English.

    >>> match_key("Ｇ２０ summit", "en") == match_key("g20  Summit", "en")
    True
    """
    norm = normalize(text)
    return norm.lower() if lang == "en" else norm


def text_hash(key: str) -> int:
    """A signed 64-bit hash of a match key (fits an SQLite INTEGER).

    >>> text_hash("対訳") == text_hash("対訳"), text_hash("a") != text_hash("b")
    (True, True)
    """
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def ja_keys(norm: str) -> set[str]:
    """Index keys of normalised Japanese text: its character bigrams, padded at both ends.

    >>> sorted(ja_keys("京都"))
    ['j\\x02京', 'j京都', 'j都\\x03']
    """
    p = PAD_START + norm + PAD_END
    return {"j" + p[i : i + 2] for i in range(len(p) - 1)}


def en_keys(norm: str) -> set[str]:
    """Index keys of normalised English text: its lowercased words (punctuation left out).

    >>> sorted(en_keys("The policy, the U.S. policy"))
    ['epolicy', 'es', 'ethe', 'eu']
    """
    return {"e" + w for w in EN_WORD.findall(norm.lower())}


#: English token bigrams are hashed into this many buckets (``b`` + 5 hex digits): a million
#: units hold about two million distinct bigrams, which as keys of their own would cost the
#: import hundreds of megabytes. Bigrams sharing a bucket only add candidates (the rescoring
#: drops them), and the similarity bound stays valid: a unit holding a bigram holds its bucket.
EN_BUCKETS = 1 << 18
_BUCKET_MASK = EN_BUCKETS - 1
_BUCKET_NAMES: list[str] = []


def bucket_names() -> list[str]:
    if not _BUCKET_NAMES:  # built on first use, not at import (start-up time)
        _BUCKET_NAMES.extend(f"b{i:05x}" for i in range(EN_BUCKETS))
    return _BUCKET_NAMES


def _token_codes(tokens: Sequence[str]) -> list[int]:
    crc = zlib.crc32
    return [crc(t.encode()) for t in tokens]


def _buckets_of_codes(codes: Sequence[int]) -> set[int]:
    h = [1, *codes, 2]
    return {(a * 0x9E3779B1 + b) & _BUCKET_MASK for a, b in zip(h, h[1:], strict=False)}


def en_token_keys(tokens: Sequence[str]) -> set[str]:
    """Fuzzy-search keys of English text given as its scoring tokens (:func:`tm.fuzzy.en_tokens`,
    words and punctuation marks): the hash buckets of its token bigrams, padded at both ends,
    so that, as with Japanese character bigrams, one token edit breaks at most two of them.

    Bigrams carry the word order that ranks template sentences ("He was also known as …")
    above the thousands of units that merely share their common words. The hash is CRC-32,
    the same in every process and on every platform (unlike ``hash``).

    >>> sorted(en_token_keys(["kyoto", "."]))
    ['b18c22', 'b20b63', 'b3a1a4']
    >>> en_token_keys(["kyoto", "."]) == en_token_keys(["kyoto", "!"])
    False
    """
    names = bucket_names()
    return {names[b] for b in _buckets_of_codes(_token_codes(tokens))}


def en_codes(tokens: Sequence[str]) -> array[int]:
    """English scoring tokens as numbers (CRC-32 of each), the form English candidates are
    rescored in: Levenshtein over these equals Levenshtein over the tokens unless two
    different tokens share a code, which can only raise a similarity (the matches finally
    shown are scored on their tokens again).

    >>> list(en_codes(["kyoto", "."])) == [zlib.crc32(b"kyoto"), zlib.crc32(b".")]
    True
    """
    return array("I", _token_codes(tokens))


def codes_of(blob: bytes) -> array[int]:
    """The token codes stored as *blob* (see :func:`en_codes`)."""
    return ids_from_blob(blob)


def text_keys(ja_norm: str, en_norm: str
               ) -> tuple[set[str], set[int], set[int], list[int]]:
    """A unit's keys in three parts: English words and the length key (as strings), its
    Japanese bigrams as integers (the two code points, 21 bits each) and its English bigram
    buckets' numbers; and its English token codes (:func:`en_codes`)."""
    codes = [_PAD_CODE_START, *map(ord, ja_norm), _PAD_CODE_END]
    ja = {a << 21 | b for a, b in zip(codes, codes[1:], strict=False)}
    keys: set[str] = set()
    buckets: set[int] = set()
    tokens = EN_TOKEN.findall(en_norm.lower())
    en: list[int] = []
    if tokens:
        # words (tokens starting with a \w character: what EN_WORD finds) for concordance
        keys.update(["e" + t for t in tokens if t[0].isalnum() or t[0] == "_"])
        en = _token_codes(tokens)
        buckets = _buckets_of_codes(en)
    if len(ja_norm) <= SHORT_LEN and ja_norm:
        keys.add(f"#{len(ja_norm)}")
    return keys, ja, buckets, en


def ja_key(code: int) -> str:
    return "j" + chr(code >> 21) + chr(code & 0x1FFFFF)


def unit_keys(ja_norm: str, en_norm: str) -> set[str]:
    """Every index key of a unit: :func:`ja_keys`, :func:`en_token_keys`, :func:`en_keys`
    and, for a short Japanese side, its length key (``#`` + length).

    >>> sorted(k for k in unit_keys("京都", "Kyoto") if k[0] != "b")
    ['#2', 'ekyoto', 'j\\x02京', 'j京都', 'j都\\x03']
    """
    keys, ja, buckets, _ = text_keys(ja_norm, en_norm)
    names = bucket_names()
    keys.update([ja_key(c) for c in ja])
    keys.update([names[b] for b in buckets])
    return keys


def ids_to_blob(ids: array[int]) -> bytes:
    """Unit ids (or token codes) as a uint32 little-endian blob."""
    if sys.byteorder == "big":
        ids = array("I", ids)
        ids.byteswap()
    return ids.tobytes()


def ids_from_blob(blob: bytes) -> array[int]:
    """The uint32 little-endian *blob* as an array.

    >>> list(ids_from_blob(ids_to_blob(array("I", [1, 70000]))))
    [1, 70000]
    """
    a = array("I")
    a.frombytes(blob)
    if sys.byteorder == "big":
        a.byteswap()
    return a


def bigram_similarity_bound(n_keys: int, shared: int, length: int) -> float:
    """The highest raw similarity (:func:`tm.fuzzy.raw_similarity`) a text can have with a
    query of *length* symbols (Japanese characters, English tokens) and *n_keys* distinct
    padded-bigram keys (:func:`ja_keys`, :func:`en_token_keys`) when it holds at most
    *shared* of them.

    A substitution or deletion breaks at most two of the query's padded bigrams, an insertion
    one (the bigram it splits); a hash bucket is lost only when every bigram in it is. So a
    text missing ``B = n_keys - shared`` keys is at least ``B / 2`` edits away at the query's
    length (similarity at most ``1 - B / (2 * length)``) or, made longer by ``B``
    insertions, at most ``length / (length + B)``; mixtures fall in between.

    >>> bigram_similarity_bound(21, 1, 20)
    50.0
    >>> round(bigram_similarity_bound(21, 0, 20), 1)  # B > length: insertions win
    48.8
    """
    if length <= 0:
        return 100.0
    missing = max(0, n_keys - shared)
    return 100.0 * max(1.0 - missing / (2.0 * length), length / (length + missing))
