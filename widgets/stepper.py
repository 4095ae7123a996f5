"""Streamlit pieces of the Step Through page: the visitor's program, the controls, each frame.

A recording is plain data (:mod:`graphlab.worker.record`); :mod:`graphlab.render.frames` says what
each frame highlights. Names a visitor typed (variables, hence leaf names) are shown only through
``st.code``, ``st.table`` or escaped markdown, never as markup. Play advances one frame per tick
of a timed fragment; the script itself never waits in a loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import streamlit as st

import graphlab as gl
from graphlab.record.rules import NOTATION, rule_for
from graphlab.render.frames import (
    Frame,
    frame_dot,
    frame_legend,
    frames,
    highlight,
    next_frame,
)
from graphlab.sandbox import ShareLinkError, decode_program, program_from_link
from widgets import worker_wait
from widgets.expression import LINKED as _LAB_LINK
from widgets.expression import escape_markdown, format_tensor
from widgets.graph_canvas import graph_canvas
from widgets.i18n import N_, _, pgettext, say, translator
from widgets.step_reasons import no_node_sentence

POS = "step_pos"  # the slider's key: the frame shown
PLAYING = "step_playing"  # plain state (not a widget): the timer runs while True
_TICK = "step_tick"  # time of the last automatic advance
_RESTART = "step_restart"  # Play or Pause was pressed: rerun the page to reset the timer
_SPEED = "step_speed"
_SHOWN = "step_shown"  # which recording the position belongs to
CODE = "step_code"
_REPLY = "step_reply"  # (program, worker reply)
_LINK_PROBLEM = "step_link_problem"  # why the last pasted link or Lab program did not load
SPEEDS = {"slow": 2.0, "normal": 1.0, "fast": 0.4}  # seconds per frame
SPEED_WORDS = (N_("slow"), N_("normal"), N_("fast"))  # SPEEDS' keys, shown through _()


# -- the visitor's program ---------------------------------------------------------------------
def init_program(default: str) -> None:
    """The program: from this page's ``?code=`` link, else the Expression Lab's, else `default`."""
    link = st.query_params.get("code")
    if CODE not in st.session_state:
        st.session_state[CODE] = _decoded(link) or _decoded(st.session_state.get(_LAB_LINK))
        st.session_state[CODE] = st.session_state[CODE] or default


def _decoded(value: Any) -> str | None:
    try:
        return decode_program(value) if value else None
    except ShareLinkError:
        return None


def load_link() -> None:
    """Callback of the share-link box: put the link's program into the editor."""
    text = st.session_state.get("step_link") or ""
    if text.strip():
        _load(text, N_("This link could not be opened: {reason}"), program_from_link)


def load_lab_program() -> None:
    problem = N_("The Expression Lab's program could not be opened: {reason}")
    _load(st.session_state.get(_LAB_LINK), problem, decode_program)


def _load(code: Any, problem: str, decode: Callable[[Any], str]) -> None:
    """Decode `code` into the editor, or keep `problem` (a template with `{reason}`) to show."""
    try:
        if not code:
            raise ShareLinkError(_("there is none yet: open the Expression Lab and write one"))
        st.session_state[CODE] = decode(code)
    except ShareLinkError as err:
        st.session_state[_LINK_PROBLEM] = _(problem).format(reason=say(err.text))


def link_problem() -> None:
    """Say why the last link or Lab program did not load (once)."""
    problem = st.session_state.pop(_LINK_PROBLEM, None)
    if problem:
        st.warning(escape_markdown(problem))


def record_program(code: str) -> dict[str, Any]:
    """The worker's recording of ``code``, kept per visitor until the program changes."""
    return worker_wait.remember(
        _REPLY,
        code,
        lambda slot: worker_wait.run(code, kind="record", slot=slot),
        _("Running your program in the sandbox..."),
    )


# -- controls ----------------------------------------------------------------------------------
def _go(position: int) -> None:
    st.session_state[POS] = position


def _toggle_play(count: int) -> None:
    playing = not st.session_state.get(PLAYING, False)
    if playing and st.session_state.get(POS, 0) >= count - 1:
        st.session_state[POS] = 0  # play again from the start
    st.session_state[PLAYING] = playing
    st.session_state[_TICK] = time.monotonic()
    st.session_state[_RESTART] = True  # the timer's period is set by the whole page


def stepper(data: dict[str, Any], identity: str, all_ops: bool, options: dict) -> None:
    """The frame with its toolbar beside it (a fragment that ticks while playing)."""
    shown = frames(data, all_ops)
    if not shown:
        st.info(_("Nothing to step through: no op built a node of the output's graph."))
        return
    if st.session_state.get(_SHOWN) != identity:  # another recording: start from its beginning
        st.session_state[_SHOWN] = identity
        st.session_state[POS] = 0
        st.session_state[PLAYING] = False
    count = len(shown)
    st.session_state[POS] = min(int(st.session_state.get(POS, 0)), count - 1)
    speed = st.session_state.get(_SPEED) or "normal"
    interval = SPEEDS.get(speed, 1.0) if st.session_state.get(PLAYING, False) else None
    st.fragment(run_every=interval)(_frame_view)(data, shown, options, interval)


def _frame_view(data: dict, shown: list[Frame], options: dict, interval: float | None) -> None:
    count = len(shown)
    now = time.monotonic()
    if interval is not None and now - st.session_state.get(_TICK, now) >= 0.8 * interval:
        st.session_state[_TICK] = now
        st.session_state[POS], playing = next_frame(st.session_state[POS], count)
        if not playing:
            st.session_state[PLAYING] = False
            st.rerun()  # stop the timer
    graph_col, info_col = st.columns([3, 2])
    with graph_col:
        _toolbar(count)
        if st.session_state.pop(_RESTART, False):
            st.rerun()  # Play or Pause: the whole page sets the timer again
        position = st.session_state[POS]
        show_frame(data, shown[position], position, count, options, info_col)


def _toolbar(count: int) -> None:
    """Play, first, previous, next, last, the speed and the frame: one row that wraps."""
    position, playing = st.session_state[POS], st.session_state.get(PLAYING, False)
    last = position >= count - 1
    bar = st.container(horizontal=True, gap="small", vertical_alignment="center")
    bar.button(
        _("Pause") if playing else pgettext("player", "Play"),
        icon=":material/pause:" if playing else ":material/play_arrow:",
        key="step_play", on_click=_toggle_play, args=(count,), disabled=count < 2, type="primary",
    )  # fmt: skip
    buttons = ((_("First"), "first_page", "step_first", 0, position == 0),
               (_("Previous"), "chevron_left", "step_prev", position - 1, position == 0),
               (_("Next"), "chevron_right", "step_next", position + 1, last),
               (_("Last"), "last_page", "step_last", count - 1, last))  # fmt: skip
    for label, icon, key, target, off in buttons:
        bar.button(label, icon=f":material/{icon}:", key=key, on_click=_go, args=(target,),
                   disabled=off)  # fmt: skip
    bar.segmented_control(_("Speed"), list(SPEEDS), default="normal", key=_SPEED, required=True,
                          format_func=translator())  # fmt: skip
    if count > 1:
        st.select_slider(  # a select slider, to number the frames from 1 like the headline
            _("Frame"),
            options=range(count),
            format_func=lambda i: f"{i + 1} / {count}",
            key=POS,
        )


# -- one frame ---------------------------------------------------------------------------------
def show_frame(
    data: dict, frame: Frame, position: int, count: int, options: dict, info_col
) -> None:
    graph = gl.Graph.from_dict(data["graph"])
    hl = highlight(data, frame)
    # One view per recording: zoom and pan stay put while the frames play.
    view = f"{data.get('title')} {data.get('source')} {options}"
    keys = frame_legend(graph, frame, hl, show_saved=options.get("show_saved", False))
    graph_canvas(frame_dot(graph, hl, legend=False, **options), "step_canvas", view=view,
                 height=480, legend=keys)  # fmt: skip
    if hl.edges:
        st.caption(_("Gradients flow against the arrows: from the output back to the leaves."))
    with info_col:
        st.markdown(f"**{position + 1} / {count}** · {_headline(data, frame, graph)}")
        if frame.phase == "forward":
            _forward_info(data, data["forward"][frame.step], graph)
        elif frame.phase == "backward":
            _backward_info(data["backward"][frame.step], graph)
        else:
            _final_info(data)


def _headline(data: dict, frame: Frame, graph: gl.Graph) -> str:
    if frame.phase == "forward":
        step = data["forward"][frame.step]
        return _("Forward: `{op}`").format(op=step["op"])
    if frame.phase == "backward":
        step = data["backward"][frame.step]
        return _("Backward: `{node}` runs").format(node=step["name"])
    return _("Done: the leaf gradients")


def _name(graph: gl.Graph, node_id: str | None) -> str:
    if node_id is None:
        return "—"
    node = graph.node(node_id)
    return f"{node.name} ({node_id})"


def _forward_info(data: dict, step: dict, graph: gl.Graph) -> None:
    lines = (data.get("source") or "").splitlines()
    if step["line"] and 1 <= step["line"] <= len(lines):
        st.code(f"{step['line']:>3} | {lines[step['line'] - 1]}", language=None)
    st.code(f"{step['op']}({', '.join(step['args'])})", language=None, wrap_lines=True)
    st.table(
        {
            "": [f"t{i}" for i in range(len(step["inputs"]))]
            + [_("output")] * len(step["outputs"]),
            _("value"): [format_tensor(v) for v in step["inputs"] + step["outputs"]],
        }
    )
    if step["nodes"]:
        st.markdown(_("**Graph nodes made:**"))
        st.text(", ".join(_name(graph, n) for n in step["nodes"]))
    else:
        st.info(no_node_sentence(step))


def _backward_info(step: dict, graph: gl.Graph) -> None:
    node = graph.node(step["node"])
    st.markdown(_("**Arrives** (`grad_output`)"))
    st.code(
        "\n".join(format_tensor(g) if g else "None" for g in step["grad_outputs"]), language=None
    )
    rule = rule_for(node.name, node.kind) or rule_for(step["name"])
    st.markdown(_("**Local derivative**"))
    if rule is not None:
        st.latex(rule.backward)
        st.caption(_(rule.words))  # marked N_ in graphlab.record.rules
    for line in step["filled"]:
        st.latex(line)
    if rule is not None:
        st.caption(_(NOTATION))
    if step["grad_inputs"]:
        st.markdown(_("**Sends along each input edge** (`grad_inputs`), to the node at its end"))
        st.table(
            {
                _("to"): [_name(graph, t) for t in step["targets"]],
                _("gradient"): [format_tensor(g) if g else "None" for g in step["grad_inputs"]],
            }
        )
    if step["grad"] is not None:
        st.markdown(_("**`.grad` accumulates**"))
        st.table(
            {
                _("from"): [_name(graph, c["node"]) for c in step["contributions"]],
                _("contribution"): [format_tensor(c["value"]) for c in step["contributions"]],
            }
        )
        st.code(f".grad = {format_tensor(step['grad'])}", language=None)


def _final_info(data: dict) -> None:
    leaves = data.get("leaves", [])
    st.table(
        {
            _("leaf"): [leaf["name"] for leaf in leaves],
            _("sum of the steps"): [format_tensor(leaf["from_steps"]) for leaf in leaves],
            ".grad": [format_tensor(leaf["grad"]) for leaf in leaves],
            _("equal"): ["✓" if leaf["equal"] else "✗" for leaf in leaves],
        }
    )
    if leaves and all(leaf["equal"] for leaf in leaves):
        st.success(_("Every leaf's `.grad` equals the sum of the gradients the steps delivered."))
    elif leaves:
        names = escape_markdown(", ".join(leaf["name"] for leaf in leaves if not leaf["equal"]))
        st.warning(
            _("Not all equal (large tensors are compared by their summaries): {names}").format(
                names=names
            )
        )
