"""Load a checkpoint a visitor uploads: parsed in a sandbox worker, never unpickled here.

The uploader's callback only marks the file; the page's run sends it to the worker pool (its
wait shown as "N ahead of you", like a program's), builds a trainer from the plain state that
comes back (:func:`graphlab.train.form.trainer_from_state`) and reruns, so the buttons above
show the loaded run and its notice.
"""

from __future__ import annotations

import streamlit as st

from graphlab.train.form import trainer_from_state
from graphlab.worker.checkpoints import checkpoint_request
from graphlab.worker.plain import decode
from widgets import worker_wait
from widgets.i18n import _, say
from widgets.training import NOTICE, STATUS_WORDS, TRAINER, explain, trainer

# The MLP with Adam state is 6.4 MB, 7.2 MB after the page's longest run (its history); the
# server's maxUploadSize (.streamlit/config.toml) is the same.
MAX_CHECKPOINT_MB = 12
KEY = "train_upload"
_PENDING = "train_upload_pending"  # a new file to load on this run


def uploader() -> None:
    """The file uploader, and the load of a file just uploaded."""
    st.file_uploader(
        _("Load a checkpoint (.pt) to continue it or to classify digits"),
        type=["pt"],
        max_upload_size=MAX_CHECKPOINT_MB,
        on_change=_mark,
        key=KEY,
    )
    slot = st.empty()  # the wait for a worker, drawn on every run (the page keeps its shape)
    if st.session_state.pop(_PENDING, False) and st.session_state.get(KEY) is not None:
        _load(st.session_state[KEY], slot)
        st.rerun()


def _mark() -> None:
    st.session_state[_PENDING] = True


def _load(upload, slot) -> None:
    request = checkpoint_request(upload.name, upload.getvalue())
    reply = worker_wait.run(request, kind="checkpoint", slot=slot)
    try:
        if not reply.get("ok"):
            error = reply.get("error") or {}
            raise ValueError(say(error.get("text") or str(error.get("message", ""))))
        device = st.session_state.get("train_device", "auto")
        job = trainer_from_state(decode(reply["state"]), device, name=upload.name)
    except Exception as exc:  # anything a visitor's file can cause is explained, never raised
        said = explain(exc)[:300]
        text = _("Could not load {name}: {reason}").format(name=upload.name, reason=said)
        st.session_state[NOTICE] = ("error", text)
        return
    old = trainer()
    if old is not None:
        old.stop()
    st.session_state[TRAINER] = job
    snap = job.snapshot()
    status = STATUS_WORDS.get(snap.status)
    text = _("Loaded {name}: {model}, step {step}, status {status}.").format(
        name=upload.name,
        model=job.config.model,
        step=snap.step,
        status=_(status) if status else snap.status,
    )
    if snap.status == "stopped":
        text += " " + _("Press Continue to train on.")
    st.session_state[NOTICE] = ("success", text)
