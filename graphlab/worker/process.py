"""Evaluate visitors' programs in a separate, pre-started process with a wall-clock limit.

The server never runs a visitor's program itself. :class:`WorkerProcess` is one child process
(``python -m graphlab.worker``, :mod:`graphlab.worker.child`): torch single-threaded, no network,
an empty environment, a fresh directory, resource limits and no root
(:mod:`graphlab.worker.contain`). Requests and replies are JSON lines over pipes (never pickle,
see :mod:`graphlab.worker.protocol`). The app runs many of them in a pool
(:mod:`graphlab.worker.pool`); :class:`SandboxWorker` is one of them on its own, restarted after
a program that runs past the time limit.

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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graphlab.core.messages import msg

from .contain import Containment, child_env, make_workdir, remove_workdir
from .protocol import DEFAULT_MEMORY, DEFAULT_TIMEOUT, KINDS, failure, time_limit

__all__ = ["SandboxWorker", "WorkerProcess", "request_line"]

_START_TIMEOUT = 60.0  # importing torch in a fresh process can be slow on a busy machine


def request_line(source: str | list[str], limits: Any | None, kind: str) -> dict[str, Any]:
    """The request for ``kind`` (checked here, in the server, before anything waits)."""
    if kind not in KINDS:
        raise ValueError(f"unknown request kind {kind!r}; one of {', '.join(KINDS)}")
    request: dict[str, Any] = {"kind": kind, "source": source}
    if limits is not None:
        request["limits"] = dataclasses.asdict(limits)
    return request


def timed_out(timeout: float, again: bool = False) -> dict[str, Any]:
    """The reply for a program past its time limit (`again`: it was, a moment ago, so it was
    not run a second time)."""
    if again:
        took = msg("this program took longer than {seconds} s a moment ago, so it was not run "
                   "again: make it smaller", seconds=format(timeout, "g"))  # fmt: skip
    else:
        took = msg("the program took longer than {seconds} s", seconds=format(timeout, "g"))
    return failure(took, timeout=True)


class WorkerProcess:
    """One started, contained child; not thread-safe (its owner uses it from one thread)."""

    def __init__(self, containment: Containment | None = None) -> None:
        self.containment = containment or Containment()
        self.ready: dict[str, Any] = {}
        self._workdir = make_workdir(self.containment.user)
        command = [sys.executable, "-m", "graphlab.worker", *self.containment.argv()]
        self._proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=child_env(self._workdir), cwd=self._workdir, start_new_session=True,
        )  # fmt: skip
        self._buffer = b""
        try:
            self.ready = json.loads(self._read_line(_START_TIMEOUT))
        except (TimeoutError, EOFError, OSError, ValueError):
            self.ready = {}
        if not self.ready.get("ready"):
            self.stop()
            raise RuntimeError("the sandbox worker process did not start")

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    def cpu_seconds(self) -> float | None:
        """CPU seconds this process has used so far (None where ``/proc`` cannot say)."""
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def ask(
        self, request: dict[str, Any], timeout: float, check: Callable[[], object] | None = None
    ) -> dict[str, Any]:
        """Send one request; its reply. Raises TimeoutError past ``timeout`` seconds, EOFError or
        OSError if the process died; ``check`` is called every quarter second meanwhile (it may
        raise to abandon the request; the caller then stops this process)."""
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(request).encode() + b"\n")
        self._proc.stdin.flush()
        return json.loads(self._read_line(timeout, check))

    def stop(self) -> None:
        """Kill the process and remove its directory."""
        proc = self._proc
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()
        remove_workdir(self._workdir)

    def _read_line(self, timeout: float, check: Callable[[], object] | None = None) -> str:
        """One line from the child, or TimeoutError after ``timeout`` seconds."""
        assert self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                if not selector.select(min(left, 0.25) if check else left):
                    if check is not None:
                        check()
                    continue
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    raise EOFError("the worker closed its output")
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode()


class SandboxWorker:
    """A single worker process on its own; :meth:`run` evaluates one program in it.

    Thread-safe: one lock serializes requests. A request past ``timeout`` seconds kills the
    process and starts a fresh one. The app uses a pool of them instead
    (:func:`graphlab.worker.shared_pool`).
    """

    def __init__(self, *, timeout: float = DEFAULT_TIMEOUT, memory: int = DEFAULT_MEMORY) -> None:
        self.timeout = timeout
        self.containment = Containment(memory=memory)
        self.restarts = 0
        self._lock = threading.Lock()
        self._proc: WorkerProcess | None = WorkerProcess(self.containment)

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
        request = request_line(source, limits, kind)
        timeout = time_limit(kind, self.timeout)
        with self._lock:
            if self._proc is None or not self._proc.alive:
                self._restart()
            assert self._proc is not None
            try:
                reply = self._proc.ask(request, timeout)
            except TimeoutError:
                self._restart()
                return timed_out(timeout)
            except (OSError, EOFError, ValueError):
                self._restart()
                return failure(msg("the program stopped the worker (out of memory?); try again"))
            if reply.pop("retire", False):
                self._restart()
        return reply

    def close(self) -> None:
        """Stop the worker process."""
        with self._lock:
            if self._proc is not None:
                self._proc.stop()
                self._proc = None

    def __enter__(self) -> SandboxWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def _restart(self) -> None:
        if self._proc is not None:
            self._proc.stop()
            self.restarts += 1
        self._proc = None
        self._proc = WorkerProcess(self.containment)
