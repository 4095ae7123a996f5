"""Live training, the Streamlit side: run settings, start/pause/resume/stop, and a fragment that
polls the visitor's ``Trainer`` and redraws its curves.

The trainer lives in ``st.session_state`` (one job per visitor); the training thread never calls
Streamlit. Starting takes a slot of the process-wide ``JOB_SLOTS``; a run nobody polls for
``ABANDON_AFTER_S`` seconds (the visitor closed the tab) stops itself and frees its slot.
"""

from __future__ import annotations

import streamlit as st

from graphlab import train
from graphlab.core.device import available_devices
from graphlab.data import MnistNotFoundError
from graphlab.models import BUILTINS
from graphlab.train import divergence, form
from graphlab.train.errors import reason
from graphlab.train.plots import ZOOM, accuracy_chart, loss_chart, progress_text
from graphlab.train.thinning import thin_history
from widgets import training_queue as queue
from widgets.expression import message_markdown
from widgets.i18n import N_, _, say, translator
from widgets.session_reaper import on_session_end
from widgets.training_gradients import gradient_panel

TRAINER = "train_trainer"  # session_state key of the visitor's Trainer
NOTICE = "train_notice"  # (kind, text) left by a button for the next run to show
DRAWN = "train_epochs_drawn"  # how many epochs the results below the fragment show
BUTTONS = "train_buttons_drawn"  # the (status, running) the buttons were drawn for

POLL_S = 0.5
# A click waits this long for the trainer to take the new state (at most one step), so the page
# that follows draws the buttons of that state; the fragment catches a slower step up.
SETTLE_S = 2.0
# Hidden tabs poll at most once a minute in Chrome, so allow more than that before giving up.
ABANDON_AFTER_S = 90.0
# A run's status (graphlab.train: plain English identifiers), as the badge shows it.
STATUS_WORDS = {
    "idle": N_("idle"), "running": N_("running"), "paused": N_("paused"), "done": N_("done"),
    "stopped": N_("stopped"), "failed": N_("failed"), "diverged": N_("diverged"),
}  # fmt: skip


def trainer() -> train.Trainer | None:
    """The visitor's trainer, if any."""
    return st.session_state.get(TRAINER)


def explain(error: BaseException) -> str:
    """Why the library refused (a setting, a file, a full server), in the visitor's language;
    PyTorch's own words as they are."""
    return say(reason(error))


def refusal(error: BaseException) -> str:
    """What a page says when it cannot run: MNIST missing (and where it was looked for), or the
    library's reason for refusing a setting."""
    if isinstance(error, MnistNotFoundError):
        return _("The MNIST data is not available on this server.") + "\n\n" + explain(error)
    return _("That cannot run: {reason}").format(reason=explain(error))


KEYS = {  # run setting -> its widget's key
    "model": "train_model",
    "optimizer": "train_optimizer",
    "lr": "train_lr",
    "schedule": "train_schedule",
    "batch_size": "train_batch",
    "epochs": "train_epochs",
    "train_size": "train_size",
    "device": "train_device",
}


def settings(disabled: bool) -> dict:
    """The run settings; returns the raw widget values (``form.config_from_values`` checks them)."""
    cols = st.columns(4)
    default = form.DEFAULTS
    tr = translator()
    models = {k: f"{k}: {tr(BUILTINS[k].title)}" if k in BUILTINS else k for k in train.MODELS}
    for col, label, name, options in ((cols[0], _("Model"), "model", train.MODELS),
                                      (cols[1], _("Optimizer"), "optimizer", train.OPTIMIZERS),
                                      (cols[3], _("Schedule"), "schedule", train.SCHEDULES)):  # fmt: skip
        shown = models.get if name == "model" else str  # a model by its name and title
        col.selectbox(label, options, options.index(default[name]), key=KEYS[name],
                      disabled=disabled, format_func=shown)  # fmt: skip
    cols[2].text_input(
        _("Learning rate"),
        key=KEYS["lr"],
        placeholder=_("default"),
        disabled=disabled,
        help=_(
            "Blank: the optimizer's default ({defaults}). Try a huge one to watch the loss diverge."
        ).format(defaults=", ".join(f"{k} {v:g}" for k, v in train.DEFAULT_LR.items())),
    )
    cols[0].select_slider(
        _("Batch size"),
        form.BATCH_SIZES,
        value=default["batch_size"],
        key=KEYS["batch_size"],
        disabled=disabled,
    )
    cols[1].number_input(
        _("Epochs"), 1, form.MAX_EPOCHS, default["epochs"], key=KEYS["epochs"], disabled=disabled
    )
    cols[2].select_slider(
        _("Training images"),
        form.TRAIN_SIZES,
        value=default["train_size"],
        format_func=lambda n: f"{n:,}",
        key=KEYS["train_size"],
        disabled=disabled,
        help=_("Fewer images make a quick run; 50,000 is the whole MNIST training split."),
    )
    cols[3].selectbox(_("Device"), available_devices(), key=KEYS["device"], disabled=disabled)
    return current_values()


def current_values() -> dict:
    """The settings as the widgets hold them now (also inside a button's callback)."""
    return {name: st.session_state.get(key) for name, key in KEYS.items()}


# -- buttons (callbacks: they run before the page, so it draws the new state) -----------------


def _notify(kind: str, text: str) -> None:
    st.session_state[NOTICE] = (kind, text)


def launch(job: train.Trainer) -> bool:
    """Start `job`, or put this visitor in line for a slot (widgets.training_queue)."""
    try:
        job.start(slots=train.JOB_SLOTS, abandon_after=ABANDON_AFTER_S, ticket=queue.ticket())
    except train.BusyError:
        queue.join()
        return False
    queue.leave()
    on_session_end("training", job.stop)  # a closed tab's run stops with its session
    return True


def start_new() -> None:
    """Validate the settings, build a trainer and start it (replacing the visitor's old one)."""
    try:
        config = form.config_from_values(current_values())
    except ValueError as exc:
        _notify("error", _("Not started: {reason}").format(reason=explain(exc)))
        return
    old = trainer()
    if old is not None:
        old.stop()
    try:
        job = train.Trainer(config)
    except MnistNotFoundError as exc:
        _notify("error", refusal(exc))
        return
    except ValueError as exc:  # e.g. a device that is not there
        _notify("error", _("Not started: {reason}").format(reason=explain(exc)))
        return
    st.session_state[TRAINER] = job
    launch(job)


def _continue() -> None:
    job = trainer()
    if job is not None and not job.running:
        launch(job)


def _pause() -> None:
    if (job := trainer()) is not None:
        job.pause(wait=SETTLE_S)


def _resume() -> None:
    if (job := trainer()) is not None:
        job.resume(wait=SETTLE_S)


def _stop() -> None:
    queue.leave()
    if (job := trainer()) is not None:
        job.stop()


def controls() -> None:
    """Start / pause / resume / continue / stop, each enabled only when it makes sense: drawn
    from the trainer's state now, which the live panel compares with the state on each poll."""
    job = trainer()
    status = job.status if job is not None else "idle"
    running = job is not None and job.running
    st.session_state[BUTTONS] = (status, running)
    row = st.container(horizontal=True)
    row.button(
        _("Start training"),
        type="primary",
        icon=":material/play_arrow:",
        on_click=start_new,
        disabled=running,
        key="train_start",
    )
    if status == "paused":
        row.button(_("Resume"), icon=":material/play_circle:", on_click=_resume, key="train_resume")
    else:
        row.button(
            _("Pause"),
            icon=":material/pause:",
            on_click=_pause,
            disabled=status != "running",
            key="train_pause",
        )
    row.button(
        _("Stop"), icon=":material/stop:", on_click=_stop, disabled=not running, key="train_stop"
    )
    if status == "stopped" and not running:
        row.button(
            _("Continue"), icon=":material/skip_next:", on_click=_continue, key="train_continue"
        )
    notice = st.session_state.pop(NOTICE, None)
    if notice:  # it may quote a visitor's file name, typed text or checkpoint: show it literally
        getattr(st, notice[0])(message_markdown(notice[1]))


def live_panel(job: train.Trainer) -> None:
    """Curves, progress and throughput; polls twice a second while the job's thread is alive."""
    polling = job.running
    st.fragment(_live_body, run_every=POLL_S if polling else None, key="train_live")(job, polling)


def _live_body(job: train.Trainer, polling: bool) -> None:
    snap = job.snapshot()
    # Paused, resumed, ended: buttons drawn for another state than the trainer's are redrawn.
    stale = polling and (snap.status, job.running) != st.session_state.get(BUTTONS)
    new_epoch = polling and len(snap.history.epochs) != st.session_state.get(DRAWN)
    if stale or new_epoch:
        st.rerun()  # the whole page: results, buttons, and (if it ended) no more polling
    colors = {"running": "blue", "paused": "orange", "done": "green", "stopped": "gray"}
    row = st.container(horizontal=True, vertical_alignment="center")
    status = STATUS_WORDS.get(snap.status)
    row.badge(_(status) if status else snap.status, color=colors.get(snap.status, "red"))
    row.text(say(snap.text if snap.text is not None else snap.message))
    history = snap.history
    rising = divergence.warning(history.losses, history.smoothed, float(job.config.lr or 0))
    warned = st.empty()  # drawn on every poll: a warning that comes and goes moves no chart
    if rising is not None and snap.status in ("running", "paused"):
        row.badge(_("diverging"), color="red", icon=":material/trending_up:")
        warned.warning(say(rising))
    tr = translator()
    st.progress(min(max(snap.progress, 0.0), 1.0), text=progress_text(snap, job.config.epochs, tr))
    cols = st.columns(4)
    losses = snap.history.smoothed
    cols[0].metric(_("Loss (smoothed)"), divergence.readable(losses[-1]) if losses else "—")
    acc = snap.test_acc
    cols[1].metric(_("Test accuracy"), f"{100 * acc:.1f}%" if acc is not None else "—")
    cols[2].metric(_("Samples / s"), f"{snap.samples_per_s:,.0f}")
    cols[3].metric(_("Device"), snap.device)
    # A keyed chart whose zoom is an activated selection keeps one identity while its data change,
    # and Streamlit clears only selections that are not activated: the visitor's zoom and pan
    # survive the redraws. (A zoom reruns this fragment, which is harmless.)
    charts = {"train_loss_chart": loss_chart, "train_acc_chart": accuracy_chart}
    shown = thin_history(snap.history)  # a bounded number of points, its peaks kept
    for column, (key, chart) in zip(st.columns(2), charts.items(), strict=True):
        column.altair_chart(
            chart(shown, gettext=tr),
            width="stretch",
            key=key,
            on_select="rerun",
            selection_mode=ZOOM,
        )
    st.caption(_("Scroll on a chart to zoom, drag to pan, double-click to reset."))
    gradient_panel(job)
