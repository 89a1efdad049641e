"""nn.save / nn.load on hostile files and awkward targets: a crafted or corrupt safetensors
file gets a clear ValueError naming the file and what is wrong (never a safetensors or numpy
traceback); saving keeps the target's mode, writes through symlinks, and leaves no temporary
files behind, even when the saving process is killed. (Files of the format before
safetensors: tests/test_serialization_legacy.py.)"""

import json
import os
import signal
import struct
import subprocess
import sys
import time

import numpy as np
import pytest

import nn
from autograd_core import serialization

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX modes, symlinks and signals")

OURS = {"format": "autograd-core", "version": "2"}


def write_file(path, header, data=b"", header_len=None):
    """8-byte length, then ``header`` (JSON unless bytes), then ``data``."""
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    n = len(raw) if header_len is None else header_len
    path.write_bytes(struct.pack("<Q", n) + raw + data)
    return path


def ours(entries, tree, **metadata):
    """A header of our format: ``entries`` and the tree (given as an object, dumped here)."""
    return {"__metadata__": {**OURS, "tree": json.dumps(tree), **metadata}, **entries}


F8 = {"dtype": "F64", "shape": [2], "data_offsets": [0, 16]}
W = {"w": F8}


def nested(depth):
    tree = {"ndarray": "w"}
    for _ in range(depth):
        tree = [tree]
    return tree


def path_of(tmp_path, case):
    head, data, header_len = case
    if data is None:  # the raw bytes of the whole file
        path = tmp_path / "x.safetensors"
        path.write_bytes(head)
        return path
    return write_file(tmp_path / "x.safetensors", head, data, header_len)


CORRUPT = {
    # the first bytes
    "shorter than the length field": ((b"\x01\x02", None, None), "fewer than the 8-byte"),
    "header length past the end": ((b"{}", b"", 10_000), "bigger than the rest of the file"),
    "not utf-8": ((b"{\xff\xfe}", b"", None), "header is not UTF-8"),
    "not json": ((b"{not json", b"", None), "header is not valid JSON"),
    "not an object": ((b"[1, 2]", b"", None), "does not start with"),
    "bare NaN in header": ((b'{"w": NaN}', b"", None), "NaN is not allowed"),
    # tensor entries
    "entry not a dict": (({"w": [1, 2]}, b"", None), "tensor 'w': needs exactly dtype"),
    "entry with an extra field": (({"w": {**F8, "x": 1}}, bytes(16), None), "needs exactly"),
    "unknown dtype": (
        ({"w": {**F8, "dtype": "XX"}}, bytes(16), None),
        "dtype 'XX' is not one of numpy's",
    ),
    "bfloat16": (
        ({"w": {**F8, "dtype": "BF16", "shape": [8]}}, bytes(16), None),
        "tensor 'w': dtype 'BF16' is not one of numpy's",
    ),
    "dtype a list": (
        ({"w": {**F8, "dtype": ["F64"]}}, bytes(16), None),
        "dtype \\['F64'\\] is not",
    ),
    "negative shape": (({"w": {**F8, "shape": [-2]}}, bytes(16), None), "non-negative"),
    "shape not a list": (({"w": {**F8, "shape": 2}}, bytes(16), None), "non-negative"),
    "65 dimensions": (
        ({"w": {**F8, "shape": [1] * 65, "data_offsets": [0, 8]}}, bytes(8), None),
        "tensor 'w': shape has 65 dimensions",
    ),
    "empty array whose byte size overflows": (
        ({"w": {**F8, "shape": [0, 2**62, 2**62], "data_offsets": [0, 0]}}, b"", None),
        "too large for any array",
    ),
    "offsets not a pair": (
        ({"w": {**F8, "data_offsets": [16]}}, bytes(16), None),
        "data_offsets \\[16\\] are not",
    ),
    "size mismatch": (({"w": {**F8, "shape": [3]}}, bytes(16), None), "needs 24"),
    "gap": (({"w": {**F8, "data_offsets": [8, 24]}}, bytes(24), None), "leaves a gap"),
    "overlap": (
        ({"w": F8, "v": {**F8, "data_offsets": [8, 24]}}, bytes(24), None),
        "tensor 'v' begins at byte 8, which overlaps another tensor",
    ),
    "past the end": (({"w": F8}, bytes(10), None), "tensor 'w' ends at byte 16, past the end"),
    "trailing bytes": (({"w": F8}, bytes(20), None), "4 bytes after the last tensor"),
    # what safetensors itself refuses, reported as ours
    "metadata value not a string": (
        ({"__metadata__": {"epoch": 1}, **W}, bytes(16), None),
        "safetensors refuses it: .*expected a string",
    ),
    # the metadata of our format
    "newer version": ((ours(W, {"ndarray": "w"}, version="3"), bytes(16), None), "version '3'"),
    "no tree": (({"__metadata__": OURS, **W}, bytes(16), None), "metadata has no 'tree'"),
    "tree not json": (
        ({"__metadata__": {**OURS, "tree": "{oops"}, **W}, bytes(16), None),
        "the metadata's tree is not valid JSON",
    ),
    "tree nested past the JSON parser": (
        ({"__metadata__": {**OURS, "tree": "[" * 100_000}, **W}, bytes(16), None),
        "the metadata's tree is not valid JSON",
    ),
    "tree nested past the cap": ((ours(W, nested(101)), bytes(16), None), "deeper than 100"),
    "missing key": ((ours(W, {"ndarray": "v"}), bytes(16), None), "bad 'ndarray' node"),
    "unhashable reference": ((ours(W, {"ndarray": ["w"]}), bytes(16), None), "bad 'ndarray' node"),
    "tensor used twice": (
        (ours(W, [{"ndarray": "w"}, {"tensor": "w", "requires_grad": False}]), bytes(16), None),
        "array 'w' is referenced twice",
    ),
    "tensor never used": (
        (ours({"w": F8, "v": {**F8, "data_offsets": [16, 32]}}, {"ndarray": "w"}), bytes(32), None),
        "1 array\\(s\\) are not referenced by the tree: 'v'",
    ),
    "tree naming code": ((ours(W, {"module": "os.system"}), bytes(16), None), "unknown tree node"),
    "extra key in a node": (
        (ours(W, {"ndarray": "w", "call": "os.system"}), bytes(16), None),
        "unexpected keys in tree node",
    ),
    "unknown float": ((ours({}, {"float": "1e400"}), b"", None), "bad 'float' node"),
    "dict item not a pair": ((ours({}, {"dict": [[1, 2, 3]]}), b"", None), "not a \\[key, value"),
    "dict key a list": ((ours({}, {"dict": [[[1], 2]]}), b"", None), "is not a str or a number"),
    "scalar not 0-d": ((ours(W, {"scalar": "w"}), bytes(16), None), "scalar array 'w' has shape"),
    "int tensor needing grad": (
        (
            ours({"w": {**F8, "dtype": "I64"}}, {"tensor": "w", "requires_grad": True}),
            bytes(16),
            None,
        ),
        "bad requires_grad for array 'w'",
    ),
}


@pytest.mark.parametrize("case", list(CORRUPT))
def test_a_corrupt_file_fails_with_a_clear_error_naming_it(case, tmp_path):
    file, message = CORRUPT[case]
    path = path_of(tmp_path, file)
    with pytest.raises(ValueError, match=message) as error:
        nn.load(path)
    assert str(error.value).startswith(f"nn.load: {path} is not a valid nn.save file: ")
    assert len(str(error.value)) < 1000


def test_a_huge_declared_shape_is_not_printed_in_full(tmp_path):
    path = write_file(tmp_path / "evil.st", {"w": {**F8, "shape": [10**400]}}, bytes(16))
    with pytest.raises(ValueError, match="tensor 'w'") as error:
        nn.load(path)
    assert len(str(error.value)) < 500


def test_the_header_size_is_capped(tmp_path, monkeypatch):
    path = tmp_path / "x.safetensors"
    nn.save({"name": "x" * 200}, path)
    monkeypatch.setattr(serialization, "MAX_HEADER_BYTES", 100)
    with pytest.raises(ValueError, match="exceeds the 100-byte limit"):
        nn.load(path)


def test_a_valid_file_cut_short_is_reported_as_truncated(tmp_path):
    path = tmp_path / "x.safetensors"
    nn.save({"w": np.arange(100.0)}, path)
    path.write_bytes(path.read_bytes()[:-8])
    with pytest.raises(ValueError, match="'w' ends at byte 800, past the end .* truncated"):
        nn.load(path)


def test_an_empty_file_of_ours_loads(tmp_path):
    path = write_file(tmp_path / "x.st", ours({}, {"dict": [["epoch", 1]]}))
    assert nn.load(path) == {"epoch": 1}


# ---------------------------------------------------------------- what a save replaces
@posix_only
def test_resaving_keeps_the_mode_of_the_existing_file(tmp_path):
    path = tmp_path / "secret.ckpt"
    nn.save({"epoch": 1}, path)
    os.chmod(path, 0o600)
    nn.save({"epoch": 2}, path)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert nn.load(path) == {"epoch": 2}


@posix_only
def test_saving_through_a_symlink_updates_its_target_and_keeps_the_link(tmp_path):
    (tmp_path / "runs").mkdir()
    target = tmp_path / "runs" / "epoch3.ckpt"
    nn.save({"epoch": 3}, target)
    link = tmp_path / "latest.ckpt"
    link.symlink_to(target)
    nn.save({"epoch": 4}, link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert nn.load(target) == {"epoch": 4}
    assert sorted(os.listdir(tmp_path)) == ["latest.ckpt", "runs"]
    assert os.listdir(tmp_path / "runs") == ["epoch3.ckpt"]


@posix_only
def test_saving_through_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "latest.ckpt"
    link.symlink_to(tmp_path / "new.ckpt")
    nn.save({"epoch": 1}, link)
    assert link.is_symlink() and nn.load(tmp_path / "new.ckpt") == {"epoch": 1}


# ---------------------------------------------------------------- temporary files
class Interrupted(BaseException):
    pass


def test_an_interrupt_during_the_write_removes_the_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "model.ckpt"
    nn.save({"epoch": 1}, path)

    def interrupt(fd):
        raise Interrupted  # e.g. KeyboardInterrupt while fsync waits for the disk

    monkeypatch.setattr(serialization.os, "fsync", interrupt)
    with pytest.raises(Interrupted):
        nn.save({"epoch": 2, "w": np.ones(100)}, path)
    assert os.listdir(tmp_path) == ["model.ckpt"] and nn.load(path) == {"epoch": 1}


def temp_name(target, pid, token="0123456789abcdef"):
    return f".{target}.{pid}.{token}.tmp"


def dead_pid():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@posix_only
def test_the_next_save_sweeps_temp_files_of_dead_writers(tmp_path):
    stale = tmp_path / temp_name("model.ckpt", dead_pid())
    stale.write_bytes(bytes(1000))
    nn.save({"epoch": 1}, tmp_path / "model.ckpt")
    assert os.listdir(tmp_path) == ["model.ckpt"]


def test_the_next_save_sweeps_temp_files_left_untouched_for_long(tmp_path):
    old = tmp_path / temp_name("model.ckpt", os.getpid())  # a live pid: only its age counts
    old.write_bytes(bytes(1000))
    long_ago = time.time() - serialization.STALE_TEMP_SECONDS - 60
    os.utime(old, (long_ago, long_ago))
    nn.save({"epoch": 1}, tmp_path / "model.ckpt")
    assert os.listdir(tmp_path) == ["model.ckpt"]


def test_the_sweep_keeps_live_writers_and_other_files(tmp_path):
    keep = [
        temp_name("model.ckpt", os.getpid()),  # a save in progress (this process, fresh)
        temp_name("other.ckpt", dead_pid() if os.name == "posix" else 1),  # another target
        ".model.ckpt.notes.tmp",  # not one of ours
        "model.ckpt.bak",
    ]
    for name in keep:
        (tmp_path / name).write_bytes(b"x")
    nn.save({"epoch": 1}, tmp_path / "model.ckpt")
    assert sorted(os.listdir(tmp_path)) == sorted(keep + ["model.ckpt"])


SAVE_THEN_HANG = """
import os, sys, time
import numpy as np
import nn
from autograd_core import serialization

real_fdopen = os.fdopen

class Hanging:
    def __init__(self, f):
        self.f = f
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        self.f.close()
    def write(self, chunk):
        self.f.write(chunk)
        self.f.flush()
        print("writing", flush=True)
        time.sleep(60)  # killed here, halfway through the save
    def __getattr__(self, name):
        return getattr(self.f, name)

serialization.os.fdopen = lambda *a: Hanging(real_fdopen(*a))
nn.save({"w": np.ones(1000)}, sys.argv[1])
"""


@posix_only
def test_a_save_killed_midway_leaves_a_temp_file_that_the_next_save_removes(tmp_path):
    path = tmp_path / "model.ckpt"
    nn.save({"epoch": 1}, path)
    child = subprocess.Popen(
        [sys.executable, "-c", SAVE_THEN_HANG, str(path)],
        stdout=subprocess.PIPE,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    try:
        assert child.stdout.readline() == b"writing\n"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()
    leftover = [name for name in os.listdir(tmp_path) if name != "model.ckpt"]
    assert len(leftover) == 1 and leftover[0].startswith(".model.ckpt.")
    assert nn.load(path) == {"epoch": 1}  # the kill left the old file whole
    nn.save({"epoch": 2}, path)
    assert os.listdir(tmp_path) == ["model.ckpt"] and nn.load(path) == {"epoch": 2}


def test_saving_into_a_missing_directory_names_the_target_not_the_temp_file(tmp_path):
    target = tmp_path / "missing" / "model.ckpt"
    with pytest.raises(
        FileNotFoundError,
        match=r"cannot write .*model\.ckpt: directory .*"
        r"missing does not exist",
    ) as error:
        nn.save({"epoch": 1}, target)
    assert ".tmp" not in str(error.value)
