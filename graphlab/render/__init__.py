"""Pictures of graphs: DOT text and SVG, whole graphs, module views, and Step Through frames.

The function listing a recording's frames stays in :mod:`graphlab.render.frames` (import it from
there): bound here under its name, it would hide that module, so that
``import graphlab.render.frames as m`` gave the function.
"""

from .clusters import cluster_paths
from .dot import RANKDIRS, GraphvizNotFound, dot_to_svg, to_dot, to_svg
from .filters import gradient_only
from .fit import fit_budget
from .frames import Frame, Highlight, frame_dot, highlight, next_frame
from .legend import ROLE_TEXT, Key, legend_keys
from .palette import COLORS, EDGE_HIGHLIGHT, HIGHLIGHT, LEGEND_TEXT
from .text import module_label, node_label, tooltip

__all__ = [
    "COLORS", "EDGE_HIGHLIGHT", "HIGHLIGHT", "LEGEND_TEXT", "RANKDIRS", "ROLE_TEXT", "Frame",
    "GraphvizNotFound", "Highlight", "Key", "cluster_paths", "dot_to_svg", "fit_budget", "frame_dot", "gradient_only",
    "highlight", "legend_keys", "module_label", "next_frame", "node_label", "to_dot", "to_svg",
    "tooltip",
]  # fmt: skip
