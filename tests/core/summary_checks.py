"""Independent checks of a summarized graph against the graph it summarizes.

Written apart from graphlab's own order and cycle helpers: Kahn's algorithm for acyclicity, a
plain union-find for connectivity.
"""

from __future__ import annotations

from torch import nn

from graphlab.core.graph import Graph


def acyclic(g: Graph) -> bool:
    """Kahn's algorithm: every node can be removed once its inputs are."""
    indegree = {n.id: 0 for n in g.nodes}
    out: dict[str, list[str]] = {n.id: [] for n in g.nodes}
    for e in {(e.src, e.dst) for e in g.edges}:
        if e[0] == e[1]:
            return False
        indegree[e[1]] += 1
        out[e[0]].append(e[1])
    ready = [v for v, d in indegree.items() if d == 0]
    removed = 0
    while ready:
        v = ready.pop()
        removed += 1
        for w in out[v]:
            indegree[w] -= 1
            if indegree[w] == 0:
                ready.append(w)
    return removed == len(g.nodes)


def components(ids, edges) -> int:
    root = {i: i for i in ids}

    def find(a):
        while root[a] != a:
            root[a] = root[root[a]]
            a = root[a]
        return a

    for a, b in edges:
        root[find(a)] = find(b)
    return len({find(i) for i in ids})


def check_quotient(original: Graph, shown: Graph, mapping: dict[str, str]) -> None:
    """Every original node stands in exactly one shown node, every shown node stands for some,
    every original edge between two shown nodes is drawn, and nothing got disconnected."""
    ids = {n.id for n in shown.nodes}
    assert len(ids) == len(shown.nodes)
    assert set(mapping) == {n.id for n in original.nodes}
    assert set(mapping.values()) == ids
    drawn = {(e.src, e.dst) for e in shown.edges}
    assert all(e.src in ids and e.dst in ids for e in shown.edges)
    for e in original.edges:
        a, b = mapping[e.src], mapping[e.dst]
        assert a == b or (a, b) in drawn, e
    kept = [n.id for n in original.nodes if n.kind != "saved"]
    keep = set(kept)
    plain = [(e.src, e.dst) for e in original.edges if e.src in keep and e.dst in keep]
    assert components(ids, [(e.src, e.dst) for e in shown.edges]) <= components(kept, plain)


class Basic(nn.Module):
    """torchvision's BasicBlock: `self.relu` runs twice per block."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(c, c, 3, padding=1), nn.Conv2d(c, c, 3, padding=1)
        self.bn1, self.bn2, self.relu = nn.BatchNorm2d(c), nn.BatchNorm2d(c), nn.ReLU()

    def forward(self, x):
        return self.relu(self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x))))) + x)
