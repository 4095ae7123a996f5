"""The English words of graph legends, marked for translation.

`graphlab.render.legend_keys` (and Step Through's `frame_legend`) name each key in English: the
library never imports streamlit. `graph_canvas` shows every key through `_()`, so each word the
library can produce is listed here for `pybabel extract`; tests/app/test_i18n.py checks that this
list covers `LEGEND_TEXT`, `ROLE_TEXT`, `PHASE_ROLES` and the legend's fixed words.
"""

from __future__ import annotations

from collections.abc import Sequence

from graphlab.render import Key
from widgets.i18n import N_, _

__all__ = ["WORDS", "translated"]

WORDS = (
    # graphlab.render.palette.LEGEND_TEXT: one per node kind
    N_("op (backward node)"),
    N_("leaf tensor"),
    N_("parameter"),
    N_("output"),
    N_("saved tensor"),
    N_("collapsed module"),
    # graphlab.render.legend: ROLE_TEXT and the fixed keys
    N_("running now"),
    N_("done"),
    N_("gradient arrived, waiting to run"),
    N_("only in B"),
    N_("only in A"),
    N_("changed: same op, other inputs or values"),
    N_("open module (its frame)"),
    N_("saved for backward"),
    N_("view of a base"),
    N_("gradient flowing now"),
    # graphlab.render.frames.PHASE_ROLES: Step Through's words per phase
    N_("made by this op"),
    N_("made earlier"),
    N_("running backward now"),
    N_("gradient passed on"),
    N_("leaf holding its .grad"),
)


def translated(keys: Sequence[Key]) -> list[Key]:
    """`keys` with their words in the visitor's language."""
    return [k._replace(label=_(k.label)) for k in keys]
