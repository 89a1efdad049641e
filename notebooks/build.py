"""Generate the teaching notebooks from the cell lists below, and execute them.

    python notebooks/build.py              # write every notebook and run it (outputs stored)
    python notebooks/build.py 03 05        # only the notebooks whose name starts with 03 / 05
    python notebooks/build.py --no-execute # write the cells only (no outputs)

Each notebook is a function returning a list of cells: ``md(...)`` for prose, ``code(...)``
for code. Executing needs ``nbformat``, ``nbclient`` and ``ipykernel`` in the interpreter
that runs this script (the project's venv); the kernel ``python3`` then resolves to that
same interpreter (jupyter_client replaces the kernelspec's ``python`` by ``sys.executable``). The
notebooks are seeded, so a rebuild changes only the timings they print.
"""

import os
import pathlib
import sys
import textwrap
import time

import nbformat

HERE = pathlib.Path(__file__).resolve().parent
NOTEBOOKS = {}


def notebook(filename):
    def register(build):
        NOTEBOOKS[filename] = build
        return build
    return register


def md(text):
    return nbformat.v4.new_markdown_cell(textwrap.dedent(text).strip("\n"))


def code(text):
    return nbformat.v4.new_code_cell(textwrap.dedent(text).strip("\n"))


# The first code cell of every notebook.
SETUP = '''
%matplotlib inline
import numpy as np
import matplotlib.pyplot as plt
import autograd_core as ag
import nn
import nn.functional as F
import viz
import graphviz

_ = graphviz.set_jupyter_format("png")   # graphs render as images (also on GitHub)
np.set_printoptions(precision=4, suppress=True, linewidth=100)
plt.rcParams.update({"figure.dpi": 100, "axes.grid": True, "grid.alpha": 0.3})


def check(label, error, tol):
    """Print a verified quantity with ✓, or stop the notebook if it is out of tolerance."""
    ok = bool(error <= tol)
    print(f"{label} = {error:.2g} {'✓' if ok else '✗  (tolerance ' + format(tol, '.0e') + ')'}")
    assert ok, label
'''


# =============================================================================== 01
@notebook("01_autodiff_by_hand_and_by_engine.ipynb")
def autodiff_by_hand_and_by_engine():
    return [
        md(r"""
        # 01 · Automatic differentiation, by hand and by the engine

        The course notes compute one derivative three ways: **numerically** (finite
        differences), **symbolically** (rewriting formulas) and **automatically** (the chain
        rule applied to the elementary operations a program actually executes). This notebook
        follows the notes' worked example

        $$f(x; w, b) = \frac{1}{\exp(-(wx + b)) + 1}\qquad\text{at } x = 1,\ w = 0,\ b = 0,$$

        first with pencil-and-paper arithmetic, then with `autograd_core`, in forward and
        reverse mode; then the graph example $J(a, b, c) = 3(a + bc)$; then why finite
        differences are only a referee (accuracy and cost), and why symbolic differentiation
        is not what deep-learning libraries do.
        """),
        code(SETUP + '''
import math
import time
from autograd_core.examples import notes_f, notes_j
'''),
        md(r"""
        ## 1. The h₁ … h₆ table

        The notes decompose $f$ into elementary functions $h_i$, each with a derivative simple
        enough to be a rule of the library:

        | node | function | local derivative(s) |
        |---|---|---|
        | $h_1$ | $h_1 = w x$ | $\partial h_1/\partial w = x$ |
        | $h_2$ | $h_2 = h_1 + b$ | $\partial h_2/\partial h_1 = 1,\ \partial h_2/\partial b = 1$ |
        | $h_3$ | $h_3 = -h_2$ | $\partial h_3/\partial h_2 = -1$ |
        | $h_4$ | $h_4 = \exp(h_3)$ | $\partial h_4/\partial h_3 = \exp(h_3)$ |
        | $h_5$ | $h_5 = h_4 + 1$ | $\partial h_5/\partial h_4 = 1$ |
        | $h_6$ | $h_6 = 1/h_5$ | $\partial h_6/\partial h_5 = -1/h_5^2$ |

        and the chain rule multiplies the local derivatives along the path from $w$ to $f = h_6$:

        $$\frac{\partial f}{\partial w} = \frac{\partial f}{\partial h_6}\frac{\partial h_6}{\partial h_5}
        \frac{\partial h_5}{\partial h_4}\frac{\partial h_4}{\partial h_3}\frac{\partial h_3}{\partial h_2}
        \frac{\partial h_2}{\partial h_1}\frac{\partial h_1}{\partial w}
        = 1 \times (-0.25) \times 1 \times 1 \times (-1) \times 1 \times 1 = 0.25 .$$

        First by hand, with nothing but Python floats:
        """),
        code('''
x, w, b = 1.0, 0.0, 0.0

# forward pass: values
h1 = w * x; h2 = h1 + b; h3 = -h2; h4 = math.exp(h3); h5 = h4 + 1; h6 = 1 / h5
hand_values = [h1, h2, h3, h4, h5, h6]

# local derivatives, one per edge of the chain w -> h1 -> ... -> h6 (and b -> h2)
local = {"dh1/dw": x, "dh2/dh1": 1.0, "dh2/db": 1.0, "dh3/dh2": -1.0,
         "dh4/dh3": math.exp(h3), "dh5/dh4": 1.0, "dh6/dh5": -1 / h5**2}

# reverse accumulation: df/dh_i = df/dh_(i+1) * dh_(i+1)/dh_i, starting from df/dh6 = 1
hand_adjoints = {"h6": 1.0}
hand_adjoints["h5"] = hand_adjoints["h6"] * local["dh6/dh5"]
hand_adjoints["h4"] = hand_adjoints["h5"] * local["dh5/dh4"]
hand_adjoints["h3"] = hand_adjoints["h4"] * local["dh4/dh3"]
hand_adjoints["h2"] = hand_adjoints["h3"] * local["dh3/dh2"]
hand_adjoints["h1"] = hand_adjoints["h2"] * local["dh2/dh1"]
hand_dw = hand_adjoints["h1"] * local["dh1/dw"]
hand_db = hand_adjoints["h2"] * local["dh2/db"]

for name, value in zip(["h1", "h2", "h3", "h4", "h5", "h6"], hand_values):
    print(f"{name} = {value + 0.0:5.2f}")
print("local derivatives:", {k: round(v, 4) for k, v in local.items()})
print(f"df/dw = {hand_dw}, df/db = {hand_db}")
'''),
        md(r"""
        Now the engine. `autograd_core.examples.notes_f` builds exactly this decomposition with
        tensors, so every $h_i$ is a node of the recorded graph. Two modes give the derivatives:

        * **forward mode** gives $w$ a *tangent* $\mathrm{d}w/\mathrm{d}w = 1$ (a dual number) and
          every operation pushes the tangent along with the value, so each $h_i$ carries
          $\partial h_i/\partial w$ — the chain rule evaluated from the input side;
        * **reverse mode** first records the graph, then walks it backwards from
          $\partial f/\partial h_6 = 1$, giving each node its *adjoint* $\partial f/\partial h_i$ —
          the chain rule evaluated from the output side. This is backpropagation.
        """),
        code('''
# forward mode: w is a dual number with tangent 1, so every h_i carries dh_i/dw
w_dual = ag.dual(ag.tensor(0.0, requires_grad=True), ag.tensor(1.0))
f, nodes = notes_f(1.0, w_dual, ag.tensor(0.0, requires_grad=True))
hs = [nodes[f"h{i}"] for i in range(1, 7)]

# reverse mode: the adjoints df/dh_i of every node, and df/dw, df/db, in one backward pass
adjoints = ag.grad(f, hs + [nodes["w"], nodes["b"]])

print(f"{'node':4} {'value':>6} {'(hand)':>7} {'dh/dw (fwd)':>12} {'df/dh (rev)':>12} {'(hand)':>7}")
for i, h in enumerate(hs):
    name = f"h{i + 1}"
    print(f"{name:4} {h.item() + 0:6.2f} {hand_values[i] + 0:7.2f} {h.tangent.item():12.4f}"
          f" {adjoints[i].item():12.4f} {hand_adjoints[name]:7.4f}")
engine_dw, engine_db = adjoints[6].item(), adjoints[7].item()
print(f"forward mode: df/dw = dh6/dw = {hs[-1].tangent.item()}")
print(f"reverse mode: df/dw = {engine_dw}, df/db = {engine_db}")

check("max |engine value − hand value| over h1…h6",
      max(abs(h.item() - v) for h, v in zip(hs, hand_values)), 0.0)
check("max |engine adjoint − hand adjoint| over h1…h6",
      max(abs(a.item() - hand_adjoints[f"h{i + 1}"]) for i, a in enumerate(adjoints[:6])), 0.0)
check("|forward-mode df/dw − reverse-mode df/dw|", abs(hs[-1].tangent.item() - engine_dw), 0.0)
check("|df/dw − 0.25| + |df/db − 0.25|", abs(engine_dw - 0.25) + abs(engine_db - 0.25), 0.0)
'''),
        md(r"""
        The same graph, drawn by `viz.draw_graph` with the notes' naming (`naming="h"`). Red
        numbers on the edges are the values flowing forward; with `show_local_grads=True` each
        edge also carries its local derivative — the right-hand column of the table.
        """),
        code('''
f, nodes = notes_f()
f.backward()
viz.draw_graph(f, naming="h", show_local_grads=True)
'''),
        md(r"""
        **Forward mode** (`mode="forward"`): each node is annotated with its tangent
        $\partial h_i/\partial w$, computed in the same sweep as the values, left to right. One
        sweep gives the derivative with respect to *one* input: $\partial b/\partial w = 0$, so a
        second sweep with the tangent on $b$ would be needed for $\partial f/\partial b$.
        """),
        code('''
viz.draw_graph(f, naming="h", mode="forward")
'''),
        md(r"""
        **Reverse mode** (`mode="reverse"`): each node is annotated with its adjoint
        $\partial h_6/\partial h_i$, computed right to left after the forward sweep. One backward
        sweep gives the derivative of the output with respect to *every* input — here both
        $\partial f/\partial w$ and $\partial f/\partial b$. A loss is one number that depends on
        many parameters, which is why training uses reverse mode: it is the notes' backpropagation.
        """),
        code('''
viz.draw_graph(f, naming="h", mode="reverse")
'''),
        md(r"""
        ## 2. The graph example $J(a, b, c) = 3(a + bc)$

        The notes' second example splits $J$ into $u = bc$, $v = a + u$, $J = 3v$; at $a = 5$,
        $b = 3$, $c = 2$ the values are $u = 6$, $v = 11$, $J = 33$. The notes read the
        derivatives off by nudging one input: $b = 3 \to 3.001$ moves $u$ to $6.002$, $v$ to
        $11.002$ and $J$ to $33.006$, so $\mathrm{d}J/\mathrm{d}b \approx 0.006/0.001 = 6$; in
        chain-rule form $\frac{\mathrm{d}J}{\mathrm{d}b} = \frac{\mathrm{d}J}{\mathrm{d}v}
        \frac{\mathrm{d}v}{\mathrm{d}u}\frac{\mathrm{d}u}{\mathrm{d}b} = 3 \cdot 1 \cdot 2 = 6$.
        """),
        code('''
J, jn = notes_j()
print(f"u = {jn['u'].item():g}, v = {jn['v'].item():g}, J = {J.item():g}")
J.backward()

def J_of(a, b, c):
    return 3 * (a + b * c)

base = dict(a=5.0, b=3.0, c=2.0)
for name, exact in [("a", 3.0), ("b", 6.0), ("c", 9.0)]:
    nudged = dict(base, **{name: base[name] + 0.001})
    print(f"{name}: {base[name]:g} -> {nudged[name]:g} moves J to {J_of(**nudged):.3f};  "
          f"nudge estimate {(J_of(**nudged) - 33) / 0.001:.3f},  engine dJ/d{name} = {jn[name].grad.item():g}")
check("max |engine − exact (3, 6, 9)|",
      max(abs(jn[k].grad.item() - v) for k, v in [("a", 3), ("b", 6), ("c", 9)]), 0.0)
viz.draw_graph(J, mode="reverse", show_local_grads=True)
'''),
        md(r"""
        J is linear in each input, so the nudge estimate is exact up to rounding. The notes add
        one more rule: **if a variable reaches the output along several paths, the derivatives
        along the paths add up**. In $g = ab + a$ the input $a$ feeds both the product and the
        sum, and $\partial g/\partial a = b + 1$; the engine gets it by accumulating the adjoints
        arriving at $a$ from both of its consumers:
        """),
        code('''
a = ag.tensor(2.0, requires_grad=True, name="a")
b = ag.tensor(5.0, requires_grad=True, name="b")
g = a * b + a
g.backward()
print(f"dg/da = {a.grad.item():g}  (b + 1 = 6),  dg/db = {b.grad.item():g}  (a = 2)")
viz.draw_graph(g, naming="h", mode="reverse")
'''),
        md(r"""
        ### Dynamic graphs

        The engine records the graph *while the Python code runs* — a **dynamic** graph, as in
        PyTorch, Chainer or DyNet, rather than a **static** graph compiled once before any data
        is seen (Theano, TensorFlow 1). Control flow therefore needs nothing special: a loop
        that runs a data-dependent number of times simply records that many operations. Below,
        $y$ doubles $x$ until it exceeds 10, so $x = 3$ records two multiplications
        ($\mathrm{d}y/\mathrm{d}x = 4$) and $x = 0.7$ records four ($\mathrm{d}y/\mathrm{d}x = 16$).
        The price, as the notes say, is that a dynamic graph cannot be optimised as a whole
        before it runs.
        """),
        code('''
def double_until_ten(x):
    y = x
    while y.item() <= 10:
        y = y * 2
    return y

graphs = []
for start in (3.0, 0.7):
    x = ag.tensor(start, requires_grad=True, name="x")
    y = double_until_ten(x)
    y.backward()
    print(f"x = {start}: y = {y.item():g}, dy/dx = {x.grad.item():g}")
    graphs.append(viz.draw_graph(y, naming="h", title=f"x = {start}"))
display(*graphs)
'''),
        md(r"""
        ### Static graphs: `ag.compile`

        The opposite trade is available too. `ag.compile(fn)` runs `fn` once, records its
        graph, and from then on replays that **static** program: each primitive's own forward
        and backward rules, called directly on numpy arrays, with no Tensor or graph node built
        per operation. Because the graph is fixed in advance it can be inspected (`.code`) and
        optimised as a whole. Values and gradients are identical to eager mode, bit for bit.
        Here is the program for the notes' $f(x; w, b) = 1/(\exp(-(wx+b))+1)$: $h_1 \ldots h_6$
        appear as `v3 … v8`, and backward visits them in reverse.
        """),
        code('''
f_static = ag.compile(lambda x, w, b: 1 / (ag.exp(-(w * x + b)) + 1))
x, w, b = ag.tensor(1.0), ag.tensor(0.0, requires_grad=True), ag.tensor(0.0, requires_grad=True)
f_static(x, w, b)            # the first call traces
out = f_static(x, w, b)      # later calls replay
out.backward()
print(f"f = {out.item()},  df/dw = {w.grad.item()},  df/db = {b.grad.item()}")
check("compiled vs the notes' 0.25", abs(w.grad.item() - 0.25), 0.0)
print(f_static.code.split("def backward")[0])
'''),
        md(r"""
        What a static graph cannot do is exactly what the dynamic one did above: a Python `if`
        or `while` on a value decides *which* operations run, and a recorded program would
        replay the first call's choice forever. `ag.compile` refuses instead of guessing:
        """),
        code('''
try:
    ag.compile(double_until_ten)(ag.tensor(3.0, requires_grad=True))
except ag.CompileError as error:
    print("CompileError:", error)
'''),
        md(r"""
        A static graph also pays off most where the dynamic one is slowest: a graph of
        scalars. micrograd-style code builds one node per multiply-add; knowing the whole
        graph, `ag.compile` groups the independent nodes of each depth into one vector
        operation (same numbers, in the same order of summation). The 2-16-16-1 network on
        50 points below has about 33,000 nodes:
        """),
        code('''
import time

rng = np.random.default_rng(0)
sizes = [2, 16, 16, 1]
weights = [[[ag.tensor(rng.uniform(-1, 1), requires_grad=True) for _ in range(n_in)]
            for _ in range(n_out)] for n_in, n_out in zip(sizes, sizes[1:])]
points = [[ag.tensor(v) for v in row] for row in rng.standard_normal((50, 2))]
labels = rng.choice([-1.0, 1.0], 50)
params = [w for layer in weights for row in layer for w in row]

def scalar_loss():
    scores = []
    for xs in points:
        for depth, layer in enumerate(weights):
            xs = [sum(w * x for w, x in zip(row, xs)) for row in layer]
            xs = [x.relu() for x in xs] if depth < 2 else xs
        scores.append(xs[0])
    return sum((1 + -y * s).relu() for y, s in zip(labels, scores)) * (1 / len(scores))

static_loss = ag.compile(scalar_loss)
static_loss()  # trace
grads = {}
for name, fn in (("eager", scalar_loss), ("compiled", static_loss)):
    for p in params:
        p.grad = None
    start = time.perf_counter()
    fn().backward()
    grads[name] = [p.grad.item() for p in params]
    print(f"{name:>8}: {1e3 * (time.perf_counter() - start):7.1f} ms for forward + backward")
check("compiled vs eager gradients", max(abs(a - b) for a, b in zip(*grads.values())), 0.0)
print(static_loss.code.splitlines()[0])
'''),
        md(r"""
        ## 3. Numerical differentiation: accuracy

        Finite differences replace the limit in $f'(x) = \lim_{\Delta x \to 0}
        \frac{f(x + \Delta x) - f(x)}{\Delta x}$ by a small but finite step $\epsilon$. The notes
        name the two errors that make choosing $\epsilon$ hard:

        * **truncation error** from cutting the Taylor series: $\frac{f(x+\epsilon) - f(x)}{\epsilon}
          = f'(x) + \frac{\epsilon}{2} f''(x) + O(\epsilon^2)$ for the *forward* difference, and
          $\frac{f(x+\epsilon) - f(x-\epsilon)}{2\epsilon} = f'(x) + \frac{\epsilon^2}{6} f'''(x)
          + O(\epsilon^4)$ for the *central* difference;
        * **round-off error**: each $f$ value carries a relative error of about the machine
          epsilon $u \approx 1.1\times 10^{-16}$, and dividing the difference by $\epsilon$
          amplifies it to about $u|f|/\epsilon$.

        Their sum is smallest at $\epsilon \approx \sqrt{u}$ for forward differences and
        $\epsilon \approx u^{1/3}$ for central ones. We measure it on $f(w) = \sigma(w \cdot 1 + 0)$
        at $w = 0.5$ (not at $w = 0$: there $f''(0) = 0$, an inflection point, which would hide the
        forward difference's first-order error). The reference is the engine's reverse-mode
        derivative, and the model curves use $f''$ and $f'''$ obtained by differentiating the
        engine's derivative again (`create_graph=True`).
        """),
        code('''
def f_of_w(w):
    return 1 / (ag.exp(-(w * 1.0 + 0.0)) + 1)

w0 = ag.tensor(0.5, requires_grad=True)
value = f_of_w(w0)
(d1,) = ag.grad(value, w0, create_graph=True)
(d2,) = ag.grad(d1, w0, create_graph=True)
(d3,) = ag.grad(d2, w0)
s = 1 / (1 + math.exp(-0.5))
check("|engine f'(0.5) − σ(0.5)(1 − σ(0.5))|", abs(d1.item() - s * (1 - s)), 1e-16)

u = np.finfo(float).eps / 2
eps_grid = np.logspace(-16, -1, 61)
errors = {m: np.array([abs(ag.numerical_grad(f_of_w, [w0.detach()], eps=e, method=m)[0].item()
                           - d1.item()) for e in eps_grid])
          for m in ("forward", "central")}
models = {"forward": abs(d2.item()) * eps_grid / 2 + 2 * u * value.item() / eps_grid,
          "central": abs(d3.item()) * eps_grid**2 / 6 + u * value.item() / eps_grid}

fig, ax = plt.subplots(figsize=(7.5, 4.5))
for (m, err), color in zip(errors.items(), ["tab:blue", "tab:red"]):
    ax.loglog(eps_grid, np.maximum(err, 1e-17), "o", ms=3.5, color=color, label=f"{m} difference (measured)")
    ax.loglog(eps_grid, models[m], "-", color=color, alpha=0.5,
              label=f"{m}: truncation + round-off model")
ax.set_ylim(1e-13, 1)
ax.set_xlabel("step ε")
ax.set_ylabel("|numerical − autodiff|")
ax.set_title("Finite differences: round-off (slope −1) against truncation (slope 1 or 2)")
ax.annotate("round-off ∝ u/ε", (1e-14, 3e-3))
ax.annotate("truncation ∝ ε", (1e-6, 1e-4), color="tab:blue")
ax.annotate("truncation ∝ ε²", (1e-3, 1e-11), color="tab:red")
ax.legend(loc="lower left", fontsize=8)
plt.show()

for m, predicted in [("forward", math.sqrt(4 * u * value.item() / abs(d2.item()))),
                     ("central", (3 * u * value.item() / abs(d3.item())) ** (1 / 3))]:
    near = np.abs(np.log(eps_grid / predicted)).argmin()
    print(f"{m:8s} difference: best step ε* ≈ {predicted:.0e} (model); measured error there "
          f"{errors[m][near]:.1e}, i.e. about {-math.log10(errors[m][near] / d1.item()):.0f} correct digits")
check("best central-difference error", errors["central"].min(), 1e-9)
'''),
        md(r"""
        Even at its best step, a central difference keeps only about two thirds of the
        sixteen significant digits, and a forward difference about half — while the engine's
        derivative is exact up to the rounding of the operations themselves. That is why
        finite differences serve as the *referee* in `ag.gradcheck` (central, $\epsilon = 10^{-6}$,
        float64) rather than as a way to train.

        ## 4. Numerical differentiation: cost

        The notes' second objection is cost: to get $\partial\mathcal{L}/\partial w^{(l)}_{ij}$ by
        perturbation, every parameter needs its own forward pass through the whole network. With
        $N$ parameters and a forward pass that costs $O(N)$, a numerical gradient costs
        $2N$ forward passes, $O(N^2)$; reverse mode costs one forward and one backward pass,
        $O(N)$. We time both on tanh networks of width 4 and growing depth, so that the forward
        pass (dominated here by per-operation overhead) grows in proportion to $N$.
        """),
        code('''
rng = np.random.default_rng(0)
width = 4
x_batch = ag.tensor(rng.standard_normal((8, width)))

def make_params(depth):
    params = []
    for _ in range(depth):
        params += [ag.tensor(rng.standard_normal((width, width)) / 2, requires_grad=True),
                   ag.tensor(np.zeros(width), requires_grad=True)]
    return params

def loss_fn(*params):
    a = x_batch
    for W, b in zip(params[::2], params[1::2]):
        a = ag.tanh(a @ W.T + b)
    return (a * a).mean()

def best_time(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter(); fn(); times.append(time.perf_counter() - start)
    return min(times)

rows = []
for depth in [1, 2, 4, 8, 16, 32]:
    params = make_params(depth)
    n_params = sum(p.size for p in params)
    def backprop():
        return ag.grad(loss_fn(*params), params)
    t_rev = best_time(backprop, 20)
    t_num = best_time(lambda: ag.numerical_grad(loss_fn, params), 2 if depth > 8 else 3)
    error = max(np.abs(g.data - n).max() for g, n in zip(backprop(), ag.numerical_grad(loss_fn, params)))
    rows.append((n_params, t_rev, t_num, error))
    print(f"N = {n_params:4d} parameters: backprop {t_rev * 1e3:7.2f} ms,  numerical {t_num * 1e3:8.1f} ms,"
          f"  ratio {t_num / t_rev:6.0f},  max |difference| {error:.1e}")

N, t_rev, t_num, err = map(np.array, zip(*rows))
slope_rev = np.polyfit(np.log(N[2:]), np.log(t_rev[2:]), 1)[0]
slope_num = np.polyfit(np.log(N[2:]), np.log(t_num[2:]), 1)[0]
fig, ax = plt.subplots(figsize=(6.5, 4))
ax.loglog(N, t_num, "o-", label=f"numerical gradient (slope {slope_num:.2f})")
ax.loglog(N, t_rev, "s-", label=f"reverse mode (slope {slope_rev:.2f})")
ax.loglog(N, t_num[0] * (N / N[0]) ** 2, "k:", lw=1, label="∝ N²")
ax.loglog(N, t_rev[0] * (N / N[0]), "k--", lw=1, label="∝ N")
ax.set_xticks(N, [str(n) for n in N])
ax.xaxis.set_minor_formatter(plt.NullFormatter())
ax.set_xlabel("number of parameters N")
ax.set_ylabel("seconds per gradient")
ax.set_title("Cost of one gradient")
ax.legend()
plt.show()
check("max |backprop − numerical| over all sizes", err.max(), 1e-8)
'''),
        md(r"""
        The fitted slopes come out near 2 and 1. (For a *wide* network with a fixed depth
        the same holds only once the matrix products, not Python overhead, dominate the forward
        pass; for the few hundred parameters that fit in this notebook's time budget the depth
        sweep shows the effect cleanly.) The gradients agree to about $10^{-10}$ — the
        central-difference accuracy measured in section 3.

        ## 5. Symbolic differentiation and expression swell

        Symbolic differentiation rewrites a formula into the formula of its derivative, using
        rules such as $(uv)' = u'v + uv'$. The notes list its drawbacks (long compilation, a
        dedicated expression language, hard debugging); the deepest one is **expression swell**:
        each application of the product or quotient rule copies sub-expressions, so the
        derivative of a nested expression can be far larger than the expression. A
        20-line symbolic differentiator on tuples — with the usual simplifications
        $0 \cdot u = 0$, $1 \cdot u = u$, $u + 0 = u$ — is enough to see it.
        """),
        code('''
# an expression is a number, a variable name, or a tuple (op, operand, ...)
def simplify(op, *args):
    if all(isinstance(a, (int, float)) for a in args):          # constant folding
        a = args
        return {"+": lambda: a[0] + a[1], "-": lambda: a[0] - a[1], "*": lambda: a[0] * a[1],
                "/": lambda: a[0] / a[1], "neg": lambda: -a[0], "exp": lambda: math.exp(a[0])}[op]()
    if op == "neg" and isinstance(args[0], tuple) and args[0][0] == "neg": return args[0][1]
    if op == "-" and args[0] == 0: return simplify("neg", args[1])
    if op == "+" and args[0] == 0: return args[1]
    if op in "+-" and args[1] == 0: return args[0]
    if op == "*" and 0 in args: return 0
    if op == "*" and args[0] == 1: return args[1]
    if op in "*/" and args[1] == 1: return args[0]
    return (op, *args)

def d(e, var):
    """The derivative of expression e with respect to the variable var, rule by rule."""
    if isinstance(e, (int, float)): return 0
    if isinstance(e, str): return 1 if e == var else 0
    op, *a = e
    da = [d(x, var) for x in a]
    if op in "+-": return simplify(op, da[0], da[1])
    if op == "neg": return simplify("neg", da[0])
    if op == "*": return simplify("+", simplify("*", da[0], a[1]), simplify("*", a[0], da[1]))
    if op == "/": return simplify("/", simplify("-", simplify("*", da[0], a[1]), simplify("*", a[0], da[1])),
                                  simplify("*", a[1], a[1]))
    if op == "exp": return simplify("*", e, da[0])

def show(e):
    if not isinstance(e, tuple): return str(e)
    op, *a = e
    if op == "neg": return f"-{show(a[0])}"
    if op == "exp": return f"exp({show(a[0])})"
    return f"({show(a[0])} {op} {show(a[1])})"

def evaluate(e, env):
    if isinstance(e, (int, float)): return e
    if isinstance(e, str): return env[e]
    op, *a = e
    v = [evaluate(x, env) for x in a]
    return {"+": lambda: v[0] + v[1], "-": lambda: v[0] - v[1], "*": lambda: v[0] * v[1],
            "/": lambda: v[0] / v[1], "neg": lambda: -v[0], "exp": lambda: math.exp(v[0])}[op]()

def size(e):
    return 1 + sum(size(x) for x in e[1:]) if isinstance(e, tuple) else 1

# the notes' f(x; w, b) = 1 / (exp(-(w x + b)) + 1), differentiated again and again in w
expr = ("/", 1, ("+", ("exp", ("neg", ("+", ("*", "w", "x"), "b"))), 1))
print("f        =", show(expr))
print("∂f/∂w    =", show(d(expr, "w")))
print("∂²f/∂w²  =", show(d(d(expr, "w"), "w")))
'''),
        code('''
env = {"x": 1.0, "w": 0.5, "b": 0.0}
w_t = ag.tensor(0.5, requires_grad=True)
engine_derivative = f_of_w(w_t)          # the same f, recorded by the engine
e = expr
print(" k   symbolic size (nodes)   symbolic value   engine value (nested ag.grad)")
for k in range(1, 7):
    e = d(e, "w")
    (engine_derivative,) = ag.grad(engine_derivative, w_t, create_graph=True)
    print(f"{k:2d}   {size(e):21d}   {evaluate(e, env):14.10f}   {engine_derivative.item():14.10f}")
    check(f"   |symbolic − engine| for the order-{k} derivative",
          abs(evaluate(e, env) - engine_derivative.item()), 1e-12)
'''),
        md(r"""
        The size of the $k$-th symbolic derivative grows geometrically (about fourfold per
        order here), even though a human would write the first one as $f(1-f)x$. The classic
        illustration (Baydin et al., *Automatic differentiation in machine learning: a survey*,
        2018) is the logistic map $l_{n+1} = 4 l_n (1 - l_n)$, $l_1 = x$: the expression for
        $l_n$ mentions $l_{n-1}$ twice, so written out as a formula it doubles with every step,
        and its derivative grows even faster. Automatic differentiation never writes the
        formula out: it shares $l_{n-1}$ as one node, records 3 operations per step and gets
        the derivative in one backward pass — cost linear in $n$.
        """),
        code('''
def logistic_map(x, n):
    l = x
    for _ in range(n - 1):
        l = 4 * l * (1 - l) if not isinstance(l, (str, tuple)) else ("*", ("*", 4, l), ("-", 1, l))
    return l

print(" n   size of l_n   size of dl_n/dx   engine ops recorded   dl_n/dx at x=0.3: symbolic / engine")
for n in range(2, 9):
    sym = logistic_map("x", n)
    dsym = d(sym, "x")
    x_t = ag.tensor(0.3, requires_grad=True)
    (dx,) = ag.grad(logistic_map(x_t, n), x_t)
    print(f"{n:2d}   {size(sym):11d}   {size(dsym):15d}   {3 * (n - 1):19d}   "
          f"{evaluate(dsym, {'x': 0.3}):12.6f} / {dx.item():.6f}")
'''),
        md(r"""
        Automatic differentiation can be read as symbolic differentiation that keeps every
        intermediate *value* instead of every intermediate *formula*: the chain rule is applied
        to numbers on the graph, so repeated sub-expressions are computed once. This — plus the
        fact that it differentiates programs with loops and branches, not just closed-form
        formulas — is why deep-learning libraries are built on it.

        **Summary.** Forward mode carries $\partial h_i/\partial w$ along with the values (one pass
        per input); reverse mode carries $\partial f/\partial h_i$ backwards (one pass per output)
        and is backpropagation. Both agree with the hand computation of the notes exactly. Finite
        differences lose half or more of the digits and cost $O(N^2)$; symbolic differentiation
        swells; automatic differentiation is exact and $O(N)$.
        """),
    ]


# =============================================================================== 02
@notebook("02_activation_functions.ipynb")
def activation_functions():
    return [
        md(r"""
        # 02 · Activation functions

        A neuron computes its net input $z = \mathbf{w}^\top\mathbf{x} + b$ and its activation
        $a = f(z)$. The notes ask three things of $f$: continuous and differentiable (except at
        a few points), so that gradient methods apply; cheap to compute; and a derivative whose
        range is neither too small nor too large, or training becomes slow or unstable. This
        notebook looks at every activation of the notes through that last lens — its derivative
        — using `nn.functional` for the functions and the engine for the derivatives.
        """),
        code(SETUP + '''
import math
from viz.plots import activation_curves
'''),
        md(r"""
        ## 1. The catalogue

        `viz.plot_activations` draws each function (solid) and its derivative (dashed), the
        derivative computed by reverse mode. From the notes:

        * **sigmoid family** — Logistic $\sigma(x) = 1/(1 + e^{-x})$, $\tanh(x) = 2\sigma(2x) - 1$,
          and their *hard* versions, the first-order Taylor expansions at 0 clipped to the range:
          $\text{hard-logistic}(x) = \max(\min(0.25x + 0.5, 1), 0)$,
          $\text{hard-tanh}(x) = \max(\min(x, 1), -1)$;
        * **ReLU family** — $\mathrm{ReLU}(x) = \max(0, x)$,
          $\mathrm{LeakyReLU}(x) = \max(0, x) + \gamma\min(0, x)$, PReLU (the same with a learned
          $\gamma_i$), $\mathrm{ELU}(x) = \max(0, x) + \min(0, \gamma(e^x - 1))$ and its smooth
          cousin $\mathrm{softplus}(x) = \log(1 + e^x)$;
        * **gated** — $\mathrm{swish}(x) = x\,\sigma(\beta x)$ and
          $\mathrm{GELU}(x) = x\,P(X \le x)$, $X \sim \mathcal{N}(0, 1)$, with its two approximations;
        * **DyT** $= \gamma\tanh(\alpha x) + \beta$.
        """),
        code('''
viz.plot_activations()
'''),
        md(r"""
        Each derivative drawn above came from the engine. Checked against the closed forms of
        the notes on a grid that avoids the kinks:
        """),
        code('''
x = np.linspace(-4, 4, 400)          # does not contain the kinks 0, ±1, ±2
sig = 1 / (1 + np.exp(-x))
phi = np.exp(-x**2 / 2) / np.sqrt(2 * np.pi)
Phi = 0.5 * (1 + np.array([math.erf(v / math.sqrt(2)) for v in x]))
s5 = 1 / (1 + np.exp(-5 * x))
closed_form = {
    "sigmoid": sig * (1 - sig),                          # σ' = σ(1 − σ)
    "tanh": 1 - np.tanh(x) ** 2,                         # tanh' = 1 − tanh²
    "hard_logistic": np.where(np.abs(x) < 2, 0.25, 0.0),
    "hard_tanh": np.where(np.abs(x) < 1, 1.0, 0.0),
    "relu": (x > 0).astype(float),
    "leaky_relu (γ=0.1)": np.where(x > 0, 1.0, 0.1),
    "prelu (γ=0.25)": np.where(x > 0, 1.0, 0.25),
    "elu": np.where(x > 0, 1.0, np.exp(x)),              # γ = 1
    "softplus": sig,                                     # softplus' = σ
    "swish (β=1) = silu": sig + x * sig * (1 - sig),     # σ(βx) + βx σ(βx)(1 − σ(βx))
    "swish (β=5)": s5 + 5 * x * s5 * (1 - s5),
    "gelu": Phi + x * phi,                               # Φ(x) + x φ(x)
}
for name, expected in closed_form.items():
    _, dy = activation_curves(name, x)
    check(f"max |engine f′ − closed form|  {name:20s}", np.abs(dy - expected).max(), 1e-12)
y_tanh, _ = activation_curves("tanh", x)
check("max |tanh(x) − (2σ(2x) − 1)|", np.abs(y_tanh - (2 / (1 + np.exp(-2 * x)) - 1)).max(), 1e-15)
'''),
        md(r"""
        ## 2. Saturation

        Logistic and tanh are *saturating on both sides*: $f'(x) \to 0$ as $x \to \pm\infty$. A unit
        whose net input sits far from 0 passes almost no gradient back — the error term
        $\delta = f'(z) \odot (\cdots)$ of backpropagation is multiplied by a tiny $f'(z)$. Two
        numbers tell the story: $\sigma'(x) \le \sigma'(0) = 1/4$ everywhere, and already
        $\sigma'(5) \approx 0.0066$. ReLU saturates on the left only, and has $f' = 1$ on the right.

        Below, left: the derivatives on a log scale. Right: the average slope
        $\mathbb{E}[f'(z)]$ when the net inputs are $z \sim \mathcal{N}(0, s^2)$ — what a layer
        sees when its weights (or its inputs) are too large. This is why the notes want
        initial net inputs near 0, and why normalising inputs and batch normalisation help
        (notebook 06). ReLU and GELU pass back half the gradient on average at every scale
        (their curves coincide: for symmetric $z$, $\mathbb{E}[f'(z)] = 1/2$ for both).
        """),
        code('''
x = np.linspace(-10, 10, 2001)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
for name in ["sigmoid", "tanh", "relu", "gelu"]:
    _, dy = activation_curves(name, x)
    ax1.semilogy(x, np.maximum(dy, 1e-6), label=name)
ax1.set_ylim(1e-5, 2)
ax1.set_xlabel("x"); ax1.set_ylabel("f′(x) (log scale)"); ax1.set_title("Derivatives")
ax1.legend()

rng = np.random.default_rng(0)
z = rng.standard_normal(100_000)
scales = np.logspace(-1, 1.5, 26)
for name in ["sigmoid", "tanh", "relu", "gelu"]:
    ax2.semilogx(scales, [activation_curves(name, s * z)[1].mean() for s in scales], label=name)
ax2.set_xlabel("spread s of the net inputs z ~ N(0, s²)"); ax2.set_ylabel("mean f′(z)")
ax2.set_title("Average slope a layer passes back")
ax2.legend()
plt.show()

_, d_sig = activation_curves("sigmoid", np.array([0.0, 5.0]))
print(f"σ'(0) = {d_sig[0]:.4f},  σ'(5) = {d_sig[1]:.4f}")
for s in [1, 10]:
    print(f"s = {s:2d}:  mean σ'(z) = {activation_curves('sigmoid', s * z)[1].mean():.3f}, "
          f"mean tanh'(z) = {activation_curves('tanh', s * z)[1].mean():.3f}, "
          f"mean relu'(z) = {activation_curves('relu', s * z)[1].mean():.3f}")
'''),
        md(r"""
        ## 3. Dying ReLU

        ReLU's left side is exactly flat. The notes describe the failure this causes: *after one
        improper update, a neuron may never activate again on any training sample*. Its output
        is then 0 everywhere, so $f'(z) = 0$ for every sample, the gradient of its weights is
        exactly zero, and no gradient method can bring it back. Leaky ReLU keeps a slope
        $\gamma$ on the left precisely to avoid this.

        The experiment: a 2-64-2 network learns the two-moons problem; then one bad update
        pushes every first-layer bias down by 2 (the kind of step a too-large learning rate
        produces); then training continues with Adam for 20 epochs. A unit counts as **dead**
        when its net input is $\le 0$ on every training sample. A callback of `nn.fit` counts
        the dead units after each epoch.
        """),
        code('''
X, y = nn.data.make_moons(400, noise=0.15, rng=0)
X, _, _ = nn.data.standardize(X)
loader = nn.data.DataLoader(nn.data.TensorDataset(X, y), batch_size=32, shuffle=True, rng=0)


def dead_units(model):
    """Boolean mask of first-layer units whose net input is <= 0 on every training sample."""
    with ag.no_grad():
        z = model[0](ag.tensor(X)).data
    return z.max(axis=0) <= 0


class CountDead(nn.Callback):
    def __init__(self):
        self.counts = []

    def on_epoch_end(self, epoch, logs, model):
        self.counts.append(int(dead_units(model).sum()))


results = {}
for name, activation in [("ReLU", nn.ReLU()), ("LeakyReLU (γ = 0.01)", nn.LeakyReLU(0.01))]:
    model = nn.Sequential(nn.Linear(2, 64, rng=1), activation, nn.Linear(64, 2, rng=3))
    before = nn.fit(model, loader, nn.CrossEntropyLoss(), nn.optim.Adam(model.parameters(), lr=0.01),
                    epochs=10, metrics=["accuracy"], progress=False)
    model[0].bias.data[...] -= 2.0                      # the improper update
    counter = CountDead()
    counter.counts.append(int(dead_units(model).sum()))
    after = nn.fit(model, loader, nn.CrossEntropyLoss(), nn.optim.Adam(model.parameters(), lr=0.01),
                   epochs=20, metrics=["accuracy"], callbacks=[counter], progress=False)
    results[name] = (model, counter.counts, before["accuracy"] + after["accuracy"])
    print(f"{name:22s} dead units: {counter.counts[0]} of 64 after the bad update, "
          f"{counter.counts[-1]} after 20 more epochs;  training accuracy "
          f"{before['accuracy'][-1]:.3f} -> {after['accuracy'][0]:.3f} -> {after['accuracy'][-1]:.3f}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.5))
for name, (_, counts, acc) in results.items():
    ax1.plot(range(len(counts)), np.array(counts) / 64, marker=".", label=name)
    ax2.plot(range(1, len(acc) + 1), acc, marker=".", label=name)
ax1.set_xlabel("epochs after the bad update"); ax1.set_ylabel("fraction of dead units")
ax1.set_title("Dead first-layer units")
ax2.axvline(10.5, color="k", ls=":", lw=1)
ax2.annotate("bad update", (10.8, 0.45))
ax2.set_xlabel("epoch"); ax2.set_ylabel("training accuracy"); ax2.set_title("Accuracy")
ax1.legend(); ax2.legend()
plt.show()
'''),
        md(r"""
        The ReLU units that died stay dead, and the network has to make do with what is left.
        The leaky units receive a gradient $\gamma = 0.01$ times smaller but not zero, and
        Adam — which divides by the gradient's running magnitude — turns even that small signal
        into full-size steps, so many of them come back. The reason is visible in the gradients:
        """),
        code('''
for name, (model, _, _) in results.items():
    dead = dead_units(model)
    model.zero_grad()
    F.cross_entropy(model(ag.tensor(X)), ag.tensor(y)).backward()
    largest = max(np.abs(model[0].weight.grad.data[dead]).max(initial=0),
                  np.abs(model[0].bias.grad.data[dead]).max(initial=0))
    print(f"{name:22s} {dead.sum():2d} dead units; largest |gradient| over their weights and biases: {largest:.2e}")
    if name == "ReLU":
        check("ReLU: max |gradient| of the dead units' parameters", largest, 0.0)
'''),
        md(r"""
        ## 4. Swish: from linear to ReLU

        $\mathrm{swish}(x) = x\,\sigma(\beta x)$ is self-gated: the gate $\sigma(\beta x) \in (0, 1)$
        decides how much of $x$ passes. At $\beta = 0$ the gate is $1/2$ and swish is the linear
        function $x/2$; as $\beta \to \infty$ the gate becomes a step and swish becomes ReLU. It
        *interpolates* between a linear function and ReLU, and for finite $\beta > 0$ it is not
        monotone (a small dip below 0 for negative $x$).

        How fast does it approach ReLU? $|\mathrm{swish}_\beta(x) - \mathrm{ReLU}(x)| = |x|\,
        \sigma(-\beta|x|)$, and substituting $t = \beta|x|$ gives
        $\max_x = \frac{1}{\beta}\max_t t\,\sigma(-t) \approx 0.2785/\beta$: the gap shrinks like
        $1/\beta$.
        """),
        code('''
x = np.linspace(-4, 4, 80001)
fig, ax = plt.subplots(figsize=(7, 4))
for beta in [0, 0.5, 1, 2, 5, 20]:
    ax.plot(x, F.swish(ag.tensor(x), beta).data, label=f"β = {beta}")
ax.plot(x, x / 2, "k:", lw=1, label="x/2")
ax.plot(x, np.maximum(x, 0), "k--", lw=1, label="ReLU")
ax.set_ylim(-1, 4); ax.set_title("swish(x) = x·σ(βx)"); ax.legend(fontsize=8)
plt.show()

check("β = 0: max |swish − x/2|", np.abs(F.swish(ag.tensor(x), 0.0).data - x / 2).max(), 0.0)
t = np.linspace(0, 5, 500001)
constant = (t / (1 + np.exp(t))).max()
print(f"max_t t·σ(−t) = {constant:.4f}")
for beta in [1, 10, 100, 1000]:
    gap = np.abs(F.swish(ag.tensor(x), float(beta)).data - np.maximum(x, 0)).max()
    print(f"β = {beta:4d}: max |swish − ReLU| = {gap:.3e},  β · gap = {beta * gap:.4f}")
'''),
        md(r"""
        ## 5. GELU and its two approximations

        $\mathrm{GELU}(x) = x\,\Phi(x)$ gates $x$ by the standard normal CDF. The notes give
        two cheaper forms: $0.5x\bigl(1 + \tanh(\sqrt{2/\pi}(x + 0.044715x^3))\bigr)$ and
        $x\,\sigma(1.702x)$. `F.gelu` computes the exact one with `erf` and both approximations
        (`approximate="tanh"` / `"sigmoid"`); their errors, and those of their derivatives:
        """),
        code('''
x = np.linspace(-6, 6, 120001)
exact, d_exact = activation_curves("gelu", x)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
for approx in ["tanh", "sigmoid"]:
    y_approx, d_approx = activation_curves(f"gelu ({approx})", x)
    err, d_err = y_approx - exact, d_approx - d_exact
    i = np.abs(err).argmax()
    print(f"{approx:7s}: max |approx − exact| = {np.abs(err).max():.2e} at x = {x[i]:+.2f};  "
          f"max |approx′ − exact′| = {np.abs(d_err).max():.2e}")
    ax1.plot(x, err, label=f"{approx} approximation")
    ax2.plot(x, d_err, label=f"{approx} approximation")
ax1.set_title("GELU: approximation − exact"); ax2.set_title("derivative: approximation − exact")
for ax in (ax1, ax2):
    ax.set_xlabel("x"); ax.legend()
plt.show()
'''),
        md(r"""
        The tanh form is accurate to about $5\times10^{-4}$; the sigmoid form $x\sigma(1.702x)$ —
        which is swish with $\beta = 1.702$ — to about $2\times10^{-2}$. Both errors vanish far
        from 0, where GELU is either $x$ or 0.

        ## 6. Maxout

        A Maxout unit does not squash a scalar net input: it has $K$ weight vectors and takes the
        largest of $K$ net inputs, $\mathrm{maxout}(\mathbf{x}) = \max_k(\mathbf{w}_k^\top\mathbf{x}
        + b_k)$. A maximum of affine functions is convex and piecewise linear, and every convex
        function is the maximum of its tangents — so, as the notes say, Maxout can approximate
        any convex function. With one input and the $K$ tangents of $x^2$ at points $c_k$ spaced
        $h$ apart on $[-2, 2]$ (slope $2c_k$, intercept $-c_k^2$), the largest gap sits halfway
        between tangent points and equals $(h/2)^2$. ReLU itself is a Maxout unit with $K = 2$
        pieces, $x$ and 0.
        """),
        code('''
x = np.linspace(-2, 2, 4001)
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(x, x**2, "k", lw=2, label="x²")
for K in [2, 3, 5, 9]:
    unit = nn.Maxout(1, 1, K)
    c = np.linspace(-2, 2, K)
    unit.weight.data[...] = (2 * c).reshape(1, K, 1)    # tangent at c: 2c·x − c²
    unit.bias.data[...] = (-c**2).reshape(1, K)
    with ag.no_grad():
        approx = unit(ag.tensor(x[:, None])).data[:, 0]
    h = 4 / (K - 1)
    check(f"K = {K}: |max error − (h/2)²|", abs(np.abs(approx - x**2).max() - (h / 2) ** 2), 1e-6)
    ax.plot(x, approx, label=f"Maxout, K = {K} pieces")
ax.legend(); ax.set_title("A Maxout unit as a piecewise-linear convex approximation")
plt.show()

relu_unit = nn.Maxout(1, 1, 2)
relu_unit.weight.data[...] = np.array([1.0, 0.0]).reshape(1, 2, 1)
relu_unit.bias.data[...] = 0.0
with ag.no_grad():
    as_relu = relu_unit(ag.tensor(x[:, None])).data[:, 0]
check("Maxout with pieces (x, 0): max |maxout − ReLU|", np.abs(as_relu - np.maximum(x, 0)).max(), 0.0)
'''),
        md(r"""
        Learned by gradient descent from a random start, a 5-piece unit fits even better than
        the evenly spaced tangents (which are not the least-squares optimum); at each input the
        gradient flows only into the piece that attains the maximum.
        """),
        code('''
unit = nn.Maxout(1, 1, 5, rng=0)
xs = ag.tensor(np.linspace(-2, 2, 101)[:, None])
target = xs * xs
opt = nn.optim.Adam(unit.parameters(), lr=0.05)
for step in range(1500):
    opt.zero_grad()
    loss = F.mse_loss(unit(xs), target)
    loss.backward()
    opt.step()
c = np.linspace(-2, 2, 5)
tangents = np.max(2 * c[None] * xs.data - c[None] ** 2, axis=1)
print(f"mean squared error: learned {loss.item():.4f}, evenly spaced tangents {np.mean((tangents - xs.data[:, 0] ** 2) ** 2):.4f}")
print("learned slopes:", np.sort(unit.weight.data.ravel()))
'''),
        md(r"""
        ## 7. DyT, dynamic tanh

        DyT (Zhu et al., CVPR 2025, *Transformers without Normalization*) replaces a
        normalisation layer by an element-wise $\mathrm{DyT}(x) = \gamma \odot \tanh(\alpha x) + \beta$
        with a learnable scalar $\alpha$ and per-feature $\gamma, \beta$ (`nn.DyT(num_features,
        alpha_init=0.5)`). $\alpha$ sets the scale below which inputs pass almost linearly;
        $\tanh$ squashes larger values, so outliers are bounded by $|\gamma| + |\beta|$ — what a
        normaliser achieves by dividing by a statistic, DyT achieves without computing one.
        """),
        code('''
x = np.linspace(-8, 8, 801)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
for alpha in [0.25, 0.5, 1, 2]:
    ax1.plot(x, F.dyt(ag.tensor(x), alpha, 1.0, 0.0).data, label=f"α = {alpha}")
ax1.set_title("DyT(x) = γ·tanh(αx) + β   (γ = 1, β = 0)"); ax1.legend()

rng = np.random.default_rng(0)
activations = rng.standard_t(df=2, size=(256, 16))       # heavy tails: a few huge values
layer = nn.DyT(16, alpha_init=0.5)
with ag.no_grad():
    squashed = layer(ag.tensor(activations)).data
bins = np.linspace(-10, 10, 81)
ax2.hist(activations.ravel(), bins=bins, alpha=0.5, label="input (Student t, 2 d.o.f.)")
ax2.hist(squashed.ravel(), bins=bins, alpha=0.7, label="after DyT, α = 0.5")
ax2.set_yscale("log"); ax2.set_title("Outliers squashed"); ax2.legend()
plt.show()
print(f"largest |input| = {np.abs(activations).max():.1f},  largest |DyT output| = {np.abs(squashed).max():.3f}")

# α, γ and β are learned: their gradients against central differences
alpha = ag.tensor(np.array([0.5]), requires_grad=True)
gamma = ag.tensor(rng.standard_normal(16), requires_grad=True)
beta = ag.tensor(rng.standard_normal(16), requires_grad=True)
xt = ag.tensor(rng.standard_normal((4, 16)), requires_grad=True)
print("gradcheck of DyT with respect to x, α, γ, β:",
      ag.gradcheck(lambda x, a, g, b: F.dyt(x, a, g, b), [xt, alpha, gamma, beta]))
'''),
        md(r"""
        **Summary.** The derivative decides how an activation trains: sigmoid and tanh saturate
        on both sides ($\sigma' \le 1/4$); ReLU saturates on one side, where whole units can die
        for good; leaky variants, ELU, swish and GELU keep a gradient everywhere. Swish
        interpolates between $x/2$ and ReLU with a gap of $0.2785/\beta$; GELU's tanh approximation
        is about 40 times closer than its sigmoid one; Maxout learns a convex piecewise-linear
        function; DyT bounds activations like a normaliser without computing statistics.
        """),
    ]


# =============================================================================== 03
@notebook("03_backpropagation.ipynb")
def backpropagation():
    return [
        md(r"""
        # 03 · Backpropagation: the δ recursion by hand, checked against the engine

        The notes derive backpropagation for a feed-forward network
        $\mathbf{a}^{(0)} = \mathbf{x}$, $\mathbf{z}^{(l)} = W^{(l)}\mathbf{a}^{(l-1)} + \mathbf{b}^{(l)}$,
        $\mathbf{a}^{(l)} = f_l(\mathbf{z}^{(l)})$, with $W^{(l)} \in \mathbb{R}^{M_l \times M_{l-1}}$.
        The error term of layer $l$ is $\boldsymbol\delta^{(l)} = \partial\mathcal{L}/\partial\mathbf{z}^{(l)}$,
        and the chain rule gives

        $$\boldsymbol\delta^{(l)} = f_l'(\mathbf{z}^{(l)}) \odot \bigl((W^{(l+1)})^\top \boldsymbol\delta^{(l+1)}\bigr),
        \qquad
        \frac{\partial\mathcal{L}}{\partial W^{(l)}} = \boldsymbol\delta^{(l)}(\mathbf{a}^{(l-1)})^\top,
        \qquad
        \frac{\partial\mathcal{L}}{\partial \mathbf{b}^{(l)}} = \boldsymbol\delta^{(l)} .$$

        Read the first formula as the notes do: a neuron's error is the weighted sum of the
        errors of the neurons it feeds, times the slope of its own activation. Here we
        implement the recursion in numpy, for a two-layer network, and compare every single
        number with the gradients the engine computes by reverse-mode automatic
        differentiation — which knows nothing about layers or δ, only about elementary
        operations.
        """),
        code(SETUP),
        md(r"""
        ## 1. One sample, squared error (the notes' BP algorithm)

        A 3-4-2 network with logistic activations in both layers and the error
        $E = \tfrac12\lVert\hat{\mathbf{y}} - \mathbf{y}\rVert^2$, $\hat{\mathbf{y}} = \mathbf{a}^{(2)}$.
        The output layer's error term is
        $\boldsymbol\delta^{(2)} = (\hat{\mathbf{y}} - \mathbf{y}) \odot \sigma'(\mathbf{z}^{(2)})$
        and $\sigma'(z) = \sigma(z)(1 - \sigma(z))$. `nn.Linear` stores its weight with shape
        (out, in), exactly the notes' $W^{(l)}$, so the numbers can be read straight out of
        the layers.
        """),
        code('''
rng = np.random.default_rng(0)
layer1, layer2 = nn.Linear(3, 4, rng=rng), nn.Linear(4, 2, rng=rng)
x_np = np.array([0.5, -1.0, 2.0])
y_np = np.array([1.0, 0.0])

W1, b1 = layer1.weight.data, layer1.bias.data
W2, b2 = layer2.weight.data, layer2.bias.data
sigmoid = lambda z: 1 / (1 + np.exp(-z))

# forward pass, keeping z and a of every layer
a0 = x_np
z1 = W1 @ a0 + b1;  a1 = sigmoid(z1)
z2 = W2 @ a1 + b2;  a2 = sigmoid(z2)
E = 0.5 * np.sum((a2 - y_np) ** 2)

# backward pass: the δ recursion
delta2 = (a2 - y_np) * a2 * (1 - a2)              # δ(2) = (ŷ − y) ⊙ σ'(z(2))
delta1 = a1 * (1 - a1) * (W2.T @ delta2)          # δ(1) = σ'(z(1)) ⊙ (W(2)ᵀ δ(2))
dW2, db2 = np.outer(delta2, a1), delta2           # ∂E/∂W(2) = δ(2) a(1)ᵀ
dW1, db1 = np.outer(delta1, a0), delta1           # ∂E/∂W(1) = δ(1) a(0)ᵀ
print(f"E = {E:.6f}")
print("δ(2) =", delta2)
print("δ(1) =", delta1)
'''),
        md(r"""
        The engine computes the same loss from the same layers. `retain_grad()` asks it to keep
        $\partial E/\partial\mathbf{z}^{(l)}$ of the two intermediate net inputs — that is,
        the δ's — which reverse mode computes on its way to the weights anyway.
        """),
        code('''
x, y = ag.tensor(x_np), ag.tensor(y_np)
z1_t = layer1(x);  z1_t.retain_grad()
z2_t = layer2(ag.sigmoid(z1_t));  z2_t.retain_grad()
E_t = 0.5 * ((ag.sigmoid(z2_t) - y) ** 2).sum()
E_t.backward()

check("|E engine − E by hand|", abs(E_t.item() - E), 1e-15)
check("max |δ(2) − engine ∂E/∂z(2)|", np.abs(delta2 - z2_t.grad.data).max(), 1e-15)
check("max |δ(1) − engine ∂E/∂z(1)|", np.abs(delta1 - z1_t.grad.data).max(), 1e-15)
for name, hand, param in [("W(1)", dW1, layer1.weight), ("b(1)", db1, layer1.bias),
                          ("W(2)", dW2, layer2.weight), ("b(2)", db2, layer2.bias)]:
    check(f"max |∂E/∂{name} by hand − engine|", np.abs(hand - param.grad.data).max(), 1e-15)
'''),
        md(r"""
        Element by element, for the first layer's weights — $\partial E/\partial w^{(1)}_{ij} = \delta^{(1)}_i a^{(0)}_j$:
        """),
        code('''
print(" i  j    δ(1)_i · a(0)_j        engine ∂E/∂w_ij        difference")
for i in range(4):
    for j in range(3):
        hand, engine = delta1[i] * a0[j], layer1.weight.grad.data[i, j]
        print(f" {i}  {j}   {hand:+.15f}   {engine:+.15f}   {hand - engine:+.1e}")
'''),
        md(r"""
        The engine's graph of this computation, with the two `nn.Linear` layers drawn as
        clusters (`model=`). Reverse mode walks it from $E$ back to the parameters; the δ's of
        the notes are the adjoints of the two `z` nodes, the outputs of the `+ bias` operations.
        """),
        code('''
class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1, self.act1 = layer1, nn.Sigmoid()
        self.layer2, self.act2 = layer2, nn.Sigmoid()

    def forward(self, x):
        return self.act2(self.layer2(self.act1(self.layer1(x))))

net = TwoLayer()
E_graph = 0.5 * ((net(x) - y) ** 2).sum()
E_graph.name = "E"
viz.draw_graph(E_graph, model=net, show_values=False, show_grads=False)
'''),
        md(r"""
        ## 2. A minibatch, softmax and cross-entropy, with the Frobenius penalty

        For classification the notes put a softmax on the output and use the cross-entropy
        $\mathcal{L} = -\mathbf{y}^\top\log\hat{\mathbf{y}}$ with a one-hot $\mathbf{y}$; the output
        error term then simplifies to $\boldsymbol\delta^{(L)} = \hat{\mathbf{y}} - \mathbf{y}$.
        Over a minibatch of $N$ samples with the structural risk
        $\mathcal{R} = \frac1N\sum_n\mathcal{L}^{(n)} + \frac{\lambda}{2}\sum_l\lVert W^{(l)}\rVert_F^2$,
        the weight gradient averages $\boldsymbol\delta^{(l)}_n(\mathbf{a}^{(l-1)}_n)^\top$ over the
        batch and adds $\lambda W^{(l)}$. With the samples as *rows* of matrices $A^{(l)}$ and
        $\Delta^{(l)}$ (how `nn.Linear` sees a batch), $\frac1N\sum_n \boldsymbol\delta_n\mathbf{a}_n^\top
        = \frac1N (\Delta^{(l)})^\top A^{(l-1)}$. This time the hidden layer is ReLU, with
        $f'(z) = [z > 0]$.
        """),
        code('''
rng = np.random.default_rng(1)
N, D, M, C, lam = 16, 5, 8, 3, 1e-2
X_np = rng.standard_normal((N, D))
labels = rng.integers(0, C, N)
Y = nn.data.one_hot(labels, C)
fc1, fc2 = nn.Linear(D, M, rng=rng), nn.Linear(M, C, rng=rng)

# by hand (rows are samples)
Z1 = X_np @ fc1.weight.data.T + fc1.bias.data;  A1 = np.maximum(Z1, 0)
Z2 = A1 @ fc2.weight.data.T + fc2.bias.data
P = np.exp(Z2 - Z2.max(axis=1, keepdims=True));  P /= P.sum(axis=1, keepdims=True)
R = -np.mean(np.sum(Y * np.log(P), axis=1)) + lam / 2 * (np.sum(fc1.weight.data**2) + np.sum(fc2.weight.data**2))
Delta2 = P - Y                                          # δ(L) = ŷ − y for every sample
Delta1 = (Z1 > 0) * (Delta2 @ fc2.weight.data)          # δ(1) = f'(z(1)) ⊙ W(2)ᵀ δ(2), row-wise
grads_by_hand = {
    "fc1.weight": Delta1.T @ X_np / N + lam * fc1.weight.data,
    "fc1.bias": Delta1.mean(axis=0),
    "fc2.weight": Delta2.T @ A1 / N + lam * fc2.weight.data,
    "fc2.bias": Delta2.mean(axis=0),
}

# by the engine
model = nn.Sequential(fc1, nn.ReLU(), fc2)
R_t = F.cross_entropy(model(ag.tensor(X_np)), ag.tensor(labels)) + F.frobenius_penalty([fc1.weight, fc2.weight], lam)
R_t.backward()
params = {"fc1.weight": fc1.weight, "fc1.bias": fc1.bias, "fc2.weight": fc2.weight, "fc2.bias": fc2.bias}
check("|R engine − R by hand|", abs(R_t.item() - R), 1e-14)
for name, hand in grads_by_hand.items():
    check(f"max |∂R/∂{name} by hand − engine|", np.abs(hand - params[name].grad.data).max(), 1e-15)
'''),
        md(r"""
        ## 3. Training with hand-written backpropagation

        The notes' training loop: forward, the δ recursion, gradients, update
        $W^{(l)} \leftarrow W^{(l)} - \alpha\bigl(\frac1N\sum_n \partial\mathcal{L}^{(n)}/\partial W^{(l)} + \lambda W^{(l)}\bigr)$,
        $\mathbf{b}^{(l)} \leftarrow \mathbf{b}^{(l)} - \alpha\,\frac1N\sum_n \partial\mathcal{L}^{(n)}/\partial\mathbf{b}^{(l)}$,
        repeated over shuffled minibatches. We run it on the two-moons data twice from the same
        initial weights: once entirely in numpy with the formulas above, once with the engine and
        `nn.optim.SGD` (weight decay on the weights only, through a parameter group). If the δ
        recursion is right the two runs stay together step after step.
        """),
        code('''
X, y = nn.data.make_moons(300, noise=0.2, rng=0)
X, _, _ = nn.data.standardize(X)
Yoh = nn.data.one_hot(y, 2)
alpha, lam, steps, batch = 0.5, 1e-4, 600, 32

engine_model = nn.Sequential(nn.Linear(2, 16, rng=3), nn.Tanh(), nn.Linear(16, 2, rng=4))
W = [engine_model[0].weight.data.copy(), engine_model[2].weight.data.copy()]
b = [engine_model[0].bias.data.copy(), engine_model[2].bias.data.copy()]
opt = nn.optim.SGD([{"params": [engine_model[0].weight, engine_model[2].weight], "weight_decay": lam},
                    {"params": [engine_model[0].bias, engine_model[2].bias]}], lr=alpha)

order_rng = np.random.default_rng(0)
gap, losses = [], []
for step in range(steps):
    idx = order_rng.choice(len(X), batch, replace=False)
    xb, yb = X[idx], Yoh[idx]
    # numpy: forward, δ recursion, update
    z1 = xb @ W[0].T + b[0];  a1 = np.tanh(z1)
    z2 = a1 @ W[1].T + b[1]
    p = np.exp(z2 - z2.max(1, keepdims=True));  p /= p.sum(1, keepdims=True)
    d2 = p - yb
    d1 = (1 - a1**2) * (d2 @ W[1])                      # tanh' = 1 − tanh²
    gW = [d1.T @ xb / batch + lam * W[0], d2.T @ a1 / batch + lam * W[1]]
    gb = [d1.mean(0), d2.mean(0)]
    for l in range(2):
        W[l] -= alpha * gW[l];  b[l] -= alpha * gb[l]
    # engine: the same step
    opt.zero_grad()
    loss = F.cross_entropy(engine_model(ag.tensor(xb)), ag.tensor(y[idx]))
    loss.backward()
    opt.step()
    losses.append(loss.item())
    gap.append(max(np.abs(W[0] - engine_model[0].weight.data).max(), np.abs(W[1] - engine_model[2].weight.data).max(),
                   np.abs(b[0] - engine_model[0].bias.data).max(), np.abs(b[1] - engine_model[2].bias.data).max()))

with ag.no_grad():
    accuracy = (engine_model(ag.tensor(X)).data.argmax(1) == y).mean()
print(f"after {steps} steps: minibatch loss {np.mean(losses[-20:]):.4f}, training accuracy {accuracy:.3f}")
check("max |numpy parameters − engine parameters| over all steps", max(gap), 1e-12)
'''),
        code('''
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.plot(losses, lw=0.8)
ax.set_xlabel("step"); ax.set_ylabel("minibatch cross-entropy"); ax.set_title("Training with the δ recursion")
plt.show()
viz.plot_decision_boundary(engine_model, X, y)
'''),
        md(r"""
        The hand-written and engine runs agree to rounding error after 600 steps, and the
        network separates the moons.

        **What the engine adds.** The δ recursion is reverse-mode differentiation specialised to
        a chain of affine maps and element-wise activations; the engine applies the same chain
        rule to any graph of elementary operations — softmax and cross-entropy, the Frobenius
        penalty, batch normalisation, Maxout, branches and loops — without anyone deriving a new
        δ formula. That is why the notes call the general method automatic differentiation, and
        backpropagation its reverse mode on a feed-forward network.
        """),
    ]


# =============================================================================== 04
@notebook("04_mlp_on_digits.ipynb")
def mlp_on_digits():
    return [
        md(r"""
        # 04 · A multi-layer perceptron on handwritten digits

        The notes' practical example trains a fully connected network on MNIST with minibatch
        SGD or Adam and a softmax/cross-entropy output. Here the same recipe runs on the 8×8
        UCI digits that ship with `nn` (1797 images, 64 pixels with values 0…16, ten classes),
        small enough to train in seconds: the notes' training tips — minibatches, input
        normalisation, the choice of optimiser — can be measured rather than asserted.
        """),
        code(SETUP),
        code('''
X_all, y_all = nn.data.load_digits()
print(f"X: {X_all.shape}, pixel values {X_all.min():g}…{X_all.max():g};  y: {y_all.shape}, "
      f"class counts {np.bincount(y_all)}")

fig, axes = plt.subplots(2, 10, figsize=(10, 2.4))
for ax, i in zip(axes.flat, range(20)):
    ax.imshow(X_all[i].reshape(8, 8), cmap="gray_r", vmin=0, vmax=16)
    ax.set_title(str(y_all[i]), fontsize=10)
    ax.axis("off")
plt.show()
'''),
        md(r"""
        A seeded 80/20 split into training and test sets. The normalisation of the notes,
        $\text{NewX} = (X - \text{mean}(X))/\text{std}(X)$ per feature, uses the *training*
        statistics for both sets (`nn.data.standardize` returns them for reuse), so nothing
        about the test set leaks into training.
        """),
        code('''
rng = np.random.default_rng(0)
order = rng.permutation(len(X_all))
train, test = order[:1437], order[1437:]
X_train_raw, y_train = X_all[train], y_all[train]
X_test_raw, y_test = X_all[test], y_all[test]
X_train, mean, std = nn.data.standardize(X_train_raw)
X_test, _, _ = nn.data.standardize(X_test_raw, mean, std)
print(f"train {X_train.shape}, test {X_test.shape}")
constant = X_train_raw.std(axis=0) == 0
print(f"raw pixels: mean {X_train_raw.mean():.2f}, std {X_train_raw.std():.2f};  standardised: every "
      f"pixel mean 0 and std 1, except {constant.sum()} pixels that are constant in the training set (set to 0)")
check("max |per-pixel std − 1| after standardising", np.abs(X_train.std(axis=0)[~constant] - 1).max(), 1e-12)


def mlp(seed=0):
    """64 → 64 (ReLU) → 10 logits; the softmax lives in the cross-entropy loss."""
    return nn.Sequential(nn.Linear(64, 64, rng=seed), nn.ReLU(), nn.Linear(64, 10, rng=seed + 1))


def train_model(optimizer_fn, X_tr, X_te, epochs=20, seed=0, batch_size=32, compile=False):
    model = mlp(seed)
    train_loader = nn.data.DataLoader(nn.data.TensorDataset(X_tr, y_train), batch_size=batch_size,
                                      shuffle=True, rng=seed)
    test_loader = nn.data.DataLoader(nn.data.TensorDataset(X_te, y_test), batch_size=len(y_test))
    history = nn.fit(model, train_loader, nn.CrossEntropyLoss(), optimizer_fn(model.parameters()),
                     epochs=epochs, val_loader=test_loader, metrics=["accuracy"], progress=False,
                     compile=compile)
    return model, history
'''),
        md(r"""
        ## 1. Minibatch SGD against Adam

        One epoch of `nn.fit` is the notes' loop: shuffle, then for every minibatch of 32
        samples compute the average loss, backpropagate, update. Plain SGD updates
        $\theta \leftarrow \theta - \alpha g$; Adam rescales every coordinate by running estimates
        of the gradient's first and second moments (notebook 05). Each gets a customary
        learning rate: 0.1 for SGD, $10^{-3}$ for Adam.
        """),
        code('''
runs = {}
for name, optimizer_fn in [("SGD, α = 0.1", lambda p: nn.optim.SGD(p, lr=0.1)),
                           ("Adam, α = 1e-3", lambda p: nn.optim.Adam(p, lr=1e-3))]:
    runs[name] = train_model(optimizer_fn, X_train, X_test)
    h = runs[name][1]
    print(f"{name:15s} final training loss {h['loss'][-1]:.4f}, test loss {h['val_loss'][-1]:.4f}, "
          f"test accuracy {h['val_accuracy'][-1]:.3f}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
for (name, (_, h)), color in zip(runs.items(), ["tab:blue", "tab:orange"]):
    epochs = range(1, len(h["loss"]) + 1)
    ax1.semilogy(epochs, h["loss"], color=color, label=f"{name} (train)")
    ax1.semilogy(epochs, h["val_loss"], color=color, ls="--", label=f"{name} (test)")
    ax2.plot(epochs, h["accuracy"], color=color, label=f"{name} (train)")
    ax2.plot(epochs, h["val_accuracy"], color=color, ls="--", label=f"{name} (test)")
ax1.set_title("cross-entropy"); ax2.set_title("accuracy"); ax2.set_ylim(0.8, 1.005)
for ax in (ax1, ax2):
    ax.set_xlabel("epoch"); ax.legend(fontsize=8)
plt.show()
'''),
        md(r"""
        Both reach about 98–99 % test accuracy. SGD at this rate drives the training loss
        down faster; Adam's steps are limited to about $\alpha = 10^{-3}$ per coordinate at
        first, so it starts slower, but it needs no tuning of the step to the gradient's scale.
        The training curves are averaged over each epoch while the parameters move, the test
        curves are measured at the end of each epoch. `viz.plot_history` draws one run's history:
        """),
        code('''
viz.plot_history(runs["Adam, α = 1e-3"][1])
'''),
        md(r"""
        ## 2. Input normalisation

        Raw pixels are all positive (mean ≈ 4.9) with very different spreads across pixels. The
        notes' argument for normalising is speed and stability of training; the place it shows
        is the learning rate. Below, one training run of 5 epochs for each learning rate, with
        raw and with standardised inputs — the final training loss, and an ✕ where the run
        diverged or stalled at chance level ($\ln 10 \approx 2.30$).
        """),
        code('''
rates = [0.003, 0.01, 0.03, 0.1, 0.3, 1.0]
sweep = {}
for label, (X_tr, X_te) in [("raw pixels", (X_train_raw, X_test_raw)), ("standardised", (X_train, X_test))]:
    sweep[label] = []
    for lr in rates:
        try:
            _, h = train_model(lambda p: nn.optim.SGD(p, lr=lr), X_tr, X_te, epochs=5)
            sweep[label].append(h["loss"][-1])
        except FloatingPointError:                 # nn.fit stops when the loss becomes inf/nan
            sweep[label].append(np.inf)
    print(f"{label:13s}", "  ".join(f"α={lr:g}: {l:.3f}" for lr, l in zip(rates, sweep[label])))

fig, ax = plt.subplots(figsize=(6.5, 4))
for (label, losses), color in zip(sweep.items(), ["tab:red", "tab:green"]):
    losses = np.array(losses)
    failed = ~np.isfinite(losses) | (losses > 2.25)
    ax.loglog(np.array(rates)[~failed], losses[~failed], "o-", color=color, label=label)
    ax.loglog(np.array(rates)[failed], np.full(failed.sum(), 2.3), "x", color=color, ms=10, mew=2)
ax.axhline(np.log(10), color="k", ls=":", lw=1)
ax.set_ylim(0.03, 4)
ax.annotate("chance level ln 10  (✕ = diverged or stuck there)", (0.0032, 2.6), fontsize=9)
ax.set_xlabel("learning rate α"); ax.set_ylabel("training loss after 5 epochs")
ax.set_title("SGD with raw vs standardised inputs"); ax.legend(loc="lower left")
plt.show()
'''),
        md(r"""
        With raw pixels SGD only works in a narrow band of small learning rates and fails beyond
        $\alpha \approx 0.1$: the large, non-centred inputs make the first layer's gradients
        large and badly scaled across weights, so a step that suits one direction overshoots
        another (the zig-zag of notebook 05). Standardised inputs work up to $\alpha = 1$, are best
        at a learning rate ten times larger than the raw inputs' best, and reach a lower loss in
        the same five epochs.

        Full training curves, 20 epochs each: SGD with raw and with standardised inputs, each at
        the best learning rate of the sweep, and Adam ($\alpha = 10^{-3}$) with both inputs.
        """),
        code('''
combos = {
    "SGD, raw, α = 0.03": (lambda p: nn.optim.SGD(p, lr=0.03), X_train_raw, X_test_raw),
    "SGD, standardised, α = 0.3": (lambda p: nn.optim.SGD(p, lr=0.3), X_train, X_test),
    "Adam, raw": (lambda p: nn.optim.Adam(p, lr=1e-3), X_train_raw, X_test_raw),
    "Adam, standardised": (lambda p: nn.optim.Adam(p, lr=1e-3), X_train, X_test),
}
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
for (name, (optimizer_fn, X_tr, X_te)), style in zip(combos.items(), ["C3--", "C3-", "C0--", "C0-"]):
    _, h = train_model(optimizer_fn, X_tr, X_te)
    ax1.semilogy(range(1, 21), h["loss"], style, label=name)
    ax2.plot(range(1, 21), h["val_accuracy"], style, label=name)
    print(f"{name:27s} final training loss {h['loss'][-1]:.4f}, test accuracy {h['val_accuracy'][-1]:.3f}")
ax1.set_title("training loss"); ax2.set_title("test accuracy"); ax2.set_ylim(0.8, 1.0)
for ax in (ax1, ax2):
    ax.set_xlabel("epoch"); ax.legend(fontsize=8)
plt.show()
'''),
        md(r"""
        At its own best learning rate, SGD on standardised inputs drives the training loss about
        three times lower than on raw pixels and passes 98 % test accuracy within two epochs.
        Adam cares much less: it divides every coordinate's step by that coordinate's own
        gradient magnitude, which undoes most of the input scaling, so its raw and standardised
        curves stay close (raw even slightly ahead here). All four end at about the same test
        accuracy: on this small problem normalisation buys speed and robustness to the learning
        rate rather than final accuracy. (At one *fixed* small learning rate raw pixels can even
        look faster — their larger values act like a larger step — which is why the comparison
        is made at each setting's best rate.)

        ## 3. What the network gets wrong

        The confusion matrix of the Adam model on the 360 test images (rows: true digit,
        columns: prediction), and the misclassified images themselves.
        """),
        code('''
model = runs["Adam, α = 1e-3"][0]
model.eval()
with ag.no_grad():
    probabilities = F.softmax(model(ag.tensor(X_test))).data
predicted = probabilities.argmax(axis=1)
confusion = np.zeros((10, 10), dtype=int)
np.add.at(confusion, (y_test, predicted), 1)
accuracy = np.trace(confusion) / confusion.sum()
check("|accuracy from the confusion matrix − accuracy logged by nn.fit|",
      abs(accuracy - runs["Adam, α = 1e-3"][1]["val_accuracy"][-1]), 1e-12)

fig, ax = plt.subplots(figsize=(5.2, 4.6))
ax.imshow(confusion, cmap="Blues")
for i in range(10):
    for j in range(10):
        if confusion[i, j]:
            ax.text(j, i, confusion[i, j], ha="center", va="center", fontsize=9,
                    color="white" if confusion[i, j] > confusion.max() / 2 else "black")
ax.set_xticks(range(10)); ax.set_yticks(range(10)); ax.grid(False)
ax.set_xlabel("predicted digit"); ax.set_ylabel("true digit")
ax.set_title(f"Confusion matrix, test accuracy {accuracy:.3f}")
plt.show()
'''),
        code('''
wrong = np.flatnonzero(predicted != y_test)
print(f"{len(wrong)} of {len(y_test)} test images misclassified")
fig, axes = plt.subplots(1, len(wrong), figsize=(1.3 * len(wrong), 1.9), squeeze=False)
for ax, i in zip(axes[0], wrong):
    ax.imshow(X_test_raw[i].reshape(8, 8), cmap="gray_r", vmin=0, vmax=16)
    ax.set_title(f"{y_test[i]} → {predicted[i]}\\np = {probabilities[i, predicted[i]]:.2f}", fontsize=9)
    ax.axis("off")
plt.show()
'''),
        md(r"""
        Titles read *true → predicted* with the softmax probability of the prediction. Most
        errors are digits that are ambiguous even to a human at 8×8 resolution, and several
        are made with low confidence.

        **Summary.** A 64-64-10 MLP reaches about 98–99 % on held-out digits in a few seconds.
        Minibatch SGD with a well-chosen step and Adam with its default step both get there;
        standardising the inputs lets SGD take ten times larger steps and reach a lower loss.

        ## 4. The same training on a static graph

        Every batch of this loop builds the same graph again: same layers, same shapes. With
        `compile=True`, `nn.fit` records it once per batch shape (and per train/eval mode) and
        replays the primitives' rules directly on the arrays afterwards (`ag.compile`,
        notebook 01). The numbers are the same to the last bit; only the Python per batch
        goes away.
        """),
        code('''
import time

timed = {}
for compiled in (False, True):
    start = time.perf_counter()
    _, timed[compiled] = train_model(lambda p: nn.optim.Adam(p, lr=1e-3), X_train, X_test,
                                     compile=compiled)
    print(f"compile={compiled!s:5}: {time.perf_counter() - start:.2f} s for 20 epochs")
check("histories differ by", max(abs(a - b) for key in timed[False]
                                 for a, b in zip(timed[False][key], timed[True][key])), 0.0)
'''),
        md(r"""
        `nn.fit` compiles its **whole training step**, and a hand-written loop can do the
        same: `zero_grad`, `loss.backward()` and the optimiser's `step()` inside the
        function are recorded as well, and every call replays them in their place. The program
        below shows them as three calls among the primitives: the backward walk stores the
        gradients straight into `.grad` (no engine pass, no graph node), and the update is the
        optimiser's own code, so a learning-rate schedule still applies.
        """),
        code('''
models = {"eager": mlp(0), "compiled": mlp(0)}
optimizers = {k: nn.optim.Adam(m.parameters(), lr=1e-3) for k, m in models.items()}


def make_step(model, optimizer):
    def train_step(xb, yb):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
        return loss
    return train_step


steps = {k: make_step(models[k], optimizers[k]) for k in models}
steps["compiled"] = ag.compile(steps["compiled"])
loader = nn.data.DataLoader(nn.data.TensorDataset(X_train, y_train), batch_size=32)
for name, train_step in steps.items():
    start = time.perf_counter()
    for epoch in range(5):
        for xb, yb in loader:
            train_step(xb, yb)
    print(f"{name:8}: {time.perf_counter() - start:.2f} s for 5 epochs")
pairs = zip(models["eager"].parameters(), models["compiled"].parameters())
check("parameters differ by", max(np.abs(a.data - b.data).max() for a, b in pairs), 0.0)
print(steps["compiled"].code.split("def backward")[0])
'''),
    ]


# =============================================================================== 05
@notebook("05_optimizers.ipynb")
def optimizers():
    return [
        md(r"""
        # 05 · Optimisers: SGD, Momentum, AdaGrad, RMSProp, Adam

        The notes name two weaknesses of plain (stochastic) gradient descent: a **zig-zag
        route** when the loss is much steeper in some directions than in others — one learning
        rate cannot suit all of them — and a **random route** because each minibatch gives only
        an estimate of the gradient. The optimisers of the notes repair the first by remembering
        past gradients: Momentum averages their *direction*, AdaGrad and RMSProp their
        *magnitude* per coordinate, Adam both. The update rules, with $g$ the (minibatch)
        gradient at the current parameters $\theta$ and all operations element-wise:

        | method | state update | parameter update |
        |---|---|---|
        | SGD | — | $\theta \leftarrow \theta - \alpha g$ |
        | Momentum | $v \leftarrow \rho v + g$ | $\theta \leftarrow \theta - \alpha v$ |
        | AdaGrad | $r \leftarrow r + g \odot g$ | $\theta \leftarrow \theta - \dfrac{\epsilon}{\delta + \sqrt{r}} \odot g$ |
        | RMSProp | $r \leftarrow \rho r + (1 - \rho)\, g \odot g$ | $\theta \leftarrow \theta - \dfrac{\epsilon}{\delta + \sqrt{r}} \odot g$ |
        | Adam | $s \leftarrow \rho_1 s + (1 - \rho_1) g,\ \ r \leftarrow \rho_2 r + (1 - \rho_2)\, g \odot g$ | $\theta \leftarrow \theta - \epsilon\,\dfrac{\hat s}{\delta + \sqrt{\hat r}},\ \ \hat s = \dfrac{s}{1 - \rho_1^t},\ \hat r = \dfrac{r}{1 - \rho_2^t}$ |

        `nn.optim` implements these with PyTorch's defaults ($\rho = 0.9$ for momentum,
        $\rho = 0.99$ for RMSProp, $\rho_1 = 0.9$, $\rho_2 = 0.999$ for Adam, $\delta = 10^{-10}$ for
        AdaGrad and $10^{-8}$ otherwise; the notes' code uses $\delta = 10^{-3}$). One detail
        differs from the notes' Adam code sample, which squares $g$ in the first moment as well:
        the first moment $s$ is an average of $g$ itself — that is what gives Adam its momentum.
        """),
        code(SETUP + '''
from viz.plots import PROBLEMS, optimizer_paths
'''),
        md(r"""
        ## 1. The rules, written out, against `nn.optim`

        The table above in a dozen lines of numpy, run on the ill-conditioned quadratic
        $\tfrac12(x^2 + 25y^2)$ from the same start and with the same learning rates as the
        paths that `viz` draws with `nn.optim` below. If the library implements the notes'
        rules, the trajectories coincide.
        """),
        code('''
def notes_optimizer(name, f, start, lr, steps):
    """The update rules of the table, in numpy; the gradient comes from the engine."""
    theta = np.array(start, dtype=float)
    v = s = r = np.zeros(2)
    path, rates = [theta.copy()], []
    for t in range(1, steps + 1):
        p = ag.tensor(theta, requires_grad=True)
        (g,) = ag.grad(f(p), p)
        g = g.data
        if name == "SGD":
            step = lr * g
        elif name == "Momentum":
            v = 0.9 * v + g
            step = lr * v
        elif name == "AdaGrad":
            r = r + g * g
            step = lr / (1e-10 + np.sqrt(r)) * g
        elif name == "RMSProp":
            r = 0.99 * r + 0.01 * g * g
            step = lr / (1e-8 + np.sqrt(r)) * g
        elif name == "Adam":
            s = 0.9 * s + 0.1 * g
            r = 0.999 * r + 0.001 * g * g
            step = lr * (s / (1 - 0.9**t)) / (1e-8 + np.sqrt(r / (1 - 0.999**t)))
        theta = theta - step
        path.append(theta.copy())
        rates.append(np.abs(step / np.where(g == 0, np.inf, g)))   # effective step size per coordinate
    return np.array(path), np.array(rates)


quadratic = "ill-conditioned quadratic ½(x² + 25y²)"
f, start, window, steps, lrs = PROBLEMS[quadratic]
library_paths = optimizer_paths(quadratic)
for name, lr in lrs.items():
    mine, _ = notes_optimizer(name, f, start, lr, steps)
    check(f"{name:8s} (α = {lr:<4g}): max |notes' rule − nn.optim| over {steps} steps",
          np.abs(mine - library_paths[name]).max(), 1e-10)
'''),
        md(r"""
        ## 2. Trajectories

        `viz.plot_optimizer_paths` runs the five `nn.optim` optimisers from the same start on two
        classic test functions, each at the learning rate that did best in a coarse sweep. Top:
        the paths over the contours of the loss; bottom: the loss per step.
        """),
        code('''
viz.plot_optimizer_paths()
'''),
        md(r"""
        **The quadratic** $\tfrac12(x^2 + 25y^2)$ has curvatures 1 and 25. Gradient descent on it
        multiplies the coordinates by fixed factors per step,

        $$x_{k+1} = (1 - \alpha)\,x_k,\qquad y_{k+1} = (1 - 25\alpha)\,y_k ,$$

        so it is stable only for $\alpha < 2/25 = 0.08$, and at the largest stable rates the $y$
        factor is negative: $y$ flips sign every step (the zig-zag) while $x$ shrinks by only
        $1 - \alpha$ per step (the slow crawl along the valley). Momentum lets the
        steps along the valley build up speed, at the price of overshooting. AdaGrad and RMSProp
        divide each coordinate by its own gradient scale, which on this axis-aligned problem
        removes the ill-conditioning altogether — AdaGrad converges fastest here. RMSProp and
        Adam keep taking steps of roughly $\epsilon$ per coordinate, so with a constant rate they
        end up hovering around the minimum instead of settling into it.

        The zig-zag factor, read off the SGD path:
        """),
        code('''
path = library_paths["SGD"]
alpha = lrs["SGD"]
ratios = path[1:30, 1] / path[:29, 1]
check(f"max |y(k+1)/y(k) − (1 − 25α)| with α = {alpha}  (factor {1 - 25 * alpha:+.2f})",
      np.abs(ratios - (1 - 25 * alpha)).max(), 1e-12)
check(f"max |x(k+1)/x(k) − (1 − α)|  (factor {1 - alpha:.2f})",
      np.abs(path[1:30, 0] / path[:29, 0] - (1 - alpha)).max(), 1e-12)
'''),
        md(r"""
        **Rosenbrock's function** $(1 - x)^2 + 100(y - x^2)^2$ has a curved, flat-bottomed valley
        with its minimum at $(1, 1)$. All methods fall into the valley quickly; the difference is
        how they travel along it. Plain SGD crawls (the stable learning rate is set by the steep
        walls). Momentum accumulates speed along the valley floor and is first to arrive. Adam
        follows, RMSProp lags. AdaGrad is the notes' cautionary tale: $r$ only grows, so the
        effective learning rate $\epsilon/(\delta + \sqrt r)$ only decays. Here the start lies on
        the steep wall of the valley, the first gradients are huge, and they dominate $r$ for
        ever: within a few steps the effective rate drops to about $10^{-3}$ and stays there, and
        AdaGrad stalls far from the minimum. RMSProp's moving average forgets the early
        gradients, so its rate climbs back as the gradients on the valley floor get small:
        """),
        code('''
rosenbrock = "Rosenbrock (1-x)² + 100(y-x²)²"
f_r, start_r, _, steps_r, lrs_r = PROBLEMS[rosenbrock]
fig, ax = plt.subplots(figsize=(7, 3.6))
for name in ["AdaGrad", "RMSProp"]:
    _, rates = notes_optimizer(name, f_r, start_r, lrs_r[name], steps_r)
    ax.semilogy(rates[:, 0], label=f"{name} (ε = {lrs_r[name]:g}), coordinate x")
    ax.semilogy(rates[:, 1], ls="--", label=f"{name} (ε = {lrs_r[name]:g}), coordinate y")
ax.set_xlabel("step"); ax.set_ylabel("effective step size ε/(δ + √r)")
ax.set_title("AdaGrad's effective learning rate never recovers")
ax.legend(fontsize=8)
plt.show()
for name, path in optimizer_paths(rosenbrock).items():
    print(f"{name:8s} after {steps_r} steps: (x, y) = ({path[-1, 0]:+.3f}, {path[-1, 1]:+.3f}), "
          f"distance to (1, 1) = {np.hypot(*(path[-1] - 1)):.3f}")
'''),
        md(r"""
        ## 3. The random route of minibatch SGD

        With minibatches, $g$ is an unbiased but noisy estimate of the full gradient, so the
        path wanders and does not come to rest at the minimum: it keeps jittering around it,
        with a spread that grows with the learning rate and shrinks with the batch size. A
        linear least-squares problem with two parameters, $\mathcal{L}(\theta) =
        \frac{1}{2N}\lVert X\theta - y\rVert^2$, shows it on its elliptic contours.
        """),
        code('''
rng = np.random.default_rng(0)
N = 200
Xlin = rng.standard_normal((N, 2)) @ np.array([[1.0, 0.0], [0.6, 0.5]])
ylin = Xlin @ np.array([2.0, -1.0]) + 0.5 * rng.standard_normal(N)
theta_star = np.linalg.lstsq(Xlin, ylin, rcond=None)[0]

def lsq_path(batch_size, lr=0.2, steps=400):
    theta = nn.Parameter(np.array([-1.0, 2.0]))
    opt = nn.optim.SGD([theta], lr=lr)
    loader = nn.data.DataLoader(nn.data.TensorDataset(Xlin, ylin), batch_size=batch_size, shuffle=True, rng=1)
    path = [theta.data.copy()]
    while len(path) <= steps:
        for xb, yb in loader:
            opt.zero_grad()
            (0.5 * ((xb @ theta - yb) ** 2).mean()).backward()
            opt.step()
            path.append(theta.data.copy())
    return np.array(path[:steps + 1])

g1, g2 = np.meshgrid(np.linspace(-1.5, 3, 200), np.linspace(-2.5, 2.5, 200))
grid = np.stack([g1.ravel(), g2.ravel()], 1)
loss_grid = 0.5 * np.mean((grid @ Xlin.T - ylin) ** 2, axis=1).reshape(g1.shape)
fig, axes = plt.subplots(1, 3, figsize=(13, 4.3), sharey=True, layout="constrained")
for ax, batch_size in zip(axes, [N, 20, 1]):
    path = lsq_path(batch_size)
    ax.contour(g1, g2, np.log(loss_grid), levels=20, cmap="Greys", linewidths=0.7)
    ax.plot(path[:, 0], path[:, 1], ".-", lw=0.7, ms=2)
    ax.plot(*theta_star, "k*", ms=12)
    tail = path[-100:]
    ax.set_title(f"batch size {batch_size}\\nmean ‖θ − θ*‖ over the last 100 steps: "
                 f"{np.linalg.norm(tail - theta_star, axis=1).mean():.3f}", fontsize=10)
    ax.set_xlabel("θ₁")
axes[0].set_ylabel("θ₂")
fig.suptitle("Minibatch SGD on least squares: α = 0.2, 400 steps each")
plt.show()
'''),
        md(r"""
        With the same learning rate and the same number of steps, full-batch gradient descent
        follows a smooth curve into the minimum and stays there; a batch of 20 gives a visibly
        noisy path that ends near $\theta^*$; single samples — each step 200 times cheaper — keep
        bouncing around $\theta^*$ at a distance set by the gradient noise and the learning
        rate. Hence the compromise the notes recommend, batches of tens to hundreds, and, in
        practice, a learning rate that decays over training.

        ## 4. On a network: three spirals

        Finally the optimisers train a 2-64-64-3 ReLU network on the three-spirals problem with
        minibatches of 32 for 30 epochs, each at six learning rates. Left: final training loss
        against learning rate — how forgiving each method is. Right: the loss curve of each method
        at its best rate.
        """),
        code('''
Xs, ys = nn.data.make_spirals(300, classes=3, noise=0.05, rng=0)
makers = {
    "SGD": lambda p, lr: nn.optim.SGD(p, lr=lr),
    "Momentum": lambda p, lr: nn.optim.SGD(p, lr=lr, momentum=0.9),
    "AdaGrad": lambda p, lr: nn.optim.AdaGrad(p, lr=lr),
    "RMSProp": lambda p, lr: nn.optim.RMSProp(p, lr=lr),
    "Adam": lambda p, lr: nn.optim.Adam(p, lr=lr),
}
rates = [0.003, 0.01, 0.03, 0.1, 0.3, 1.0]
histories = {}
for name, make in makers.items():
    for lr in rates:
        model = nn.Sequential(nn.Linear(2, 64, rng=1), nn.ReLU(), nn.Linear(64, 64, rng=2), nn.ReLU(),
                              nn.Linear(64, 3, rng=3))
        loader = nn.data.DataLoader(nn.data.TensorDataset(Xs, ys), batch_size=32, shuffle=True, rng=0)
        try:
            histories[name, lr] = nn.fit(model, loader, nn.CrossEntropyLoss(), make(model.parameters(), lr),
                                         epochs=30, metrics=["accuracy"], progress=False)
        except FloatingPointError:
            histories[name, lr] = None

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
for name in makers:
    finals = [histories[name, lr]["loss"][-1] if histories[name, lr] else np.nan for lr in rates]
    ax1.loglog(rates, finals, "o-", label=name)
    best = rates[int(np.nanargmin(finals))]
    h = histories[name, best]
    ax2.semilogy(range(1, 31), h["loss"], label=f"{name}, α = {best:g}: accuracy {h['accuracy'][-1]:.3f}")
ax1.set_xlabel("learning rate α (ε)"); ax1.set_ylabel("training loss after 30 epochs")
ax1.set_title("Sensitivity to the learning rate"); ax1.legend()
ax2.set_xlabel("epoch"); ax2.set_ylabel("training loss"); ax2.set_title("Each method at its best rate")
ax2.legend(fontsize=8)
plt.show()
'''),
        md(r"""
        Each method has a band of good learning rates, and the bands sit in different places.
        RMSProp and Adam work best around $\epsilon \approx 0.01$–$0.03$: their steps are about
        $\epsilon$ per coordinate whatever the scale of the gradient. AdaGrad wants a larger
        $\epsilon$ because its steps shrink as $r$ accumulates. Momentum SGD peaks near 0.1 — the
        velocity amplifies steady gradients up to $1/(1 - \rho) = 10$ times. Plain SGD is the
        slowest at any rate within 30 epochs. At its best rate Adam reaches the lowest loss;
        RMSProp, without momentum, shows occasional spikes where a normalised step overshoots.
        None of this is a universal ranking — the notes' point is the mechanism: momentum fixes
        the direction, the second-moment methods fix the scale per parameter, and Adam combines
        both, with a bias correction for the first steps, when $s$ and $r$ still start from zero.
        """),
    ]


# =============================================================================== 06
@notebook("06_initialisation_and_vanishing_gradients.ipynb")
def initialisation_and_vanishing_gradients():
    return [
        md(r"""
        # 06 · Initialisation, batch normalisation and vanishing gradients

        Where training starts matters as much as how it moves. This notebook measures the
        notes' claims about initialisation — why not zeros, why small random values of the
        right scale (uniform, Xavier, He) — then batch normalisation, and finally the
        vanishing gradient of deep sigmoid networks, which the notes identify with the error
        recursion $\boldsymbol\delta^{(l)} = f'(\mathbf{z}^{(l)}) \odot (W^{(l+1)})^\top\boldsymbol\delta^{(l+1)}$.
        """),
        code(SETUP),
        md(r"""
        ## 1. Zero (or any constant) initialisation: the symmetry problem

        If every weight of a layer starts equal, every hidden unit computes the same value,
        receives the same error term and the same gradient, and takes the same step — so the
        units stay identical for ever, and a layer of 8 units is worth one. We train a 2-8-2
        tanh network on the two moons with all weights and biases set to zero, with all set to
        0.5, and with the default random initialisation, and then compare the 8 hidden units.
        """),
        code('''
X, y = nn.data.make_moons(300, noise=0.15, rng=0)
X, _, _ = nn.data.standardize(X)
Xt, yt = ag.tensor(X), ag.tensor(y)


def train_moons(init_value=None, steps=500, lr=0.5):
    model = nn.Sequential(nn.Linear(2, 8, rng=0), nn.Tanh(), nn.Linear(8, 2, rng=1))
    if init_value is not None:
        for p in model.parameters():
            nn.init.constant_(p, init_value)
    opt = nn.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(model(Xt), yt).backward()
        opt.step()
    with ag.no_grad():
        accuracy = (model(Xt).data.argmax(1) == y).mean()
    return model, accuracy


for label, value in [("all zeros", 0.0), ("all 0.5", 0.5), ("random U(−1/√n, 1/√n)", None)]:
    model, accuracy = train_moons(value)
    W1, b1, W2 = model[0].weight.data, model[0].bias.data, model[2].weight.data
    spread = max(np.abs(W1 - W1[0]).max(), np.abs(b1 - b1[0]).max(), np.abs(W2 - W2[:, :1]).max())
    print(f"{label:22s} accuracy {accuracy:.3f};  largest difference between two hidden units' "
          f"parameters: {spread:.2e}")
    if value is not None:
        check(f"   {label}: the 8 hidden units are still identical, max difference", spread, 0.0)
print("\\nhidden-layer weights W(1) after training from all zeros (one row per unit):")
print(train_moons(0.0)[0][0].weight.data)
'''),
        md(r"""
        From a constant start the eight units are bit-for-bit identical after 500 steps of
        gradient descent: from 0.5 they learn, but all alike, so the network computes exactly what
        a single hidden unit could — a straight decision boundary, 87 % on the moons. From all
        zeros it is worse still: with tanh, $\mathbf{a}^{(1)} = \tanh(\mathbf{0}) = \mathbf{0}$ makes
        $\partial\mathcal{L}/\partial W^{(2)} = \boldsymbol\delta^{(2)}(\mathbf{a}^{(1)})^\top = 0$, and
        $W^{(2)} = 0$ makes $\boldsymbol\delta^{(1)} = f'(\mathbf{z}^{(1)}) \odot (W^{(2)})^\top\boldsymbol\delta^{(2)} = \mathbf{0}$,
        so only the output bias ever moves — the weights printed above are still exactly zero,
        and the accuracy is that of guessing one class. Random values break the tie.

        ## 2. The scale: uniform, Xavier, He

        Random, but how large? The notes' argument: with independent zero-mean weights and
        inputs, a net input $z_i = \sum_{j=1}^{n} w_{ij} a_j$ has

        $$\operatorname{Var}(z^{(l)}) = n^{(l-1)}\,\operatorname{Var}(W^{(l)})\,\operatorname{Var}(a^{(l-1)}),$$

        so the signal keeps its size through a layer only if $n\operatorname{Var}(W) = 1$ (for an
        activation that is linear near 0). Three choices, in `nn.init`:

        * the notes' **uniform** $U(-1/\sqrt n, 1/\sqrt n)$ (`uniform_fan_in_`, the default of
          `nn.Linear`): $\operatorname{Var}(W) = \frac{1}{3n}$, so each layer shrinks the variance
          threefold — harmless in a shallow network, fatal in a deep one;
        * **Xavier** $\mathcal{N}(0, 1/n)$ (`xavier_normal_(w, mode="fan_in")`, the notes' form;
          Glorot and Bengio's original averages fan-in and fan-out): $n\operatorname{Var}(W) = 1$;
        * **He** $\mathcal{N}(0, 2/n)$ (`kaiming_normal_(w, nonlinearity="relu")`): ReLU zeroes
          half of its inputs, which halves the second moment, and the factor 2 compensates.

        First the formula, checked on one layer with standard normal inputs ($n = 256$):
        """),
        code('''
n, width, depth = 256, 256, 10
rng = np.random.default_rng(0)
x = rng.standard_normal((1000, n))

inits = {
    "uniform U(−1/√n, 1/√n)": (lambda w, r: nn.init.uniform_fan_in_(w, rng=r), 1 / (3 * n)),
    "Xavier N(0, 1/n)": (lambda w, r: nn.init.xavier_normal_(w, mode="fan_in", rng=r), 1 / n),
    "He N(0, 2/n)": (lambda w, r: nn.init.kaiming_normal_(w, nonlinearity="relu", rng=r), 2 / n),
}
for name, (init, var_w) in inits.items():
    layer = nn.Linear(n, width, bias=False)
    init(layer.weight, rng)
    with ag.no_grad():
        z = layer(ag.tensor(x)).data
    predicted = n * var_w * x.var()
    print(f"{name:24s} Var(W) = {layer.weight.data.var():.2e} (target {var_w:.2e});  "
          f"Var(z) = {z.var():.3f}, predicted n·Var(W)·Var(x) = {predicted:.3f}")
'''),
        md(r"""
        Then ten layers of width 256, each initialisation with tanh and with ReLU: the standard
        deviation of the activations $a^{(l)}$ layer by layer, for a batch of 1000 standard normal
        inputs.
        """),
        code('''
def deep_activations(activation, init, depth=10, seed=0):
    r = np.random.default_rng(seed)
    a = ag.tensor(x)
    stds, samples = [], []
    with ag.no_grad():
        for _ in range(depth):
            layer = nn.Linear(width, width, bias=False)
            init(layer.weight, r)
            a = activation(layer(a))
            stds.append(a.data.std())
            samples.append(a.data.ravel())
    return np.array(stds), samples

fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
stats = {}
for ax, (act_name, activation) in zip(axes, [("tanh", ag.tanh), ("ReLU", ag.relu)]):
    for name, (init, _) in inits.items():
        stds, samples = deep_activations(activation, init)
        stats[act_name, name] = (stds, samples)
        ax.semilogy(range(1, depth + 1), stds, "o-", label=name)
    ax.set_title(f"{act_name} network"); ax.set_xlabel("layer l"); ax.legend(fontsize=8)
axes[0].set_ylabel("std of the activations a(l)")
plt.show()
for key in [("tanh", "uniform U(−1/√n, 1/√n)"), ("ReLU", "Xavier N(0, 1/n)"), ("ReLU", "He N(0, 2/n)")]:
    stds = stats[key][0]
    print(f"{key[0]:4s} + {key[1]:24s} std per layer shrinks by a factor {np.exp(np.mean(np.diff(np.log(stds[3:])))):.3f}")
'''),
        md(r"""
        The measured factors per layer match the variance argument: $1/\sqrt3 \approx 0.577$ for
        tanh with the uniform rule (tanh is nearly linear for such small inputs),
        $1/\sqrt2 \approx 0.707$ for ReLU with Xavier (ReLU halves the second moment, nothing
        compensates), and about 1 for ReLU with He. With tanh, Xavier keeps the signal alive
        but slowly shrinking (tanh is *less* than linear away from 0); He is too large for tanh
        and pushes units towards saturation. The histograms for the tanh network show both
        failure modes — collapse to 0 and pile-up at ±1:
        """),
        code('''
fig, axes = plt.subplots(3, 3, figsize=(11, 6), sharex=True)
for row, name in enumerate(inits):
    samples = stats["tanh", name][1]
    for col, l in enumerate([1, 4, 10]):
        ax = axes[row, col]
        ax.hist(samples[l - 1], bins=np.linspace(-1, 1, 61), color=f"C{row}")
        ax.set_yticks([])
        if row == 0:
            ax.set_title(f"layer {l}")
        if col == 0:
            ax.set_ylabel(name.split(" ")[0])
fig.suptitle("tanh activations a(l) in a 10-layer network, per initialisation")
plt.tight_layout()
plt.show()
'''),
        md(r"""
        ## 3. Vanishing gradients

        The same arithmetic runs backwards. Each layer of the error recursion multiplies
        $\boldsymbol\delta$ by $(W^{(l+1)})^\top$ and by $f'(\mathbf{z}^{(l)})$, and for the logistic
        function $f' = \sigma(1 - \sigma) \le 1/4$. With weights of the notes' scale the product
        shrinks at every layer, and the first layers of a deep sigmoid network receive almost no
        gradient. `viz.plot_gradient_flow()` shows $\lVert\partial\mathcal{L}/\partial W^{(l)}\rVert$
        per layer for a 10-layer sigmoid network (Xavier initialisation) and the same network
        with ReLU (He initialisation), after one backward pass:
        """),
        code('''
viz.plot_gradient_flow()
'''),
        md(r"""
        Now four 8-layer networks of width 64 on the digits: sigmoid and ReLU with the default
        (uniform) initialisation, ReLU with He initialisation, and sigmoid with a batch
        normalisation layer before every activation. First their gradient flow at
        initialisation, on one minibatch:
        """),
        code('''
X_digits, y_digits = nn.data.load_digits()
order = np.random.default_rng(0).permutation(len(X_digits))
X_train, _, _ = nn.data.standardize(X_digits[order[:1437]])
y_train = y_digits[order[:1437]]


def deep_network(activation, batch_norm=False, he=False, depth=8, width=64, seed=0):
    r = np.random.default_rng(seed)
    layers, n_in = [], 64
    for _ in range(depth):
        linear = nn.Linear(n_in, width, rng=r)
        if he:
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu", rng=r)
            nn.init.zeros_(linear.bias)
        layers += [linear] + ([nn.BatchNorm1d(width)] if batch_norm else []) + [activation()]
        n_in = width
    return nn.Sequential(*layers, nn.Linear(width, 10, rng=r))


variants = {
    "sigmoid, uniform init": dict(activation=nn.Sigmoid),
    "ReLU, uniform init": dict(activation=nn.ReLU),
    "ReLU, He init": dict(activation=nn.ReLU, he=True),
    "sigmoid + batch norm": dict(activation=nn.Sigmoid, batch_norm=True),
}
models = {}
xb, yb = ag.tensor(X_train[:64]), ag.tensor(y_train[:64])
for name, options in variants.items():
    models[name] = deep_network(**options)
    F.cross_entropy(models[name](xb), yb).backward()
fig = viz.plot_gradient_flow(models)
fig.axes[0].set_title("Gradient norms per layer at initialisation (8 hidden layers + output)")
fig
'''),
        md(r"""
        With the uniform initialisation both the sigmoid and the ReLU network pass gradients
        back that shrink by orders of magnitude towards the input: for the sigmoid, $f' \le 1/4$
        *and* small weights; for ReLU, small weights alone ($n\operatorname{Var}(W) = 1/3$, and half of
        the units off). He initialisation keeps the ReLU network's gradient flat. Batch
        normalisation rescales every layer's net inputs to unit variance, which undoes the
        shrinking weights and keeps the sigmoids in their steep middle part.

        ## 4. Batch normalisation

        A batch-norm layer normalises each feature over the minibatch and then rescales it with
        learned parameters, $\hat x_i = (x_i - \mu_B)/\sqrt{\sigma_B^2 + \epsilon}$,
        $y_i = \gamma\hat x_i + \beta$ (the notes insert it between the linear layer and the
        activation). In training mode it uses the batch statistics, and keeps running averages
        of them for evaluation mode:
        """),
        code('''
bn = nn.BatchNorm1d(3)
rng = np.random.default_rng(1)
batch = ag.tensor(rng.normal(loc=[5.0, -2.0, 0.0], scale=[3.0, 0.1, 10.0], size=(256, 3)))
out = bn(batch).data
print("input  mean", batch.data.mean(0), " std", batch.data.std(0))
print("output mean", out.mean(0), " std", out.std(0))
check("training mode: max |per-feature mean|", np.abs(out.mean(0)).max(), 1e-12)
# the ε in the denominator makes the std slightly below 1: σ_B / √(σ_B² + ε)
expected_std = batch.data.std(0) / np.sqrt(batch.data.var(0) + 1e-5)
check("training mode: max |per-feature std − σ_B/√(σ_B² + ε)|", np.abs(out.std(0) - expected_std).max(), 1e-12)
print("running mean after one batch (momentum 0.1):", bn.running_mean.data)
bn.eval()
print("evaluation mode uses the running statistics instead: output mean", bn(batch).data.mean(0))
'''),
        md(r"""
        And the four deep networks trained for 15 epochs with minibatch SGD ($\alpha = 0.1$,
        batches of 64):
        """),
        code('''
loader = nn.data.DataLoader(nn.data.TensorDataset(X_train, y_train), batch_size=64, shuffle=True, rng=0)
fig, ax = plt.subplots(figsize=(7, 4))
for name, options in variants.items():
    model = deep_network(**options)
    history = nn.fit(model, loader, nn.CrossEntropyLoss(), nn.optim.SGD(model.parameters(), lr=0.1),
                     epochs=15, metrics=["accuracy"], progress=False)
    ax.semilogy(range(1, 16), history["loss"], "o-", ms=3,
                label=f"{name}: training accuracy {history['accuracy'][-1]:.2f}")
ax.axhline(np.log(10), color="k", ls=":", lw=1)
ax.annotate("chance level ln 10", (10, 2.45))
ax.set_xlabel("epoch"); ax.set_ylabel("training loss"); ax.set_title("8 hidden layers on the digits")
ax.legend(fontsize=8)
plt.show()
'''),
        md(r"""
        The two networks whose gradients vanish at initialisation never leave chance level in
        15 epochs; He initialisation and batch normalisation both make the same 8-layer network
        trainable. This is the practical content of the notes' training tips: keep the net inputs
        near 0 with unit-scale variance — by normalising the data, by choosing the initial weight
        variance for the activation, and, inside the network, by batch normalisation — and
        prefer activations whose derivative does not shrink the error signal.
        """),
    ]


# =============================================================================== 07
@notebook("07_universal_approximation_and_nonconvexity.ipynb")
def universal_approximation_and_nonconvexity():
    return [
        md(r"""
        # 07 · Universal approximation and non-convexity

        Two facts from the notes pull in opposite directions. The **universal approximation
        theorem** says a network with one hidden layer of "squashing" units,
        $F(\mathbf{x}) = \sum_{m=1}^{M} v_m\,\phi(\mathbf{w}_m^\top\mathbf{x} + b_m)$, can approximate
        any continuous function on a bounded closed set to any accuracy $\varepsilon$, given
        enough units $M$. But the theorem only says such weights *exist*; finding them means
        minimising a loss that is **not convex** in the weights, so gradient descent can stall on
        plateaus or settle in poor solutions. This notebook shows both.
        """),
        code(SETUP),
        md(r"""
        ## 1. Why one hidden layer suffices: a construction

        The idea of the proof fits in one line. A steep sigmoid $\sigma(k(x - c))$ is almost a
        step at $c$; a sum of steps is a staircase; and a staircase with small enough steps
        follows any continuous function. With grid points $x_0 < x_1 < \dots < x_M$ on the
        interval and the step of unit $m$ placed halfway between $x_{m-1}$ and $x_m$,

        $$F(x) = f(x_0) + \sum_{m=1}^{M}\bigl(f(x_m) - f(x_{m-1})\bigr)\,\sigma\bigl(k(x - c_m)\bigr),
        \qquad c_m = \tfrac12(x_{m-1} + x_m),$$

        is exactly a network with one hidden layer of $M$ logistic units (weights $k$, biases
        $-kc_m$), a linear output layer with weights $v_m = f(x_m) - f(x_{m-1})$, and the output
        bias $f(x_0)$. No training at all — and the error goes to zero as $M$ grows.
        """),
        code('''
def target(x):
    return np.sin(2 * x) + 0.3 * x**2 - 0.5

x = np.linspace(-3, 3, 2001)[:, None]


def staircase_network(M, a=-3.0, b=3.0):
    """The construction above as an nn.Sequential: M logistic units, linear output."""
    grid = np.linspace(a, b, M + 1)
    centres = (grid[:-1] + grid[1:]) / 2
    k = 8 * M / (b - a)                               # steeper steps for finer grids
    hidden, output = nn.Linear(1, M), nn.Linear(M, 1)
    hidden.weight.data[...] = k
    hidden.bias.data[...] = -k * centres
    output.weight.data[...] = np.diff(target(grid))
    output.bias.data[...] = target(grid[0])
    return nn.Sequential(hidden, nn.Sigmoid(), output)


fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
ax1.plot(x, target(x), "k", lw=2.5, label="f(x) = sin 2x + 0.3x² − 0.5")
widths = [4, 8, 16, 32, 64, 128, 256]
errors = []
for M in widths:
    with ag.no_grad():
        F_x = staircase_network(M)(ag.tensor(x)).data
    errors.append(np.abs(F_x - target(x)).max())
    if M in (4, 16, 64):
        ax1.plot(x, F_x, label=f"M = {M} units")
ax1.set_title("One hidden layer of steep sigmoids: a staircase"); ax1.legend(fontsize=8)
ax2.loglog(widths, errors, "o-", label="max |F − f| on [−3, 3]")
ax2.loglog(widths, errors[0] * widths[0] / np.array(widths), "k:", label="∝ 1/M")
ax2.set_xlabel("hidden units M"); ax2.set_ylabel("max error"); ax2.set_title("Error of the construction")
ax2.legend()
plt.show()
for M, err in zip(widths, errors):
    print(f"M = {M:3d}: max |F − f| = {err:.4f}")
'''),
        md(r"""
        The error falls like $1/M$: each step is at most $\max|f'|\cdot(b - a)/M$ high. The
        construction is wasteful — it uses nothing but the height of $f$ on a grid — but it
        shows why *width* alone buys accuracy.

        ## 2. The same networks, trained

        Gradient descent does far better with far fewer units, because it also places and
        shapes the sigmoids. Below, one hidden layer of $M$ logistic units and a linear output,
        trained with Adam on the mean squared error at 200 points for 2000 full-batch steps.
        """),
        code('''
x_train = ag.tensor(np.linspace(-3, 3, 200)[:, None])
y_train = ag.tensor(target(x_train.data))


def train_width(M, seed, steps=2000):
    model = nn.Sequential(nn.Linear(1, M, rng=seed), nn.Sigmoid(), nn.Linear(M, 1, rng=seed + 1000))
    opt = nn.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(steps):
        opt.zero_grad()
        loss = F.mse_loss(model(x_train), y_train)
        loss.backward()
        opt.step()
    return model, loss.item()


fig, ax = plt.subplots(figsize=(7.5, 4.2))
ax.plot(x, target(x), "k", lw=2.5, label="f(x)")
trained = {}
for M in [1, 2, 4, 8, 16, 32]:
    model, loss = train_width(M, seed=0)
    trained[M] = model
    with ag.no_grad():
        err = np.abs(model(ag.tensor(x)).data - target(x)).max()
    print(f"M = {M:2d}: training MSE {loss:.2e}, max |F − f| = {err:.3f}")
    if M in (1, 2, 4, 8, 32):
        with ag.no_grad():
            ax.plot(x, model(ag.tensor(x)).data, label=f"trained, M = {M}")
ax.legend(fontsize=8); ax.set_title("One hidden layer, trained by gradient descent")
plt.show()
'''),
        md(r"""
        Trained units are far more economical: eight of them come close to what the
        construction needs 32 to 64 for. But the result of training depends on where it starts — the first sign of non-convexity. The 4-unit
        network, trained from six random starts with everything else equal:
        """),
        code('''
finals = {seed: train_width(4, seed=seed)[1] for seed in range(6)}
for seed, loss in finals.items():
    print(f"M = 4, seed {seed}: final training MSE {loss:.2e}")
print(f"best / worst: {min(finals.values()):.1e} / {max(finals.values()):.1e}")
'''),
        md(r"""
        For a convex loss, every run of gradient descent with a small enough step would reach
        the same (global) minimum value. Here the same architecture ends up orders of magnitude
        apart depending only on where it started: some runs find a good fit, others stay stuck
        near a solution that only follows the parabola and misses the oscillation.

        ## 3. The 1-1-1 network's loss surfaces

        The notes' smallest example: $\hat y = \sigma(w_2\,\sigma(w_1 x))$ with a single sample
        $(x, y) = (1, 1)$, two parameters, and two losses — the squared error $(y - \hat y)^2$ and the
        cross-entropy $-\log\hat y$. `viz.plot_loss_surface` draws both over
        $(w_1, w_2) \in [-10, 10]^2$:
        """),
        code('''
viz.plot_loss_surface()
'''),
        md(r"""
        Neither surface is a bowl. Two certificates of non-convexity, computed with the engine:

        * a convex function satisfies $\mathcal{L}\bigl(\tfrac{p + q}{2}\bigr) \le \tfrac12\bigl(\mathcal{L}(p) + \mathcal{L}(q)\bigr)$
          for all $p, q$ — one violating pair suffices;
        * a twice-differentiable convex function has a positive semi-definite Hessian everywhere —
          one negative eigenvalue suffices. `ag.hessian` (forward-over-reverse) gives the exact
          Hessian at any point, and the map below shades where it has a negative eigenvalue.
        """),
        code('''
def squared(w):
    y_hat = ag.sigmoid(w[1] * ag.sigmoid(w[0] * 1.0))
    return (1.0 - y_hat) ** 2

def cross_entropy(w):
    return -ag.log(ag.sigmoid(w[1] * ag.sigmoid(w[0] * 1.0)))

value = lambda loss, w: loss(ag.tensor(np.asarray(w, dtype=float))).item()
grid = np.linspace(-10, 10, 31)
on_grid = lambda loss, g: loss(ag.tensor(np.stack(np.meshgrid(g, g)))).data   # rows: w2, columns: w1
fig, axes = plt.subplots(1, 2, figsize=(11, 4.3))
for ax, (name, loss) in zip(axes, [("squared error", squared), ("cross-entropy", cross_entropy)]):
    lowest = np.array([[np.linalg.eigvalsh(ag.hessian(loss, ag.tensor([a, b])).data).min()
                        for a in grid] for b in grid])
    surface = on_grid(loss, grid)
    ax.contourf(grid, grid, lowest < -1e-9, levels=[-0.5, 0.5, 1.5], colors=["white", "#f4cccc"])
    contours = ax.contour(grid, grid, surface, levels=12, cmap="viridis", linewidths=0.8)
    ax.clabel(contours, fontsize=7)
    ax.set_title(f"{name} (contours)")
    ax.set_xlabel("w1"); ax.set_ylabel("w2")
    print(f"{name:14s} smallest Hessian eigenvalue on the grid: {lowest.min():+.4f}, "
          f"negative on {np.mean(lowest < -1e-9):.0%} of the grid")
    # the midpoint test along the direction of negative curvature at the most concave grid point
    i, j = np.unravel_index(lowest.argmin(), lowest.shape)
    c = np.array([grid[j], grid[i]])
    eigenvalues, eigenvectors = np.linalg.eigh(ag.hessian(loss, ag.tensor(c)).data)
    p, q = c - 0.5 * eigenvectors[:, 0], c + 0.5 * eigenvectors[:, 0]
    mid, chord = value(loss, (p + q) / 2), (value(loss, p) + value(loss, q)) / 2
    print(f"{name:14s} along the most negative curvature: p = {np.round(p, 2)}, q = {np.round(q, 2)}, "
          f"L((p + q)/2) = {mid:.4f} > (L(p) + L(q))/2 = {chord:.4f}  →  not convex ✓")
    assert mid > chord
fig.suptitle("Shaded: the Hessian has a negative eigenvalue — the surface is locally not convex")
plt.show()
'''),
        md(r"""
        ## 4. Plateaus and traps

        The squared-error surface has a large flat plateau where $w_2\sigma(w_1) \ll 0$: there
        $\hat y \approx 0$, the prediction is completely wrong, and yet the gradient vanishes,
        because $\partial(y - \hat y)^2/\partial z = -2(y - \hat y)\,\hat y(1 - \hat y)$ (with $z$ the
        output's net input) carries the factor $\sigma'(z) = \hat y(1 - \hat y) \to 0$. The
        cross-entropy's derivative is $\partial(-\log\hat y)/\partial z = \hat y - y \to -1$: it stays
        large exactly where the prediction is wrong. Gradient descent ($\alpha = 1$, 300 steps)
        from the same three starting points on both surfaces:
        """),
        code('''
def descend(loss, start, lr=1.0, steps=300):
    w = nn.Parameter(np.array(start, dtype=float))
    opt = nn.optim.SGD([w], lr=lr)
    path = [w.data.copy()]
    for _ in range(steps):
        opt.zero_grad()
        loss(w).backward()
        opt.step()
        path.append(w.data.copy())
    return np.array(path)

starts = [(-2.0, -4.0), (2.0, -6.0), (6.0, -9.0)]
wide = np.linspace(-10, 10, 81)
fig, axes = plt.subplots(1, 2, figsize=(11, 4.3))
for ax, (name, loss) in zip(axes, [("squared error", squared), ("cross-entropy", cross_entropy)]):
    surface = on_grid(loss, wide)
    ax.contour(wide, wide, np.log10(surface + 1e-6), levels=20, cmap="Greys", linewidths=0.7)
    for number, start in enumerate(starts, 1):
        path = descend(loss, start)
        ax.plot(path[:, 0], path[:, 1], ".-", ms=2, lw=1.5, color=f"C{number}")
        ax.plot(*start, "o", color=f"C{number}", ms=7, mec="k")
        ax.annotate(f" start {number}", start, fontsize=9)
        print(f"{name:14s} from {start}: loss {value(loss, path[0]):.3f} -> {value(loss, path[-1]):.4f} "
              f"after 300 steps, now at ({path[-1, 0]:+.1f}, {path[-1, 1]:+.1f})")
    ax.set_xlim(-10, 10); ax.set_ylim(-10, 10)
    ax.set_title(f"{name}: contours of log₁₀ loss, SGD paths"); ax.set_xlabel("w1"); ax.set_ylabel("w2")
plt.show()
'''),
        md(r"""
        From start 3, $(6, -9)$, the hidden unit is on ($\sigma(6) \approx 1$) but the output unit is
        saturated at $\hat y \approx 0$: on the squared error gradient descent does not move at
        all, on the cross-entropy it walks straight out to a loss near 0. This is one reason
        classification networks pair a sigmoid or softmax output with the cross-entropy.

        Starts 1 and 2 show a trap that no choice of loss removes. With $w_2 < 0$, the
        descent direction lowers $w_1$, which switches the *hidden* unit off: $\sigma(w_1) \to 0$,
        so $\hat y \to \sigma(0) = 1/2$ and the gradient with respect to $w_2$, proportional to
        $\sigma(w_1)$, vanishes. Both losses level off at the value for $\hat y = 1/2$ — 0.25 and
        $\ln 2 \approx 0.69$ — far from the minimum, which lies towards $w_2 \to +\infty$: a saturated
        hidden unit blocks the gradient, the vanishing gradient of notebook 06 in miniature.

        ## 5. Symmetry: why every network loss is non-convex

        A last, general argument. Swapping two hidden units (their incoming weights and biases,
        and their outgoing weights) gives a different parameter vector that computes *exactly*
        the same function, so the loss has many equivalent minima. A convex loss would then be
        minimal on the whole segment between two of them — but halfway between a network and its
        swapped copy, the two units are identical (the averaged weights), and the network has lost
        capacity. With the trained 8-unit network of section 2:
        """),
        code('''
model = trained[8]
hidden, output = model[0], model[2]
loss_of = lambda: F.mse_loss(model(x_train), y_train).item()
original = {k: np.array(v) for k, v in model.state_dict().items()}
swap = np.arange(8); swap[[0, 1]] = [1, 0]                  # exchange hidden units 0 and 1

theta_loss = loss_of()
hidden.weight.data[...] = original["0.weight"][swap]
hidden.bias.data[...] = original["0.bias"][swap]
output.weight.data[...] = original["2.weight"][:, swap]
swapped_loss = loss_of()
hidden.weight.data[...] = (original["0.weight"] + original["0.weight"][swap]) / 2
hidden.bias.data[...] = (original["0.bias"] + original["0.bias"][swap]) / 2
output.weight.data[...] = (original["2.weight"] + original["2.weight"][:, swap]) / 2
midpoint_loss = loss_of()
model.load_state_dict(original)

print(f"L(θ) = {theta_loss:.2e},  L(swapped θ) = {swapped_loss:.2e},  L(midpoint) = {midpoint_loss:.2e}")
check("|L(θ) − L(swapped θ)|", abs(theta_loss - swapped_loss), 1e-15)
print(f"the midpoint is {midpoint_loss / theta_loss:.0f} times worse: the loss is not convex")
'''),
        md(r"""
        **Summary.** Width buys approximation power — constructively $O(1/M)$ error with steep
        sigmoids, and much better with trained weights — but the loss over the weights is
        non-convex: its symmetries alone guarantee that, its Hessian has negative eigenvalues,
        gradient descent from different starts ends at very different losses, and with the squared
        error a saturated output creates plateaus where the gradient vanishes.
        """),
    ]


# =============================================================================== 08
@notebook("08_closed_form_elm_and_autoencoders.ipynb")
def closed_form_elm_and_autoencoders():
    return [
        md(r"""
        # 08 · Closed-form learning (ELM) and autoencoders

        The last part of the notes leaves backpropagation through the whole network behind in
        two directions. The **extreme learning machine** keeps a single hidden layer but does not
        train it at all: the input weights are random, and the output weights are the solution of
        a linear least-squares problem — a closed form, no iterations. The **autoencoder** trains
        a network whose target is its own input: it learns a compressed representation (the
        code) from unlabelled data, and, in its denoising form, learns to undo corruption.
        """),
        code(SETUP + '''
import time
'''),
        md(r"""
        ## 1. The extreme learning machine

        Hidden unit $i$ computes $G(\mathbf{a}_i, b_i, \mathbf{x}) = g(\mathbf{a}_i^\top\mathbf{x} + b_i)$ with
        $\mathbf{a}_i, b_i$ drawn at random and never changed. Stacking the $N$ training samples
        gives the hidden-layer output matrix $H \in \mathbb{R}^{N \times L}$ (row $n$ is
        $\mathbf{h}(\mathbf{x}_n)$), and the network's output is $H\beta$. With the one-hot targets
        $T \in \mathbb{R}^{N \times C}$, the notes' objective
        $\min_\beta \lVert\beta\rVert_p + C\lVert H\beta - T\rVert_q$ has for $p = q = 2$ the closed forms

        $$\hat\beta = H^{+}T \quad\text{(Moore–Penrose pseudo-inverse, the limit } C \to \infty\text{)},
        \qquad \hat\beta = \Bigl(H^\top H + \tfrac{1}{C}I\Bigr)^{-1}H^\top T \quad\text{(ridge)}.$$

        `nn.ELM(n_hidden, activation, C=None)` implements both. On the digits, with pixels scaled
        to $[0, 1]$ and the same 80/20 split as notebook 04:
        """),
        code('''
X_all, y_all = nn.data.load_digits()
order = np.random.default_rng(0).permutation(len(X_all))
X_train, y_train = X_all[order[:1437]] / 16, y_all[order[:1437]]
X_test, y_test = X_all[order[1437:]] / 16, y_all[order[1437:]]

def fit_seconds(fit, repeat=3):
    """Best of a few wall-clock timings (the machine may be busy with other work)."""
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        result = fit()
        best = min(best, time.perf_counter() - start)
    return result, best

elm, elm_seconds = fit_seconds(lambda: nn.ELM(500, "sigmoid", rng=0).fit(X_train, y_train))
print(elm)
print(f"fit in {elm_seconds:.2f} s: training accuracy {elm.score(X_train, y_train):.3f}, "
      f"test accuracy {elm.score(X_test, y_test):.3f}")

# the closed form, checked: β is the least-squares solution of Hβ = T
small = nn.ELM(200, "sigmoid", rng=0).fit(X_train, y_train)
with ag.no_grad():
    H = small.hidden(ag.tensor(X_train)).data
T = nn.data.one_hot(y_train, 10)
beta_lstsq = np.linalg.lstsq(H, T, rcond=None)[0]
check("L = 200: max |β from nn.ELM − least-squares solution of Hβ = T|", np.abs(small.beta.data - beta_lstsq).max(), 1e-8)
check("L = 200: normal equations, max |Hᵀ(Hβ − T)|", np.abs(H.T @ (H @ small.beta.data - T)).max(), 1e-8)
'''),
        md(r"""
        The same task by gradient descent: the 64-64-10 ReLU network of notebook 04, trained with
        Adam for 20 epochs on the same inputs.
        """),
        code('''
def train_mlp():
    mlp = nn.Sequential(nn.Linear(64, 64, rng=0), nn.ReLU(), nn.Linear(64, 10, rng=1))
    loader = nn.data.DataLoader(nn.data.TensorDataset(X_train, y_train), batch_size=32, shuffle=True, rng=0)
    history = nn.fit(mlp, loader, nn.CrossEntropyLoss(), nn.optim.Adam(mlp.parameters(), lr=3e-3),
                     epochs=20, metrics=["accuracy"], progress=False)
    return mlp, history

(mlp, history), mlp_seconds = fit_seconds(train_mlp, repeat=1)
with ag.no_grad():
    mlp_test = (mlp(ag.tensor(X_test)).data.argmax(1) == y_test).mean()

print(f"{'':34s} {'fit time':>9s} {'train acc':>10s} {'test acc':>9s}")
print(f"{'ELM, 500 random sigmoid units':34s} {elm_seconds:8.2f}s {elm.score(X_train, y_train):10.3f} "
      f"{elm.score(X_test, y_test):9.3f}")
print(f"{'MLP 64-64-10, Adam, 20 epochs':34s} {mlp_seconds:8.2f}s {history['accuracy'][-1]:10.3f} {mlp_test:9.3f}")
'''),
        md(r"""
        Comparable accuracy, and the ELM's "training" is a single pseudo-inverse — several
        times faster here, with no learning rate, no epochs and no initialisation to tune. The
        price: the hidden features are random rather than learned, so an ELM needs many more
        hidden units than a trained network (500 against 64), and the cost of the solve grows
        with $L$ (the pseudo-inverse costs $O(NL\min(N, L))$).

        ### How many hidden units? Interpolation and the role of $C$

        With the pseudo-inverse, the training error falls to zero once $L \ge N$: the $N$ equations
        $H\beta = T$ can then be solved exactly. Right at $L \approx N$, though, $H$ is square and
        badly conditioned, and the exact solution has an enormous norm — it fits the training set
        through wild output weights that generalise terribly. The ridge form's $\frac1C I$ bounds
        $\lVert\beta\rVert$ and removes the problem. (To keep the sweep fast it uses the first
        $N = 500$ training images; the test set is unchanged.)
        """),
        code('''
N = 500
X_sub, y_sub = X_train[:N], y_train[:N]
sizes = [25, 50, 100, 200, 300, 400, 450, 500, 550, 700, 1000, 1500]
results = {"pseudo-inverse (C = ∞)": None, "ridge, C = 1": 1.0}
curves = {}
for label, C in results.items():
    rows = []
    for L in sizes:
        model = nn.ELM(L, "sigmoid", C=C, rng=0).fit(X_sub, y_sub)
        rows.append((model.score(X_sub, y_sub), model.score(X_test, y_test),
                     np.linalg.norm(model.beta.data)))
    curves[label] = np.array(rows)
    print(label)
    for L, (train_acc, test_acc, norm) in zip(sizes, rows):
        print(f"   L = {L:4d}: train {train_acc:.3f}, test {test_acc:.3f}, ‖β‖ = {norm:.1e}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
for (label, rows), color in zip(curves.items(), ["C0", "C1"]):
    ax1.semilogx(sizes, rows[:, 1], "o-", color=color, label=f"{label}: test")
    ax1.semilogx(sizes, rows[:, 0], "--", color=color, alpha=0.6, label=f"{label}: train")
    ax2.loglog(sizes, rows[:, 2], "o-", color=color, label=label)
for ax in (ax1, ax2):
    ax.axvline(N, color="k", ls=":", lw=1)
    ax.set_xlabel("hidden units L")
ax1.annotate("L = N", (N * 1.05, 0.3))
ax1.set_ylabel("accuracy"); ax1.set_title("ELM accuracy against the number of hidden units"); ax1.legend(fontsize=8)
ax2.set_ylabel("‖β‖ (Frobenius)"); ax2.set_title("Size of the output weights"); ax2.legend(fontsize=8)
plt.show()
'''),
        md(r"""
        The pseudo-inverse ELM collapses to near-chance test accuracy at $L = N$, where
        $\lVert\beta\rVert$ jumps by more than an order of magnitude, and recovers beyond it (among the infinitely
        many exact solutions, $H^+T$ picks the one of smallest norm, which shrinks again as $L$
        grows). The regularised ELM is smooth in $L$: the $\lVert\beta\rVert$ term of the notes'
        objective is not decoration.

        ## 2. Autoencoders

        An autoencoder has an encoder $\mathbf{y} = h(\mathbf{x})$ and a decoder
        $\mathbf{r} = f(\mathbf{y})$ and is trained to make the reconstruction error
        $\lVert f(h(\mathbf{x})) - \mathbf{x}\rVert^2$ small. If the code $\mathbf{y}$ is smaller than the
        input (an *undercomplete* autoencoder), the network cannot simply copy: it must keep what
        matters most about the data. A natural baseline is PCA, the best *linear* code of a given
        size for the squared error (a linear autoencoder learns the same subspace). Here
        `nn.AutoEncoder([64, 32, 8], activation="tanh", output_activation="sigmoid")` —
        64 → 32 → 8 → 32 → 64, with a sigmoid output for pixels in $[0, 1]$ — is trained with Adam
        on the training images; no labels are used.
        """),
        code('''
def pca_reconstruction(X_fit, X, k):
    mean = X_fit.mean(axis=0)
    components = np.linalg.svd(X_fit - mean, full_matrices=False)[2][:k]
    return (X - mean) @ components.T @ components + mean, (X - mean) @ components.T

autoencoders, codes = {}, {}
for k in [8, 2]:
    ae = nn.AutoEncoder([64, 32, k], activation="tanh", output_activation="sigmoid", rng=0)
    start = time.perf_counter()
    losses = ae.fit(X_train, epochs=60, lr=3e-3, batch_size=32, rng=0)
    seconds = time.perf_counter() - start
    with ag.no_grad():
        reconstruction = ae(X_test).data
        codes[k] = ae.encode(X_test).data
    pca, _ = pca_reconstruction(X_train, X_test, k)
    autoencoders[k] = (ae, reconstruction, pca)
    print(f"code size {k}: trained in {seconds:.1f} s; test reconstruction MSE: autoencoder "
          f"{np.mean((reconstruction - X_test) ** 2):.4f}, PCA with {k} components {np.mean((pca - X_test) ** 2):.4f}")
print(autoencoders[8][0])
'''),
        code('''
def show_rows(rows, labels, title, n=10):
    fig, axes = plt.subplots(len(rows), n, figsize=(1.1 * n, 1.2 * len(rows)))
    for r, (images, label) in enumerate(zip(rows, labels)):
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(np.clip(images[c], 0, 1).reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([]); ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    fig.suptitle(title)
    plt.show()

_, reconstruction, pca = autoencoders[8]
show_rows([X_test, reconstruction, pca], ["original", "autoencoder\\n(code 8)", "PCA\\n(8 comp.)"],
          "Test digits reconstructed from 8 numbers")
'''),
        md(r"""
        With a code of 8 numbers the nonlinear autoencoder reconstructs the test digits with a
        clearly lower error than 8 principal components. A code of only 2 numbers can be drawn:
        each test image as a point, coloured by its label (which training never saw). The
        autoencoder's code, learned without labels, gathers several digit classes into regions
        of their own, as the first two principal components do — and reconstructs the images
        better from them:
        """),
        code('''
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
_, pca_codes = pca_reconstruction(X_train, X_test, 2)
for ax, (points, title) in zip(axes, [(codes[2], "autoencoder code (64 → 32 → 2)"),
                                      (pca_codes, "first two principal components")]):
    scatter = ax.scatter(points[:, 0], points[:, 1], c=y_test, cmap="tab10", s=14, vmin=-0.5, vmax=9.5)
    ax.set_title(title)
fig.colorbar(scatter, ax=axes, ticks=range(10), label="digit")
plt.show()
'''),
        md(r"""
        ### Denoising autoencoder

        The notes' denoising autoencoder (DAE) is trained to reconstruct the *clean* input from a
        corrupted one: `fit(..., noise=σ)` adds fresh Gaussian noise $\mathcal{N}(0, \sigma^2)$ to
        each minibatch while the loss still compares with the clean images. We train a plain and a
        denoising autoencoder of the same shape (64 → 32 → 64) and feed both test images with
        noise of $\sigma = 0.3$ — large for pixels in $[0, 1]$.
        """),
        code('''
plain = nn.AutoEncoder([64, 32], output_activation="sigmoid", rng=0)
plain.fit(X_train, epochs=30, lr=1e-2, rng=0)
denoising = nn.AutoEncoder([64, 32], output_activation="sigmoid", rng=0)
denoising.fit(X_train, epochs=30, lr=1e-2, noise=0.3, rng=0)

noisy = X_test + 0.3 * np.random.default_rng(1).standard_normal(X_test.shape)
with ag.no_grad():
    from_plain, from_dae = plain(noisy).data, denoising(noisy).data
    clean_plain, clean_dae = plain(X_test).data, denoising(X_test).data
mse = lambda a: np.mean((a - X_test) ** 2)
print(f"MSE to the clean test images:  noisy input {mse(noisy):.4f}   plain AE {mse(from_plain):.4f}   "
      f"denoising AE {mse(from_dae):.4f}")
print(f"on clean inputs:               plain AE {mse(clean_plain):.4f}   denoising AE {mse(clean_dae):.4f}")
show_rows([noisy, from_plain, from_dae, X_test], ["noisy input", "plain AE", "denoising AE", "clean"],
          "Denoising: the same noisy test digits through both autoencoders")
'''),
        md(r"""
        Both autoencoders remove much of the noise — projecting onto what digits look like is
        already a denoiser — but the one trained on corrupted inputs does it markedly better. The
        trade-off shows on clean inputs: the plain autoencoder reconstructs those more faithfully,
        the denoising one has learned to smooth. The notes' other variants are options of the same
        class: `tied=True` shares each encoder weight, transposed, with its mirror decoder layer
        (the tied constraint), and `AutoEncoder.greedy_layerwise_pretrain` builds a stacked
        (denoising) autoencoder one layer at a time.

        **Summary.** An ELM learns only its output layer, in closed form: one pseudo-inverse,
        accuracy comparable to a trained MLP on the digits, but with many random units, and a
        regularisation constant $C$ that matters near $L = N$. An autoencoder learns a code from
        unlabelled data by reconstructing its input; a small nonlinear code beats PCA of the same
        size, and training on corrupted inputs turns it into a denoiser.
        """),
    ]


# =============================================================================== driver
def build(filename, execute=True):
    cells = NOTEBOOKS[filename]()
    for index, cell in enumerate(cells):
        cell.id = f"cell-{index:02d}"   # stable ids keep rebuilds diff-free
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    path = HERE / filename
    seconds = None
    if execute:
        from nbclient import NotebookClient

        start = time.perf_counter()
        client = NotebookClient(nb, timeout=120, kernel_name="python3", record_timing=False,
                                resources={"metadata": {"path": str(HERE)}})
        try:
            client.execute()
        except Exception:
            nbformat.write(nb, path)   # keep the partial outputs for inspection
            raise
        seconds = time.perf_counter() - start
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return path, seconds


def main(argv):
    # The arrays here are small; on a 2-core machine shared with other work, multi-threaded
    # BLAS can be several times slower than one thread. The kernels inherit this setting.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    execute = "--no-execute" not in argv
    prefixes = [a for a in argv if not a.startswith("--")]
    chosen = [f for f in NOTEBOOKS if not prefixes or any(f.startswith(p) for p in prefixes)]
    if not chosen:
        sys.exit(f"no notebook matches {prefixes}; known: {list(NOTEBOOKS)}")
    for filename in chosen:
        path, seconds = build(filename, execute)
        timing = f" (executed in {seconds:.1f} s)" if seconds is not None else ""
        print(f"wrote {path.relative_to(HERE.parent)}{timing}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
