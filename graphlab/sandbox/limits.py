"""The budget of one evaluation: size, memory and compute checked *before* the work is done.

Every torch call first runs on copies of its tensor arguments on the ``meta`` device, which
computes shapes and dtypes without allocating or computing anything. From that dry run the
budget learns each result's element count and bytes, estimates the FLOPs, and refuses the call
if any limit would be passed; only then does the real call run.

>>> budget = Budget(Limits(max_numel=10))
>>> budget.dry_run("torch.zeros", torch.zeros, (100,), {"device": "meta"})
Traceback (most recent call last):
...
graphlab.sandbox.limits.LimitExceeded: torch.zeros: this would make a tensor of 100 elements ...
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import torch

from . import costs
from .errors import ExpressionError, Limits, msg

__all__ = ["Budget", "LimitExceeded", "clean_error", "short_name", "tensors_in", "to_meta"]

# Ops costing about 2·K FLOPs per output element, K the inner (last) size of the first input.
_INNER_PRODUCT = frozenset({"matmul", "mm", "bmm", "mv", "dot", "linear", "@", "@="})
_CONV = frozenset({"conv1d", "conv2d"})
_SORTING = frozenset({"sort", "argsort", "topk", "unique"})
_SHARES_STORAGE = frozenset({"detach", "detach_", "requires_grad_", "retain_grad", "data"})


def tensors_in(value: object) -> list[torch.Tensor]:
    """Tensors in a value, in order, through lists, tuples and dict values (no recursion)."""
    found: list[torch.Tensor] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, torch.Tensor):
            found.append(item)
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            stack.extend(reversed(item.values()))
    return found


class LimitExceeded(ExpressionError):
    """A budget would be passed (as opposed to a call that is wrong in itself)."""


def short_name(name: str) -> str:
    """``matmul`` for ``torch.matmul``, ``.matmul()`` or ``F.matmul``; ``@`` for `` `@` ``."""
    return name.rsplit(".", 1)[-1].strip("`()")


def to_meta(value: object) -> object:
    """A copy of ``value`` with each tensor replaced by an empty one of the same shape, strides
    and dtype on the ``meta`` device (so view rules still apply)."""
    if isinstance(value, torch.Tensor):
        return torch.empty_strided(value.shape, value.stride(), dtype=value.dtype, device="meta")
    if isinstance(value, list):
        return [to_meta(v) for v in value]
    if isinstance(value, tuple) and not isinstance(value, torch.Size):
        return tuple(to_meta(v) for v in value)
    if isinstance(value, dict):
        return {k: to_meta(v) for k, v in value.items()}
    return value


def clean_error(err: BaseException) -> str:
    """The first meaningful line of a torch or Python error, without C++ frames."""
    text = str(err).strip() or type(err).__name__
    line = text.splitlines()[0].strip()
    for marker in (" (Triggered internally", "Exception raised from"):
        line = line.split(marker)[0]
    return line[:300]


def _is_data_dependent(err: BaseException) -> bool:
    """Whether a dry-run failure means 'the meta device cannot know', not 'the call is wrong'."""
    return isinstance(err, NotImplementedError) or "meta" in str(err).lower()


class Budget:
    """Running totals of one evaluation, and the checks against its limits."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.flops = 0
        self.bytes = 0
        self.steps = 0
        self._deadline = (
            None if limits.max_seconds is None else time.monotonic() + limits.max_seconds
        )

    # -- interpreter steps -------------------------------------------------------------------
    def step(self) -> None:
        """Count one syntax-tree node; refuse past the step limit or the deadline."""
        self.steps += 1
        if self.steps > self.limits.max_steps:
            raise LimitExceeded(
                msg(
                    "the program runs more than {steps} steps; use fewer or shorter loops",
                    steps=format(self.limits.max_steps, ","),
                )
            )
        if self._deadline is not None and self.steps % 64 == 0:
            self.check_time()

    def check_time(self) -> None:
        if self._deadline is not None and time.monotonic() > self._deadline:
            seconds = f"{self.limits.max_seconds:g}"
            raise LimitExceeded(msg("the program took longer than {seconds} s", seconds=seconds))

    # -- tensor work ---------------------------------------------------------------------------
    def dry_run(
        self,
        name: str,
        fn: Callable[..., object],
        args: tuple[object, ...],
        kwargs: dict[str, object],
    ) -> object:
        """Run ``fn`` on meta copies, charge its estimated cost, and return the meta result.

        Raises ExpressionError (without a position; the interpreter adds it) when the call is
        wrong or too expensive. A call whose result size depends on the data is charged its
        worst case instead (:mod:`graphlab.sandbox.costs`), before it runs.
        """
        short = short_name(name)
        self._charge_pieces(name, costs.pieces(short, args, kwargs))
        try:
            worst = costs.plan(short, args, kwargs)
        except RuntimeError as err:  # shapes that cannot broadcast: PyTorch's words
            raise ExpressionError(f"{name}: {clean_error(err)}") from None
        if worst is not None and worst.shapes is not None:
            return self._charge_worst(name, worst)
        meta_args, meta_kwargs = to_meta(args), to_meta(kwargs)
        if worst is not None:  # a value-dependent size, now read: the dry run can use it
            self.charge(name, worst.flops, 0)
            meta_args, meta_kwargs = _explicit(short, meta_args, meta_kwargs, worst.meta_kwargs)
        try:
            with torch.no_grad():
                out = fn(*meta_args, **meta_kwargs)
        except Exception as err:  # torch raises many types; all mean "refuse this call"
            if _is_data_dependent(err):
                raise ExpressionError(
                    msg(
                        "{name}: the size of this result depends on the data, so it cannot be "
                        "checked before running; pass explicit sizes",
                        name=name,
                    )
                ) from None
            raise ExpressionError(f"{name}: {clean_error(err)}") from None  # PyTorch's words
        window = costs.pool_window(short, args, kwargs, out)
        self.charge_result(name, tensors_in((meta_args, meta_kwargs)), out, window)
        return out

    def charge_result(
        self, name: str, inputs: list[torch.Tensor], out: object, window: int = 1
    ) -> None:
        """Check sizes, memory and FLOPs of a result computed by a dry run.

        ``window``: input elements each output element reads (pooling), 1 otherwise.
        """
        outputs = tensors_in(out)
        for tensor in outputs:
            self.check_numel(name, tensor.shape)
        fresh = [
            t
            for t in outputs
            if not t._is_view()
            and all(t is not i for i in inputs)
            and short_name(name) not in _SHARES_STORAGE
        ]
        inner = costs.inner_work(short_name(name), inputs)  # broadcast inside a reduction
        new_bytes = sum(t.numel() * t.element_size() for t in fresh)
        new_bytes += inner * max((t.element_size() for t in inputs), default=4)
        flops = _estimate_flops(name, inputs, outputs) + window * sum(t.numel() for t in outputs)
        self.charge(name, flops + 4 * inner, new_bytes)

    def _charge_worst(self, name: str, worst: costs.Plan) -> None:
        """Charge the worst case of a data-dependent result (no dry run: meta cannot count)."""
        for shape in worst.shapes or ():
            if math.prod(shape) > self.limits.max_numel:
                raise LimitExceeded(
                    msg(
                        "{name}: the size of this result depends on the data; at most it has "
                        "{numel} elements (shape {shape}), past the limit of {limit} per tensor; "
                        "use smaller tensors",
                        name=name,
                        numel=format(math.prod(shape), ","),
                        shape=str(list(shape)),
                        limit=format(self.limits.max_numel, ","),
                    )
                )
        self.charge(name, worst.flops, worst.bytes)

    def _charge_pieces(self, name: str, count: int | None) -> None:
        """Refuse a call returning too many tensors before any of them (meta ones too) exists."""
        if count is None:
            return
        if count > self.limits.max_items:
            raise LimitExceeded(
                msg(
                    "{name}: this would make {count} separate tensors; the limit is {limit}; "
                    "split into fewer, larger pieces",
                    name=name,
                    count=format(count, ","),
                    limit=format(self.limits.max_items, ","),
                )
            )
        self.charge(name, count * costs.PIECE_FLOPS, count * costs.PIECE_BYTES)

    def check_numel(self, name: str, shape: torch.Size) -> None:
        numel = math.prod(shape)
        if numel > self.limits.max_numel:
            raise LimitExceeded(
                msg(
                    "{name}: this would make a tensor of {numel} elements (shape {shape}); "
                    "the limit is {limit} per tensor",
                    name=name,
                    numel=format(numel, ","),
                    shape=str(list(shape)),
                    limit=format(self.limits.max_numel, ","),
                )
            )

    def charge(self, name: str, flops: int, new_bytes: int) -> None:
        """Add to the totals, refusing (before the work is done) if a budget would be passed."""
        if self.bytes + new_bytes > self.limits.max_bytes:
            raise LimitExceeded(
                msg(
                    "{name}: the program would allocate {size} of tensors in all; "
                    "the limit is {limit}; use smaller tensors",
                    name=name,
                    size=_mb(self.bytes + new_bytes),
                    limit=_mb(self.limits.max_bytes),
                )
            )
        if self.flops + flops > self.limits.max_flops:
            raise LimitExceeded(
                msg(
                    "{name}: the program would need about {flops} of compute; the limit is "
                    "{limit}; use smaller tensors or fewer iterations",
                    name=name,
                    flops=_flops(self.flops + flops),
                    limit=_flops(self.limits.max_flops),
                )
            )
        self.bytes += new_bytes
        self.flops += flops


def _estimate_flops(name: str, inputs: list[torch.Tensor], outputs: list[torch.Tensor]) -> int:
    """Rough FLOPs of one call: inputs read plus outputs written, times the work per element."""
    out_numel = sum(t.numel() for t in outputs)
    base = sum(t.numel() for t in inputs) + out_numel
    short = short_name(name)
    if short in _INNER_PRODUCT and inputs and inputs[0].dim() > 0:
        return base + 2 * out_numel * inputs[0].shape[-1]
    if short in _CONV and len(inputs) >= 2 and inputs[1].dim() > 0:
        weight = inputs[1]
        return base + 2 * out_numel * (weight.numel() // max(weight.shape[0], 1))
    if short in _SORTING:
        return base * max(1, math.ceil(math.log2(base + 2)))
    return base


def _explicit(short: str, args: object, kwargs: object, sizes: dict) -> tuple:
    """Meta arguments with a size read from the data given explicitly (``num_classes`` of
    one_hot may have been passed by position, as -1)."""
    args = tuple(args)  # type: ignore[arg-type]
    if short == "one_hot":
        args = args[:1]
        kwargs = {k: v for k, v in kwargs.items() if k != "num_classes"}  # type: ignore[union-attr]
    return args, {**kwargs, **sizes}  # type: ignore[dict-item]


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


def _flops(n: int) -> str:
    if n < 100_000:  # a small limit (a test's, a lesson's) reads as a count, not "0.0 MFLOP"
        return f"{n:,} FLOP"
    return f"{n / 1e9:.2f} GFLOP" if n >= 1e8 else f"{n / 1e6:.1f} MFLOP"
