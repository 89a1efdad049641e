"""What a learner reads while training: one summary line per epoch (never cut short, no
carriage-return repaints in a log), the validation split of ``train`` with the test set used
once at the end, ``--resume``'s messages, every activation of the notes, and the demo's
account of the files it writes."""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

import autograd_app.demo
import autograd_app.train
import nn
from autograd_app.__main__ import main
from autograd_app.train import ACTIVATIONS
from nn.training import summary_line
from tests.test_training import train_xor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = ["train", "--dataset", "xor", "--hidden", "8", "--no-progress"]
NUMBER = r"\d+\.\d{4}"
LINE = re.compile(
    rf"^epoch (\d+)/(\d+)  loss {NUMBER}  acc {NUMBER}  val_loss {NUMBER}  val_acc {NUMBER}"
    r"  \d+\.\d+s$"
)


def epoch_lines(text):
    return [line for line in text.splitlines() if line.startswith("epoch ")]


# ---------------------------------------------------------------- nn.fit's summary line
def test_summary_line_names_every_entry_with_four_decimals_and_the_time():
    logs = {"loss": 0.41234, "accuracy": 0.87, "val_loss": 0.45, "val_accuracy": 0.86}
    line = summary_line(3, 30, logs, 1.234)
    assert line == "epoch 3/30  loss 0.4123  acc 0.8700  val_loss 0.4500  val_acc 0.8600  1.2s"
    assert summary_line(1, 2, {"loss": 1.0, "f1": 0.5}, 0.012).endswith("f1 0.5000  0.01s")


@pytest.mark.parametrize("progress", [True, False])
def test_fit_prints_one_full_line_per_epoch_with_or_without_the_bar(progress, capsys):
    _, _, history = train_xor(epochs=3, progress=progress)
    captured = capsys.readouterr()
    lines = epoch_lines(captured.out)
    assert [LINE.match(line).groups() for line in lines] == [("1", "3"), ("2", "3"), ("3", "3")]
    assert f"val_acc {history['val_accuracy'][-1]:.4f}" in lines[-1]
    assert "\r" not in captured.out + captured.err  # not a terminal: no bar at all


def test_fit_with_log_false_prints_nothing(capsys):
    train_xor(epochs=2, progress=True, log=False)
    assert capsys.readouterr() == ("", "")


def test_train_in_a_log_file_gets_lines_not_carriage_return_repaints(tmp_path):
    argv = ["train", "--dataset", "xor", "--hidden", "8", "--epochs", "2", "--out", str(tmp_path)]
    result = subprocess.run(
        [sys.executable, "-m", "autograd_app", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stdout + result.stderr
    assert [LINE.match(line).group(1) for line in epoch_lines(result.stdout)] == ["1", "2"]


# ---------------------------------------------------------------- validation and test sets
def test_train_validates_on_a_held_out_split_and_tests_once_at_the_end(
    tmp_path, monkeypatch, capsys
):
    seen = {"val": [], "evaluated": []}
    fit, evaluate = autograd_app.train.fit, autograd_app.train.evaluate

    def recording_fit(model, train_loader, *args, val_loader=None, **kwargs):
        seen["val"].append((len(train_loader.dataset), len(val_loader.dataset)))
        return fit(model, train_loader, *args, val_loader=val_loader, **kwargs)

    def recording_evaluate(model, loader, *args, **kwargs):
        seen["evaluated"].append(len(loader.dataset))
        return evaluate(model, loader, *args, **kwargs)

    monkeypatch.setattr(autograd_app.train, "fit", recording_fit)
    monkeypatch.setattr(autograd_app.train, "evaluate", recording_evaluate)
    assert main(TINY + ["--epochs", "2", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    # xor: 400 samples, 80 for test, 10% of the other 320 for validation
    assert "288 training / 32 validation / 80 test samples" in printed
    assert seen == {"val": [(288, 32)], "evaluated": [80]}  # the test set, once
    report = json.loads((tmp_path / "history.json").read_text())
    assert list(report) == ["config", "history", "test"]
    assert list(report["history"]) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert list(report["test"]) == ["loss", "accuracy"] and report["config"]["val_split"] == 0.1
    assert f"test accuracy {report['test']['accuracy']:.4f}" in printed


def test_the_validation_split_follows_the_seed(tmp_path):
    def val_losses(seed, run):
        out = tmp_path / run
        assert main(TINY + ["--epochs", "1", "--seed", seed, "--out", str(out)]) == 0
        return json.loads((out / "history.json").read_text())["history"]["val_loss"]

    assert val_losses("3", "a") == val_losses("3", "b") != val_losses("4", "c")


def test_val_split_zero_trains_without_validation(tmp_path, capsys):
    assert main(TINY + ["--epochs", "1", "--val-split", "0", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "320 training / 0 validation / 80 test samples" in printed
    assert re.search(rf"^epoch 1/1  loss {NUMBER}  acc {NUMBER}  \d+\.\d+s$", printed, re.M)
    report = json.loads((tmp_path / "history.json").read_text())
    assert list(report["history"]) == ["loss", "accuracy"]


def test_val_split_that_leaves_a_side_empty_is_one_line_status_2(tmp_path, capsys):
    argv = TINY + ["--epochs", "1", "--val-split", "0.001", "--out", str(tmp_path)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--val-split 0.001 holds out 0 of the 320" in err


# ---------------------------------------------------------------- --resume
def test_resume_says_where_it_starts_and_when_nothing_is_left(tmp_path, capsys):
    run = TINY + ["--resume", "--out", str(tmp_path)]
    assert main(run + ["--epochs", "2"]) == 0
    printed = capsys.readouterr().out
    assert "no checkpoint in" in printed and "starting from epoch 1" in printed
    assert main(run + ["--epochs", "3"]) == 0
    printed = capsys.readouterr().out
    assert "2 epochs done" in printed and "resuming at epoch 3/3" in printed
    assert [line.split()[1] for line in epoch_lines(printed)] == ["3/3"]
    assert main(run + ["--epochs", "3"]) == 0
    printed = capsys.readouterr().out
    assert "nothing left to train" in printed and "holds 3 epochs (--epochs 3)" in printed
    assert epoch_lines(printed) == []


# ---------------------------------------------------------------- every activation
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_every_activation_trains_one_epoch(activation, tmp_path):
    argv = TINY + ["--epochs", "1", "--activation", activation, "--out", str(tmp_path)]
    assert main(argv + (["--maxout-k", "3"] if activation == "maxout" else [])) == 0
    state = nn.load(tmp_path / "checkpoint.ckpt")["model"]
    shapes = {name: value.shape for name, value in state.items()}
    if activation == "maxout":
        assert shapes["0.weight"] == (8, 3, 2)  # 8 units of k = 3 pieces over 2 inputs
    elif activation == "prelu":
        assert shapes["1.weight"] == (8,)  # one slope γ_i per unit
    elif activation == "dyt":
        assert shapes["1.alpha"] == (1,) and shapes["1.weight"] == (8,)
    assert len(json.loads((tmp_path / "history.json").read_text())["history"]["loss"]) == 1


def test_swish_uses_the_beta_given(tmp_path, capsys):
    argv = TINY + ["--epochs", "1", "--activation", "swish", "--swish-beta", "1.5"]
    assert main(argv + ["--out", str(tmp_path)]) == 0
    assert "Swish(beta=1.5, learnable=False)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "option, value, activation",
    [("--swish-beta", "2", "swish"), ("--maxout-k", "3", "maxout")],
)
def test_an_activation_option_with_another_activation_is_refused(
    option, value, activation, tmp_path, capsys
):
    argv = TINY + ["--epochs", "1", "--activation", "relu", option, value]
    assert main(argv + ["--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and f"{option} is read only with --activation {activation}" in err
    assert not (tmp_path / "history.json").exists()


# ---------------------------------------------------------------- the demo's figures
@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz 'dot' is missing")
def test_demo_says_what_it_draws_before_drawing_and_prints_each_file(tmp_path, monkeypatch, capsys):
    def quick_plots(directory):
        before = capsys.readouterr().out  # what the learner saw while the plots were drawn
        assert before.rstrip().endswith("(about 10 s) ...")
        print(before, end="")
        os.makedirs(directory)
        path = os.path.join(directory, "activations.png")
        open(path, "wb").close()
        return [path]

    monkeypatch.setattr(autograd_app.demo, "write_plots", quick_plots)
    assert autograd_app.demo.run_demo(tmp_path, train=False) == 0
    out = capsys.readouterr().out
    wrote = [  # "wrote PATH" or "wrote PATH: what it shows"
        line.split("wrote ")[1].split(": ")[0] for line in out.splitlines() if "wrote " in line
    ]
    names = [os.path.basename(path) for path in wrote]
    assert names == [
        "notes_plain.svg",
        "notes_forward.svg",
        "notes_reverse.svg",
        "mlp.svg",
        "notes_step_through.html",
        "activations.png",
    ]
    assert all(os.path.exists(path) for path in wrote)
    page = (tmp_path / "notes_step_through.html").resolve().as_uri()
    assert f"open it in a browser: {page}" in out


def test_write_plots_reports_each_figure_as_soon_as_its_file_is_written(tmp_path):
    """The five figures take about 10 s: each path comes back when its file exists, before
    the next figure is drawn, so the demo and `plots` can print them one by one."""
    from autograd_app.figures import write_plots

    plots = write_plots(tmp_path)
    first = next(plots)
    assert os.path.getsize(first) > 0
    assert os.listdir(tmp_path) == [os.path.basename(first)]
    plots.close()
