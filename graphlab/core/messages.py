"""Sentences the library says to a learner, kept as an English template and its values, so the app
can say them in the learner's language and a notebook can print them as they are.

A sentence with values is `msg("name `{name}` is not defined", name=node.id)`; a constant one is
marked `N_("...")` and stays a `str`. `scripts/i18n.sh` extracts every template (a string literal,
never an f-string) into the app's gettext catalogs. A value may itself be a `Message` (a hint inside an error); it is translated with its sentence.
Values are data (what a visitor typed, a number, PyTorch's own English error text): they are
inserted as they are and never read as a template.

>>> hint = msg("; did you mean `{other}`?", other="x")
>>> error = msg("name `{name}` is not defined{hint}", name="y", hint=hint)
>>> str(error)
'name `y` is not defined; did you mean `x`?'
>>> Message.from_dict(error.to_dict()) == error
True
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Message", "N_", "msg", "render"]

Gettext = Callable[[str], str]
_FIELDS = string.Formatter()


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class Message:
    """An English `template` with named `{placeholders}` and the `args` that fill them."""

    template: str
    args: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.render()

    def render(self, gettext: Gettext = _same) -> str:
        """The sentence in the language of `gettext` (English without one). A translation whose
        placeholders do not match the values falls back to the English template.

        >>> msg("{n} nodes", n=3).render(lambda s: {"{n} nodes": "{n} 个节点"}.get(s, s))
        '3 个节点'
        >>> msg("{n} nodes", n=3).render(lambda s: "{m} broken")
        '3 nodes'
        """
        values = {
            k: v.render(gettext) if isinstance(v, Message) else v for k, v in self.args.items()
        }
        for template in (gettext(self.template), self.template):
            try:
                return _fill(template, values)
            except (KeyError, IndexError, ValueError, AttributeError, TypeError):
                continue
        return self.template + "".join(f" {v}" for v in values.values())

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON (a worker process sends its errors to the page this way)."""
        args = {k: v.to_dict() if isinstance(v, Message) else v for k, v in self.args.items()}
        return {"template": self.template, "args": args}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Message:
        """The message `to_dict` wrote; a value that is not text or a number becomes text."""
        args = {}
        for key, value in dict(data.get("args") or {}).items():
            if isinstance(value, Mapping) and "template" in value:
                args[str(key)] = cls.from_dict(value)
            elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
                args[str(key)] = value
            else:
                args[str(key)] = str(value)
        return cls(str(data.get("template", "")), args)


def _fill(template: str, values: Mapping[str, Any]) -> str:
    """`template.format(**values)` restricted to plain `{name}` and `{name:spec}` fields: no
    attribute or index lookups, whatever a translation says."""
    for _, name, _, _ in _FIELDS.parse(template):
        if name is not None and not name.isidentifier():
            raise ValueError(f"not a plain field: {name!r}")
    return template.format(**values)


def N_(text: str) -> str:
    """Marks a constant sentence (no values) for translation and returns it unchanged: the app
    shows it through `_()` (extracted by `scripts/i18n.sh`, so it must be a string literal)."""
    return text


def msg(template: str, **args: Any) -> Message:
    """A sentence for the learner: `template` is English, marked for translation (extracted by
    `scripts/i18n.sh`, so it must be a string literal); `args` fill its `{placeholders}`."""
    return Message(template, args)


def render(text: Message | Mapping[str, Any] | str | None, gettext: Gettext = _same) -> str:
    """Any message the library hands over (a `Message`, its `to_dict()`, or plain text such as
    PyTorch's own error) in the language of `gettext`.

    >>> render({"template": "{n} nodes", "args": {"n": 2}}), render("as is"), render(None)
    ('2 nodes', 'as is', '')
    """
    if isinstance(text, Message):
        return text.render(gettext)
    if isinstance(text, Mapping):
        return Message.from_dict(text).render(gettext)
    return "" if text is None else str(text)
