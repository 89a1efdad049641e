"""Files of the format nn.save wrote before safetensors ("nn.save" version 1) still load,
and a crafted or corrupt one still fails with a clear ValueError naming the file and the
entry. (The shipped file tests/data/legacy_nn_save_v1.ckpt: tests/test_serialization.py.)"""

import json
import struct

import numpy as np
import pytest

import nn


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


def test_a_legacy_file_loads_its_tree_and_arrays(tmp_path):
    data = struct.pack("<2d", 1.5, -2.0) + struct.pack("<2i", 7, -8)
    arrays = [F8, {"dtype": "<i4", "shape": [2], "offsets": [16, 24]}]
    tree = {"dict": [["w", {"parameter": 0, "requires_grad": True}], [3, {"ndarray": 1}]]}
    back = nn.load(write_file(tmp_path / "old.ckpt", header(arrays, tree), data))
    assert isinstance(back["w"], nn.Parameter) and back["w"].data.tolist() == [1.5, -2.0]
    assert back[3].tolist() == [7, -8] and back[3].dtype == np.int32


CORRUPT = {
    "newer version": ({**header([]), "version": 2}, b"", "unsupported version 2"),
    "no arrays list": ({"format": "nn.save", "version": 1, "tree": None}, b"", "lacks 'tree'"),
    "entry with an extra field": (header([{**F8, "x": 1}]), bytes(16), "needs exactly dtype"),
    "unknown dtype": (header([{**F8, "dtype": "|O"}]), bytes(16), "unknown dtype"),
    "negative shape": (header([{**F8, "shape": [-2]}]), bytes(16), "non-negative"),
    "offsets not a pair": (header([{**F8, "offsets": [16]}]), bytes(16), "are not \\[begin, end"),
    "size mismatch": (header([{**F8, "shape": [3]}]), bytes(16), "needs 24"),
    "gap": (header([{**F8, "offsets": [8, 24]}]), bytes(24), "leaves a gap"),
    "overlap": (header([F8, {**F8, "offsets": [8, 24]}]), bytes(24), "overlaps"),
    "truncated data": (header([F8]), bytes(10), "truncated"),
    "trailing bytes": (header([F8]), bytes(20), "4 bytes after the last array"),
    "array used twice": (
        header([F8], {"dict": [["a", {"ndarray": 0}], ["b", {"ndarray": 0}]]}),
        bytes(16),
        "referenced twice",
    ),
    "array never used": (header([F8], []), bytes(16), "not referenced"),
    "reference out of range": (header([F8], {"ndarray": 3}), bytes(16), "bad 'ndarray'"),
    "bool as a reference": (
        header([F8, {**F8, "offsets": [16, 32]}], [{"ndarray": 0}, {"ndarray": True}]),
        bytes(32),
        "bad 'ndarray'",
    ),
    "unknown tag": (header([], {"module": "os.system"}), b"", "unknown tree node"),
    "int array needing grad": (
        header([{**F8, "dtype": "<i8"}], {"tensor": 0, "requires_grad": True}),
        bytes(16),
        "bad requires_grad",
    ),
    "complex tensor": (
        header(
            [{"dtype": "<c16", "shape": [1], "offsets": [0, 16]}],
            {"tensor": 0, "requires_grad": False},
        ),
        bytes(16),
        "tensor 0 has dtype complex128",
    ),
}


@pytest.mark.parametrize("case", list(CORRUPT))
def test_a_corrupt_legacy_file_fails_with_a_clear_error(case, tmp_path):
    head, data, message = CORRUPT[case]
    path = write_file(tmp_path / "x.ckpt", head, data)
    with pytest.raises(ValueError, match=message) as error:
        nn.load(path)
    assert str(error.value).startswith(f"nn.load: {path} is not a valid nn.save file: ")


CRAFTED_ENTRIES = {
    "empty array whose other dim overflows": (
        {"dtype": "<f8", "shape": [0, 2**70], "offsets": [0, 0]},
        b"",
        "too large",
    ),
    "empty array whose byte size overflows": (
        {"dtype": "<f8", "shape": [0, 2**62, 2**62], "offsets": [0, 0]},
        b"",
        "too large",
    ),
    "65 dimensions": (
        {"dtype": "<f8", "shape": [1] * 65, "offsets": [0, 8]},
        bytes(8),
        "65 dimensions",
    ),
    "65 empty dimensions": (
        {"dtype": "<f8", "shape": [0] * 65, "offsets": [0, 0]},
        b"",
        "65 dimensions",
    ),
    "negative size": ({"dtype": "<f8", "shape": [-1], "offsets": [0, 8]}, bytes(8), "non-negative"),
    "more bytes than the file holds": (
        {"dtype": "<f8", "shape": [1000], "offsets": [0, 8000]},
        bytes(8),
        "truncated",
    ),
}


@pytest.mark.parametrize("case", list(CRAFTED_ENTRIES))
def test_a_crafted_array_entry_is_refused_naming_the_file_and_the_entry(case, tmp_path):
    entry, data, problem = CRAFTED_ENTRIES[case]
    path = write_file(tmp_path / "evil.ckpt", header([entry], {"ndarray": 0}), data)
    with pytest.raises(ValueError) as error:
        nn.load(path)
    message = str(error.value)
    assert message.startswith(f"nn.load: {path} is not a valid nn.save file: array 0:")
    assert problem in message


def test_a_huge_declared_shape_is_not_printed_in_full(tmp_path):
    entry = {"dtype": "<f8", "shape": [10**400], "offsets": [0, 8]}
    path = write_file(tmp_path / "evil.ckpt", header([entry], {"ndarray": 0}), bytes(8))
    with pytest.raises(ValueError, match="array 0") as error:
        nn.load(path)
    assert len(str(error.value)) < 500
