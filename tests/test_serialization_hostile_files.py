"""nn.save / nn.load on hostile files and awkward targets: crafted array entries get a clear
error naming the file and the entry; saving keeps the target's mode, writes through symlinks,
and leaves no temporary files behind, even when the saving process is killed."""

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


def crafted(path, entry, data=b""):
    """A file whose only array is ``entry`` (referenced by the tree), then ``data``."""
    header = json.dumps(
        {"format": "nn.save", "version": 1, "tree": {"ndarray": 0}, "arrays": [entry]}
    ).encode()
    path.write_bytes(struct.pack("<Q", len(header)) + header + data)
    return path


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
    path = crafted(tmp_path / "evil.ckpt", entry, data)
    with pytest.raises(ValueError) as error:
        nn.load(path)
    message = str(error.value)
    assert message.startswith(f"nn.load: {path} is not a valid nn.save file: array 0:")
    assert problem in message


def test_a_huge_declared_shape_is_not_printed_in_full(tmp_path):
    path = crafted(
        tmp_path / "evil.ckpt", {"dtype": "<f8", "shape": [10**400], "offsets": [0, 8]}, bytes(8)
    )
    with pytest.raises(ValueError, match="array 0") as error:
        nn.load(path)
    assert len(str(error.value)) < 500


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


def test_a_crafted_complex_tensor_is_refused_naming_the_file(tmp_path):
    header = json.dumps(
        {
            "format": "nn.save",
            "version": 1,
            "tree": {"tensor": 0, "requires_grad": False},
            "arrays": [{"dtype": "<c16", "shape": [1], "offsets": [0, 16]}],
        }
    )
    path = tmp_path / "evil.ckpt"
    path.write_bytes(struct.pack("<Q", len(header)) + header.encode() + bytes(16))
    with pytest.raises(
        ValueError,
        match=r"evil\.ckpt is not a valid nn.save file: tensor 0 "
        r"has dtype complex128",
    ):
        nn.load(path)
