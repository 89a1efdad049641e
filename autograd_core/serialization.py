"""``ag.save`` / ``ag.load`` (also ``nn.save`` / ``nn.load``): state dicts and checkpoints as
safetensors files, which PyTorch reads with ``safetensors.torch.load_file``; no pickle.

A file is a plain safetensors file (https://github.com/huggingface/safetensors):

    8 bytes    N, the header length, unsigned little-endian
    N bytes    a UTF-8 JSON object: one entry per tensor,
                   "<key>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]},
               and "__metadata__": a str -> str map (see below)
    the rest   the raw little-endian bytes of every tensor, back to back, C order

What goes where when ``save(obj, path)`` writes ``obj``:

* Every numpy array, numpy scalar, Tensor and Parameter in ``obj`` becomes one tensor, under
  a flat dotted key that follows its path in ``obj``: dict keys (an int key ``0`` as ``0``,
  a float key as its repr) and list or tuple indices joined by dots. So
  ``save(model.state_dict(), p)`` writes exactly the state dict's keys (``0.weight``,
  ``fc1.bias``, ``bn.running_mean``), and ``{"model": sd, "optimizer": opt.state_dict()}``
  writes ``model.0.weight``, ``optimizer.state.0.exp_avg``, ... A key already taken (the
  paths ``{"a.b": x}`` and ``{"a": {"b": y}}`` both say ``a.b``) gets the first free suffix
  ``#2``, ``#3``, ...; a lone array saved as the whole object is named ``tensor``. Dtypes:
  bool, int8 to int64, uint8 to uint64, float16, float32, float64 (any byte order and
  memory layout); any other dtype is refused, naming the entry.
* Everything else goes in ``__metadata__`` as ``{"format": "autograd-core", "version": "2",
  "tree": "<JSON>"}``. The tree (see ``checkpoint_tree``) is the structure of ``obj``:
  dicts (keys str, int, float, bool or None), lists, tuples, str, ints, floats (nan and
  inf too), bools, None, and in place of each array a tag naming its key and its kind:
  ``{"ndarray": key}``, ``{"scalar": key}`` (a numpy scalar, stored 0-d),
  ``{"tensor": key, "requires_grad": b}`` or ``{"parameter": key, "requires_grad": b}``.

``load`` reads such a file back into the same structure: arrays keep dtype, shape and every
bit of their values (NaN payloads included) and come back as new, writable, C-ordered
arrays; Parameters come back as Parameters once ``nn`` is imported. A safetensors file
without that metadata (``safetensors.torch.save_file(model.state_dict(), p)`` in PyTorch)
loads as a flat dict key -> numpy array, so ``model.load_state_dict(nn.load(p))`` works.
A file of the format before safetensors (header ``{"format": "nn.save", "version": 1}``)
still loads, through ``legacy_checkpoint``.

Loading reads only data: nothing in a file can name code to run. Every field is checked
before use (header size cap, UTF-8, JSON, dtypes numpy has, shapes numpy can allocate,
offsets that tile the data exactly, a tree whose references exist and are used once, at
most MAX_DEPTH levels of nesting), and whatever safetensors itself refuses is reported too,
so a truncated or crafted file fails with a ValueError naming the file and what is wrong.

Saving is atomic: the bytes go to a temporary file beside the target, which is flushed,
fsynced and then renamed over the target, so a crash leaves either the old file or the new
one. A save keeps an existing target's permission bits, and saving to a symlink replaces the
file it points to (the link stays). The temporary file is named
``.<target name>.<pid>.<random>.tmp``; it is removed when the save fails, and a save killed
outright leaves it behind until the next save of the same target sweeps it (see
``_sweep_stale_temps``).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import secrets
import struct
import time
from typing import Any

import numpy as np
import safetensors
import safetensors.numpy

from .checkpoint_tree import decode, encode, is_count, register_tensor_class, short
from .legacy_checkpoint import check_shape, is_legacy, read_legacy

__all__ = ["save", "load", "register_tensor_class"]

FORMAT = "autograd-core"  # __metadata__["format"] of the files save writes
VERSION = "2"  # version 1 was the format before safetensors (legacy_checkpoint)
MAX_HEADER_BYTES = 100 * 2**20  # safetensors' cap; a real header is far smaller
STALE_TEMP_SECONDS = 600  # a temp file unmodified this long is no save in progress

# safetensors dtype -> numpy dtype, for the dtypes numpy has
DTYPES = {
    "BOOL": np.dtype("?"),
    "I8": np.dtype("i1"),
    "U8": np.dtype("u1"),
    "I16": np.dtype("<i2"),
    "U16": np.dtype("<u2"),
    "I32": np.dtype("<i4"),
    "U32": np.dtype("<u4"),
    "I64": np.dtype("<i8"),
    "U64": np.dtype("<u8"),
    "F16": np.dtype("<f2"),
    "F32": np.dtype("<f4"),
    "F64": np.dtype("<f8"),
}

_LENGTH = struct.Struct("<Q")
_FOREIGN = {  # first bytes of files people mistake for checkpoints
    b"\x80": "a Python pickle (e.g. torch.save's legacy format)",
    b"PK\x03\x04": "a zip archive (e.g. torch.save or np.savez)",
    b"\x93NUMPY": "a .npy file (use np.load)",
    b"version https://git-lfs": "a Git LFS pointer, not the file it points to",
}


def save(obj: Any, path: str | os.PathLike[str]) -> None:
    """Write ``obj`` to ``path`` atomically, as a safetensors file (see the module docstring).

    ``obj`` is built from dicts, lists, tuples, str, int, float, bool, None, numpy arrays and
    scalars, and Tensors (saved with their data and ``requires_grad``): a state dict, an
    optimiser state dict, or a checkpoint such as ``{"model": ..., "optimizer": ...,
    "epoch": 3, "meta": {...}}``. ``ag.save(model.state_dict(), "model.safetensors")`` is
    PyTorch's ``safetensors.torch.save_file(model.state_dict(), "model.safetensors")``,
    with the same keys, so either side loads the other's file.
    """
    tree, tensors = encode(obj)
    text = json.dumps(tree, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    metadata = {"format": FORMAT, "version": VERSION, "tree": text}
    _atomic_write(os.fspath(path), [safetensors.numpy.save(tensors, metadata=metadata)])


def load(path: str | os.PathLike[str]) -> Any:
    """Read a file ``save`` wrote (either version), or any safetensors file of tensors numpy
    can hold (as a dict key -> array); arrays come back new, writable and C-ordered."""
    path = os.fspath(path)

    def bad(message):
        return f"nn.load: {path} is not a valid nn.save file: {message}"

    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        start = f.read(_LENGTH.size + len(max(_FOREIGN, key=len)))
        header_len = _check_length(start, size, bad)
        f.seek(_LENGTH.size)
        header = _parse_header(f.read(header_len), bad)
        if is_legacy(header):
            return read_legacy(header, memoryview(f.read()), bad)
    arrays = _read_tensors(path, header, size - _LENGTH.size - header_len, bad)
    metadata = header.get("__metadata__") or {}
    if metadata.get("format") != FORMAT:  # a safetensors file from elsewhere: its tensors
        return arrays
    if metadata.get("version") != VERSION:
        raise ValueError(
            bad(
                f"unsupported version {short(metadata.get('version'))} "
                f"(this library reads {VERSION})"
            )
        )
    if "tree" not in metadata:
        raise ValueError(bad("its metadata has no 'tree'"))
    return decode(_parse_json(metadata["tree"], "the metadata's tree", bad), arrays, str, bad)


# ---------------------------------------------------------------------- reading
def _check_length(start, size, bad):
    """The header length a file of ``size`` bytes starts with (``start``: its first bytes),
    after checking that it fits the file."""
    if size < _LENGTH.size:
        raise ValueError(bad(f"truncated: {size} bytes, fewer than the 8-byte header length"))
    (header_len,) = _LENGTH.unpack_from(start)
    rest = size - _LENGTH.size
    if header_len > rest:
        raise ValueError(
            bad(
                f"header length {header_len} is bigger than the rest of the file ({rest} "
                f"bytes): truncated, or not a checkpoint{_sniff(start)}"
            )
        )
    if header_len > MAX_HEADER_BYTES:
        raise ValueError(
            bad(f"header of {header_len} bytes exceeds the {MAX_HEADER_BYTES}-byte limit")
        )
    return header_len


def _sniff(data):
    """'; it looks like <what>' when ``data`` starts like a file of another kind."""
    for magic, what in _FOREIGN.items():
        if data.startswith(magic):
            return f"; it looks like {what}"
    return ""


def _parse_header(raw, bad):
    """The JSON object of the header bytes (which a text starting with '{' must be)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(bad(f"header is not UTF-8 ({exc})")) from None
    if not text.startswith("{"):
        raise ValueError(bad("header does not start with '{'"))
    return _parse_json(text, "header", bad)


def _parse_json(text, what, bad):
    """The value of the JSON ``text`` (``what`` names it in errors); no NaN or Infinity."""
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise ValueError(bad(f"{what} is not valid JSON ({exc})")) from None
    return value


def _reject_constant(name):
    raise ValueError(f"bare {name} is not allowed")


def _read_tensors(path, header, data_size, bad):
    """key -> array for every tensor entry of a safetensors header (in the header's order).
    The entries are checked here first, for messages that name the tensor; safetensors then
    opens the file (memory-mapped: each array is one copy out of it), checks it again, and
    whatever it refuses besides (a metadata value that is not a string) becomes a ValueError
    too."""
    entries = {key: entry for key, entry in header.items() if key != "__metadata__"}
    spans = [(*_check_entry(key, entry, bad), key) for key, entry in entries.items()]
    _check_tiling(sorted(spans), data_size, bad)
    try:
        with safetensors.safe_open(path, framework="numpy") as f:
            arrays = {key: f.get_tensor(key) for key in entries}
    except Exception as exc:  # safetensors raises SafetensorError, and others on odd input
        raise ValueError(bad(f"safetensors refuses it: {exc}")) from None
    for key, array in arrays.items():
        if not array.dtype.isnative:
            arrays[key] = array.astype(array.dtype.newbyteorder("="))
    return arrays


def _check_entry(key, entry, bad):
    """(begin, end) of one tensor entry, after checking its dtype, shape and size."""
    where = f"tensor {key!r}"
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise ValueError(bad(f"{where}: needs exactly dtype, shape and data_offsets"))
    name, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if not isinstance(name, str) or name not in DTYPES:
        raise ValueError(
            bad(f"{where}: dtype {short(name)} is not one of numpy's ({', '.join(DTYPES)})")
        )
    check_shape(shape, DTYPES[name], where, bad)
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(map(is_count, offsets))):
        raise ValueError(bad(f"{where}: data_offsets {short(offsets)} are not [begin, end]"))
    begin, end = offsets
    nbytes = math.prod(shape) * DTYPES[name].itemsize
    if end - begin != nbytes:
        raise ValueError(
            bad(
                f"{where}: data_offsets span {end - begin} bytes, but shape {short(shape)} "
                f"of {DTYPES[name]} needs {nbytes}"
            )
        )
    return begin, end


def _check_tiling(spans, data_size, bad):
    """The (begin, end, key) spans, sorted, must cover the data exactly, without overlap."""
    position = 0
    for begin, end, key in spans:
        if begin != position:
            what = "overlaps another tensor" if begin < position else "leaves a gap"
            raise ValueError(
                bad(f"tensor {key!r} begins at byte {begin}, which {what} (expected {position})")
            )
        if end > data_size:
            raise ValueError(
                bad(
                    f"tensor {key!r} ends at byte {end}, past the end of the data "
                    f"({data_size} bytes): the file is truncated"
                )
            )
        position = end
    if position != data_size:
        raise ValueError(bad(f"{data_size - position} bytes after the last tensor"))


# ---------------------------------------------------------------------- writing
def _atomic_write(path, chunks):
    """Write to a fresh temp file beside ``path``, fsync it, rename it over ``path``."""
    path = os.path.realpath(path)  # through a symlink: replace its target, keep the link
    if os.path.isdir(path):
        raise IsADirectoryError(f"nn.save: {path} is a directory")
    directory, name = os.path.split(path)
    if not os.path.isdir(directory):  # else os.open would name the temp file, not the target
        raise FileNotFoundError(
            f"nn.save: cannot write {path}: directory {directory} does not exist"
        )
    _sweep_stale_temps(directory, name)
    tmp = os.path.join(directory, f".{name}.{os.getpid()}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            _keep_mode(f.fileno(), path)
            for chunk in chunks:
                f.write(
                    chunk.reshape(-1).view(np.uint8) if isinstance(chunk, np.ndarray) else chunk
                )
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:  # KeyboardInterrupt too: never leave the temp file behind
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if os.name == "posix":  # make the rename itself durable
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _keep_mode(fd, path):
    """Give the temp file the permission bits of the file it will replace (a 0600 checkpoint
    stays private); a new file keeps the default mode of os.open, 0666 less the umask."""
    if not hasattr(os, "fchmod"):
        return
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    os.fchmod(fd, mode & 0o7777)


def _sweep_stale_temps(directory, name):
    """Remove temp files that earlier saves of ``name`` left behind when they were killed.

    Only names of the exact form ``_atomic_write`` makes for this target are considered, and
    one is removed only when no save can still be writing it: its writer's pid is not a
    running process (POSIX; on a directory shared between machines a pid may belong to
    another host, which the age rule below protects as long as that writer is writing), or it
    has not been modified for STALE_TEMP_SECONDS. Removing the temp of a writer that is still
    alive can only make that writer's rename fail with an error; the target is never touched.
    The sweep is best effort: a file it cannot remove is left for a later save.
    """
    pattern = re.compile(rf"\.{re.escape(name)}\.(\d+)\.[0-9a-f]{{16}}\.tmp")
    try:
        names = os.listdir(directory)
    except OSError:
        return
    now = time.time()
    for candidate in names:
        match = pattern.fullmatch(candidate)
        if match is None:
            continue
        tmp = os.path.join(directory, candidate)
        try:
            idle = now - os.lstat(tmp).st_mtime
            if idle > STALE_TEMP_SECONDS or not _running(int(match.group(1))):
                os.unlink(tmp)
        except OSError:
            pass


def _running(pid):
    """Is ``pid`` a running process here? Unknowable without POSIX signals: assume it is."""
    if os.name != "posix":  # (os.kill on Windows would terminate the process)
        return True
    if pid == os.getpid():
        return True
    if pid <= 0 or pid > 2**31 - 1:
        return False
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    return True
