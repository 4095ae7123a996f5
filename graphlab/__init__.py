"""graphlab: see, step through and train PyTorch's dynamic computation graphs.

>>> import torch, graphlab as gl
>>> x = torch.tensor([1.0, 2.0], requires_grad=True)
>>> graph = gl.capture((x * x).sum(), params={"x": x})
>>> "MulBackward0" in gl.to_dot(graph)
True

Only the public API lives here; each name is imported on first use (PEP 562), so
``import graphlab`` stays cheap and ``python -m graphlab.worker`` loads only what it needs.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_WHERE = {
    "Edge": "graphlab.core",
    "Graph": "graphlab.core",
    "Node": "graphlab.core",
    "capture": "graphlab.core",
    "diff": "graphlab.core",
    "summarize": "graphlab.core",
    "track_modules": "graphlab.core",
    "GraphvizNotFound": "graphlab.render",
    "to_dot": "graphlab.render",
    "to_svg": "graphlab.render",
    "BackwardStep": "graphlab.record",
    "ForwardStep": "graphlab.record",
    "LeafGrad": "graphlab.record",
    "Recorder": "graphlab.record",
    "trace_forward": "graphlab.record",
    "Evaluation": "graphlab.sandbox",
    "ExpressionError": "graphlab.sandbox",
    "Limits": "graphlab.sandbox",
    "evaluate": "graphlab.sandbox",
}
_PACKAGES = ("core", "render", "record", "sandbox", "models", "data", "train", "worker",
             "lessons", "cli")  # fmt: skip

__all__ = sorted([*_WHERE, *_PACKAGES])


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
    elif name in _PACKAGES:
        value = importlib.import_module(f"graphlab.{name}")
    else:
        raise AttributeError(f"module 'graphlab' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    # The API and the module's dunders; not the helpers this file imports (`importlib`, `Any`),
    # which tab completion would otherwise offer as `gl.Any`.
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})
