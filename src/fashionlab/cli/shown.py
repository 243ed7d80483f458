"""How text reaches the terminal: a control character, or one that reorders text on screen, as
its backslash escape, which a terminal shows rather than acts on; and a name's undecodable byte
as ``\\xff``, which a user can type back (``$'\\xff'`` in bash), where Python writes ``\\udcff``."""

from __future__ import annotations

import os
import re
import unicodedata

from ..jsonio import unicode_text

# repr's text for a byte 0x80-0xFF held as a lone surrogate (``'caf\udce9'``), unless the
# backslash is itself escaped: a name that holds those six characters
_BYTE_REPR = re.compile(r"(?<!\\)\\udc([89a-f][0-9a-f])")
_REORDERING = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def plain(text: str) -> str:
    """``text`` with each undecodable byte of a name as ``\\xff``: held as a lone surrogate, or
    already written out by ``repr`` (a flag's value echoed as ``{value!r}``). For lines of text
    only: in JSON, ``\\udc80`` may be the second half of an escaped emoji."""
    return _BYTE_REPR.sub(r"\\x\1", unicode_text(text))


def visible(text: str, keep: str = "\n\t") -> str:
    """``plain(text)`` with each control character but those in ``keep`` (an escape, a carriage
    return, a backspace) as its backslash escape; so too the characters that reorder text on
    screen (U+202E, right-to-left override, and its kin)."""
    return "".join(
        repr(c)[1:-1] if (unicodedata.category(c) == "Cc" and c not in keep) else _shown(c)
        for c in plain(text)
    )


def shown_path(path: str | os.PathLike[str]) -> str:
    """A path as a line of output shows it: every control character escaped, a newline too, so
    that a folder's name can neither break the line nor act on the terminal."""
    return visible(os.fspath(path), keep="")


def _shown(character: str) -> str:
    return f"\\u{ord(character):04x}" if character in _REORDERING else character
