"""The module tree of a captured graph: paths, per-module node counts, twins among siblings.

Module paths are qualified names ("layer1.0.conv1"); "" is the model itself. Counts leave saved
tensors out: a summary hides them, and where shown they do not count against the budget. A
collapsed module run several times costs one node per call (see `calls.py`), or fewer where its
later calls are rolled into one node (`cap`). A module with parameters shows at most SHARED_CALLS
calls one by one: each call reads the parameters the first call's box holds, and Graphviz lays
out such fans of long edges slowly (40 calls of an RNN cell: over a second; 60: over 20 s).
"""

from __future__ import annotations

from .graph import Graph

SHARED_CALLS = 24

__all__ = ["SHARED_CALLS", "ModuleTree", "depth_first", "module_paths", "parent", "sort_key"]


def module_paths(graph: Graph) -> list[str]:
    """Every module path in `graph` and its ancestors ("" is the root), parents first."""
    paths = {""} if any(n.module is not None for n in graph.nodes) else set()
    for n in graph.nodes:
        m = n.module
        while m and m not in paths:
            paths.add(m)
            m = parent(m)
    return sorted(paths, key=sort_key)


class ModuleTree:
    """Module tree with per-module node counts; keeps the visible-node count incrementally."""

    def __init__(self, graph: Graph) -> None:
        self.paths = module_paths(graph)
        self.direct: dict[str, int] = dict.fromkeys(self.paths, 0)
        self.outside = 0
        self.calls: dict[str, int] = dict.fromkeys(self.paths, 1)  # calls recorded per module
        self.params: set[str] = set()  # modules with parameters inside
        self.cap: dict[str, int] = {}  # unit (first path) -> the most nodes its calls may take
        self.roll = False  # every collapsed unit drawn as one node, however many calls it made
        self.children: dict[str, list[str]] = {p: [] for p in self.paths}
        for p in self.paths:
            if p:
                self.children[parent(p)].append(p)
        for n in graph.nodes:
            if n.kind == "saved":
                continue
            if n.module is None:
                self.outside += 1
            else:
                self.direct[n.module] += 1
                if n.kind == "param":
                    self._has_params(n.module)
            if "calls" in n.attrs:  # "act=2, act.inner=2": the later calls of those modules
                for part in n.attrs["calls"].split(", "):
                    path, _, k = part.rpartition("=")
                    if path in self.calls and k.isdigit():
                        self.calls[path] = max(self.calls[path], int(k))
        self.signature = signatures(graph, self.paths)
        self.open: set[str] = set()

    def count(self) -> int:
        if "" not in self.paths:
            return self.outside
        return self.outside + (self._visible("") if "" in self.open else self.cost([""]))

    def _has_params(self, p: str | None) -> None:
        while p is not None and p not in self.params:
            self.params.add(p)
            p = parent(p) if p else None

    def cost(self, run: list[str]) -> int:
        """Nodes a collapsed unit draws: one per call, unless rolled or capped."""
        calls = 1 if self.roll else max(self.calls[p] for p in run)
        if calls > SHARED_CALLS and run[0] in self.params:
            calls = SHARED_CALLS
        return min(calls, self.cap.get(run[0], calls))

    def _visible(self, p: str) -> int:
        """Visible nodes inside open module `p`."""
        total = self.direct[p] + self._run_cost(p)
        return total + sum(self._visible(c) for c in self.children[p] if c in self.open)

    def _run_cost(self, p: str) -> int:
        return sum(self.cost(r) for r in self._runs(p))

    def _runs(self, p: str) -> list[list[str]]:
        """Closed children of open `p`, consecutive numbered twins folded into runs."""
        runs: list[list[str]] = []
        last: str | None = None
        for c in self.children[p]:
            if c in self.open:
                last = None
                continue
            if last is not None and self._twins(last, c):
                runs[-1].append(c)
            else:
                runs.append([c])
            last = c
        return runs

    def _twins(self, a: str, b: str) -> bool:
        ia, ib = a.rpartition(".")[2], b.rpartition(".")[2]
        return (
            ia.isdigit()
            and ib.isdigit()
            and int(ib) == int(ia) + 1
            and self.signature[a] == self.signature[b]
        )

    def close(self, p: str, count: int) -> int:
        """Close `p` (and everything inside it); return the new visible count."""
        if p == "":
            before = self._visible("")
            self._drop("")
            return count - before + self.cost([""])
        up = parent(p)
        before = self._visible(p) + self._run_cost(up)
        self._drop(p)
        return count - before + self._run_cost(up)

    def opened(self, p: str, count: int) -> int:
        """Open closed `p` (its parent is open; its children stay closed); the new count."""
        if p == "":
            self.open.add(p)
            return count - self.cost([""]) + self._visible("")
        up = parent(p)
        before = self._run_cost(up)
        self.open.add(p)
        return count - before + self._run_cost(up) + self._visible(p)

    def _drop(self, p: str) -> None:
        stack = [p]
        while stack:
            q = stack.pop()
            if q in self.open:
                self.open.discard(q)
                stack.extend(self.children[q])

    def groups(self) -> list[list[str]]:
        if "" in self.paths and "" not in self.open:
            return [[""]]
        out: list[list[str]] = []
        for p in self.paths:
            if p in self.open:
                out.extend(self._runs(p))
        return out


def signatures(graph: Graph, paths: list[str]) -> dict[str, int]:
    """A hash of each module's contents (relative module paths, kinds, names, shapes)."""
    parts: dict[str, list[tuple]] = {p: [] for p in paths}
    for n in graph.nodes:
        m = n.module
        while m is not None:
            rel = n.module[len(m) :] if m else n.module
            name = n.name
            if n.kind == "param" and m and name.startswith(m + "."):
                name = name[len(m) :]  # `layer1.0.conv1.weight` and `layer1.1...` are twins
            parts[m].append((rel, n.kind, name, n.shape))
            m = parent(m) if m else None
    return {p: hash(tuple(sorted(map(hash, v)))) for p, v in parts.items()}


def depth_first(path: str) -> tuple:
    return (-path.count("."), sort_key(path))


def parent(path: str) -> str:
    return path.rpartition(".")[0]


def sort_key(path: str) -> tuple:
    """Model order for numbered children: `layer1.2` before `layer1.10`."""
    return (
        tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in path.split("."))
        if path
        else ()
    )
