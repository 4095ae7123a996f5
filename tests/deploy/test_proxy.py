"""deploy/proxy.sh (HAProxy, as compose runs it) in front of two replicas started by
deploy/entrypoint.sh: new visitors are spread, each stays on its replica (page, websocket
session), and a replica that dies is taken out while the other's sessions carry on."""

from __future__ import annotations

import asyncio

import pytest

from tests.deploy.replicas import get, replicas_behind_proxy, wait_until
from tests.e2e.protocol import Session

pytestmark = pytest.mark.slow


def _served_by(url: str, cookie: str | None = None) -> tuple[str, str | None]:
    import urllib.request

    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310 (loopback)
        set_cookie = [c for c in reply.headers.get_all("Set-Cookie") or () if "REPLICA" in c]
        return reply.headers["X-Graphlab-Replica"], set_cookie[0].split(";")[
            0
        ] if set_cookie else None


def _answer(url: str, cookie: str) -> str | None:
    """Which replica answered, or None while the proxy has not yet seen that one died."""
    try:
        return _served_by(url, cookie)[0]
    except OSError:
        return None


async def _session_run(url: str, cookie: str) -> tuple[str, str]:
    async with Session(url, cookie=cookie) as s:
        replica = s.ws.response.headers["X-Graphlab-Replica"]
        run = await s.run("")
        return replica, run.status


def test_sessions_stick_to_their_replica_and_survive_the_other_dying():
    with replicas_behind_proxy(2) as (url, procs):
        firsts = [_served_by(url) for _ in range(4)]
        cookies = {name: cookie for name, cookie in firsts}
        assert set(cookies) == {"app1", "app2"}  # fresh visitors are spread
        assert all(cookie == f"GRAPHLAB_REPLICA={name}" for name, cookie in cookies.items())
        for name, cookie in cookies.items():  # each visitor stays, page after page
            assert {_served_by(url, cookie) for _ in range(5)} == {(name, None)}
            assert asyncio.run(_session_run(url, cookie)) == (name, "FINISHED_SUCCESSFULLY")

        async def survive() -> tuple[str, str]:
            async with Session(url, cookie=cookies["app2"]) as s:
                await s.run("")
                procs[0].kill()  # app1 dies with its sessions
                assert wait_until(lambda: _answer(url, cookies["app1"]) == "app2", 30)
                again = await s.run("graph_explorer")  # app2's open session carries on
                return s.ws.response.headers["X-Graphlab-Replica"], again.status

        assert asyncio.run(survive()) == ("app2", "FINISHED_SUCCESSFULLY")
        moved = _served_by(url, cookies["app1"])
        assert moved == ("app2", "GRAPHLAB_REPLICA=app2")  # app1's visitor starts over on app2
        assert get(url + "/_stcore/health")[1] == "ok"
