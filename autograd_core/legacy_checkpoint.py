"""The reader of version 1 checkpoints, the format ``nn.save`` wrote before it wrote
safetensors files. ``ag.load`` still reads them; nothing writes them any more.

A version 1 file is laid out like safetensors, with a header of its own:

    8 bytes    N, the header length, unsigned little-endian
    N bytes    a UTF-8 JSON object: {"format": "nn.save", "version": 1,
                                     "tree": <the saved structure>,
                                     "arrays": [{"dtype": "<f4", "shape": [2, 3],
                                                 "offsets": [begin, end]}, ...]}
    the rest   the raw little-endian bytes of every array, back to back, C order

The tree is the one of ``checkpoint_tree`` with each array named by its index in "arrays".
Every field is validated before use (known dtypes, shapes, offsets that tile the data
exactly, at most MAX_NDIM dimensions, sizes numpy can allocate), so a truncated or crafted
file fails with a ValueError naming the file and the entry.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from .checkpoint_tree import decode, is_count, short

__all__ = ["FORMAT", "is_legacy", "read_legacy"]

FORMAT = "nn.save"
VERSION = 1
# numpy's limit on an array's dimensions (NPY_MAXDIMS: 32 before numpy 2)
MAX_NDIM = 64 if np.lib.NumpyVersion(np.__version__) >= "2.0.0" else 32

# dtype strings allowed in a file: bool, integers, floats, complex (all little-endian)
DTYPES = frozenset(
    np.dtype(t).newbyteorder("<").str
    for t in ("?", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f2", "f4", "f8", "c8", "c16")
)


def is_legacy(header: dict) -> bool:
    """Does this parsed header declare the version 1 format?"""
    return header.get("format") == FORMAT


def read_legacy(header: dict, data: memoryview, bad: Callable[[str], str]) -> Any:
    """The object a version 1 file holds: ``header`` is its parsed JSON header, ``data`` the
    bytes after it; errors are ValueErrors with the message ``bad(what is wrong)``."""
    if header.get("version") != VERSION:
        raise ValueError(
            bad(
                f"unsupported version {short(header.get('version'))} "
                f"(this library reads version {VERSION})"
            )
        )
    if "tree" not in header or not isinstance(header.get("arrays"), list):
        raise ValueError(bad("header lacks 'tree' or the 'arrays' list"))
    specs = check_arrays(header["arrays"], len(data), bad)
    arrays = {}
    for i, (dtype, shape, (begin, end)) in enumerate(specs):
        array = np.frombuffer(data[begin:end], dtype).reshape(shape).copy()
        arrays[i] = array if dtype.isnative else array.astype(dtype.newbyteorder("="))
    return decode(header["tree"], arrays, int, bad)


def check_arrays(entries: list, data_size: int, bad: Callable[[str], str]) -> list:
    """(dtype, shape, offsets) per entry, after checking that the offsets tile the data."""
    specs, position = [], 0
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "offsets"}:
            raise ValueError(bad(f"array {i}: needs exactly dtype, shape and offsets"))
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["offsets"]
        if not isinstance(dtype, str) or dtype not in DTYPES:
            raise ValueError(bad(f"array {i}: unknown dtype {short(dtype)}"))
        dtype = np.dtype(dtype)
        check_shape(shape, dtype, f"array {i}", bad)
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(map(is_count, offsets))):
            raise ValueError(bad(f"array {i}: offsets {short(offsets)} are not [begin, end]"))
        begin, end = offsets
        if begin != position:
            what = "overlaps the previous array" if begin < position else "leaves a gap"
            raise ValueError(
                bad(f"array {i}: begins at byte {begin}, which {what} (expected {position})")
            )
        nbytes = math.prod(shape) * dtype.itemsize
        if end - begin != nbytes:
            raise ValueError(
                bad(
                    f"array {i}: offsets span {end - begin} bytes, but shape "
                    f"{short(shape)} of {dtype} needs {nbytes}"
                )
            )
        if end > data_size:
            raise ValueError(
                bad(
                    f"array {i}: ends at byte {end}, past the end of the "
                    f"data ({data_size} bytes): the file is truncated"
                )
            )
        specs.append((dtype, tuple(shape), (begin, end)))
        position = end
    if position != data_size:
        raise ValueError(bad(f"{data_size - position} bytes after the last array"))
    return specs


def check_shape(shape: Any, dtype: np.dtype, entry: str, bad: Callable[[str], str]) -> None:
    """Refuse a shape that is not a list of counts, or that numpy cannot make, before numpy
    gives its own bare message. An empty array (a 0 in the shape) needs no bytes, so no
    offsets check catches a huge other dimension."""
    if not isinstance(shape, list) or not all(is_count(n) for n in shape):
        raise ValueError(
            bad(f"{entry}: shape {short(shape)} is not a list of non-negative integers")
        )
    if len(shape) > MAX_NDIM:
        raise ValueError(
            bad(
                f"{entry}: shape has {len(shape)} dimensions, more than numpy's limit of {MAX_NDIM}"
            )
        )
    size = 1
    for n in shape:  # each size and the byte count must fit numpy's signed index type
        size *= max(n, 1)
        if n > sys.maxsize or size * dtype.itemsize > sys.maxsize:
            raise ValueError(
                bad(f"{entry}: shape {short(shape)} of {dtype} is too large for any array")
            )
