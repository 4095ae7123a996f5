"""Per-visitor memory of slow results: a worker's reply is kept until its program changes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

T = TypeVar("T")


def remembered(state_key: str, key: object, compute: Callable[[], T], spinner: str) -> T:
    """`compute()` once per `key` for this visitor: reruns caused by other widgets reuse it."""
    memo = st.session_state.get(state_key)
    if memo is None or memo[0] != key:
        with st.spinner(spinner):
            memo = st.session_state[state_key] = (key, compute())
    return memo[1]


def last_good(
    state_key: str, program: str, reply: dict[str, Any]
) -> tuple[str, dict[str, Any]] | None:
    """The last (program, reply) that ran without an error: this one when it did, else the one
    kept before it (None before the first). A page draws it, marked as stale, over an error."""
    if reply.get("ok"):
        st.session_state[state_key] = (program, reply)
    return st.session_state.get(state_key)


def digest(code: str) -> str:
    """A short, stable name for a program (widget keys, recording identities)."""
    return hashlib.sha1(code.encode()).hexdigest()[:12]
