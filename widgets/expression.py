"""Streamlit pieces of the Expression Lab: share links, running programs, errors, node panels.

Everything the visitor typed (variable names, error messages that quote them, values) is hostile
on the hosted demo, so it is shown through ``st.code``, ``st.table`` or markdown-escaped text,
never as markup. Programs run only in the sandbox worker process, never in the server.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

import graphlab as gl
from graphlab.lessons.expressions import ExpressionExample
from graphlab.record.rules import NOTATION, rule_for
from graphlab.sandbox.share import ShareLinkError, decode_program, encode_program
from widgets import worker_wait
from widgets.i18n import _, say, translator
from widgets.literal_text import escape_markdown, message_markdown

_EXAMPLE = "lab_example"
# The ?code= value this session last loaded or wrote (Step Through reads it too).
LINKED = "lab_linked_code"
_REPLY = "lab_reply"  # (program, worker reply): reruns for other widgets reuse it
_GRADCHECK = "lab_gradcheck"  # (program, worker reply) of the last gradient check


# -- the program and its share link ----------------------------------------------------------
def init_program(key: str, default: str) -> None:
    """Put the program into ``st.session_state[key]``: from ``?code=`` when the link is new."""
    link = st.query_params.get("code")
    if link is not None and link != st.session_state.get(LINKED):
        st.session_state[LINKED] = link
        try:
            st.session_state[key] = decode_program(link)
            return
        except ShareLinkError as err:
            st.warning(
                _("The program in this link could not be opened: {error}").format(
                    error=escape_markdown(say(err.text))
                )
            )
    if key not in st.session_state:
        st.session_state[key] = default


def keep_in_link(code: str) -> None:
    """Write the program into the URL, so the address bar is always a share link."""
    encoded = encode_program(code)
    if st.query_params.get("code") != encoded:
        st.query_params["code"] = encoded
    st.session_state[LINKED] = encoded


def example_menu(key: str, examples: dict[str, ExpressionExample]) -> None:
    """A menu of starter programs; choosing one puts it into the editor ``key``. Once the
    program is no longer that example's, the menu names none."""
    chosen = examples.get(st.session_state.get(_EXAMPLE) or "")
    if chosen is not None and st.session_state.get(key) != chosen.source:
        st.session_state[_EXAMPLE] = None  # before the menu is drawn, so it may be reset
    tr = translator()
    st.selectbox(
        _("Examples"),
        list(examples),
        index=None,
        placeholder=_("Load an example..."),
        format_func=lambda name: tr(examples[name].title),
        key=_EXAMPLE,
        on_change=_load_example,
        args=(key, examples),
    )
    example = examples.get(st.session_state.get(_EXAMPLE) or "")
    if example is not None and st.session_state.get(key) == example.source:
        st.caption(_(example.idea))


def _load_example(key: str, examples: dict[str, ExpressionExample]) -> None:
    # A callback runs before the script, so the editor is created with the new text.
    example = examples.get(st.session_state.get(_EXAMPLE) or "")
    if example is not None:
        st.session_state[key] = example.source


# -- running it in the worker ------------------------------------------------------------------
def run_program(code: str) -> dict[str, Any]:
    """The worker's reply for ``code``; kept per visitor so other widgets' reruns reuse it."""
    return worker_wait.remember(
        _REPLY,
        code,
        lambda slot: worker_wait.run(code, slot=slot),
        _("Running your program in the sandbox..."),
    )


def show_error(code: str, error: dict[str, Any]) -> None:
    """The error in place: position and message, then the offending line with a caret. The
    message is the sandbox's sentence (its ``text``) in the visitor's language; PyTorch's own
    words stay as they are."""
    line, col = int(error.get("line") or 0), int(error.get("col") or 0)
    said = say(error.get("text") or error.get("message"))
    message = message_markdown(said or _("unknown error"))
    if line:
        message = _("Line {line}, column {col}: {message}").format(
            line=line, col=col, message=message
        )
    st.error(message, icon=":material/error:")
    lines = code.splitlines()
    if 1 <= line <= len(lines):
        text = lines[line - 1].replace("\t", " ")
        caret = " " * (max(col, 1) - 1) + "^"
        st.code(f"{line:>4} | {text}\n     | {caret}", language=None)


# -- inspecting a node -------------------------------------------------------------------------
def preselect_first_op(graph: gl.Graph, key: str) -> None:
    """Start the node picker ``key`` on the op nearest the output: it has a rule to read."""
    first = next((n.id for n in graph.nodes if n.kind == "op"), None)
    if first is not None and key not in st.session_state:
        st.session_state[key] = first


def node_values(reply: dict[str, Any], node: gl.Node) -> None:
    """Value and gradient of the variable that holds this node's tensor, if any."""
    tensors = reply.get("tensors", {})
    name = reply.get("names", {}).get(node.id)
    if name is None and node.kind in ("leaf", "param") and node.name in tensors:
        name = node.name
    if name is None or name not in tensors:
        st.caption(_("No variable holds this tensor: assign it to a name to see its value."))
        return
    info = tensors[name]
    st.markdown(_("**Value** of the variable"))
    st.code(f"{name} = {format_tensor(info)}", language=None)
    st.markdown(_("**Gradient**"))
    if "grad" in info:
        st.code(f"{name}.grad = {format_tensor(info['grad'])}", language=None)
    else:
        st.caption(_why_no_grad(info, reply.get("backward")))


def _why_no_grad(info: dict[str, Any], backward: str | None) -> str:
    if not info.get("requires_grad"):
        return _("None: this tensor does not require grad.")
    if backward is None:
        return _("None: no backward pass ran (the output is not a scalar that requires grad).")
    if not info.get("is_leaf"):
        return _("None: only leaves keep .grad; call .retain_grad() on this tensor to keep it.")
    return _("None: no gradient reached this tensor.")


def format_tensor(info: dict[str, Any]) -> str:
    """Short text for a tensor summary from the worker (values, or min/max/mean)."""
    shape = "×".join(map(str, info.get("shape", []))) or _("scalar")
    if "value" in info:
        return f"{_numbers(info['value'])}  ({shape}, {info.get('dtype')})"
    stats = info.get("summary", {})
    text = ", ".join(f"{k} {_numbers(v)}" for k, v in stats.items())
    return _("tensor of {shape} {dtype}: {stats}").format(
        shape=shape, dtype=info.get("dtype"), stats=text or _("empty")
    )


def _numbers(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_numbers(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def backward_rule(node: gl.Node) -> None:
    """The node's backward rule as formulas and a sentence; unknown ops say so plainly."""
    st.markdown(_("**Backward rule**"))
    rule = rule_for(node.name, node.kind)
    if rule is None:
        st.info(
            _("graphlab has no written rule for this op yet; PyTorch still computes its gradient.")
        )
        st.code(node.name, language=None)
        return
    st.latex(rule.forward)
    st.latex(rule.backward)
    st.markdown(_(rule.words))  # marked N_ in graphlab.record.rules
    st.caption(_(NOTATION))


def variables_table(reply: dict[str, Any]) -> None:
    """Every tensor the program named, with where it was assigned (names shown as text)."""
    tensors, lines = reply.get("tensors", {}), reply.get("lines", {})
    st.table(
        {
            _("variable"): list(tensors),
            _("line"): [lines.get(n, "") for n in tensors],
            _("value"): [format_tensor(t) for t in tensors.values()],
            "grad": [format_tensor(t["grad"]) if "grad" in t else "—" for t in tensors.values()],
        }
    )


# -- gradient check ----------------------------------------------------------------------------
def gradcheck_panel(code: str) -> None:
    """A button that checks gradients in the worker, and the last result for this program."""
    help_text = _("`torch.autograd.gradcheck` in float64")
    slot = st.empty()  # drawn on every run: see worker_wait.remember
    if st.button(_("Check gradients"), key="lab_check", help=help_text):
        with st.spinner(_("Comparing autograd with finite differences...")):
            reply = worker_wait.run(code, kind="gradcheck", slot=slot)
            st.session_state[_GRADCHECK] = (code, reply)
    memo = st.session_state.get(_GRADCHECK)
    if memo is None or memo[0] != code:
        return
    reply = memo[1]
    if not reply.get("ok"):
        show_error(code, reply.get("error", {}))
        return
    result = reply["gradcheck"]
    names = escape_markdown(", ".join(result["inputs"]))
    said = say(result.get("text") or result["message"])  # gradcheck's own report stays as it is
    if result["passed"] is None:
        st.info(escape_markdown(said))
    elif result["passed"]:
        full = result["mode"] == "full"
        mode = _("full Jacobian") if full else _("fast mode, random directions")
        message = escape_markdown(said)
        st.success(
            _("{message} Inputs: {names} ({mode}).").format(message=message, names=names, mode=mode)
        )
    else:
        st.warning(
            _("Autograd and finite differences disagree (inputs: {names}).").format(names=names)
        )
        st.code(said, language=None)
        st.caption(
            _(
                "Expected where the program cuts the graph (`no_grad`, `detach`) or at a kink "
                "(`relu` or `abs` at 0); otherwise a sign of a precision problem (float32 casts)."
            )
        )
