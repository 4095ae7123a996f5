"""The words in a drawing: node labels, tooltips, and the DOT quoting that all of them go through.

Every label, tooltip and cluster title goes through `quote`, so no tensor, parameter or module
name can end a string, start an HTML label or inject markup: names from visitors are hostile on
the hosted demo.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from graphlab.core.graph import Graph, Node, shape_text
from graphlab.core.messages import N_, Message, msg
from graphlab.core.variables import VARIABLE

__all__ = [
    "MAX_LABEL",
    "MAX_TOOLTIP",
    "clip",
    "module_label",
    "module_tooltip",
    "node_choices",
    "node_label",
    "quote",
    "tooltip",
]

MAX_LABEL = 60
MAX_TOOLTIP = 400
# Graphviz reads `\x` sequences and `&name;` entities inside labels, so both are neutralised;
# control characters other than newline and tab are dropped.
_ESCAPES = str.maketrans(
    {
        **dict.fromkeys(chr(c) for c in range(32)),
        "\\": "\\\\",
        '"': '\\"',
        "\n": "\\n",
        "\t": " ",
        "&": "&amp;",
    }
)


def node_label(node: Node, shape: str | None = None) -> str:
    """The text shown in a node's box (before escaping); `shape`: its shape text, if known."""
    name = clip(node.name)
    if node.kind == "op":
        held = node.attrs.get(VARIABLE)
        return f"{name}\n→ {clip(held, 24)}" if held else name
    if node.shape is None:
        return name
    return f"{name}\n{shape_text(node.shape) if shape is None else shape}"


def tooltip(node: Node, shape: str | None = None) -> str:
    text = f"{node.kind}: {node.name}\nshape {shape_text(node.shape) if shape is None else shape}"
    if node.dtype:
        text += f"\ndtype {node.dtype}"
    if node.module is not None:
        text += f"\nmodule {node.module or '(root)'}"
    if node.attrs:
        text += "".join([f"\n{k} = {v}" for k, v in node.attrs.items()])
    return clip(text, MAX_TOOLTIP)


def module_label(n: Node) -> str:
    """A collapsed module's box: its name, type (or `Type x 12`), parameter count."""
    a = n.attrs
    what = a.get("folded") or a.get("type", "")
    return f"{n.name}\n{what}\n{a.get('params', '0')} params"


def module_tooltip(n: Node) -> str:
    a = n.attrs
    text = f"module {a.get('path') or '(model)'} ({a.get('type', '')})"
    if "members" in a:
        text += f"\nfolded: {a['members']}"
    text += f"\ninputs {a.get('inputs', '—')}\noutputs {a.get('outputs', '—')}"
    return text + f"\n{a.get('params', '0')} parameters, {a.get('nodes', '?')} nodes inside"


def clip(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(text: str) -> str:
    """A DOT double-quoted string that shows `text` literally."""
    if text.replace("\n", " ").isprintable():  # the usual case: no control character but newline
        # The same escapes as `_ESCAPES`, by `str.replace`, which is several times faster.
        text = text.replace("\\", "\\\\").replace('"', '\\"').replace("&", "&amp;")
        return '"' + text.replace("\n", "\\n") + '"'
    return '"' + text.translate(_ESCAPES) + '"'


def _same(text: str) -> str:
    return text


def node_choices(
    graph: Graph,
    names: Mapping[str, str] | None = None,
    *,
    show_saved: bool = True,
    gettext: Callable[[str], str] = _same,
) -> dict[str, str]:
    """Node id -> how an inspector lists it: names a learner recognizes (the variable, the
    parameter, the module; "h" after an op when `names` says variable h holds its result), never
    internal ids, and only the nodes drawn (saved tensors only with `show_saved`). The words
    around the names are English, or said by `gettext` (the app's, for the visitor's language).

    >>> from graphlab.core.graph import Edge
    >>> g = Graph([Node("o0", "output", "y"), Node("n1", "op", "MulBackward0"),
    ...            Node("n2", "leaf", "x"), Node("s0", "saved", "self")],
    ...           [Edge("n2", "n1"), Edge("n1", "o0"), Edge("s0", "n1", 0, "saved")])
    >>> node_choices(g, {"n1": "y"})
    {'o0': 'y (output)', 'n1': 'MulBackward0 → y', 'n2': 'x (leaf)', 's0': 'self, saved by MulBackward0'}
    """
    names = names or {}
    saved_by = {e.src: graph.node(e.dst).name for e in graph.edges if e.kind == "saved"}
    out: dict[str, str] = {}
    seen: dict[str, int] = {}
    for n in graph.nodes:
        if n.kind == "saved" and not show_saved:
            continue
        held = names.get(n.id) or n.attrs.get(VARIABLE)
        label = _choice(n, held, saved_by.get(n.id), gettext)
        seen[label] = seen.get(label, 0) + 1
        out[n.id] = label if seen[label] == 1 else f"{label} #{seen[label]}"
    return out


_KINDS = {"leaf": N_("leaf"), "param": N_("parameter"), "output": N_("output"),
          "module": N_("module")}  # fmt: skip


def _choice(n: Node, held: str | None, saved_by: str | None, gettext: Callable) -> str:
    name = clip(n.name)
    if n.kind == "op":
        return f"{name} → {held}" if held and held != n.name else name
    if n.kind == "saved":
        op: str | Message = saved_by if saved_by is not None else msg("its op")
        return msg("{name}, saved by {op}", name=name, op=op).render(gettext)
    kind = _KINDS.get(n.kind)
    return f"{name} ({gettext(kind) if kind else n.kind})"
