"""The container's HEALTHCHECK: exit 0 when Streamlit's own health endpoint on $PORT says ok.

Python rather than curl: the slim image has no curl, and this adds nothing to it."""

import os
import sys
import urllib.request


def healthy(port: str, timeout: float = 4.0) -> bool:
    url = f"http://127.0.0.1:{port}/_stcore/health"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:  # noqa: S310 (fixed local URL)
            return reply.status == 200 and reply.read().strip() == b"ok"
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(0 if healthy(os.environ.get("PORT", "7860")) else 1)
