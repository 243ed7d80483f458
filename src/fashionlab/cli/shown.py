"""How text reaches the terminal: a control character, or one that reorders text on screen, as
its backslash escape, which a terminal shows rather than acts on; and a name's undecodable byte
as ``\\xff``, which a user can type back (``$'\\xff'`` in bash), where Python writes ``\\udcff``."""

from __future__ import annotations

import os
import re
import unicodedata

from ..jsonio import unicode_text

# repr's text for a byte 0x80-0xFF held as a lone surrogate (``'caf\udce9'``): not where the
# backslash is itself escaped (an even run of them: a name holding those six characters), nor
# the second half of an escaped pair (JSON's \ud83d\udc80 for U+1F480)
_BYTE_REPR = re.compile(r"(?<!\\)(?<!\\ud[89ab][0-9a-f]{2})((?:\\\\)*)\\udc([89a-f][0-9a-f])")
_REORDERING = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def plain(text: str) -> str:
    """``text`` with each undecodable byte of a name as ``\\xff``: held as a lone surrogate, or
    already written out by ``repr`` (a flag's value echoed as ``{value!r}``). For lines of text
    only: a name that holds the six characters ``\\udcff`` unquoted is shown as ``\\xff``."""
    return _BYTE_REPR.sub(r"\1\\x\2", unicode_text(text))


def visible(text: str, keep: str = "\n\t") -> str:
    """``plain(text)`` with each control character but those in ``keep`` (an escape, a carriage
    return, a backspace) as its backslash escape; so too the characters that reorder text on
    screen (U+202E, right-to-left override, and its kin)."""
    return _escaped(plain(text), keep)


def shown_path(path: str | os.PathLike[str]) -> str:
    """A path as a line of output shows it: every control character escaped, a newline too, so
    that a folder's name can neither break the line nor act on the terminal; a byte that is not
    UTF-8 as ``\\xff`` (a path is raw text: its ``\\`` are its own)."""
    return _escaped(unicode_text(os.fspath(path)), keep="")


def _escaped(text: str, keep: str) -> str:
    return "".join(
        repr(c)[1:-1] if (unicodedata.category(c) == "Cc" and c not in keep) else _shown(c)
        for c in text
    )


def _shown(character: str) -> str:
    return f"\\u{ord(character):04x}" if character in _REORDERING else character
