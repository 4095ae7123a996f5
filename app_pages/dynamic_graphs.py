"""Dynamic Graphs: one program, two inputs, two graphs, their differences tied to source lines."""

import streamlit as st

from graphlab.lessons import dynamic
from graphlab.render import legend_keys, to_dot
from graphlab.sandbox import Limits
from graphlab.worker import shared_worker
from widgets import program_editor as editor
from widgets.expression import escape_markdown
from widgets.graph_canvas import graph_canvas
from widgets.i18n import N_, _
from widgets.memo import remembered

CODE, PAIR = "dg_code", "dg_pair"
LIMIT = dynamic.max_body_chars(Limits())
KINDS = {"added": N_("added"), "removed": N_("removed"), "changed": N_("changed")}

st.title(_("Dynamic Graphs"))
st.markdown(
    _(
        "PyTorch records the graph **while your code runs**, so ordinary Python `if` and `for` "
        "decide what gets recorded. Below, one program runs on two values of `x` (the first line "
        "is `x = torch.tensor(<value>, requires_grad=True)`); the two graphs are compared node by "
        "node and each difference is tied to the line whose branch or loop count differed."
    )
)

if CODE not in st.session_state:
    st.session_state[CODE] = dynamic.EXAMPLE
body = editor.submitted_program(CODE, limit=LIMIT)  # the program, after the newest Run
code_col, value_col = st.columns([3, 2])
with value_col:
    x_a = st.slider(_("x in run A"), -3.0, 3.0, 1.0, 0.5, key="dg_a")
    x_b = st.slider(_("x in run B"), -3.0, 3.0, -2.5, 0.5, key="dg_b")
    saved = st.toggle(_("Saved tensors"), value=False, key="dg_saved")
    st.caption(_("Allowed: assignments, `if`/`else`, `for i in range(k)`, `torch.*`, `F.*`."))


def run_both() -> dynamic.Pair:
    worker = shared_worker()  # the sandbox process; the server never runs the program
    replies = [worker.run(dynamic.program(body, x), kind="dynamic") for x in (x_a, x_b)]
    return dynamic.compare(body, *replies)


pair = remembered(PAIR, (body, x_a, x_b), run_both, _("Running both programs..."))
error = {"line": pair.error_line, "col": pair.error_col, "message": pair.error}
with code_col:
    editor.program_editor(
        CODE, limit=LIMIT, label=_("Program (uses x)"), error=error, lines=(9, 18)
    )

if pair.error:
    message = escape_markdown(pair.error)
    if pair.error_line:
        message = _("Line {line}: {message}").format(line=pair.error_line, message=message)
    st.error(message)
    st.stop()

visible = pair.visible(saved)
left, right = st.columns(2)
for col, title, graph, side in ((left, f"A: x = {x_a:g}", pair.graph_a, "a"),
                                (right, f"B: x = {x_b:g}", pair.graph_b, "b")):  # fmt: skip
    with col:
        st.subheader(title)
        marks = pair.marks(side, saved)
        dot = to_dot(graph, show_saved=saved, highlight=marks, legend=False)
        keys = legend_keys(graph, show_saved=saved, highlight=marks)
        graph_canvas(dot, f"dg_{side}_canvas", view=f"{body} {saved}", height=480, legend=keys)

st.subheader(_("What differed, and where"))
if pair.controls:
    for line, text in sorted(pair.controls.items(), key=lambda kv: kv[0] or 0):
        st.markdown("- " + _("**Line {line}**: {text}").format(line=line, text=text))
else:
    st.markdown(_("Both runs took the same branches and looped the same number of times."))
if visible:
    st.code(body, line_numbers=True)
    st.dataframe(
        {
            _("difference"): [_(KINDS.get(d.kind, d.kind)) for d in visible],
            _("node"): [d.name for d in visible],
            _("line"): [d.line if d.line is not None else "" for d in visible],
            _("why"): [d.why for d in visible],
            _("detail"): [d.detail for d in visible],
        },
        hide_index=True,
    )
else:
    st.success(_("The two graphs have the same structure: only the values in them differ."))

st.subheader(_("What a static capture sees instead"))
contrast = dynamic.static_contrast()
st.markdown(
    _(
        "`torch.jit.trace` runs a function **once** on an example input and records the ops that "
        "ran. Python `if` and `for` leave no trace: the branch taken and the loop count are baked "
        "into the recording. `torch.export` is stricter: it refuses a branch on a tensor's value "
        "unless the code says what should happen for every value (`torch.cond`). Here is the same "
        "kind of function, traced with x = {a} and replayed with x = {b}:"
    ).format(a=f"{contrast.input_a:g}", b=f"{contrast.input_b:g}")
)
trace_col, result_col = st.columns([3, 2])
with trace_col:
    st.code(contrast.source, language="python", wrap_lines=True)
with result_col:
    recorded = ", ".join(f"`{op}`" for op in contrast.recorded)
    st.markdown(_("**Ops the trace recorded:** {ops}").format(ops=recorded))
    st.markdown(
        _(
            "**On x = {x}:** eager PyTorch gives `{eager}`, the trace replays the old path and "
            "gives `{traced}`."
        ).format(
            x=f"{contrast.input_b:g}",
            eager=f"{contrast.eager_b:.4g}",
            traced=f"{contrast.traced_b:.4g}",
        )
    )
    for warning in contrast.warnings:
        st.warning("TracerWarning: " + escape_markdown(warning))
    if contrast.export_ok:
        st.info(_("torch.export accepted the function."))
    else:
        st.markdown(_("**torch.export refuses it:**"))
        st.code(contrast.export_error, language=None, wrap_lines=True)
st.markdown(
    _(
        "That is the trade: a dynamic graph follows your Python on every run (the two graphs "
        "above), a static one is recorded once and can then be optimized and shipped without "
        "Python."
    )
)
