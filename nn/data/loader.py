"""Minibatches: ``Dataset``, ``TensorDataset``, ``DataLoader``, ``default_collate``, and the
``one_hot`` / ``standardize`` helpers.

Minibatch SGD (the notes' 小批量): each step estimates the gradient on a random batch of
``batch_size`` samples, taken without replacement from a fresh permutation every epoch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd_core import Tensor, get_default_dtype
from autograd_core.random import generator as _generator

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike

__all__ = [
    "Dataset",
    "TensorDataset",
    "Subset",
    "random_split",
    "DataLoader",
    "default_collate",
    "one_hot",
    "standardize",
]


def _array(x: Tensor | ArrayLike) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


class Dataset:
    """Base class of a map-style dataset (PyTorch's ``torch.utils.data.Dataset``).

    A subclass defines ``__len__`` (the number of samples) and ``__getitem__(i)`` (sample i,
    usually a tuple such as ``(image, label)``); ``DataLoader`` batches the samples with
    ``default_collate``. Any object with those two methods works as well.
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(self, index)")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__(self)")


class TensorDataset(Dataset):
    """Samples ``(a[i], b[i], ...)`` from arrays or Tensors that share their first dimension.

    Indexing with an integer array gives a whole batch at once (one fancy-index per array).
    """

    def __init__(self, *tensors: Tensor | ArrayLike) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one array")
        self.arrays = tuple(_array(t) for t in tensors)
        lengths = [a.shape[0] if a.ndim else None for a in self.arrays]
        if None in lengths or len(set(lengths)) != 1:
            shapes = [a.shape for a in self.arrays]
            raise ValueError(
                f"TensorDataset: arrays must share their first dimension, got {shapes}"
            )

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index: int | slice | np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(a[index] for a in self.arrays)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order (PyTorch's ``Subset``)."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset, self.indices = dataset, [int(i) for i in indices]

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[self.indices[index]]


def random_split(
    dataset: Dataset, lengths: Sequence[int | float], rng: np.random.Generator | int | None = None
) -> list[Dataset]:
    """Split ``dataset`` at random into pieces of the given ``lengths`` (sample counts that
    add up to ``len(dataset)``, or fractions that add up to 1), as PyTorch's random_split:
    ``train, val = random_split(data, [0.9, 0.1], rng=0)`` holds out a validation set.

    Fractions are turned into counts by flooring, the remainder going one sample each to the
    first pieces. A TensorDataset splits into TensorDatasets (the DataLoader's fast path);
    any other dataset into ``Subset``s.
    """
    n = len(dataset)
    counts = _split_counts(lengths, n)
    order = _generator(rng).permutation(n)
    pieces, start = [], 0
    for count in counts:
        indices = order[start : start + count]
        start += count
        if isinstance(dataset, TensorDataset) and type(dataset) is TensorDataset:
            pieces.append(TensorDataset(*dataset[indices]))
        else:
            pieces.append(Subset(dataset, indices))
    return pieces


def _split_counts(lengths: Sequence[int | float], n: int) -> list[int]:
    """Sample counts from random_split's ``lengths`` (counts, or fractions adding up to 1)."""
    lengths = list(lengths)
    if not lengths or any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in lengths):
        raise TypeError(f"random_split: lengths must be a list of numbers, got {lengths!r}")
    if any(x < 0 for x in lengths):
        raise ValueError(f"random_split: lengths must be non-negative, got {lengths}")
    if all(isinstance(x, int) for x in lengths):
        if sum(lengths) != n:
            raise ValueError(
                f"random_split: lengths {lengths} add up to {sum(lengths)}, "
                f"but the dataset has {n} samples"
            )
        return lengths
    if not math.isclose(sum(lengths), 1.0, abs_tol=1e-9):
        raise ValueError(f"random_split: fractions {lengths} must add up to 1")
    counts = [math.floor(n * x) for x in lengths]
    for i in range(n - sum(counts)):
        counts[i % len(counts)] += 1
    return counts


def default_collate(samples: list[Any]) -> Any:
    """One batch from a list of samples, as PyTorch's default collate builds it.

    Tuples and lists are collated field by field (a tuple of batches), dicts key by key;
    Tensors, numpy arrays and numpy scalars are stacked along a new first axis into a Tensor
    of their dtype (values only: no graph); Python ints become an int64 Tensor, bools a bool
    Tensor, floats a Tensor of the default dtype; strings are kept as a list.
    """
    first = samples[0]
    if isinstance(first, (tuple, list)):
        if any(len(s) != len(first) for s in samples):
            raise ValueError("default_collate: samples have different numbers of fields")
        return tuple(default_collate(list(field)) for field in zip(*samples))
    if isinstance(first, Mapping):
        return {key: default_collate([s[key] for s in samples]) for key in first}
    if isinstance(first, str):
        return list(samples)
    if isinstance(first, (Tensor, np.ndarray, np.generic)):
        arrays = [_array(s) for s in samples]
        if any(a.shape != arrays[0].shape for a in arrays):
            shapes = sorted({a.shape for a in arrays})
            raise ValueError(f"default_collate: samples of different shapes {shapes} in a batch")
        return Tensor(np.stack(arrays))
    if isinstance(first, (bool, int, float)):
        return Tensor(list(samples))
    raise TypeError(
        f"default_collate: cannot batch samples of type {type(first).__name__}; a sample "
        "holds Tensors, numpy arrays, numbers or strings (in tuples, lists or dicts)"
    )


class DataLoader:
    """Iterate over ``dataset`` in minibatches (a tuple of Tensors for tuple samples).

    ``dataset`` is a ``TensorDataset`` (a batch is one fancy index per array, the fast path)
    or any map-style dataset: a ``Dataset`` subclass or any object with ``__len__`` and
    ``__getitem__``, whose samples ``collate_fn`` (``default_collate`` unless given) turns
    into a batch. ``num_workers`` and ``pin_memory`` are accepted for PyTorch code and change
    nothing: samples are loaded in this process. ``shuffle=True`` draws a new permutation
    every epoch from ``rng`` (a numpy Generator or an int seed), so a seeded loader gives the
    same sequence of epochs every run. The last, smaller batch is kept unless ``drop_last``.
    ``state_dict()`` / ``load_state_dict()`` save and restore the generator's position, which
    lets a resumed training run see the same batches as an uninterrupted one.
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        rng: np.random.Generator | int | None = None,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        num_workers: int = 0,
        pin_memory: bool = False,
    ) -> None:
        if (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, (int, np.integer))
            or batch_size < 1
        ):
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.rng = _generator(rng) if shuffle else None
        self.collate_fn = collate_fn
        self.num_workers, self.pin_memory = num_workers, pin_memory

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        n = len(self.dataset)
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            yield self._batch(order[start : start + self.batch_size])

    def _batch(self, indices):
        if self.collate_fn is None and type(self.dataset).__getitem__ is TensorDataset.__getitem__:
            return tuple(Tensor(a) for a in self.dataset[indices])
        samples = [self.dataset[int(i)] for i in indices]
        return (self.collate_fn or default_collate)(samples)

    def state_dict(self) -> dict[str, Any]:
        """The shuffling generator's state (JSON-friendly numbers), or {} without shuffle."""
        return {"rng": self.rng.bit_generator.state} if self.shuffle else {}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        if self.shuffle and "rng" in state_dict:
            self.rng.bit_generator.state = state_dict["rng"]


def one_hot(
    labels: Tensor | ArrayLike, num_classes: int | None = None, dtype: DTypeLike | None = None
) -> Tensor | np.ndarray:
    """Rows of the identity: class k becomes the vector with a 1 at position k.

    ``labels`` holds integers in [0, num_classes) (``num_classes`` defaults to max + 1); the
    result has one more axis of length ``num_classes`` and the default float dtype. A Tensor in
    gives a Tensor out, an array gives an array.
    """
    y = _array(labels)
    if y.dtype.kind not in "iu":
        raise TypeError(f"one_hot: labels must be integers, got dtype {y.dtype}")
    y = y.astype(np.int64)
    if num_classes is None:
        num_classes = int(y.max()) + 1 if y.size else 0
    bad = y[(y < 0) | (y >= num_classes)]
    if bad.size:
        raise ValueError(f"one_hot: label {bad.flat[0]} is outside [0, {num_classes})")
    out = np.eye(num_classes, dtype=dtype or get_default_dtype())[y]
    return Tensor(out) if isinstance(labels, Tensor) else out


def standardize(
    x: Tensor | ArrayLike,
    mean: Tensor | ArrayLike | None = None,
    std: Tensor | ArrayLike | None = None,
) -> tuple[Tensor | np.ndarray, np.ndarray, np.ndarray]:
    """Shift and scale each feature (column) to mean 0 and standard deviation 1.

    Returns ``(x_std, mean, std)``. Compute the statistics on the training data, then pass
    them back for validation and test data, which must be scaled the same way::

        x_train, mean, std = standardize(x_train)
        x_test, _, _ = standardize(x_test, mean, std)

    A constant feature has std 0; it is divided by 1 instead (it becomes 0), and the returned
    ``std`` holds that 1. A Tensor in gives a Tensor out.
    """
    data = _array(x)
    if not np.issubdtype(data.dtype, np.floating):
        data = data.astype(get_default_dtype())
    if mean is None:
        mean = data.mean(axis=0)
    if std is None:
        std = data.std(axis=0)
        std = np.where(std == 0, 1.0, std).astype(data.dtype)
    mean, std = _array(mean), _array(std)
    out = (data - mean) / std
    return (Tensor(out) if isinstance(x, Tensor) else out), mean, std
