"""Replay every red-team reproduction of issue 15 against a real server; its memory before/after.

    .venv/bin/python bench/replay.py

Starts the app the way the image does (deploy/entrypoint.sh, loopback) and, over Streamlit's own
protocol (tests/e2e/protocol.py), replays: 8 sessions starving a ninth (the victim's wait is
printed), the budget bypasses, the checkpoint bombs through the real uploader, the Model Graph
LSTM bomb, an upload flood, a clear_cache message, links in error text and a huge program.
Prints the server process's RSS (workers apart) at its baseline (after one visit of each page)
and after the replay; the target is within 200 MB of the baseline.
"""

from __future__ import annotations

import asyncio
import io
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

import torch
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graphlab.sandbox.share import encode_program  # noqa: E402
from tests.deploy.replicas import replica  # noqa: E402
from tests.e2e.protocol import Session  # noqa: E402
from tests.e2e.test_upload_flood import _put, _rss_mb  # noqa: E402
from tests.models.test_spec_hostile import LONG_LSTM  # noqa: E402
from tests.train.bombs import reference_bomb, tensor_bomb  # noqa: E402

STARVE = "y = round(12345, -10**7)"
VICTIM = "x = torch.ones(2, requires_grad=True)\ny = (x * x).sum()"
BYPASSES = [
    "y = round(12345, -10**15)\nz = torch.ones(2) * y",
    "x = torch.ones(20000, 1, dtype=torch.int8)\nm = torch.ones(1, 20000, dtype=torch.bool)\n"
    "y = torch.masked_select(x, m)",
    "y = F.adaptive_avg_pool2d(torch.ones(1, 1, 1, 1000000), (1000000, 1))",
    "y = torch.ones(1000000).split(1)",
    "y = torch.ones(1000000).unbind(0)",
    "x = torch.randn(3, 5, requires_grad=True)\nt = torch.tensor([1, 0, 4])\n"
    "y = F.cross_entropy(x, t, reduction='https://evil.example.com')",
    "x = torch.ones(1, requires_grad=True)\ny = x\nfor i in range(20000):\n    y = y + 1",
]
UPLOADER = "Load a checkpoint (.pt) to continue it or to classify digits"


def _forged() -> list[tuple[str, bytes]]:
    """Checkpoints with fields no trainer saves, from a real one (a few steps of the MLP)."""
    from graphlab.train import TrainConfig, Trainer

    job = Trainer(TrainConfig(train_size=1_000, test_size=200, device="cpu"))
    job.run(max_steps=3)
    files = []
    long = {"steps": list(range(1, 300_001)), "losses": [1.0] * 300_000,
            "smoothed": [1.0] * 300_000}  # fmt: skip
    for name, change in [
        ("epoch.pt", lambda s: s["progress"].update(epoch=-(10**9))),
        ("history.pt", lambda s: s["history"].update(long)),
        ("predictions.pt", lambda s: s.update(test_predictions=torch.full((200,), 5 * 10**7))),
    ]:  # fmt: skip
        state = job.state_dict()
        change(state)
        buffer = io.BytesIO()
        torch.save(state, buffer)
        files.append((name, buffer.getvalue()))
    return files


async def _lab(url: str, program: str) -> float:
    return (await _lab_run(url, program))[0]


async def _lab_run(url: str, program: str) -> tuple[float, str]:
    """Seconds to the page's answer, and what it said of the program (its error or note)."""
    async with Session(url, timeout=120) as s:
        run = await s.run("expression_lab", "code=" + encode_program(program))
    texts = run.texts[: run.texts.index("Course")] if "Course" in run.texts else run.texts
    said = [t for t in texts[3:] if t and not t.startswith(("Allowed:", "**Program**"))]
    return run.seconds, (said[-1] if said else "")[:110]


async def starvation(url: str) -> float:
    attackers = [asyncio.create_task(_lab(url, STARVE)) for _ in range(8)]
    await asyncio.sleep(1.0)  # the attackers hold the pool first
    victim = await _lab(url, VICTIM)
    await asyncio.gather(*attackers)
    return victim


async def uploads(url: str) -> list[str]:
    said = []
    files = [("tensor-bomb.pt", tensor_bomb()), ("reference-bomb.pt",
             reference_bomb(50_000_000, deflated=True)), *_forged()]  # fmt: skip
    async with Session(url, timeout=120) as s:
        page = await s.run("live_training")
        for name, data in files:
            file_id = str(uuid.uuid4())
            try:
                code = _put(url, s.session_id, data, file_id, name)
            except OSError as err:
                said.append(f"{name} ({len(data) / 2**20:.1f} MB): refused at the door ({err})")
                continue
            state = WidgetState(id=page.widgets[UPLOADER])
            info = state.file_uploader_state_value.uploaded_file_info.add()
            info.file_id, info.name, info.size = file_id, name, len(data)
            run = await s.run("live_training", states=[state])
            loaded = [t[:160] for t in run.texts if t.startswith(("Could not load", "Loaded"))]
            said.append(f"{name} ({len(data) / 2**20:.1f} MB, PUT {code}): {loaded[:1]}")
    return said


async def model_bomb(url: str) -> tuple[float, str]:
    async with Session(url, timeout=120) as s:
        page = await s.run("model_graph")
        state = WidgetState(
            id=page.widgets["Model spec (JSON)"], string_value=json.dumps(LONG_LSTM)
        )
        run = await s.run("model_graph", states=[state])
        said = [t for t in run.texts if "operations" in t]
        return run.seconds, (said[0] if said else "no refusal shown")[:120]


async def flood_and_clear(url: str) -> list[int]:
    async with Session(url, timeout=120) as s:
        await s.run("")
        codes = [_put(url, s.session_id, bytes([i % 256]) * 2 * 2**20) for i in range(200)]
        back = BackMsg()
        back.clear_cache = True
        await s.ws.send(back.SerializeToString())
    return codes


async def baseline(url: str) -> None:
    for page in ("", "graph_explorer", "expression_lab", "step_through", "model_graph",
                 "live_training", "dynamic_graphs"):  # fmt: skip
        async with Session(url, timeout=120) as s:
            await s.run(page)


def main() -> None:
    log = Path(tempfile.gettempdir(), "graphlab-replay.log")
    with replica(log) as (url, proc):
        asyncio.run(baseline(url))
        time.sleep(2.0)
        base = _rss_mb(proc.pid)
        print(f"baseline (every page visited once): server RSS {base:.0f} MB")
        victim = asyncio.run(starvation(url))
        print(f"1. starvation: the victim's program answered in {victim:.2f} s with 8 attackers")
        for program in BYPASSES:
            seconds, said = asyncio.run(_lab_run(url, program))
            print(f"2/7/8. {program.splitlines()[-1][:50]!r}: {seconds:.2f} s: {said}")
        for line in asyncio.run(uploads(url)):
            print("3. " + line)
        seconds, said = asyncio.run(model_bomb(url))
        print(f"4. the LSTM spec: {seconds:.2f} s: {said}")
        codes = asyncio.run(flood_and_clear(url))
        print(f"5/6. 200 PUTs of 2 MB: {codes.count(204)} taken, {codes.count(413)} refused; "
              "clear_cache sent")  # fmt: skip
        time.sleep(5.0)
        after = _rss_mb(proc.pid)
        print(f"after the replay: server RSS {after:.0f} MB ({after - base:+.0f} MB; target "
              "within 200 MB)")  # fmt: skip
    print(f"tracebacks in the server log: {log.read_text(errors='replace').count('Traceback')}")


if __name__ == "__main__":
    main()
