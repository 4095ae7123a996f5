"""The one program editor of Expression Lab, Step Through and Dynamic Graphs.

Ace (Python highlighting, line numbers, Tab and Shift+Tab indenting, auto-indent after ``:``)
through the ``streamlit-code-editor`` component, pinned in the ``app`` extra. Both it and
``streamlit-ace`` wrap Ace and pass its ``annotations`` and ``markers`` (the error's line and
column, marked in the editor); this one is chosen because it is the maintained one (0.1.22 of
December 2024; streamlit-ace's last release, 0.1.1, is from 2021) and because its buttons are
ours to define: a "Run" button bound to the same "submit" command as Ctrl+Enter (streamlit-ace
has a fixed "Apply (Ctrl+Enter)" button), and each Run comes back with a new event ``id``, so a
rerun of the page never runs it twice. Its React/Ace build ships inside the wheel and Streamlit
serves it, so nothing comes from a CDN; its own themes import a web font from Google, so Ace's
``chrome`` theme is used instead (its ``textmate`` lacks its stylesheet in this build).

The program is ``st.session_state[key]``: share links, the Examples menu and "Use the Lab's
program" write it there, and the editor shows it (a program written from outside mounts a new
editor, since Ace keeps what the visitor typed over a new ``code`` argument). Typing stays in the
browser until Run or Ctrl+Enter; then the text comes back once, and replaces the program only
when it is within the limit. A longer one is refused with a message naming both lengths, and
stays in the editor for the visitor to shorten. The length check, the marks and the events are
plain data from :mod:`graphlab.sandbox.editor`.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st
from code_editor import code_editor

from graphlab.sandbox import editor_event, error_marks, length_problem
from graphlab.sandbox.editor import MARK_CLASS
from widgets.i18n import N_, _, say, translator

# English, marked for translation: show it with _(STALE).
STALE = N_("Showing the last program that ran; fix the error in your program to update it.")
_FONT = 'ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace'
_CSS = f"""
body {{ margin: 0; }}
.{MARK_CLASS} {{ position: absolute; background: rgba(230, 57, 70, 0.16);
                 border-bottom: 2px solid #e63946; }}
.gl-editor-bar {{ display: flex; align-items: center; min-height: 2.6rem;
                  padding: 0 6.5rem 0 0.75rem; font-size: 0.8rem; color: #4b5563;
                  background: #f0f2f6; border: 1px solid #d5d8de; border-top: none;
                  border-radius: 0 0 0.5rem 0.5rem; font-family: sans-serif; }}
button.gl-run {{ bottom: 0.3rem; right: 0.4rem; height: 2rem; padding: 0 0.75rem;
                 background: #ff4b4b; border-radius: 0.5rem; cursor: pointer; }}
button.gl-run:hover {{ background: #e63946; }}
button.gl-run > span {{ color: #fff !important; margin: 0 0.35rem 0 0; height: 2rem;
                        line-height: 2rem; font-weight: 600; font-family: sans-serif; }}
button.gl-run > svg {{ stroke: #fff !important; }}
"""
_RUN = {
    "name": "Run",
    "feather": "Play",
    "hasText": True,
    "showWithIcon": True,
    "alwaysOn": True,
    "class": "gl-run",
    "commands": ["submit"],  # the command Ctrl+Enter runs too
}


def _state(key: str, what: str) -> str:
    return f"{key}__editor_{what}"


def _component_key(key: str) -> str:
    return f"{key}__editor_{st.session_state.get(_state(key, 'version'), 0)}"


def submitted_program(key: str, *, limit: int) -> str:
    """The program to run: ``st.session_state[key]``, after applying the editor's newest Run.

    Call it before anything uses the program; ``program_editor`` draws the editor later on the
    page (with the marks of the run that this program gave).
    """
    seen, value = _state(key, "seen"), st.session_state.get(_component_key(key))
    if value is None:  # no editor yet, or a new one (the visitor left the page): nothing refused
        st.session_state.pop(_state(key, "refused"), None)
    event = editor_event(value, st.session_state.get(seen))
    if event is not None:
        st.session_state[seen] = event.id
        problem = length_problem(event.text, limit) if event.kind == "submit" else None
        if problem:
            # A Message, said when shown: the text stays in the editor, the language may change.
            st.session_state[_state(key, "refused")] = problem
        elif event.kind == "submit":
            st.session_state.pop(_state(key, "refused"), None)
            st.session_state[key] = st.session_state[_state(key, "shown")] = event.text
    return st.session_state[key]


def refused(key: str) -> bool:
    """Whether the editor holds a program that was refused for its length (not run)."""
    return _state(key, "refused") in st.session_state


def program_editor(
    key: str,
    *,
    limit: int,
    label: str | None = None,
    error: Mapping[str, object] | None = None,
    lines: tuple[int, int] = (8, 20),
) -> None:
    """The editor showing ``st.session_state[key]``; ``error`` (the sandbox's ``{"line", "col",
    "message"}`` for that program) is marked in it; a refused program is named below it.
    ``label`` defaults to "Program" in the visitor's language."""
    program = st.session_state[key]
    shown = _state(key, "shown")
    if st.session_state.get(shown) != program:  # written from outside: show it in a new editor
        version = _state(key, "version")
        st.session_state[version] = st.session_state.get(version, 0) + 1
        st.session_state[shown] = program
        st.session_state.pop(_state(key, "refused"), None)
    problem = st.session_state.get(_state(key, "refused"))
    marks = error_marks(None if problem else error, program, translator())
    title = label or _("Program")  # outside the f-string: Babel does not look inside one
    st.markdown(f"**{title}**")
    code_editor(
        program,
        lang="python",
        height=list(lines),
        buttons=[{**_RUN, "name": _("Run")}],
        info={"name": "gl-editor-bar", "info": [{"name": _hint(limit)}]},
        options={
            "showLineNumbers": True,
            "tabSize": 4,
            "useSoftTabs": True,
            "fontSize": 13,
            "fontFamily": _FONT,
            # No soft wrap: Ace draws a wrapped line whole, so one pasted 5 MB line would keep
            # the tab busy for seconds; long lines scroll sideways instead.
            "wrap": False,
        },
        props={
            "theme": "chrome",  # Ace's, from the wheel; the component's own import a web font
            "enableLiveAutocompletion": False,  # a popup would take Tab and Enter
            "enableBasicAutocompletion": False,
            "enableSnippets": False,
            "scrollMargin": [0, 0, 0, 0],  # a top margin shifts the gutter against the text
            # The component redraws Ace with the text it last heard of when its props change (new
            # marks); a change heard 250 ms late would undo what was typed just before Run.
            "debounceChangePeriod": 0,
            "style": {"border": "1px solid #d5d8de", "borderRadius": "0.5rem 0.5rem 0 0"},
            **marks,
        },
        component_props={"globalCSS": _CSS},
        key=_component_key(key),
    )
    if problem:
        st.error(say(problem), icon=":material/block:")


def _hint(limit: int) -> str:
    return _("Ctrl+Enter runs · Tab indents · {limit} characters at most").format(
        limit=f"{limit:,}"
    )
