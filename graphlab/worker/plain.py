"""Plain data with tensors, as JSON: how a worker hands a parsed checkpoint back to the server.

The server never unpickles what a visitor sent. A worker does (``torch.load(weights_only=True)``
behind its checks) and replies with this encoding: a tensor is its dtype, shape and raw bytes
(base64); a tuple and a dict with keys that are not strings say so. :func:`decode` builds
tensors only from bytes the reply already holds, in a few plain dtypes, and checks that each
tensor's shape matches its bytes, so the server allocates nothing from a number it was told.

>>> import json
>>> state = {"w": torch.arange(6.0).reshape(2, 3), 0: (1, None, 2.5), "s": "x"}
>>> back = decode(json.loads(json.dumps(encode(state))))
>>> torch.equal(back["w"], state["w"]), back[0], back["s"]
(True, (1, None, 2.5), 'x')
"""

from __future__ import annotations

import base64
import math
from typing import Any

import torch

__all__ = ["DTYPES", "PlainError", "decode", "encode"]

# What a trainer's checkpoint holds: weights and optimizer state, step counts, the generator's
# state, test predictions.
DTYPES = {str(d).removeprefix("torch."): d for d in (
    torch.float32, torch.float64, torch.float16, torch.bfloat16,
    torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool,
)}  # fmt: skip
MAX_DEPTH = 16
_TENSOR, _TUPLE, _ITEMS = "__tensor__", "__tuple__", "__items__"


class PlainError(ValueError):
    """A reply that is not this encoding (a damaged or hostile worker)."""


def encode(value: Any, depth: int = 0) -> Any:
    """``value`` (dicts, lists, tuples, strings, numbers, None, tensors) as JSON-ready data."""
    if depth > MAX_DEPTH:
        raise PlainError("nested too deeply")
    if isinstance(value, torch.Tensor):
        t = value.detach().cpu().contiguous()
        if str(t.dtype).removeprefix("torch.") not in DTYPES:
            raise PlainError(f"a tensor of dtype {t.dtype}")
        raw = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        data = base64.b64encode(raw).decode("ascii")
        return {_TENSOR: [str(t.dtype).removeprefix("torch."), list(t.shape), data]}
    if isinstance(value, dict):
        items = [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: v for k, v in items}
        return {_ITEMS: items}
    if isinstance(value, list | tuple):
        values = [encode(v, depth + 1) for v in value]
        return {_TUPLE: values} if isinstance(value, tuple) else values
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise PlainError(f"a value of type {type(value).__name__}")


def decode(value: Any, depth: int = 0) -> Any:
    """What :func:`encode` encoded; ``PlainError`` for anything else."""
    if depth > MAX_DEPTH:
        raise PlainError("nested too deeply")
    if isinstance(value, list):
        return [decode(v, depth + 1) for v in value]
    if isinstance(value, dict):
        if _TENSOR in value:
            return _tensor(value[_TENSOR])
        if _TUPLE in value:
            return tuple(decode(v, depth + 1) for v in _list(value[_TUPLE]))
        if _ITEMS in value:
            return {_key(decode(k, depth + 1)): decode(v, depth + 1) for k, v in _pairs(value)}
        return {k: decode(v, depth + 1) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise PlainError(f"a value of type {type(value).__name__}")


def _tensor(fields: Any) -> torch.Tensor:
    if not (isinstance(fields, list) and len(fields) == 3 and fields[0] in DTYPES):
        raise PlainError("a tensor of unknown form")
    dtype, shape, data = DTYPES[fields[0]], fields[1], fields[2]
    if not (isinstance(shape, list) and all(_size(n) for n in shape) and isinstance(data, str)):
        raise PlainError("a tensor of unknown form")
    try:
        raw = base64.b64decode(data, validate=True)
    except ValueError:
        raise PlainError("a tensor's bytes are not base64") from None
    if math.prod(shape) * dtype.itemsize != len(raw):  # its shape must be its bytes
        raise PlainError("a tensor's shape does not match its bytes")
    if not raw:
        return torch.empty(shape, dtype=dtype)
    return torch.frombuffer(bytearray(raw), dtype=dtype).reshape(shape)


def _size(n: Any) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 2**40


def _list(value: Any) -> list:
    if not isinstance(value, list):
        raise PlainError("a tuple of unknown form")
    return value


def _pairs(value: dict) -> list:
    pairs = _list(value[_ITEMS])
    if not all(isinstance(p, list) and len(p) == 2 for p in pairs):
        raise PlainError("a mapping of unknown form")
    return pairs


def _key(key: Any) -> Any:
    if isinstance(key, list | dict):
        raise PlainError("a mapping key that is not a plain value")
    return key
