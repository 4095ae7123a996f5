"""widgets.server_guard: a bounded upload store in place of the running server's, and no
``clear_cache`` from a visitor (the real server's routes: tests/e2e/test_upload_flood.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import streamlit as st
from starlette.exceptions import HTTPException
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.runtime.app_session import AppSession
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.uploaded_file_manager import UploadedFileRec

from widgets import server_guard
from widgets.server_guard import MAX_FILES, MAX_SESSION_BYTES, BoundedUploads

MiB = 2**20


def _file(file_id: str, size: int) -> UploadedFileRec:
    return UploadedFileRec(file_id, "a.pt", "application/octet-stream", bytes(size))


def _refused(manager: MemoryUploadedFileManager, session: str, file: UploadedFileRec) -> None:
    with pytest.raises(HTTPException) as caught:
        manager.add_file(session, file)
    assert caught.value.status_code == 413


def test_a_session_holds_a_bounded_number_of_files_and_bytes():
    manager = BoundedUploads("/_stcore/upload_file")
    for i in range(MAX_FILES):
        manager.add_file("s", _file(f"f{i}", MiB))
    _refused(manager, "s", _file("one-more", 1))
    manager.add_file("s", _file("f0", 2 * MiB))  # the same id again replaces its file
    manager.remove_file("s", "f1")  # the browser's DELETE of a replaced upload makes room
    manager.add_file("s", _file("after-delete", MiB))
    manager.add_file("other", _file("f0", MiB))  # another visitor has their own bound
    assert len(manager.get_files("s", [f"f{i}" for i in range(MAX_FILES)])) == MAX_FILES - 1
    assert manager.get_stats()["cache_memory_bytes"][0].byte_length == 6 * MiB

    big = BoundedUploads("/_stcore/upload_file")
    big.add_file("s", _file("a", MAX_SESSION_BYTES // 2))
    _refused(big, "s", _file("b", MAX_SESSION_BYTES // 2 + 1))
    assert big.get_files("s", ["a", "b"])[0].file_id == "a" and big._file_count == 1


def test_the_total_over_all_sessions_is_bounded(monkeypatch):
    monkeypatch.setattr(server_guard, "MAX_TOTAL_BYTES", 3 * MiB)
    manager = BoundedUploads("/_stcore/upload_file")
    for session in "abc":
        manager.add_file(session, _file("f", MiB))
    _refused(manager, "d", _file("f", 1))


def test_install_bounds_the_running_servers_own_store_keeping_its_files(monkeypatch):
    store = MemoryUploadedFileManager("/_stcore/upload_file")
    store.add_file("s", _file("kept", MiB))
    fake = SimpleNamespace(uploaded_file_mgr=store)
    monkeypatch.setattr(server_guard.runtime, "exists", lambda: True)
    monkeypatch.setattr(server_guard.runtime, "get_instance", lambda: fake)
    monkeypatch.setattr(
        AppSession, "_handle_clear_cache_request", AppSession._handle_clear_cache_request
    )  # restored after the test
    for _ in range(2):  # app.py installs it on every run
        server_guard.install()
    assert fake.uploaded_file_mgr is store and type(store) is BoundedUploads
    assert store.get_files("s", ["kept"])[0].data == bytes(MiB)
    for i in range(MAX_FILES - 1):
        store.add_file("s", _file(f"f{i}", 1))
    _refused(store, "s", _file("past", 1))


class _Session(AppSession):
    """Just enough of a session to take a BackMsg (a real one needs a server)."""

    def __init__(self) -> None:
        self.id = "visitor"
        self._session_state = {"train_trainer": "the visitor's run"}

    def shutdown(self) -> None:  # nothing was started (AppSession.__del__ calls it)
        pass


def test_a_visitors_clear_cache_message_leaves_the_shared_caches(monkeypatch):
    monkeypatch.setattr(
        AppSession, "_handle_clear_cache_request", AppSession._handle_clear_cache_request
    )  # restored after the test
    calls = []

    @st.cache_resource
    def shared(x: int) -> int:
        calls.append(x)
        return x

    shared(1)
    server_guard.install()
    message = BackMsg()
    message.clear_cache = True
    _Session().handle_backmsg(message)
    shared(1)
    assert calls == [1]  # still cached: the message cleared nothing
    shared.clear()
