"""The ``train`` subcommand: fit an MLP classifier on a built-in dataset from the command line.

    autograd-core train --dataset digits --hidden 128 --optimizer adam --epochs 30 --out out/digits

The data are split three ways: 20% is the test set (MNIST uses its own), ``--val-split``
(default 0.1) of the rest is the validation set, and the remainder trains the model. All are
standardised with the training statistics. ``nn.fit`` prints one line per epoch with the
training and validation loss and accuracy; the test set is evaluated once, at the end, and its
accuracy printed. ``--out`` receives the checkpoint (``checkpoint.ckpt``, resumable with
``--resume``), ``history.json`` (the options, the per-epoch history and the ``test`` scores),
the learning curves ``history.png`` and, for the 2-D datasets, ``decision_boundary.png``.
``--export-onnx model.onnx`` also writes the trained model as an ONNX file (it needs the
optional onnx package, ``pip install -e ".[onnx]"``): the model behind the training set's
standardisation, so that the file takes raw features.

Errors of the user (a bad option value, an unwritable ``--out``, a corrupt or mismatched
checkpoint, a diverged run, Ctrl-C) end as one line on stderr and an exit status, never a
traceback (see ``errors``).
"""

from __future__ import annotations

import argparse
import json
import math
import os

import numpy as np

import autograd_core as ag
import nn
import viz
from autograd_core.serialization import _atomic_write
from nn import data, optim
from nn.training import CHECKPOINT_NAME, evaluate, fit

from .errors import UserError, report_errors, writable_dir
from .options import (
    layer_sizes,
    non_empty,
    non_negative_float,
    non_negative_int,
    onnx_file,
    positive_float,
    positive_int,
)

ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "softplus": nn.Softplus,
    "hard_logistic": nn.HardLogistic,
    "hard_tanh": nn.HardTanh,
    "prelu": nn.PReLU,
    "swish": nn.Swish,
    "dyt": nn.DyT,
    "maxout": nn.Maxout,
}

# name -> (optimiser factory, default learning rate)
OPTIMIZERS = {
    "sgd": (lambda p, lr, wd: optim.SGD(p, lr, weight_decay=wd), 0.1),
    "momentum": (lambda p, lr, wd: optim.SGD(p, lr, momentum=0.9, weight_decay=wd), 0.01),
    "adagrad": (lambda p, lr, wd: optim.AdaGrad(p, lr, weight_decay=wd), 0.05),
    "rmsprop": (lambda p, lr, wd: optim.RMSProp(p, lr, weight_decay=wd), 1e-3),
    "adam": (lambda p, lr, wd: optim.Adam(p, lr, weight_decay=wd), 1e-3),
    "adamw": (lambda p, lr, wd: optim.AdamW(p, lr, weight_decay=wd), 1e-3),
}

# name -> (generator, number of samples)
TOY_SETS = {
    "xor": (data.make_xor, 400),
    "moons": (data.make_moons, 1000),
    "spirals": (data.make_spirals, 900),
}


def add_train_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``train`` subcommand on an argparse ``subparsers`` object; returns it."""
    parser = subparsers.add_parser(
        "train",
        help="train an MLP classifier on a built-in dataset",
        description="Fit an MLP classifier on a built-in dataset: a test set held out, a "
        "validation split of the rest scored after every epoch, the test set scored once at "
        "the end.",
    )
    _add_model_options(parser)
    _add_training_options(parser)
    _add_run_options(parser)
    return parser


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    """What to fit: --dataset, --data-dir, --hidden, --activation."""
    parser.add_argument(
        "--dataset",
        choices=["digits", "mnist", *TOY_SETS],
        default="digits",
        help="digits: 8x8 images, 10 classes; mnist: 28x28 images (needs --data-dir); "
        "xor, moons, spirals: 2-D toy sets of 2 or 3 classes",
    )
    parser.add_argument(
        "--data-dir",
        type=non_empty,
        help="directory of the MNIST IDX files (only with --dataset mnist)",
    )
    parser.add_argument(
        "--hidden",
        type=layer_sizes,
        default=[128],
        help="hidden layer sizes, e.g. 128 or 64,64 ('' for none)",
    )
    parser.add_argument(
        "--activation",
        choices=sorted(ACTIVATIONS),
        default="relu",
        help="hidden activation; prelu learns one slope per unit, swish is x·σ(βx) with β "
        "from --swish-beta, dyt is γ·tanh(αx)+β, maxout makes each hidden layer a Maxout "
        "layer of --maxout-k pieces (instead of Linear + activation)",
    )
    parser.add_argument(
        "--swish-beta",
        type=positive_float,
        help="β of swish, > 0 (default: 1, which is SiLU; only with --activation swish)",
    )
    parser.add_argument(
        "--maxout-k",
        type=positive_int,
        help="linear pieces per maxout unit, >= 1 (default: 2; only with --activation maxout)",
    )


def _add_training_options(parser: argparse.ArgumentParser) -> None:
    """How to fit: --optimizer, --lr, --batch-size, --epochs, --weight-decay, --batch-norm."""
    parser.add_argument(
        "--optimizer",
        choices=list(OPTIMIZERS),
        default="adam",
        help="momentum is SGD with momentum 0.9",
    )
    parser.add_argument(
        "--lr",
        type=positive_float,
        help="learning rate, > 0 (default: sgd 0.1, momentum 0.01, adagrad 0.05, "
        "rmsprop/adam/adamw 1e-3)",
    )
    parser.add_argument(
        "--batch-size", type=positive_int, default=32, help="samples per training batch, >= 1"
    )
    parser.add_argument(
        "--epochs",
        type=positive_int,
        default=30,
        help="total epochs, >= 1 (a resumed run counts those already done)",
    )
    parser.add_argument(
        "--weight-decay", type=non_negative_float, default=0.0, help="weight decay, >= 0"
    )
    parser.add_argument(
        "--batch-norm",
        action="store_true",
        help="BatchNorm1d between each hidden Linear and its activation",
    )


def val_fraction(text: str) -> float:
    """``--val-split``: a fraction in [0, 1) of the training data held out for validation."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value < 1:  # also refuses nan
        raise argparse.ArgumentTypeError(f"expected a fraction >= 0 and < 1, got {text!r}")
    return value


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    """The run itself: --val-split, --seed, --out, --resume, --compile, --export-onnx,
    --no-progress."""
    parser.add_argument(
        "--val-split",
        type=val_fraction,
        default=0.1,
        help="fraction of the training data held out to validate after every epoch, "
        "0 <= f < 1 (0: no validation set)",
    )
    parser.add_argument(
        "--seed",
        type=non_negative_int,
        default=0,
        help="seeds the split, the initial weights and the shuffling; >= 0",
    )
    parser.add_argument(
        "--out",
        type=non_empty,
        default=os.path.join("out", "train"),
        help="directory for checkpoint.ckpt and history.json",
    )
    parser.add_argument(
        "--resume", action="store_true", help="continue from the checkpoint in --out"
    )
    parser.add_argument(
        "--compile",
        action="store_true",
        help="run each training step (forward, loss, backward, update) under ag.compile "
        "(same numbers, faster)",
    )
    parser.add_argument(
        "--export-onnx",
        type=onnx_file,
        metavar="PATH",
        help="also write the trained model as an ONNX file (needs the onnx package); it "
        "standardises its input with the training statistics, so it takes raw features",
    )
    parser.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        help="no progress bar within the epochs (the line per epoch stays)",
    )


def run_train(args: argparse.Namespace) -> int:
    """Run ``train`` with parsed ``args``; returns the exit status (0 on success; a user
    error prints one line on stderr and returns 1, 2 or 130, see ``UserError``)."""
    return report_errors("train", _train, args)


def _train(args: argparse.Namespace) -> int:
    """The ``train`` subcommand: load, split, fit, test once, write the report; the user's
    mistakes raise UserError."""
    _check_options(args)
    writable_dir(args.out)
    _check_export(args.export_onnx)
    rng = np.random.default_rng(args.seed)
    X_train, y_train, X_test, y_test = _load(args, rng)
    n_classes = int(max(y_train.max(), y_test.max())) + 1
    X_train, y_train, X_val, y_val = _hold_out(X_train, y_train, args.val_split, rng)
    _check_batch_norm(args, len(X_train))
    X_train, mean, std = data.standardize(X_train)
    X_val, _, _ = data.standardize(X_val, mean, std)
    X_test, _, _ = data.standardize(X_test, mean, std)
    model = _model(X_train.shape[1], n_classes, args, rng)
    make_optimizer, default_lr = OPTIMIZERS[args.optimizer]
    lr = default_lr if args.lr is None else args.lr
    optimizer = make_optimizer(model.parameters(), lr, args.weight_decay)
    validate = len(X_val) > 0
    resume_message = ""
    if args.resume:
        resume_message = _check_checkpoint(args, model, optimizer, validate)
    train_loader = data.DataLoader(
        data.TensorDataset(X_train, y_train), args.batch_size, shuffle=True, rng=rng
    )
    val_loader = data.DataLoader(data.TensorDataset(X_val, y_val), 1024) if validate else None
    test_loader = data.DataLoader(data.TensorDataset(X_test, y_test), 1024)
    loss_fn = nn.CrossEntropyLoss()
    print(
        f"{args.dataset}: {len(X_train)} training / {len(X_val)} validation / "
        f"{len(X_test)} test samples, {n_classes} classes\n{model}"
    )
    if resume_message:
        print(resume_message)
    # a diverging run overflows on its way to the non-finite loss that fit reports
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        history = _fit(args, lr, model, optimizer, loss_fn, train_loader, val_loader)
        test = evaluate(model, test_loader, loss_fn, ["accuracy"])  # once, after training
    history_path = _write_history(args, lr, test, history)
    print(
        f"test accuracy {test['accuracy']:.4f} (loss {test['loss']:.4f}) on {len(X_test)} "
        "held-out samples, evaluated once after training"
    )
    print(f"wrote {os.path.join(args.out, CHECKPOINT_NAME)}\nwrote {history_path}")
    if args.export_onnx is not None:
        standardized = Standardized(model, mean, std)
        nn.export_onnx(standardized, X_test[:1].astype(_model_dtype(model)), args.export_onnx)
        print(f"wrote {args.export_onnx} (ONNX; it takes raw features, as the data set has them)")
    print("drawing the learning curves ...", flush=True)
    for path in _plots(model, history, X_test, y_test, args.out):
        print(f"wrote {path}")
    return 0


def _hold_out(
    X: np.ndarray, y: np.ndarray, fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, ...]:
    """(X_train, y_train, X_val, y_val): a random ``fraction`` of the rows, drawn with
    ``rng``, becomes the validation set (none for 0); a UserError (status 2) when that
    leaves either set empty."""
    n_val = round(fraction * len(X))
    if fraction > 0 and not 0 < n_val < len(X):
        raise UserError(
            f"--val-split {fraction:g} holds out {n_val} of the {len(X)} training samples; "
            "choose a fraction that leaves samples on both sides (or 0 for no validation)",
            2,
        )
    order = rng.permutation(len(X))
    val, train = order[:n_val], order[n_val:]
    return X[train], y[train], X[val], y[val]


def _check_options(args: argparse.Namespace) -> None:
    """UserError (status 2) for an option that the chosen dataset or activation would
    ignore."""
    if args.data_dir is not None and args.dataset != "mnist":
        raise UserError(
            f"--data-dir is read only with --dataset mnist, not with --dataset {args.dataset}", 2
        )
    for option, value, activation in [
        ("--swish-beta", args.swish_beta, "swish"),
        ("--maxout-k", args.maxout_k, "maxout"),
    ]:
        if value is not None and args.activation != activation:
            raise UserError(
                f"{option} is read only with --activation {activation}, not with "
                f"--activation {args.activation}",
                2,
            )


def _check_export(path: str | None) -> None:
    """UserError (status 2) for ``--export-onnx`` without the onnx package or into a
    directory that does not exist: refused before training, not after."""
    if path is None:
        return
    try:
        import onnx  # noqa: F401
    except ImportError:
        raise UserError(
            '--export-onnx needs the onnx package: pip install -e ".[onnx]"', 2
        ) from None
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        raise UserError(f"--export-onnx {path}: directory {directory} does not exist", 2)


class Standardized(nn.Module):
    """``model`` behind the training set's standardisation (x − mean) / std: what
    ``--export-onnx`` writes, so that the ONNX file takes the features as the data set has
    them. ``mean`` and ``std`` are buffers, initializers of the same names in the file."""

    def __init__(self, model: nn.Module, mean: np.ndarray, std: np.ndarray) -> None:
        super().__init__()
        self.model = model
        dtype = _model_dtype(model)
        self.register_buffer("mean", ag.tensor(np.asarray(mean, dtype)))
        self.register_buffer("std", ag.tensor(np.asarray(std, dtype)))

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return self.model((x - self.mean) / self.std)


def _model_dtype(model: nn.Module) -> np.dtype:
    """The dtype of the model's parameters (the first one's)."""
    return next(iter(model.parameters())).dtype


def _check_batch_norm(args: argparse.Namespace, n_train: int) -> None:
    """UserError (status 2) when ``--batch-norm`` would meet a batch of one sample, on which
    BatchNorm cannot train."""
    if args.batch_norm and (args.batch_size == 1 or n_train % args.batch_size == 1):
        raise UserError(
            f"--batch-norm needs at least 2 samples in every batch, but --batch-size "
            f"{args.batch_size} leaves a batch of 1 of the {n_train} training "
            f"samples; choose another --batch-size",
            2,
        )


def _load(args: argparse.Namespace, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """(X_train, y_train, X_test, y_test) for ``args.dataset``."""
    if args.dataset == "mnist":
        if not args.data_dir:
            raise UserError("--dataset mnist needs --data-dir (the directory of the IDX files)")
        try:
            return (
                *data.load_mnist(args.data_dir, "train"),
                *data.load_mnist(args.data_dir, "test"),
            )
        except (OSError, ValueError) as error:
            raise UserError(f"--data-dir: {error}") from None
    if args.dataset == "digits":
        X, y = data.load_digits()
    else:
        make, n = TOY_SETS[args.dataset]
        X, y = make(n, rng=rng)
    order = rng.permutation(len(X))
    test, train = order[: len(X) // 5], order[len(X) // 5 :]
    return X[train], y[train], X[test], y[test]


def _model(
    n_in: int, n_out: int, args: argparse.Namespace, rng: np.random.Generator
) -> nn.Sequential:
    """The MLP of ``--hidden``, ``--activation`` and ``--batch-norm``; a UserError when
    numpy cannot allocate or shape layers that wide."""
    try:
        layers, width = [], n_in
        for size in args.hidden:
            if args.activation == "maxout":  # the unit holds its own k affine pieces
                layers.append(nn.Maxout(width, size, args.maxout_k or 2, rng=rng))
            else:
                layers.append(nn.Linear(width, size, rng=rng))
            if args.batch_norm:
                layers.append(nn.BatchNorm1d(size))
            if args.activation != "maxout":
                layers.append(_activation(args, size))
            width = size
        layers.append(nn.Linear(width, n_out, rng=rng))
    except (MemoryError, ValueError) as error:  # numpy: too big to allocate, or to shape
        hidden = ",".join(map(str, args.hidden))
        raise UserError(f"--hidden {hidden}: cannot make layers this wide ({error})") from None
    return nn.Sequential(*layers)


def _activation(args: argparse.Namespace, size: int) -> nn.Module:
    """The ``--activation`` module for a hidden layer of ``size`` units."""
    if args.activation == "prelu":
        return nn.PReLU(size)  # the notes' PReLU_i: one slope γ_i per unit
    if args.activation == "swish":
        return nn.Swish(1.0 if args.swish_beta is None else args.swish_beta)
    if args.activation == "dyt":
        return nn.DyT(size)
    return ACTIVATIONS[args.activation]()


def _fit(
    args: argparse.Namespace,
    lr: float,
    model: nn.Module,
    optimizer: optim.Optimizer,
    loss_fn: nn.Module,
    train_loader: data.DataLoader,
    val_loader: data.DataLoader | None,
) -> dict[str, list[float]]:
    """``nn.fit`` with the options of ``args``; its history. A diverged run and Ctrl-C
    become UserErrors (Ctrl-C: status 130, the finished epochs stay in the checkpoint)."""
    try:
        return fit(
            model,
            train_loader,
            loss_fn,
            optimizer,
            args.epochs,
            val_loader=val_loader,
            metrics=["accuracy"],
            checkpoint_dir=args.out,
            resume=args.resume,
            progress=args.progress,
            compile=args.compile,
        )
    except FloatingPointError as error:  # raised by fit for a NaN or infinite loss only
        raise UserError(
            f"training diverged: {error} (--lr {lr:g}, --optimizer "
            f"{args.optimizer}, --weight-decay {args.weight_decay:g})"
        ) from None
    except KeyboardInterrupt:
        raise UserError(
            f"interrupted; the epochs finished so far are saved in {args.out}: "
            "run again with --resume to continue",
            130,
        ) from None


def _write_history(
    args: argparse.Namespace, lr: float, test: dict[str, float], history: dict[str, list[float]]
) -> str:
    """Write ``history.json`` (the options, the learning rate used, the per-epoch history of
    the training and validation sets, and the ``test`` scores) into ``--out`` in one atomic
    step; returns its path."""
    config = {k: v for k, v in vars(args).items() if not callable(v)}
    report = {"config": {**config, "lr": lr}, "history": history, "test": test}
    path = os.path.join(args.out, "history.json")
    _atomic_write(path, [json.dumps(report, indent=2).encode("utf-8")])
    return path


def _check_checkpoint(
    args: argparse.Namespace, model: nn.Module, optimizer: optim.Optimizer, validate: bool
) -> str:
    """For ``--resume``: a UserError unless the checkpoint in ``--out`` is absent or an
    ``nn.fit`` checkpoint of this model and optimiser (loading it into them, as ``fit`` then
    does again). Returns what the run will do: from which epoch it resumes, or that nothing
    is left to train."""
    path = os.path.join(args.out, CHECKPOINT_NAME)
    if not os.path.exists(path):
        return f"--resume: no checkpoint in {args.out}, starting from epoch 1"
    needed = [
        "model",
        "optimizer",
        "epoch",
        "stopped",
        "history",
        "loader",
        "generators",
        "callbacks",
    ]
    logged = ["loss", "accuracy", *(["val_loss", "val_accuracy"] if validate else [])]
    try:
        checkpoint = nn.load(path)
        if not isinstance(checkpoint, dict) or any(k not in checkpoint for k in needed):
            raise ValueError("not an nn.fit checkpoint")
        if list(checkpoint["history"]) != logged:
            raise ValueError(f"it logged {list(checkpoint['history'])}, train logs {logged}")
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
    except (OSError, ValueError, RuntimeError, KeyError, TypeError) as error:
        raise UserError(
            f"--resume: cannot continue from {path}: {error}; resume with the "
            "options of the run that wrote it, or drop --resume (or choose "
            "another --out) to start afresh"
        ) from None
    done = checkpoint["epoch"] + 1
    if done >= args.epochs:
        return (
            f"--resume: nothing left to train, {path} already holds {done} epochs "
            f"(--epochs {args.epochs}); raise --epochs to train further"
        )
    return f"--resume: {done} epochs done in {path}, resuming at epoch {done + 1}/{args.epochs}"


def _plots(
    model: nn.Module,
    history: dict[str, list[float]],
    X_test: np.ndarray,
    y_test: np.ndarray,
    out: str,
) -> list[str]:
    """Learning curves, and the decision boundary of a 2-D dataset, as PNGs in ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    figures = [(viz.plot_history(history), "history.png")]
    if X_test.shape[1] == 2:
        figures.append((viz.plot_decision_boundary(model, X_test, y_test), "decision_boundary.png"))
    paths = []
    for fig, name in figures:
        path = os.path.join(out, name)
        fig.savefig(path, dpi=110)
        paths.append(path)
    return paths
