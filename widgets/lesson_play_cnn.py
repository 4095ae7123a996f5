"""Lesson 16's Play: a shape calculator on a small CNN. The learner sets the input, the two
convolutions and the pooling; torch plans the network on `meta` (`graphlab.lessons.lesson_cnn`,
through `graphlab.models`) and the page lists each layer's output shape beside the formula, the
size the first Linear needs, and what the tutorial's `Linear(64 * 56 * 56, 10)` says to it.
The same network opens in Model Graph (its spec is the format that page edits)."""

from __future__ import annotations

from dataclasses import asdict, fields

import streamlit as st

from graphlab.lessons import lesson_cnn as lc
from graphlab.models import edit
from widgets.expression import message_markdown
from widgets.i18n import _, say
from widgets.model_builder import SPEC as MODEL_GRAPH_SPEC

__all__ = ["cnn"]

PREFIX = "cnn_"  # each Net field lives in st.session_state["cnn_<field>"]


def _net() -> lc.Net:
    ss = st.session_state
    for name, value in asdict(lc.TUTORIAL).items():
        ss.setdefault(PREFIX + name, value)
    return lc.Net(**{f.name: ss[PREFIX + f.name] for f in fields(lc.Net)})


def _preset(net: lc.Net) -> None:
    for name, value in asdict(net).items():
        st.session_state[PREFIX + name] = value


def cnn(state_only: bool = False) -> dict[str, str]:
    """The controls, the network as code, each layer's shape, and the first Linear's size."""
    net = _net()
    if not state_only:
        _controls()
    try:
        result = lc.shapes(net)
    except ValueError as err:  # a SpecError too: its full text names the layer
        if not state_only:
            reason = getattr(err, "full_text", None) or (err.args[0] if err.args else "")
            st.error(_("That cannot run: {reason}").format(reason=message_markdown(say(reason))))
        return {}
    if state_only:
        return lc.saw(result)
    _table(result)
    _first_linear(result)
    st.code(lc.source(net, result.fc_in), "python")
    _model_graph(net)
    return lc.saw(result)


def _controls() -> None:
    presets = st.columns(2)
    presets[0].button(_("The tutorial's network (224)"), key="cnn_tutorial", on_click=_preset,
                      args=(lc.TUTORIAL,), width="stretch")  # fmt: skip
    presets[1].button(_("graphlab's MNIST CNN (28)"), key="cnn_mnist", on_click=_preset,
                      args=(lc.MNIST,), width="stretch")  # fmt: skip
    low, high = lc.RANGES["size"]
    top = st.columns(4)
    top[0].number_input(_("Input size"), low, high, step=1, key="cnn_size")
    top[1].radio(_("Input channels"), (1, 3), key="cnn_in_channels", horizontal=True)
    top[2].number_input(_("conv1 channels"), *lc.RANGES["c1"], step=1, key="cnn_c1")
    top[3].number_input(_("conv2 channels"), *lc.RANGES["c2"], step=1, key="cnn_c2")
    middle = st.columns(4)
    middle[0].slider("kernel_size", *lc.RANGES["kernel"], key="cnn_kernel")
    middle[1].slider("stride", *lc.RANGES["stride"], key="cnn_stride")
    middle[2].slider("padding", *lc.RANGES["padding"], key="cnn_padding")
    middle[3].slider(_("Pool size"), *lc.RANGES["pool"], key="cnn_pool")
    pools = st.columns(2)
    pools[0].checkbox(_("Pool after conv1"), key="cnn_pool1")
    pools[1].checkbox(_("Pool after conv2"), key="cnn_pool2")


def _table(result: lc.Shapes) -> None:
    marks = {True: "✓", False: "✗", None: ""}
    st.dataframe(
        {_("layer"): [r.name for r in result.rows],
         _("output shape (torch)"): [str(r.shape) for r in result.rows],
         _("formula"): [r.formula for r in result.rows],
         _("formula = torch"): [marks[r.matches] for r in result.rows]},
        hide_index=True, key="cnn_table",
    )  # fmt: skip
    st.caption(_("Conv2d: ⌊(n + 2·padding − kernel) / stride⌋ + 1; MaxPool2d(k): "
                 "⌊(n − k) / k⌋ + 1; Flatten: channels · height · width."))  # fmt: skip


def _first_linear(result: lc.Shapes) -> None:
    st.success(_("Flatten gives {flat} values per image, so the first Linear is "
                 "`nn.Linear({flat}, {classes})`: torch built it with in_features = {fc_in}.")
               .format(flat=result.flat, classes=lc.CLASSES, fc_in=result.fc_in))  # fmt: skip
    tutorial = f"nn.Linear(64 * 56 * 56, {lc.CLASSES})"
    if result.tutorial_error:
        st.error(_("The tutorial's `{code}` expects {want} values: torch refuses: {message}")
                 .format(code=tutorial, want=lc.TUTORIAL_IN,
                         message=message_markdown(result.tutorial_error)))  # fmt: skip
    else:
        st.info(_("The tutorial's `{code}` fits this network: its flatten gives {want} values.")
                .format(code=tutorial, want=lc.TUTORIAL_IN))  # fmt: skip


def _open_in_model_graph(net: lc.Net) -> None:
    st.session_state[MODEL_GRAPH_SPEC] = edit.spec_text(lc.spec(net))
    st.session_state.pop("mg_open_for", None)  # Model Graph starts its view afresh


def _model_graph(net: lc.Net) -> None:
    refusal = lc.model_graph_refusal(net)
    if refusal is not None:
        st.caption(_("Model Graph would refuse this network: {reason}").format(
            reason=message_markdown(say(refusal))))  # fmt: skip
        return
    if st.button(_("Draw this network in Model Graph"), key="cnn_model_graph",
                 icon=":material/schema:", on_click=_open_in_model_graph, args=(net,)):  # fmt: skip
        st.switch_page("app_pages/model_graph.py")
