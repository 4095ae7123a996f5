"""IDX files (the format MNIST ships in): read, write, find in a directory, download with checksums.

>>> import numpy as np, tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "labels-idx1-ubyte.gz"
>>> write_idx(path, np.array([3, 1, 4], dtype=np.uint8))
>>> read_idx(path).tolist()
[3, 1, 4]
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import struct
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from graphlab.core.messages import msg

from .errors import said

__all__ = [
    "IDX_FILES",
    "MIRRORS",
    "IdxError",
    "RemoteFile",
    "download_idx",
    "find_idx_files",
    "read_idx",
    "write_idx",
]

_GZIP_MAGIC = b"\x1f\x8b"
_UBYTE = 0x08
# An IDX header is 2 zero bytes, a type code, the number of dimensions, then one u32 per dimension.
_MAX_DIMS = 4


class IdxError(ValueError):
    """A file is not a well-formed IDX file (bad magic, wrong size, truncated, bad checksum)."""


@dataclass(frozen=True)
class RemoteFile:
    """One file on a mirror, with the checksums and size a good copy has."""

    name: str
    sha256: str
    md5: str = ""
    size: int | None = None


# The standard files; checksums as published alongside torchvision / TensorFlow mirrors.
IDX_FILES: dict[str, RemoteFile] = {
    "train_images": RemoteFile(
        "train-images-idx3-ubyte.gz",
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        9_912_422,
    ),
    "train_labels": RemoteFile(
        "train-labels-idx1-ubyte.gz",
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "d53e105ee54ea40749a09fcbcd1e9432",
        28_881,
    ),
    "test_images": RemoteFile(
        "t10k-images-idx3-ubyte.gz",
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "9fb629c4189551a2d022fa330f9573f3",
        1_648_877,
    ),
    "test_labels": RemoteFile(
        "t10k-labels-idx1-ubyte.gz",
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        "ec29112dd5afa0611ce80d1b7f02629c",
        4_542,
    ),
}
MIRRORS: list[str] = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
]
_DOWNLOAD_LIMIT = 64 * 2**20  # no MNIST file comes near this; a bigger answer is not MNIST


def parse_idx(raw: bytes, where: str = "IDX data") -> np.ndarray:
    """Decode the bytes of an (uncompressed) unsigned-byte IDX file into an array."""
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] != _UBYTE or not 1 <= raw[3] <= _MAX_DIMS:
        raise IdxError(f"{where}: not an unsigned-byte IDX file (bad magic number)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IdxError(f"{where}: truncated header")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    expected = header + int(np.prod(shape, dtype=np.int64))
    if len(raw) != expected:
        raise IdxError(f"{where}: {len(raw)} bytes, expected {expected} for shape {shape}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file, gzip-compressed or not (decided by content, not by name)."""
    data = Path(path).read_bytes()
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:  # truncated or corrupt gzip stream
            raise IdxError(f"{path}: corrupt gzip data ({exc})") from exc
    return parse_idx(data, str(path))


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write a uint8 array as an IDX file, gzip-compressed when the name ends in ``.gz``."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    raw = bytes([0, 0, _UBYTE, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    raw += array.tobytes()
    path = Path(path)
    path.write_bytes(gzip.compress(raw, compresslevel=1) if path.suffix == ".gz" else raw)


def _candidates(name: str) -> list[str]:
    stem = name.removesuffix(".gz")
    # Some copies use a dot before "idx" (train-images.idx3-ubyte); accept both spellings.
    dotted = stem.replace("-idx", ".idx")
    return [stem, stem + ".gz", dotted, dotted + ".gz"]


def find_idx_files(directory: str | os.PathLike) -> dict[str, Path]:
    """Locate the four standard files in ``directory``; raise ``FileNotFoundError`` naming the missing."""
    directory = Path(directory)
    found, missing = {}, []
    for key, remote in IDX_FILES.items():
        paths = [directory / c for c in _candidates(remote.name) if (directory / c).is_file()]
        if paths:
            found[key] = paths[0]
        else:
            missing.append(remote.name.removesuffix(".gz"))
    if missing:
        raise FileNotFoundError(f"{directory}: missing {', '.join(missing)} (.gz or not)")
    return found


def _fetch(url: str, limit: int, timeout: float) -> bytes:
    # Only http(s) URLs are ever built here (mirror + known file name), never file:// from users.
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"refusing to download {url!r}: only http(s) mirrors are allowed")
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (checked above)
        data = response.read(limit + 1)
    if len(data) > limit:
        raise IdxError(f"{url}: larger than {limit} bytes")
    return data


def _verify(data: bytes, remote: RemoteFile, url: str) -> None:
    if remote.size is not None and len(data) != remote.size:
        raise IdxError(f"{url}: {len(data)} bytes, expected {remote.size} (truncated?)")
    if hashlib.sha256(data).hexdigest() != remote.sha256:
        raise IdxError(f"{url}: SHA256 mismatch (corrupt or not the expected file)")
    if remote.md5 and hashlib.md5(data, usedforsecurity=False).hexdigest() != remote.md5:
        raise IdxError(f"{url}: MD5 mismatch (corrupt or not the expected file)")


def download_idx(
    target: str | os.PathLike,
    mirrors: list[str] | None = None,
    files: dict[str, RemoteFile] | None = None,
    timeout: float = 30.0,
) -> dict[str, Path]:
    """Download the IDX files into ``target``, trying each mirror in turn; verify the checksums.

    A file is written (atomically) only once its checksums match, so a truncated or corrupt
    answer never lands on disk. Raises ``OSError`` listing what each mirror answered.

    >>> download_idx("/tmp/mnist", mirrors=["http://127.0.0.1:1/"], timeout=1)  # doctest: +SKIP
    """
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    paths = {}
    for key, remote in (files or IDX_FILES).items():
        paths[key] = target / remote.name
        if not paths[key].is_file():
            _download_one(paths[key], remote, mirrors or MIRRORS, timeout)
    return paths


def _download_one(path: Path, remote: RemoteFile, mirrors: list[str], timeout: float) -> None:
    errors = []
    limit = remote.size if remote.size is not None else _DOWNLOAD_LIMIT
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + remote.name
        try:
            data = _fetch(url, limit, timeout)
            _verify(data, remote, url)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            errors.append(f"{url}: {exc}" if url not in str(exc) else str(exc))
            continue
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
            tmp.write(data)
        os.replace(tmp.name, path)
        return
    text = msg("could not download {name}: {errors}", name=remote.name, errors="; ".join(errors))
    raise said(OSError, text)
