"""Train a toy MNIST model on a worker thread; pages poll its snapshots.

Figures (Altair, Plotly) live in :mod:`graphlab.train.plots`, imported only by those who draw.
"""

from graphlab.models import MODELS

from .checkpoint import FORMAT
from .config import DEFAULT_LR, OPTIMIZERS, SCHEDULES, TrainConfig, build_optimizer, lr_at
from .digit import MAX_IMAGE_PIXELS, digit_from_bytes, prepare_digit
from .graph import step_graph
from .jobs import JOB_SLOTS, BusyError, JobSlots, cap_torch_threads
from .metrics import History, PredictionSample, Snapshot, confusion_matrix, predictions_sample
from .trainer import Callback, Trainer

__all__ = [
    "DEFAULT_LR", "FORMAT", "JOB_SLOTS", "MAX_IMAGE_PIXELS", "MODELS", "OPTIMIZERS", "SCHEDULES",
    "BusyError", "Callback", "History", "JobSlots", "PredictionSample", "Snapshot",
    "TrainConfig", "Trainer", "build_optimizer", "cap_torch_threads", "confusion_matrix",
    "digit_from_bytes", "lr_at", "predictions_sample", "prepare_digit", "step_graph",
]  # fmt: skip
