"""What a run's status line says (``History.message``), each sentence a ``Message`` the app says
in the visitor's language; ``str()`` of one is the English that ``History.message`` holds.

A checkpoint keeps the sentence next to its English (``History.to_dict``). ``saved`` takes it
back only as one of the sentences below with plain values that say that same English: a
visitor's file could otherwise ask to fill any template (a field a billion characters wide).

>>> str(finished(epochs=1, step=16)), str(finished(epochs=2, step=32))
('finished 1 epoch at step 16', 'finished 2 epochs at step 32')
>>> saved(loaded(step=5, origin="run.pt").to_dict(), "loaded from run.pt at step 5")
Message(template='loaded from {origin} at step {step}', args={'origin': 'run.pt', 'step': 5})
"""

from __future__ import annotations

from graphlab.core.messages import N_, Message, msg

from .errors import refusal

__all__ = [
    "TEMPLATES", "abandoned", "diverged", "finished", "loaded", "paused", "saved", "stopped",
]  # fmt: skip

# Templates as named constants (marked with N_, so extracted all the same) rather than msg("...")
# inside each function: ``saved`` must know the whole set.
LOADED = N_("loaded at step {step}")
LOADED_FROM = N_("loaded from {origin} at step {step}")
DIVERGED = N_(
    "the loss became {loss} at step {step} (epoch {epoch}); try a smaller learning rate than {lr:g}"
)
IN_TEST = N_("stopped at step {step}, during the test evaluation")
FINISHED_ONE = N_("finished {epochs} epoch at step {step}")
FINISHED = N_("finished {epochs} epochs at step {step}")
MAX_STEPS = N_("stopped at step {step} (max_steps reached)")
ABANDONED = N_("stopped at step {step}: nobody watched for {seconds:g} s")
STOPPED = N_("stopped at step {step}")
PAUSED = N_("paused at step {step}")
TEMPLATES = frozenset(
    (LOADED, LOADED_FROM, DIVERGED, IN_TEST, FINISHED_ONE, FINISHED, MAX_STEPS, ABANDONED, STOPPED,
     PAUSED)
)  # fmt: skip


def loaded(step: int, origin: str | None = None) -> Message:
    """A live run's checkpoint, loaded (from the file ``origin``, when it has a name)."""
    if origin:
        return Message(LOADED_FROM, {"origin": origin, "step": step})
    return Message(LOADED, {"step": step})


def diverged(loss: float, step: int, epoch: int, lr: float) -> Message:
    """The loss of 1-based ``step`` (in 1-based ``epoch``) is no longer a finite number."""
    return Message(DIVERGED, {"loss": loss, "step": step, "epoch": epoch, "lr": lr})


def finished(epochs: int, step: int) -> Message:
    """Every epoch done."""
    return Message(FINISHED_ONE if epochs == 1 else FINISHED, {"epochs": epochs, "step": step})


def stopped(step: int, why: str = "") -> Message:
    """Stopped at ``step``: by ``stop()`` (``why`` empty), ``"test"`` (during the evaluation) or
    ``"max_steps"``."""
    template = {"test": IN_TEST, "max_steps": MAX_STEPS}.get(why, STOPPED)
    return Message(template, {"step": step})


def abandoned(step: int, seconds: float) -> Message:
    """Stopped because no page asked for a snapshot for ``seconds``."""
    return Message(ABANDONED, {"step": step, "seconds": seconds})


def paused(step: int) -> Message:
    """Paused before ``step`` + 1."""
    return Message(PAUSED, {"step": step})


def saved(data: object, message: str) -> Message | None:
    """The sentence a checkpoint saved (``Message.to_dict()``, or ``None`` when it has none);
    ``ValueError`` unless it is one of ``TEMPLATES`` with plain values saying ``message``."""
    if data is None:
        return None
    args = data.get("args") if isinstance(data, dict) else None
    if not (
        isinstance(args, dict)
        and data.get("template") in TEMPLATES
        and all(isinstance(k, str) for k in args)
        and all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in args.values())
    ):
        raise refusal(msg("the history is damaged"))
    text = Message(data["template"], dict(args))
    try:
        said = str(text)
    except ValueError:  # an integer too long to print
        said = None
    if said != message:
        raise refusal(msg("the history is damaged"))
    return text
