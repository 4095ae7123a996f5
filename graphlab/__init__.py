"""graphlab: see, step through and train PyTorch's dynamic computation graphs.

>>> import torch, graphlab as gl
>>> x = torch.tensor([1.0, 2.0], requires_grad=True)
>>> graph = gl.capture((x * x).sum(), params={"x": x})
>>> "MulBackward0" in gl.to_dot(graph)
True
"""

from . import data, examples, models, train
from .capture import capture
from .diff import diff
from .graph import Edge, Graph, Node
from .modules import track_modules
from .record import BackwardStep, ForwardStep, LeafGrad, Recorder
from .render import GraphvizNotFound, to_dot, to_svg
from .sandbox import Evaluation, ExpressionError, Limits, evaluate
from .summarize import summarize

__all__ = [
    "BackwardStep",
    "ForwardStep",
    "LeafGrad",
    "Recorder",
    "Edge",
    "Evaluation",
    "ExpressionError",
    "Graph",
    "GraphvizNotFound",
    "Limits",
    "Node",
    "capture",
    "data",
    "diff",
    "evaluate",
    "examples",
    "models",
    "summarize",
    "to_dot",
    "to_svg",
    "train",
    "track_modules",
]
__version__ = "0.1.0"
