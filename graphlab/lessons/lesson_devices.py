"""Lesson 15, Devices: what this machine has (asked of torch when the page runs), the device
picker's choice (`graphlab.core.device`), what happens when a model and its data are on
different devices or of different dtypes, and a matmul timed on each device.

A machine without a GPU still shows every error: the `meta` device (shapes and dtypes, no
numbers) is in every PyTorch, and torch checks a meta tensor against a CPU one as it checks a
GPU tensor against a CPU one.

>>> "cpu" in devices_here() and devices_here()[-1] == "meta"
True
>>> forward("meta", "float32", "cpu", "float32").error_type
'RuntimeError'
>>> forward("cpu", "float32", "cpu", "float32").out_device
'cpu'
>>> PREDICT.answer(), [q.answer() for q in QUESTIONS]
('RuntimeError', ['(cpu, meta)', 'RuntimeError', 'False'])
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import torch
from torch import nn

from graphlab.core.device import DEVICES, available_devices, pick_device
from graphlab.core.messages import msg

from .checks import Question

__all__ = [
    "DEVICES", "DTYPES", "PREDICT", "QUESTIONS", "REPEATS", "SIZES", "Facts", "Forward", "Timing",
    "devices_here", "facts", "forward", "pick", "saw", "timings",
]  # fmt: skip

DTYPES = ("float32", "float64")
SIZES = (64, 128, 256, 512)  # matmul sizes n (n x n by n x n): at most ~0.3 GFLOP on the CPU
REPEATS = 5


def devices_here() -> tuple[str, ...]:
    """Where a tensor can go on this machine: `cpu`, each accelerator present, and `meta`."""
    return ("cpu", *(d for d in available_devices() if d not in ("auto", "cpu")), "meta")


@dataclass(frozen=True)
class Facts:
    """What torch says about this machine, and what the picker makes of it."""

    cuda: bool
    mps: bool
    gpus: int
    available: tuple[str, ...]
    picked: str
    cuda_backward: bool  # hasattr(torch.cuda, "backward"): there is no such function

    @property
    def accelerator(self) -> bool:
        return self.cuda or self.mps


def facts() -> Facts:
    """Asked of torch now: the page shows this machine's answers, not the author's."""
    mps = getattr(torch.backends, "mps", None)
    return Facts(
        cuda=torch.cuda.is_available(),
        mps=bool(mps is not None and mps.is_available()),
        gpus=torch.cuda.device_count(),
        available=tuple(available_devices()),
        picked=str(pick_device()),
        cuda_backward=hasattr(torch.cuda, "backward"),
    )


def pick(requested: str) -> tuple[str | None, str | None]:
    """(`str(pick_device(requested))`, None), or (None, the words of the ValueError it raises
    for a device this machine lacks)."""
    if requested not in DEVICES:
        raise ValueError(msg("requested must be one of {options}, not {got}",
                             options=", ".join(DEVICES), got=repr(requested)))  # fmt: skip
    try:
        return str(pick_device(requested)), None
    except ValueError as err:
        return None, str(err)


@dataclass(frozen=True)
class Forward:
    """`nn.Linear(3, 2)` on one device and dtype applied to `x` (4 x 3) on another: the output's
    device, dtype and values (none on meta), or PyTorch's error."""

    model_device: str
    model_dtype: str
    data_device: str
    data_dtype: str
    out_device: str | None = None
    out_dtype: str | None = None
    values: tuple[tuple[float, ...], ...] | None = None
    error_type: str | None = None
    error: str | None = None


def _linear() -> nn.Linear:
    # Built on meta and filled from a seeded generator: the global random state stays untouched.
    layer = nn.Linear(3, 2, device="meta").to_empty(device="cpu")
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        layer.weight.copy_(torch.randn(2, 3, generator=g))
        layer.bias.copy_(torch.randn(2, generator=g))
    return layer


def forward(model_device: str, model_dtype: str, data_device: str, data_dtype: str) -> Forward:
    """`model.to(model_device, model_dtype)(x.to(data_device, data_dtype))`, run by torch."""
    for name, value, options in (("model_device", model_device, devices_here()),
                                 ("data_device", data_device, devices_here()),
                                 ("model_dtype", model_dtype, DTYPES),
                                 ("data_dtype", data_dtype, DTYPES)):  # fmt: skip
        if value not in options:
            raise ValueError(msg("{name} must be one of {options}, not {got}",
                                 name=name, options=", ".join(options), got=repr(value)))  # fmt: skip
    model = _linear().to(device=model_device, dtype=getattr(torch, model_dtype))
    x = (
        torch.linspace(-1, 1, 12)
        .reshape(4, 3)
        .to(device=data_device, dtype=getattr(torch, data_dtype))
    )
    settings = (model_device, model_dtype, data_device, data_dtype)
    try:
        with torch.no_grad():
            y = model(x)
    except RuntimeError as err:  # PyTorch's own words: shown as they are
        return Forward(*settings, error_type=type(err).__name__, error=str(err))
    values = None if y.is_meta else tuple(tuple(row) for row in y.cpu().tolist())
    return Forward(*settings, out_device=y.device.type, out_dtype=str(y.dtype).removeprefix("torch."),
                   values=values)  # fmt: skip


@dataclass(frozen=True)
class Timing:
    """`a @ b` for n x n float32 matrices on `device`: the median of REPEATS runs (after one to
    warm up), GFLOP/s, and the largest difference from the CPU's product (None on meta, which
    computes no numbers)."""

    device: str
    n: int
    seconds: float
    max_diff: float | None

    @property
    def gflops(self) -> float | None:
        return None if self.device == "meta" else 2 * self.n**3 / self.seconds / 1e9


def _sync(device: str) -> None:
    # A GPU runs asynchronously: wait for it, or the clock measures only the launch.
    if device == "cuda":
        torch.cuda.synchronize()
    elif device == "mps":
        torch.mps.synchronize()


def timings(n: int) -> tuple[Timing, ...]:
    """A matmul of size `n` (one of SIZES) timed on each device of `devices_here()`."""
    if n not in SIZES:
        raise ValueError(msg("n must be one of {options}, not {got}",
                             options=", ".join(map(str, SIZES)), got=repr(n)))  # fmt: skip
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(n, n, generator=g), torch.randn(n, n, generator=g)
    reference = a @ b
    found = []
    for device in devices_here():
        x, y = a.to(device), b.to(device)
        product = x @ y  # warm-up: the first call on a device sets up its libraries
        _sync(device)
        times = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            product = x @ y
            _sync(device)
            times.append(time.perf_counter() - start)
        diff = None if device == "meta" else (product.cpu() - reference).abs().max().item()
        found.append(Timing(device, n, statistics.median(times), diff))
    return tuple(found)


def _outcome(run: Forward) -> str:
    return run.error_type if run.error_type else f"device='{run.out_device}'"


def _moved() -> str:
    x, model = torch.ones(2), _linear()
    x.to("meta")  # not assigned: a tensor's .to returns a new tensor
    model.to("meta")  # not assigned either: a module moves its own parameters
    return f"({x.device.type}, {model.weight.device.type})"


def _mixed_dtypes() -> str:
    run = forward("cpu", "float32", "cpu", "float64")
    return run.error_type or str(run.out_dtype)


PREDICT = Question("predict", ("device='cpu'", "device='meta'", "RuntimeError"),
                   lambda: _outcome(forward("meta", "float32", "cpu", "float32")))  # fmt: skip
QUESTIONS = (
    Question("to", ("(cpu, cpu)", "(cpu, meta)", "(meta, cpu)", "(meta, meta)"), _moved),
    Question("dtype", ("float32", "float64", "RuntimeError"), _mixed_dtypes),
    Question("cuda_backward", ("True", "False"), lambda: str(hasattr(torch.cuda, "backward"))),
)


def saw(run: Forward, times: tuple[Timing, ...]) -> dict[str, str]:
    """The numbers 'What you saw' quotes: this machine, the learner's forward, the timings."""
    here = facts()
    return {
        "cuda": str(here.cuda),
        "mps": str(here.mps),
        "picked": here.picked,
        "available": str(list(here.available)),
        "cuda_backward": str(here.cuda_backward),
        "model_device": run.model_device,
        "model_dtype": run.model_dtype,
        "data_device": run.data_device,
        "data_dtype": run.data_dtype,
        "outcome": _outcome(run) if run.error_type else f"{_outcome(run)}, dtype={run.out_dtype}",
        "error": run.error or "None",
        "n": str(times[0].n),
        "timings": ", ".join(f"`{t.device}` {t.seconds * 1e3:.3g} ms" for t in times),
    }
