"""nn.save / nn.load: bit-exact round trips, no pickle, format validation, atomic writes."""

import json
import os
import pickle
import struct

import numpy as np
import pytest

import autograd_core as ag
import nn
from autograd_core import serialization


def same_bits(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def nan_with_payload():
    return np.array([0x7FF8_0000_0000_0ABC, 0xFFF0_0000_0000_0001], np.uint64).view(np.float64)


ARRAYS = {
    "f64": np.random.default_rng(0).standard_normal((3, 4)),
    "f32": np.random.default_rng(1).standard_normal(5).astype(np.float32),
    "f16": np.array([1.5, -2.0], np.float16),
    "i64": np.arange(-3, 3),
    "u8": np.arange(250, 256, dtype=np.uint8),
    "bool": np.array([True, False]),
    "c128": np.array([1 + 2j]),
    "zero_d": np.array(3.25),
    "empty": np.zeros((0, 3)),
    "non_contiguous": np.arange(20.0).reshape(4, 5)[::2, 1::2],
    "fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
    "big_endian": np.arange(4, dtype=">i4"),
    "specials": np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324]),
    "nan_payloads": nan_with_payload(),
}


@pytest.mark.parametrize("name", list(ARRAYS))
def test_arrays_round_trip_bit_exactly(name, tmp_path):
    array = ARRAYS[name]
    nn.save({"a": array}, tmp_path / "x.ckpt")
    loaded = nn.load(tmp_path / "x.ckpt")["a"]
    assert loaded.shape == array.shape and loaded.dtype == array.dtype.newbyteorder("=")
    assert loaded.tobytes() == np.ascontiguousarray(array, loaded.dtype).tobytes()
    assert loaded.flags.owndata and loaded.flags.writeable and loaded.flags.c_contiguous


def test_nested_structures_round_trip_with_their_types(tmp_path):
    obj = {
        "model": {"w": nn.Parameter(np.ones((2, 2), np.float32)), "t": ag.tensor([1.0, 2.0])},
        "optimizer": {"state": {0: {"step": 3}}, "param_groups": [{"betas": (0.9, 0.999)}]},
        "epoch": 7,
        "huge": 2**100,
        "meta": {"name": "réseau ✓", "ok": True, "none": None},
        "floats": [0.1, float("nan"), float("inf"), -float("inf")],
        "scalars": (np.float32(0.5), np.int64(-4), np.bool_(True)),
        1.5: "float key",
        None: "none key",
    }
    nn.save(obj, tmp_path / "c.ckpt")
    back = nn.load(tmp_path / "c.ckpt")
    assert set(back) == set(obj)
    w = back["model"]["w"]
    assert isinstance(w, nn.Parameter) and w.requires_grad and w.dtype == np.float32
    t = back["model"]["t"]
    assert type(t) is ag.Tensor and not t.requires_grad
    assert back["optimizer"] == obj["optimizer"]
    assert back["epoch"] == 7 and back["huge"] == 2**100 and back["meta"] == obj["meta"]
    assert back["floats"][0] == 0.1 and np.isnan(back["floats"][1])
    assert back["floats"][2:] == [float("inf"), -float("inf")]
    assert [type(s) for s in back["scalars"]] == [np.float32, np.int64, np.bool_]
    assert back[1.5] == "float key" and back[None] == "none key"


def test_loaded_arrays_do_not_alias_the_saved_ones(tmp_path):
    source = np.zeros(3)
    nn.save(source, tmp_path / "a.ckpt")
    first, second = nn.load(tmp_path / "a.ckpt"), nn.load(tmp_path / "a.ckpt")
    first[0] = 1.0
    assert source[0] == 0.0 and second[0] == 0.0


@pytest.mark.parametrize(
    "obj, message",
    [
        ({"f": len}, r"obj\['f'\] is a builtin_function_or_method"),
        ({"x": [1, {2, 3}]}, r"obj\['x'\]\[1\] is a set"),
        ({(1, 2): 0}, "keys must be"),
        ({"o": np.array([object()])}, "dtype object"),
    ],
)
def test_unsupported_objects_are_refused_with_their_location(obj, message, tmp_path):
    with pytest.raises(TypeError, match=message):
        nn.save(obj, tmp_path / "x.ckpt")
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------- hostile and corrupt files
class Payload:
    def __init__(self, sentinel):
        self.sentinel = sentinel

    def __reduce__(self):
        return (open, (self.sentinel, "w"))


def test_a_pickle_with_a_payload_is_refused_and_never_run(tmp_path):
    sentinel = tmp_path / "pwned"
    path = tmp_path / "model.pt"
    path.write_bytes(pickle.dumps({"weights": Payload(str(sentinel))}))
    with pytest.raises(ValueError, match="looks like a Python pickle"):
        nn.load(path)
    assert not sentinel.exists()


def write_file(path, header, data=b"", header_len=None):
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    n = len(raw) if header_len is None else header_len
    path.write_bytes(struct.pack("<Q", n) + raw + data)
    return path


def header(arrays, tree=None):
    if tree is None:
        tree = {"dict": [[f"a{i}", {"ndarray": i}] for i in range(len(arrays))]}
    return {"format": "nn.save", "version": 1, "tree": tree, "arrays": arrays}


F8 = {"dtype": "<f8", "shape": [2], "offsets": [0, 16]}
CORRUPT = {
    "shorter than the length field": (b"\x01\x02", None, None, "fewer than the 8-byte"),
    "header length past the end": (b"{}", b"", 10_000, "bigger than the rest of the file"),
    "not utf-8": (b"{\xff\xfe}", b"", None, "not UTF-8"),
    "not json": (b"{not json", b"", None, "not valid JSON"),
    "not an object": (b"[1, 2]", b"", None, "does not start with"),
    "other format": ({"format": "safetensors"}, b"", None, "does not declare format"),
    "newer version": ({**header([]), "version": 2}, b"", None, "unsupported version 2"),
    "bare NaN in header": (
        b'{"format":"nn.save","version":1,"tree":NaN,"arrays":[]}',
        b"",
        None,
        "NaN is not allowed",
    ),
    "unknown dtype": (header([{**F8, "dtype": "|O"}]), bytes(16), None, "unknown dtype"),
    "negative shape": (header([{**F8, "shape": [-2]}]), bytes(16), None, "non-negative"),
    "size mismatch": (header([{**F8, "shape": [3]}]), bytes(16), None, "needs 24"),
    "gap": (header([{**F8, "offsets": [8, 24]}]), bytes(24), None, "leaves a gap"),
    "overlap": (header([F8, {**F8, "offsets": [8, 24]}]), bytes(24), None, "overlaps"),
    "truncated data": (header([F8]), bytes(10), None, "truncated"),
    "trailing bytes": (header([F8]), bytes(20), None, "4 bytes after the last array"),
    "array used twice": (
        header([F8], {"dict": [["a", {"ndarray": 0}], ["b", {"ndarray": 0}]]}),
        bytes(16),
        None,
        "referenced twice",
    ),
    "array never used": (header([F8], []), bytes(16), None, "not referenced"),
    "reference out of range": (header([F8], {"ndarray": 3}), bytes(16), None, "bad 'ndarray'"),
    "unknown tag": (header([], {"module": "os.system"}), b"", None, "unknown tree node"),
    "int array needing grad": (
        header([{**F8, "dtype": "<i8"}], {"tensor": 0, "requires_grad": True}),
        bytes(16),
        None,
        "bad requires_grad",
    ),
}


@pytest.mark.parametrize("case", list(CORRUPT))
def test_corrupt_files_fail_with_a_clear_error(case, tmp_path):
    head, data, header_len, message = CORRUPT[case]
    if isinstance(head, bytes) and data is None:
        path = tmp_path / "x.ckpt"
        path.write_bytes(head)
    else:
        path = write_file(tmp_path / "x.ckpt", head, data, header_len)
    with pytest.raises(ValueError, match=message):
        nn.load(path)


def test_header_size_is_capped(tmp_path, monkeypatch):
    path = tmp_path / "x.ckpt"
    nn.save({"name": "x" * 200}, path)
    monkeypatch.setattr(serialization, "MAX_HEADER_BYTES", 100)
    with pytest.raises(ValueError, match="exceeds the 100-byte limit"):
        nn.load(path)


def test_a_valid_file_cut_short_is_reported_as_truncated(tmp_path):
    path = tmp_path / "x.ckpt"
    nn.save({"w": np.arange(100.0)}, path)
    path.write_bytes(path.read_bytes()[:-8])
    with pytest.raises(ValueError, match="truncated"):
        nn.load(path)


def test_bad_paths(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "missing.ckpt")
    with pytest.raises(IsADirectoryError):
        nn.save({}, tmp_path)


# ---------------------------------------------------------------- atomic writes
class FailingFile:
    """Wraps the temp file: the second write puts half its bytes on disk, then fails."""

    def __init__(self, f):
        self.f, self.writes = f, 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()

    def write(self, chunk):
        self.writes += 1
        if self.writes == 2:
            self.f.write(bytes(chunk)[: len(chunk) // 2])
            raise OSError(28, "No space left on device")
        return self.f.write(chunk)

    def __getattr__(self, name):
        return getattr(self.f, name)


def test_a_write_failing_halfway_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "checkpoint.ckpt"
    nn.save({"epoch": 1, "w": np.ones(1000)}, path)
    before = path.read_bytes()
    real_fdopen = os.fdopen
    monkeypatch.setattr(serialization.os, "fdopen", lambda *a: FailingFile(real_fdopen(*a)))
    with pytest.raises(OSError, match="No space left"):
        nn.save({"epoch": 2, "w": np.zeros(1000)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["checkpoint.ckpt"]
    assert nn.load(path)["epoch"] == 1


def test_a_failing_rename_leaves_no_temp_and_success_replaces(tmp_path, monkeypatch):
    path = tmp_path / "checkpoint.ckpt"
    nn.save({"epoch": 1}, path)

    def refuse(src, dst):
        raise PermissionError("rename refused")

    with monkeypatch.context() as m:
        m.setattr(serialization.os, "replace", refuse)
        with pytest.raises(PermissionError):
            nn.save({"epoch": 2}, path)
    assert os.listdir(tmp_path) == ["checkpoint.ckpt"] and nn.load(path)["epoch"] == 1
    nn.save({"epoch": 3}, path)
    assert os.listdir(tmp_path) == ["checkpoint.ckpt"] and nn.load(path)["epoch"] == 3
