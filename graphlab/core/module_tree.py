"""The module tree of a captured graph: paths, per-module node counts, twins among siblings.

Module paths are qualified names ("layer1.0.conv1"); "" is the model itself.
"""

from __future__ import annotations

from .graph import Graph

__all__ = ["ModuleTree", "depth_first", "module_paths", "parent", "sort_key"]


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
        self.children: dict[str, list[str]] = {p: [] for p in self.paths}
        for p in self.paths:
            if p:
                self.children[parent(p)].append(p)
        for n in graph.nodes:
            if n.module is None:
                self.outside += 1
            else:
                self.direct[n.module] += 1
        self.signature = signatures(graph, self.paths)
        self.open: set[str] = set()

    def count(self) -> int:
        if "" not in self.paths:
            return self.outside
        return self.outside + (self._visible("") if "" in self.open else 1)

    def _visible(self, p: str) -> int:
        """Visible nodes inside open module `p`."""
        total = self.direct[p] + len(self._runs(p))
        return total + sum(self._visible(c) for c in self.children[p] if c in self.open)

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
            return count - before + 1
        up = parent(p)
        before = self._visible(p) + len(self._runs(up))
        self._drop(p)
        return count - before + len(self._runs(up))

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
