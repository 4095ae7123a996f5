"""Snapshots of the tensors a recording shows: values of small tensors, statistics of large ones.

A snapshot is taken the moment a value passes (an op's input, a gradient arriving at a node), so
in-place ops and the engine's in-place accumulation of gradients later cannot change it.

>>> v = snapshot(torch.tensor([1.0, 2.0]))
>>> v.shape, v.dtype, v.tensor.tolist()
(torch.Size([2]), 'float32', [1.0, 2.0])
>>> big = snapshot(torch.arange(10.0), max_values=4)
>>> big.tensor is None, big.stats
(True, {'min': 0.0, 'max': 9.0, 'mean': 4.5})
>>> to_plain(v)["value"]
[1.0, 2.0]
"""

from __future__ import annotations

from typing import Any

import torch

from graphlab.core.tensors import (
    SMALL_TENSOR,
    dtype_name,
    plain_number,
    tensor_stats,
    tensor_summary,
)

__all__ = ["MAX_VALUES", "Value", "snapshot", "to_plain"]

MAX_VALUES = 4096  # tensors up to this many elements are copied; larger ones are summarized


class Value:
    """One tensor as it was when it passed: ``tensor`` (a detached copy) when it had at most
    ``max_values`` elements, else None and ``stats`` (min, max, mean); ``shape``, ``dtype``.

    A small tensor's shape is read from its copy when asked: recordings make thousands of
    values, and a `torch.Size` each would be one more object for the collector to scan."""

    __slots__ = ("_shape", "dtype", "tensor", "stats")

    def __init__(
        self,
        shape: tuple[int, ...] | None,
        dtype: str,
        tensor: torch.Tensor | None = None,
        stats: dict[str, float] | None = None,
    ) -> None:
        self._shape, self.dtype, self.tensor, self.stats = shape, dtype, tensor, stats

    @property
    def shape(self) -> tuple[int, ...]:
        return self._shape if self._shape is not None else self.tensor.shape

    def __repr__(self) -> str:
        if self.tensor is not None:
            return f"Value({self.tensor.tolist()!r})"
        return f"Value(shape={self.shape}, dtype={self.dtype}, stats={self.stats})"


def snapshot(
    t: torch.Tensor | None, max_values: int = MAX_VALUES, copy: bool = True
) -> Value | None:
    """A `Value` of ``t`` now (None stays None). With ``copy=False`` a small tensor is kept
    by reference, for tensors nothing will change in place (gradients inside backward)."""
    if t is None:
        return None
    dtype = dtype_name(t.dtype)
    if t.numel() <= max_values:
        data = t.detach() if t.requires_grad else t  # gradients inside backward need no detach
        return Value(None, dtype, data.clone() if copy else data)
    return Value(t.shape, dtype, None, tensor_stats(t.detach()))


def to_plain(value: Value | None) -> dict[str, Any] | None:
    """Strict-JSON data: shape, dtype, and ``value`` (nested lists, at most 64 elements) or
    ``summary`` (min, max, mean)."""
    if value is None:
        return None
    if value.tensor is None or value.tensor.numel() > SMALL_TENSOR:
        plain: dict[str, Any] = {"shape": list(value.shape), "dtype": value.dtype}
        stats = value.stats if value.tensor is None else tensor_stats(value.tensor)
        if stats:
            plain["summary"] = {k: plain_number(v) for k, v in stats.items()}
        return plain
    info = tensor_summary(value.tensor)
    return {"shape": info["shape"], "dtype": info["dtype"], "value": info.get("value")}
