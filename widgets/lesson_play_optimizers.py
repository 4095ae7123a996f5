"""Lesson 11's Play: SGD, SGD with momentum, RMSprop and Adam race on a 2-D loss surface. The
learner picks the surface, the start, each lr (or one for all), momentum and Adam's betas; torch.optim
runs all four once per setting (`graphlab.lessons.optimizer_race`, cached on the plain settings);
the step slider (or Play, which advances it) shows the race at one step: the paths on the heat
map, a table of where each stands, and each update rule with that step's numbers."""

from __future__ import annotations

import streamlit as st

from graphlab.lessons import lesson_optimizers as lo
from graphlab.lessons import optimizer_race as ro
from graphlab.lessons import optimizer_steps as rules
from graphlab.train.plots import descent_chart
from widgets.i18n import _, pgettext, say, translator
from widgets.literal_text import unlinked

SURFACE, START, SHARED, LR, STEP, PLAYING = (
    "opt_surface", "opt_start", "opt_shared", "opt_lr", "opt_step", "opt_playing")  # fmt: skip
MOMENTUM, BETA1, BETA2 = "opt_momentum", "opt_beta1", "opt_beta2"
TICK = 0.25  # seconds between two frames while Play runs


def _lr_key(name: str) -> str:
    return f"opt_lr_{name}"


def _start_text(point: tuple[float, float]) -> str:
    return f"{point[0]:g}, {point[1]:g}"


def _defaults() -> None:
    ss = st.session_state
    where = ro.SURFACES[ss.setdefault(SURFACE, "bowl")]
    for key, value in ((START, _start_text(where.start)), (SHARED, False), (LR, 0.05),
                       (MOMENTUM, 0.9), (BETA1, 0.9), (BETA2, 0.999), (STEP, ro.STEPS),
                       (PLAYING, False), *((_lr_key(n), where.lrs[n]) for n in ro.OPTIMIZERS)):  # fmt: skip
        ss.setdefault(key, value)


def _new_surface() -> None:
    """Another surface: its own start and lrs (a start on one grid may be off the next)."""
    ss = st.session_state
    where = ro.SURFACES[ss[SURFACE]]
    ss[START] = _start_text(where.start)
    for name in ro.OPTIMIZERS:
        ss[_lr_key(name)] = where.lrs[name]


@st.cache_data(max_entries=32, show_spinner=False)
def _race(surface: str, start: tuple, lrs: tuple, momentum: float, betas: tuple) -> dict:
    """All four runs for these plain settings: torch.optim runs them once per setting."""
    return ro.race(surface, start, dict(zip(ro.OPTIMIZERS, lrs, strict=True)), momentum, betas)


def _runs() -> dict[str, ro.Run]:
    ss = st.session_state
    surface = ss[SURFACE] if ss[SURFACE] in ro.SURFACES else "bowl"
    start = ro.parse_start(ss[START], surface)
    lrs = tuple(float(ss[LR] if ss[SHARED] else ss[_lr_key(n)]) for n in ro.OPTIMIZERS)
    return _race(surface, start, lrs, float(ss[MOMENTUM]), (float(ss[BETA1]), float(ss[BETA2])))


def optimizers(state_only: bool = False) -> dict[str, str]:
    """The controls, then the race at the step the slider (or Play) shows."""
    ss = st.session_state
    _defaults()
    if not state_only:
        _controls()
    try:
        runs = _runs()
    except ValueError as err:
        if not state_only:
            reason = say(err.args[0] if err.args else "")  # the library's Message, translated
            st.error(_("That cannot run: {reason}").format(reason=unlinked(reason)))
        return {}
    if not state_only:
        timed = bool(ss[PLAYING])
        st.fragment(run_every=TICK if timed else None)(_race_view)(runs, timed)
    return lo.saw(ss[SURFACE], runs, min(int(ss[STEP]), ro.STEPS))


def _controls() -> None:
    ss = st.session_state
    top = st.columns([2, 2, 1], vertical_alignment="bottom")
    said = translator()  # the same words when AppTest reads the options outside the run
    top[0].selectbox(_("Surface"), list(ro.SURFACES), key=SURFACE, on_change=_new_surface,
                     format_func=lambda s: said(ro.SURFACES[s].name))  # fmt: skip
    top[1].text_input(_("Start (x, y)"), key=START, max_chars=40)
    top[2].toggle(_("One lr for all"), key=SHARED)
    st.latex(ro.SURFACES[ss[SURFACE]].tex)
    if ss[SHARED]:
        st.select_slider("lr", ro.LRS, key=LR)
    else:
        for col, name in zip(st.columns(4), ro.OPTIMIZERS, strict=True):
            col.select_slider(f"lr: {ro.LABELS[name]}", ro.LRS, key=_lr_key(name))
    low = st.columns(3)
    low[0].slider("momentum (SGD)", 0.0, 0.99, step=0.01, key=MOMENTUM)
    low[1].slider("β₁ (Adam)", 0.0, 0.99, step=0.01, key=BETA1)
    low[2].select_slider("β₂ (Adam)", ro.BETA2S, key=BETA2)


def _toggle_play() -> None:
    ss = st.session_state
    if not ss[PLAYING]:
        ss[STEP] = ro.play_from(int(ss[STEP]), ro.STEPS)
    ss[PLAYING] = not ss[PLAYING]


def _race_view(runs: dict[str, ro.Run], timed: bool) -> None:
    """One frame: a fragment that Play's timer reruns, each time one frame further."""
    ss = st.session_state
    if timed != ss[PLAYING]:  # Play or Pause was pressed, or the race ended: the page resets
        st.rerun()  # the timer
    if timed:
        ss[STEP], ss[PLAYING] = ro.next_frame(int(ss[STEP]), ro.STEPS)
    bar = st.columns([1, 6], vertical_alignment="bottom")
    bar[0].button(_("Pause") if ss[PLAYING] else pgettext("player", "Play"), key="opt_play",
                  icon=":material/pause:" if ss[PLAYING] else ":material/play_arrow:",
                  on_click=_toggle_play, type="primary")  # fmt: skip
    bar[1].slider(_("Step"), 0, ro.STEPS, key=STEP)
    step = int(ss[STEP])
    surface = ro.SURFACES[ss[SURFACE]]
    left, right = st.columns([4, 3])
    left.altair_chart(
        descent_chart(ro.grid(ss[SURFACE]),
                      {ro.LABELS[n]: r.points[: r.at(step) + 1] for n, r in runs.items()},
                      surface.minima, title=_("The loss over (x, y), and each optimizer's path"),
                      height=440, gettext=translator(), axes=("x", "y")),
        width="stretch", key="opt_chart",
    )  # fmt: skip
    with right:
        _standings(runs, step)
    _formulas(runs, step)


def _standings(runs: dict[str, ro.Run], step: int) -> None:
    """Where each stands at `step`: a table, who leads, who diverged."""
    at = {n: r.points[r.at(step)] for n, r in runs.items()}
    reached = {n: ro.first_below(r, lo.THRESHOLD) for n, r in runs.items()}
    st.table(
        {_("optimizer"): [ro.LABELS[n] for n in runs],
         "x": [ro.number(at[n][0]) for n in runs], "y": [ro.number(at[n][1]) for n in runs],
         _("loss"): [ro.number(r.loss(step)) for r in runs.values()],
         _("loss < {t} at step").format(t=f"{lo.THRESHOLD:g}"):
             [str(k) if k is not None and k <= step else "—" for k in reached.values()]},
    )  # fmt: skip
    if step == 0:
        st.info(_("Step 0: all four stand at the start. Press Play, or move the step slider."))
    else:
        best = ro.leader(runs, step)
        st.success(_("At step {step}, {name} is lowest, with loss {loss}.").format(
            step=step, name=ro.LABELS[best], loss=ro.number(runs[best].loss(step))))  # fmt: skip
    for name, run in runs.items():
        if run.blew_up is not None and run.blew_up <= step:
            st.warning(_("{name} diverged: its loss became {value} at step {step}. Lower its lr.")
                       .format(name=ro.LABELS[name], value=ro.number(run.losses[-1]),
                               step=run.blew_up))  # fmt: skip


def _formulas(runs: dict[str, ro.Run], step: int) -> None:
    """Each optimizer's rule, and the same rule with the numbers torch used at `step`."""
    st.markdown(_("**Each update, with the numbers of step {step}**").format(step=step))
    for tab, (name, run) in zip(st.tabs(list(ro.LABELS.values())), runs.items(), strict=True):
        with tab:
            st.latex(r" \\[6pt] ".join((rules.GRADIENT, *rules.RULES[name])))
            st.latex(rules.settings_tex(run))
            shown = min(step, len(run.grads))
            if shown == 0:
                st.caption(_("Move the step slider past 0 to see an update with its numbers."))
                continue
            if shown < step:
                st.caption(_("{name} stopped at step {step}: its last update was this one.")
                           .format(name=ro.LABELS[name], step=shown))  # fmt: skip
            for line in rules.step_tex(run, shown):
                st.latex(line)
