"""Fit a graph into a node budget by its structure alone, for graphs without module info.

What `gl.capture(loss)` gives when the forward ran outside `track_modules`. Saved tensors are
hidden (they do not count). Then, until the graph fits:
1. leaves and parameters that feed the same ops with the same shape become one group (a stack of
   5,000 leaves: one node `x x 5000`);
2. the ops are put in a forward order and cut where a single value flows from one part to the
   next; consecutive parts that repeat (same op names, shapes and wiring) fold into one node: a
   long chain of one op into `SinBackward0 x 50000`, repeated blocks into `block x 660`;
3. what is still too many is cut into consecutive stretches of that order, one node each.
Every shown node stands for a set of original nodes; since the sets are stretches of a
topological order (or inputs without inputs, outputs without consumers), the picture is acyclic,
and connected wherever the input was.
"""

from __future__ import annotations

from .dag import forward_order
from .fold_draw import Piece, draw
from .graph import Edge, Graph

__all__ = ["fold", "visible_count"]

PERIODS = 8  # the longest repeat searched for, in parts
GROUP = 3  # the fewest similar inputs drawn as one group (a weight and a bias stay two)
SHARED_REPEATS = 8  # the most repeats drawn open that read an input drawn apart (see _choose)


def visible_count(graph: Graph) -> int:
    """Nodes a summary counts against its budget: all but saved tensors."""
    return sum(n.kind != "saved" for n in graph.nodes)


def fold(graph: Graph, max_nodes: int) -> tuple[Graph, dict[str, str], bool]:
    """`graph` without its saved tensors, folded to at most `max_nodes` nodes where possible; the
    shown node of each node of `graph`; whether it fits."""
    shown = [n.id for n in graph.nodes if n.kind != "saved"]
    keep = set(shown)
    edges = [e for e in graph.edges if e.src in keep and e.dst in keep]
    if len(shown) <= max_nodes:  # hiding the saved tensors is enough
        out, mapping = draw(
            graph, {u: [u] for u in shown}, [Piece([u], "plain") for u in shown], edges
        )
        return out, mapping, True
    preds, succs = _adjacency(shown, [(e.src, e.dst) for e in edges])
    units = _twin_sources(graph, shown, preds, succs)
    upreds, usuccs = preds, succs
    if len(units) < len(shown):  # some inputs were grouped: the graph between the groups
        unit_of = {m: u for u, ms in units.items() for m in ms}
        upreds, usuccs = _adjacency(list(units), _unit_edges(edges, unit_of))
    order = forward_order(list(units), upreds)
    free = [u for u in order if _is_free(graph, u, upreds, usuccs)]
    apart = set(free)
    body = _sources_next_to_readers([u for u in order if u not in apart], upreds, usuccs)
    parts = _parts(body, upreds, usuccs)
    pieces = _fold_repeats(graph, units, parts, upreds, max_nodes - len(free), apart)
    if len(free) + len(pieces) > max_nodes:
        free = _group_free(graph, units, free)
    avail = max(1, max_nodes - len(free))
    pieces = _stretches(pieces, avail)
    free_pieces = [Piece([u], "free") for u in free]
    out, mapping = draw(graph, units, free_pieces + pieces, edges)
    return out, mapping, visible_count(out) <= max_nodes


def _adjacency(ids: list[str], edges) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    preds: dict[str, list[str]] = {i: [] for i in ids}
    succs: dict[str, list[str]] = {i: [] for i in ids}
    seen: set[tuple[str, str]] = set()
    for src, dst in edges:
        if src != dst and (src, dst) not in seen:
            seen.add((src, dst))
            preds[dst].append(src)
            succs[src].append(dst)
    return preds, succs


def _unit_edges(edges: list[Edge], unit_of: dict[str, str]):
    return [(unit_of[e.src], unit_of[e.dst]) for e in edges]


def _twin_sources(graph, shown, preds, succs) -> dict[str, list[str]]:
    """Unit (its first node's id) -> nodes: at least GROUP nodes without inputs that feed the
    same consumers with the same kind, shape and dtype form one unit (a wide fan-in, as into
    `torch.stack`); every other node is its own."""
    keys: dict[str, tuple] = {}
    count: dict[tuple, int] = {}
    for nid in shown:
        n = graph.node(nid) if not preds[nid] and succs[nid] else None
        if n is not None and n.kind in ("leaf", "param"):
            key = keys[nid] = (n.kind, n.shape, n.dtype, frozenset(succs[nid]))
            count[key] = count.get(key, 0) + 1
    units: dict[str, list[str]] = {}
    first: dict[tuple, str] = {}
    for nid in shown:
        key = keys.get(nid)
        if key is not None and count[key] >= GROUP:
            units.setdefault(first.setdefault(key, nid), []).append(nid)
        else:
            units[nid] = [nid]
    return units


def _is_free(graph, u, upreds, usuccs) -> bool:
    """Drawn apart from the ordered body: an input read in several places, or an output."""
    if not upreds[u]:
        return len(usuccs[u]) > 1 or not usuccs[u]
    return not usuccs[u] and graph.node(u).kind == "output"


def _sources_next_to_readers(body, upreds, usuccs) -> list[str]:
    """Each input read once, moved right before its reader (so repeated parts look alike)."""
    placed = set(body)
    single = {u for u in body if not upreds[u] and usuccs[u] and usuccs[u][0] in placed}
    before: dict[str, list[str]] = {}
    for u in body:
        if u in single:
            before.setdefault(usuccs[u][0], []).append(u)
    out: list[str] = []
    for u in body:
        if u not in single:
            out.extend(before.get(u, ()))
            out.append(u)
    return out


def _parts(body: list[str], upreds, usuccs) -> list[list[str]]:
    """`body` cut wherever at most one value made before the cut is read after it."""
    pos = {u: i for i, u in enumerate(body)}
    diff = [0] * (len(body) + 2)
    for u, i in pos.items():
        last = max((pos[v] for v in usuccs[u] if v in pos), default=i)
        if last > i:  # alive across the cuts before i+1 .. last
            diff[i + 1] += 1
            diff[last + 1] -= 1
    parts: list[list[str]] = []
    live = 0
    for i, u in enumerate(body):
        live += diff[i]
        if not parts or live <= 1:
            parts.append([])
        parts[-1].append(u)
    return parts


def _signature(looks: dict[str, tuple], part: list[str], upreds) -> int:
    """What a part looks like: its nodes (`looks`) and how they are wired to each other."""
    if len(part) == 1:  # the commonest case, as in a long chain
        u = part[0]
        return hash((looks[u], (-1,) * len(upreds[u])))
    idx = {u: i for i, u in enumerate(part)}
    return hash(tuple((looks[u], tuple(idx.get(p, -1) for p in upreds[u])) for u in part))


def _fold_repeats(graph, units, parts, upreds, avail: int, apart: set) -> list[Piece]:
    """Consecutive repeats of parts folded, the longest runs first, until `avail` is met."""
    looks = {}
    for u, members in units.items():
        n = graph.node(u)
        looks[u] = (n.kind, n.name if n.kind == "op" else "", n.shape, len(members))
    sigs = [_signature(looks, p, upreds) for p in parts]
    runs: list[tuple[int, int, int]] = []  # (start, period, repeats)
    i = 0
    while i < len(parts):
        best = (1, 1, 1)  # (cover, period, repeats)
        for p in range(1, PERIODS + 1):
            reps = 1
            while sigs[i + reps * p : i + (reps + 1) * p] == sigs[i : i + p]:
                reps += 1
            if reps > 1 and p * reps > best[0]:
                best = (p * reps, p, reps)
        if best[2] > 1:
            runs.append((i, best[1], best[2]))
        i += best[0]
    # Repeats that read an input drawn apart (an RNN's weights, read by every step): each one
    # drawn adds long edges from that input, which Graphviz lays out slowly: only a few are.
    shared = {
        r for r in runs
        if any(v in apart for part in parts[r[0] : r[0] + r[1]] for u in part for v in upreds[u])
    }  # fmt: skip
    chosen = _choose(runs, [len(p) for p in parts], avail, shared)
    pieces: list[Piece] = []
    start = {r[0]: r for r in chosen}
    i = 0
    while i < len(parts):
        r = start.get(i)
        if r is None:
            pieces.extend(Piece([u], "plain") for u in parts[i])
            i += 1
            continue
        end = i + r[1] * r[2]
        members = [u for k in range(i, end) for u in parts[k]]
        motif = [u for k in range(i, i + r[1]) for u in parts[k]]
        pieces.append(Piece(members, "repeat", motif=motif, repeats=r[2]))
        i = end
    return pieces


def _choose(runs: list[tuple[int, int, int]], sizes: list[int], avail: int, shared=()) -> set:
    """The runs to fold, longest first, until the parts fit in `avail` nodes. Then, while room
    is left, the first repeats of the folded runs are drawn as they are, one run after the
    other, so the picture shows what the blocks hold and uses its budget (`block x 642` after
    18 blocks drawn open) rather than shrinking to a few boxes. A run of a single op is left
    whole (`SinBackward0 x 50000`): drawing some of its ops would show nothing new; one in
    `shared` gets at most SHARED_REPEATS repeats drawn."""
    cost = sum(sizes)
    size = {r: sum(sizes[r[0] : r[0] + r[1] * r[2]]) for r in runs}
    chosen: list[tuple[int, int, int]] = []
    for r in sorted(runs, key=lambda r: -size[r]):
        if cost <= avail:
            break
        chosen.append(r)
        cost -= size[r] - 1
    left = [SHARED_REPEATS if r in shared else len(sizes) for r in chosen]  # peels allowed
    peeled = True
    while peeled:  # round-robin, so that every folded run opens alike
        peeled = False
        for k, (i, p, reps) in enumerate(chosen):
            first = sum(sizes[i : i + p])
            if reps > 2 and first > 1 and left[k] and cost + first <= avail:  # one op: no inside
                chosen[k] = (i + p, p, reps - 1)
                cost += first
                left[k] -= 1
                peeled = True
    return set(chosen)


def _group_free(graph, units, free: list[str]) -> list[str]:
    """Too many free inputs: one group per kind (merging inputs can form no cycle)."""
    by_kind: dict[str, str] = {}
    out: list[str] = []
    for u in free:
        n = graph.node(u)
        if n.kind == "output":
            out.append(u)
            continue
        head = by_kind.setdefault(n.kind, u)
        if head == u:
            out.append(u)
        else:
            units[head] = units[head] + units.pop(u)
    return out


def _stretches(pieces: list[Piece], avail: int) -> list[Piece]:
    """At most `avail` pieces: consecutive pieces merged into stretches of even length."""
    if len(pieces) <= avail:
        return pieces
    size = -(-len(pieces) // avail)
    out: list[Piece] = []
    for i in range(0, len(pieces), size):
        group = pieces[i : i + size]
        if len(group) == 1:
            out.append(group[0])
        else:
            out.append(Piece([u for p in group for u in p.members], "stretch"))
    return out
