"""A Streamlit session without a browser: the websocket and the protobuf messages the browser
sends and reads. Used where a browser would cost more than the server it measures (the proxy
test, bench/load.py): it opens `/_stcore/stream`, asks for a run of a page and reads the
replies until the script finishes.

    async with Session("http://127.0.0.1:8501", cookie="...") as s:
        finished = await s.run("")          # the home page; "graph_explorer" for a page
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState


@dataclass
class Run:
    """What one script run sent: its element count, its texts and how long it took."""

    seconds: float
    elements: int = 0
    texts: list[str] = field(default_factory=list)
    status: str = ""
    buttons: dict[str, str] = field(default_factory=dict)  # label -> widget id
    widgets: dict[str, str] = field(default_factory=dict)  # label -> id, every kind of widget
    protos: dict[str, object] = field(default_factory=dict)  # label -> the widget's proto
    exceptions: int = 0


class Session:
    """One visitor's session over Streamlit's websocket."""

    def __init__(self, url: str, cookie: str | None = None, timeout: float = 60.0):
        self.url = url.replace("http://", "ws://", 1).rstrip("/") + "/_stcore/stream"
        self.cookie = cookie
        self.timeout = timeout
        self.ws = None
        self.session_id = ""

    async def __aenter__(self) -> Session:
        headers = {"Cookie": self.cookie} if self.cookie else None
        self.ws = await websockets.connect(
            self.url, subprotocols=["streamlit"], additional_headers=headers, max_size=2**26
        )
        return self

    async def __aexit__(self, *exc) -> None:
        await self.ws.close()

    async def run(
        self, page: str = "", query: str = "", press: str | None = None, states: list = ()
    ) -> Run:
        """Run the page at url path `page` (the home page for "") and read until it finishes
        (a rerun it asks for included); `press`: the widget id of a button to press in this
        run; `states`: WidgetState messages to send with it (a text typed, a file uploaded)."""
        back = BackMsg()
        back.rerun_script.query_string = query
        back.rerun_script.page_name = page
        back.rerun_script.context_info.url = f"http://localhost/{page}"
        if press is not None:
            state = back.rerun_script.widget_states.widgets.add()
            state.id, state.trigger_value = press, True
        for given in states:
            back.rerun_script.widget_states.widgets.add().CopyFrom(given)
        start = time.perf_counter()
        await self.ws.send(back.SerializeToString())
        run = Run(0.0)
        deadline = start + self.timeout
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), max(0.1, deadline - time.perf_counter()))
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                self.session_id = msg.new_session.initialize.session_id or self.session_id
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                run.elements += 1
                run.texts.append(_text(element))
                if element.WhichOneof("type") == "button":
                    run.buttons[element.button.label] = element.button.id
                inner = getattr(element, element.WhichOneof("type") or "", None)
                if isinstance(getattr(inner, "id", None), str) and hasattr(inner, "label"):
                    run.widgets[inner.label], run.protos[inner.label] = inner.id, inner
                run.exceptions += element.WhichOneof("type") == "exception"
            elif kind == "script_finished" and msg.script_finished != _RERUN:
                run.status = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
                run.seconds = time.perf_counter() - start
                return run


_RERUN = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")


def _text(element) -> str:
    """The visible text of an element, where it has one (markdown, headings, alerts, code)."""
    kind = element.WhichOneof("type")
    inner = getattr(element, kind) if kind else None
    for name in ("body", "text", "label"):
        if inner is not None and hasattr(inner, name):
            value = getattr(inner, name)
            if isinstance(value, str):
                return value
    return ""


def drawn_states(page: Run, chosen: dict) -> list[WidgetState]:
    """The states a browser sends with a click on `page`: every select box, text input, slider
    and number input as drawn (its default), except those `chosen` (label -> value). A widget
    left out of a rerun reads None in a button's callback."""
    states = []
    for label, proto in page.protos.items():
        state, kind = WidgetState(id=proto.id), type(proto).__name__
        value = chosen.get(label)
        if kind == "Selectbox":
            state.string_value = value or proto.options[proto.default]
        elif kind == "TextInput":
            state.string_value = value or proto.default
        elif kind == "Slider" and proto.options:
            state.string_array_value.data.append(value or proto.options[int(proto.default[0])])
        elif kind == "NumberInput":
            state.double_value = value or proto.default
        else:
            continue
        states.append(state)
    return states
