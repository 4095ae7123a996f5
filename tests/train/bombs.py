"""Crafted checkpoint files, built from small pieces: the test never holds what they unpack to."""

from __future__ import annotations

import io
import pickle
import struct
import zipfile
import zlib

import torch

MiB = 2**20


def entries_of(obj: object) -> dict[str, bytes]:
    """The entries of ``torch.save(obj)``, by name."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_zip(entries: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip of ``(name, data, method, crc, unpacked size)`` entries, ``data`` as given (already
    deflated where ``method`` is 8): zipfile would deflate them itself, unpacked."""
    out, directory = io.BytesIO(), io.BytesIO()
    for name, data, method, crc, size in entries:
        offset, encoded = out.tell(), name.encode()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0, crc, len(data),
                              size, len(encoded), 0) + encoded + data)  # fmt: skip
        directory.write(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, method, 0, 0, crc,
                                    len(data), size, len(encoded), 0, 0, 0, 0, 0, offset)
                        + encoded)  # fmt: skip
    start, count = out.tell(), len(entries)
    out.write(directory.getvalue())
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count,
                          len(directory.getvalue()), start, 0))  # fmt: skip
    return out.getvalue()


def tensor_bomb(mib: int = 1812) -> bytes:
    """``torch.save({"junk": torch.zeros(mib * 2**18)})`` (1.9 GB at the default) with its
    storage deflated: a 1.9 MB file. After a full flush deflate starts afresh, so one MiB of
    zeros deflates to the same bytes every time and the stream is those bytes repeated."""
    numel = mib * MiB // 4
    pieces = entries_of({"junk": torch.zeros(54321)})
    pieces["archive/data.pkl"] = pieces["archive/data.pkl"].replace(
        b"M1\xd4",
        b"J" + struct.pack("<i", numel),  # the numel 54321, in the storage and the size
    )
    deflate, zeros = zlib.compressobj(9, zlib.DEFLATED, -15), bytes(MiB)
    first = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    block = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    stream = first + block * (mib - 1) + deflate.flush()
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    entries = []
    for name, data in pieces.items():
        if name == "archive/data/0":
            entries.append((name, stream, 8, crc, mib * MiB))
        else:
            entries.append((name, data, 0, zlib.crc32(data), len(data)))
    return write_zip(entries)


def reference_bomb(items: int, deflated: bool) -> bytes:
    """``torch.save(["x"] * items)``: a pickle of two bytes per item (a memo reference, in
    batches of 1,000 between MARK and APPENDS), written a batch at a time."""
    head = pickle.dumps(["x"], protocol=2)[:-2]  # PROTO, EMPTY_LIST, BINPUT, "x", BINPUT
    assert head.endswith(b"q\x01")
    batch = b"(" + b"h\x01" * 1000 + b"e"
    entries = entries_of(["x"])
    method = zipfile.ZIP_DEFLATED if deflated else zipfile.ZIP_STORED
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method, compresslevel=9 if deflated else None) as archive:
        for name, data in entries.items():
            if name != "archive/data.pkl":
                archive.writestr(name, data, compress_type=zipfile.ZIP_STORED)
                continue
            with archive.open(name, "w", force_zip64=False) as pkl:
                pkl.write(head + b"a")  # APPEND the first "x"
                for _ in range(items // 1000):
                    pkl.write(batch)
                pkl.write(b".")
    return out.getvalue()
