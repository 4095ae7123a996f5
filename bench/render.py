"""End to end, model to picture: ours (summarized) against `torchviz.make_dot` + `dot`.

    .venv/bin/python bench/render.py            # the ~10k-node ResNet-style built-in
    .venv/bin/python bench/render.py --cap 60   # give the baseline less time
    .venv/bin/python bench/render.py --big      # the four big graphs without module info

Ours: `models.build` (spec validated, dry run on `meta`) -> forward under `track_modules` ->
`capture` -> `summarize(max_nodes=300)` -> clustered DOT -> `dot -Tsvg`. Baseline, on the same
model and input in the same run: forward -> `make_dot(out, params=named_parameters, show_saved=True,
show_attrs=True)` (the same ~10k nodes we capture; `--torchviz-defaults` for fewer) -> `dot -Tsvg`, stopped at `--cap` seconds (reported as "> cap"). Ours is timed cold
(the first run in this process: one-time imports and warm-up included) and warm (median of 3).
Target: ours under 2 s.

`--big`: the four cases of issue 14 instead (a 50,000-op chain, a 660-block ResNet captured
WITHOUT `track_modules`, a stack of 5,000 leaves, a 2,000-step RNN), each summarized to 300
visible nodes, checked connected and acyclic, and timed capture to SVG, 3 runs each: the cases
and the timing are `bench/fold.py`'s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graphlab.core.modules import track_modules  # noqa: E402
from graphlab.core.summary import summarize  # noqa: E402
from graphlab.core.walk import capture  # noqa: E402
from graphlab.models import builder as models  # noqa: E402
from graphlab.render import to_dot

TARGET = 2.0


def ours(spec: dict, budget: int) -> dict[str, float]:
    times: dict[str, float] = {}
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        times[name] = now - t
        t = now

    model = models.build(spec, models.UNLIMITED)
    lap("build")
    x = torch.randn(spec["input"])
    with track_modules(model):
        out = model(x)
    lap("forward")
    graph = capture(out, model=model)
    times["nodes"] = len(graph.nodes)
    lap("capture")
    small = summarize(graph.without({"saved"}), max_nodes=budget)
    times["shown"] = len(small.nodes)
    lap("summarize")
    dot = to_dot(small, modules=True)
    lap("dot text")
    svg = subprocess.run(["dot", "-Tsvg"], input=dot.encode(), capture_output=True, check=True)
    times["svg bytes"] = len(svg.stdout)
    lap("layout")
    times["total"] = sum(v for k, v in times.items() if k not in ("nodes", "shown", "svg bytes"))
    return times


def baseline(spec: dict, cap: float, full: bool) -> dict[str, float | str]:
    from torchviz import make_dot

    model = models.build(spec, models.UNLIMITED)
    start = time.perf_counter()
    out = model(torch.randn(spec["input"]))
    result: dict = {}

    def run() -> None:  # torchviz recurses once per node: a big stack
        params = dict(model.named_parameters())
        result["dot"] = make_dot(out, params=params, show_attrs=full, show_saved=full).source

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200_000)
    threading.stack_size(512 * 2**20)
    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    threading.stack_size(0)
    sys.setrecursionlimit(limit)
    made = time.perf_counter() - start
    dot = result["dot"]
    try:
        subprocess.run(
            ["dot", "-Tsvg"], input=dot.encode(), capture_output=True, check=True,
            timeout=max(1.0, cap - made),
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"make_dot": made, "total": f"> {cap:g} s", "dot bytes": len(dot)}
    return {"make_dot": made, "total": time.perf_counter() - start, "dot bytes": len(dot)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="resnet_deep")
    parser.add_argument("--max-nodes", type=int, default=300)
    parser.add_argument("--cap", type=float, default=180.0)
    parser.add_argument("--big", action="store_true", help="the four big cases (bench/fold.py)")
    parser.add_argument(
        "--torchviz-defaults", action="store_true",
        help="baseline without saved tensors and attributes (default: like for like, with them)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.big:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import fold  # the cases and their timing live there; run them the way it does

        fold.in_big_stack(fold.main)
        return
    torch.set_num_threads(1)
    spec = models.spec_of(args.model)
    cold = ours(spec, args.max_nodes)
    warm = [ours(spec, args.max_nodes) for _ in range(3)]
    med = {k: statistics.median(w[k] for w in warm) for k in cold}
    print(f"model {args.model}: {cold['nodes']:,.0f} captured nodes, {cold['shown']:.0f} drawn")
    stages = [k for k in cold if k not in ("nodes", "shown", "svg bytes", "total")]
    print(f"{'ours':<10}" + "".join(f"{k:>11}" for k in [*stages, "total"]))
    for label, row in (("cold", cold), ("warm", med)):
        print(f"{label:<10}" + "".join(f"{row[k]:>10.3f}s" for k in [*stages, "total"]))
    full = not args.torchviz_defaults
    what = "show_saved=True, show_attrs=True" if full else "its defaults"
    print(f"baseline: make_dot ({what}) + dot -Tsvg, capped at {args.cap:g} s ...", flush=True)
    base = baseline(spec, args.cap, full)
    total = base["total"]
    shown = total if isinstance(total, str) else f"{total:.1f} s"
    print(f"baseline  make_dot {base['make_dot']:.2f} s, DOT {base['dot bytes']:,} bytes, "
          f"end to end {shown}")  # fmt: skip
    ratio = (args.cap if isinstance(total, str) else total) / med["total"]
    more = ">" if isinstance(total, str) else ""
    print(f"ours warm {med['total']:.2f} s (cold {cold['total']:.2f} s): {more}{ratio:.0f}x faster; "
          f"target < {TARGET:g} s: {'met' if med['total'] < TARGET else 'NOT met'}")  # fmt: skip


if __name__ == "__main__":
    main()
