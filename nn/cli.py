"""The ``train`` subcommand: fit an MLP classifier on a built-in dataset from the command line.

    autograd-core train --dataset digits --hidden 128 --optimizer adam --epochs 30 --out out/digits

The data are split 80/20 (MNIST uses its own test set), standardised with the training
statistics, and fitted with ``nn.fit``; the test accuracy is printed, and ``--out`` receives the
checkpoint (``checkpoint.ckpt``, resumable with ``--resume``), ``history.json``, the learning
curves ``history.png`` and, for the 2-D datasets, ``decision_boundary.png``.

Errors of the user (a bad option value, an unwritable ``--out``, a corrupt or mismatched
checkpoint, a diverged run, Ctrl-C) end as one line on stderr and an exit status, never a
traceback: see ``UserError`` and ``report_errors``, which every subcommand of
``autograd-core`` shares.
"""

import argparse
import json
import math
import os
import sys
import tempfile

import numpy as np

from . import data, optim
from .activations import ELU, GELU, LeakyReLU, ReLU, Sigmoid, SiLU, Softplus, Tanh
from .layers import BatchNorm1d, Linear
from .losses import CrossEntropyLoss
from .module import Sequential
from .serialization import _atomic_write, load
from .training import CHECKPOINT_NAME, evaluate, fit

__all__ = ["add_train_parser", "run_train", "UserError", "report_errors", "writable_dir",
           "positive_int", "non_negative_int", "positive_float", "non_negative_float",
           "non_empty"]

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


# ----------------------------------------------------------------- user errors
class UserError(Exception):
    """A mistake of the user's: reported as one line on stderr, without a traceback.

    ``status`` is the exit status: 2 when an option's value is unusable whatever the files
    hold (argparse's own status for bad options), 1 when the run failed on the files, the
    environment or the numbers (an unwritable --out, a corrupt checkpoint, a missing ``dot``,
    a diverged run).
    """

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


def report_errors(command, function, args):
    """``function(args)``'s exit status; a user error becomes one line on stderr instead.

    Besides ``UserError``, an ``OSError`` (a path that cannot be read or written),
    ``MemoryError`` (e.g. a huge ``--hidden``) and Ctrl-C (status 130) are the user's or the
    machine's, not bugs; any other exception is a bug and keeps its traceback.
    """
    try:
        return function(args)
    except UserError as error:
        message, status = str(error), error.status
    except OSError as error:
        where = f": {error.filename}" if error.filename is not None else ""
        message, status = f"{error.strerror or error}{where}", 1
    except MemoryError as error:
        message, status = f"out of memory: {error}", 1
    except KeyboardInterrupt:
        message, status = "interrupted", 130
    print(f"autograd-core {command}: {' '.join(message.split())}", file=sys.stderr)
    return status


def writable_dir(path, option="--out"):
    """Create the directory ``path`` if needed and check that files can be written in it;
    otherwise a UserError that names ``option``."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise UserError(f"{option} {path} is a file, not a directory")
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as error:
        raise UserError(f"{option} {path}: cannot write there ({error.strerror or error})") \
            from None
    return path


def _bounded(convert, expected, low, low_allowed):
    """An argparse ``type``: ``convert(text)``, finite and above ``low`` (or equal to it when
    ``low_allowed``); else the message "expected <expected>, got '<text>'"."""

    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or (isinstance(value, float) and not math.isfinite(value)) \
                or value < low or (value == low and not low_allowed):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    parse.__name__ = expected  # argparse's fallback messages name the type
    return parse


positive_int = _bounded(int, "an integer >= 1", 1, True)
non_negative_int = _bounded(int, "an integer >= 0", 0, True)
positive_float = _bounded(float, "a finite number > 0", 0.0, False)
non_negative_float = _bounded(float, "a finite number >= 0", 0.0, True)


def non_empty(text):
    """An argparse ``type`` for paths: any string but the empty one."""
    if not text:
        raise argparse.ArgumentTypeError("expected a path, got ''")
    return text


# ----------------------------------------------------------------- the parser
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
    parser.add_argument("--data-dir", type=non_empty,
                        help="directory of the MNIST IDX files (only with --dataset mnist)")
    parser.add_argument("--hidden", type=_sizes, default=[128],
                        help="hidden layer sizes, e.g. 128 or 64,64 ('' for none)")
    parser.add_argument("--activation", choices=sorted(ACTIVATIONS), default="relu")
    parser.add_argument("--optimizer", choices=list(OPTIMIZERS), default="adam",
                        help="momentum is SGD with momentum 0.9")
    parser.add_argument("--lr", type=positive_float,
                        help="learning rate, > 0 (default: sgd 0.1, momentum 0.01, adagrad 0.05, "
                             "rmsprop/adam/adamw 1e-3)")
    parser.add_argument("--batch-size", type=positive_int, default=32,
                        help="samples per training batch, >= 1")
    parser.add_argument("--epochs", type=positive_int, default=30,
                        help="total epochs, >= 1 (a resumed run counts those already done)")
    parser.add_argument("--weight-decay", type=non_negative_float, default=0.0,
                        help="weight decay, >= 0")
    parser.add_argument("--batch-norm", action="store_true",
                        help="BatchNorm1d between each hidden Linear and its activation")
    parser.add_argument("--seed", type=non_negative_int, default=0,
                        help="seeds the split, the initial weights and the shuffling; >= 0")
    parser.add_argument("--out", type=non_empty, default=os.path.join("out", "train"),
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
            raise UserError("--dataset mnist needs --data-dir (the directory of the IDX files)")
        try:
            return (*data.load_mnist(args.data_dir, "train"),
                    *data.load_mnist(args.data_dir, "test"))
        except (OSError, ValueError) as error:
            raise UserError(f"--data-dir: {error}") from None
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
    """Run ``train`` with parsed ``args``; returns the exit status (0 on success; a user
    error prints one line on stderr and returns 1 or 2, see ``UserError``)."""
    return report_errors("train", _train, args)


def _train(args):
    """The ``train`` subcommand; the user's mistakes raise UserError."""
    if args.data_dir is not None and args.dataset != "mnist":
        raise UserError(f"--data-dir is read only with --dataset mnist, not with --dataset "
                        f"{args.dataset}", 2)
    writable_dir(args.out)
    rng = np.random.default_rng(args.seed)
    X_train, y_train, X_test, y_test = _load(args, rng)
    if args.batch_norm and (args.batch_size == 1 or len(X_train) % args.batch_size == 1):
        raise UserError(f"--batch-norm needs at least 2 samples in every batch, but --batch-size "
                        f"{args.batch_size} leaves a batch of 1 of the {len(X_train)} training "
                        f"samples; choose another --batch-size", 2)
    X_train, mean, std = data.standardize(X_train)
    X_test, _, _ = data.standardize(X_test, mean, std)
    n_classes = int(max(y_train.max(), y_test.max())) + 1
    try:
        model = _model(X_train.shape[1], args.hidden, n_classes, args.activation,
                       args.batch_norm, rng)
    except (MemoryError, ValueError) as error:  # numpy: too big to allocate, or to shape
        hidden = ",".join(map(str, args.hidden))
        raise UserError(f"--hidden {hidden}: cannot make layers this wide ({error})") from None
    make_optimizer, default_lr = OPTIMIZERS[args.optimizer]
    lr = default_lr if args.lr is None else args.lr
    optimizer = make_optimizer(model.parameters(), lr, args.weight_decay)
    if args.resume:
        _check_checkpoint(os.path.join(args.out, CHECKPOINT_NAME), model, optimizer)
    train_loader = data.DataLoader(data.TensorDataset(X_train, y_train), args.batch_size,
                                   shuffle=True, rng=rng)
    test_loader = data.DataLoader(data.TensorDataset(X_test, y_test), 1024)
    loss_fn = CrossEntropyLoss()
    print(f"{args.dataset}: {len(X_train)} training / {len(X_test)} test samples, "
          f"{n_classes} classes\n{model}")
    # a diverging run overflows on its way to the non-finite loss that fit reports
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        try:
            history = fit(model, train_loader, loss_fn, optimizer, args.epochs,
                          val_loader=test_loader, metrics=["accuracy"], checkpoint_dir=args.out,
                          resume=args.resume, progress=args.progress, compile=args.compile)
        except FloatingPointError as error:  # raised by fit for a NaN or infinite loss only
            raise UserError(f"training diverged: {error} (--lr {lr:g}, --optimizer "
                            f"{args.optimizer}, --weight-decay {args.weight_decay:g})") from None
        except KeyboardInterrupt:
            raise UserError(f"interrupted; the epochs finished so far are saved in {args.out}: "
                            "run again with --resume to continue", 130) from None
        test = evaluate(model, test_loader, loss_fn, ["accuracy"])
    config = {k: v for k, v in vars(args).items() if not callable(v)}
    report = {"config": {**config, "lr": lr},
              "test_loss": test["loss"], "test_accuracy": test["accuracy"], "history": history}
    history_path = os.path.join(args.out, "history.json")
    _atomic_write(history_path, [json.dumps(report, indent=2).encode("utf-8")])
    figures = _plots(model, history, X_test, y_test, args.out)
    print(f"test accuracy {test['accuracy']:.4f} (loss {test['loss']:.4f}) on {len(X_test)} "
          f"samples\nwrote {os.path.join(args.out, CHECKPOINT_NAME)}, {history_path}"
          + "".join(f", {f}" for f in figures))
    return 0


def _check_checkpoint(path, model, optimizer):
    """For ``--resume``: a UserError unless ``path`` is absent or an ``nn.fit`` checkpoint
    of this model and optimiser (loading it into them, as ``fit`` then does again)."""
    if not os.path.exists(path):
        return
    needed = ["model", "optimizer", "epoch", "stopped", "history", "loader", "generators",
              "callbacks"]
    logged = ["loss", "accuracy", "val_loss", "val_accuracy"]
    try:
        checkpoint = load(path)
        if not isinstance(checkpoint, dict) or any(k not in checkpoint for k in needed):
            raise ValueError("not an nn.fit checkpoint")
        if list(checkpoint["history"]) != logged:
            raise ValueError(f"it logged {list(checkpoint['history'])}, train logs {logged}")
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
    except (OSError, ValueError, RuntimeError, KeyError, TypeError) as error:
        raise UserError(f"--resume: cannot continue from {path}: {error}; resume with the "
                        "options of the run that wrote it, or drop --resume (or choose "
                        "another --out) to start afresh") from None


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
