"""``nn.data``: datasets, minibatch loading and preprocessing.

X, y = nn.data.load_digits()
X, mean, std = nn.data.standardize(X)
loader = nn.data.DataLoader(nn.data.TensorDataset(X, y), batch_size=64, shuffle=True, rng=0)
"""

from .datasets import load_digits, load_mnist, make_moons, make_spirals, make_xor
from .loader import (
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    one_hot,
    random_split,
    standardize,
)

__all__ = [
    "Dataset",
    "TensorDataset",
    "Subset",
    "random_split",
    "DataLoader",
    "default_collate",
    "one_hot",
    "standardize",
    "load_digits",
    "load_mnist",
    "make_xor",
    "make_moons",
    "make_spirals",
]
