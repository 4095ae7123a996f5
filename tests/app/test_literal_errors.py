"""Error text shows literally: a URL, `www.` or an email address in torch's or a visitor's text
never becomes a link (issue 15, reproduction 7).

Streamlit renders st.error & co. with react-markdown and remark-gfm, whose autolink literals
are found in the text *after* backslash escapes are undone, so escaping `.` or `:` does not stop
them. AppTest cannot see how markdown renders; these tests parse the markdown the page sends
with markdown-it-py (CommonMark) and look, in the plain text GFM would see, for every pattern
remark-gfm links: the regular expressions of the copy bundled in Streamlit 1.67
(static/js/StreamlitMarkdown*.js) and of mdast-util-gfm-autolink-literal 2.1."""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

from tests.app.pages import open_lesson, open_page, run_in_editor
from widgets.expression import escape_markdown, message_markdown
from widgets.literal_text import unlinked

# remark-gfm's autolink literals (email ones without their look-behinds: they match more)
GFM_LINKS = [
    re.compile(r"(https?://|www(?=\.))([-.\w]+)([^ \t\r\n]*)", re.I),  # Streamlit 1.67's copy
    re.compile(r"(?<![\da-z])(https?://|www(?=\.))([\w-]*\.[\w\-.]*)([^\t\n\r ]*)", re.I | re.A),
    re.compile(r"xmpp:([\w+\-.]+)@([\w-]+(?:\.[\w-]+)+)", re.A),
    re.compile(r"mailto:([\w+\-.]+)@([\w-]+(?:\.[\w-]+)+)", re.A),
    re.compile(r"([\w+\-.]+)@([\w-]+(?:\.[\w-]+)+)", re.A),
]
HOSTILE = [
    "https://evil.example.com is not a valid value for reduction",
    "see www.evil.com now",
    "write to a@b.com, or mailto:c@d.org, or xmpp:e@f.net",
    "invalid 'HTTPS://EVIL.COM/a_b*c*' and WWW.EVIL.COM.",
    "(www.x.com) <https://a.b> [t](http://a.b) user+tag@mail.example.org!",
    "`x`www.evil.com after a quoted name",
    "a \\ backslash then https://e.com/`tick",
    "x*y* _z_ # 1. - [ ] | {braces} $math$",
]


def _literal(markdown: str) -> tuple[str, list[str], bool]:
    """What the markdown shows (text and code), the runs of plain text GFM would scan, and
    whether CommonMark itself made a link."""
    shown, plain, run, linked = [], [], [], False
    for block in MarkdownIt("commonmark").parse(markdown):
        for token in block.children or []:
            linked |= token.type == "link_open"
            if token.type == "code_inline":
                plain.append("".join(run))
                run = []
                shown.append(token.content)
            elif token.type in ("text", "softbreak"):
                run.append(token.content if token.type == "text" else "\n")
                shown.append(run[-1])
    return "".join(shown), [*plain, "".join(run)], linked


def _autolinks(markdown: str) -> list[str]:
    _shown, plain, linked = _literal(markdown)
    found = [m.group() for text in plain for pattern in GFM_LINKS for m in pattern.finditer(text)]
    return found + (["<a CommonMark link>"] if linked else [])


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_shows_literally_with_no_link(text: str) -> None:
    markdown = escape_markdown(text)
    assert _autolinks(markdown) == [], markdown
    assert _literal(markdown)[0] == text, markdown


@pytest.mark.parametrize("text", HOSTILE)
def test_message_markdown_keeps_quoted_code_and_makes_no_link(text: str) -> None:
    markdown = message_markdown(text)
    assert _autolinks(markdown) == [], markdown
    if text.count("`") % 2 == 0:  # quoted parts became code: shown without their backticks
        assert _literal(markdown)[0] == text.replace("`", ""), markdown


@pytest.mark.parametrize("text", HOSTILE)
def test_unlinked_markdown_makes_no_link(text: str) -> None:
    assert _autolinks(unlinked(text)) == [], unlinked(text)


def test_unlinked_changes_nothing_but_links() -> None:
    for ours in ("x needs one number per column of W (3), not 2", "**Line 3**: `y` *changed*"):
        assert unlinked(ours) == ours
    assert unlinked("**bad** 'www.x.com' `q`") == "**bad** `'www.x.com'` `q`"
    assert unlinked("an odd ` tick, www.x.com") == "an odd \\` tick, `www.x.com`"


def test_the_old_escaping_left_gfm_links() -> None:
    # Backslashes before `.` and `:` are undone before remark-gfm looks: the link stays.
    assert set(_autolinks(r"see https\://evil\.example\.com")) == {"https://evil.example.com"}


def test_torchs_error_in_the_expression_lab_is_not_a_link() -> None:
    at = open_page("app_pages/expression_lab.py")
    program = ("x = torch.randn(3, 5)\nt = torch.tensor([1, 0, 4])\n"
               "y = F.cross_entropy(x, t, reduction='https://evil.example.com')\n")  # fmt: skip
    run_in_editor(at, "lab_code", program)
    assert not at.exception and len(at.error) == 1
    message = at.error[0].value
    assert "https://evil.example.com" in _literal(message)[0], message
    assert _autolinks(message) == [], message


def test_a_visitors_shape_in_a_lesson_error_is_not_a_link() -> None:
    at = open_lesson("tensors", "play")
    at.text_input(key="lt_b").input("www.evil.com, 1").run()
    assert not at.exception and at.error
    message = at.error[0].value
    assert "www.evil.com" in _literal(message)[0] and _autolinks(message) == [], message
