"""Text from torch or a visitor shown literally in Streamlit's markdown (st.error & co.).

Streamlit renders markdown with react-markdown and remark-gfm, whose autolink literals (a URL,
`www.`, an email address) are found in the text *after* backslash escapes are undone: escaping
cannot stop them, so they go in code spans, where nothing is linked and every character shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["escape_markdown", "message_markdown", "unlinked"]

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$:~=&])")
# What GFM links by itself (remark-gfm's autolink literals: `scheme://`, `www.`, `a@b.c`). It
# matches the text after backslash escapes are undone, so escaping cannot stop it; a code span
# can, since nothing inside one is ever linked. The whole run of non-space text goes in it.
_LINKLIKE = re.compile(r"[^\s`]*(?:://|www\.|@)[^\s`]*", re.IGNORECASE)


def escape_markdown(text: str) -> str:
    """Markdown that shows ``text`` literally inside st.error & co.: syntax backslash-escaped,
    and anything GFM would turn into a link (a URL, `www.`, an email address) put in a code
    span, so a visitor's or torch's text never becomes a clickable link."""
    return _markdown(_plain_or_links(text), _escape)


def message_markdown(text: str) -> str:
    """``text`` as markdown that shows literally, except that `quoted` parts become code.

    Code spans show their content verbatim, so they need no escaping; with an odd number of
    backticks there are no spans, and everything is escaped.
    """
    return _quoted(text, _escape) or escape_markdown(text)


def unlinked(markdown: str) -> str:
    """A sentence of ours that is markdown already (it may quote torch or the visitor), with
    anything GFM would link by itself put in a code span; nothing else changes."""
    return _quoted(markdown, str) or _markdown(_plain_or_links(markdown), _escape_ticks)


def _escape(plain: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", plain)


def _escape_ticks(plain: str) -> str:
    return plain.replace("`", "\\`")  # backticks that pair with no other one


def _quoted(text: str, plain: Callable[[str], str]) -> str | None:
    """``text`` with its `quoted` parts as code and the rest through ``plain`` (links made
    code), or None when its backticks do not pair up into code spans."""
    parts = text.split("`")
    if len(parts) % 2 == 0 or any(not p.strip() for p in parts[1::2]):
        return None
    pieces: list[tuple[bool, str]] = []
    for i, part in enumerate(parts):
        pieces += [(True, part)] if i % 2 else _plain_or_links(part)
    return _markdown(pieces, plain)


def _plain_or_links(text: str) -> list[tuple[bool, str]]:
    """``text`` cut into (is_code, piece): link-like runs are code, the rest plain text."""
    pieces: list[tuple[bool, str]] = []
    end = 0
    for link in _LINKLIKE.finditer(text):
        pieces += [(False, text[end : link.start()]), (True, link.group())]
        end = link.end()
    return [*pieces, (False, text[end:])]


def _markdown(pieces: list[tuple[bool, str]], plain: Callable[[str], str]) -> str:
    """Code pieces in backticks, plain ones through ``plain``; neighbouring code pieces share
    one span (two spans side by side would read as one unclosed span: `a``b`)."""
    merged: list[tuple[bool, str]] = []
    for is_code, piece in pieces:
        if merged and piece and merged[-1][0] and is_code:
            merged[-1] = (True, merged[-1][1] + piece)
        elif piece:
            merged.append((is_code, piece))
    return "".join(f"`{p}`" if code else plain(p) for code, p in merged)
