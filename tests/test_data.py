"""nn.data: minibatch loading, preprocessing helpers and datasets."""

import gzip
import struct
import tracemalloc
import zlib

import numpy as np
import pytest

import autograd_core as ag
import nn
from nn.data import (
    DataLoader,
    TensorDataset,
    load_digits,
    load_mnist,
    make_moons,
    make_spirals,
    make_xor,
    one_hot,
    standardize,
)


def dataset(n=10):
    return TensorDataset(np.arange(n, dtype=np.float32).reshape(n, 1), np.arange(n))


# ---------------------------------------------------------------- TensorDataset, DataLoader
def test_tensor_dataset_indexes_every_array():
    ds = TensorDataset(ag.tensor([[1.0, 2.0], [3.0, 4.0]]), np.array([0, 1]))
    assert len(ds) == 2
    x, y = ds[1]
    np.testing.assert_array_equal(x, [3.0, 4.0])
    assert y == 1
    with pytest.raises(ValueError, match="share their first dimension"):
        TensorDataset(np.zeros(3), np.zeros(4))


@pytest.mark.parametrize("drop_last, sizes", [(False, [4, 4, 2]), (True, [4, 4])])
def test_batches_in_order_keep_or_drop_the_last_partial_one(drop_last, sizes):
    loader = DataLoader(dataset(), batch_size=4, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(sizes) and [len(x) for x, _ in batches] == sizes
    x, y = batches[0]
    assert isinstance(x, ag.Tensor) and x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(
        np.concatenate([y.data for _, y in batches]), np.arange(sum(sizes))
    )


def test_shuffle_visits_every_sample_once_and_keeps_pairs_together():
    loader = DataLoader(dataset(), batch_size=3, shuffle=True, rng=0)
    xs, ys = zip(*((x.data[:, 0], y.data) for x, y in loader))
    ys = np.concatenate(ys)
    np.testing.assert_array_equal(np.concatenate(xs), ys)
    assert sorted(ys) == list(range(10)) and not np.array_equal(ys, np.arange(10))


def epochs(loader, n=3):
    return [np.concatenate([y.data for _, y in loader]) for _ in range(n)]


def test_seeded_shuffle_is_reproducible_and_differs_between_epochs():
    a = epochs(DataLoader(dataset(), batch_size=4, shuffle=True, rng=7))
    b = epochs(DataLoader(dataset(), batch_size=4, shuffle=True, rng=np.random.default_rng(7)))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], a[1])


def test_state_dict_lets_a_new_loader_continue_the_same_sequence():
    loader = DataLoader(dataset(), batch_size=4, shuffle=True, rng=3)
    epochs(loader, 2)
    state = loader.state_dict()
    expected = epochs(loader, 1)[0]
    resumed = DataLoader(dataset(), batch_size=4, shuffle=True, rng=99)
    resumed.load_state_dict(state)
    np.testing.assert_array_equal(epochs(resumed, 1)[0], expected)
    assert DataLoader(dataset(), batch_size=4).state_dict() == {}


def test_any_indexable_dataset_is_collated_by_stacking():
    samples = [(np.full(2, i, np.float64), i) for i in range(5)]
    x, y = next(iter(DataLoader(samples, batch_size=3)))
    assert x.shape == (3, 2) and y.data.tolist() == [0, 1, 2]


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_batch_size_must_be_a_positive_integer(bad):
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(dataset(), batch_size=bad)


def test_rng_of_the_wrong_type_is_refused():
    with pytest.raises(TypeError, match="rng"):
        DataLoader(dataset(), batch_size=2, shuffle=True, rng="seed")


# ---------------------------------------------------------------- one_hot, standardize
def test_one_hot_rows_are_identity_rows():
    out = one_hot(np.array([2, 0, 1]), 4)
    np.testing.assert_array_equal(out, np.eye(4)[[2, 0, 1]])
    assert out.dtype == ag.get_default_dtype()
    assert one_hot(np.array([0, 2])).shape == (2, 3)
    t = one_hot(ag.tensor(np.array([1, 0])), 2, dtype=np.float32)
    assert isinstance(t, ag.Tensor) and t.dtype == np.float32


def test_one_hot_rejects_bad_labels():
    with pytest.raises(ValueError, match="label 3 is outside"):
        one_hot(np.array([0, 3]), 3)
    with pytest.raises(ValueError, match="label -1"):
        one_hot(np.array([-1]), 3)
    with pytest.raises(TypeError, match="integers"):
        one_hot(np.array([0.5]), 3)


def test_standardize_uses_training_statistics_for_test_data():
    rng = np.random.default_rng(0)
    train = rng.normal(5.0, 3.0, (200, 3))
    train[:, 2] = 4.0  # a constant feature
    z, mean, std = standardize(train)
    np.testing.assert_allclose(z[:, :2].mean(0), 0.0, atol=1e-12)
    np.testing.assert_allclose(z[:, :2].std(0), 1.0)
    assert std[2] == 1.0 and np.all(z[:, 2] == 0.0)
    test = rng.normal(5.0, 3.0, (10, 3))
    z_test, _, _ = standardize(test, mean, std)
    np.testing.assert_allclose(z_test, (test - mean) / std)


def test_standardize_keeps_tensors_and_converts_integers():
    out, _, _ = standardize(ag.tensor(np.array([[1.0], [3.0]], np.float32)))
    assert isinstance(out, ag.Tensor) and out.dtype == np.float32
    np.testing.assert_array_equal(out.data, [[-1.0], [1.0]])
    ints, _, _ = standardize(np.array([[0], [2]]))
    assert ints.dtype.kind == "f"


# ---------------------------------------------------------------- toy datasets
def test_xor_with_four_points_and_no_noise_is_the_truth_table():
    X, y = make_xor(4, noise=0.0)
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])


@pytest.mark.parametrize("make, classes", [(make_xor, 2), (make_moons, 2), (make_spirals, 3)])
def test_toy_sets_have_balanced_labels_and_are_reproducible(make, classes):
    X, y = make(120, rng=5)
    assert X.shape == (120, 2) and X.dtype == ag.get_default_dtype() and y.dtype == np.int64
    assert np.bincount(y).tolist() == [120 // classes] * classes
    X2, y2 = make(120, rng=5)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    assert not np.array_equal(X, make(120, rng=6)[0])
    with pytest.raises(ValueError, match="noise"):
        make(120, noise=-1.0)


def test_moons_without_noise_lie_on_their_half_circles():
    X, y = make_moons(50, noise=0.0, rng=0)
    top, bottom = X[y == 0], X[y == 1] - [1.0, 0.5]
    np.testing.assert_allclose(np.hypot(*top.T), 1.0)
    np.testing.assert_allclose(np.hypot(*bottom.T), 1.0)
    assert np.all(top[:, 1] >= 0) and np.all(bottom[:, 1] <= 1e-12)


def test_spiral_arms_wind_once_around_the_origin():
    X, y = make_spirals(300, classes=3, noise=0.0, rng=0)
    r = np.hypot(*X.T)
    assert r.min() == pytest.approx(0.1) and r.max() == pytest.approx(1.0)
    angle = np.arctan2(X[:, 1], X[:, 0])
    expected = 2 * np.pi * (y / 3 + r)
    np.testing.assert_allclose(np.cos(angle - expected), 1.0)


# ---------------------------------------------------------------- digits, MNIST
def test_load_digits_ships_with_the_package():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == ag.get_default_dtype()
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 16 and set(y.tolist()) == set(range(10))
    assert y[:10].tolist() == list(range(10))
    np.testing.assert_array_equal(X[0, :8], [0, 0, 5, 13, 9, 1, 0, 0])  # first row of the zero


def idx_bytes(array, code=0x08):
    dims = struct.pack(f">{array.ndim}I", *array.shape)
    return bytes([0, 0, code, array.ndim]) + dims + array.astype(">u1").tobytes()


def write_mnist(directory, kind="train", n=5, gz=False):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n, dtype=np.uint8)
    prefix = "train" if kind == "train" else "t10k"
    for name, array in (
        (f"{prefix}-images-idx3-ubyte", images),
        (f"{prefix}-labels-idx1-ubyte", labels),
    ):
        raw = idx_bytes(array)
        (directory / (name + ".gz" if gz else name)).write_bytes(gzip.compress(raw) if gz else raw)
    return images, labels


@pytest.mark.parametrize("gz", [False, True])
def test_load_mnist_reads_idx_files_plain_or_gzipped(gz, tmp_path):
    images, labels = write_mnist(tmp_path, "test", gz=gz)
    X, y = load_mnist(tmp_path, kind="test")
    assert X.shape == (5, 784) and y.dtype == np.int64
    np.testing.assert_allclose(X, images.reshape(5, -1) / 255.0)
    np.testing.assert_array_equal(y, labels)


def test_load_mnist_names_the_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.gz"):
        load_mnist(tmp_path)
    with pytest.raises(ValueError, match="kind"):
        load_mnist(tmp_path, kind="validation")


@pytest.mark.parametrize(
    "corrupt, message",
    [
        (lambda raw: raw[:-10], "truncated or corrupt"),
        (lambda raw: raw + b"\x00", "more data than the 3920 bytes its header declares"),
        (lambda raw: b"\x00\x01" + raw[2:], "not an MNIST images file"),
        (lambda raw: raw[:3] + b"\x02" + raw[4:], "magic number 0x00000802, expected 0x00000803"),
        (lambda raw: gzip.compress(raw)[:-12], "corrupt or truncated gzip"),
    ],
)
def test_load_mnist_rejects_corrupt_files(corrupt, message, tmp_path):
    write_mnist(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(corrupt(path.read_bytes()))
    with pytest.raises(ValueError, match=message):
        load_mnist(tmp_path)


def test_load_mnist_checks_that_images_and_labels_agree(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(4, np.uint8)))
    with pytest.raises(ValueError, match="5 images but 4 labels"):
        load_mnist(tmp_path)


def idx_header(code, ndim, *dims):
    return bytes([0, 0, code, ndim]) + struct.pack(f">{len(dims)}I", *dims)


def gz_bomb(head, zeros=32 * 2**20):
    """``head`` then ``zeros`` zero bytes, gzipped: about 32 KB on disk."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # wbits 31: a gzip container
    chunk = bytes(2**20)
    parts = [compressor.compress(head)]
    parts += [compressor.compress(chunk) for _ in range(zeros // len(chunk))]
    return b"".join(parts) + compressor.flush()


def test_load_mnist_stops_inflating_a_gzip_bomb_at_the_declared_size(tmp_path):
    write_mnist(tmp_path, n=10)
    images = tmp_path / "train-images-idx3-ubyte"
    images.unlink()
    bomb = tmp_path / "train-images-idx3-ubyte.gz"
    bomb.write_bytes(gz_bomb(idx_header(0x08, 3, 10, 28, 28)))
    assert bomb.stat().st_size < 100_000
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"train-images-idx3-ubyte.gz.*more data than"):
            load_mnist(tmp_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20  # the 32 MB were never held in memory


@pytest.mark.parametrize(
    "kind, header, message",
    [
        ("train", idx_header(0x0D, 3, 5, 28, 28), r"magic number 0x00000d03, expected 0x00000803"),
        ("train", idx_header(0x08, 3, 5, 29, 29), r"5 x 29 x 29 .* expected N x 28 x 28"),
        ("train", idx_header(0x08, 3, 60_001, 28, 28), r"60001 images, at most 60000"),
        ("test", idx_header(0x08, 3, 10_001, 28, 28), r"10001 images, at most 10000"),
        ("train", idx_header(0x08, 3, 2**32 - 1, 2**32 - 1, 2**32 - 1), r"expected N x 28 x 28"),
    ],
    ids=["float images", "29x29 images", "more than 60000", "more than 10000 (test)", "huge dims"],
)
def test_load_mnist_checks_the_image_header_before_reading_the_data(
    kind, header, message, tmp_path
):
    write_mnist(tmp_path, kind)
    prefix = "train" if kind == "train" else "t10k"
    (tmp_path / f"{prefix}-images-idx3-ubyte").write_bytes(header + bytes(5 * 784))
    with pytest.raises(ValueError, match=message):
        load_mnist(tmp_path, kind)


def test_load_mnist_refuses_labels_of_another_type(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_header(0x0C, 1, 5) + bytes(20))
    with pytest.raises(
        ValueError,
        match=r"labels-idx1-ubyte: magic number 0x00000c01, "
        r"expected 0x00000801",
    ):
        load_mnist(tmp_path)


@pytest.mark.parametrize("gz", [False, True])
def test_load_mnist_names_the_file_that_ends_early(gz, tmp_path):
    write_mnist(tmp_path, gz=gz)
    name = "train-labels-idx1-ubyte" + (".gz" if gz else "")
    short = idx_header(0x08, 1, 5) + bytes(3)
    (tmp_path / name).write_bytes(gzip.compress(short) if gz else short)
    with pytest.raises(ValueError, match=rf"{name}: .*3 of the 5 data bytes"):
        load_mnist(tmp_path)
    (tmp_path / name).write_bytes(gzip.compress(b"\x00\x00") if gz else b"\x00\x00")
    with pytest.raises(ValueError, match=rf"{name}: truncated IDX header"):
        load_mnist(tmp_path)


def test_random_split_holds_out_a_validation_set_by_counts_or_fractions():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    train, val = nn.data.random_split(nn.data.TensorDataset(X, y), [0.75, 0.25], rng=0)
    assert (len(train), len(val)) == (8, 2)  # floor(7.5) + 1 left over, floor(2.5)
    labels = sorted(np.concatenate([train.arrays[1], val.arrays[1]]).tolist())
    assert labels == list(range(10))  # every sample in exactly one piece
    assert isinstance(train, nn.data.TensorDataset)  # the loader's fast path is kept
    again, _ = nn.data.random_split(nn.data.TensorDataset(X, y), [8, 2], rng=0)
    assert again.arrays[1].tolist() == train.arrays[1].tolist()  # seeded: the same split

    class Squares(nn.data.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return float(i * i), i

    pieces = nn.data.random_split(Squares(), [3, 2], rng=1)
    assert [len(p) for p in pieces] == [3, 2]
    assert sorted(i for p in pieces for _, i in (p[k] for k in range(len(p)))) == [0, 1, 2, 3, 4]
    (xb, ib), *_ = nn.data.DataLoader(pieces[0], batch_size=3)
    assert ib.dtype == np.int64 and np.allclose(xb.numpy(), ib.numpy() ** 2)


@pytest.mark.parametrize(
    "lengths, message",
    [
        ([6, 3], "add up to 9, but the dataset has 10"),
        ([0.5, 0.4], "must add up to 1"),
        ([-1, 11], "non-negative"),
        (["a"], "list of numbers"),
    ],
)
def test_random_split_refuses_lengths_that_do_not_fit(lengths, message):
    data = nn.data.TensorDataset(np.zeros((10, 2)))
    with pytest.raises((ValueError, TypeError), match=message):
        nn.data.random_split(data, lengths)
