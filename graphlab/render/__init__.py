"""Pictures of graphs: DOT text and SVG, whole graphs, module views, and Step Through frames."""

from .dot import (
    COLORS,
    EDGE_HIGHLIGHT,
    LEGEND_TEXT,
    RANKDIRS,
    GraphvizNotFound,
    dot_to_svg,
    node_label,
    to_dot,
    to_svg,
    tooltip,
)
from .frames import Frame, Highlight, frame_dot, frames, highlight, next_frame

__all__ = [
    "COLORS", "EDGE_HIGHLIGHT", "LEGEND_TEXT", "RANKDIRS", "Frame", "GraphvizNotFound",
    "Highlight", "dot_to_svg", "frame_dot", "frames", "highlight", "next_frame", "node_label",
    "to_dot", "to_svg", "tooltip",
]  # fmt: skip
