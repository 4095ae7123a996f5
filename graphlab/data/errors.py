"""Errors a visitor may read (why MNIST could not be had, and the refusals of
``graphlab.train``): an error of the usual kind whose English is ``str(error)``, carrying the
sentence as ``text`` so that the app says it in the visitor's language.

>>> from graphlab.core.messages import msg
>>> error = said(OSError, msg("downloads are disabled"))
>>> isinstance(error, OSError), str(error), reason(error).template
(True, 'downloads are disabled', 'downloads are disabled')
>>> reason(OSError("[Errno 2] No such file"))
'[Errno 2] No such file'
"""

from __future__ import annotations

from typing import TypeVar

from graphlab.core.messages import Message

__all__ = ["MnistNotFoundError", "reason", "said"]

E = TypeVar("E", bound=Exception)


class MnistNotFoundError(FileNotFoundError):
    """No source could provide MNIST; the message lists every option and why each failed
    (``text``: the same as a ``Message`` when it is one, else ``None``)."""

    def __init__(self, message: str | Message) -> None:
        self.text = message if isinstance(message, Message) else None
        super().__init__(str(message))


def said(kind: type[E], text: Message) -> E:
    """A ``kind`` error saying ``text`` in English and carrying it as ``text``; raise it."""
    error = kind(str(text))
    error.text = text  # type: ignore[attr-defined]
    return error


def reason(error: BaseException) -> Message | str:
    """What ``error`` says: its ``Message`` when it carries one (as ``.text``, or as its first
    argument: ``ValueError(msg(...))``), else its own text as it is."""
    text = getattr(error, "text", None)
    if not isinstance(text, Message) and error.args and isinstance(error.args[0], Message):
        text = error.args[0]
    return text if isinstance(text, Message) else str(error)
