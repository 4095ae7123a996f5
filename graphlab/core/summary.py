"""Fit a graph into a node budget by collapsing modules and folding repeated blocks.

A collapsed module becomes one `kind="module"` node (its parameter count, input and output
shapes in `attrs`); consecutive numbered siblings with the same structure (`layer1.0`, `layer1.1`,
...) collapse together into one node, `Residual x 12`. Summarizing is a quotient of the graph:
every visible node stands for a set of original nodes and an edge joins two visible nodes when
any original edge did, so a connected graph stays connected. Nothing collapsed, nothing changed:
`summarize(g, max_nodes=None, expand=<every module>) == g`.

The budget is used, not undercut: levels are closed deepest first until the graph fits, then
modules reopened one by one while the next still fits (`budget.py`). `depth=` keeps modules below
a depth collapsed; `roll=True` draws all calls of a reused module as one node (`cell x 2000`).
Saved tensors never count against the budget, and are hidden once the graph does not fit unless
`saved=True`.

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

from .budget import cap_calls, close_levels, fill, first_open
from .collapse import collapse_mapped
from .fold import fold, visible_count
from .gcpause import gc_paused
from .graph import Graph
from .messages import Message, msg
from .module_tree import ModuleTree, module_paths

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
    hid_saved: bool = False  # saved tensors were hidden (enough to fit, if nothing else done)
    caps: dict[str, int] = field(default_factory=dict)  # unit -> most nodes its calls take
    # (graph, shown, original id -> shown id): drawn by plan_summary, since folding can change
    # the note; apply_summary reuses it for that same graph.
    drawn: tuple[Graph, Graph, dict[str, str]] | None = field(
        default=None, repr=False, compare=False
    )


def summarize(
    graph: Graph,
    max_nodes: int | None = MAX_NODES,
    expand: Iterable[str] | None = None,
    *,
    depth: int | None = None,
    roll: bool = False,
    saved: bool = False,
) -> Graph:
    """`graph` with at most `max_nodes` visible nodes, acyclic, connected where `graph` was.

    `expand`: modules to show opened (None: decide automatically: the deepest modules are
    collapsed first, then modules reopened while the next still fits, so the budget is used).
    Modules the budget forces closed are closed deepest first, those in `expand` last.
    `depth`: modules deeper than this are shown collapsed (0: the model as one box; 1: its
    children...). `roll`: each collapsed module run several times is one node (`cell x 2000`),
    where that closes no cycle, rather than one node per call. `saved`: keep saved tensors
    (otherwise hidden once the graph does not fit; they never count against the budget).
    Without module info the structure is folded instead. `meta["summary"]` says what was done
    (absent when nothing was), and when the budget could not be met.
    """
    return apply_summary(graph, plan_summary(graph, max_nodes, expand, depth=depth, roll=roll,
                                             saved=saved))  # fmt: skip


def summarize_mapped(
    graph: Graph, max_nodes: int | None = MAX_NODES, expand: Iterable[str] | None = None, **how
) -> tuple[Graph, dict[str, str]]:
    """`summarize` (same keywords), and the id of the shown node that stands for each node of
    `graph` (a hidden saved tensor: the node of the op that saved it)."""
    return _drawn(graph, plan_summary(graph, max_nodes, expand, **how))


def apply_summary(graph: Graph, plan: Summary) -> Graph:
    """`graph` drawn as `plan` says (for callers that also show the plan itself)."""
    return _drawn(graph, plan)[0]


def _drawn(graph: Graph, plan: Summary, base: Graph | None = None) -> tuple[Graph, dict[str, str]]:
    if plan.drawn is not None and plan.drawn[0] is graph:  # plan_summary drew it already
        return plan.drawn[1], plan.drawn[2]
    with gc_paused():  # a few objects per node, all kept: see gc_paused
        if base is None:  # `graph` less what the plan hides
            base = _without_saved(graph) if plan.hid_saved or plan.folded else graph
        shown, mapping = _draw(base, plan)
        return shown, _map_saved(graph, mapping)


def _without_saved(graph: Graph) -> Graph:
    return graph.without({"saved"}) if any(n.kind == "saved" for n in graph.nodes) else graph


def _map_saved(graph: Graph, mapping: dict[str, str]) -> dict[str, str]:
    """`mapping` with each hidden saved tensor mapped where the op that saved it is shown."""
    if len(mapping) < len(graph.nodes):
        for e in graph.edges:
            if e.kind == "saved" and e.src not in mapping and e.dst in mapping:
                mapping[e.src] = mapping[e.dst]
    return mapping


def _draw(graph: Graph, plan: Summary) -> tuple[Graph, dict[str, str]]:
    if plan.groups:
        caps = {i: plan.caps[g[0]] for i, g in enumerate(plan.groups) if g[0] in plan.caps}
        shown, mapping = collapse_mapped(graph, plan.groups, plan.note, caps)
    else:
        shown = Graph(list(graph.nodes), list(graph.edges), dict(graph.meta))
        mapping = {n.id: n.id for n in graph.nodes}
    visible = visible_count(shown)
    if plan.budget is None or visible <= plan.budget:
        if plan.groups and plan.visible != visible:  # a module drawn once per call
            plan.visible = visible
            _say(plan, shown)
        elif plan.note:  # saved tensors hidden, say
            shown.meta["summary"] = plan.note
        return shown, mapping
    # Modules could not make it fit (none known, or ops outside them): saved tensors are
    # hidden and, if that is not enough, the structure is folded.
    folded, again, met = fold(shown, plan.budget)
    plan.folded = visible_count(shown) > plan.budget
    plan.hid_saved = plan.hid_saved or not plan.folded
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
    graph: Graph,
    max_nodes: int | None = MAX_NODES,
    expand: Iterable[str] | None = None,
    *,
    depth: int | None = None,
    roll: bool = False,
    saved: bool = False,
) -> Summary:
    """The view `summarize` would draw, without drawing it (see `Summary`)."""
    with gc_paused():  # a few objects per node, all kept: see gc_paused
        return _plan_summary(graph, max_nodes, expand, depth, roll, saved)


def _plan_summary(graph, max_nodes, expand, depth, roll, saved) -> Summary:
    hide = not saved and max_nodes is not None and len(graph.nodes) > max_nodes
    base = _without_saved(graph) if hide else graph
    wanted = set(expand) if expand is not None else None
    tree = ModuleTree(base)
    tree.roll = roll
    tree.open = first_open(tree, wanted, depth)
    count, order = _fit(tree, max_nodes, wanted, depth)
    plan = _plan(graph, base, tree, count, max_nodes)
    if plan.over_budget or plan.groups or plan.hid_saved:  # folding may change the note
        plan.drawn = (graph, *_drawn(graph, plan, base))
    # The counts are estimates where a call splits in pieces: fewer opened until it fits.
    while order and plan.drawn and max_nodes and visible_count(plan.drawn[1]) > max_nodes:
        order = order[: len(order) // 2]
        tree.open, tree.cap = first_open(tree, wanted, depth), {}
        count, _ = _fit(tree, max_nodes, wanted, depth, keep=order)
        plan = _plan(graph, base, tree, count, max_nodes)
        plan.drawn = (graph, *_drawn(graph, plan, base))
    return plan


def _fit(tree: ModuleTree, budget: int | None, wanted, depth, keep=None) -> tuple[int, list]:
    """Open and close modules of `tree` to fit `budget`; the count and the modules reopened."""
    count = tree.count()
    if budget is None or (count <= budget and wanted is not None):
        return count, []
    if count > budget:
        count = close_levels(tree, count, budget, wanted)
    if count > budget and not tree.roll:
        count = cap_calls(tree, count, budget)
    if count > budget and "" in tree.open:
        count = tree.close("", count)
    if wanted is not None:
        return count, []
    if keep is not None:  # backing off: only these of the modules reopened before
        for p in keep:
            count = tree.opened(p, count)
        return count, list(keep)
    return fill(tree, count, budget, depth)


def _plan(graph: Graph, base: Graph, tree: ModuleTree, count: int, budget) -> Summary:
    groups = tree.groups()
    if budget is not None and count > budget and groups == [[""]]:
        # Most nodes belong to no module (ops attributed by their parameters only, say): one
        # box for the model would say nothing; the structure is folded instead (`_drawn`).
        tree.open, groups, count = set(), [], len(base.nodes)
    caps = {g[0]: c for g in groups if (c := tree.cost(g)) < max(tree.calls[p] for p in g)}
    plan = Summary(tree.open, groups, count, len(graph.nodes), budget=budget, caps=caps)
    plan.hid_saved = base is not graph
    plan.over_budget = budget is not None and count > budget
    plan.text = _note(plan)
    plan.note = str(plan.text or "")
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
    elif plan.hid_saved and not plan.groups:
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
