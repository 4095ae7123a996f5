"""Load test: many visitors at once against a real `streamlit run`, alone or behind the proxy.

    .venv/bin/python bench/load.py --visitors 10                   # one server
    .venv/bin/python bench/load.py --visitors 50 --replicas 2      # HAProxy + 2 replicas
    .venv/bin/python bench/load.py --visitors 25 --waves 3 --train 2

Visitors speak Streamlit's own protocol (tests/e2e/protocol.py: the websocket and the protobuf
messages a browser sends), so the figures are the server's, not those of browsers sharing its
CPUs. Each visitor does one journey: Home, the Graph Explorer's gallery graph, an Expression
Lab program from a share link, its gradient check, Step Through and its Next button, Model
Graph; `--train K` of them also start a training run and stop it. Everything is loopback.
Printed: success rate, p50/p95 per action, the servers' RSS (their worker processes included)
before, at peak and after each wave, errors in the servers' logs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graphlab.sandbox.share import encode_program  # noqa: E402
from tests.deploy.replicas import get, proxy, replica  # noqa: E402
from tests.e2e.protocol import Session, drawn_states  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from svg_curve import write_svg  # noqa: E402

PROGRAM = "x = torch.randn(3, requires_grad=True)\nw = torch.randn(3, requires_grad=True)\ny = (x * w).sum()"


class Memory(threading.Thread):
    """Samples the summed RSS (MB) of some processes and all their descendants."""

    def __init__(self, pids: list[int], every: float = 0.5):
        super().__init__(daemon=True)
        self.pids, self.every, self.samples = pids, every, []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            self.samples.append((time.monotonic(), rss_mb(self.pids)))


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kids.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return kids


def cpu_seconds(pids: list[int]) -> tuple[float, float]:
    """CPU seconds so far of the processes `pids` themselves (with the children they reaped,
    e.g. `dot`), and of their living descendants (the sandbox workers)."""
    tick, kids = os.sysconf("SC_CLK_TCK"), _children()
    own = rest = 0.0
    todo = [(pid, True) for pid in pids]
    while todo:
        pid, top = todo.pop()
        todo.extend((kid, False) for kid in kids.get(pid, ()))
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        spent = sum(int(f) for f in fields[11:15]) / tick  # utime stime cutime cstime
        own, rest = (own + spent, rest) if top else (own, rest + spent)
    return own, rest


def rss_mb(pids: list[int]) -> float:
    kids, todo, total = _children(), list(pids), 0
    while todo:
        pid = todo.pop()
        todo.extend(kids.get(pid, ()))
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


async def journey(url: str, train: bool, timings: dict[str, list], failures: list[str]) -> None:
    cookie = get(url)[2]  # the page load: behind the proxy it picks this visitor's replica
    query = "code=" + encode_program(PROGRAM)

    async def act(name: str, page: str, q: str = "", press_label: str | None = None, last=None,
                  states=()):  # fmt: skip
        press = None if press_label is None else (last.buttons if last else {}).get(press_label)
        if press_label is not None and press is None:
            failures.append(f"{name}: no button {press_label!r}")
            return None
        try:
            run = await s.run(page, q, press=press, states=states)
        except Exception as err:  # noqa: BLE001 (a failed action is counted, the journey goes on)
            failures.append(f"{name}: {type(err).__name__}: {err}")
            return None
        refused = [t for t in run.texts if t.startswith(("Not started", "That cannot run"))]
        if run.status != "FINISHED_SUCCESSFULLY" or run.exceptions or refused:
            failures.append(f"{name}: {run.status}, {run.exceptions} exception(s) {refused[:1]}")
        timings.setdefault(name, []).append(run.seconds)
        return run

    async with Session(url, cookie=cookie, timeout=120) as s:
        await act("home", "")
        await act("gallery graph", "graph_explorer")
        lab = await act("expression lab", "expression_lab", query)
        await act("gradient check", "expression_lab", query, "Check gradients", lab)
        steps = await act("step through", "step_through")
        await act("step next", "step_through", "", "Next", steps)
        await act("model graph", "model_graph")
        if train:
            live = await act("training page", "live_training")
            settings = drawn_states(live, {}) if live else []  # the page's defaults: 5,000 images
            started = await act("start training", "live_training", "", "Start training", live,
                                settings)  # fmt: skip
            await asyncio.sleep(3)
            await act("stop training", "live_training", "", "Stop", started)


async def wave(url: str, visitors: int, train: int) -> tuple[dict, list, float]:
    timings: dict[str, list] = {}
    failures: list[str] = []
    start = time.perf_counter()
    await asyncio.gather(*(journey(url, i < train, timings, failures) for i in range(visitors)))
    return timings, failures, time.perf_counter() - start


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def report(timings: dict, failures: list, seconds: float, visitors: int) -> None:
    actions = sum(len(v) for v in timings.values()) + len(failures)
    ok = actions - len(failures)
    print(f"  {visitors} visitors in {seconds:.1f} s: {ok}/{actions} actions succeeded")
    for name, values in timings.items():
        print(
            f"    {name:16} n={len(values):3}  p50 {pct(values, 50):6.2f} s  p95 {pct(values, 95):6.2f} s"
        )
    for failure in failures[:10]:
        print("    FAILED", failure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=10)
    parser.add_argument("--replicas", type=int, default=1, help="> 1: behind deploy/proxy.sh")
    parser.add_argument("--waves", type=int, default=1)
    parser.add_argument("--train", type=int, default=0, help="visitors that also train (cap 5)")
    parser.add_argument("--plot", type=Path, help="write the RSS curve to this SVG file")
    args = parser.parse_args()
    visitors, train = min(args.visitors, 60), min(args.train, 5)  # bounded: loopback, one machine
    logs = [Path(tempfile.gettempdir(), f"graphlab-load-{i}.log") for i in range(args.replicas)]
    with ExitStack() as stack:
        started = [stack.enter_context(replica(log)) for log in logs]
        url = started[0][0]
        if args.replicas > 1:
            url = stack.enter_context(proxy([u.removeprefix("http://") for u, _ in started]))[0]
        pids = [p.pid for _, p in started]
        print(f"{args.replicas} replica(s), started: RSS {rss_mb(pids):.0f} MB")
        asyncio.run(wave(url, args.replicas, 0))  # one journey per replica: imports, a worker
        time.sleep(3.0)
        print(f"idle after one journey per replica (warm workers): RSS {rss_mb(pids):.0f} MB")
        memory = Memory(pids)
        memory.start()
        marks = []
        for n in range(args.waves):
            before = rss_mb([p.pid for _, p in started])
            marks.append((time.monotonic(), f"wave {n + 1}"))
            cpu, client = cpu_seconds(pids), os.times()
            timings, failures, seconds = asyncio.run(wave(url, visitors, train))
            (server, workers), ours = cpu_seconds(pids), os.times()
            print(
                f"  CPU seconds: server {server - cpu[0]:.1f}, its workers {workers - cpu[1]:.1f}"
                f", this client {ours.user + ours.system - client.user - client.system:.1f}"
            )
            peak = max(m for _, m in memory.samples) if memory.samples else 0
            time.sleep(2.0)
            after = rss_mb([p.pid for _, p in started])
            print(
                f"wave {n + 1}: RSS before {before:.0f} MB, peak {peak:.0f} MB, after {after:.0f} MB"
            )
            report(timings, failures, seconds, visitors)
        memory.stopped.set()
    if args.plot and memory.samples:
        t0 = memory.samples[0][0]
        title = f"{args.replicas} replica(s), {visitors} visitors x {args.waves} waves: RSS"
        write_svg(args.plot, [(t - t0, mb) for t, mb in memory.samples], title,
                  "seconds", "MB (servers + workers)", [(t - t0, m) for t, m in marks])  # fmt: skip
    errors = sum(log.read_text(errors="replace").count("Traceback") for log in logs if log.exists())
    print(f"tracebacks in server logs: {errors}")


if __name__ == "__main__":
    main()
