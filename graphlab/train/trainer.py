"""Train a toy MNIST model and watch it learn: blocking, or in a worker thread a page polls.

The ``Trainer`` keeps its counters on itself and reports through callbacks that receive event
dicts (``{"event": "step" | "epoch" | "status", ...}``); it knows nothing of who listens and never
touches Streamlit. A page calls ``start()`` / ``pause()`` / ``resume()`` / ``stop()`` and polls
``snapshot()``; the command line calls ``run()``. ``trainer.gradients.start()`` samples gradient
statistics from the real steps (``graphlab.train.gradients``) until ``trainer.gradients.stop()``.

Events, delivered in the training thread (a listener must be quick and must not call Streamlit):

- ``{"event": "status", "status", "message"}`` on every change of ``History.status``;
- ``{"event": "step", "step", "epoch", "batch", "loss", "smoothed_loss", "samples_per_s", "lr"}``;
- ``{"event": "epoch", "epoch", "step", "train_acc", "test_acc", "seconds", "samples_per_s"}``.

>>> trainer = Trainer(TrainConfig(train_size=512, test_size=256, device="cpu"))  # doctest: +SKIP
>>> trainer.run(max_steps=3).status  # doctest: +SKIP
'stopped'
"""

from __future__ import annotations

import dataclasses
import io
import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterable

import torch
import torch.nn.functional as F

from . import batch_step, checkpoint
from .config import TrainConfig
from .jobs import JOB_SLOTS, JobSlots
from .loop import Callback, Data, TrainingLoop
from .metrics import History, PredictionSample, Snapshot, confusion_matrix, predictions_sample

__all__ = ["Callback", "Trainer"]

_log = logging.getLogger(__name__)


class Trainer(TrainingLoop):
    """Trains ``config.model`` on MNIST; the data stays on the device as whole tensors.

    ``data`` (train images, train labels, test images, test labels) replaces MNIST, e.g. in
    tests. Callbacks run in the training thread and receive event dicts.

    >>> events = []
    >>> trainer = Trainer(TrainConfig(train_size=256, test_size=128), callbacks=[events.append])
    ... # doctest: +SKIP
    """

    # -- control -------------------------------------------------------------------------------

    def run(self, max_steps: int | None = None) -> History:
        """Train in this thread until the epochs are done, ``max_steps`` more steps, or a stop.

        Calling it again continues where the last call (or a loaded checkpoint) stopped.

        >>> Trainer(TrainConfig(train_size=256, test_size=64)).run(max_steps=2).status
        ... # doctest: +SKIP
        'stopped'
        """
        if self.running:
            raise RuntimeError("this trainer is already running in a thread; use stop() first")
        self._stop.clear()
        self._unpaused.set()
        self._abandon_after = None  # someone is waiting on this call
        self._run(max_steps)
        with self._metrics_lock:
            return self.history.copy()

    def start(
        self,
        slots: JobSlots | None = None,
        abandon_after: float | None = None,
        max_steps: int | None = None,
        ticket: Hashable | None = None,
    ) -> None:
        """Train in a daemon thread holding a slot of ``slots`` (default ``JOB_SLOTS``).

        Raises ``BusyError`` at once when every slot is taken, or is promised to a visitor
        waiting in line before ``ticket`` (``JobSlots.wait_turn``). The slot is released when
        the thread ends. With ``abandon_after``, the run stops itself when ``snapshot()`` has
        not been called for that many seconds: a visitor who closed the tab frees the slot.
        """
        if self.running:
            raise RuntimeError("this trainer is already running; pause(), resume() or stop() it")
        slots = slots or JOB_SLOTS
        slots.acquire(ticket)
        self._stop.clear()
        self._unpaused.set()
        self._abandon_after, self._last_poll = abandon_after, time.monotonic()
        with self._metrics_lock:
            self.history.status, self.history.message, self.history.text = "running", "", None
        self._thread = threading.Thread(
            target=self._thread_main, args=(slots, max_steps), name="graphlab-train", daemon=True
        )
        try:
            self._thread.start()
        except BaseException:
            slots.release()
            raise

    def _thread_main(self, slots: JobSlots, max_steps: int | None) -> None:
        try:
            self._run(max_steps)
        except Exception:  # already in history.status / message; keep the trace in the log
            _log.exception("training thread failed")
        finally:
            slots.release()

    def pause(self, wait: float = 0.0) -> bool:
        """Pause before the next step (the status turns ``paused`` within one step); wait up to
        ``wait`` s for that. True once the run is paused or its thread has ended."""
        self._unpaused.clear()
        return self._settled(wait, lambda status: status == "paused")

    def resume(self, wait: float = 0.0) -> bool:
        """Continue a paused run; wait up to ``wait`` s for its status to leave ``paused``."""
        self._unpaused.set()
        return self._settled(wait, lambda status: status != "paused")

    def _settled(self, wait: float, done: Callable[[str], bool]) -> bool:
        # A page draws its buttons from the status right after a click: let it be the new one.
        deadline = time.monotonic() + wait
        while not (done(self.status) or not self.running):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.005)
        return True

    def stop(self, timeout: float | None = 10.0) -> bool:
        """Stop before the next step and wait up to ``timeout`` s for the thread; True if it ended."""
        self._stop.set()
        self._unpaused.set()
        thread = self._thread
        if thread is None or thread is threading.current_thread():
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the worker thread to end; True if it has."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    # -- reading (thread-safe) -----------------------------------------------------------------

    @property
    def status(self) -> str:
        """The run's status now, without copying its history (see `snapshot`)."""
        with self._metrics_lock:
            return self.history.status

    @property
    def epochs_done(self) -> int:
        """How many epochs have finished (and been tested)."""
        with self._metrics_lock:
            return len(self.history.epochs)

    def snapshot(self) -> Snapshot:
        """A consistent copy of the run so far, cheap enough to poll twice a second."""
        self._last_poll = time.monotonic()
        total = self.batches_per_epoch * self.config.epochs
        with self._metrics_lock:
            p = self.progress
            done = min(p.epoch * self.batches_per_epoch + p.batch, total)
            return Snapshot(
                status=self.history.status,
                message=self.history.message,
                step=p.step,
                epoch=p.epoch,
                batch=p.batch,
                batches_per_epoch=self.batches_per_epoch,
                total_steps=total,
                progress=done / total,
                samples_per_s=self._meter.rate,
                device=str(self.device),
                elapsed_s=p.train_seconds,
                history=self.history.copy(),
                test_predictions=self.test_predictions,
                text=self.history.text,
            )

    def evaluate(self) -> float:
        """Accuracy on the test images now (blocks the training thread for one batch at a time)."""
        return self._evaluate(stoppable=False)[0]

    def predict(self, images: torch.Tensor) -> torch.Tensor:
        """Class probabilities ``(N, 10)`` on the CPU for images ``(N, 1, 28, 28)``, ``(N, 28, 28)``
        or one ``(28, 28)``, float in [0, 1] like the training data.

        >>> Trainer(TrainConfig(train_size=64, test_size=64)).predict(torch.zeros(28, 28)).shape
        ... # doctest: +SKIP
        torch.Size([1, 10])
        """
        x = torch.as_tensor(images, dtype=torch.float32)
        given = tuple(x.shape)  # `images` may be a list, which has no shape
        x = x.reshape(-1, 1, 28, 28) if x.shape[-2:] == (28, 28) else x
        if x.dim() != 4 or x.shape[1:] != (1, 28, 28):
            raise ValueError(f"expected images of 28x28 pixels, got shape {given}")
        with self._model_lock, torch.inference_mode():
            self.model.eval()
            try:
                return F.softmax(self.model(x.to(self.device)), dim=1).cpu()
            finally:
                self.model.train()

    def batch_recording(self, images: int | None = batch_step.IMAGES) -> dict:
        """Step Through's recording of the next step: the weights now on the first ``images``
        images of the next batch (None: all); changes nothing here (``graphlab.train.batch_step``).
        """
        return batch_step.record_batch(self, images)

    def confusion_matrix(self) -> torch.Tensor | None:
        """``(10, 10)`` counts over the test set after the last epoch (rows: true digit)."""
        predictions = self.test_predictions
        return None if predictions is None else confusion_matrix(self._test_y_cpu, predictions)

    def predictions_sample(
        self, n: int = 16, seed: int = 0, uniform: bool = False
    ) -> PredictionSample | None:
        """``n`` test images with labels and predictions after the last epoch, half mistakes
        (``uniform``: drawn alike from all test images; see ``predictions_sample``)."""
        predictions = self.test_predictions
        if predictions is None:
            return None
        x, y = self._test_x, self._test_y_cpu
        return predictions_sample(x, y, predictions, n=n, seed=seed, uniform=uniform)

    # -- checkpoints ---------------------------------------------------------------------------

    def save(self, target: checkpoint.Source) -> None:
        """Write ``state_dict()`` to a path (atomically) or to an open binary file.

        Safe while running: the state is copied under the training locks and written after
        them, so training goes on during the write.

        >>> trainer.save("mnist-mlp.pt")  # doctest: +SKIP
        """
        checkpoint.write(self.state_dict(), target)

    def to_bytes(self) -> bytes:
        """The checkpoint ``save()`` writes, as bytes (e.g. for a download)."""
        return checkpoint.to_bytes(self.state_dict())

    @classmethod
    def load(
        cls,
        source: checkpoint.Source,
        device: str | None = None,
        callbacks: Iterable[Callback] = (),
        data: Data | None = None,
    ) -> Trainer:
        """A trainer that continues exactly where the checkpoint at a path or in an open binary
        file stopped.

        ``device`` overrides the saved one (a GPU checkpoint opens on a CPU-only machine). A
        file that is not a checkpoint, or holds anything but plain data, raises (``ValueError``
        or ``pickle.UnpicklingError``) and runs no code.

        >>> Trainer.load("mnist-mlp.pt", device="cpu").run().status  # doctest: +SKIP
        'done'
        """
        state, name = checkpoint.read(source)
        config = TrainConfig.from_dict(state["config"])
        if device is not None:
            config = dataclasses.replace(config, device=device)
        trainer = cls(config, callbacks, data)
        trainer.load_state_dict(state, origin=name)
        return trainer

    @classmethod
    def from_bytes(
        cls,
        raw: bytes,
        device: str | None = None,
        callbacks: Iterable[Callback] = (),
        data: Data | None = None,
    ) -> Trainer:
        """``load`` from the bytes of a checkpoint file (``to_bytes()``, an upload)."""
        return cls.load(io.BytesIO(raw), device, callbacks, data)
