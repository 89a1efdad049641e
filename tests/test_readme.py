"""The README's code examples run as written (the README must stay true)."""

import pathlib
import re

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def test_readme_python_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks, "README has no python examples"
    namespace = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - our own README


def test_readme_says_how_to_open_the_notebooks_with_an_extra_that_exists():
    """The README's one line on opening the notebooks names an extra that pyproject defines,
    with JupyterLab and jupytext in it."""
    pyproject = (README.parent / "pyproject.toml").read_text(encoding="utf-8")
    extra = re.search(r"^notebook = \[(.*?)\]", pyproject, re.M | re.S)
    assert extra and "jupyterlab" in extra.group(1) and "jupytext" in extra.group(1)
    readme = README.read_text(encoding="utf-8")
    assert 'pip install -e ".[notebook]" && jupyter lab notebooks/' in readme
