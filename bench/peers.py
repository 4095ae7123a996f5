"""Capture + `to_dot` against `torchviz.make_dot` over a broad set of peer-style models.

    .venv/bin/python bench/peers.py                 # every case in bench/peer_models.py
    .venv/bin/python bench/peers.py -k resnet unet  # only cases whose name holds a word
    .venv/bin/python bench/peers.py --profile 3     # then cProfile ours on the 3 worst ratios

Like for like, as in bench/capture.py: ours is `to_dot(capture(out, params=...), show_saved=True,
show_attrs=True)` (saved tensors as nodes, attributes in the op boxes), theirs is
`make_dot(out, params=..., show_attrs=True, show_saved=True).source`; the forward runs once per
case, outside the timing, and the two run alternately after a `gc.collect()` in one thread (one
torch thread, a big stack for torchviz's recursion). Time is this process's CPU time (both tools
run in one thread, so it is their wall time on an idle machine, and it moves less than wall time
on a shared one), and the fastest of the runs counts: on a busy machine other work only ever
adds time, so the minimum is the figure that repeats (`--wall --median`: bench/capture.py's way).
Printed: per case the
ratio (theirs / ours, higher is better for us), then the geometric mean of the ratios with the
geometric standard deviation, the range, and the same over cases of 300+ nodes.
Target (issue 14): geometric mean >= 8x.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import math
import pstats
import statistics
import sys
import threading
import time
from pathlib import Path

import torch
from torchviz import make_dot

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from capture import count_nodes  # noqa: E402  (bench/capture.py's, shared)
from peer_models import CASES, Skip  # noqa: E402

import graphlab as gl  # noqa: E402

TARGET = 8.0
BIG = 300  # nodes: "graphs of 300+ nodes" in the issue


def ours(out: torch.Tensor, params: dict) -> str:
    return gl.to_dot(gl.capture(out, params=params), show_saved=True, show_attrs=True)


def theirs(out: torch.Tensor, params: dict) -> str:
    return make_dot(out, params=params, show_attrs=True, show_saved=True).source


def _failure(f, out: torch.Tensor, params: dict) -> str | None:
    """Why `f` cannot draw this case, or None."""
    try:
        f(out, params)
    except Exception as e:  # noqa: BLE001 (reported, then the case is not compared)
        return f"{type(e).__name__}: {str(e).splitlines()[0][:60]}"
    return None


def best_times(funcs, repeats: int, clock, pick=min) -> list[float]:
    """`pick` (min, or statistics.median) of each function's seconds by `clock`, the functions
    run alternately `repeats` times after one warm-up."""
    times: list[list[float]] = [[] for _ in funcs]
    for i in range(repeats + 1):
        for f, ts in zip(funcs, times, strict=True):
            gc.collect()  # each run starts from the same collector state, not the last run's garbage
            start = clock()
            f()
            if i:
                ts.append(clock() - start)
    return [pick(ts) for ts in times]


def geo_stats(ratios: list[float]) -> str:
    if not ratios:
        return "no cases"
    logs = [math.log(r) for r in ratios]
    mean = math.exp(statistics.fmean(logs))
    spread = math.exp(statistics.pstdev(logs)) if len(logs) > 1 else 1.0
    return (
        f"geomean {mean:.2f}x (geometric sd x/{spread:.2f}), range {min(ratios):.2f}x-"
        f"{max(ratios):.2f}x over {len(ratios)} cases"
    )


def run(words: list[str], profile: int, clock, pick) -> bool:
    torch.set_num_threads(1)
    sys.setrecursionlimit(1_000_000)
    print(f"{'case':<26}{'nodes':>7}{'ours ms':>10}{'make_dot ms':>13}{'ratio':>8}{'us/node':>9}")
    results: list[tuple[str, int, float, tuple]] = []
    for name, build in CASES.items():
        if words and not any(w in name for w in words):
            continue
        try:
            out, params = build()
        except Skip as e:
            print(f"{name:<26}  skipped: {e}", flush=True)
            continue
        nodes = count_nodes(out)
        why = _failure(ours, out, params)
        if why is not None:
            print(f"{name:<26}{nodes:>7}  capture fails: {why}", flush=True)
            continue
        why = _failure(theirs, out, params)
        if why is not None:  # ours alone, so that the case still says what it costs
            (mine,) = best_times([lambda: ours(out, params)], 5, clock, pick)  # noqa: B023
            print(f"{name:<26}{nodes:>7}{mine * 1e3:>10.2f}  make_dot fails: {why}", flush=True)
            continue
        funcs = [lambda: ours(out, params), lambda: theirs(out, params)]  # noqa: B023
        mine, base = best_times(funcs, 7 if nodes > 300 else 15, clock, pick)
        ratio = base / mine
        results.append((name, nodes, ratio, (out, params, mine)))
        print(
            f"{name:<26}{nodes:>7}{mine * 1e3:>10.2f}{base * 1e3:>13.2f}{ratio:>7.2f}x"
            f"{mine / nodes * 1e6:>9.1f}",
            flush=True,
        )
    ratios = [r for _, _, r, _ in results]
    print("all:       " + geo_stats(ratios))
    print(f"{BIG}+ nodes: " + geo_stats([r for _, n, r, _ in results if n >= BIG]))
    ok = bool(ratios) and math.exp(statistics.fmean(map(math.log, ratios))) >= TARGET
    print(f"target: geomean >= {TARGET:g}x: {'met' if ok else 'NOT met'}")
    for name, _, _, (out, params, _) in sorted(results, key=lambda r: r[2])[:profile]:
        _profile(name, out, params)
    return ok


def _profile(name: str, out: torch.Tensor, params: dict, repeats: int = 5) -> None:
    """cProfile of ours on one case: the functions with the most own time."""
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(repeats):
        ours(out, params)
    prof.disable()
    text = io.StringIO()
    pstats.Stats(prof, stream=text).sort_stats("tottime").print_stats(14)
    body = text.getvalue()
    print(f"\n--- cProfile, ours x{repeats}: {name} (sorted by own time) ---")
    print(body[body.find("ncalls") :].rstrip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-k", nargs="*", default=[], help="only cases whose name holds a word")
    parser.add_argument("--profile", type=int, default=0, help="profile the N worst ratios")
    parser.add_argument("--wall", action="store_true", help="time by the clock, not CPU time")
    parser.add_argument("--median", action="store_true", help="the median run, not the fastest")
    args = parser.parse_args(argv)
    clock = time.perf_counter if args.wall else time.process_time
    pick = statistics.median if args.median else min
    print(f"{'median' if args.median else 'fastest'} run, {'wall' if args.wall else 'CPU'} time")
    result: list[bool] = []
    threading.stack_size(512 * 1024 * 1024)  # torchviz recurses once per node on the path
    worker = threading.Thread(target=lambda: result.append(run(args.k, args.profile, clock, pick)))
    worker.start()
    worker.join()
    return 0 if result and result[0] else 1


if __name__ == "__main__":
    sys.exit(main())
