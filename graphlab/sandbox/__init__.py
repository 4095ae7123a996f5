"""A small, safe tensor language for code typed by visitors (:func:`evaluate`), share links, and
what the program editor shows (the length limit's message, an error's marks: :mod:`.editor`).

Nothing a visitor types reaches ``eval``/``exec``, the filesystem or the network; every program
is checked against an allowlist and runs under budgets (see :mod:`graphlab.sandbox.evaluation`).
"""

from .check import check_program
from .editor import EditorEvent, editor_event, error_marks, length_problem
from .errors import ExpressionError, Limits
from .evaluation import Evaluation, evaluate
from .gradcheck import check_gradients
from .interpreter import Interpreter
from .share import ShareLinkError, decode_program, encode_program, program_from_link

__all__ = [
    "EditorEvent", "Evaluation", "ExpressionError", "Interpreter", "Limits", "ShareLinkError",
    "check_gradients", "check_program", "decode_program", "editor_event", "encode_program",
    "error_marks", "evaluate", "length_problem", "program_from_link",
]  # fmt: skip
