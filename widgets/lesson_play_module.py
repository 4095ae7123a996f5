"""Lesson 8's Play: a TinyNet the learner sizes (width, depth, BatchNorm, the plain-list mistake,
a frozen first layer); its `named_parameters()` and `state_dict()` as live tables, `print(model)`,
and the graph of one forward pass grouped by module, with a button that opens the same network
in Model Graph. Everything shown is read off the module by `graphlab.lessons.lesson_module`.
"""

from __future__ import annotations

import streamlit as st

from graphlab.lessons import lesson_module as lm
from graphlab.models import edit
from graphlab.render import legend_keys, to_dot
from widgets import model_builder, model_view
from widgets.graph_canvas import graph_canvas
from widgets.i18n import _, say
from widgets.literal_text import unlinked

__all__ = ["module_table"]

DEFAULTS = {"lm_width": lm.START["width"], "lm_depth": lm.START["depth"],
            "lm_bn": lm.START["batchnorm"], "lm_plain": False, "lm_frozen": False}  # fmt: skip
MODEL_GRAPH = "app_pages/model_graph.py"


def module_table(state_only: bool = False) -> dict[str, str]:
    """The controls, the counts, both tables, the module's printout and its graph."""
    ss = st.session_state
    for key, value in DEFAULTS.items():
        ss.setdefault(key, value)
    if not state_only:
        _controls()
    sizes = (ss["lm_width"], ss["lm_depth"], bool(ss["lm_bn"]))
    flags = (bool(ss["lm_plain"]), bool(ss["lm_frozen"]))
    try:
        model = lm.make(*sizes, *flags)
    except ValueError as err:
        if not state_only:
            reason = say(err.args[0] if err.args else "")  # the library's Message, translated
            st.error(_("That model cannot be built: {reason}").format(reason=unlinked(reason)))
        return {}
    numbers = lm.saw(model, frozen=flags[1])
    if state_only:
        return numbers
    _counts(numbers)
    _tables(model)
    if flags[0]:
        st.warning(_("The hidden layers sit in a plain Python list: nn.Module does not see "
                     "them. They are in no table above, not in `print(model)`, and an optimizer "
                     "built from `model.parameters()` would never train them. `nn.ModuleList` "
                     "registers them."))  # fmt: skip
    with st.expander("print(model)"):
        st.code(repr(model), language="text")
    _graph(sizes, flags)
    return numbers


def _controls() -> None:
    sizes = st.columns(2)
    sizes[0].slider(_("Hidden width"), *lm.WIDTHS, key="lm_width")
    sizes[1].slider(_("Hidden layers"), *lm.DEPTHS, key="lm_depth")
    flags = st.columns(3)
    flags[0].checkbox("BatchNorm1d", key="lm_bn")
    flags[1].checkbox(_("Layers in a plain list"), key="lm_plain",
                      help=_("self.hidden = [...] instead of nn.ModuleList([...])"))  # fmt: skip
    flags[2].checkbox(_("Freeze the first layer"), key="lm_frozen",
                      help="model.hidden[0].requires_grad_(False)")  # fmt: skip


def _counts(numbers: dict[str, str]) -> None:
    cols = st.columns(4)
    cols[0].metric(_("Tensors in parameters()"), numbers["tensors"])
    cols[1].metric(_("Numbers in them"), numbers["numel"])
    cols[2].metric(_("Trainable numbers"), numbers["trainable"])
    cols[3].metric(_("state_dict() entries"), numbers["entries"])


def _tables(model: lm.TinyNet) -> None:
    left, right = st.columns(2)
    params = lm.parameter_rows(model)
    left.markdown("`model.named_parameters()`")
    left.dataframe(
        {_("name"): [r.name for r in params], _("shape"): [str(r.shape) for r in params],
         "numel()": [r.numel for r in params],
         "requires_grad": [str(r.requires_grad) for r in params]},
        hide_index=True, key="lm_params",
    )  # fmt: skip
    state = lm.state_rows(model)
    right.markdown("`model.state_dict()`")
    right.dataframe(
        {_("key"): [r.name for r in state], _("shape"): [str(r.shape) for r in state],
         _("kind"): [_(r.kind) for r in state]},
        hide_index=True, key="lm_state",
    )  # fmt: skip


@st.cache_data(max_entries=64, show_spinner=False)
def _captured(width: int, depth: int, batchnorm: bool, plain: bool, frozen: bool):
    # Plain keys, a seeded model and input: one cached graph serves every visitor.
    return lm.graph(width, depth, batchnorm, plain, frozen)


def _graph(sizes: tuple, flags: tuple) -> None:
    graph = _captured(*sizes, *flags)
    st.markdown(_("**One forward pass**, `model(x)` with `x` of shape {shape}: each box groups "
                  "the ops its module ran.").format(shape=str((lm.BATCH, lm.IN_FEATURES))))  # fmt: skip
    dot = to_dot(graph, modules=True, show_saved=False, legend=False)
    graph_canvas(dot, "lm_canvas", view=str((sizes, flags)), height=700,
                 legend=legend_keys(graph, show_saved=False, modules=True))  # fmt: skip
    if st.button(_("Open this model in Model Graph"), key="lm_model_graph",
                 icon=":material/schema:"):  # fmt: skip
        # Model Graph reads its spec from this key; a new spec starts its automatic view.
        st.session_state[model_builder.SPEC] = edit.spec_text(lm.spec(*sizes))
        st.session_state.pop(model_view.OPEN, None)
        st.switch_page(MODEL_GRAPH)
    st.caption(_("Model Graph builds the same layers as an nn.Sequential, with registered "
                 "layers and the same initial weights."))  # fmt: skip
