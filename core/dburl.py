"""Database addresses as taiyaku shows them: the password of a server address masked.

A team database is reached by an address that may carry a password: a URL
(``postgresql://user:secret@host/db``, also ``?password=secret`` in its query string) or a
libpq key/value string (``host=h password=secret dbname=tm``). Everything that prints or logs a
database — error messages (including what a database driver says), ``stats``, ``documents``,
``db check``, ``db copy`` — passes it (or the whole message) through :func:`mask` /
:func:`mask_text`, so that a password never reaches a terminal, a log or a web page.
"""

from __future__ import annotations

import os
import re

__all__ = ["MASK", "mask", "mask_text", "is_server_address"]

#: what a password is replaced by
MASK = "***"

# scheme://user:password@ — the password runs to the last "@" before the host part (a
# password may itself hold "@" or ":"); the user part holds no "/", "@" or ":".
_URL_PASSWORD = re.compile(
    r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*:/{1,2}[^\s/@:'\"]*:)(?P<secret>[^\s'\"]*)(?=@[^\s@/]*)"
)
# password=secret (libpq key/value form and URL query strings); a quoted value may hold
# spaces; the value ends at whitespace, "&", a quote or the end
_KEY_VALUE = re.compile(
    r"(?P<head>\b(?:password|passwd|pass|pwd)\s*=\s*)"
    r"(?P<secret>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s&'\";]+)",
    re.IGNORECASE,
)


def mask_text(text: str) -> str:
    """*text* with every password of a database address in it replaced by ``***``.

    >>> mask_text("cannot connect to postgresql://ann:s3cr@t@db.example/tm: refused")
    'cannot connect to postgresql://ann:***@db.example/tm: refused'
    >>> mask_text("host=db user=ann password='a b' dbname=tm")
    'host=db user=ann password=*** dbname=tm'
    >>> mask_text("postgresql://ann@db/tm?sslmode=require&password=s3cret")
    'postgresql://ann@db/tm?sslmode=require&password=***'
    >>> mask_text("/home/ann/taiyaku.db")
    '/home/ann/taiyaku.db'
    """
    if "=" not in text and "@" not in text:
        return text  # the common case (a file path, a message without an address)
    text = _URL_PASSWORD.sub(lambda m: m["head"] + MASK, text)
    return _KEY_VALUE.sub(lambda m: m["head"] + MASK, text)


def mask(address: str | os.PathLike[str] | None) -> str:
    """One database address as it may be shown (``:memory:`` for None).

    >>> mask("postgresql://ann:secret@db.example:5432/tm")
    'postgresql://ann:***@db.example:5432/tm'
    >>> mask("service=team password=secret")
    'service=team password=***'
    """
    if address is None:
        return ":memory:"
    return mask_text(os.fspath(address))


def is_server_address(address: str | os.PathLike[str] | None) -> bool:
    """True for an address of a database server (a URL with a scheme other than ``file``, or
    a libpq key/value string), False for a file path.

    >>> is_server_address("postgresql://db/tm"), is_server_address("service=team")
    (True, True)
    >>> is_server_address("/tmp/a.db"), is_server_address("C:/tm.db"), is_server_address(None)
    (False, False, False)
    """
    if address is None:
        return False
    text = os.fspath(address)
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]+):/", text)
    if scheme:
        return scheme[1].lower() != "file"
    return bool(re.match(r"\s*\w+\s*=", text))

