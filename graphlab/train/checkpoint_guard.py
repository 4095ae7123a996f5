"""What a checkpoint's bytes must be before ``torch.load`` opens them: cheap checks of the zip
archive (its central directory) and of the pickle's opcodes, so a crafted file costs a
visitor's upload, not the server's memory and minutes of its CPU.

``torch.save`` writes a zip whose entries are all stored uncompressed (``ZIP_STORED``): one
``<archive>/data.pkl`` (the pickled structure; tensors are persistent references) and one entry
per tensor storage. A deflated entry is a zip bomb (a few MB can unpack to gigabytes), and so is
a pickle of millions of references to one object; both are refused here. ``torch.load`` itself
checks that each storage's record is exactly the size the pickle claims, so with every entry
stored and the entries no larger together than the file, the tensors fit in the file's size.

>>> inspect_archive(b"not a zip")
Traceback (most recent call last):
...
graphlab.train.checkpoint_guard.NotACheckpoint: the checkpoint is not a zip archive as torch.save writes one
"""

from __future__ import annotations

import io
import pickle
import pickletools
import struct
import zipfile
from dataclasses import dataclass

from graphlab.core.messages import msg
from graphlab.data.errors import said

from .errors import refusal

__all__ = ["LOCAL", "UPLOAD", "Limits", "NotACheckpoint", "inspect_archive", "scan_pickle"]

_MEMO_OPS = {"PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"}
_END, _END64, _LOCATOR = b"PK\x05\x06", b"PK\x06\x06", b"PK\x06\x07"
_CD_ENTRY_BYTES = 1024  # a directory entry is 46 bytes and its name (torch's: under 100)


@dataclass(frozen=True)
class Limits:
    """Bounds on a checkpoint file, checked before it is unpickled.

    ``UPLOAD`` (a visitor's file) leaves margin over the largest checkpoint the app's own form
    makes: MLP with Adam after 10 epochs of 50,000 images in batches of 16 (31,250 steps of
    history) is 7.2 MB with a 660 KB ``data.pkl`` of 95,000 opcodes and 32 entries; a CNN with
    Adam has 40 entries. ``LOCAL`` is for a file on the user's own disk (the command line's
    ``--resume``), where a run of hundreds of epochs keeps a longer history.
    """

    file_bytes: int = 16 * 2**20  # the whole file (the server's maxUploadSize is lower)
    entries: int = 256
    pickle_bytes: int = 2 * 2**20  # data.pkl: 3x the app's largest
    pickle_ops: int = 600_000  # 6x the app's largest; bounds the unpickler's time and objects
    memo: int = 100_000  # the highest memo index a PUT may name (the app's: a few hundred)


UPLOAD = Limits()
LOCAL = Limits(file_bytes=2**31, entries=4096, pickle_bytes=256 * 2**20, pickle_ops=40_000_000,
               memo=10_000_000)  # fmt: skip


class NotACheckpoint(ValueError, pickle.UnpicklingError):
    """A file that is no checkpoint at all: a refusal (``ValueError``) that is also what
    ``torch.load`` raised for one before these checks (``pickle.UnpicklingError``), in the
    plain words a reader of PyTorch's errors got then."""


def _not_torch_zip() -> ValueError:
    return said(NotACheckpoint, msg("the checkpoint is not a zip archive as torch.save writes one"))


def _directory_size(raw: bytes) -> tuple[int, int]:
    """The entry count and central directory size that the end records claim (the larger of
    the plain and the zip64 one, which torch always writes): zipfile parses the whole directory
    before anyone can count its entries."""
    end = raw.rfind(_END, max(0, len(raw) - 22 - 65_535))
    if end < 0 or end + 22 > len(raw):
        raise _not_torch_zip()
    entries, size = struct.unpack_from("<HI", raw, end + 10)
    if raw[end - 20 : end - 16] == _LOCATOR and raw[end - 76 : end - 72] == _END64:
        entries64, size64 = struct.unpack_from("<QQ", raw, end - 76 + 32)
        entries, size = max(entries, entries64), max(size, size64)
    return entries, size


def inspect_archive(raw: bytes, limits: Limits = UPLOAD) -> bytes:
    """Check ``raw``'s zip directory against ``limits``; return its ``data.pkl`` (read only
    once it is known to be stored and small). ``ValueError`` names the first problem."""
    if len(raw) > limits.file_bytes:
        raise refusal(msg("the checkpoint is {size} bytes, more than the {limit} allowed",
                          size=len(raw), limit=limits.file_bytes))  # fmt: skip
    # torch.load reads any other file as a bare (legacy) pickle, unbounded: only a zip opens.
    if not raw.startswith(b"PK\x03\x04"):
        raise _not_torch_zip()
    count, directory = _directory_size(raw)
    if count > limits.entries or directory > limits.entries * _CD_ENTRY_BYTES:
        raise refusal(msg("the checkpoint has {count} entries, more than the {limit} allowed",
                          count=count, limit=limits.entries))  # fmt: skip
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            entries = archive.infolist()
            _check_entries(entries, len(raw), limits)
            return archive.read(_pickle_entry(entries, limits))
    except (zipfile.BadZipFile, EOFError, OSError, struct.error, UnicodeDecodeError):
        raise _not_torch_zip() from None


def _check_entries(entries: list[zipfile.ZipInfo], size: int, limits: Limits) -> None:
    if len(entries) > limits.entries:
        raise refusal(msg("the checkpoint has {count} entries, more than the {limit} allowed",
                          count=len(entries), limit=limits.entries))  # fmt: skip
    for entry in entries:
        if entry.compress_type != zipfile.ZIP_STORED or entry.compress_size != entry.file_size:
            raise refusal(msg("the checkpoint's entry {entry} is compressed; torch.save stores "
                              "every entry as it is", entry=entry.filename[:80]))  # fmt: skip
    # Entries that share a name or overlap (a forged directory naming one stretch of the file
    # many times) would let a small file hold many large tensors.
    total = sum(entry.file_size for entry in entries)
    if len({entry.filename for entry in entries}) != len(entries) or total > size:
        raise refusal(msg("the checkpoint is damaged: its entries claim {total} bytes in a file "
                          "of {size}", total=total, size=size))  # fmt: skip


def _pickle_entry(entries: list[zipfile.ZipInfo], limits: Limits) -> zipfile.ZipInfo:
    pickles = [
        e for e in entries if e.filename.count("/") == 1 and e.filename.endswith("/data.pkl")
    ]
    if len(pickles) != 1 or any(e.filename.split("/")[0] != pickles[0].filename.split("/")[0]
                                for e in entries):  # fmt: skip
        raise _not_torch_zip()
    entry = pickles[0]
    if entry.file_size > limits.pickle_bytes:
        raise refusal(msg("the checkpoint's data.pkl is {size} bytes, more than the {limit} "
                          "allowed", size=entry.file_size, limit=limits.pickle_bytes))  # fmt: skip
    return entry


def scan_pickle(data: bytes, limits: Limits = UPLOAD) -> int:
    """Walk ``data``'s opcodes without building anything; return their count. ``ValueError``
    when there are more than ``limits.pickle_ops`` (millions of references to one object cost
    two bytes each to write and a pointer each to build) or a memo index past ``limits.memo``
    (the C unpickler sizes its memo by the largest index: one opcode could ask for gigabytes).
    """
    count, memo = 0, 0
    for count, (op, arg) in enumerate(_opcodes(data), start=1):
        if count > limits.pickle_ops:
            raise refusal(msg("the checkpoint's data.pkl has more than {limit} pickle operations",
                              limit=limits.pickle_ops))  # fmt: skip
        if op in _MEMO_OPS:
            memo = max(memo, arg if isinstance(arg, int) else memo + 1)
            if memo > limits.memo:
                raise refusal(msg("the checkpoint's data.pkl names memo slot {slot}, more than "
                                  "{limit}", slot=memo, limit=limits.memo))  # fmt: skip
    return count


def _opcodes(data: bytes):
    """``(name, argument)`` of each opcode; a pickle pickletools cannot read is refused."""
    try:
        for op, arg, _pos in pickletools.genops(data):
            yield op.name, arg
    except (ValueError, EOFError) as exc:  # its own words name the opcode and position
        text = msg("the checkpoint's data.pkl is damaged: {reason}", reason=str(exc)[:200])
        raise said(NotACheckpoint, text) from None
