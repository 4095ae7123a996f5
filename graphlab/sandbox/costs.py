"""What a call will cost, decided from its arguments before anything runs: the part of the cost
model that a dry run on the ``meta`` device cannot see (see :mod:`graphlab.sandbox.limits`).

- results whose size depends on the data (``masked_select``, ``nonzero``, ``unique``, ...) are
  charged their worst case, computed from the shapes (broadcast sizes) alone;
- ``repeat_interleave`` with a tensor of repeats and ``one_hot`` without ``num_classes`` read
  those values first (one pass over the small index tensor), so the dry run knows the size;
- calls returning many tensors (``split``, ``unbind``, ``chunk``) are charged per tensor, and
  refused before the dry run makes them all;
- pooling is charged per output element times its window; losses and distances that broadcast
  their inputs are charged the broadcast size they compute inside.

>>> plan("masked_select", (torch.ones(3, 1), torch.ones(1, 4, dtype=torch.bool)), {}).shapes
[torch.Size([12])]
>>> pieces("split", (torch.ones(10), 3), {})
4
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

__all__ = ["PIECE_BYTES", "PIECE_FLOPS", "Plan", "inner_work", "pieces", "plan", "pool_window"]

# A tensor object costs memory and time even when it shares its data (measured: ~650 bytes and
# ~3 µs per piece of `split(1)`), so calls returning many of them are charged per piece.
PIECE_BYTES = 640
PIECE_FLOPS = 1_000

_SPLITS = frozenset({"split", "chunk", "unbind", "tensor_split", "hsplit", "vsplit", "dsplit"})
_HOW = ("split_size_or_sections", "split_size", "chunks", "sections", "indices")
_FIXED_POOL = frozenset(f"{kind}_pool{d}d" for kind in ("max", "avg", "lp") for d in (1, 2, 3))
_ADAPTIVE_POOL = frozenset(
    f"adaptive_{kind}_pool{d}d" for kind in ("max", "avg") for d in (1, 2, 3)
)
# Functions that broadcast their inputs against each other and then reduce: the output is small,
# the work (and the intermediate tensor) is the broadcast size.
_BROADCAST_REDUCE = frozenset(
    [
        "mse_loss",
        "l1_loss",
        "smooth_l1_loss",
        "huber_loss",
        "kl_div",
        "binary_cross_entropy",
        "binary_cross_entropy_with_logits",
        "cosine_similarity",
        "pairwise_distance",
    ]
)


@dataclass
class Plan:
    """The worst case of a data-dependent call: its result ``shapes`` and ``bytes`` (shapes None:
    the dry run computes them, given ``meta_kwargs`` that make a size read from the values
    explicit), and the ``flops`` of the call or of reading those values."""

    shapes: list[torch.Size] | None = None
    bytes: int = 0
    flops: int = 0
    meta_kwargs: dict[str, object] = field(default_factory=dict)


def pieces(short: str, args: tuple, kwargs: dict) -> int | None:
    """How many tensors a splitting call returns (None for other calls), from sizes alone."""
    if short not in _SPLITS or not args or not isinstance(args[0], torch.Tensor):
        return None
    x, rest = args[0], args[1:]
    dim = kwargs.get("dim", rest[1] if len(rest) > 1 else 0)
    if short == "unbind":
        dim = kwargs.get("dim", rest[0] if rest else 0)
    size = _size(x, dim)
    if short == "unbind":
        return size
    how = rest[0] if rest else next((kwargs[k] for k in _HOW if k in kwargs), 1)
    if isinstance(how, (list, tuple)):
        return len(how) + (short != "split")
    if not isinstance(how, int) or isinstance(how, bool) or how <= 0:
        return 1  # torch refuses it; the dry run says why
    if short == "split":
        return max(1, -(-size // how))
    return min(how, max(size, 1)) if short == "chunk" else how


def plan(short: str, args: tuple, kwargs: dict) -> Plan | None:
    """The worst case of a call whose result size the dry run cannot know, or None."""
    tensors = [a for a in (*args, *kwargs.values()) if isinstance(a, torch.Tensor)]
    if not tensors:
        return None
    x = tensors[0]
    if short == "masked_select" and len(tensors) >= 2:
        n = math.prod(torch.broadcast_shapes(tensors[0].shape, tensors[1].shape))
        # both operands are expanded to the broadcast shape, then a prefix sum picks the result
        return Plan([torch.Size([n])], n * (x.element_size() + 9), 3 * n)
    if short in ("nonzero", "argwhere") or (short == "where" and len(args) == 1 and not kwargs):
        n, d = x.numel(), max(x.dim(), 1)
        shapes = [torch.Size([n])] * d if short == "where" else [torch.Size([n, d])]  # d tensors
        return Plan(shapes, 8 * n * d, 2 * n + n * d)
    if short == "unique":
        n = x.numel()
        sort = n * max(1, math.ceil(math.log2(n + 2)))
        return Plan([torch.Size([n])] * 3, n * (x.element_size() + 16), 2 * sort)
    if short == "repeat_interleave":
        return _repeat_plan(args, kwargs)
    if short == "one_hot":
        return _one_hot_plan(args, kwargs)
    return None


def _repeat_plan(args: tuple, kwargs: dict) -> Plan | None:
    """The output size of `repeat_interleave` read from its repeats (one pass over them)."""
    repeats = kwargs.get("repeats", args[1] if len(args) > 1 else None)
    if repeats is None and args and isinstance(args[0], torch.Tensor):
        repeats = args[0]  # torch.repeat_interleave(repeats): the indices, repeated
    if not isinstance(repeats, torch.Tensor) or not _integral(repeats) or repeats.numel() == 0:
        return None
    total = float(repeats.double().sum()) if repeats.numel() > 1 else float(repeats.double())
    if repeats.numel() == 1 and len(args) > 1 and isinstance(args[0], torch.Tensor):
        dim = kwargs.get("dim", args[2] if len(args) > 2 else None)
        total *= args[0].numel() if dim is None else _size(args[0], dim)
    total = int(min(max(total, 0.0), 2.0**62))
    return Plan(None, 0, repeats.numel(), {"output_size": total})


def _one_hot_plan(args: tuple, kwargs: dict) -> Plan | None:
    """`one_hot` without `num_classes` makes max(x) + 1 columns: read the max first."""
    classes = kwargs.get("num_classes", args[1] if len(args) > 1 else -1)
    x = args[0] if args else kwargs.get("tensor")
    if classes != -1 or not isinstance(x, torch.Tensor) or not _integral(x) or x.numel() == 0:
        return None
    return Plan(None, 0, x.numel(), {"num_classes": int(x.max()) + 1})


def pool_window(short: str, args: tuple, kwargs: dict, out: object) -> int:
    """Input elements each output element reads: the kernel of a pooling call, or for adaptive
    pooling the largest window from the input and output sizes (1 for other calls)."""
    if short in _FIXED_POOL:
        at = 2 if short.startswith("lp") else 1  # lp_pool takes norm_type first
        kernel = args[at] if len(args) > at else kwargs.get("kernel_size", 1)
        dims = int(short[-2])
        if isinstance(kernel, int):
            return max(kernel, 1) ** dims
        if isinstance(kernel, (list, tuple)) and all(isinstance(k, int) for k in kernel):
            return max(math.prod(kernel), 1) ** (dims if len(kernel) == 1 else 1)
        return 1
    if short in _ADAPTIVE_POOL and isinstance(out, (torch.Tensor, tuple)) and _tensor_first(args):
        result = out if isinstance(out, torch.Tensor) else out[0]
        dims = int(short[-2])
        sizes = zip(args[0].shape[-dims:], result.shape[-dims:], strict=False)
        return math.prod(_adaptive_window(i, o) for i, o in sizes)
    return 1


def inner_work(short: str, inputs: list[torch.Tensor]) -> int:
    """Elements a broadcasting reduction computes inside (0 for other calls)."""
    if short not in _BROADCAST_REDUCE or len(inputs) < 2:
        return 0
    try:
        return math.prod(torch.broadcast_shapes(inputs[0].shape, inputs[1].shape))
    except RuntimeError:
        return 0  # torch refuses it; the dry run says why


def _adaptive_window(size_in: int, size_out: int) -> int:
    """Largest window of adaptive pooling along one dimension (windows overlap by at most 1)."""
    if size_out <= 0:
        return 1
    if size_in % size_out == 0:
        return max(size_in // size_out, 1)
    return min(size_in, size_in // size_out + 2)


def _size(x: torch.Tensor, dim: object) -> int:
    if not isinstance(dim, int) or not -x.dim() <= dim < max(x.dim(), 1):
        return 1  # torch refuses a bad dim; the dry run says why
    return x.shape[dim] if x.dim() else 1


def _integral(t: torch.Tensor) -> bool:
    return not (t.is_floating_point() or t.is_complex() or t.dtype == torch.bool)


def _tensor_first(args: tuple) -> bool:
    return bool(args) and isinstance(args[0], torch.Tensor)
