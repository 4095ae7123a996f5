"""The autograd graph as plain data: capture it, tag modules, summarize and diff it.

The lowest layer: it imports no other part of graphlab (the one exception, a Graph drawing
itself in Jupyter, is listed in the import contract).
"""

from .device import DEVICES, available_devices, pick_device
from .gcpause import gc_paused
from .graph import EDGE_KINDS, NODE_KINDS, Edge, Graph, Node, shape_text
from .graph_diff import Difference, GraphDiff, diff
from .modules import MODULE_KEY, NO_SEQUENCE, next_sequence, tag_new_nodes, track_modules
from .summary import (
    MAX_NODES,
    Summary,
    apply_summary,
    close_module,
    collapsed_module_at,
    collapsed_modules,
    module_paths,
    open_modules,
    plan_summary,
    summarize,
)
from .tensors import SMALL_TENSOR, dtype_name, plain_number, tensor_stats, tensor_summary
from .variables import VARIABLE, name_ops
from .walk import capture, capture_ids, may_hold_tensors

__all__ = [
    "DEVICES", "EDGE_KINDS", "MAX_NODES", "MODULE_KEY", "NODE_KINDS", "NO_SEQUENCE",
    "SMALL_TENSOR", "VARIABLE", "Difference", "Edge", "Graph", "GraphDiff", "Node", "Summary",
    "apply_summary", "available_devices", "capture", "capture_ids", "close_module",
    "collapsed_module_at", "collapsed_modules", "diff", "dtype_name", "gc_paused", "may_hold_tensors", "module_paths",
    "name_ops", "next_sequence", "open_modules", "pick_device", "plain_number", "plan_summary", "shape_text",
    "summarize", "tag_new_nodes", "tensor_stats", "tensor_summary", "track_modules",
]  # fmt: skip
