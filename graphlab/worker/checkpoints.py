"""A visitor's checkpoint file, parsed in the worker: the server never unpickles what was sent.

The request's source is ``[name, base64 of the file]``. The reply is the checked state in the
plain encoding of :mod:`graphlab.worker.plain` (tensors as their bytes), or the refusal that
says why, in the visitor's language. The file is checked against the upload limits before
``torch.load`` reads it (``graphlab.train.checkpoint_guard``), every field after, and its
settings against the Live Training page's caps.
"""

from __future__ import annotations

import base64
import binascii
import encodings.cp437  # noqa: F401  (zipfile's names; a contained worker cannot import later)
from typing import Any

from graphlab.core.messages import msg
from graphlab.train.checkpoint import parse_checkpoint
from graphlab.train.checkpoint_guard import UPLOAD
from graphlab.train.errors import reason
from graphlab.train.form import check_limits

from .plain import encode
from .protocol import failure

__all__ = ["checkpoint_reply", "checkpoint_request"]

MAX_NAME = 120  # characters of a file's name kept for messages


def checkpoint_request(name: str, raw: bytes) -> list[str]:
    """The source of a ``"checkpoint"`` request for the file ``name`` holding ``raw``."""
    return [str(name)[:MAX_NAME], base64.b64encode(raw).decode("ascii")]


def checkpoint_reply(source: object, limits: object = None) -> dict[str, Any]:
    """``{"ok": True, "state": ..., "name": ...}``, or a failure saying what is wrong."""
    shaped = isinstance(source, list) and len(source) == 2
    if not (shaped and all(isinstance(part, str) for part in source)):  # type: ignore[union-attr]
        return failure(msg("a checkpoint request is a file's name and its bytes"))
    name, data = source[0][:MAX_NAME], source[1]
    if len(data) > 4 * (UPLOAD.file_bytes // 3 + 2):  # larger than any file the guard takes
        return failure(msg("the checkpoint is {size} bytes, more than the {limit} allowed",
                           size=len(data) * 3 // 4, limit=UPLOAD.file_bytes))  # fmt: skip
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return failure(msg("a checkpoint request is a file's name and its bytes"))
    try:
        parsed = parse_checkpoint(raw, UPLOAD)  # "the file": the page names it before the reason
        check_limits(parsed.config)
    except Exception as err:  # noqa: BLE001  (a visitor's file: every failure is a refusal)
        said = reason(err)
        return failure(said if not isinstance(said, str) else said[:300])
    return {"ok": True, "name": name, "state": encode(parsed.state)}
