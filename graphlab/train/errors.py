"""Refusals a visitor reads (a setting, a checkpoint, a picture): a plain ``ValueError`` whose
English is ``str(error)``, with the same sentence as a ``Message`` in ``error.text`` so that the
app says it in the visitor's language.

The error stays a ``ValueError`` (not a subclass), so callers and doctests see what they always
saw; ``reason`` (``graphlab.data.errors``'s) reads the sentence back from any exception,
PyTorch's own included.

>>> error = refusal(joined([msg("a {x}", x=1), msg("b")]))
>>> str(error), reason(error).render(lambda s: s.upper() if s == "b" else s)
('a 1; b', 'a 1; B')
>>> reason(RuntimeError("torch says"))
'torch says'
"""

from __future__ import annotations

from collections.abc import Sequence

from graphlab.core.messages import Message, msg
from graphlab.data.errors import reason, said

__all__ = ["joined", "listed", "reason", "refusal"]


def refusal(text: Message) -> ValueError:
    """A ``ValueError`` saying ``text`` (its English as the error's message); raise it."""
    return said(ValueError, text)


def joined(parts: Sequence[Message]) -> Message:
    """The sentences of ``parts`` in one, separated by "; " (at least one part)."""
    text = parts[0]
    for part in parts[1:]:
        text = msg("{first}; {then}", first=text, then=part)
    return text


def listed(parts: Sequence[Message]) -> Message:
    """The phrases of ``parts`` in one, separated by ", " (at least one part)."""
    text = parts[0]
    for part in parts[1:]:
        text = msg("{first}, {then}", first=text, then=part)
    return text
