"""Per-visitor memory of slow results: a worker's reply is kept until its program changes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

T = TypeVar("T")


def remembered(state_key: str, key: object, compute: Callable[[], T], spinner: str) -> T:
    """`compute()` once per `key` for this visitor: reruns caused by other widgets reuse it."""
    memo = st.session_state.get(state_key)
    if memo is None or memo[0] != key:
        with st.spinner(spinner):
            memo = st.session_state[state_key] = (key, compute())
    return memo[1]


def digest(code: str) -> str:
    """A short, stable name for a program (widget keys, recording identities)."""
    return hashlib.sha1(code.encode()).hexdigest()[:12]
