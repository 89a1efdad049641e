"""Every user error of ``autograd-core`` ends as ONE line on stderr and an exit status, never
a traceback: 2 for an unusable option value (as argparse), 1 for a run that failed on its
files, its environment or its numbers, 130 for Ctrl-C. A value given is honoured or refused,
never replaced by a default."""

import json
import os
import subprocess
import sys

import pytest

import nn
from autograd_app.__main__ import main
from nn.training import CHECKPOINT_NAME

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = ["train", "--dataset", "xor", "--hidden", "4", "--epochs", "1", "--no-progress"]


def one_line(err):
    """The single line of ``err`` (a traceback or a usage block fails)."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def usage_error(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    return one_line(capsys.readouterr().err)


def failure(argv, capsys, status=1):
    assert main(argv) == status
    return one_line(capsys.readouterr().err)


@pytest.fixture
def a_file(tmp_path):
    path = tmp_path / "a_file"
    path.write_text("not a directory")
    return path


# ------------------------------------------------------------------ option values: status 2
@pytest.mark.parametrize(
    "option, value, expected",
    [
        ("--lr", "-1", "> 0"),
        ("--lr", "0", "> 0"),
        ("--lr", "nan", "> 0"),
        ("--lr", "inf", "> 0"),
        ("--lr", "1e400", "> 0"),
        ("--lr", "fast", "> 0"),
        ("--seed", "-1", ">= 0"),
        ("--seed", "1.5", ">= 0"),
        ("--weight-decay", "-1", ">= 0"),
        ("--weight-decay", "nan", ">= 0"),
        ("--weight-decay", "inf", ">= 0"),
        ("--batch-size", "0", ">= 1"),
        ("--batch-size", "-3", ">= 1"),
        ("--epochs", "0", ">= 1"),
        ("--epochs", "-1", ">= 1"),
        ("--hidden", "0", "positive"),
        ("--out", "", "path"),
        ("--val-split", "1", ">= 0 and < 1"),
        ("--val-split", "-0.1", ">= 0 and < 1"),
        ("--val-split", "1.5", ">= 0 and < 1"),
        ("--val-split", "nan", ">= 0 and < 1"),
        ("--val-split", "tenth", ">= 0 and < 1"),
        ("--swish-beta", "0", "> 0"),
        ("--maxout-k", "0", ">= 1"),
    ],
)
def test_bad_train_option_value_is_one_line_naming_option_value_and_expectation(
    option, value, expected, capsys, tmp_path
):
    argv = TINY + ["--out", str(tmp_path)] + [option, value]
    line = usage_error(argv, capsys)
    assert option in line and repr(value) in line and expected in line


@pytest.mark.parametrize(
    "argv, option",
    [
        (["bench", "--threads", "0", "--list"], "--threads"),
        (["bench", "--threads", "-1", "--list"], "--threads"),
        (["graph", "--out", ""], "--out"),
        (["graph", "--out", "."], "--out"),
        (["plots", "--out", ""], "--out"),
        (["demo", "--out", ""], "--out"),
        (["graph", "--mode", "sideways"], "--mode"),
    ],
)
def test_bad_option_value_of_other_commands_is_one_line_status_2(argv, option, capsys):
    assert option in usage_error(argv, capsys)


def test_lr_zero_is_refused_not_replaced_by_the_default(tmp_path, capsys):
    line = usage_error(TINY + ["--lr", "0", "--out", str(tmp_path)], capsys)
    assert "--lr" in line and "'0'" in line
    assert not (tmp_path / "history.json").exists()


def test_history_json_records_the_learning_rate_actually_used(tmp_path):
    assert main(TINY + ["--optimizer", "momentum", "--out", str(tmp_path / "default")]) == 0
    assert main(TINY + ["--lr", "0.05", "--out", str(tmp_path / "given")]) == 0
    for run, lr in (("default", 0.01), ("given", 0.05)):
        report = json.loads((tmp_path / run / "history.json").read_text())
        assert report["config"]["lr"] == lr
        checkpoint = nn.load(tmp_path / run / CHECKPOINT_NAME)
        assert checkpoint["optimizer"]["param_groups"][0]["lr"] == lr


def test_data_dir_with_a_dataset_that_ignores_it_is_refused(tmp_path, capsys):
    line = failure(TINY + ["--data-dir", str(tmp_path), "--out", str(tmp_path)], capsys, 2)
    assert "--data-dir" in line and "--dataset mnist" in line


def test_batch_norm_with_a_last_batch_of_one_sample_is_refused(tmp_path, capsys):
    # xor: 288 training samples after the test and validation splits, so batches of 287
    # leave one of 1 (BatchNorm cannot train on it)
    argv = TINY + ["--batch-norm", "--batch-size", "287", "--out", str(tmp_path)]
    line = failure(argv, capsys, 2)
    assert "--batch-norm" in line and "--batch-size 287" in line


# ------------------------------------------------------------------ failed runs: status 1
@pytest.mark.parametrize("command", [TINY, ["graph"], ["plots"], ["demo", "--no-train"]])
def test_unwritable_out_is_one_line_status_1_for_every_command(command, a_file, capsys):
    out = a_file / "sub" / ("g.svg" if command == ["graph"] else "")
    line = failure(command + ["--out", str(out).rstrip("/")], capsys)
    assert "--out" in line and str(a_file) in line and "cannot write" in line


@pytest.mark.parametrize("command", [TINY, ["plots"], ["demo", "--no-train"]])
def test_out_that_is_a_file_is_one_line_status_1(command, a_file, capsys):
    line = failure(command + ["--out", str(a_file)], capsys)
    assert f"--out {a_file} is a file" in line


def test_graph_out_that_is_a_directory_is_one_line_status_1(tmp_path, capsys):
    line = failure(["graph", "--out", str(tmp_path)], capsys)
    assert f"--out {tmp_path} is a directory" in line


def test_diverging_run_is_one_line_status_1(tmp_path, capsys):
    argv = TINY + ["--optimizer", "sgd", "--lr", "1e300", "--out", str(tmp_path)]
    line = failure(argv, capsys)
    assert "diverged" in line and "nan" in line and "--lr 1e+300" in line


def test_corrupt_checkpoint_with_resume_is_one_line_status_1(tmp_path, capsys):
    (tmp_path / CHECKPOINT_NAME).write_bytes(b"this is not a checkpoint at all")
    line = failure(TINY + ["--resume", "--out", str(tmp_path)], capsys)
    assert "--resume" in line and CHECKPOINT_NAME in line and "not a valid nn.save file" in line


def test_file_that_is_not_a_training_checkpoint_with_resume_is_one_line_status_1(tmp_path, capsys):
    nn.save({"weights": [1, 2, 3]}, tmp_path / CHECKPOINT_NAME)
    line = failure(TINY + ["--resume", "--out", str(tmp_path)], capsys)
    assert "--resume" in line and "not an nn.fit checkpoint" in line


@pytest.mark.parametrize("changed", [["--hidden", "5"], ["--optimizer", "sgd"], ["--batch-norm"]])
def test_checkpoint_of_another_configuration_with_resume_is_one_line_status_1(
    changed, tmp_path, capsys
):
    assert main(TINY + ["--out", str(tmp_path)]) == 0
    capsys.readouterr()
    argv = TINY + ["--epochs", "2", "--resume", "--out", str(tmp_path)] + changed
    line = failure(argv, capsys)
    assert "--resume: cannot continue from" in line


def test_missing_mnist_files_are_one_line_status_1(tmp_path, capsys):
    argv = ["train", "--dataset", "mnist", "--data-dir", str(tmp_path), "--out", str(tmp_path)]
    assert "--data-dir" in failure(argv, capsys)


@pytest.mark.parametrize(
    "hidden",
    [
        str(10**16),  # 142 PiB of weights: beyond address spaces
        str(10**19),  # beyond numpy's dimensions
        f"4,{2**62}",
    ],
)  # beyond numpy's array size
def test_huge_hidden_layer_is_one_line_status_1(hidden, tmp_path, capsys):
    line = failure(TINY + ["--hidden", hidden, "--out", str(tmp_path)], capsys)
    assert f"--hidden {hidden}: cannot make layers this wide" in line


@pytest.mark.parametrize("command", [["graph"], ["demo", "--no-train"]])
def test_missing_dot_program_is_one_line_status_1(command, tmp_path, monkeypatch, capsys):
    empty = tmp_path / "empty_path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # graphviz finds `dot` through PATH, as in real use
    out = tmp_path / ("g.svg" if command == ["graph"] else "demo")
    line = failure(command + ["--out", str(out)], capsys)
    assert "'dot'" in line and "install graphviz" in line


def test_demo_without_dot_fails_before_doing_anything(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["demo", "--out", str(tmp_path / "demo")]) == 1
    assert capsys.readouterr().out == ""


def test_bench_outside_a_checkout_is_one_line_status_1(tmp_path, monkeypatch, capsys):
    import autograd_app.__main__ as entry

    monkeypatch.setattr(entry, "__file__", str(tmp_path / "autograd_app" / "__main__.py"))
    assert "benchmarks/run.py is not here" in failure(["bench", "--list"], capsys)


# ------------------------------------------------------------------ Ctrl-C: status 130
def test_ctrl_c_during_training_is_one_line_status_130_that_suggests_resume(
    tmp_path, monkeypatch, capsys
):
    import autograd_app.train

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(autograd_app.train, "fit", interrupted)
    line = failure(TINY + ["--out", str(tmp_path)], capsys, 130)
    assert "interrupted" in line and "--resume" in line


def test_ctrl_c_in_any_command_is_one_line_status_130(tmp_path, monkeypatch, capsys):
    import autograd_app.__main__ as entry

    def interrupted(directory):
        raise KeyboardInterrupt

    monkeypatch.setattr(entry, "write_plots", interrupted)
    assert "interrupted" in failure(["plots", "--out", str(tmp_path)], capsys, 130)


# ------------------------------------------------------------------ the real command line
def _command(*argv, env=None):
    return subprocess.run(
        [sys.executable, "-m", "autograd_app", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_command_line_usage_error_is_one_line_status_2():
    result = _command("train", "--lr", "-1")
    assert result.returncode == 2
    assert "--lr" in one_line(result.stderr)


def test_command_line_without_dot_is_one_line_status_1(tmp_path):
    env = {**os.environ, "PATH": str(tmp_path)}
    result = _command("graph", "--out", str(tmp_path / "g.svg"), env=env)
    assert result.returncode == 1
    assert "'dot'" in one_line(result.stderr)
