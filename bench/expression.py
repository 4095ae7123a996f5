"""Benchmark the Expression Lab's round trip: program text -> DOT through the sandbox worker.

    .venv/bin/python bench/expression.py             # 200 runs over the example programs
    .venv/bin/python bench/expression.py --runs 50

Times what a visitor waits for after editing: `SandboxWorker.run(source)` (JSON request over a
pipe, check + interpret + meta dry runs, capture, auto backward, DOT, JSON reply) on a warm
worker, the example programs in turn. Also times one gradient check per example. Prints p50 and
p95 per program and overall. Target: overall p95 < 150 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import graphlab as gl  # noqa: E402
from graphlab.lessons.expressions import EXPRESSION_EXAMPLES  # noqa: E402
from graphlab.worker import SandboxWorker  # noqa: E402

TARGET_P95_MS = 150.0


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def time_run(worker: SandboxWorker, source: str, kind: str = "evaluate") -> float:
    """Milliseconds for one request; fails loudly if the program did not draw."""
    start = time.perf_counter()
    reply = worker.run(source, kind=kind)
    if reply.get("graph"):  # the page draws the DOT from the returned graph
        gl.to_dot(gl.Graph.from_dict(reply["graph"]))
    elapsed = (time.perf_counter() - start) * 1000
    if not reply.get("ok") or not (kind != "evaluate" or reply.get("graph")):
        raise SystemExit(f"the worker failed on an example: {reply.get('error')}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="requests in all (default 200)")
    args = parser.parse_args()
    programs = {name: ex.source for name, ex in EXPRESSION_EXAMPLES.items()}
    with SandboxWorker() as worker:
        for source in programs.values():  # warm up: first calls pay for lazy imports
            worker.run(source)
        times: dict[str, list[float]] = {name: [] for name in programs}
        names = list(programs)
        for i in range(args.runs):
            name = names[i % len(names)]
            times[name].append(time_run(worker, programs[name]))
        checks = [time_run(worker, source, "gradcheck") for source in programs.values()]
    print(f"program -> DOT through the worker, {args.runs} runs ({len(names)} example programs)")
    print(f"{'program':<16}{'runs':>6}{'p50 ms':>10}{'p95 ms':>10}")
    for name, values in times.items():
        p50, p95 = statistics.median(values), percentile(values, 95)
        print(f"{name:<16}{len(values):>6}{p50:>10.1f}{p95:>10.1f}")
    every = [t for values in times.values() for t in values]
    p50, p95 = statistics.median(every), percentile(every, 95)
    print(f"{'all':<16}{len(every):>6}{p50:>10.1f}{p95:>10.1f}")
    print(f"gradient check, one per program: p50 {statistics.median(checks):.1f} ms, "
          f"max {max(checks):.1f} ms")  # fmt: skip
    verdict = "meets" if p95 < TARGET_P95_MS else "MISSES"
    print(f"overall p95 {p95:.1f} ms {verdict} the target of < {TARGET_P95_MS:.0f} ms")


if __name__ == "__main__":
    main()
