"""nn.fit: history, metrics, callbacks, checkpoints and bit-identical resumption; the train CLI."""

import argparse
import io
import json
import os
import sys
import time

import numpy as np
import pytest

import autograd_core as ag
import nn
from autograd_app.train import add_train_parser, run_train
from nn.data import DataLoader, TensorDataset, make_xor
from nn.training import CHECKPOINT_NAME, accuracy, evaluate


def xor_loaders(n=40, seed=0):
    X, y = make_xor(n, rng=seed)
    X = X - 0.5
    train = DataLoader(TensorDataset(X, y), batch_size=8, shuffle=True, rng=seed)
    return train, DataLoader(TensorDataset(X, y), batch_size=64)


def mlp(seed=0, dropout=0.0):
    rng = np.random.default_rng(seed)
    layers = [nn.Linear(2, 8, rng=rng), nn.Tanh()]
    if dropout:
        layers.append(nn.Dropout(dropout, rng=rng))
    return nn.Sequential(*layers, nn.Linear(8, 2, rng=rng))


def train_xor(epochs=30, seed=0, dropout=0.0, loss_fn=None, **kwargs):
    model = mlp(seed, dropout)
    train, val = xor_loaders(seed=seed)
    optimizer = nn.optim.Adam(model.parameters(), lr=0.05)
    options = {"val_loader": val, "metrics": ["accuracy"], "progress": False, **kwargs}
    history = nn.fit(model, train, loss_fn or nn.CrossEntropyLoss(), optimizer, epochs, **options)
    return model, optimizer, history


def parameters(model):
    return [p.data.copy() for p in model.parameters()]


# ---------------------------------------------------------------- history and metrics
def test_fit_learns_xor_and_logs_floats_per_epoch():
    model, _, history = train_xor()
    assert list(history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert all(len(v) == 30 and all(type(x) is float for x in v) for v in history.values())
    assert history["loss"][-1] < 0.25 * history["loss"][0]
    assert history["val_accuracy"][-1] == 1.0
    assert model.training


def test_without_validation_only_training_entries_are_logged():
    _, _, history = train_xor(epochs=2, val_loader=None, metrics=None)
    assert list(history) == ["loss"]


def test_accuracy_for_labels_one_hot_targets_and_binary_logits():
    logits = np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0], [0.0, 1.0]])
    assert accuracy(logits, np.array([0, 1, 1, 1])) == 0.75
    assert accuracy(logits, np.eye(2)[[0, 1, 1, 1]]) == 0.75
    assert accuracy(np.array([[2.0], [-1.0], [0.5]]), np.array([[1.0], [0.0], [0.0]])) == 2 / 3


def test_custom_metrics_and_unknown_names():
    def error_rate(output, target):
        return 1.0 - accuracy(output, target)

    _, _, history = train_xor(epochs=2, metrics={"err": error_rate, "acc": "accuracy"})
    assert {"err", "acc", "val_err", "val_acc"} <= set(history)
    assert history["err"][1] == pytest.approx(1.0 - history["acc"][1])
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        train_xor(epochs=1, metrics=["f1"])


def test_metrics_get_numpy_arrays_when_the_loader_yields_numpy_batches():
    X, y = make_xor(8, rng=0)
    model = nn.Sequential(nn.Linear(2, 1, rng=0))
    seen = []

    def record(output, target):
        seen.append((type(output), type(target)))
        return accuracy(output, target)

    batches = [(X, y.reshape(-1, 1).astype(X.dtype))]
    history = nn.fit(
        model,
        batches,
        nn.BCEWithLogitsLoss(),
        nn.optim.SGD(model.parameters(), lr=0.1),
        1,
        metrics={"acc": record, "accuracy": "accuracy"},
        progress=False,
    )
    assert seen == [(np.ndarray, np.ndarray)] and 0 <= history["accuracy"][0] <= 1


def test_evaluate_runs_in_eval_mode_without_graph_and_restores_the_mode():
    model = mlp(dropout=0.5)
    _, val = xor_loaders()
    first = evaluate(model, val, nn.CrossEntropyLoss(), ["accuracy"])
    assert first == evaluate(model, val, nn.CrossEntropyLoss(), ["accuracy"])  # no dropout
    assert model.training and all(p.grad is None for p in model.parameters())


def test_a_nan_loss_stops_with_a_clear_error():
    def nan_loss(output, target):
        return nn.CrossEntropyLoss()(output, target) * float("nan")

    with pytest.raises(FloatingPointError, match="loss became nan"):
        train_xor(epochs=2, loss_fn=nan_loss)


class Terminal(io.StringIO):
    """A stderr that says it is a terminal, so that tqdm draws its bar."""

    def isatty(self):
        return True


def slowly(loader, seconds=0.12):
    """The batches of ``loader``, each after a pause (tqdm redraws at most every 0.1 s)."""
    for batch in loader:
        time.sleep(seconds)
        yield batch


def test_progress_bar_shows_the_running_loss_on_a_terminal_then_is_cleared(monkeypatch):
    monkeypatch.setattr(sys, "stderr", Terminal())
    model, (train, val) = mlp(), xor_loaders()
    optimizer = nn.optim.Adam(model.parameters(), lr=0.05)
    nn.fit(model, slowly(train), nn.CrossEntropyLoss(), optimizer, 1, val, progress=True)
    bar = sys.stderr.getvalue()
    assert "epoch 1/1" in bar and "loss=" in bar
    assert bar.endswith("\r") and bar.rsplit("\r", 2)[1].strip() == ""  # erased at the end
    monkeypatch.setattr(sys, "stderr", Terminal())
    train_xor(epochs=1)
    assert sys.stderr.getvalue() == ""


# ---------------------------------------------------------------- callbacks
class Snapshots(nn.Callback):
    def __init__(self):
        self.states = []

    def on_epoch_end(self, epoch, logs, model):
        self.states.append(model.state_dict())


def test_early_stopping_waits_patience_epochs_then_restores_the_best_weights():
    # training loss falls every epoch, so with mode="max" the first epoch stays the best
    snapshots = Snapshots()
    stopper = nn.EarlyStopping(monitor="loss", mode="max", patience=3)
    model, _, history = train_xor(epochs=30, callbacks=[snapshots, stopper])
    assert len(history["loss"]) == 4 and stopper.best_epoch == 0
    for value, best in zip(model.state_dict().values(), snapshots.states[0].values()):
        np.testing.assert_array_equal(value, best)


def test_early_stopping_on_validation_loss_does_not_stop_while_improving():
    stopper = nn.EarlyStopping(patience=2, restore_best=False)
    _, _, history = train_xor(epochs=10, callbacks=[stopper])
    assert len(history["val_loss"]) == 10 and stopper.wait < 2


def test_early_stopping_needs_the_monitored_entry():
    with pytest.raises(ValueError, match="monitors 'val_loss'"):
        train_xor(epochs=1, val_loader=None, callbacks=[nn.EarlyStopping()])


# ---------------------------------------------------------------- checkpoints and resumption
class Crash(Exception):
    pass


class CrashingLoss:
    """Cross-entropy that raises on its ``after``-th call: a run killed mid-epoch."""

    def __init__(self, after):
        self.calls, self.after = 0, after

    def __call__(self, output, target):
        self.calls += 1
        if self.calls == self.after:
            raise Crash
        return nn.CrossEntropyLoss()(output, target)


def test_checkpoint_holds_the_training_state(tmp_path):
    model, optimizer, history = train_xor(epochs=3, checkpoint_dir=tmp_path)
    assert os.listdir(tmp_path) == [CHECKPOINT_NAME]
    checkpoint = nn.load(tmp_path / CHECKPOINT_NAME)
    assert checkpoint["epoch"] == 2 and checkpoint["history"] == history
    assert checkpoint["optimizer"]["state"][0]["step"] == 15  # 3 epochs of 5 batches
    for saved, p in zip(checkpoint["model"].values(), model.parameters()):
        np.testing.assert_array_equal(saved, p.data)
    with pytest.raises(ValueError, match="same metrics"):
        train_xor(epochs=4, metrics=None, checkpoint_dir=tmp_path, resume=True)


def test_a_run_killed_mid_epoch_resumes_to_bit_identical_parameters(tmp_path):
    reference, _, expected = train_xor(epochs=6, dropout=0.25)
    # 6 loss calls per epoch (5 training batches, 1 validation batch): dies in the 4th epoch
    with pytest.raises(Crash):
        train_xor(epochs=6, dropout=0.25, checkpoint_dir=tmp_path, loss_fn=CrashingLoss(21))
    assert nn.load(tmp_path / CHECKPOINT_NAME)["epoch"] == 2
    model, _, history = train_xor(epochs=6, dropout=0.25, checkpoint_dir=tmp_path, resume=True)
    for a, b in zip(parameters(model), parameters(reference)):
        np.testing.assert_array_equal(a, b)
    assert history == expected


def test_resume_without_a_checkpoint_starts_from_scratch(tmp_path):
    fresh, _, _ = train_xor(epochs=3, checkpoint_dir=tmp_path / "new", resume=True)
    reference, _, _ = train_xor(epochs=3)
    for a, b in zip(parameters(fresh), parameters(reference)):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="needs the checkpoint_dir"):
        train_xor(epochs=1, resume=True)


def test_resuming_an_early_stopped_run_trains_no_further(tmp_path):
    stopper = lambda: nn.EarlyStopping(monitor="loss", mode="max", patience=2)  # noqa: E731
    _, _, history = train_xor(epochs=20, callbacks=[stopper()], checkpoint_dir=tmp_path)
    model, optimizer, resumed = train_xor(
        epochs=20, callbacks=[stopper()], checkpoint_dir=tmp_path, resume=True
    )
    assert resumed == history and len(history["loss"]) == 3
    assert optimizer.state[next(iter(model.parameters()))]["step"] == 15


def test_resuming_from_a_file_that_is_not_a_training_checkpoint_says_what_is_missing(tmp_path):
    path = tmp_path / CHECKPOINT_NAME
    nn.save(mlp().state_dict(), path)  # weights only, as nn.save(model.state_dict(), ...)
    with pytest.raises(ValueError) as error:
        train_xor(epochs=2, checkpoint_dir=tmp_path, resume=True)
    message = str(error.value)
    assert str(path) in message and "not a training checkpoint" in message
    assert "'history'" in message and "checkpoint_dir" in message
    nn.save([1, 2, 3], path)
    with pytest.raises(ValueError, match="holds a list, not a training checkpoint"):
        train_xor(epochs=2, checkpoint_dir=tmp_path, resume=True)


def test_resuming_from_a_checkpoint_with_a_mistyped_entry_names_it(tmp_path):
    train_xor(epochs=1, checkpoint_dir=tmp_path)
    path = tmp_path / CHECKPOINT_NAME
    checkpoint = nn.load(path)
    nn.save({**checkpoint, "epoch": "two"}, path)
    with pytest.raises(ValueError, match=r"'epoch' is a str, expected a non-negative int"):
        train_xor(epochs=2, checkpoint_dir=tmp_path, resume=True)


# ---------------------------------------------------------------- the train subcommand
def parse(*argv):
    parser = argparse.ArgumentParser()
    add_train_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["train", *argv])


def test_train_command_reports_test_accuracy_and_writes_its_outputs(tmp_path, capsys):
    out = tmp_path / "run"
    args_list = [
        "--dataset",
        "xor",
        "--hidden",
        "8",
        "--activation",
        "tanh",
        "--lr",
        "0.05",
        "--optimizer",
        "momentum",
        "--batch-norm",
        "--no-progress",
        "--epochs",
        "3",
    ]
    assert run_train(parse(*args_list, "--out", str(out))) == 0
    printed = capsys.readouterr().out
    assert "288 training / 32 validation / 80 test samples" in printed
    assert "test accuracy" in printed
    report = json.loads((out / "history.json").read_text())
    assert report["config"]["optimizer"] == "momentum" and len(report["history"]["loss"]) == 3
    assert f"test accuracy {report['test']['accuracy']:.4f}" in printed
    assert nn.load(out / CHECKPOINT_NAME)["epoch"] == 2
    assert run_train(parse(*args_list[:-2], "--epochs", "5", "--resume", "--out", str(out))) == 0
    assert len(json.loads((out / "history.json").read_text())["history"]["loss"]) == 5


def test_train_command_errors(tmp_path, capsys):
    assert run_train(parse("--dataset", "mnist", "--out", str(tmp_path))) == 1
    assert "--data-dir" in capsys.readouterr().err
    assert run_train(parse("--dataset", "mnist", "--data-dir", str(tmp_path))) == 1
    assert "train-images" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse("--hidden", "64,x")
    assert parse("--hidden", "64,32").hidden == [64, 32] and parse("--hidden", "").hidden == []


def test_fit_with_compile_gives_the_eager_history_and_parameters():
    histories, models = [], []
    for compile in (False, True):
        X, y = nn.data.make_moons(200, noise=0.2, rng=0)
        loader = nn.data.DataLoader(nn.data.TensorDataset(X, y), 32, shuffle=True, rng=0)
        val = nn.data.DataLoader(nn.data.TensorDataset(X, y), 64)
        model = nn.Sequential(nn.Linear(2, 8, rng=0), nn.Tanh(), nn.Linear(8, 2, rng=1))
        opt = nn.optim.Adam(model.parameters(), lr=0.05)
        histories.append(
            nn.fit(
                model,
                loader,
                nn.CrossEntropyLoss(),
                opt,
                3,
                val_loader=val,
                metrics=["accuracy"],
                progress=False,
                compile=compile,
            )
        )
        models.append(model)
    assert histories[0] == histories[1]
    for a, b in zip(models[0].parameters(), models[1].parameters()):
        np.testing.assert_array_equal(a.data, b.data)


def test_fit_with_compile_replays_the_whole_training_step():
    from nn.training import _Step

    X, y = nn.data.make_moons(64, noise=0.2, rng=0)
    batch = (ag.tensor(X[:32]), ag.tensor(y[:32]))
    model = nn.Sequential(nn.Linear(2, 8, rng=0), nn.Tanh(), nn.Linear(8, 2, rng=1))
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    step = _Step(model, nn.CrossEntropyLoss(), compile=True, optimizer=opt)
    losses = [step(batch, train=True)[1].item() for _ in range(3)]
    assert losses[0] > losses[1] > losses[2]  # each replay stepped the parameters
    assert step.compiled_train.traces == 1
    assert (
        "backward_pass_1(inputs" in step.compiled_train.source
        and "SGD_step()" in step.compiled_train.source
    )


def test_fit_with_compile_trains_a_model_with_dropout_eagerly_and_says_why():
    X, y = nn.data.make_moons(64, noise=0.2, rng=0)
    loader = nn.data.DataLoader(nn.data.TensorDataset(X, y), 32)
    model = nn.Sequential(nn.Linear(2, 8, rng=0), nn.Dropout(0.5, rng=0), nn.Linear(8, 2, rng=1))
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    with pytest.warns(RuntimeWarning, match="dropout"):
        history = nn.fit(model, loader, nn.CrossEntropyLoss(), opt, 2, progress=False, compile=True)
    assert len(history["loss"]) == 2


def test_fit_with_compile_does_not_repeat_a_step_refused_after_it_ran():
    from nn.training import _Step

    calls = []

    class Counting(nn.Module):  # a Python side effect on what forward reads: refused
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2, rng=0)
            self.seen = []

        def forward(self, x):
            self.seen.append(1)
            calls.append(1)
            return self.fc(x)

    model = Counting()
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    step = _Step(model, nn.CrossEntropyLoss(), compile=True, optimizer=opt)
    X, y = nn.data.make_moons(8, noise=0.2, rng=0)
    before = [p.data.copy() for p in model.parameters()]
    with pytest.warns(RuntimeWarning, match="seen changed"):
        step((ag.tensor(X), ag.tensor(y)), train=True)
    assert len(calls) == 1 and step.compiled_train is None
    stepped = [p.data.copy() for p in model.parameters()]
    for p, value in zip(model.parameters(), before):  # one eager step from the same start
        p.data[...] = value
    opt.zero_grad()
    nn.CrossEntropyLoss()(model(ag.tensor(X)), ag.tensor(y)).backward()
    opt.step()
    for p, value in zip(model.parameters(), stepped):
        np.testing.assert_array_equal(p.data, value)
