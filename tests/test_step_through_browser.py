"""``viz.step_through``'s page in headless Chromium: pressing through every step fills the
table with the engine's numbers, prev and reset undo, the keys work, nothing is fetched.

Needs the Python package playwright, a Chromium (Debian's /usr/bin/chromium, or the one
$CHROMIUM names) and graphviz's dot. Without them the tests skip, unless
AUTOGRAD_CORE_REQUIRE_BROWSER=1 (``make test``), which makes them fail saying what to
install. One browser serves the whole module (it takes seconds to start).
"""

import os
import re
import shutil

import numpy as np
import pytest

import autograd_core as ag
import nn
import viz
from autograd_core.examples import notes_f, notes_j
from autograd_core.graph import graph_tensors, tensor_key

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NOTES_VALUES = [0.0, 0.0, 0.0, 1.0, 2.0, 0.5]  # h1 ... h6
NOTES_TANGENTS = [1.0, 1.0, -1.0, -1.0, -1.0, 0.25]  # dh_i/dw


def _missing():
    """What is missing to run the page in a browser, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright (pip install playwright)"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"Chromium at {CHROMIUM} (apt-get install chromium, or set $CHROMIUM)"
    if shutil.which("dot") is None:
        return "graphviz's dot program (apt-get install graphviz)"
    return None


@pytest.fixture(scope="module")
def browser():
    missing = _missing()
    if missing is not None:
        message = f"the browser tests need {missing}"
        if os.environ.get("AUTOGRAD_CORE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{message} (AUTOGRAD_CORE_REQUIRE_BROWSER=1 requires them)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


class Page:
    """A saved step-through page open in a tab; ``requests`` lists every URL it asked for."""

    def __init__(self, browser, step_through, path):
        self.url = path.resolve().as_uri()
        step_through.save(path)
        self.tab = browser.new_page(viewport={"width": 900, "height": 560})
        self.requests, self.errors = [], []
        self.tab.on("request", lambda request: self.requests.append(request.url))
        self.tab.on("pageerror", lambda error: self.errors.append(str(error)))
        self.tab.goto(self.url)

    def table(self):
        """{row name: {column: text}} of the side panel's non-empty cells."""
        cells = self.tab.evaluate(
            """() => [...document.querySelectorAll("tr[data-node]")].map((tr) =>
                [tr.dataset.node, [...tr.querySelectorAll("td[data-col]")].map(
                    (td) => [td.dataset.col, td.textContent])])"""
        )
        return {name: {col: text for col, text in row if text} for name, row in cells}

    def counter(self):
        return self.tab.text_content("#counter")

    def explanation(self):
        return self.tab.inner_text("#explain")

    def close(self):
        assert self.errors == []
        assert self.requests == [self.url]  # the page itself, nothing else
        self.tab.close()


def expected_tables(root, names, mode, tangents=None):
    """The table after each step (0, 1, ..., n), built from the engine: the graph's values,
    the given forward-mode tangents, the running sums of the real backward pass."""
    nodes, tensors = graph_tensors([root])
    table = {names[key]: {} for key in tensors}
    for key, t in tensors.items():
        if key[0] == "leaf":
            table[names[key]]["value"] = t.item()
            if mode == "forward":
                table[names[key]]["tangent"] = tangents[names[key]]
    states = [{k: dict(v) for k, v in table.items()}]
    for node in nodes:
        name = names[(node, 0)]
        table[name]["value"] = tensors[(node, 0)].item()
        if mode == "forward":
            table[name]["tangent"] = tangents[name]
        states.append({k: dict(v) for k, v in table.items()})
    if mode == "reverse":
        for step in ag.trace_backward(root):
            table[names[(step.node, 0)]]["adjoint"] = float(step.upstream[0])
            for edge in step.edges:
                table[names[edge.key]]["adjoint"] = float(edge.total)
            states.append({k: dict(v) for k, v in table.items()})
    return states


def assert_table(page, expected):
    """The page's table holds exactly the expected numbers (as text, 6 digits)."""
    got = page.table()
    assert got.keys() == expected.keys()
    for name, row in expected.items():
        numbers = {col: float(text) for col, text in got[name].items()}
        assert numbers == pytest.approx(row, rel=1e-5, abs=1e-12), name


def press_through(page, states):
    """Press next through every step, checking the table after each; then prev and reset."""
    n = len(states) - 1
    assert page.counter() == f"step 0 / {n}"
    assert_table(page, states[0])
    for k in range(1, n + 1):
        page.tab.click("#next")
        assert page.counter() == f"step {k} / {n}"
        assert_table(page, states[k])
    page.tab.click("#next")  # past the end: stays
    assert page.counter() == f"step {n} / {n}"
    page.tab.click("#prev")
    assert page.counter() == f"step {n - 1} / {n}"
    assert_table(page, states[n - 1])
    page.tab.click("#reset")
    assert page.counter() == f"step 0 / {n}"
    assert_table(page, states[0])


def notes_names(nodes):
    return {tensor_key(t): name for name, t in nodes.items()}


def notes_tangents():
    """dh_i/dw from the engine's forward mode: w is a dual number with tangent 1."""
    w = ag.dual(ag.tensor(0.0, requires_grad=True), ag.tensor(1.0))
    _, nodes = notes_f(1.0, w, ag.tensor(0.0, requires_grad=True))
    return {
        name: 0.0 if t.tangent is None else float(t.tangent.item()) for name, t in nodes.items()
    }


def assert_not_blank(path):
    """A screenshot with many colours (a drawn graph and a table), not one flat colour."""
    import matplotlib.image

    pixels = matplotlib.image.imread(path)
    colours = np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)
    assert len(colours) > 50 and pixels.std() > 0.05


# ----------------------------------------------------------------------------- notes' example
def test_notes_reverse_mode_fills_the_values_then_the_adjoints(browser, tmp_path):
    f, nodes = notes_f()
    states = expected_tables(f, notes_names(nodes), "reverse")
    assert [states[i][f"h{i}"]["value"] for i in range(1, 7)] == NOTES_VALUES
    assert states[-1]["w"]["adjoint"] == states[-1]["b"]["adjoint"] == 0.25
    page = Page(browser, viz.step_through(f), tmp_path / "notes.html")
    press_through(page, states)
    for _ in range(12):
        page.tab.click("#next")
    assert page.table()["w"] == {"value": "0", "adjoint": "0.25"}
    assert "running sum ∂h6/∂w = 0.25" in page.explanation()
    page.tab.screenshot(path=str(tmp_path / "final.png"))
    assert_not_blank(tmp_path / "final.png")
    page.close()


def test_notes_forward_mode_fills_the_tangents(browser, tmp_path):
    f, nodes = notes_f()
    tangents = notes_tangents()
    assert [tangents[f"h{i}"] for i in range(1, 7)] == NOTES_TANGENTS
    states = expected_tables(f, notes_names(nodes), "forward", tangents)
    page = Page(browser, viz.step_through(f, mode="forward"), tmp_path / "forward.html")
    press_through(page, states)
    page.close()


def test_j_ends_with_the_adjoints_3_6_9(browser, tmp_path):
    J, nodes = notes_j()
    states = expected_tables(J, notes_names(nodes), "reverse")
    assert [states[-1][k]["adjoint"] for k in "abc"] == [3.0, 6.0, 9.0]
    page = Page(browser, viz.step_through(J), tmp_path / "j.html")
    press_through(page, states)
    page.close()


def test_keys_step_play_and_reset(browser, tmp_path):
    f, _ = notes_f()
    page = Page(browser, viz.step_through(f), tmp_path / "keys.html")
    keyboard = page.tab.keyboard
    for _ in range(3):
        keyboard.press("ArrowRight")
    assert page.counter() == "step 3 / 12" and page.table()["h3"] == {"value": "0"}
    keyboard.press("ArrowLeft")
    assert page.counter() == "step 2 / 12" and page.table()["h3"] == {}
    keyboard.press("Home")
    assert page.counter() == "step 0 / 12"
    keyboard.press(" ")
    assert page.tab.text_content("#play") == "pause"
    page.tab.wait_for_function("document.getElementById('counter').textContent === 'step 2 / 12'")
    keyboard.press(" ")
    assert page.tab.text_content("#play") == "play"
    stopped = page.counter()
    page.tab.wait_for_timeout(900)  # longer than one tick of play
    assert page.counter() == stopped
    page.tab.hover('#graph g.node[data-id^="leaf"] >> nth=0')  # the first leaf drawn
    assert page.tab.is_visible("#tip") and "shape ()" in page.tab.text_content("#tip")
    page.close()


# ----------------------------------------------------------------------------- bigger graphs
def test_mlp_with_a_weight_used_twice_shows_every_term_of_its_running_sum(browser, tmp_path):
    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.Tanh(), nn.Linear(4, 2, rng=1))
    x = ag.tensor(np.random.default_rng(0).standard_normal((5, 3)), name="x")
    target = np.random.default_rng(1).standard_normal((5, 2))
    weight = model[0].weight
    loss = nn.MSELoss()(model(x), target) + 0.1 * (weight * weight).sum()
    (expected,) = ag.grad(loss, [weight], retain_graph=True)
    page = Page(browser, viz.step_through(loss, model=model), tmp_path / "mlp.html")
    sums = []  # the running sums at 0.weight, in the order they were shown
    n = int(page.counter().split("/")[1])
    for _ in range(n):
        page.tab.click("#next")
        sums += re.findall(r"running sum ∂\S+/∂0\.weight = (.*)", page.explanation())
    assert len(sums) == 3  # the two inputs of weight · weight, and the first linear layer
    first = [float(v) for v in re.findall(r"-?[\d.]+(?:e-?\d+)?", sums[0].split("]")[0])]
    assert len(first) == 3
    for text in sums[1:]:
        previous, term, total = (
            [float(v) for v in re.findall(r"-?[\d.]+(?:e-?\d+)?", part)]
            for part in re.findall(r"\[([^\]]*)\]", text)
        )
        np.testing.assert_allclose(np.add(previous, term), total, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(total, expected.data.reshape(-1)[:3], rtol=1e-3, atol=1e-4)
    cell = page.table()["0.weight"]["adjoint"]  # a big tensor's cell: its shape and mean
    assert cell.startswith("shape (4, 3), mean ")
    assert float(cell.rsplit("mean", 1)[1]) == pytest.approx(expected.data.mean(), rel=1e-3)
    page.tab.screenshot(path=str(tmp_path / "mlp.png"))
    assert_not_blank(tmp_path / "mlp.png")
    page.close()


def test_a_graph_of_hundreds_of_nodes_groups_steps_by_module(browser, tmp_path):
    layers = [m for i in range(100) for m in (nn.Linear(2, 2, rng=i), nn.Tanh())]
    model = nn.Sequential(*layers)
    x = ag.tensor(np.ones((3, 2)), name="x")
    loss = nn.MSELoss()(model(x), np.zeros((3, 2)))
    page_object = viz.step_through(loss, model=model)
    page = Page(browser, page_object, tmp_path / "big.html")
    n = int(page.counter().split("/")[1])
    assert n > 400
    groups = page.tab.eval_on_selector_all("#side details", "(ds) => ds.length")
    assert groups == 1 + 200 + 1  # the top level, every layer, the loss
    steps = []
    for _ in range(4):
        page.tab.click("#next-module")
        steps.append(int(page.counter().split()[1]))
    assert steps == [1, 2, 3, 4]  # Linear 0, Tanh 1, Linear 2, Tanh 3: one op each
    assert page.explanation().splitlines()[0] == "forward pass, 3 (Tanh)"
    page.tab.click("#side details summary >> nth=1")  # collapse the first layer's group
    assert page.tab.eval_on_selector_all("#side details", "(ds) => ds[1].open") is False
    page.tab.keyboard.press("ArrowRight")
    assert page.counter() == f"step 5 / {n}"
    page.close()
