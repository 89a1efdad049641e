"""What ``autograd-core ... -h`` says: help for every option, true defaults shown plainly
(never "(default: None)", no Python lists, no RST markup), ``--version``, and ``graph``
writing the format that the name of its --out file says."""

import argparse
import pathlib
import re
import shutil

import pytest

import autograd_core as ag
from autograd_app.__main__ import build_parser, graph_format, main
from autograd_app.errors import UserError
from autograd_app.options import HelpFormatter, in_words, shown_default

ROOT = pathlib.Path(__file__).resolve().parent.parent
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz 'dot' is missing")


def _parsers() -> dict[str, argparse.ArgumentParser]:
    """The top-level parser ("") and every subcommand's, by name."""
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {"": parser, **commands.choices}


COMMANDS = list(_parsers())


def _help(command: str, capsys) -> str:
    """The text of ``autograd-core <command> -h``, its whitespace collapsed (no wrapping)."""
    with pytest.raises(SystemExit) as exit_:
        main([command, "-h"] if command else ["-h"])
    assert exit_.value.code == 0
    return " ".join(capsys.readouterr().out.split())


def test_every_command_is_checked():
    assert COMMANDS == ["", "demo", "train", "graph", "plots", "bench"]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_no_none_default_no_list_and_no_markup(command, capsys):
    text = _help(command, capsys)
    assert not re.search(r"\(default: (None|False|True)\)", text), text
    assert "``" not in text
    after_usage = text.split(" options: ", 1)[1]  # the usage line brackets optional arguments
    assert "[" not in after_usage and "]" not in after_usage, after_usage


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_has_help_and_states_its_default(command, capsys):
    text = _help(command, capsys)
    for action in _parsers()[command]._actions:
        if isinstance(action, argparse._SubParsersAction):
            continue
        name = action.option_strings[-1] if action.option_strings else action.dest
        assert action.help and action.help.strip(), f"{command} {name} has no help"
        default = shown_default(action.default)
        if default is not None and "default" not in action.help:
            assert f"(default: {default})" in text, f"{command} {name}: default not shown"


def test_every_subcommand_has_a_summary_in_the_top_level_help():
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    summaries = {action.dest: action.help for action in commands._choices_actions}
    assert sorted(summaries) == sorted(COMMANDS[1:])
    assert all(summary and summary.strip() for summary in summaries.values())


def test_graph_help_states_its_defaults_and_choices_in_words(capsys):
    text = _help("graph", capsys)
    assert "(default: notes)" in text and "(default: out/graph.svg)" in text
    assert "svg, png or pdf" in text and "html" in text
    assert "(default: the suffix of --out)" in text


def test_formatter_puts_choices_in_words_and_shows_only_real_defaults():
    parser = argparse.ArgumentParser(prog="p", formatter_class=HelpFormatter)
    parser.add_argument("--kind", choices=["a", "b", "c"], default="a", help="the kind")
    parser.add_argument("--sizes", default=[64, 64], help="layer sizes")
    parser.add_argument("--path", help="a path")
    parser.add_argument("--rate", default=0.0, help="a rate at 5%% per step")
    parser.add_argument("--flag", action="store_true", help="a flag")
    parser.add_argument("--no-bar", dest="bar", action="store_false", help="no bar")
    text = " ".join(parser.format_help().split())
    assert "the kind; one of a, b or c (default: a)" in text
    assert "layer sizes (default: 64,64)" in text
    assert "a rate at 5% per step (default: 0.0)" in text
    assert "a path --rate" in text  # nothing appended to an option without a default
    assert "a flag --no-bar" in text and text.endswith("no bar")


@pytest.mark.parametrize(
    "choices, words",
    [(["svg"], "svg"), (["svg", "png"], "svg or png"), (["svg", "png", "pdf"], "svg, png or pdf")],
)
def test_in_words(choices, words):
    assert in_words(choices) == words


@pytest.mark.parametrize(
    "default, shown",
    [
        (None, None),
        (False, None),
        (True, None),
        ([], None),
        ([128], "128"),
        (0, "0"),
        ("out", "out"),
    ],
)
def test_shown_default(default, shown):
    assert shown_default(default) == shown


def test_version_is_the_package_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    version = re.search(r'^version = "([^"]+)"', pyproject, re.MULTILINE).group(1)
    assert ag.__version__ == version
    assert capsys.readouterr().out == f"autograd-core {version}\n"


# ------------------------------------------------------------------ graph: the name says the format
@pytest.mark.parametrize(
    "out, given, fmt",
    [
        ("g.svg", None, "svg"),
        ("g.png", None, "png"),
        ("dir/g.PDF", None, "pdf"),
        ("g", None, "svg"),
        ("g", "png", "png"),
        ("g.png", "png", "png"),
        ("g.html", None, "html"),
        ("g", "html", "html"),
    ],
)
def test_graph_format_comes_from_format_else_the_suffix(out, given, fmt):
    assert graph_format(out, given) == fmt


@pytest.mark.parametrize(
    "out, given, words",
    [("g.txt", None, [".txt", "--format"]), ("g.svg", "png", [".svg", "--format is png"])],
)
def test_graph_format_refuses_a_name_that_disagrees(out, given, words):
    with pytest.raises(UserError) as error:
        graph_format(out, given)
    assert error.value.status == 2 and all(word in str(error.value) for word in words)


MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF", "svg": b"<?xml", "html": b"<!DOCTYPE html>"}


@needs_dot
@pytest.mark.parametrize(
    "name, options, written",
    [
        ("g.png", [], "g.png"),
        ("g.pdf", [], "g.pdf"),
        ("g", [], "g.svg"),
        ("g", ["--format", "png"], "g.png"),
        ("g.png", ["--format", "png"], "g.png"),
        ("g.html", [], "g.html"),
        ("g", ["--format", "html"], "g.html"),
    ],
)
def test_graph_writes_the_format_its_name_says(tmp_path, name, options, written, capsys):
    assert main(["graph", "--out", str(tmp_path / name), *options]) == 0
    assert [p.name for p in tmp_path.iterdir()] == [written]
    fmt = written.rsplit(".", 1)[1]
    assert (tmp_path / written).read_bytes().startswith(MAGIC[fmt])
    assert f"wrote {tmp_path / written}" in capsys.readouterr().out


@pytest.mark.parametrize(
    "name, options",
    [
        ("g.txt", []),
        ("g.svg", ["--format", "png"]),
        ("g.png", ["--format", "svg"]),
        ("g.html", ["--format", "svg"]),
    ],
)
def test_graph_name_that_disagrees_is_one_line_status_2_and_writes_nothing(
    tmp_path, name, options, capsys
):
    assert main(["graph", "--out", str(tmp_path / name), *options]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert err.startswith("autograd-core graph: --out") and name in err
    assert list(tmp_path.iterdir()) == []
