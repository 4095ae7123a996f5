"""What a page shows in words, and which of those words are still English in Chinese.

`shown_texts(at)` collects every sentence an AppTest run put on the page: markdown, captions,
alerts, headings, widget labels and options, dataframe headers and text cells, metrics, page
links, expanders and tabs (never code blocks, whose words are Python). `english_runs(text)` finds
runs of 4 or more English words outside `code spans`, fenced code, LaTeX and links: a sentence
left untranslated, not an identifier such as `requires_grad` or a name such as "PyTorch".
`untranslated(at, allowed)` is both, less the runs a page may show in English (PyTorch's own error
text, quoted as data), each allowed by a pattern with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

from streamlit.testing.v1 import AppTest

__all__ = ["english_runs", "shown_texts", "untranslated"]

WORDS = 4  # this many English words in a row make an untranslated sentence
_WORD = r"[A-Za-z][A-Za-z'’]*(?:-[A-Za-z]+)*"
_RUN = re.compile(rf"{_WORD}(?:(?:[ \t]+|[,;:]?[ \t]+){_WORD}){{{WORDS - 1},}}")
# Not prose: code (fenced, then inline), LaTeX, link targets, HTML tags, addresses.
_NOT_PROSE = [
    re.compile(r"```.*?```", re.S),
    re.compile(r"(`+).+?\1", re.S),
    re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$", re.S),
    re.compile(r"\]\([^)]*\)"),
    re.compile(r"<[^>\n]+>"),
    re.compile(r"https?://\S+"),
]
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!:|<>~])")
_TEXT_ELEMENTS = {"markdown", "caption", "title", "header", "subheader", "text", "info",
                  "warning", "error", "success", "exception", "toast"}  # fmt: skip
_LABELLED = ("label", "help", "placeholder")


def english_runs(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """The runs of English words (4 or more in a row) in `text`, outside code and LaTeX, and
    outside the parts that an `allowed` pattern matches (markdown escapes undone first).

    >>> english_runs("`x.grad` 是 **梯度**：the `grad` of x is here; 它是 PyTorch 的 `Tensor`")
    ['the of x is here']
    >>> english_runs("形状 (3, 4)，dtype float32，requires_grad=True")
    []
    >>> english_runs("torch 说：Trying to go back a second time。", ["Trying to go back"])
    []
    """
    text = _ESCAPED.sub(r"\1", text)  # "grad\\_fn" shows as grad_fn
    for pattern in [*_NOT_PROSE, *allowed]:
        text = re.sub(pattern, " ", text)
    text = re.sub(r"[*_~]+", "", text)  # emphasis marks sit inside a run of words
    return [" ".join(m.group(0).split()) for m in _RUN.finditer(text)]


def _texts_of(element) -> Iterator[str]:
    kind = getattr(element, "type", "")
    proto = getattr(element, "proto", None)
    if kind in _TEXT_ELEMENTS and isinstance(getattr(element, "value", None), str):
        yield element.value
    for name in _LABELLED:
        value = getattr(proto, name, None) if proto is not None else None
        if isinstance(value, str) and value:
            yield value
    options = getattr(proto, "options", None) if proto is not None else None
    if options is not None and not isinstance(options, str):
        for option in options:
            yield option if isinstance(option, str) else getattr(option, "content", "")
    if kind in ("dataframe", "table"):
        yield from _frame_texts(element.value)
    if kind == "metric":
        yield from (element.label, element.value, element.delta)


def _frame_texts(frame) -> Iterator[str]:
    yield from (str(c) for c in frame.columns)
    for column in frame.columns:
        yield from (v for v in frame[column].tolist() if isinstance(v, str))


def shown_texts(at: AppTest) -> list[str]:
    """Every sentence on the page of `at` (main area and sidebar), in page order."""
    found: list[str] = []
    for root in (at.main, at.sidebar):
        for element in root:
            found.extend(t for t in _texts_of(element) if t and t.strip())
    return found


def untranslated(
    at: AppTest, allowed: Mapping[str, str] | Iterable[str] = ()
) -> list[tuple[str, str]]:
    """(run, the text it is in) for each English run on the page, outside the parts of a text
    that an `allowed` pattern matches (a mapping gives each pattern its reason)."""
    patterns = list(allowed)
    return [(run, text) for text in shown_texts(at) for run in english_runs(text, patterns)]
