"""A visitor's flood against the real server (``streamlit run app.py``): PUTs to the upload route
past the per-session bound answer 413 and the server's memory stays put; a ``clear_cache``
message over the websocket leaves the shared caches alone."""

from __future__ import annotations

import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.web.server.starlette.starlette_app_utils import generate_xsrf_token_string
from websockets.sync.client import connect

from tests.e2e.server import streamlit_server
from widgets.server_guard import MAX_FILES

pytestmark = pytest.mark.slow
TOKEN = generate_xsrf_token_string()  # the cookie and the header need only agree
PUTS, SIZE = 100, 2 * 2**20


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def _connect(url: str):
    return connect(url.replace("http", "ws") + "/_stcore/stream", subprotocols=["streamlit"],
                   max_size=None, open_timeout=30)  # fmt: skip


def _session(ws, sent: bool = False) -> str:
    """Run app.py once in the websocket's session (which installs the guard; ``sent``: the
    rerun is asked for already); its id."""
    if not sent:
        back = BackMsg()
        back.rerun_script.query_string = ""
        ws.send(back.SerializeToString())
    while True:
        forward = ForwardMsg()
        forward.ParseFromString(ws.recv(timeout=60))
        if forward.WhichOneof("type") == "new_session":
            session = forward.new_session.initialize.session_id
        if forward.WhichOneof("type") == "script_finished":
            return session


def _put(url: str, session: str, data: bytes, file_id: str = "", name: str = "a.pt") -> int:
    """PUT ``data`` as the file ``name`` to the upload route (``file_id``: a fresh one)."""
    boundary, file_id = uuid.uuid4().hex, file_id or str(uuid.uuid4())
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + \
        f"\r\n--{boundary}--\r\n".encode()  # fmt: skip
    request = urllib.request.Request(
        f"{url}/_stcore/upload_file/{session}/{file_id}", data=body, method="PUT",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                 "X-Xsrftoken": TOKEN, "Cookie": f"_streamlit_xsrf={TOKEN}"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_an_upload_flood_is_refused_past_the_bound_and_memory_stays_bounded(tmp_path):
    with streamlit_server(log=tmp_path / "streamlit.log") as (url, proc), _connect(url) as ws:
        session = _session(ws)
        before = _rss_mb(proc.pid)
        codes = [_put(url, session, bytes([i % 256]) * SIZE) for i in range(PUTS)]
        grown = _rss_mb(proc.pid) - before
    assert codes[:MAX_FILES] == [204] * MAX_FILES
    assert set(codes[MAX_FILES:]) == {413}
    # Unbounded, the server kept every file: PUTS * SIZE = 200 MB more.
    assert grown < 0.3 * PUTS * SIZE / 2**20, grown


def test_a_clear_cache_message_over_the_websocket_is_refused(tmp_path):
    log = tmp_path / "streamlit.log"
    with streamlit_server(log=log) as (url, _proc), _connect(url) as ws:
        session = _session(ws)
        message = BackMsg()
        message.clear_cache = True
        ws.send(message.SerializeToString())
        rerun = BackMsg()
        rerun.rerun_script.query_string = ""
        ws.send(rerun.SerializeToString())  # answered after the clear_cache: it was handled
        assert _session(ws, sent=True) == session
    # Streamlit's own handler clears st.cache_data and st.cache_resource for every visitor.
    assert f"clear_cache from session {session} refused" in log.read_text()
