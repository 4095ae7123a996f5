"""Fit a graph into a node budget by collapsing modules and folding repeated blocks.

A collapsed module becomes one `kind="module"` node (its parameter count, input and output
shapes in `attrs`); consecutive numbered siblings with the same structure (`layer1.0`, `layer1.1`,
...) collapse together into one node, `Residual x 12`. Summarizing is a quotient of the graph:
every visible node stands for a set of original nodes and an edge joins two visible nodes when
any original edge did, so a connected graph stays connected. Nothing collapsed, nothing changed:
`summarize(g, max_nodes=None, expand=<every module>) == g`.

The picture is acyclic: a module instance that ran several times is drawn once per call
(`relu (call 2)`, see `calls.py`). When modules cannot make the graph fit (none known: the
forward ran outside `track_modules`; or most ops outside any module), saved tensors are hidden
and the structure is folded (`fold.py`): long chains, repeated blocks and groups of similar
inputs become one node each. If even that cannot meet the budget, the note says so.

>>> from graphlab import models
>>> g = models.graph(models.spec_of("resnet"))
>>> small = summarize(g, max_nodes=40)
>>> len(small.nodes) <= 40, small.meta["summary"].startswith("Summarized")
(True, True)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .collapse import collapse_mapped
from .fold import fold, visible_count
from .gcpause import gc_paused
from .graph import Graph
from .messages import Message, msg
from .module_tree import ModuleTree, depth_first, module_paths, parent, sort_key

__all__ = [
    "MAX_NODES", "Summary", "apply_summary", "close_module",
    "collapsed_module_at", "collapsed_modules", "module_paths",
    "open_modules", "plan_summary", "summarize", "summarize_mapped",
]  # fmt: skip

MAX_NODES = 300  # the most nodes a summarized view draws: Model Graph's cap, the CLI's default


@dataclass
class Summary:
    """Which modules a summarized view opens, collapses and folds, and how many nodes it shows."""

    open: set[str]
    groups: list[list[str]]  # each collapsed unit: one module, or a run of folded siblings
    visible: int
    total: int
    note: str = ""  # what the summary did, in English (`text`, said in the learner's language)
    over_budget: bool = False
    text: Message | None = None
    budget: int | None = None
    folded: bool = False  # the structure was folded too (module info was not enough)
    hid_saved: bool = False  # hiding the saved tensors was enough to fit
    # (graph, shown, original id -> shown id): drawn by plan_summary, since folding can change
    # the note; apply_summary reuses it for that same graph.
    drawn: tuple[Graph, Graph, dict[str, str]] | None = field(
        default=None, repr=False, compare=False
    )


def summarize(
    graph: Graph, max_nodes: int | None = MAX_NODES, expand: Iterable[str] | None = None
) -> Graph:
    """`graph` with at most `max_nodes` nodes, acyclic, connected where `graph` was.

    `expand`: modules to show opened (None: decide automatically, collapsing the deepest modules
    first). Modules the budget forces closed are closed deepest first, those in `expand` last.
    Without module info the structure is folded instead. `meta["summary"]` says what was done
    (absent when nothing was), and when the budget could not be met.
    """
    return apply_summary(graph, plan_summary(graph, max_nodes, expand))


def summarize_mapped(
    graph: Graph, max_nodes: int | None = MAX_NODES, expand: Iterable[str] | None = None
) -> tuple[Graph, dict[str, str]]:
    """`summarize`, and the id of the shown node that stands for each node of `graph` (a hidden
    saved tensor: the node of the op that saved it)."""
    return _drawn(graph, plan_summary(graph, max_nodes, expand))


def apply_summary(graph: Graph, plan: Summary) -> Graph:
    """`graph` drawn as `plan` says (for callers that also show the plan itself)."""
    return _drawn(graph, plan)[0]


def _drawn(graph: Graph, plan: Summary) -> tuple[Graph, dict[str, str]]:
    if plan.drawn is not None and plan.drawn[0] is graph:  # plan_summary drew it already
        return plan.drawn[1], plan.drawn[2]
    with gc_paused():  # a few objects per node, all kept: see gc_paused
        return _draw(graph, plan)


def _draw(graph: Graph, plan: Summary) -> tuple[Graph, dict[str, str]]:
    if plan.groups:
        shown, mapping = collapse_mapped(graph, plan.groups, plan.note)
    else:
        shown = Graph(list(graph.nodes), list(graph.edges), dict(graph.meta))
        mapping = {n.id: n.id for n in graph.nodes}
    if plan.budget is None or len(shown.nodes) <= plan.budget:
        if plan.groups and plan.visible != len(shown.nodes):  # a module drawn once per call
            plan.visible = len(shown.nodes)
            _say(plan, shown)
        return shown, mapping
    # Modules could not make it fit (none known, or ops outside them): saved tensors are
    # hidden and, if that is not enough, the structure is folded.
    folded, again, met = fold(shown, plan.budget)
    plan.folded = visible_count(shown) > plan.budget
    plan.hid_saved = not plan.folded
    plan.over_budget, plan.visible = not met, len(folded.nodes)
    _say(plan, folded)
    return folded, {k: again[v] for k, v in mapping.items() if v in again}


def _say(plan: Summary, shown: Graph) -> None:
    """Put what `plan` did now into its note and into `shown.meta["summary"]`."""
    plan.text = _note(plan)
    plan.note = str(plan.text or "")
    if plan.note:
        shown.meta["summary"] = plan.note
    else:
        shown.meta.pop("summary", None)


def plan_summary(
    graph: Graph, max_nodes: int | None = MAX_NODES, expand: Iterable[str] | None = None
) -> Summary:
    """The view `summarize` would draw, without drawing it (see `Summary`)."""
    tree = ModuleTree(graph)
    wanted = set(expand) if expand is not None else None
    if wanted is None:
        tree.open = set(tree.paths)
    else:
        tree.open = {""} if "" in tree.paths else set()
        for p in wanted:
            while p in tree.paths and p not in tree.open:
                tree.open.add(p)
                p = parent(p) if p else None  # type: ignore[assignment]
    count = tree.count()
    if max_nodes is not None and count > max_nodes:
        # Whole levels, deepest first, so the view stays uniform; what the visitor opened last.
        levels: dict[int, list[str]] = {}
        for p in tree.open:
            if p and not (wanted and p in wanted):
                levels.setdefault(p.count("."), []).append(p)
        for depth in sorted(levels, reverse=True):
            for p in sorted(levels[depth], key=sort_key):
                if p in tree.open:
                    count = tree.close(p, count)
            if count <= max_nodes:
                break
        mine = sorted(wanted & tree.open - {""} if wanted else (), key=depth_first)
        for p in mine:
            if count <= max_nodes:
                break
            if p in tree.open:
                count = tree.close(p, count)
        if count > max_nodes and "" in tree.open:
            count = tree.close("", count)
    groups = tree.groups()
    if max_nodes is not None and count > max_nodes and groups == [[""]]:
        # Most nodes belong to no module (ops attributed by their parameters only, say): one
        # box for the model would say nothing; the structure is folded instead (`_drawn`).
        tree.open, groups, count = set(), [], len(graph.nodes)
    plan = Summary(tree.open, groups, count, len(graph.nodes), budget=max_nodes)
    plan.over_budget = max_nodes is not None and count > max_nodes
    plan.text = _note(plan)
    plan.note = str(plan.text or "")
    if plan.over_budget or groups:  # draw now: folding may change what the note says
        plan.drawn = (graph, *_drawn(graph, plan))
    return plan


def _note(plan: Summary) -> Message | None:
    """What a summary did, in words (None: nothing); `plan.note` is its English."""
    text: Message | str = ""
    if plan.groups:
        folded = sum(1 for g in plan.groups if len(g) > 1)
        values = {"total": plan.total, "shown": plan.visible,
                  "modules": sum(len(g) for g in plan.groups), "folded": folded}  # fmt: skip
        text = msg(
            "Summarized: {total:,} nodes shown as {shown:,}; {modules:,} modules collapsed "
            "(deepest first), {folded} runs of repeated blocks folded. Open a module to see "
            "inside.", **values,
        ) if folded else msg(
            "Summarized: {total:,} nodes shown as {shown:,}; {modules:,} modules collapsed "
            "(deepest first). Open a module to see inside.", **values,
        )  # fmt: skip
    # After the summary, if any (then the English has a space before it).
    if plan.over_budget:
        text = msg("{summary} Still {shown:,} nodes after folding: the budget of {budget:,} "
                   "cannot be met.", summary=text, shown=plan.visible, budget=plan.budget)  # fmt: skip
    elif plan.folded:
        text = msg("{summary} Folded by structure (no module says where the blocks are): "
                   "repeated blocks, long chains and groups of similar inputs are one node "
                   "each, {shown:,} nodes in all; saved tensors hidden.",
                   summary=text, shown=plan.visible)  # fmt: skip
    elif plan.hid_saved:
        text = msg("{summary} Saved tensors hidden to fit {budget:,} nodes.", summary=text,
                   budget=plan.budget)  # fmt: skip
    return text or None


def close_module(opened: Iterable[str], path: str) -> set[str]:
    """`opened` (an `expand`) with module `path` closed: without it and every module inside it.

    >>> sorted(close_module({"", "layer1", "layer1.0", "layer10"}, "layer1"))
    ['', 'layer10']
    """
    # Opening a module opens its parents (plan_summary), so an inner one left open would reopen it.
    return {p for p in opened if p != path and not p.startswith(path + ".")}


def collapsed_modules(shown: Graph) -> dict[str, str]:
    """Module path -> box label of each module a summarized graph shows collapsed (can open)."""
    return {n.attrs["path"]: n.name for n in shown.of_kind("module")}


def collapsed_module_at(shown: Graph, node_id: str | None) -> str | None:
    """The module path a summarized graph's node `node_id` stands for, if it is a collapsed
    module (what a click on it opens); None for any other node or id."""
    node = next((n for n in shown.nodes if n.id == node_id), None)
    return node.attrs.get("path") if node is not None and node.kind == "module" else None


def open_modules(plan: Summary) -> list[str]:
    """The modules `plan` shows open that can be closed: all but the whole model ("")."""
    return sorted(p for p in plan.open if p)
