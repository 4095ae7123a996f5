"""Bounds on what one visitor can make the Streamlit server hold or do for everyone, installed by
``app.py`` before its first page (``install()``, idempotent).

- Uploads: Streamlit keeps every file PUT to ``/_stcore/upload_file/<session>/<id>`` in memory
  until the session ends, however many there are (``MemoryUploadedFileManager``). The upload
  route holds that very manager (``runtime.uploaded_file_mgr``, created with the server before
  any script runs), so the instance is switched to ``BoundedUploads``, whose ``add_file``
  answers 413 past ``MAX_FILES`` or ``MAX_SESSION_BYTES`` held by one session, or
  ``MAX_TOTAL_BYTES`` held by all.
- ``clear_cache``: any visitor's websocket may send this message, and Streamlit's handler clears
  the process-wide ``st.cache_data`` and ``st.cache_resource`` for every visitor. Streamlit
  has no option to refuse it, so ``AppSession``'s handler is replaced by one that logs and does
  nothing (the toolbar's "Clear cache" is already hidden: ``client.toolbarMode = "minimal"``).
"""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from streamlit import runtime
from streamlit.runtime.app_session import AppSession
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.uploaded_file_manager import UploadedFileRec

_LOGGER = logging.getLogger(__name__)
# The app's uploaders each hold one file (a checkpoint, at most 12 MB, the server's
# maxUploadSize; a digit picture, 1 MB); room for both, and for a replaced one whose DELETE
# has not arrived yet.
MAX_FILES = 4
MAX_SESSION_BYTES = 40 * 2**20
MAX_TOTAL_BYTES = 1024 * 2**20  # all sessions together: a flood from many tabs stops here


class BoundedUploads(MemoryUploadedFileManager):
    """Streamlit's in-memory upload store, refusing a file past the bounds with HTTP 413."""

    def add_file(self, session_id: str, file: UploadedFileRec) -> None:
        # Counted and stored under one lock, as the base class stores: no two uploads both fit.
        with self._lock:
            held = self.file_storage[session_id]
            old = held.pop(file.file_id, None)  # a PUT to the same id replaces its file
            freed = len(old.data) if old is not None else 0
            session = sum(len(f.data) for f in held.values()) + len(file.data)
            total = self._total_bytes - freed + len(file.data)
            if len(held) + 1 > MAX_FILES or session > MAX_SESSION_BYTES or total > MAX_TOTAL_BYTES:
                if old is not None:
                    held[file.file_id] = old
                _LOGGER.warning("upload refused: session %s holds %d files", session_id, len(held))
                raise HTTPException(status_code=413, detail="Too many uploaded files")
            held[file.file_id] = file
            self._total_bytes = total
            self._file_count += old is None


def refuse_clear_cache(session: AppSession) -> None:
    """``AppSession._handle_clear_cache_request`` for a public server: the caches are shared by
    every visitor, so no visitor's message clears them."""
    _LOGGER.warning("clear_cache from session %s refused", session.id)


def install() -> None:
    """Bound the running server's upload store and refuse ``clear_cache``; safe to call on
    every run (only the first changes anything), and a no-op without a server (AppTest)."""
    AppSession._handle_clear_cache_request = refuse_clear_cache  # type: ignore[method-assign]
    if not runtime.exists():
        return
    manager = runtime.get_instance().uploaded_file_mgr
    if type(manager) is MemoryUploadedFileManager:
        # The same object, its files and counters kept: the upload route holds a reference to it.
        manager.__class__ = BoundedUploads
