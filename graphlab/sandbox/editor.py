"""What the program editor needs from the sandbox, as plain data: the length check, the marks an
error leaves in the editor, and which of the editor's events are new.

The page's editor is a browser component (Ace); nothing here knows it beyond the shapes of its
``annotations`` (gutter icons) and ``markers`` (highlighted ranges), both with 0-based rows and
columns counted in UTF-16 code units, as JavaScript counts them. Its sentences are
:mod:`graphlab.core.messages` (English here; the app passes its ``gettext``).

>>> length_problem("y = x * 2", limit=2_000) is None
True
>>> print(length_problem("#" * 3_000, limit=2_000))
Your program has 3,000 characters; the limit is 2,000. It was not run: shorten it, then press Run.
>>> error_marks({"line": 2, "col": 5, "message": "bad"}, "x = 1\\ny = x.numpy()")["markers"]
[{'startRow': 1, 'startCol': 4, 'endRow': 1, 'endCol': 11, 'className': 'gl-error-mark', 'type': 'text'}]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from graphlab.core.messages import Gettext, Message, msg, render

__all__ = ["EditorEvent", "editor_event", "error_marks", "length_problem"]

MARK_CLASS = "gl-error-mark"  # the editor's stylesheet colours this class
_WORD = re.compile(r"\w+(?:\.\w+)*")  # a name, or a dotted one: `x.numpy`
_MAX_EVENT_ID = 64  # the component's ids are 8 characters; anything far longer is not one of them


def length_problem(text: str, limit: int) -> Message | None:
    """The sentence that refuses ``text`` when it is longer than ``limit`` characters, else None.

    It names the length and the limit, so the visitor knows how much to cut.

    >>> str(length_problem("a" * 2_001, limit=2_000))[:40]
    'Your program has 2,001 characters; the l'
    """
    if len(text) <= limit:
        return None
    return msg(
        "Your program has {length} characters; the limit is {limit}. "
        "It was not run: shorten it, then press Run.",
        length=format(len(text), ","),
        limit=format(limit, ","),
    )


def error_marks(
    error: Mapping[str, object] | None, source: str, gettext: Gettext | None = None
) -> dict[str, list[dict]]:
    """The editor's marks for a sandbox error ``{"line", "col", "message"}`` in ``source``.

    An error icon in the gutter of its line (hovering it shows the message) and a highlighted
    range from its column to the end of the (dotted) name there, or one character.
    Without a column the whole line is marked; without a line (the program as a whole, e.g. too
    long) there is nothing to mark. A line past the end marks the last line. The message is the
    error's ``text`` (its translatable form) said with ``gettext``, else its ``message``.

    >>> error_marks({"line": 1, "col": 1, "message": "`import` is not allowed"}, "import os")
    ... # doctest: +NORMALIZE_WHITESPACE
    {'annotations': [{'row': 0, 'column': 0, 'type': 'error',
                      'text': 'Line 1, column 1: `import` is not allowed'}],
     'markers': [{'startRow': 0, 'startCol': 0, 'endRow': 0, 'endCol': 6,
                  'className': 'gl-error-mark', 'type': 'text'}]}
    >>> error_marks({"line": 0, "message": "too long"}, "x = 1")
    {'annotations': [], 'markers': []}
    """
    marks: dict[str, list[dict]] = {"annotations": [], "markers": []}
    line, col = _number(error, "line"), _number(error, "col")
    if error is None or line < 1:
        return marks
    lines = source.split("\n") or [""]
    if line > len(lines):
        line, col = len(lines), 0
    text = lines[line - 1]
    gettext = gettext or _same
    said = render(error.get("text") or error.get("message"), gettext) or "error"
    if col:
        note = msg("Line {line}, column {col}: {message}", line=line, col=col, message=said)
    else:
        note = msg("Line {line}: {message}", line=line, message=said)
    row = line - 1
    if col and col <= len(text) + 1:
        start = col - 1
        word = _WORD.match(text, start)
        end = word.end() if word else min(start + 1, len(text))
        marker = {"startRow": row, "startCol": _js_length(text[:start]),
                  "endRow": row, "endCol": _js_length(text[:end]),
                  "className": MARK_CLASS, "type": "text"}  # fmt: skip
        if marker["endCol"] == marker["startCol"]:  # at the end of the line: mark the line
            marker.update(startCol=0, endCol=_js_length(text), type="fullLine")
        column = marker["startCol"]
    else:
        marker = {"startRow": row, "startCol": 0, "endRow": row, "endCol": _js_length(text),
                  "className": MARK_CLASS, "type": "fullLine"}  # fmt: skip
        column = 0
    marks["annotations"].append({"row": row, "column": column, "type": "error",
                                 "text": note.render(gettext)})  # fmt: skip
    marks["markers"].append(marker)
    return marks


@dataclass(frozen=True)
class EditorEvent:
    """One thing the visitor did in the editor: ``kind`` "submit" (Run, Ctrl+Enter) and the
    editor's whole ``text`` at that moment. ``id`` is new for every event."""

    id: str
    kind: str
    text: str


def editor_event(value: object, seen: str | None) -> EditorEvent | None:
    """The editor's value as a new event, or None: when it is the event with id ``seen`` (a
    component returns its last value again on every rerun of the page), when it is no event yet
    (an empty id), or when it is not the shape the editor sends (it comes from the browser, so
    it may be anything).

    >>> value = {"id": "3f2a9c1e", "type": "submit", "text": "y = 1", "cursor": {}}
    >>> editor_event(value, seen=None)
    EditorEvent(id='3f2a9c1e', kind='submit', text='y = 1')
    >>> editor_event(value, seen="3f2a9c1e") is None
    True
    >>> editor_event({"id": "", "type": "", "text": ""}, seen=None) is None
    True
    """
    if not isinstance(value, Mapping):
        return None
    event_id, kind, text = value.get("id"), value.get("type"), value.get("text")
    if not (isinstance(event_id, str) and isinstance(kind, str) and isinstance(text, str)):
        return None
    if not event_id or len(event_id) > _MAX_EVENT_ID or event_id == seen:
        return None
    return EditorEvent(event_id, kind, text.replace("\r\n", "\n"))


def _same(text: str) -> str:
    return text


def _number(error: Mapping[str, object] | None, name: str) -> int:
    value = error.get(name) if error is not None else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _js_length(text: str) -> int:
    """Length as JavaScript counts it: characters beyond U+FFFF are two UTF-16 code units."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)
