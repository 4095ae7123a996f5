"""Evaluate visitors' programs in a separate, pre-started process with a wall-clock limit.

The server never runs a visitor's program itself. :class:`SandboxWorker` keeps one child process
(``python -m graphlab.worker``, :mod:`graphlab.worker.child`) ready: torch single-threaded, its
address space capped. Requests and replies are JSON lines over pipes (never pickle, see
:mod:`graphlab.worker.protocol`). A program that runs past the time limit gets its worker killed
and replaced, and the reply says the program took too long; the server keeps serving everyone
else. One process serves every kind of request (:data:`~graphlab.worker.protocol.KINDS`).

>>> with SandboxWorker(timeout=3.0) as worker:                       # doctest: +SKIP
...     reply = worker.run("x = torch.ones(2, requires_grad=True)\\ny = (x * x).sum()")
>>> reply["ok"], reply["tensors"]["y"]["value"]                     # doctest: +SKIP
(True, 2.0)
"""

from __future__ import annotations

import dataclasses
import json
import os
import selectors
import subprocess
import sys
import threading
import time
from typing import Any

from graphlab.core.messages import msg

from .protocol import DEFAULT_MEMORY, DEFAULT_TIMEOUT, KINDS, failure

__all__ = ["SandboxWorker", "shared_worker"]

_START_TIMEOUT = 60.0  # importing torch in a fresh process can be slow on a busy machine


class SandboxWorker:
    """A pre-started worker process; :meth:`run` evaluates one program in it.

    Thread-safe: one lock serializes requests (Streamlit sessions share one module-level
    worker, see :func:`shared_worker`). A request past ``timeout`` seconds kills the process
    and starts a fresh one.
    """

    def __init__(self, *, timeout: float = DEFAULT_TIMEOUT, memory: int = DEFAULT_MEMORY) -> None:
        self.timeout = timeout
        self.memory = memory
        self.restarts = 0
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._buffer = b""
        with self._lock:
            self._start()

    def run(self, source: str, limits: Any | None = None, *, kind: str = "evaluate") -> dict:
        """Run ``source`` in the worker for a request of ``kind``; return the reply as plain data.

        - ``"evaluate"``: ``{"ok": True, "tensors": {...}, "graph": {...}, "names": {...},
          "backward": "auto" | "program" | None}`` (:func:`graphlab.worker.payload.build_payload`);
        - ``"gradcheck"``: ``{"ok": True, "gradcheck": {"passed", "inputs", "output", "mode",
          "message"}}`` (:func:`graphlab.sandbox.gradcheck.check_gradients`);
        - ``"record"``: its forward and backward steps (:func:`graphlab.worker.record.record_reply`);
        - ``"dynamic"``: its graph, branches, loop counts and the source line of each node
          (:func:`graphlab.worker.dynamic.dynamic_reply`).

        A failure of any kind is ``{"ok": False, "error": {"message", "line", "col"}}``, with
        ``"timeout": True`` when the program took too long.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown request kind {kind!r}; one of {', '.join(KINDS)}")
        request: dict[str, Any] = {"kind": kind, "source": source}
        if limits is not None:
            request["limits"] = dataclasses.asdict(limits)
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._start()
            try:
                self._send(request)
                line = self._read_line(self.timeout)
            except TimeoutError:
                self._restart()
                seconds = f"{self.timeout:g}"
                took = msg("the program took longer than {seconds} s", seconds=seconds)
                return failure(took, timeout=True)
            except (OSError, EOFError):
                self._restart()
                return failure(msg("the program stopped the worker (out of memory?); try again"))
        return json.loads(line)

    def close(self) -> None:
        """Stop the worker process."""
        with self._lock:
            self._stop()

    def __enter__(self) -> SandboxWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    # -- process handling (called with the lock held) -------------------------------------------
    def _start(self) -> None:
        command = [sys.executable, "-m", "graphlab.worker", "--memory", str(self.memory)]
        env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        self._proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, env=env,
        )  # fmt: skip
        self._buffer = b""
        try:
            ready = json.loads(self._read_line(_START_TIMEOUT))
        except (TimeoutError, EOFError, OSError, ValueError):
            self._stop()
            raise RuntimeError("the sandbox worker process did not start") from None
        if not ready.get("ready"):
            self._stop()
            raise RuntimeError("the sandbox worker process did not start")

    def _restart(self) -> None:
        self._stop()
        self.restarts += 1
        self._start()

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()

    def _send(self, request: dict[str, Any]) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(request).encode() + b"\n")
        self._proc.stdin.flush()

    def _read_line(self, timeout: float) -> str:
        """One line from the child, or TimeoutError after ``timeout`` seconds."""
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    raise TimeoutError
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    raise EOFError("the worker closed its output")
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode()


_shared: SandboxWorker | None = None
_shared_lock = threading.Lock()


def shared_worker() -> SandboxWorker:
    """The process-wide worker the app's pages share (started on first use).

    A module-level singleton rather than ``st.cache_resource``: a visitor can clear that cache.
    """
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SandboxWorker()
        return _shared
