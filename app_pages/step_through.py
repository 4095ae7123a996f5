"""Step Through: PyTorch's real forward pass op by op, then its backward pass node by node."""

import streamlit as st

from graphlab.lessons import gallery
from graphlab.lessons.expressions import DEFAULT, EXPRESSION_EXAMPLES
from graphlab.lessons.recordings import MODELS, record_example, record_model
from graphlab.sandbox import Limits
from widgets import program_editor as editor
from widgets import stepper
from widgets.expression import show_error
from widgets.graph_view import DIRECTIONS
from widgets.memo import digest, last_good

EXAMPLES = gallery.EXAMPLES
SOURCES = ["Gallery example", "Small model", "Your program"]
LIMIT = Limits().max_source_chars


@st.cache_data(max_entries=32, show_spinner=False)
def example_recording(name: str) -> dict:
    # Seeded, trusted code with no visitor input: one recording serves everyone.
    return record_example(name)


@st.cache_data(max_entries=4, show_spinner=False)
def model_recording(name: str) -> dict:
    return record_model(name)


st.title("Step Through")
st.markdown(
    "Watch PyTorch run. **Forward**: each op as it executes, and the graph nodes it records. "
    "**Backward**: each node in the order the autograd engine *really* ran it (recorded with "
    "hooks on every node), the gradient that arrives, the local derivative with the numbers "
    "it used, and what it sends along each input edge. Leaves add up their `.grad`."
)

# One row of choices, so that the graph and its toolbar come up as high as they can.
source_col, pick_col, view_col = st.columns([4, 4, 1.5], vertical_alignment="bottom")
source = source_col.segmented_control("Source", SOURCES, default=SOURCES[0], key="step_source")
source = source or SOURCES[0]
with view_col.popover("View", icon=":material/tune:", width="stretch"):
    direction = st.radio("Layout", list(DIRECTIONS), key="step_rankdir")
    all_ops = st.toggle(
        "Also ops that built no node",
        key="step_all_ops",
        help="Tensor factories, ops under no_grad, on detached tensors or inside a model's setup.",
    )
options = {"rankdir": DIRECTIONS.get(direction, "TB"), "show_saved": False}
if source == "Gallery example":
    name = pick_col.selectbox(
        "Example", list(EXAMPLES), format_func=lambda n: EXAMPLES[n].title, key="step_example"
    )
    data, identity = example_recording(name), f"example:{name}"
    with st.expander("Code"):
        st.code(gallery.source(name), language="python", wrap_lines=True)
elif source == "Small model":
    name = pick_col.selectbox("Model", list(MODELS), format_func=MODELS.get, key="step_model")
    st.caption(
        "A toy MNIST model of the Live Training page, on two random images. Its big weights "
        "show as min / max / mean."
    )
    data, identity = model_recording(name), f"model:{name}"
else:
    stepper.init_program(EXPRESSION_EXAMPLES[DEFAULT].source)
    link_col, lab_col = st.columns([3, 1])
    link_col.text_input(
        "Paste an Expression Lab share link",
        key="step_link",
        on_change=stepper.load_link,
        placeholder="https://.../expression_lab?code=...",
    )
    lab_col.button("Use the Lab's program", key="step_use_lab", on_click=stepper.load_lab_program)
    stepper.link_problem()
    code = editor.submitted_program(stepper.CODE, limit=LIMIT)
    data = stepper.record_program(code)
    editor.program_editor(stepper.CODE, limit=LIMIT, error=data.get("error"), lines=(6, 16))
    # On an error (or a refused program) the last program that ran stays, marked as stale.
    good = last_good("step_good", code, data)
    if not data.get("ok"):
        show_error(code, data.get("error", {}))
        if good is None:
            st.stop()
    if good is not None and (good[1] is not data or editor.refused(stepper.CODE)):
        st.warning(editor.STALE, icon=":material/history:")
    code, data = good or (code, data)
    identity = f"program:{digest(code)}"

if data.get("note"):
    st.info(data["note"])
if not data.get("graph"):
    st.stop()

stepper.stepper(data, identity, all_ops, options)
