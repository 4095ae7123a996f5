"""Run programs through `gl.evaluate` (or `check_gradients`) in a child process, so a program
that hangs or eats memory fails its test instead of blocking the suite or the machine.

A signal-based timeout cannot stop a long C call (`round(1, -10**15)` sits in one bigint power),
so the child is killed from outside. One child answers many programs; it is replaced only after
one of them hangs or dies.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MEMORY = 3 * 2**30  # address space of the child: torch needs ~1 GB; a bypass needs far more

_CHILD = f"""
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, ({MEMORY}, {MEMORY}))
import graphlab as gl
from graphlab.sandbox import ExpressionError, check_gradients
gl.evaluate("x = torch.ones(2, 2, requires_grad=True)\\ny = (x @ x)[x > 0].sum()")  # warm up
print(json.dumps({{"ready": True}}), flush=True)
for line in sys.stdin:
    kind, source = json.loads(line)
    start = time.perf_counter()
    try:
        if kind == "gradcheck":
            out = {{"passed": check_gradients(source)["passed"]}}
        else:
            ev = gl.evaluate(source)
            out = {{"flops": ev.flops, "bytes": ev.bytes,
                    "values": {{k: repr(v) for k, v in ev.variables.items()
                               if not hasattr(v, "shape")}}}}
    except ExpressionError as err:
        out = {{"error": str(err), "line": err.line, "col": err.col}}
    except MemoryError:
        out = {{"crash": "MemoryError"}}
    out["seconds"] = time.perf_counter() - start
    print(json.dumps(out), flush=True)
"""


@dataclass
class Outcome:
    """What a guarded program did: ``hung`` (killed after the deadline), ``crash`` (the child
    died or ran out of memory), else ``reply`` (the child's answer, with ``seconds``)."""

    hung: bool = False
    crash: str | None = None
    reply: dict | None = None


class Guard:
    """A child process running programs one at a time, each with a deadline."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None

    def _start(self) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD], cwd=ROOT, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        assert proc.stdout is not None
        ready = proc.stdout.readline()
        assert ready.strip(), "the guarded child did not start"
        return proc

    def run(self, source: str, seconds: float = 30.0, kind: str = "evaluate") -> Outcome:
        proc = self._proc = self._proc or self._start()
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps([kind, source]) + "\n")
        proc.stdin.flush()
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(proc.stdout.readline()))
        reader.start()
        reader.join(seconds)
        if reader.is_alive() or not result or not result[0].strip():
            hung = reader.is_alive()
            self.close()
            reader.join(5)
            return Outcome(hung=hung, crash=None if hung else "the child died")
        reply = json.loads(result[0])
        if "crash" in reply:
            self.close()
            return Outcome(crash=reply["crash"])
        return Outcome(reply=reply)

    def close(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None
