"""Benchmark `graphlab.train.Trainer` against a bare PyTorch loop, and its accuracy per model.

    .venv/bin/python bench/train.py                 # throughput ratio + full accuracy runs
    .venv/bin/python bench/train.py --skip-accuracy # throughput only (about a minute)
    .venv/bin/python bench/train.py --device cuda --precision bf16  # on a GPU, mixed precision

Throughput: the same model, seed, batch size, optimizer, thread count and allocator setting
(``keep_freed_memory``), in the same process, the bare loop and the Trainer taking turns of a
tenth of a second, each first in every other turn (the ratio is the median over the turns; see
``throughput``); the Trainer runs as the Live Training page drives it (one worker thread,
paused between turns, a listener on every event, snapshot() polled). Target: Trainer samples/s >= 0.95 x the bare loop. Accuracy: MLP >= 97% within 3
epochs, CNN >= 98.5% within 2, with the default configuration; seconds per epoch on this
machine. On CUDA (``--device auto`` picks it where there is one) it also reports the CNN's
samples/s and the time to reach 99% test accuracy, at ``--precision``.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graphlab.core.device import DEVICES, pick_device  # noqa: E402
from graphlab.data import load_mnist  # noqa: E402
from graphlab.models.mnist import build_model  # noqa: E402
from graphlab.train import JobSlots, TrainConfig, Trainer  # noqa: E402
from graphlab.train.accelerator import autocast  # noqa: E402
from graphlab.train.config import PRECISIONS, build_optimizer  # noqa: E402
from graphlab.train.jobs import keep_freed_memory  # noqa: E402

TARGETS = {"ratio": 0.95, "mlp": (3, 0.97), "cnn": (2, 0.985)}
# On a GPU: the CNN's test accuracy to reach, within this many epochs.
CUDA_TARGET, CUDA_EPOCHS = 0.99, 10


def bare_loop(config: TrainConfig, data) -> Callable[[int], float]:
    """The loop one would write by hand, as a function that runs its next ``steps`` steps and
    returns their seconds."""
    generator, device = torch.Generator().manual_seed(config.seed), pick_device(config.device)
    model = build_model(config.model, generator).to(device)
    optimizer = build_optimizer(config, model.parameters())
    train_x, train_y = data[0].to(device), data[1].to(device)
    size, n = config.batch_size, len(train_y)
    perm, position = torch.randperm(n, generator=generator), 0

    def run(steps: int) -> float:
        nonlocal perm, position
        started = time.perf_counter()
        for _ in range(steps):
            if position + size > n:
                perm, position = torch.randperm(n, generator=generator), 0
            idx = perm[position : position + size]
            position += size
            with autocast(config.precision, device):
                loss = F.cross_entropy(model(train_x[idx]), train_y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - started

    return run


def trainer_loop(config: TrainConfig, data) -> Callable[[int], float]:
    """The Trainer as the page drives it, likewise: one worker thread for all its turns, paused
    between them, a listener on every event, polled as the page polls it (and once a turn).
    The runner's ``close()`` stops the thread."""
    latest: dict = {}
    until, paused = [0], threading.Event()

    def listen(event: dict) -> None:  # in the training thread
        latest.update(event)
        if event["event"] == "step" and event["step"] >= until[0]:
            trainer.pause()  # before the next step
        elif event["event"] == "status" and event["status"] == "paused":
            paused.set()

    trainer = Trainer(config, callbacks=[listen], data=data)

    def run(steps: int) -> float:
        until[0], started = trainer.progress.step + steps, time.perf_counter()
        paused.clear()
        if trainer.running:
            trainer.resume()
        else:
            trainer.start(slots=JobSlots(1))
        while not paused.wait(timeout=0.5):  # the page's fragment polls twice a second
            trainer.snapshot()
        trainer.snapshot()  # a turn is shorter than that: at least one poll each
        seconds = time.perf_counter() - started
        assert trainer.progress.step == until[0], trainer.history.message
        return seconds

    run.close = trainer.stop  # type: ignore[attr-defined]
    return run


def throughput(
    model: str, data, steps: int, repeats: int, device: str, precision: str, chunks: int = 12
) -> dict:
    """Samples/s of each side and their ratio: ``repeats`` rounds, each with a fresh bare loop
    and Trainer (20 steps to warm up) that then take turns, ``chunks`` times, at ``steps //
    chunks`` steps (a tenth of a second on a CPU), each side first in every other turn.

    A shared machine's load drifts within seconds: turns that short meet the same load on
    both sides, so each turn's ratio is a fair one; the median over all of them is the ratio.
    """
    config = TrainConfig(model=model, device=device, epochs=100, precision=precision)
    chunk = max(1, steps // chunks)
    bare: list[float] = []  # seconds of each turn
    ours: list[float] = []
    rounds = []
    for round_ in range(repeats):
        gc.collect()  # the garbage of the rounds before (and of loading the data): on no clock
        # Each side is made and warmed up first in every other round, and goes first in every
        # other turn: whatever the first leaves behind (its memory's place) favours neither.
        makers = [(bare, bare_loop), (ours, trainer_loop)][:: 1 if round_ % 2 == 0 else -1]
        sides = [(seconds, make(config, data)) for seconds, make in makers]
        for _, run in sides:
            run(20)
        for turn in range(chunks):
            for seconds, run in sides[:: 1 if turn % 2 == 0 else -1]:
                seconds.append(run(chunk))
        for _, run in sides:
            getattr(run, "close", lambda: None)()
        rounds.append(sum(bare[-chunks:]) / sum(ours[-chunks:]))
    samples = chunk * config.batch_size
    return {
        "bare": samples / statistics.median(bare),
        "trainer": samples / statistics.median(ours),
        "ratio": statistics.median(b / o for b, o in zip(bare, ours, strict=True)),
        "spread": (min(rounds), max(rounds)),  # each round's ratio, over its whole time
        "best_ratio": min(bare) / min(ours),
    }


def accuracy(model: str, epochs: int, data, device: str, precision: str) -> list[dict]:
    config = TrainConfig(model=model, epochs=epochs, device=device, precision=precision)
    trainer = Trainer(config, data=data)
    history = trainer.run()
    assert history.status == "done", history.message
    return history.epochs


def time_to_accuracy(data, device: str, precision: str) -> dict:
    """The CNN trained until its test accuracy reaches ``CUDA_TARGET`` (checked after each
    epoch of a cosine schedule over ``CUDA_EPOCHS``): seconds from the first step, and epochs."""
    config = TrainConfig(model="cnn", epochs=CUDA_EPOCHS, device=device, precision=precision)
    made = time.perf_counter()
    trainer = Trainer(config, data=data)  # includes the copy of the data to the device
    reached: dict = {"setup_s": time.perf_counter() - made}

    def on_epoch(event: dict) -> None:
        if event["event"] == "epoch" and "epoch" not in reached:
            reached.update(best=max(reached.get("best", 0.0), event["test_acc"]))
            if event["test_acc"] >= CUDA_TARGET:
                reached.update(epoch=event["epoch"], seconds=time.perf_counter() - started)
                trainer.stop(timeout=0)

    trainer.callbacks.append(on_epoch)
    started = time.perf_counter()
    history = trainer.run()
    reached.update(samples_per_s=max(e["samples_per_s"] for e in history.epochs))
    return reached


def cuda_report(data, device: str, precision: str, repeats: int) -> bool:
    """What a GPU does with the CNN at ``precision``: samples/s, and the time to 99%."""
    name = torch.cuda.get_device_name(pick_device(device))
    print(f"cuda: {name}, precision {precision}")
    speed = throughput("cnn", data, 300, repeats, device, precision)
    print(
        f"cuda cnn: Trainer {speed['trainer']:,.0f} samples/s, bare loop {speed['bare']:,.0f}"
        f" (batch 64; ratio {speed['ratio']:.3f})"
    )
    reached = time_to_accuracy(data, device, precision)
    if "seconds" not in reached:
        print(f"cuda cnn: {CUDA_TARGET:.0%} not reached in {CUDA_EPOCHS} epochs"
              f" (best {reached.get('best', 0):.2%})")  # fmt: skip
        return False
    print(
        f"cuda cnn: {CUDA_TARGET:.0%} test accuracy after {reached['epoch']} epoch(s),"
        f" {reached['seconds']:.1f} s of training (+{reached['setup_s']:.1f} s to set up);"
        f" {reached['samples_per_s']:,.0f} samples/s at best in an epoch"
    )
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="torch threads (both sides)")
    parser.add_argument("--device", choices=DEVICES, default="auto")
    parser.add_argument("--precision", choices=PRECISIONS, default="fp32", help="fp16: CUDA only")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--skip-accuracy", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    # The Trainer's process-wide setting (jobs.py): applied first, so both sides run under it.
    kept = keep_freed_memory()
    data = (*load_mnist("train"), *load_mnist("test"))
    device = pick_device(args.device)
    print(
        f"torch {torch.__version__}, device {device} ({args.device}), precision {args.precision},"
        f" {torch.get_num_threads()} thread(s); freed memory kept for the next step: {kept}"
    )
    ok = True
    for model, steps in (("mlp", 300), ("cnn", 120)):
        result = throughput(model, data, steps, args.repeats, args.device, args.precision)
        ok &= result["ratio"] >= TARGETS["ratio"]
        print(
            f"{model}: bare loop {result['bare']:,.0f} samples/s, Trainer {result['trainer']:,.0f}"
            f" samples/s (medians); ratio {result['ratio']:.3f} (median of turns; rounds"
            f" {result['spread'][0]:.3f}-{result['spread'][1]:.3f}),"
            f" {result['best_ratio']:.3f} (best of each); target >= {TARGETS['ratio']}"
        )
    if not args.skip_accuracy:
        for model in ("mlp", "cnn"):
            epochs, target = TARGETS[model]
            records = accuracy(model, epochs, data, args.device, args.precision)
            ok &= records[-1]["test_acc"] >= target
            per_epoch = ", ".join(f"{r['test_acc']:.2%} in {r['seconds']:.1f} s" for r in records)
            print(f"{model}: test accuracy by epoch {per_epoch} (target >= {target:.1%})")
    if device.type == "cuda":
        ok &= cuda_report(data, args.device, args.precision, args.repeats)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    sys.exit(main())
