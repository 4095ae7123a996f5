"""IDX files and the checksummed downloader, against a loopback HTTP server (no internet)."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import threading

import numpy as np
import pytest

from graphlab.data import idx as data_idx
from graphlab.data.idx import IdxError, RemoteFile, download_idx, read_idx, write_idx


def remote(name: str, payload: bytes) -> RemoteFile:
    return RemoteFile(
        name,
        hashlib.sha256(payload).hexdigest(),
        hashlib.md5(payload, usedforsecurity=False).hexdigest(),
        len(payload),
    )


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves /good/NAME, /truncated/NAME (half, honest length), /cut/NAME (half, then hangs
    up although the header promised all), /corrupt/NAME (same length, bytes flipped)."""

    files: dict[str, bytes] = {}

    def do_GET(self) -> None:
        _, mode, name = self.path.split("/", 2)
        payload = self.files.get(name)
        if payload is None or mode not in ("good", "truncated", "cut", "corrupt"):
            self.send_error(404)
            return
        body = {
            "good": payload,
            "truncated": payload[: len(payload) // 2],
            "cut": payload[: len(payload) // 2],
            "corrupt": bytes(b ^ 0xFF for b in payload[:64]) + payload[64:],
        }[mode]
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload) if mode == "cut" else len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def labels_file():
    payload = gzip.compress(idx_bytes(np.arange(100) % 10))
    _Handler.files = {"labels-idx1-ubyte.gz": payload}
    return {"labels": remote("labels-idx1-ubyte.gz", payload)}


def test_write_then_read_round_trips_plain_and_gzip(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    for name in ("images-idx3-ubyte", "images-idx3-ubyte.gz"):
        write_idx(tmp_path / name, images)
        np.testing.assert_array_equal(read_idx(tmp_path / name), images)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\x00\x00\x0d\x01" + (3).to_bytes(4, "big") + b"abc", "bad magic"),
        (b"\x00\x00\x08\x01" + (5).to_bytes(4, "big") + b"abc", "expected 13"),
        (b"\x00\x00\x08\x02\x00\x00", "truncated header"),
    ],
)
def test_malformed_idx_is_refused(tmp_path, raw, message):
    path = tmp_path / "x-idx1-ubyte"
    path.write_bytes(raw)
    with pytest.raises(IdxError, match=message):
        read_idx(path)


def test_truncated_gzip_is_refused(tmp_path):
    path = tmp_path / "x-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros(1000)))[:30])
    with pytest.raises(IdxError, match="corrupt gzip"):
        read_idx(path)


def test_good_file_downloads_and_verifies(server, labels_file, tmp_path):
    paths = download_idx(tmp_path, mirrors=[server + "/good/"], files=labels_file)
    assert read_idx(paths["labels"]).tolist() == [i % 10 for i in range(100)]


@pytest.mark.parametrize(
    ("mode", "complaint"),
    [("truncated", "truncated"), ("cut", ""), ("corrupt", "SHA256 mismatch"), ("missing", "404")],
)
def test_bad_answers_leave_nothing_on_disk(server, labels_file, tmp_path, mode, complaint):
    with pytest.raises(OSError, match=f"could not download labels-idx1-ubyte.gz.*{complaint}"):
        download_idx(tmp_path, mirrors=[f"{server}/{mode}/"], files=labels_file)
    assert list(tmp_path.iterdir()) == []  # no partial file for the next run to trust


def test_a_bad_mirror_falls_back_to_the_next(server, labels_file, tmp_path):
    mirrors = [server + "/corrupt/", server + "/good/"]
    paths = download_idx(tmp_path, mirrors=mirrors, files=labels_file)
    assert paths["labels"].read_bytes() == _Handler.files["labels-idx1-ubyte.gz"]


def test_md5_is_checked_too(server, labels_file, tmp_path):
    wrong_md5 = {"labels": RemoteFile(**{**vars(labels_file["labels"]), "md5": "0" * 32})}
    with pytest.raises(OSError, match="MD5 mismatch"):
        download_idx(tmp_path, mirrors=[server + "/good/"], files=wrong_md5)


def test_only_http_mirrors_are_used(tmp_path, labels_file):
    with pytest.raises(OSError, match="only http"):
        download_idx(tmp_path, mirrors=["file:///etc/"], files=labels_file)


def test_standard_files_carry_both_checksums():
    for remote_file in data_idx.IDX_FILES.values():
        assert len(remote_file.sha256) == 64 and len(remote_file.md5) == 32
        assert remote_file.size and remote_file.name.endswith("-ubyte.gz")
