"""Gradients while training, read from the real step: per layer, the gradient's norm, how far the
optimizer moved the weights (``|Δw| / |w|``), histograms of weights and gradients, and the
fraction of each ReLU's units that gave nothing for the whole batch (dead).

``GradientWatch`` costs nothing until ``start()``: the loop then wraps every ``every``-th step in
``around_step``, which keeps a copy of the weights, adds forward hooks on the ReLU modules for that
one forward pass, and reads ``p.grad`` after the optimizer stepped (backward left it there).

>>> watch = GradientWatch()
>>> watch.around_step(None, 0) is _NOTHING  # nobody watches: no hooks, no copies
True
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import nn

from graphlab.core.messages import Message, msg

__all__ = [
    "EDGES", "EVERY", "GradientSample", "GradientWatch", "diagnose", "histogram_values",
    "log_histogram",
]  # fmt: skip

EVERY = 10  # a sample every this many steps
MAX_SAMPLES = 400  # then every other one is dropped: the whole run stays, at half the detail
LOW_POWER, BINS = -33, 50  # histograms of |value| per power of two, from 1.2e-10 to 1.3e5
HISTOGRAM_VALUES = 1 << 16
EDGES = [(LOW_POWER + k) * math.log10(2) for k in range(BINS + 1)]  # the bins' log10 bounds
EXPLODE_NORM, EXPLODE_RATIO = 100.0, 0.1  # a step that moves weights by 10% is far too big
VANISH = 1e-6  # a gradient a millionth of its weights' size: those weights stand still
DEAD = 0.5
_NOTHING = contextlib.nullcontext()


@dataclass(frozen=True)
class GradientSample:
    """What one sampled step did, per weight tensor (``layers``) and per ReLU (``relus``)."""

    step: int  # 1-based, like ``History.steps``
    layers: tuple[str, ...]  # e.g. "2 Linear": the module's name and kind
    grad_norm: tuple[float, ...]
    weight_norm: tuple[float, ...]  # before the step
    update_ratio: tuple[float, ...]  # |w_after - w_before| / |w_before|
    grad_hist: tuple[tuple[int, ...], ...]  # counts of log10|g| in ``EDGES``' bins
    weight_hist: tuple[tuple[int, ...], ...]
    relus: tuple[str, ...]
    dead: tuple[float, ...]  # fraction of units that were 0 for every image of the batch


def histogram_values(values: torch.Tensor) -> torch.Tensor:
    """The values a histogram counts: all of a small tensor, every k-th of a large one (at most
    ``HISTOGRAM_VALUES``), which keeps a sample of a big layer cheap."""
    flat = values.detach().flatten()
    return flat[:: max(1, math.ceil(len(flat) / HISTOGRAM_VALUES))]


def log_histogram(values: torch.Tensor) -> torch.Tensor:
    """Counts of ``|values|`` (``histogram_values`` of them) between the powers of two from
    ``2**LOW_POWER`` up (``EDGES`` in log10); smaller magnitudes (0 among them) count in the first
    bin, larger ones, inf and NaN in the last.

    >>> log_histogram(torch.tensor([0.0, 1e-3, 1e-3, float("nan")])).tolist()[:1]
    [1]
    """
    # A float32's exponent bits are floor(log2|x|) + 127 (for normal numbers): a shift reads the
    # bin, exact and far cheaper than a logarithm or a search among edges.
    magnitude = histogram_values(values).float().abs().nan_to_num(nan=math.inf)
    power = (magnitude.view(torch.int32) >> 23) - 127
    return torch.bincount((power - LOW_POWER).clamp(0, BINS - 1), minlength=BINS)


def dead_fraction(output: torch.Tensor) -> torch.Tensor:
    """The fraction of a ReLU's units (every feature, channel and position) that were zero for
    every image of the batch: units no image can train."""
    alive = (output.detach() > 0).flatten(1).any(0)
    return 1 - alive.float().mean()


class GradientWatch:
    """Samples gradient statistics every ``every`` steps while started; thread-safe to read."""

    def __init__(self) -> None:
        self.every: int | None = None
        self._samples: list[GradientSample] = []
        self._lock = threading.Lock()

    def start(self, every: int = EVERY) -> None:
        """Sample every ``every`` steps from the next one on (a page that shows the views)."""
        if not (isinstance(every, int) and every >= 1):
            raise ValueError(f"every must be a positive int, got {every!r}")
        self.every = every

    def stop(self) -> None:
        """No more hooks, copies or statistics (the samples so far stay)."""
        self.every = None

    def samples(self) -> list[GradientSample]:
        """The samples so far, oldest first (a copy of the list; samples are immutable)."""
        with self._lock:
            return list(self._samples)

    def around_step(self, model: nn.Module, step: int) -> contextlib.AbstractContextManager:
        """Wrap forward, backward and the optimizer's step of 0-based ``step``."""
        every = self.every
        if every is None or step % every:
            return _NOTHING
        return self._sampled(model, step + 1)

    @contextlib.contextmanager
    def _sampled(self, model: nn.Module, step: int) -> Iterator[None]:
        weights = [(name, p) for name, p in model.named_parameters() if p.dim() > 1]
        before = [p.detach().clone() for _, p in weights]
        relus = [(name, m) for name, m in model.named_modules() if isinstance(m, nn.ReLU)]
        dead: dict[str, torch.Tensor] = {}

        def hook(name: str):  # returns None, so the output goes on unchanged
            def read(_module: nn.Module, _inputs: object, output: torch.Tensor) -> None:
                dead.setdefault(name, dead_fraction(output))  # a module run twice: the first

            return read

        handles = [m.register_forward_hook(hook(name)) for name, m in relus]
        try:
            yield
        finally:
            for handle in handles:
                handle.remove()
        sample = _measure(model, step, weights, before, [n for n, _ in relus], dead)
        with self._lock:
            self._samples.append(sample)
            if len(self._samples) > MAX_SAMPLES:
                self._samples = self._samples[::-2][::-1]  # the newest stays


def _label(model: nn.Module, module: str) -> str:
    return f"{module} {type(model.get_submodule(module)).__name__}" if module else "model"


def _measure(model, step, weights, before, relus, dead) -> GradientSample:
    """Every number on the device first, then a few copies to the CPU: not one per layer."""
    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for _, p in weights]
    norms = torch.stack([g.detach().float().norm() for g in grads])
    w_norms = torch.stack([w.float().norm() for w in before])
    moved = torch.stack(
        [(p.detach() - w).float().norm() for (_, p), w in zip(weights, before, strict=True)]
    )
    hists = [torch.stack([log_histogram(t) for t in ts]) for ts in (grads, before)]
    zero = torch.zeros((), device=norms.device)
    fractions = torch.stack([dead.get(n, zero).to(norms.device) for n in relus] or [zero])
    numbers = [t.cpu().tolist() for t in (norms, w_norms, moved / w_norms, *hists, fractions)]
    g, w, ratio, g_hist, w_hist, dead_list = numbers
    return GradientSample(
        step=step,
        layers=tuple(_label(model, name.rpartition(".")[0]) for name, _ in weights),
        grad_norm=tuple(g), weight_norm=tuple(w), update_ratio=tuple(ratio),
        grad_hist=tuple(map(tuple, g_hist)), weight_hist=tuple(map(tuple, w_hist)),
        relus=tuple(_label(model, name) for name in relus),
        dead=tuple(dead_list[: len(relus)]),
    )  # fmt: skip


def diagnose(sample: GradientSample) -> list[Message]:
    """Warnings about one sample, each with what to try: exploding or vanishing gradients,
    mostly dead ReLUs."""
    found = []
    rows = zip(sample.layers, sample.grad_norm, sample.update_ratio, strict=True)
    for layer, g, ratio in rows:
        if not math.isfinite(g) or g > EXPLODE_NORM or ratio > EXPLODE_RATIO:
            found.append(msg(
                "Gradients are exploding: layer {layer} has a gradient norm of {norm:.2g} and an "
                "update/weight ratio of {ratio:.2g} (healthy: about 0.001). Try a smaller "
                "learning rate, gradient clipping (torch.nn.utils.clip_grad_norm_) or "
                "normalization layers.",
                layer=layer, norm=g, ratio=ratio))  # fmt: skip
            break
    else:
        # Dead ReLUs pass no gradient back: their own warning says why, and what to try.
        explained = any(fraction > DEAD for fraction in sample.dead)
        layers = () if explained else sample.layers
        for layer, g, w in zip(layers, sample.grad_norm, sample.weight_norm, strict=False):
            if g < VANISH * w:
                found.append(msg(
                    "Gradients are vanishing: layer {layer} has a gradient norm of {norm:.2g}, "
                    "less than a millionth of its weights, which barely move. Try a larger "
                    "learning rate, ReLU instead of sigmoid or tanh, or a better initialization.",
                    layer=layer, norm=g))  # fmt: skip
                break
    for relu, fraction in zip(sample.relus, sample.dead, strict=True):
        if fraction > DEAD:
            found.append(msg(
                "{percent:.0%} of the units of {layer} are dead (zero for every image): they no "
                "longer learn. Try a smaller learning rate or LeakyReLU.",
                percent=fraction, layer=relu))  # fmt: skip
    return found
