"""Order and cycle checks on graphs given as adjacency lists, without recursion.

Summaries draw a quotient of the captured graph (each shown node stands for a set of original
nodes). These helpers give a topological order that follows the forward pass closely, so that
repeated blocks line up, and find the sets of shown nodes that would form a cycle.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

__all__ = ["forward_order", "cycles"]


def forward_order(nodes: Sequence[Hashable], preds: Mapping) -> list:
    """`nodes` in a topological order (inputs before the ops that read them) that places each
    node as late as possible: a value used far downstream is drawn where it is used, not at the
    start. Ties keep a depth-first post-order, so identical blocks get identical orders.

    >>> forward_order("abcde", {"c": ["b"], "d": ["c"], "e": ["a", "d"]})
    ['b', 'c', 'a', 'd', 'e']
    """
    post = _post_order(nodes, preds)
    rank = {v: i for i, v in enumerate(post)}
    height = dict.fromkeys(post, 0)  # longest path from a node to a sink
    for v in reversed(post):  # consumers before their inputs
        h = height[v] + 1
        for u in preds.get(v, ()):
            if height[u] < h:
                height[u] = h
    return sorted(post, key=lambda v: (-height[v], rank[v]))


def _post_order(nodes: Sequence[Hashable], preds: Mapping) -> list:
    """Depth-first post-order over inputs: every node after all of its inputs."""
    order: list = []
    seen: set = set()
    for root in reversed(nodes):  # captured graphs list the outputs first: start from the end
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(preds.get(root, ())))]
        while stack:
            v, it = stack[-1]
            for u in it:
                if u not in seen:
                    seen.add(u)
                    stack.append((u, iter(preds.get(u, ()))))
                    break
            else:
                stack.pop()
                order.append(v)
    return order


def cycles(nodes: Sequence[Hashable], succs: Mapping) -> list[list]:
    """The strongly connected components of more than one node (Tarjan's, iterative); an
    acyclic graph without self-loops has none.

    >>> cycles("abc", {"a": ["b"], "b": ["a", "c"]})
    [['b', 'a']]
    """
    index: dict = {}
    low: dict = {}
    on: set = set()
    stack: list = []
    out: list[list] = []
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(succs.get(root, ())))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(succs.get(w, ()))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(comp)
    return out
