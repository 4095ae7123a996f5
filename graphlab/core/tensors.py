"""Tensors as plain, strict-JSON data: values of small ones, statistics of large ones.

>>> tensor_summary(torch.tensor([1.0, float("inf")]))["value"]
[1.0, 'inf']
"""

from __future__ import annotations

import math
from typing import Any

import torch

__all__ = ["SMALL_TENSOR", "dtype_name", "plain_number", "tensor_stats", "tensor_summary"]

_dtype_names: dict[torch.dtype, str] = {}


def dtype_name(dtype: torch.dtype) -> str:
    """`float32` for `torch.float32` (cached: it is asked once per tensor)."""
    name = _dtype_names.get(dtype)
    if name is None:
        name = _dtype_names[dtype] = str(dtype).removeprefix("torch.")
    return name


SMALL_TENSOR = 64  # tensors up to this many elements travel as nested lists


def tensor_stats(data: torch.Tensor) -> dict[str, float]:
    """min, max and mean (in float64) of a detached tensor; empty for complex or meta ones."""
    if data.is_complex() or data.device.type == "meta" or not data.numel():
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
    return plain_number(values)


def tensor_summary(tensor: torch.Tensor) -> dict[str, Any]:
    """Plain data describing a tensor: shape, dtype, the values if small, else statistics.

    >>> tensor_summary(torch.tensor([1.0, 2.0]))["value"]
    [1.0, 2.0]
    """
    data = tensor.detach()
    info: dict[str, Any] = {
        "shape": list(data.shape),
        "dtype": dtype_name(data.dtype),
        "requires_grad": tensor.requires_grad,
        "is_leaf": tensor.is_leaf,
        # The op that made it, as autograd names it: None for leaves and for what needs no grad.
        "grad_fn": type(tensor.grad_fn).__name__ if tensor.grad_fn is not None else None,
    }
    if data.numel() <= SMALL_TENSOR:
        info["value"] = _nested(data.tolist())
    elif stats := tensor_stats(data):
        info["summary"] = {k: plain_number(v) for k, v in stats.items()}
    # Only leaves and retain_grad() tensors have a .grad; asking others makes torch warn.
    if (tensor.is_leaf or tensor.retains_grad) and tensor.grad is not None:
        info["grad"] = tensor_summary(tensor.grad)
    return info
