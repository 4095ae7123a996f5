"""Step Through: PyTorch's real forward pass op by op, then its backward pass node by node."""

import streamlit as st

from graphlab.lessons import gallery
from graphlab.lessons.expressions import DEFAULT, EXPRESSION_EXAMPLES
from graphlab.lessons.recordings import MODELS, record_example, record_model
from graphlab.sandbox import Limits
from widgets import program_editor as editor
from widgets import stepper, training_batch
from widgets.expression import message_markdown, show_error
from widgets.graph_view import DIRECTIONS
from widgets.i18n import N_, _, say, translator
from widgets.memo import digest, last_good

EXAMPLES = gallery.EXAMPLES
SOURCES = [N_("Gallery example"), N_("Small model"), N_("Your program")]  # shown through _()
LIMIT = Limits().max_source_chars


@st.cache_data(max_entries=32, show_spinner=False)
def example_recording(name: str) -> dict:
    # Seeded, trusted code with no visitor input: one recording serves everyone.
    return record_example(name)


@st.cache_data(max_entries=4, show_spinner=False)
def model_recording(name: str) -> dict:
    return record_model(name)


st.title(_("Step Through"))
st.markdown(
    _(
        "Watch PyTorch run. **Forward**: each op as it executes, and the graph nodes it records. "
        "**Backward**: each node in the order the autograd engine *really* ran it (recorded with "
        "hooks on every node), the gradient that arrives, the local derivative with the numbers "
        "it used, and what it sends along each input edge. Leaves add up their `.grad`."
    )
)

# One row of choices, so that the graph and its toolbar come up as high as they can. A batch
# recorded on Live Training is a fourth source, which needs room more than the picker beside it.
sources = training_batch.sources(SOURCES)
widths = [4, 4, 1.5] if len(sources) == len(SOURCES) else [6, 3, 1.5]
source_col, pick_col, view_col = st.columns(widths, vertical_alignment="bottom")
source = source_col.segmented_control(
    _("Source"),
    sources,
    default=training_batch.arrive("step_source", SOURCES[0]),
    format_func=translator(),
    key="step_source",
)
source = source or SOURCES[0]
with view_col.popover(_("View"), icon=":material/tune:", width="stretch"):
    direction = st.radio(
        _("Layout"), list(DIRECTIONS), format_func=translator(), key="step_rankdir"
    )
    all_ops = st.toggle(
        _("Also ops with no node in the graph"),
        key="step_all_ops",
        help=_(
            "Ops with no node in the graph drawn: tensor factories; ops run with grad mode off "
            "(`torch.no_grad()`, as in a model's setup); ops with no input that requires grad "
            "(constants, detached tensors); ops with integer or bool outputs (`x > 0`, "
            "`argmax`); ops that cut the graph (`detach`, `zeros_like`) or return their input "
            "as it was; ops whose node is not on the path back from the output."
        ),
    )
options = {"rankdir": DIRECTIONS.get(direction, "TB"), "show_saved": False}
if source == "Gallery example":
    tr = translator()  # the titles are the library's English (widgets/content_words.py)
    name = pick_col.selectbox(
        _("Example"),
        list(EXAMPLES),
        format_func=lambda n: tr(EXAMPLES[n].title),
        key="step_example",
    )
    data, identity = example_recording(name), f"example:{name}"
    with st.expander(_("Code")):
        st.code(gallery.source(name), language="python", wrap_lines=True)
elif source == "Small model":
    tr = translator()
    name = pick_col.selectbox(
        _("Model"), list(MODELS), format_func=lambda n: tr(MODELS[n]), key="step_model"
    )
    st.caption(
        _(
            "A toy MNIST model of the Live Training page, on two random images. Its big weights "
            "show as min / max / mean."
        )
    )
    data, identity = model_recording(name), f"model:{name}"
elif source == training_batch.SOURCE:
    data, identity = training_batch.show(pick_col)
else:
    stepper.init_program(EXPRESSION_EXAMPLES[DEFAULT].source)
    link_col, lab_col = st.columns([3, 1])
    link_col.text_input(
        _("Paste an Expression Lab share link"),
        key="step_link",
        on_change=stepper.load_link,
        placeholder="https://.../expression_lab?code=...",
    )
    lab_col.button(
        _("Use the Lab's program"), key="step_use_lab", on_click=stepper.load_lab_program
    )
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
        st.warning(_(editor.STALE), icon=":material/history:")
    code, data = good or (code, data)
    identity = f"program:{digest(code)}"

if data.get("note"):
    # the worker's sentence, translated; it may quote torch's error, shown literally
    st.info(message_markdown(say(data.get("note_text") or data["note"])))
if not data.get("graph"):
    st.stop()

stepper.stepper(data, identity, all_ops, options)
