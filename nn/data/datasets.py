"""Datasets: the 8x8 handwritten digits (shipped), MNIST from IDX files, and 2-D toy problems.

Every loader returns ``(X, y)``: ``X`` a float array of the default dtype with one sample per
row, ``y`` an int64 array of class labels. The toy generators take ``rng`` (a numpy Generator or
an int seed) and ``noise``, the standard deviation of Gaussian noise added to each coordinate.
"""

from __future__ import annotations

import gzip
import importlib.resources
import io
import os
import struct
import zlib

import numpy as np

from autograd_core import get_default_dtype
from autograd_core.random import generator as _generator

__all__ = ["load_digits", "load_mnist", "make_xor", "make_moons", "make_spirals"]


def _finish(X, y, noise, rng):
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    X = X + noise * rng.standard_normal(X.shape)
    return X.astype(get_default_dtype()), y.astype(np.int64)


def _check_n(n, minimum=1):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValueError(f"n must be an integer >= {minimum}, got {n!r}")


def make_xor(
    n: int = 200, noise: float = 0.1, rng: np.random.Generator | int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """XOR: points around the corners of the unit square, label x₁ XOR x₂.

    Sample i sits at corner i mod 4 of (0,0)→0, (0,1)→1, (1,0)→1, (1,1)→0, so ``n=4,
    noise=0`` is the truth table. No single line separates the classes: a perceptron cannot
    learn it, one hidden layer can.
    """
    _check_n(n)
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    index = np.arange(n) % 4
    return _finish(corners[index], corners[index, 0] != corners[index, 1], noise, _generator(rng))


def make_moons(
    n: int = 200, noise: float = 0.1, rng: np.random.Generator | int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (as scikit-learn's): class 0 on top, class 1 below.

    Class 0 is (cos t, sin t) and class 1 is (1 - cos t, 1/2 - sin t) for t evenly spaced in
    [0, π]; the samples are shuffled.
    """
    _check_n(n, 2)
    rng = _generator(rng)
    t0, t1 = np.linspace(0, np.pi, n // 2), np.linspace(0, np.pi, n - n // 2)
    X = np.concatenate(
        [np.stack([np.cos(t0), np.sin(t0)], 1), np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], 1)]
    )
    y = np.concatenate([np.zeros(len(t0)), np.ones(len(t1))])
    order = rng.permutation(n)
    return _finish(X[order], y[order], noise, rng)


def make_spirals(
    n: int = 300,
    classes: int = 3,
    noise: float = 0.05,
    rng: np.random.Generator | int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``classes`` interleaved spiral arms, one per class (the CS231n toy problem).

    Arm k is r (cos θ, sin θ) with the radius r evenly spaced in [0.1, 1] and θ = 2πk/classes +
    2πr: one full turn, arms 1/classes apart along a radius. The samples are shuffled.
    """
    _check_n(n, classes)
    if isinstance(classes, bool) or not isinstance(classes, (int, np.integer)) or classes < 2:
        raise ValueError(f"classes must be an integer >= 2, got {classes!r}")
    rng = _generator(rng)
    y = np.arange(n) % classes
    r = np.empty(n)
    for k in range(classes):
        r[y == k] = np.linspace(0.1, 1.0, np.count_nonzero(y == k))
    theta = 2 * np.pi * (y / classes + r)
    X = r[:, None] * np.stack([np.cos(theta), np.sin(theta)], 1)
    order = rng.permutation(n)
    return _finish(X[order], y[order], noise, rng)


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The UCI handwritten digits: ``X`` (1797, 64) pixel counts 0..16, ``y`` (1797,) in 0..9.

    Each row is an 8x8 image flattened row by row. The data ship with this package
    (``nn/data/digits.csv.gz``; CC BY 4.0, see ``DIGITS_LICENSE.txt``), so no network is needed.
    """
    raw = importlib.resources.files(__package__).joinpath("digits.csv.gz").read_bytes()
    table = np.loadtxt(
        io.StringIO(gzip.decompress(raw).decode("ascii")), delimiter=",", dtype=np.int64
    )
    return table[:, :64].astype(get_default_dtype()), table[:, 64].copy()


# ---------------------------------------------------------------------- MNIST (IDX files)
_MNIST_PREFIX = {"train": "train", "test": "t10k"}
_MNIST_COUNT = {"train": 60_000, "test": 10_000}  # the most samples a real file holds
# IDX magic numbers: 0, 0, the dtype code (0x08: unsigned bytes), the number of dimensions
_IMAGES_MAGIC, _IMAGE_SHAPE = 0x00000803, (28, 28)  # 2051: N x 28 x 28 unsigned bytes
_LABELS_MAGIC = 0x00000801  # 2049: N unsigned bytes
_CHUNK = 2**20  # bytes read (and, for .gz, inflated) at a time


def load_mnist(
    directory: str | os.PathLike[str], kind: str = "train"
) -> tuple[np.ndarray, np.ndarray]:
    """MNIST from its four IDX files in ``directory`` (``kind`` is "train" or "test").

    Looks for ``train-images-idx3-ubyte`` / ``train-labels-idx1-ubyte`` (``t10k-...`` for the
    test set), gzipped (``.gz``) or not, also with a dot before ``idx``. Returns ``X`` of shape
    (n, 784) scaled to [0, 1] and ``y`` of shape (n,). Nothing is downloaded: fetch the files
    once from the MNIST page or a mirror. Missing files raise FileNotFoundError, malformed ones
    ValueError: each header must declare unsigned bytes, N x 28 x 28 images or N labels, N at
    most 60000 (train) or 10000 (test), and the file must hold exactly the declared data.
    """
    if kind not in _MNIST_PREFIX:
        raise ValueError(f"kind must be 'train' or 'test', got {kind!r}")
    prefix, limit = _MNIST_PREFIX[kind], _MNIST_COUNT[kind]
    images = _read_idx(
        _find(directory, prefix, "images", 3), _IMAGES_MAGIC, _IMAGE_SHAPE, limit, "images"
    )
    labels = _read_idx(_find(directory, prefix, "labels", 1), _LABELS_MAGIC, (), limit, "labels")
    if len(images) != len(labels):
        raise ValueError(f"MNIST {kind}: {len(images)} images but {len(labels)} labels")
    if labels.size and labels.max() > 9:
        raise ValueError(
            f"MNIST {kind}: labels outside 0..9 (found {labels.min()}..{labels.max()})"
        )
    X = images.reshape(len(images), -1).astype(get_default_dtype()) / 255.0
    return X, labels.astype(np.int64)


def _find(directory, prefix, what, ndim):
    names = [f"{prefix}-{what}{sep}idx{ndim}-ubyte{gz}" for sep in ("-", ".") for gz in ("", ".gz")]
    for name in names:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(
        f"MNIST {what} file not found in {directory!r}: tried {', '.join(names)}"
    )


def _read_idx(path, magic, item_shape, limit, what):
    """An MNIST IDX file (plain or gzipped) as a uint8 array of shape (N, *item_shape).

    The header (a big-endian u32 magic number, then one u32 per dimension) is checked before
    any data is read, and then exactly the bytes it declares are read, inflating a .gz chunk
    by chunk: a small .gz that inflates to gigabytes stops at the declared size instead of
    being unpacked whole into memory.
    """
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
        f.seek(0)
        stream = gzip.GzipFile(fileobj=f, mode="rb") if gzipped else f
        try:
            shape = _idx_shape(path, stream, magic, item_shape, limit, what)
            array = np.empty(shape, np.uint8)
            _read_data(path, stream, array)
        except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
            raise ValueError(f"{path}: corrupt or truncated gzip data ({exc})") from None
    return array


def _idx_shape(path, stream, magic, item_shape, limit, what):
    ndim = 1 + len(item_shape)
    head = stream.read(4 + 4 * ndim)
    if len(head) < 4:
        raise ValueError(f"{path}: truncated IDX header ({len(head)} bytes)")
    (found,) = struct.unpack(">I", head[:4])
    if found != magic:
        raise ValueError(
            f"{path}: magic number 0x{found:08x}, expected 0x{magic:08x} (an IDX file of "
            f"unsigned bytes with {ndim} dimension(s)): not an MNIST {what} file"
        )
    if len(head) < 4 + 4 * ndim:
        raise ValueError(f"{path}: truncated IDX header ({len(head)} bytes)")
    shape = struct.unpack(f">{ndim}I", head[4:])
    if shape[1:] != item_shape:
        expected = " x ".join(["N", *map(str, item_shape)])
        raise ValueError(
            f"{path}: declares {' x '.join(map(str, shape))} {what}, expected {expected} for MNIST"
        )
    if shape[0] > limit:
        raise ValueError(
            f"{path}: declares {shape[0]} {what}, at most {limit} expected for this MNIST file"
        )
    return shape


def _read_data(path, stream, array):
    """Fill ``array`` from ``stream``, which must then be at its end."""
    view = memoryview(array.reshape(-1))
    got = 0
    while got < len(view):
        n = stream.readinto(view[got : got + _CHUNK])
        if not n:
            raise ValueError(
                f"{path}: the data ends after {got} of the {len(view)} data bytes "
                "its header declares (truncated or corrupt)"
            )
        got += n
    if stream.read(1):
        raise ValueError(
            f"{path}: more data than the {len(view)} bytes its header declares "
            "(corrupt, or not this MNIST file)"
        )
