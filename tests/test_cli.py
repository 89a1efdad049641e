"""The ``autograd-core`` command: demo, graph, plots and bench (train is covered in
test_training)."""

import shutil

import pytest

from autograd_app.__main__ import main

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz 'dot' is missing")


@needs_dot
@pytest.mark.parametrize("example", ["notes", "j", "mlp"])
@pytest.mark.parametrize("mode", ["plain", "forward", "reverse"])
def test_graph_command_writes_svg(tmp_path, example, mode, capsys):
    out = tmp_path / f"{example}.svg"
    assert main(["graph", "--example", example, "--mode", mode, "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert str(out) in capsys.readouterr().out


@needs_dot
@pytest.mark.parametrize("example", ["notes", "j", "mlp"])
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_graph_command_writes_a_step_through_page(tmp_path, example, mode, capsys):
    out = tmp_path / f"{example}.html"
    assert main(["graph", "--example", example, "--mode", mode, "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and 'id="next"' in page
    assert f'"mode": "{mode}"' in page
    assert str(out) in capsys.readouterr().out


def test_plots_command_writes_every_figure(tmp_path):
    assert main(["plots", "--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "activations.png",
        "decision_boundary_moons.png",
        "gradient_flow.png",
        "loss_surface.png",
        "optimizer_paths.png",
    ]
    assert all(p.stat().st_size > 10_000 for p in tmp_path.iterdir())


@needs_dot
def test_demo_prints_the_notes_tables_and_writes_graphs(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--no-train"]) == 0
    text = capsys.readouterr().out
    assert "forward mode ends at df/dw = 0.2500" in text
    assert "df/db = 0.2500" in text and "J = 3v = 33" in text and "all checks passed" in text
    assert (tmp_path / "notes_reverse.svg").exists() and (tmp_path / "plots").is_dir()
    page = tmp_path / "notes_step_through.html"
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert f"open it in a browser: {page.resolve().as_uri()}" in text


def test_bench_command_lists_and_rejects_unknown_suites(capfd):
    assert main(["bench", "--list"]) == 0
    listed = capfd.readouterr().out
    assert all(name in listed for name in ("mlp", "small_ops", "scalar", "chain", "memory"))
    assert main(["bench", "no_such_suite"]) == 2
    assert "unknown benchmark" in capfd.readouterr().out
