"""``ag.save`` / ``ag.load`` (also ``nn.save`` / ``nn.load``): state dicts and checkpoints in a
small format with no pickle.

A file is laid out like safetensors:

    8 bytes    N, the header length, unsigned little-endian
    N bytes    a UTF-8 JSON object: {"format": "nn.save", "version": 1,
                                     "tree": <the saved structure>,
                                     "arrays": [{"dtype": "<f4", "shape": [2, 3],
                                                 "offsets": [begin, end]}, ...]}
    the rest   the raw little-endian bytes of every array, back to back, C order

The tree encodes what JSON cannot say by itself with one-key tag objects: ``{"dict": [[key,
value], ...]}`` (keys may be str, int, float, bool or None), ``{"tuple": [...]}``,
``{"float": "nan"}`` (also "inf", "-inf"), ``{"ndarray": i}``, ``{"scalar": i}`` (a numpy
scalar), ``{"tensor": i, "requires_grad": b}`` and ``{"parameter": i, "requires_grad": b}``,
where i indexes "arrays". Lists, strings, finite numbers, booleans and null are plain JSON.
The format keeps the name "nn.save" it had before it moved into the engine.

A tag names a Tensor subclass through a small registry rather than an import, because the
engine may not import ``nn``: ``nn.parameter`` registers ``("parameter", nn.Parameter)`` when
it is imported. A file with a parameter tag loaded while ``nn`` is not imported therefore
gives a plain Tensor that requires grad (the values and ``requires_grad`` are the same).

Loading reads only data: nothing in a file can name code to run. Every field is validated
before use (header size cap, UTF-8, JSON, known dtypes, shapes, offsets that tile the data
exactly, at most 64 dimensions, sizes numpy can allocate), so a truncated or crafted file fails
with a clear ``ValueError`` naming the file and the entry. Saving is atomic: the bytes go to a
temporary file beside the target, which is flushed, fsynced and then renamed over the target,
so a crash leaves either the old file or the new one. A save keeps an existing target's
permission bits, and saving to a symlink replaces the file it points to (the link stays).
The temporary file is named ``.<target name>.<pid>.<random>.tmp``; it is removed when the save
fails, and a save killed outright leaves it behind until the next save of the same target
sweeps it (see ``_sweep_stale_temps``).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import secrets
import struct
import sys
import time
from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = ["save", "load", "register_tensor_class"]

FORMAT = "nn.save"
VERSION = 1
MAX_HEADER_BYTES = 100 * 2**20  # safetensors' cap; a real header is far smaller
MAX_DEPTH = 100  # nesting of containers, on save and on load
# numpy's limit on an array's dimensions (NPY_MAXDIMS: 32 before numpy 2)
MAX_NDIM = 64 if np.lib.NumpyVersion(np.__version__) >= "2.0.0" else 32
STALE_TEMP_SECONDS = 600  # a temp file unmodified this long is no save in progress

# dtype strings allowed in a file: bool, integers, floats, complex (all little-endian)
DTYPES = frozenset(
    np.dtype(t).newbyteorder("<").str
    for t in ("?", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f2", "f4", "f8", "c8", "c16")
)

_LENGTH = struct.Struct("<Q")
_FOREIGN = {  # first bytes of files people mistake for checkpoints
    b"\x80": "a Python pickle (e.g. torch.save's legacy format)",
    b"PK\x03\x04": "a zip archive (e.g. torch.save or np.savez)",
    b"\x93NUMPY": "a .npy file (use np.load)",
    b"version https://git-lfs": "a Git LFS pointer, not the file it points to",
}

# tag -> the Tensor subclass saved and loaded under it ("tensor" itself is fixed)
_TENSOR_CLASSES: dict[str, type[Tensor]] = {}


def register_tensor_class(tag: str, cls: type[Tensor]) -> None:
    """Save instances of ``cls`` under ``tag`` and load that tag back as ``cls``.

    Only the tags of the format can be registered ("parameter" is the one there is); until
    its class is registered, a tag loads as a plain Tensor.
    """
    if tag not in _ARRAY_TAGS or tag in ("ndarray", "scalar", "tensor"):
        raise ValueError(f"register_tensor_class: {tag!r} is not a Tensor-subclass tag")
    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise TypeError(f"register_tensor_class: {cls!r} is not a Tensor subclass")
    _TENSOR_CLASSES[tag] = cls


def _tag_of(tensor):
    """The tag a Tensor is saved under: its registered subclass's, else "tensor"."""
    for tag, cls in _TENSOR_CLASSES.items():
        if isinstance(tensor, cls):
            return tag
    return "tensor"


def save(obj: Any, path: str | os.PathLike[str]) -> None:
    """Write ``obj`` to ``path`` atomically.

    ``obj`` is built from dicts, lists, tuples, str, int, float, bool, None, numpy arrays and
    scalars, and Tensors (saved with their data and ``requires_grad``; Parameters come back as
    Parameters once ``nn`` is imported): a state dict, an optimiser state dict, or a
    checkpoint such as ``{"model": ..., "optimizer": ..., "epoch": 3, "meta": {...}}``. Arrays
    keep dtype, shape and every bit of their values (NaN payloads included); memory layout
    becomes C order. ``ag.save(model.state_dict(), "model.pth")`` is PyTorch's
    ``torch.save(model.state_dict(), "model.pth")``; the file holds data only, no pickle.
    """
    arrays = []
    tree = _encode(obj, arrays, "obj", 0)
    entries, offset = [], 0
    for a in arrays:
        entries.append(
            {"dtype": a.dtype.str, "shape": list(a.shape), "offsets": [offset, offset + a.nbytes]}
        )
        offset += a.nbytes
    header = json.dumps(
        {"format": FORMAT, "version": VERSION, "tree": tree, "arrays": entries},
        ensure_ascii=False,
        allow_nan=False,
        separators=(",", ":"),
    ).encode("utf-8")
    _atomic_write(os.fspath(path), [_LENGTH.pack(len(header)), header] + arrays)


def load(path: str | os.PathLike[str]) -> Any:
    """Read what ``save`` wrote; arrays come back as new, writable, C-ordered arrays."""
    path = os.fspath(path)
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size < _LENGTH.size:
            raise ValueError(
                _bad(path, f"truncated: {size} bytes, fewer than the 8-byte header length")
            )
        prefix = f.read(_LENGTH.size)
        (header_len,) = _LENGTH.unpack(prefix)
        if header_len > size - _LENGTH.size:
            raise ValueError(
                _bad(
                    path,
                    f"header length {header_len} is bigger than the rest of "
                    f"the file ({size - _LENGTH.size} bytes): truncated, or "
                    f"not an nn.save file{_sniff(f, prefix)}",
                )
            )
        if header_len > MAX_HEADER_BYTES:
            raise ValueError(
                _bad(
                    path, f"header of {header_len} bytes exceeds the {MAX_HEADER_BYTES}-byte limit"
                )
            )
        header = _parse_header(path, f.read(header_len))
        data_size = size - _LENGTH.size - header_len
        specs = _check_arrays(path, header["arrays"], data_size)
        arrays = []
        for dtype, shape, (begin, end) in specs:
            array = np.empty(shape, dtype)
            if end > begin and f.readinto(array.reshape(-1).view(np.uint8)) != end - begin:
                raise ValueError(_bad(path, "truncated while reading array data"))
            arrays.append(array if dtype.isnative else array.astype(dtype.newbyteorder("=")))
    used = set()
    obj = _decode(header["tree"], arrays, used, path, 0)
    if len(used) != len(arrays):
        raise ValueError(
            _bad(path, f"{len(arrays) - len(used)} array(s) are not referenced by the tree")
        )
    return obj


# ---------------------------------------------------------------------- encoding
def _encode(obj, arrays, where, depth):
    """The JSON tree for ``obj``; arrays are appended (little-endian, C order) to ``arrays``."""
    if depth > MAX_DEPTH:
        raise ValueError(f"nn.save: {where} nests deeper than {MAX_DEPTH} levels")
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, np.generic):  # before int/float: np.float64 subclasses float
        return {"scalar": _add_array(np.asarray(obj), arrays, where)}
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj) if math.isfinite(obj) else {"float": repr(float(obj))}
    if isinstance(obj, Tensor):
        return {
            _tag_of(obj): _add_array(obj.data, arrays, where),
            "requires_grad": obj.requires_grad,
        }
    if isinstance(obj, np.ndarray):
        return {"ndarray": _add_array(obj, arrays, where)}
    if isinstance(obj, dict):
        items = []
        for key, value in obj.items():
            if not (key is None or isinstance(key, (str, int, float))):
                raise TypeError(
                    f"nn.save: {where} has a key of type {type(key).__name__}; "
                    "keys must be str, int, float, bool or None"
                )
            items.append(
                [
                    _encode(key, arrays, where, depth + 1),
                    _encode(value, arrays, f"{where}[{key!r}]", depth + 1),
                ]
            )
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        values = [_encode(v, arrays, f"{where}[{i}]", depth + 1) for i, v in enumerate(obj)]
        return values if isinstance(obj, list) else {"tuple": values}
    raise TypeError(
        f"nn.save: {where} is a {type(obj).__name__}; only dicts, lists, tuples, str, numbers, "
        "bool, None, numpy arrays and Tensors can be saved"
    )


def _add_array(a, arrays, where):
    dtype = a.dtype.newbyteorder("<") if a.dtype.byteorder != "|" else a.dtype
    if dtype.str not in DTYPES:
        raise TypeError(
            f"nn.save: {where} has dtype {a.dtype}, which cannot be saved "
            "(bool, integer, float and complex arrays can)"
        )
    arrays.append(np.asarray(a, dtype=dtype, order="C"))  # (ascontiguousarray would make 0-d 1-d)
    return len(arrays) - 1


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


# ---------------------------------------------------------------------- decoding
def _bad(path, message):
    return f"nn.load: {path} is not a valid nn.save file: {message}"


def _sniff(f, prefix):
    f.seek(0)
    start = f.read(32)
    f.seek(len(prefix))
    for magic, what in _FOREIGN.items():
        if start.startswith(magic):
            return f"; it looks like {what}"
    return ""


def _parse_header(path, raw):
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(_bad(path, f"header is not UTF-8 ({exc})")) from None
    if not text.startswith("{"):
        raise ValueError(_bad(path, "header does not start with '{'"))
    try:
        header = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise ValueError(_bad(path, f"header is not valid JSON ({exc})")) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError(_bad(path, f"header does not declare format {FORMAT!r}"))
    if header.get("version") != VERSION:
        raise ValueError(
            _bad(
                path,
                f"unsupported version {header.get('version')!r} "
                f"(this library reads version {VERSION})",
            )
        )
    if "tree" not in header or not isinstance(header.get("arrays"), list):
        raise ValueError(_bad(path, "header lacks 'tree' or the 'arrays' list"))
    return header


def _reject_constant(name):
    raise ValueError(f"bare {name} is not allowed in the header")


def _check_arrays(path, entries, data_size):
    """(dtype, shape, offsets) per entry, after checking that the offsets tile the data."""
    specs, position = [], 0
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "offsets"}:
            raise ValueError(_bad(path, f"array {i}: needs exactly dtype, shape and offsets"))
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["offsets"]
        if not isinstance(dtype, str) or dtype not in DTYPES:
            raise ValueError(_bad(path, f"array {i}: unknown dtype {dtype!r}"))
        if not isinstance(shape, list) or not all(_is_count(n) for n in shape):
            raise ValueError(
                _bad(
                    path, f"array {i}: shape {_short(shape)} is not a list of non-negative integers"
                )
            )
        _check_allocatable(path, i, shape, np.dtype(dtype))
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(map(_is_count, offsets))):
            raise ValueError(
                _bad(path, f"array {i}: offsets {_short(offsets)} are not [begin, end]")
            )
        begin, end = offsets
        if begin != position:
            what = "overlaps the previous array" if begin < position else "leaves a gap"
            raise ValueError(
                _bad(path, f"array {i}: begins at byte {begin}, which {what} (expected {position})")
            )
        dtype = np.dtype(dtype)
        nbytes = math.prod(shape) * dtype.itemsize
        if end - begin != nbytes:
            raise ValueError(
                _bad(
                    path,
                    f"array {i}: offsets span {end - begin} bytes, but shape "
                    f"{_short(shape)} of {dtype} needs {nbytes}",
                )
            )
        if end > data_size:
            raise ValueError(
                _bad(
                    path,
                    f"array {i}: ends at byte {end}, past the end of the "
                    f"data ({data_size} bytes): the file is truncated",
                )
            )
        specs.append((dtype, tuple(shape), (begin, end)))
        position = end
    if position != data_size:
        raise ValueError(_bad(path, f"{data_size - position} bytes after the last array"))
    return specs


def _check_allocatable(path, i, shape, dtype):
    """Refuse shapes numpy cannot make, before np.empty gives its own bare message. An empty
    array (a 0 in the shape) needs no bytes, so the offsets check cannot catch these."""
    if len(shape) > MAX_NDIM:
        raise ValueError(
            _bad(
                path,
                f"array {i}: shape has {len(shape)} dimensions, more than "
                f"numpy's limit of {MAX_NDIM}",
            )
        )
    size = 1
    for n in shape:  # each size and the byte count must fit numpy's signed index type
        size *= max(n, 1)
        if n > sys.maxsize or size * dtype.itemsize > sys.maxsize:
            raise ValueError(
                _bad(
                    path, f"array {i}: shape {_short(shape)} of {dtype} is too large for any array"
                )
            )


def _short(value):
    """``repr`` cut to a readable length: a crafted header can hold huge numbers."""
    text = repr(value)
    return text if len(text) <= 120 else text[:100] + "..."


def _is_count(n):
    return isinstance(n, int) and not isinstance(n, bool) and n >= 0


_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_ARRAY_TAGS = ("ndarray", "scalar", "tensor", "parameter")
_TAGS = frozenset(("dict", "tuple", "float") + _ARRAY_TAGS)


def _decode(node, arrays, used, path, depth):
    if depth > MAX_DEPTH:
        raise ValueError(_bad(path, f"tree nests deeper than {MAX_DEPTH} levels"))
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, list):
        return [_decode(v, arrays, used, path, depth + 1) for v in node]
    tags = set(node) & _TAGS if isinstance(node, dict) else set()
    if len(tags) != 1:
        raise ValueError(_bad(path, f"unknown tree node {node!r:.80}"))
    (tag,) = tags
    value = node[tag]
    extra = {"requires_grad"} if tag in ("tensor", "parameter") else set()
    if set(node) != {tag} | extra:
        raise ValueError(_bad(path, f"unexpected keys in tree node {node!r:.80}"))
    if tag == "dict" and isinstance(value, list):
        out = {}
        for item in value:
            if not (isinstance(item, list) and len(item) == 2):
                raise ValueError(_bad(path, "a dict item is not a [key, value] pair"))
            key = _decode(item[0], arrays, used, path, depth + 1)
            if not (key is None or isinstance(key, (str, int, float))):
                raise ValueError(_bad(path, f"dict key {key!r:.80} is not a str or a number"))
            out[key] = _decode(item[1], arrays, used, path, depth + 1)
        return out
    if tag == "tuple" and isinstance(value, list):
        return tuple(_decode(v, arrays, used, path, depth + 1) for v in value)
    if tag == "float" and isinstance(value, str) and value in _FLOATS:
        return _FLOATS[value]
    if tag in _ARRAY_TAGS and _is_count(value) and value < len(arrays):
        if value in used:
            raise ValueError(_bad(path, f"array {value} is referenced twice"))
        used.add(value)
        array = arrays[value]
        if tag == "ndarray":
            return array
        if tag == "scalar":
            if array.ndim != 0:
                raise ValueError(_bad(path, f"scalar array {value} has shape {array.shape}"))
            return array[()]
        requires_grad = node["requires_grad"]
        if not isinstance(requires_grad, bool) or (requires_grad and array.dtype.kind != "f"):
            raise ValueError(_bad(path, f"bad requires_grad for array {value} ({array.dtype})"))
        if array.dtype.kind not in "biuf":  # Tensors hold bool, integers and floats only
            raise ValueError(
                _bad(path, f"{tag} {value} has dtype {array.dtype}, which a Tensor cannot hold")
            )
        return _TENSOR_CLASSES.get(tag, Tensor)(array, requires_grad=requires_grad)
    raise ValueError(_bad(path, f"bad {tag!r} node {node!r:.80}"))
