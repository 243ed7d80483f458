"""Links from the words of a page's prose to their entries (the glossary's): the first use of
each term in a section becomes a link, the rest stays plain escaped text."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping


def terms_pattern(links: Mapping[str, str]) -> re.Pattern[str] | None:
    """One pattern, for the whole page, of the phrases ``links`` maps to ids, as they read once
    escaped: whole words, the longest first."""
    if not links:
        return None
    phrases = sorted((html.escape(p) for p in links), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, phrases)) + r")(?![\w-])")


def linking_escape(links: Mapping[str, str], terms: re.Pattern[str]) -> Callable[[str], str]:
    """A function that escapes one section's paragraphs, in order, making the first use in the
    section of each linked term (any of its phrases, ``links``: phrase -> id) a link to its id."""
    linked: set[str] = set()

    def link(match: re.Match[str]) -> str:
        target = links[html.unescape(match.group(0))]
        if target in linked:
            return match.group(0)
        linked.add(target)
        return f'<a class="term" href="#{target}">{match.group(0)}</a>'

    return lambda paragraph: terms.sub(link, html.escape(paragraph))
