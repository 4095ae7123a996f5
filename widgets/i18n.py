"""The app in the visitor's language: `_()` for every string a visitor reads, and the switch.

Mark each user-visible string with `_("...")` (a module-level constant with `N_("...")`, then
`_(CONSTANT)` where it is shown); give placeholders names, `_("{n} nodes").format(n=n)`, so a
translator sees one sentence. `scripts/i18n.sh` extracts the strings into `locale/messages.pot`
and updates `locale/<lang>/LC_MESSAGES/messages.po`; `scripts/setup.sh` compiles them.
The choice itself (address, session, browser) is `graphlab.lessons.i18n`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from graphlab.core.messages import Message, render
from graphlab.lessons.i18n import LANGUAGES, choose, translations

__all__ = [
    "LANGUAGES", "N_", "language", "language_switch", "ngettext", "pgettext", "say", "translator",
    "_",
]  # fmt: skip

KEY = "lang"  # in st.session_state and in the address (?lang=zh)
_SWITCH = "i18n_language_switch"  # the switch's own widget key
_GUESS = "i18n_browser_language"  # the browser's language, for visitors who chose none


def _browser() -> tuple[str | None, str | None]:
    """The browser's locale and Accept-Language header, when a browser is connected."""
    try:
        locale = st.context.locale
    except Exception:  # no browser session (a bare script, some test harnesses)
        locale = None
    try:
        accept = st.context.headers.get("Accept-Language")
    except Exception:
        accept = None
    return locale, accept


def language() -> str:
    """The visitor's language ("en" or "zh"): `?lang=` in the address, else the one chosen in
    this session, else the browser's, else English."""
    query, session = st.query_params.get(KEY), st.session_state.get(KEY)
    if query in LANGUAGES or session in LANGUAGES:  # chosen: no need to ask the browser
        return choose(query=query, session=session)
    guess = st.session_state.get(_GUESS)
    if guess not in LANGUAGES:  # the browser's language, asked once a session
        locale, accept = _browser()
        guess = st.session_state[_GUESS] = choose(locale=locale, accept=accept)
    return guess


def _(message: str) -> str:
    """`message` in the visitor's language (the English text when it has no translation)."""
    return translations(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the visitor's language."""
    return translations(language()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` in the visitor's language, where the same English word needs another translation
    in another place: `pgettext("player", "Play")` (a button) is not a lesson's "Play" stage."""
    return translations(language()).pgettext(context, message)


def translator() -> Callable[[str], str]:
    """`_` bound to the visitor's language now: a widget's `format_func` (the options keep their
    English values, the visitor reads them translated). Unlike `_` itself, it translates the same
    when called outside the page's run, as AppTest does to read a widget's value."""
    return translations(language()).gettext


def say(text: Message | Mapping[str, Any] | str | None) -> str:
    """A sentence of the library's (`graphlab.core.messages.msg`, or its `to_dict()` from a worker)
    in the visitor's language; plain text (PyTorch's own errors) as it is."""
    return render(text, translator())


def N_(message: str) -> str:
    """Marks `message` for extraction and returns it unchanged: translate it later with `_()`."""
    return message


def _switched() -> None:
    chosen = st.session_state.get(_SWITCH)
    if chosen in LANGUAGES:
        st.session_state[KEY] = chosen
        st.query_params[KEY] = chosen


def language_switch() -> str:
    """The language switch in the sidebar; returns the language in use. A choice is kept in
    the session and in the address (`?lang=zh`), so a shared link opens in that language."""
    current = language()
    if KEY in st.session_state or KEY in st.query_params:  # chosen, not guessed: keep it
        st.session_state[KEY] = current
        if st.query_params.get(KEY) != current:
            st.query_params[KEY] = current
    st.session_state[_SWITCH] = current  # also undoes a click that deselected the option
    st.sidebar.segmented_control(
        "Language · 语言",
        options=list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        key=_SWITCH,
        on_change=_switched,
    )
    return current
