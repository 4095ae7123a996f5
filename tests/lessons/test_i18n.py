"""The visitor's language without Streamlit: address, session, browser; and the catalogs."""

from __future__ import annotations

import gettext

import pytest

from graphlab.lessons import i18n


@pytest.mark.parametrize(
    ("header", "want"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("zh-TW", "zh"),
        ("zh-Hans-CN", "zh"),
        ("de-DE,de;q=0.9,zh;q=0.7,en;q=0.5", "zh"),  # the first the app speaks, by weight
        ("en;q=0.2, zh;q=0.8", "zh"),  # weights, not order, decide
        ("zh;q=0, en", "en"),  # q=0 means "not this one"
        ("fr, de", None),
        ("", None),
        (None, None),
        ("*", None),
        ("zh;q=bad, en", "en"),
    ],
)
def test_accept_language(header, want):
    assert i18n.from_accept_language(header) == want


def test_the_address_wins_then_the_session_then_the_browser():
    assert i18n.choose(query="zh", session="en", locale="en-US", accept="en") == "zh"
    assert i18n.choose(query="xx", session="zh", locale="en-US") == "zh"  # not a language
    assert i18n.choose(session=None, locale="zh-CN", accept="en") == "zh"
    assert i18n.choose(locale="fr-FR", accept="de, zh-CN;q=0.5") == "zh"
    assert i18n.choose(locale="fr-FR", accept="de") == "en"
    assert i18n.choose() == i18n.DEFAULT == "en"


def test_tags_map_to_the_languages_the_app_speaks():
    assert [i18n.supported(t) for t in ("zh_CN", "ZH", "en-GB", "es", "", None)] == [
        "zh", "zh", "en", None, None, None,
    ]  # fmt: skip
    assert set(i18n.LANGUAGES) == {"en", "zh"}


def test_a_catalog_is_loaded_once_and_falls_back_to_the_source_text(monkeypatch, tmp_path):
    assert i18n.translations("zh") is i18n.translations("zh")
    # No compiled catalog at all: English, the text in the source, never an error.
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    monkeypatch.setattr(i18n, "_CATALOGS", {})
    catalog = i18n.translations("zh")
    assert isinstance(catalog, gettext.NullTranslations)
    assert catalog.gettext("Home") == "Home"
    assert catalog.ngettext("{n} node", "{n} nodes", 2) == "{n} nodes"


def test_the_compiled_chinese_catalog_translates():
    mo = i18n.LOCALE_DIR / "zh" / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo"
    if not mo.exists():
        pytest.skip("catalogs not compiled: run scripts/setup.sh")
    catalog = gettext.translation(i18n.DOMAIN, i18n.LOCALE_DIR, languages=["zh"])
    assert catalog.gettext("Home") != "Home"
    assert catalog.gettext("a sentence nobody wrote") == "a sentence nobody wrote"


def test_an_uncompiled_catalog_is_compiled_in_memory(monkeypatch, tmp_path):
    """A host that runs straight from git (Streamlit Community Cloud) has the .po files only."""
    po = i18n.LOCALE_DIR / "zh" / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    target = tmp_path / "zh" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / po.name).write_bytes(po.read_bytes())
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    monkeypatch.setattr(i18n, "_CATALOGS", {})
    catalog = i18n.translations("zh")
    assert not list(target.glob("*.mo"))
    assert catalog.gettext("Home") not in ("", "Home")
    assert catalog.gettext("a sentence nobody wrote") == "a sentence nobody wrote"
