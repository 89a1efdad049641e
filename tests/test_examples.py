"""The notes' PyTorch program (examples/fcnet_mnist.py) runs end to end on this library: on
the shipped digits and on MNIST IDX files, printing the notes' progress lines."""

import importlib.util
import re
import struct
from pathlib import Path

import matplotlib
import numpy as np
import pytest

import nn

matplotlib.use("Agg")

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "fcnet_mnist.py"
STEP_LINE = re.compile(r"^Epoch \[(\d+)/(\d+)\], Step \[(\d+)/(\d+)\], Loss: \d+\.\d{4}$")
ACCURACY_LINE = re.compile(r"^Accuracy of the network on the (\d+) test images: ([\d.]+) %$")


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("fcnet_mnist", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _lines(capsys):
    return capsys.readouterr().out.strip().splitlines()


def test_the_notes_program_trains_on_the_shipped_digits(example, tmp_path, capsys):
    accs = example.main(["--epochs", "2", "--out", str(tmp_path / "model.pth")])
    lines = _lines(capsys)
    steps = [STEP_LINE.match(line) for line in lines if line.startswith("Epoch")]
    assert steps and all(steps), lines
    assert [m.group(1, 3) for m in steps] == [("1", "100"), ("2", "100")]
    assert {m.group(4) for m in steps} == {"140"}  # 1397 training images in batches of 10
    accuracies = [ACCURACY_LINE.match(line) for line in lines if line.startswith("Accuracy")]
    assert len(accuracies) == 2 and all(m.group(1) == "400" for m in accuracies)
    assert accs[-1] > 0.8, accs  # about 90% on the last 400 digits (other writers)
    state = nn.load(tmp_path / "model.pth")
    assert state["fc1.weight"].shape == (500, 784) and state["fc2.bias"].shape == (10,)


def _write_idx(path, array):
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.astype(">u1").tobytes())


def test_the_notes_program_reads_mnist_idx_files(example, tmp_path, capsys):
    """MNIST-shaped IDX files made from the digits (28x28 bytes): batches of 100 as in the
    notes, so 10,000 training images give the notes' 'Step [100/100]' line."""
    X, y = nn.data.load_digits()
    images = np.clip(example.resize(X.reshape(-1, 8, 8) / 16.0, 28, 28) * 255, 0, 255)
    train = np.resize(np.arange(1397), 10_000)
    _write_idx(tmp_path / "train-images-idx3-ubyte", images[train].astype(np.uint8))
    _write_idx(tmp_path / "train-labels-idx1-ubyte", y[train].astype(np.uint8))
    _write_idx(tmp_path / "t10k-images-idx3-ubyte", images[1397:].astype(np.uint8))
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte", y[1397:].astype(np.uint8))
    accs = example.main(
        ["--data-dir", str(tmp_path), "--epochs", "1", "--out", str(tmp_path / "m.pth")]
    )
    lines = _lines(capsys)
    assert STEP_LINE.match(lines[0]).group(1, 2, 3, 4) == ("1", "1", "100", "100"), lines
    assert ACCURACY_LINE.match(lines[1]).group(1) == "400"
    assert accs[0] > 0.7, accs
