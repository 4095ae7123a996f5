"""The training loop behind ``Trainer``: one step, one epoch, pausing, stopping, events.

``TrainingLoop`` owns the model, optimizer, data and counters, and their ``state_dict()``;
``graphlab.train.Trainer`` adds the public controls (run, start, pause, stop), the thread-safe
readers and checkpoint files. The split keeps each file short; only ``Trainer`` is public.
"""

from __future__ import annotations

import copy
import math
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import torch
import torch.nn.functional as F

from graphlab.core.device import pick_device
from graphlab.core.messages import Message
from graphlab.data.mnist import load_mnist
from graphlab.models import build_model

from . import checkpoint, status_line
from .accelerator import autocast, backward, to_device
from .config import TrainConfig, build_optimizer, check_precision, lr_at
from .gradients import GradientWatch
from .jobs import keep_freed_memory
from .metrics import History, _Throughput
from .progress import Progress

__all__ = ["Callback", "Data", "TrainingLoop"]

Callback = Callable[[dict[str, Any]], None]
Data = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]  # train x, y; test x, y


class TrainingLoop:
    """Trains ``config.model`` on MNIST with the data on the device as whole tensors."""

    SMOOTHING = 0.98  # exponential moving average of the loss, bias-corrected
    EVAL_BATCH = 1000

    def __init__(
        self,
        config: TrainConfig | None = None,
        callbacks: Iterable[Callback] = (),
        data: Data | None = None,
    ) -> None:
        self.config = config or TrainConfig()
        self.device = pick_device(self.config.device)
        self.callbacks = list(callbacks)
        # One CPU generator draws the initial weights and then every epoch's order, so a run is a
        # function of its seed on any device, and resuming needs only this generator's state.
        self.generator = torch.Generator().manual_seed(self.config.seed)
        self.model = build_model(self.config.model, self.generator).to(self.device)
        self.optimizer = build_optimizer(self.config, self.model.parameters())
        self._train_x, self._train_y, self._test_x, self._test_y_cpu = self._prepare(data)
        self.train_size, self.test_size = len(self._train_y), len(self._test_y_cpu)
        self.batches_per_epoch = math.ceil(len(self._train_y) / self.config.batch_size)
        self.history = History()
        self.progress = Progress()
        self.test_predictions: torch.Tensor | None = None
        self.gradients = GradientWatch()  # idle (no hooks, no copies) until someone starts it
        self._meter = _Throughput()
        self._model_lock = threading.RLock()  # model, optimizer and progress change together
        self._metrics_lock = threading.Lock()  # history; what snapshot() reads
        self._stop = threading.Event()
        self._unpaused = threading.Event()
        self._unpaused.set()
        self._thread: threading.Thread | None = None
        self._abandon_after: float | None = None
        self._last_poll = time.monotonic()

    def _prepare(self, data: Data | None) -> Data:
        check_precision(self.config.precision, self.device)  # fp16 on the device auto picked
        if data is None:
            # Shared, read-only: concurrent trainers on the CPU then hold one copy between them.
            data = (*load_mnist("train", copy=False), *load_mnist("test", copy=False))
        train_x, train_y, test_x, test_y = data
        n, m = self.config.train_size, self.config.test_size
        tensors = (train_x[:n].float(), train_y[:n].long(), test_x[:m].float(), test_y[:m].long())
        # Whole tensors on the device: a batch is an index gather there, with no DataLoader
        # worker processes to start, to feed, or to leak when a visitor leaves. Test labels stay
        # on the CPU, where predictions are compared with them (to a GPU: from pinned memory).
        return (*to_device(tensors[:3], self.device), tensors[3])  # type: ignore[return-value]

    @property
    def running(self) -> bool:
        """True while a worker thread started by ``start()`` is alive."""
        return self._thread is not None and self._thread.is_alive()

    # -- state ---------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """What continues this run exactly: model, optimizer, config, history and position (with
        the generator state that redraws the epoch's order); plain values and tensors only.

        A copy taken under the training locks: consistent while training goes on, and safe to
        write to disk without holding them.
        """
        with self._model_lock, self._metrics_lock:
            # Deep-copied: these share the tensors that the next step updates in place.
            model, optimizer = copy.deepcopy((self.model.state_dict(), self.optimizer.state_dict()))
            return {
                "format": checkpoint.FORMAT,
                "config": self.config.to_dict(),
                "model": model,
                "optimizer": optimizer,
                "history": self.history.to_dict(),
                "progress": self.progress.to_dict(self.generator),
                "test_predictions": self.test_predictions,  # replaced each epoch, never mutated
            }

    def load_state_dict(self, state: dict[str, Any], origin: str | None = None) -> None:
        """Continue from ``state`` (a ``state_dict()``, maybe of a trainer on another device).

        ``ValueError`` refuses, before anything changes, another format, an invalid config,
        history, position or weights, a position past this trainer's data, or settings that
        shaped the model, optimizer or data (``checkpoint.FIXED``) unlike this trainer's. The
        state's epochs, learning rate and schedule replace this trainer's; the device stays. A
        live run loads as ``stopped``, its message naming ``origin``.
        """
        if self.running:
            raise RuntimeError("this trainer is running; stop() it before loading a state")
        config = checkpoint.config_for(state, self.config)
        history = History.from_dict(state["history"])
        progress = state["progress"]
        Progress.check_dict(progress, self.batches_per_epoch)
        checkpoint.check_weights(state["model"], self.model.state_dict())
        predictions = checkpoint.predictions_of(state, self.test_size)
        if history.status in ("running", "paused"):  # saved from a live run
            history.status = "stopped"
            history.text = status_line.loaded(progress["step"], origin)
            history.message = str(history.text)
        with self._model_lock, self._metrics_lock:
            # The optimizer first: torch checks its state whole before changing anything, and
            # the rest was checked above, so a refused state leaves this trainer as it was.
            self.optimizer.load_state_dict(state["optimizer"])
            self.model.load_state_dict(state["model"])
            self.progress.load_dict(progress, self.generator, self.train_size, self.device)
            self.config = config
            self.history, self.test_predictions = history, predictions

    # -- the loop ------------------------------------------------------------------------------

    def _run(self, max_steps: int | None) -> None:
        keep_freed_memory()  # else each step's memory comes back as page faults (jobs.py)
        self._set_status("running", None)
        self._meter.restart()
        try:
            status, text = self._loop(math.inf if max_steps is None else max_steps)
        except Exception as exc:  # not a sentence of ours: its own words, said as they are
            self._set_status("failed", f"{type(exc).__name__}: {exc}")
            raise
        self._set_status(status, text)

    def _loop(self, budget: float) -> tuple[str, Message]:
        p = self.progress
        while p.epoch < self.config.epochs:
            if p.perm is None:
                self._begin_epoch()
            while p.batch < self.batches_per_epoch:
                reason = self._halt_reason(budget)
                if reason is not None:
                    return "stopped", reason
                loss = self._step()
                if not math.isfinite(loss):
                    lr = float(self.config.lr)
                    return "diverged", status_line.diverged(loss, p.step + 1, p.epoch + 1, lr)
                budget -= 1
            if not self._end_epoch():
                return "stopped", status_line.stopped(p.step, "test")
        return "done", status_line.finished(self.config.epochs, p.step)

    def _halt_reason(self, budget: float) -> Message | None:
        step = self.progress.step
        if budget <= 0:
            return status_line.stopped(step, "max_steps")
        if not self._unpaused.is_set():
            self._wait_while_paused()
        if self._abandoned():
            return status_line.abandoned(step, self._abandon_after)  # type: ignore[arg-type]
        if self._stop.is_set():
            return status_line.stopped(step)
        return None

    def _wait_while_paused(self) -> None:
        self._set_status("paused", status_line.paused(self.progress.step))
        while not self._unpaused.wait(0.1):
            if self._stop.is_set() or self._abandoned():
                return
        if not self._stop.is_set():
            self._set_status("running", None)
            self._meter.restart()

    def _abandoned(self) -> bool:
        limit = self._abandon_after
        return limit is not None and time.monotonic() - self._last_poll > limit

    def _begin_epoch(self) -> None:
        with self._model_lock:
            self.progress.begin_epoch(self.generator, self.train_size, self.device)

    def _step(self) -> float:
        p, size = self.progress, self.config.batch_size
        idx = p.perm[p.batch * size : (p.batch + 1) * size]  # type: ignore[index]
        with self._model_lock:
            lr = lr_at(self.config, p.step, self.batches_per_epoch * self.config.epochs)
            for group in self.optimizer.param_groups:
                group["lr"] = lr
            self.optimizer.zero_grad(set_to_none=True)
            with self.gradients.around_step(self.model, p.step):
                value, correct = self._forward_backward(idx)
                if not math.isfinite(value):  # stop before a NaN reaches the weights
                    return value
                self.optimizer.step()
            p.correct += correct
            event = self._record_step(value, len(idx), lr)
        self._emit(event)
        return value

    def _forward_backward(self, idx: torch.Tensor) -> tuple[float, torch.Tensor]:
        """The mean loss of the batch ``idx`` (its gradients left in ``.grad``) and how many of
        it the model got right; ``DistributedTrainer`` computes its shard of it instead."""
        x, y = self._train_x[idx], self._train_y[idx]  # (B, 1, 28, 28), (B,)
        with autocast(self.config.precision, self.device):  # fp32: off
            logits = self.model(x)  # (B, 10)
            loss = F.cross_entropy(logits, y)  # in float32 under autocast too
        backward(loss, self.config.precision, self.optimizer)
        # Read after backward is queued: on a GPU the sync then waits for both passes at once.
        # The count stays a device tensor: reading it every step would sync a GPU for nothing.
        return loss.item(), (logits.argmax(1) == y).sum()

    def _record_step(self, loss: float, samples: int, lr: float) -> dict[str, Any]:
        p, beta = self.progress, self.SMOOTHING
        p.add_time(self._meter.add(samples))
        p.ema = beta * p.ema + (1 - beta) * loss
        smoothed = p.ema / (1 - beta ** (p.step + 1))
        with self._metrics_lock:
            p.step, p.batch, p.seen = p.step + 1, p.batch + 1, p.seen + samples
            self.history.steps.append(p.step)
            self.history.losses.append(loss)
            self.history.smoothed.append(smoothed)
        return {
            "event": "step",
            "step": p.step,
            "epoch": p.epoch + 1,
            "batch": p.batch,
            "loss": loss,
            "smoothed_loss": smoothed,
            "samples_per_s": self._meter.rate,
            "lr": lr,
        }

    def _end_epoch(self) -> bool:
        accuracy, predictions = self._evaluate(stoppable=True)
        if predictions is None:
            return False
        p = self.progress
        with self._model_lock, self._metrics_lock:
            record = p.epoch_record(accuracy)
            self.history.epochs.append(record)
            self.test_predictions = predictions
            p.end_epoch()
        self._emit({"event": "epoch", **record})
        self._meter.restart()
        return True

    def _evaluate(self, stoppable: bool) -> tuple[float, torch.Tensor | None]:
        chunks = []
        for start in range(0, self.test_size, self.EVAL_BATCH):
            if stoppable and self._stop.is_set():
                return math.nan, None
            with self._model_lock, torch.inference_mode():
                self.model.eval()
                try:
                    logits = self.model(self._test_x[start : start + self.EVAL_BATCH])
                finally:
                    self.model.train()
                chunks.append(logits.argmax(1).cpu())
        predictions = torch.cat(chunks)
        return (predictions == self._test_y_cpu).double().mean().item(), predictions

    def _set_status(self, status: str, text: Message | str | None) -> None:
        """``text``: a sentence of ``status_line``, PyTorch's words (a failure), or nothing."""
        message = "" if text is None else str(text)
        with self._metrics_lock:
            self.history.status, self.history.message = status, message
            self.history.text = text if isinstance(text, Message) else None
        self._emit({"event": "status", "status": status, "message": message})

    def _emit(self, event: dict[str, Any]) -> None:
        for callback in list(self.callbacks):
            callback(event)
