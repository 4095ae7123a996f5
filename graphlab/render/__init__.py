"""Pictures of graphs: DOT text and SVG, whole graphs, module views, and Step Through frames."""

from .dot import RANKDIRS, GraphvizNotFound, dot_to_svg, to_dot, to_svg
from .filters import gradient_only
from .frames import Frame, Highlight, frame_dot, frames, highlight, next_frame
from .palette import COLORS, EDGE_HIGHLIGHT, HIGHLIGHT, LEGEND_TEXT
from .text import module_label, node_label, tooltip

__all__ = [
    "COLORS", "EDGE_HIGHLIGHT", "HIGHLIGHT", "LEGEND_TEXT", "RANKDIRS", "Frame",
    "GraphvizNotFound", "Highlight", "dot_to_svg", "frame_dot", "frames", "gradient_only",
    "highlight", "module_label", "next_frame", "node_label", "to_dot", "to_svg", "tooltip",
]  # fmt: skip
