# %% [markdown]
# # 01 · Automatic differentiation, by hand and by the engine
#
# The course notes compute one derivative three ways: **numerically** (finite
# differences), **symbolically** (rewriting formulas) and **automatically** (the chain
# rule applied to the elementary operations a program actually executes). This notebook
# follows the notes' worked example
#
# $$f(x; w, b) = \frac{1}{\exp(-(wx + b)) + 1}\qquad\text{at } x = 1,\ w = 0,\ b = 0,$$
#
# first with pencil-and-paper arithmetic, then with `autograd_core`, in forward and
# reverse mode; then the graph example $J(a, b, c) = 3(a + bc)$; then why finite
# differences are only a referee (accuracy and cost), and why symbolic differentiation
# is not what deep-learning libraries do.

# %%
# %matplotlib inline
import math
import time

import graphviz
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

import autograd_core as ag
import viz
from autograd_core.examples import notes_f, notes_j
from autograd_core.graph import tensor_key

_ = graphviz.set_jupyter_format("png")  # graphs render as images (also on GitHub)
np.set_printoptions(precision=4, suppress=True, linewidth=100)
plt.rcParams.update({"figure.dpi": 100, "axes.grid": True, "grid.alpha": 0.3})


def check(label, error, tol):
    """Print a verified quantity with ✓, or stop the notebook if it is out of tolerance."""
    ok = bool(error <= tol)
    print(f"{label} = {error:.2g} {'✓' if ok else '✗  (tolerance ' + format(tol, '.0e') + ')'}")
    assert ok, label


# %% [markdown]
# ## 1. The h₁ … h₆ table
#
# The notes decompose $f$ into elementary functions $h_i$, each with a derivative simple
# enough to be a rule of the library:
#
# | node | function | local derivative(s) |
# |---|---|---|
# | $h_1$ | $h_1 = w x$ | $\partial h_1/\partial w = x$ |
# | $h_2$ | $h_2 = h_1 + b$ | $\partial h_2/\partial h_1 = 1,\ \partial h_2/\partial b = 1$ |
# | $h_3$ | $h_3 = -h_2$ | $\partial h_3/\partial h_2 = -1$ |
# | $h_4$ | $h_4 = \exp(h_3)$ | $\partial h_4/\partial h_3 = \exp(h_3)$ |
# | $h_5$ | $h_5 = h_4 + 1$ | $\partial h_5/\partial h_4 = 1$ |
# | $h_6$ | $h_6 = 1/h_5$ | $\partial h_6/\partial h_5 = -1/h_5^2$ |
#
# and the chain rule multiplies the local derivatives along the path from $w$ to $f = h_6$:
#
# $$\frac{\partial f}{\partial w} = \frac{\partial f}{\partial h_6}\frac{\partial h_6}{\partial h_5}
# \frac{\partial h_5}{\partial h_4}\frac{\partial h_4}{\partial h_3}\frac{\partial h_3}{\partial h_2}
# \frac{\partial h_2}{\partial h_1}\frac{\partial h_1}{\partial w}
# = 1 \times (-0.25) \times 1 \times 1 \times (-1) \times 1 \times 1 = 0.25 .$$
#
# First by hand, with nothing but Python floats:

# %%
x, w, b = 1.0, 0.0, 0.0

# forward pass: values
h1 = w * x
h2 = h1 + b
h3 = -h2
h4 = math.exp(h3)
h5 = h4 + 1
h6 = 1 / h5
hand_values = [h1, h2, h3, h4, h5, h6]

# local derivatives, one per edge of the chain w -> h1 -> ... -> h6 (and b -> h2)
local = {
    "dh1/dw": x,
    "dh2/dh1": 1.0,
    "dh2/db": 1.0,
    "dh3/dh2": -1.0,
    "dh4/dh3": math.exp(h3),
    "dh5/dh4": 1.0,
    "dh6/dh5": -1 / h5**2,
}

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

# %% [markdown]
# Now the engine. `autograd_core.examples.notes_f` builds exactly this decomposition with
# tensors, so every $h_i$ is a node of the recorded graph. Two modes give the derivatives:
#
# * **forward mode** gives $w$ a *tangent* $\mathrm{d}w/\mathrm{d}w = 1$ (a dual number) and
#   every operation pushes the tangent along with the value, so each $h_i$ carries
#   $\partial h_i/\partial w$ — the chain rule evaluated from the input side;
# * **reverse mode** first records the graph, then walks it backwards from
#   $\partial f/\partial h_6 = 1$, giving each node its *adjoint* $\partial f/\partial h_i$ —
#   the chain rule evaluated from the output side. This is backpropagation.

# %%
# forward mode: w is a dual number with tangent 1, so every h_i carries dh_i/dw
w_dual = ag.dual(ag.tensor(0.0, requires_grad=True), ag.tensor(1.0))
f, nodes = notes_f(1.0, w_dual, ag.tensor(0.0, requires_grad=True))
hs = [nodes[f"h{i}"] for i in range(1, 7)]

# reverse mode: the adjoints df/dh_i of every node, and df/dw, df/db, in one backward pass
adjoints = ag.grad(f, hs + [nodes["w"], nodes["b"]])

print(
    f"{'node':4} {'value':>6} {'(hand)':>7} {'dh/dw (fwd)':>12} {'df/dh (rev)':>12} {'(hand)':>7}"
)
for i, h in enumerate(hs):
    name = f"h{i + 1}"
    print(
        f"{name:4} {h.item() + 0:6.2f} {hand_values[i] + 0:7.2f} {h.tangent.item():12.4f}"
        f" {adjoints[i].item():12.4f} {hand_adjoints[name]:7.4f}"
    )
engine_dw, engine_db = adjoints[6].item(), adjoints[7].item()
print(f"forward mode: df/dw = dh6/dw = {hs[-1].tangent.item()}")
print(f"reverse mode: df/dw = {engine_dw}, df/db = {engine_db}")

check(
    "max |engine value − hand value| over h1…h6",
    max(abs(h.item() - v) for h, v in zip(hs, hand_values)),
    0.0,
)
check(
    "max |engine adjoint − hand adjoint| over h1…h6",
    max(abs(a.item() - hand_adjoints[f"h{i + 1}"]) for i, a in enumerate(adjoints[:6])),
    0.0,
)
check("|forward-mode df/dw − reverse-mode df/dw|", abs(hs[-1].tangent.item() - engine_dw), 0.0)
check("|df/dw − 0.25| + |df/db − 0.25|", abs(engine_dw - 0.25) + abs(engine_db - 0.25), 0.0)

# %% [markdown]
# The same graph, drawn by `viz.draw_graph` with the notes' naming (`naming="h"`). Red
# numbers on the edges are the values flowing forward; with `show_local_grads=True` each
# edge also carries its local derivative — the right-hand column of the table.

# %%
f, nodes = notes_f()
f.backward()
viz.draw_graph(f, naming="h", show_local_grads=True)

# %% [markdown]
# **Forward mode** (`mode="forward"`): each node is annotated with its tangent
# $\partial h_i/\partial w$, computed in the same sweep as the values, left to right. One
# sweep gives the derivative with respect to *one* input: $\partial b/\partial w = 0$, so a
# second sweep with the tangent on $b$ would be needed for $\partial f/\partial b$.

# %%
viz.draw_graph(f, naming="h", mode="forward")

# %% [markdown]
# **Reverse mode** (`mode="reverse"`): each node is annotated with its adjoint
# $\partial h_6/\partial h_i$, computed right to left after the forward sweep. One backward
# sweep gives the derivative of the output with respect to *every* input — here both
# $\partial f/\partial w$ and $\partial f/\partial b$. A loss is one number that depends on
# many parameters, which is why training uses reverse mode: it is the notes' backpropagation.

# %%
viz.draw_graph(f, naming="h", mode="reverse")

# %% [markdown]
# **Step through it.** `viz.step_through(f)` makes the same graph an interactive page
# (below; `.save("notes.html")` writes it as one file that any browser opens). Press
# *next* (or →) to run the forward pass one node at a time — the left half of the notes'
# table fills with the values — then the backward pass, node by node in the engine's own
# order: each step shows the node's upstream gradient $\partial f/\partial h_j$, and for each
# input $h_i$ the local derivative $\partial h_j/\partial h_i$, their product and the running
# sum $\partial f/\partial h_i$. ← steps back, space plays, Home resets; hover a node to see its
# value. `mode="forward"` fills the tangents $\partial h_i/\partial w$ instead.
#
# Its numbers are not recomputed: they are a record of the engine's real backward pass,
# `ag.trace_backward(f)`, printed and checked against the hand computation above.

# %%
f, nodes = notes_f()  # the notes' graph again, at x = 1, w = 0, b = 0
name_of = {tensor_key(t): name for name, t in nodes.items()}
trace = ag.trace_backward(f)
engine_local = {}
for step in trace:
    out = name_of[(step.node, 0)]
    print(f"{out}: upstream df/d{out} = {step.upstream[0].item():g}")
    for edge in step.edges:
        name = name_of[edge.key]
        engine_local[f"d{out}/d{name}"] = edge.local
        print(
            f"    -> {name}: local d{out}/d{name} = {edge.local:g}, product "
            f"{edge.contribution.item():g}, running sum df/d{name} = {edge.total.item():g}"
        )
assert engine_local.keys() == local.keys()
check(
    "max |engine local derivative − hand local derivative| over the 7 edges",
    max(abs(engine_local[k] - v) for k, v in local.items()),
    0.0,
)
check(
    "max |upstream gradient − hand adjoint| over h6…h1",
    max(abs(s.upstream[0].item() - hand_adjoints[name_of[(s.node, 0)]]) for s in trace),
    0.0,
)
viz.step_through(f, title="f(x; w, b) = 1/(exp(-(wx+b)) + 1) at x = 1, w = 0, b = 0")

# %% [markdown]
# ## 2. The graph example $J(a, b, c) = 3(a + bc)$
#
# The notes' second example splits $J$ into $u = bc$, $v = a + u$, $J = 3v$; at $a = 5$,
# $b = 3$, $c = 2$ the values are $u = 6$, $v = 11$, $J = 33$. The notes read the
# derivatives off by nudging one input: $b = 3 \to 3.001$ moves $u$ to $6.002$, $v$ to
# $11.002$ and $J$ to $33.006$, so $\mathrm{d}J/\mathrm{d}b \approx 0.006/0.001 = 6$; in
# chain-rule form $\frac{\mathrm{d}J}{\mathrm{d}b} = \frac{\mathrm{d}J}{\mathrm{d}v}
# \frac{\mathrm{d}v}{\mathrm{d}u}\frac{\mathrm{d}u}{\mathrm{d}b} = 3 \cdot 1 \cdot 2 = 6$.

# %%
J, jn = notes_j()
print(f"u = {jn['u'].item():g}, v = {jn['v'].item():g}, J = {J.item():g}")
J.backward()


def J_of(a, b, c):
    return 3 * (a + b * c)


base = dict(a=5.0, b=3.0, c=2.0)
for name in ["a", "b", "c"]:
    nudged = dict(base, **{name: base[name] + 0.001})
    print(
        f"{name}: {base[name]:g} -> {nudged[name]:g} moves J to {J_of(**nudged):.3f};  "
        f"nudge estimate {(J_of(**nudged) - 33) / 0.001:.3f},  engine dJ/d{name} = "
        f"{jn[name].grad.item():g}"
    )
check(
    "max |engine − exact (3, 6, 9)|",
    max(abs(jn[k].grad.item() - v) for k, v in [("a", 3), ("b", 6), ("c", 9)]),
    0.0,
)
viz.draw_graph(J, mode="reverse", show_local_grads=True)

# %% [markdown]
# J is linear in each input, so the nudge estimate is exact up to rounding. The notes add
# one more rule: **if a variable reaches the output along several paths, the derivatives
# along the paths add up**. In $g = ab + a$ the input $a$ feeds both the product and the
# sum, and $\partial g/\partial a = b + 1$; the engine gets it by accumulating the adjoints
# arriving at $a$ from both of its consumers:

# %%
a = ag.tensor(2.0, requires_grad=True, name="a")
b = ag.tensor(5.0, requires_grad=True, name="b")
g = a * b + a
g.backward()
print(f"dg/da = {a.grad.item():g}  (b + 1 = 6),  dg/db = {b.grad.item():g}  (a = 2)")
viz.draw_graph(g, naming="h", mode="reverse")


# %% [markdown]
# ### Dynamic graphs
#
# The engine records the graph *while the Python code runs* — a **dynamic** graph, as in
# PyTorch, Chainer or DyNet, rather than a **static** graph compiled once before any data
# is seen (Theano, TensorFlow 1). Control flow therefore needs nothing special: a loop
# that runs a data-dependent number of times simply records that many operations. Below,
# $y$ doubles $x$ until it exceeds 10, so $x = 3$ records two multiplications
# ($\mathrm{d}y/\mathrm{d}x = 4$) and $x = 0.7$ records four ($\mathrm{d}y/\mathrm{d}x = 16$).
# The price, as the notes say, is that a dynamic graph cannot be optimised as a whole
# before it runs.


# %%
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

# %% [markdown]
# ### Static graphs: `ag.compile`
#
# The opposite trade is available too. `ag.compile(fn)` runs `fn` once, records its
# graph, and from then on replays that **static** program: each primitive's own forward
# and backward rules, called directly on numpy arrays, with no Tensor or graph node built
# per operation. Because the graph is fixed in advance it can be inspected (`.code`) and
# optimised as a whole. Values and gradients are identical to eager mode, bit for bit.
# Here is the program for the notes' $f(x; w, b) = 1/(\exp(-(wx+b))+1)$: $h_1 \ldots h_6$
# appear as `v3 … v8`, and backward visits them in reverse.

# %%
f_static = ag.compile(lambda x, w, b: 1 / (ag.exp(-(w * x + b)) + 1))
x, w, b = ag.tensor(1.0), ag.tensor(0.0, requires_grad=True), ag.tensor(0.0, requires_grad=True)
f_static(x, w, b)  # the first call traces
out = f_static(x, w, b)  # later calls replay
out.backward()
print(f"f = {out.item()},  df/dw = {w.grad.item()},  df/db = {b.grad.item()}")
check("compiled vs the notes' 0.25", abs(w.grad.item() - 0.25), 0.0)
print(f_static.code.split("def backward")[0])

# %% [markdown]
# What a static graph cannot do is exactly what the dynamic one did above: a Python `if`
# or `while` on a value decides *which* operations run, and a recorded program would
# replay the first call's choice forever. `ag.compile` refuses instead of guessing:

# %%
try:
    ag.compile(double_until_ten)(ag.tensor(3.0, requires_grad=True))
except ag.CompileError as error:
    print("CompileError:", error)

# %% [markdown]
# A static graph also pays off most where the dynamic one is slowest: a graph of
# scalars. micrograd-style code builds one node per multiply-add; knowing the whole
# graph, `ag.compile` groups the independent nodes of each depth into one vector
# operation (same numbers, in the same order of summation). The 2-16-16-1 network on
# 50 points below has about 33,000 nodes:

# %%
rng = np.random.default_rng(0)
sizes = [2, 16, 16, 1]
weights = [
    [[ag.tensor(rng.uniform(-1, 1), requires_grad=True) for _ in range(n_in)] for _ in range(n_out)]
    for n_in, n_out in zip(sizes, sizes[1:])
]
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


# %% [markdown]
# ## 3. Numerical differentiation: accuracy
#
# Finite differences replace the limit in $f'(x) = \lim_{\Delta x \to 0}
# \frac{f(x + \Delta x) - f(x)}{\Delta x}$ by a small but finite step $\epsilon$. The notes
# name the two errors that make choosing $\epsilon$ hard:
#
# * **truncation error** from cutting the Taylor series: $\frac{f(x+\epsilon) - f(x)}{\epsilon}
#   = f'(x) + \frac{\epsilon}{2} f''(x) + O(\epsilon^2)$ for the *forward* difference, and
#   $\frac{f(x+\epsilon) - f(x-\epsilon)}{2\epsilon} = f'(x) + \frac{\epsilon^2}{6} f'''(x)
#   + O(\epsilon^4)$ for the *central* difference;
# * **round-off error**: each $f$ value carries a relative error of about the machine
#   epsilon $u \approx 1.1\times 10^{-16}$, and dividing the difference by $\epsilon$
#   amplifies it to about $u|f|/\epsilon$.
#
# Their sum is smallest at $\epsilon \approx \sqrt{u}$ for forward differences and
# $\epsilon \approx u^{1/3}$ for central ones. We measure it on $f(w) = \sigma(w \cdot 1 + 0)$
# at $w = 0.5$ (not at $w = 0$: there $f''(0) = 0$, an inflection point, which would hide the
# forward difference's first-order error). The reference is the engine's reverse-mode
# derivative, and the model curves use $f''$ and $f'''$ obtained by differentiating the
# engine's derivative again (`create_graph=True`).


# %%
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
errors = {
    m: np.array(
        [
            abs(ag.numerical_grad(f_of_w, [w0.detach()], eps=e, method=m)[0].item() - d1.item())
            for e in eps_grid
        ]
    )
    for m in ("forward", "central")
}
models = {
    "forward": abs(d2.item()) * eps_grid / 2 + 2 * u * value.item() / eps_grid,
    "central": abs(d3.item()) * eps_grid**2 / 6 + u * value.item() / eps_grid,
}

fig, ax = plt.subplots(figsize=(7.5, 4.5))
for (m, err), color in zip(errors.items(), ["tab:blue", "tab:red"]):
    ax.loglog(
        eps_grid,
        np.maximum(err, 1e-17),
        "o",
        ms=3.5,
        color=color,
        label=f"{m} difference (measured)",
    )
    ax.loglog(
        eps_grid, models[m], "-", color=color, alpha=0.5, label=f"{m}: truncation + round-off model"
    )
ax.set_ylim(1e-13, 1)
ax.set_xlabel("step ε")
ax.set_ylabel("|numerical − autodiff|")
ax.set_title("Finite differences: round-off (slope −1) against truncation (slope 1 or 2)")
ax.annotate("round-off ∝ u/ε", (1e-14, 3e-3))
ax.annotate("truncation ∝ ε", (1e-6, 1e-4), color="tab:blue")
ax.annotate("truncation ∝ ε²", (1e-3, 1e-11), color="tab:red")
ax.legend(loc="lower left", fontsize=8)
plt.show()

for m, predicted in [
    ("forward", math.sqrt(4 * u * value.item() / abs(d2.item()))),
    ("central", (3 * u * value.item() / abs(d3.item())) ** (1 / 3)),
]:
    near = np.abs(np.log(eps_grid / predicted)).argmin()
    print(
        f"{m:8s} difference: best step ε* ≈ {predicted:.0e} (model); measured error there "
        f"{errors[m][near]:.1e}, "
        f"i.e. about {-math.log10(errors[m][near] / d1.item()):.0f} correct digits"
    )
check("best central-difference error", errors["central"].min(), 1e-9)

# %% [markdown]
# Even at its best step, a central difference keeps only about two thirds of the
# sixteen significant digits, and a forward difference about half — while the engine's
# derivative is exact up to the rounding of the operations themselves. That is why
# finite differences serve as the *referee* in `ag.gradcheck` (central, $\epsilon = 10^{-6}$,
# float64) rather than as a way to train.
#
# ## 4. Numerical differentiation: cost
#
# The notes' second objection is cost: to get $\partial\mathcal{L}/\partial w^{(l)}_{ij}$ by
# perturbation, every parameter needs its own forward pass through the whole network. With
# $N$ parameters and a forward pass that costs $O(N)$, a numerical gradient costs
# $2N$ forward passes, $O(N^2)$; reverse mode costs one forward and one backward pass,
# $O(N)$. We time both on tanh networks of width 4 and growing depth, so that the forward
# pass (dominated here by per-operation overhead) grows in proportion to $N$.

# %%
rng = np.random.default_rng(0)
width = 4
x_batch = ag.tensor(rng.standard_normal((8, width)))


def make_params(depth):
    params = []
    for _ in range(depth):
        params += [
            ag.tensor(rng.standard_normal((width, width)) / 2, requires_grad=True),
            ag.tensor(np.zeros(width), requires_grad=True),
        ]
    return params


def loss_fn(*params):
    a = x_batch
    for W, b in zip(params[::2], params[1::2]):
        a = ag.tanh(a @ W.T + b)
    return (a * a).mean()


def best_time(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


rows = []
for depth in [1, 2, 4, 8, 16, 32]:
    params = make_params(depth)
    n_params = sum(p.size for p in params)

    def backprop(params=params):
        return ag.grad(loss_fn(*params), params)

    t_rev = best_time(backprop, 20)
    t_num = best_time(
        lambda params=params: ag.numerical_grad(loss_fn, params), 2 if depth > 8 else 3
    )
    error = max(
        np.abs(g.data - n).max() for g, n in zip(backprop(), ag.numerical_grad(loss_fn, params))
    )
    rows.append((n_params, t_rev, t_num, error))
    print(
        f"N = {n_params:4d} parameters: backprop {t_rev * 1e3:7.2f} ms,  numerical "
        f"{t_num * 1e3:8.1f} ms,"
        f"  ratio {t_num / t_rev:6.0f},  max |difference| {error:.1e}"
    )

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


# %% [markdown]
# The fitted slopes come out near 2 and 1. (For a *wide* network with a fixed depth
# the same holds only once the matrix products, not Python overhead, dominate the forward
# pass; for the few hundred parameters that fit in this notebook's time budget the depth
# sweep shows the effect cleanly.) The gradients agree to about $10^{-10}$ — the
# central-difference accuracy measured in section 3.
#
# ## 5. Symbolic differentiation and expression swell
#
# Symbolic differentiation rewrites a formula into the formula of its derivative, using
# rules such as $(uv)' = u'v + uv'$. The notes list its drawbacks (long compilation, a
# dedicated expression language, hard debugging); the deepest one is **expression swell**:
# each application of the product or quotient rule copies sub-expressions, so the
# derivative of a nested expression can be far larger than the expression. A
# 20-line symbolic differentiator on tuples — with the usual simplifications
# $0 \cdot u = 0$, $1 \cdot u = u$, $u + 0 = u$ — is enough to see it.


# %%
# an expression is a number, a variable name, or a tuple (op, operand, ...)
def simplify(op, *args):
    if all(isinstance(a, (int, float)) for a in args):  # constant folding
        a = args
        return {
            "+": lambda: a[0] + a[1],
            "-": lambda: a[0] - a[1],
            "*": lambda: a[0] * a[1],
            "/": lambda: a[0] / a[1],
            "neg": lambda: -a[0],
            "exp": lambda: math.exp(a[0]),
        }[op]()
    if op == "neg" and isinstance(args[0], tuple) and args[0][0] == "neg":
        return args[0][1]
    if op == "-" and args[0] == 0:
        return simplify("neg", args[1])
    if op == "+" and args[0] == 0:
        return args[1]
    if op in "+-" and args[1] == 0:
        return args[0]
    if op == "*" and 0 in args:
        return 0
    if op == "*" and args[0] == 1:
        return args[1]
    if op in "*/" and args[1] == 1:
        return args[0]
    return (op, *args)


def d(e, var):
    """The derivative of expression e with respect to the variable var, rule by rule."""
    if isinstance(e, (int, float)):
        return 0
    if isinstance(e, str):
        return 1 if e == var else 0
    op, *a = e
    da = [d(x, var) for x in a]
    if op in "+-":
        return simplify(op, da[0], da[1])
    if op == "neg":
        return simplify("neg", da[0])
    if op == "*":
        return simplify("+", simplify("*", da[0], a[1]), simplify("*", a[0], da[1]))
    if op == "/":
        return simplify(
            "/",
            simplify("-", simplify("*", da[0], a[1]), simplify("*", a[0], da[1])),
            simplify("*", a[1], a[1]),
        )
    if op == "exp":
        return simplify("*", e, da[0])


def show(e):
    if not isinstance(e, tuple):
        return str(e)
    op, *a = e
    if op == "neg":
        return f"-{show(a[0])}"
    if op == "exp":
        return f"exp({show(a[0])})"
    return f"({show(a[0])} {op} {show(a[1])})"


def evaluate(e, env):
    if isinstance(e, (int, float)):
        return e
    if isinstance(e, str):
        return env[e]
    op, *a = e
    v = [evaluate(x, env) for x in a]
    return {
        "+": lambda: v[0] + v[1],
        "-": lambda: v[0] - v[1],
        "*": lambda: v[0] * v[1],
        "/": lambda: v[0] / v[1],
        "neg": lambda: -v[0],
        "exp": lambda: math.exp(v[0]),
    }[op]()


def size(e):
    return 1 + sum(size(x) for x in e[1:]) if isinstance(e, tuple) else 1


# the notes' f(x; w, b) = 1 / (exp(-(w x + b)) + 1), differentiated again and again in w
expr = ("/", 1, ("+", ("exp", ("neg", ("+", ("*", "w", "x"), "b"))), 1))
print("f        =", show(expr))
print("∂f/∂w    =", show(d(expr, "w")))
print("∂²f/∂w²  =", show(d(d(expr, "w"), "w")))

# %%
env = {"x": 1.0, "w": 0.5, "b": 0.0}
w_t = ag.tensor(0.5, requires_grad=True)
engine_derivative = f_of_w(w_t)  # the same f, recorded by the engine
e = expr
print(" k   symbolic size (nodes)   symbolic value   engine value (nested ag.grad)")
for k in range(1, 7):
    e = d(e, "w")
    (engine_derivative,) = ag.grad(engine_derivative, w_t, create_graph=True)
    print(f"{k:2d}   {size(e):21d}   {evaluate(e, env):14.10f}   {engine_derivative.item():14.10f}")
    check(
        f"   |symbolic − engine| for the order-{k} derivative",
        abs(evaluate(e, env) - engine_derivative.item()),
        1e-12,
    )


# %% [markdown]
# The size of the $k$-th symbolic derivative grows geometrically (about fourfold per
# order here), even though a human would write the first one as $f(1-f)x$. The classic
# illustration (Baydin et al., *Automatic differentiation in machine learning: a survey*,
# 2018) is the logistic map $l_{n+1} = 4 l_n (1 - l_n)$, $l_1 = x$: the expression for
# $l_n$ mentions $l_{n-1}$ twice, so written out as a formula it doubles with every step,
# and its derivative grows even faster. Automatic differentiation never writes the
# formula out: it shares $l_{n-1}$ as one node, records 3 operations per step and gets
# the derivative in one backward pass — cost linear in $n$.


# %%
def logistic_map(x, n):
    l_n = x
    for _ in range(n - 1):
        l_n = (
            4 * l_n * (1 - l_n)
            if not isinstance(l_n, (str, tuple))
            else ("*", ("*", 4, l_n), ("-", 1, l_n))
        )
    return l_n


print(
    " n   size of l_n   size of dl_n/dx   engine ops recorded   dl_n/dx at x=0.3: symbolic / engine"
)
for n in range(2, 9):
    sym = logistic_map("x", n)
    dsym = d(sym, "x")
    x_t = ag.tensor(0.3, requires_grad=True)
    (dx,) = ag.grad(logistic_map(x_t, n), x_t)
    print(
        f"{n:2d}   {size(sym):11d}   {size(dsym):15d}   {3 * (n - 1):19d}   "
        f"{evaluate(dsym, {'x': 0.3}):12.6f} / {dx.item():.6f}"
    )

# %% [markdown]
# Automatic differentiation can be read as symbolic differentiation that keeps every
# intermediate *value* instead of every intermediate *formula*: the chain rule is applied
# to numbers on the graph, so repeated sub-expressions are computed once. This — plus the
# fact that it differentiates programs with loops and branches, not just closed-form
# formulas — is why deep-learning libraries are built on it.
#
# **Summary.** Forward mode carries $\partial h_i/\partial w$ along with the values (one pass
# per input); reverse mode carries $\partial f/\partial h_i$ backwards (one pass per output)
# and is backpropagation. Both agree with the hand computation of the notes exactly. Finite
# differences lose half or more of the digits and cost $O(N^2)$; symbolic differentiation
# swells; automatic differentiation is exact and $O(N)$.
