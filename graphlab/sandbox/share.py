"""Programs in share links: ``?code=<base64url>`` (or plain text typed by hand).

A link is input from anyone, so :func:`decode_program` bounds its length, refuses what is not
text, and raises :class:`ShareLinkError` (a ValueError with a sentence for the visitor) instead
of anything else. What the program *does* is still checked by the sandbox later.

>>> encode_program("y = x * x\\n")
'eSA9IHggKiB4Cg'
>>> decode_program("eSA9IHggKiB4Cg")
'y = x * x\\n'
>>> decode_program("y = x * x")
'y = x * x'
>>> program_from_link("https://example.org/step_through?code=eSA9IHggKiB4Cg")
'y = x * x\\n'
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import parse_qs, urlparse

from graphlab.core.messages import Message, msg

from .errors import Limits

__all__ = [
    "MAX_PROGRAM_CHARS",
    "MAX_PARAM_CHARS",
    "ShareLinkError",
    "decode_program",
    "encode_program",
    "program_from_link",
]

MAX_PROGRAM_CHARS = Limits().max_source_chars  # the sandbox refuses longer programs anyway
MAX_PARAM_CHARS = 4 * (4 * MAX_PROGRAM_CHARS) // 3 + 4  # base64 of 4-byte UTF-8 characters
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
_ALLOWED_CONTROLS = {"\n", "\r", "\t"}
_MAX_ADDRESS_CHARS = 2_048  # the address around the code value


class ShareLinkError(ValueError):
    """A ``code`` value that cannot be a program; the message is safe to show as text.

    ``text`` is the sentence to say in the visitor's language (a :class:`Message`, or plain
    text); ``str(err)`` is its English.
    """

    def __init__(self, message: Message | str) -> None:
        self.text = message
        super().__init__(str(message))


def encode_program(source: str) -> str:
    """URL-safe base64 of the UTF-8 text, without padding."""
    return base64.urlsafe_b64encode(source.encode("utf-8")).decode("ascii").rstrip("=")


def decode_program(value: object) -> str:
    """The program in a ``code`` value: base64url when it decodes to text, else the value itself.

    >>> decode_program("a" * 20_000)
    Traceback (most recent call last):
    ...
    graphlab.sandbox.share.ShareLinkError: the link's program is too long (20,000 characters; ...
    """
    if not isinstance(value, str):
        raise ShareLinkError(msg("the link's program is not text"))
    if len(value) > MAX_PARAM_CHARS:
        raise ShareLinkError(
            msg(
                "the link's program is too long ({length} characters; the limit is {limit})",
                length=format(len(value), ","),
                limit=format(MAX_PARAM_CHARS, ","),
            )
        )
    source = _from_base64(value)
    if source is None:
        source = value
    source = source.replace("\r\n", "\n")
    if len(source) > MAX_PROGRAM_CHARS:
        raise ShareLinkError(
            msg(
                "the link's program is {length} characters long; the limit is {limit}",
                length=format(len(source), ","),
                limit=format(MAX_PROGRAM_CHARS, ","),
            )
        )
    bad = next((c for c in source if _is_control(c)), None)
    if bad is not None:
        raise ShareLinkError(
            msg(
                "the link's program contains the control character U+{code}",
                code=format(ord(bad), "04X"),
            )
        )
    return source


def program_from_link(text: object) -> str:
    """The program in a pasted share link: a whole address with ``?code=``, or the value alone.

    >>> program_from_link("")
    Traceback (most recent call last):
    ...
    graphlab.sandbox.share.ShareLinkError: the link is empty
    """
    if not isinstance(text, str):
        raise ShareLinkError(msg("the link is not text"))
    text = text.strip()
    if not text:
        raise ShareLinkError(msg("the link is empty"))
    if len(text) > MAX_PARAM_CHARS + _MAX_ADDRESS_CHARS:  # before parsing anything that long
        raise ShareLinkError(
            msg("the link is too long ({length} characters)", length=format(len(text), ","))
        )
    return decode_program(parse_qs(urlparse(text).query).get("code", [text])[0])


def _from_base64(value: str) -> str | None:
    """The decoded text, or None when ``value`` is not base64url of printable UTF-8."""
    if not _BASE64URL.fullmatch(value) or len(value) % 4 == 1:
        return None
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return None if any(_is_control(c) for c in text) else text


def _is_control(char: str) -> bool:
    return char not in _ALLOWED_CONTROLS and (ord(char) < 32 or 0x7F <= ord(char) < 0xA0)
