"""Expression Lab: type tensor statements, see their autograd graph, inspect and check it."""

import streamlit as st

import graphlab as gl
from graphlab.lessons.expressions import DEFAULT, EXPRESSION_EXAMPLES
from graphlab.sandbox import Limits
from widgets import expression as lab
from widgets import program_editor as editor
from widgets.graph_view import downloads, node_details, node_picker, show_graph
from widgets.i18n import _, say
from widgets.memo import digest, last_good

CODE = "lab_code"
LIMIT = Limits().max_source_chars

st.title(_("Expression Lab"))
st.markdown(
    _(
        "Type a few lines of PyTorch and watch the graph autograd records. The **last tensor you "
        "assign** is the output; when it is a scalar that requires grad, the lab runs "
        "`.backward()` on it so you can see every gradient. The address bar always holds a link "
        "to your program: copy it to share."
    )
)

lab.init_program(CODE, EXPRESSION_EXAMPLES[DEFAULT].source)
code = editor.submitted_program(CODE, limit=LIMIT)  # the program, after the newest Run
lab.keep_in_link(code)
reply = lab.run_program(code)
# On an error (or a refused program) the last program that ran stays drawn, marked as stale.
shown_code, shown = last_good("lab_good", code, reply) or (code, reply)
stale = shown is not reply or editor.refused(CODE)

edit_col, graph_col = st.columns([1, 1])
with edit_col:
    lab.example_menu(CODE, EXPRESSION_EXAMPLES)
    editor.program_editor(CODE, limit=LIMIT, error=reply.get("error"), lines=(10, 22))
    st.caption(
        _(
            "Allowed: assignments, `if`/`else`, `for i in range(k)`, `with torch.no_grad():`, "
            "`torch.*`, `F.*` and tensor methods. No imports, no functions."
        )
    )
    if not reply.get("ok"):
        lab.show_error(code, reply.get("error", {}))

graph = gl.Graph.from_dict(shown["graph"]) if shown.get("ok") and "graph" in shown else None
# Keyed by the program, so a stale selection never outlives the graph it belonged to.
picker = f"lab_{digest(shown_code)}"
with graph_col:
    if stale and shown.get("ok"):
        st.warning(_(editor.STALE), icon=":material/history:")
    if graph is not None:
        if shown.get("summary"):  # too big to draw whole: the worker summarized it
            st.info(say(shown["summary"]), icon=":material/compress:")
        dot = show_graph(graph, key="lab", picker=f"{picker}_node")
        if shown.get("backward") == "auto" and shown.get("output"):
            st.caption(_("Gradients below come from `.backward()` on the output, run by the lab."))
    elif shown.get("ok"):
        st.info(_("Assign a tensor to a variable to see its graph."))

if graph is not None:
    node_col, check_col = st.columns([3, 2])
    with node_col:
        st.subheader(_("Nodes"))
        lab.preselect_first_op(graph, f"{picker}_node")
        saved = bool(st.session_state.get("lab_saved"))
        node = node_picker(graph, key=picker, names=shown.get("names"), show_saved=saved)
        if node is not None:
            values_tab, rule_tab, meta_tab = st.tabs(
                [_("Value and gradient"), _("Backward rule"), _("Details")]
            )
            with values_tab:
                lab.node_values(shown, node)
            with rule_tab:
                lab.backward_rule(node)
            with meta_tab:
                node_details(graph, node)
    with check_col:
        st.subheader(_("Check gradients"))
        st.caption(
            _(
                "Re-runs the program in float64 as a function of its leaf tensors and compares "
                "autograd's gradients with finite differences (`torch.autograd.gradcheck`)."
            )
        )
        lab.gradcheck_panel(shown_code)
        st.subheader(_("Export"))
        downloads(graph, dot, stem="expression")
    with st.expander(_("All variables")):
        lab.variables_table(shown)
