"""The ``train`` subcommand: fit an MLP classifier on a built-in dataset from the command line.

    autograd-core train --dataset digits --hidden 128 --optimizer adam --epochs 30 --out out/digits

The data are split 80/20 (MNIST uses its own test set), standardised with the training
statistics, and fitted with ``nn.fit``; the test accuracy is printed, and ``--out`` receives the
checkpoint (``checkpoint.ckpt``, resumable with ``--resume``), ``history.json``, the learning
curves ``history.png`` and, for the 2-D datasets, ``decision_boundary.png``.
"""

import argparse
import json
import os
import sys

import numpy as np

from . import data, optim
from .activations import ELU, GELU, LeakyReLU, ReLU, Sigmoid, SiLU, Softplus, Tanh
from .layers import BatchNorm1d, Linear
from .losses import CrossEntropyLoss
from .module import Sequential
from .serialization import _atomic_write
from .training import CHECKPOINT_NAME, evaluate, fit

__all__ = ["add_train_parser", "run_train"]

ACTIVATIONS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid, "leaky_relu": LeakyReLU,
               "elu": ELU, "gelu": GELU, "silu": SiLU, "softplus": Softplus}

# name -> (optimiser factory, default learning rate)
OPTIMIZERS = {
    "sgd": (lambda p, lr, wd: optim.SGD(p, lr, weight_decay=wd), 0.1),
    "momentum": (lambda p, lr, wd: optim.SGD(p, lr, momentum=0.9, weight_decay=wd), 0.01),
    "adagrad": (lambda p, lr, wd: optim.AdaGrad(p, lr, weight_decay=wd), 0.05),
    "rmsprop": (lambda p, lr, wd: optim.RMSProp(p, lr, weight_decay=wd), 1e-3),
    "adam": (lambda p, lr, wd: optim.Adam(p, lr, weight_decay=wd), 1e-3),
    "adamw": (lambda p, lr, wd: optim.AdamW(p, lr, weight_decay=wd), 1e-3),
}

TOY_SETS = {"xor": (data.make_xor, 400), "moons": (data.make_moons, 1000),
            "spirals": (data.make_spirals, 900)}


def _sizes(text):
    """"128" or "64,64" -> [128] / [64, 64]; "" -> [] (no hidden layer)."""
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        message = f"expected sizes like 128 or 64,64, got {text!r}"
        raise argparse.ArgumentTypeError(message) from None
    if any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"hidden sizes must be positive, got {text!r}")
    return sizes


def add_train_parser(subparsers):
    """Register the ``train`` subcommand on an argparse ``subparsers`` object; returns it."""
    parser = subparsers.add_parser(
        "train", help="train an MLP classifier on a built-in dataset",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--dataset", choices=["digits", "mnist", *TOY_SETS], default="digits")
    parser.add_argument("--data-dir", help="directory of the MNIST IDX files (--dataset mnist)")
    parser.add_argument("--hidden", type=_sizes, default=[128],
                        help="hidden layer sizes, e.g. 128 or 64,64 ('' for none)")
    parser.add_argument("--activation", choices=sorted(ACTIVATIONS), default="relu")
    parser.add_argument("--optimizer", choices=list(OPTIMIZERS), default="adam",
                        help="momentum is SGD with momentum 0.9")
    parser.add_argument("--lr", type=float,
                        help="learning rate (default: sgd 0.1, momentum 0.01, adagrad 0.05, "
                             "rmsprop/adam/adamw 1e-3)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--weight-decay", type=float, default=0.0)
    parser.add_argument("--batch-norm", action="store_true",
                        help="BatchNorm1d between each hidden Linear and its activation")
    parser.add_argument("--seed", type=int, default=0,
                        help="seeds the split, the initial weights and the shuffling")
    parser.add_argument("--out", default=os.path.join("out", "train"),
                        help="directory for checkpoint.ckpt and history.json")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the checkpoint in --out")
    parser.add_argument("--compile", action="store_true",
                        help="run forward and loss under ag.compile (same numbers, faster)")
    parser.add_argument("--no-progress", dest="progress", action="store_false",
                        help="no progress bar")
    return parser


def _load(args, rng):
    """(X_train, y_train, X_test, y_test) for ``args.dataset``."""
    if args.dataset == "mnist":
        if not args.data_dir:
            raise ValueError("--dataset mnist needs --data-dir (the directory of the IDX files)")
        return (*data.load_mnist(args.data_dir, "train"), *data.load_mnist(args.data_dir, "test"))
    if args.dataset == "digits":
        X, y = data.load_digits()
    else:
        make, n = TOY_SETS[args.dataset]
        X, y = make(n, rng=rng)
    order = rng.permutation(len(X))
    test, train = order[: len(X) // 5], order[len(X) // 5:]
    return X[train], y[train], X[test], y[test]


def _model(n_in, hidden, n_out, activation, batch_norm, rng):
    layers, width = [], n_in
    for size in hidden:
        layers.append(Linear(width, size, rng=rng))
        if batch_norm:
            layers.append(BatchNorm1d(size))
        layers.append(ACTIVATIONS[activation]())
        width = size
    layers.append(Linear(width, n_out, rng=rng))
    return Sequential(*layers)


def run_train(args):
    """Run ``train`` with parsed ``args``; returns the exit status (0 on success)."""
    rng = np.random.default_rng(args.seed)
    try:
        X_train, y_train, X_test, y_test = _load(args, rng)
        for name in ("batch_size", "epochs"):
            if getattr(args, name) < 1:
                raise ValueError(f"--{name.replace('_', '-')} must be at least 1")
    except (OSError, ValueError) as exc:
        print(f"train: {exc}", file=sys.stderr)
        return 1
    X_train, mean, std = data.standardize(X_train)
    X_test, _, _ = data.standardize(X_test, mean, std)
    n_classes = int(max(y_train.max(), y_test.max())) + 1
    model = _model(X_train.shape[1], args.hidden, n_classes, args.activation, args.batch_norm,
                   rng)
    make_optimizer, default_lr = OPTIMIZERS[args.optimizer]
    optimizer = make_optimizer(model.parameters(), args.lr or default_lr, args.weight_decay)
    train_loader = data.DataLoader(data.TensorDataset(X_train, y_train), args.batch_size,
                                   shuffle=True, rng=rng)
    test_loader = data.DataLoader(data.TensorDataset(X_test, y_test), 1024)
    loss_fn = CrossEntropyLoss()
    print(f"{args.dataset}: {len(X_train)} training / {len(X_test)} test samples, "
          f"{n_classes} classes\n{model}")
    history = fit(model, train_loader, loss_fn, optimizer, args.epochs, val_loader=test_loader,
                  metrics=["accuracy"], checkpoint_dir=args.out, resume=args.resume,
                  progress=args.progress, compile=args.compile)
    test = evaluate(model, test_loader, loss_fn, ["accuracy"])
    report = {"config": {k: v for k, v in vars(args).items() if not callable(v)},
              "test_loss": test["loss"], "test_accuracy": test["accuracy"], "history": history}
    history_path = os.path.join(args.out, "history.json")
    _atomic_write(history_path, [json.dumps(report, indent=2).encode("utf-8")])
    figures = _plots(model, history, X_test, y_test, args.out)
    print(f"test accuracy {test['accuracy']:.4f} (loss {test['loss']:.4f}) on {len(X_test)} "
          f"samples\nwrote {os.path.join(args.out, CHECKPOINT_NAME)}, {history_path}"
          + "".join(f", {f}" for f in figures))
    return 0


def _plots(model, history, X_test, y_test, out):
    """Learning curves, and the decision boundary of a 2-D dataset, as PNGs in ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import viz

    figures = [(viz.plot_history(history), "history.png")]
    if X_test.shape[1] == 2:
        figures.append((viz.plot_decision_boundary(model, X_test, y_test), "decision_boundary.png"))
    paths = []
    for fig, name in figures:
        path = os.path.join(out, name)
        fig.savefig(path, dpi=110)
        paths.append(path)
    return paths
