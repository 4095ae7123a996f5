"""Pictures of graphs: DOT text and SVG, whole graphs, module views, and Step Through frames.

The function listing a recording's frames stays in :mod:`graphlab.render.frames` (import it from
there): bound here under its name, it would hide that module, so that
``import graphlab.render.frames as m`` gave the function.
"""

from .dot import RANKDIRS, GraphvizNotFound, dot_to_svg, to_dot, to_svg
from .filters import gradient_only
from .frames import Frame, Highlight, frame_dot, highlight, next_frame
from .palette import COLORS, EDGE_HIGHLIGHT, HIGHLIGHT, LEGEND_TEXT
from .text import module_label, node_label, tooltip

__all__ = [
    "COLORS", "EDGE_HIGHLIGHT", "HIGHLIGHT", "LEGEND_TEXT", "RANKDIRS", "Frame",
    "GraphvizNotFound", "Highlight", "dot_to_svg", "frame_dot", "gradient_only", "highlight",
    "module_label", "next_frame", "node_label", "to_dot", "to_svg", "tooltip",
]  # fmt: skip
