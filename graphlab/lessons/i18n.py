"""The visitor's language and the app's gettext catalogs, without Streamlit.

The app speaks English and Simplified Chinese. Its strings live in gettext catalogs under
`locale/<lang>/LC_MESSAGES/messages.po` (managed with Babel: `scripts/i18n.sh`), compiled to `.mo`
files by `scripts/setup.sh`. Until a catalog is compiled, a language falls back to the English
text in the source. `widgets/i18n.py` gives the app `_()` on top of this module.

>>> choose(query="zh", accept="en-US,en;q=0.9")
'zh'
>>> from_accept_language("fr-FR,zh-TW;q=0.8,en;q=0.5")
'zh'
"""

from __future__ import annotations

import gettext
import io
from pathlib import Path

__all__ = [
    "DEFAULT", "DOMAIN", "LANGUAGES", "LOCALE_DIR", "choose", "from_accept_language",
    "supported", "translations",
]  # fmt: skip

LANGUAGES = {"en": "English", "zh": "中文"}
DEFAULT = "en"
DOMAIN = "messages"
LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"

_CATALOGS: dict[str, gettext.NullTranslations] = {}  # language -> its catalog, loaded once


def supported(tag: str | None) -> str | None:
    """The app's language for a language tag (`zh-CN`, `zh_Hans`, `EN-us`), or None.

    >>> supported("zh-Hans-CN"), supported("en_GB"), supported("fr"), supported(None)
    ('zh', 'en', None, None)
    """
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The first language of an HTTP Accept-Language header that the app speaks, by the
    header's own weights (`q=`), or None when it names none of them.

    >>> from_accept_language("de;q=0.9, en;q=0.4, zh-CN")
    'zh'
    >>> from_accept_language("de, fr") is None
    True
    """
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if (language := supported(tag)) and weight > 0:
            ranked.append((-weight, index, language))
    return min(ranked)[2] if ranked else None


def choose(
    query: str | None = None,
    session: str | None = None,
    locale: str | None = None,
    accept: str | None = None,
) -> str:
    """The visitor's language: the address's `?lang=` if the app speaks it, else the one kept
    for this session, else the browser's (its locale, then its Accept-Language header), else
    English.

    >>> choose(), choose(query="de", session="zh"), choose(locale="en-US", accept="zh")
    ('en', 'zh', 'en')
    """
    for candidate in (query, session):
        if candidate in LANGUAGES:
            return candidate
    return supported(locale) or from_accept_language(accept) or DEFAULT


def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of `language` (cached), or one that returns the English source text
    when it has not been compiled (`pybabel compile -d locale -D messages`).

    >>> translations("en").gettext("Home")
    'Home'
    """
    catalog = _CATALOGS.get(language)
    if catalog is None:
        catalog = gettext.translation(
            DOMAIN, localedir=LOCALE_DIR, languages=[language], fallback=True
        )
        if type(catalog) is gettext.NullTranslations:
            catalog = _compiled_in_memory(language) or catalog
        _CATALOGS[language] = catalog
    return catalog


def _compiled_in_memory(language: str) -> gettext.GNUTranslations | None:
    """The `.po` catalog compiled in memory: a host that runs the app straight from the
    repository (Streamlit Community Cloud) never runs `pybabel compile`, and `.mo` files are
    build outputs, not in git."""
    po = Path(LOCALE_DIR, language, "LC_MESSAGES", DOMAIN + ".po")
    try:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po
    except ImportError:  # the library alone, without the app's extras
        return None
    if not po.is_file():
        return None
    with po.open("rb") as f:
        parsed = read_po(f, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, parsed)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)
