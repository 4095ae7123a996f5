"""Tensors as plain, strict-JSON data: values of small ones, statistics of large ones.

>>> tensor_summary(torch.tensor([1.0, float("inf")]))["value"]
[1.0, 'inf']
"""

from __future__ import annotations

import math
from typing import Any

import torch

__all__ = [
    "SMALL_TENSOR", "dtype_name", "plain_number", "plain_sizes", "shape_of", "tensor_stats",
    "tensor_summary",
]  # fmt: skip

_dtype_names: dict[torch.dtype, str] = {}


def dtype_name(dtype: torch.dtype) -> str:
    """`float32` for `torch.float32` (cached: it is asked once per tensor)."""
    name = _dtype_names.get(dtype)
    if name is None:
        name = _dtype_names[dtype] = str(dtype).removeprefix("torch.")
    return name


def plain_sizes(sizes) -> tuple[int | str, ...]:
    """Sizes as plain data: ints, and text where symbolic (a jagged nested tensor's `j1`).

    >>> plain_sizes(torch.Size([2, 3]))
    (2, 3)
    """
    return tuple(d if type(d) is int else str(d) for d in sizes)


def shape_of(t: torch.Tensor) -> tuple[int | str, ...] | None:
    """The shape of any tensor as plain data; a ragged dim of a strided nested tensor as text
    "min..max" (it has no single size: `t.shape` raises); None when even that cannot be read.

    >>> shape_of(torch.nested.as_nested_tensor([torch.ones(2, 3), torch.ones(4, 3)]))
    (2, '2..4', 3)
    """
    try:
        return plain_sizes(t.shape)
    except RuntimeError:
        pass
    try:
        parts = t._nested_tensor_size()  # one row of sizes per component
        if not len(parts):
            return (0,) + ("?",) * (t.dim() - 1)
        low, high = parts.min(0).values.tolist(), parts.max(0).values.tolist()
    except (AttributeError, RuntimeError):
        return None
    return (len(parts), *(a if a == b else f"{a}..{b}" for a, b in zip(low, high, strict=True)))


SMALL_TENSOR = 64  # tensors up to this many elements travel as nested lists


def _readable(data: torch.Tensor, small: bool) -> torch.Tensor | None:
    """`data` as a dense tensor whose values can be read, or None: nested and meta tensors have
    no such values, and a sparse one is made dense only when `small`."""
    if data.is_nested or data.device.type == "meta":
        return None
    if data.is_quantized:
        data = data.dequantize()
    if data.layout != torch.strided:
        return data.to_dense() if small else None
    return data


def tensor_stats(data: torch.Tensor) -> dict[str, float]:
    """min, max and mean (in float64) of a detached tensor; empty for complex, meta, nested and
    large sparse ones."""
    if data.is_complex() or data.is_nested or not data.numel():
        return {}
    data = _readable(data, data.numel() <= SMALL_TENSOR)
    if data is None:
        return {}
    if not data.is_floating_point():
        data = data.double()
    low, high = torch.aminmax(data)
    return {"min": low.item(), "max": high.item(), "mean": data.mean(dtype=torch.float64).item()}


def plain_number(value: float | int | bool) -> float | int | bool | str:
    """JSON has no NaN or infinity: send them as the strings "nan", "inf", "-inf"."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def _nested(values: Any) -> Any:
    if isinstance(values, list):
        return [_nested(v) for v in values]
    if isinstance(values, complex):  # JSON has no complex numbers either
        return str(values)
    return plain_number(values)


def tensor_summary(tensor: torch.Tensor) -> dict[str, Any]:
    """Plain data describing a tensor: shape, dtype, the values if small, else statistics.

    >>> tensor_summary(torch.tensor([1.0, 2.0]))["value"]
    [1.0, 2.0]
    """
    data = tensor.detach()
    info: dict[str, Any] = {
        "shape": None if (shape := shape_of(data)) is None else list(shape),
        "dtype": dtype_name(data.dtype),
        "requires_grad": tensor.requires_grad,
        "is_leaf": tensor.is_leaf,
        # The op that made it, as autograd names it: None for leaves and for what needs no grad.
        "grad_fn": type(tensor.grad_fn).__name__ if tensor.grad_fn is not None else None,
    }
    small = not data.is_nested and data.numel() <= SMALL_TENSOR
    if small and (dense := _readable(data, small=True)) is not None:
        info["value"] = _nested(dense.tolist())
    elif not small and (stats := tensor_stats(data)):
        info["summary"] = {k: plain_number(v) for k, v in stats.items()}
    # Only leaves and retain_grad() tensors have a .grad; asking others makes torch warn.
    if (tensor.is_leaf or tensor.retains_grad) and tensor.grad is not None:
        info["grad"] = tensor_summary(tensor.grad)
    return info
