"""What the training loop does differently on an accelerator: the data copied from pinned memory
without blocking, and the forward pass in mixed precision (``TrainConfig.precision``).

The same code runs on every device: on the CPU the copy is a plain ``.to``, ``bf16`` autocasts
too (``torch.autocast("cpu", dtype=torch.bfloat16)``), and ``fp16`` is refused before a run
starts (``config.check_precision``).

>>> with autocast("bf16", torch.device("cpu")):
...     torch.nn.Linear(2, 2)(torch.ones(1, 2)).dtype
torch.bfloat16
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Sequence

import torch

from .config import autocast_dtype

__all__ = ["autocast", "backward", "to_device"]

# One loss scaler per optimizer (its trainer's), created at the first fp16 step.
_SCALERS: weakref.WeakKeyDictionary[torch.optim.Optimizer, torch.amp.GradScaler] = (
    weakref.WeakKeyDictionary()
)


def to_device(tensors: Sequence[torch.Tensor], device: torch.device) -> list[torch.Tensor]:
    """``tensors`` on ``device``; to a GPU from pinned memory without blocking, so the copies
    overlap each other and whatever the host does next (the first step waits for them)."""
    if device.type != "cuda":
        return [t.to(device) for t in tensors]
    return [t.pin_memory().to(device, non_blocking=True) for t in tensors]


def autocast(precision: str, device: torch.device) -> contextlib.AbstractContextManager:
    """The context the forward pass runs in: autocast to ``precision``'s dtype, or none at all
    (fp32: a disabled ``torch.autocast`` still costs 30-60 us a step, 1% of an MLP step)."""
    dtype = autocast_dtype(precision)
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=dtype)


def backward(loss: torch.Tensor, precision: str, optimizer: torch.optim.Optimizer) -> None:
    """``loss.backward()``; in ``fp16``, through a ``GradScaler``.

    Small fp16 gradients underflow, so backward runs on the loss times a scale that is divided
    back out at once: the optimizer and the gradient watch then see true gradients. A step whose
    gradients overflowed is skipped, as ``GradScaler.step`` does (the gradients are dropped, so
    the optimizer has nothing to apply), and the scale shrinks.
    """
    if precision != "fp16":
        loss.backward()
        return
    scaler = _SCALERS.get(optimizer)
    if scaler is None:
        scaler = _SCALERS[optimizer] = torch.amp.GradScaler(loss.device.type)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grads = [p.grad for group in optimizer.param_groups for p in group["params"]]
    finite = [g.isfinite().all() for g in grads if g is not None]
    if finite and not bool(torch.stack(finite).all()):
        optimizer.zero_grad(set_to_none=True)
    scaler.update()
