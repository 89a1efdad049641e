# %% [markdown]
# # 12 · The notes' MNIST FCNet, and a glossary from the notes' terms to the API
#
# The notes end their practical part with a complete PyTorch program: a fully connected
# network 784-500-10 (`FCNet`, ReLU hidden layer) trained on MNIST with cross-entropy
# (交叉熵损失函数), Adam at learning rate $10^{-3}$, batches of 100, for 10 epochs, printing
# `Epoch [e/E], Step [i/N], Loss: …` every 100 steps and the test accuracy after each
# epoch, and finally drawing the loss and accuracy curves. `examples/fcnet_mnist.py` holds
# that program line for line, with `torch` replaced by this library (`torch.X` → `ag.X`,
# `torch.nn` → `nn`, `torch.optim` → `nn.optim`). Section 1 runs it; section 2 is a
# glossary from the notes' Chinese terms to the names in this library.

# %%
# %matplotlib inline
import contextlib
import importlib.util
import inspect
import io
import os
import pathlib
import re
import tempfile
from unittest import mock

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display
from matplotlib.ticker import MaxNLocator

import autograd_core as ag
import nn
import viz

np.set_printoptions(precision=4, suppress=True, linewidth=100)
plt.rcParams.update({"figure.dpi": 100, "axes.grid": True, "grid.alpha": 0.3})


def check(label, error, tol):
    """Print a verified quantity with ✓, or stop the notebook if it is out of tolerance."""
    ok = bool(error <= tol)
    print(f"{label} = {error:.2g} {'✓' if ok else '✗  (tolerance ' + format(tol, '.0e') + ')'}")
    assert ok, label


# %% [markdown]
# ## 1. The notes' program, run
#
# `examples/` is not a package, so the program is imported from its file path. It gives
# `main(argv)` (the notes' script; it returns the per-epoch test accuracies) and the pieces
# the script uses: `FCNet`, the datasets `MyData` / `MyTestData`, and `load_images`.
#
# **Which data.** If the environment variable `MNIST_DIR` names a folder holding the four
# MNIST IDX files, the notebook runs the notes' exact setting: 60 000 training images,
# 10 000 test images, batch 100, 10 epochs (600 steps an epoch, a loss line every 100).
# Otherwise it runs on the handwritten digits that ship with `nn` (8×8 images resized to
# 28×28, as the notes' `transforms.Resize((28, 28))` would): 1397 training and 400 test
# images. The program then uses batch 10, so an epoch still has more than the 100 steps
# between two printed losses, and the notebook runs **6 epochs instead of 10** to stay
# fast. The cell below prints which of the two it is.

# %%
spec = importlib.util.spec_from_file_location("fcnet_mnist", "../examples/fcnet_mnist.py")
fcnet = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fcnet)

mnist_dir = os.environ.get("MNIST_DIR")
if mnist_dir:
    DATA = f"MNIST ({mnist_dir})"
    EPOCHS, MIN_ACCURACY = 10, 0.95
else:
    DATA = "the shipped digits (8×8 resized to 28×28)"
    EPOCHS, MIN_ACCURACY = 6, 0.8
print(f"data: {DATA}; {EPOCHS} epochs")

# %% [markdown]
# The run. Two things are held back so that the notebook can use them: the printed lines
# are captured (and printed below), and `plt.show()` is replaced by a no-op while `main`
# runs, so that the notes' two figures can get axis labels and the data's name before they
# are shown (`plt.close` takes them out of pyplot's list of open figures, so that the
# notebook does not draw them at the end of this cell). The state dict the program saves
# (the notes' `torch.save(model.state_dict(), 'model.pth')`) goes to a temporary folder.

# %%
workdir = tempfile.mkdtemp()
argv = ["--epochs", str(EPOCHS), "--out", os.path.join(workdir, "model.pth")]
if mnist_dir:
    argv += ["--data-dir", mnist_dir]

log = io.StringIO()
with contextlib.redirect_stdout(log), mock.patch("matplotlib.pyplot.show"):
    accs = fcnet.main(argv)
fig_loss, fig_acc = (plt.figure(number) for number in plt.get_fignums()[-2:])
plt.close(fig_loss)
plt.close(fig_acc)
print(f"[ran on {DATA}]")
print(log.getvalue())

# %% [markdown]
# The printed lines are the data of the notes' figures: the loss line after step $i$ is
# the cross-entropy of that single minibatch (`loss.item()`), and `losses.append(loss.item())`
# keeps exactly the printed values. Below, the lines are read back and compared with the
# curves `main` drew; then the two figures get labels and are shown.

# %%
LOSS_LINE = r"Epoch \[(\d+)/\d+\], Step \[(\d+)/(\d+)\], Loss: ([\d.]+)"
ACC_LINE = r"Accuracy of the network on the (\d+) test images: ([\d.]+) %"
loss_lines = np.array(re.findall(LOSS_LINE, log.getvalue()), dtype=float)
epoch, step, total_step, printed_losses = loss_lines.T
printed_accs = np.array(re.findall(ACC_LINE, log.getvalue()), dtype=float)[:, 1] / 100

loss_curve = fig_loss.axes[0].lines[0]
acc_curve = fig_acc.axes[0].lines[0]

print(f"{len(printed_losses)} loss lines, {int(total_step[0])} steps an epoch")
check(
    "loss lines: epochs × (steps an epoch // 100) − number printed",
    abs(EPOCHS * (int(total_step[0]) // 100) - len(printed_losses)),
    0,
)
check(
    "max |printed loss − loss curve| (printed to 4 decimals: at most 5e-5)",
    np.abs(printed_losses - loss_curve.get_ydata()).max(),
    5.01e-5,
)
check("max |printed accuracy − returned accuracy|", np.abs(printed_accs - accs).max(), 1e-12)

# the notes' final figures, with a training-step / epoch axis, labels and the data's name
loss_curve.set_xdata((epoch - 1) * total_step + step)
loss_curve.set(marker="o", label="loss of the minibatch at each printed step")
acc_curve.set_xdata(np.arange(1, EPOCHS + 1))
acc_curve.set(marker="o", label="test accuracy after the epoch")
fig_acc.axes[0].xaxis.set_major_locator(MaxNLocator(integer=True))
for fig, name, xlabel, ylabel in [
    (fig_loss, "loss", "training step", "cross-entropy loss"),
    (fig_acc, "accuracy", "epoch", "test accuracy"),
]:
    ax = fig.axes[0]
    ax.relim()
    ax.autoscale_view()
    ax.set(title=f"{name}: FCNet 784-500-10, {DATA}", xlabel=xlabel, ylabel=ylabel)
    ax.legend()
display(fig_loss, fig_acc)

print("test accuracy per epoch:", np.round(accs, 4))
check(f"{DATA}: final test accuracy short of {MIN_ACCURACY}", max(0, MIN_ACCURACY - accs[-1]), 0)

# %% [markdown]
# The loss is that of one minibatch, so the curve is noisy (on the digits, one point an
# epoch is the loss of ten images); the test accuracy is well above the 10 % of guessing.
# On MNIST the notes report 93.2 % after the first epoch and 96.72 % after the fifth.
#
# ### The test loop's `_, predict = ag.max(outputs.data, 1)`
#
# The notes' test loop writes
#
# ```python
# outputs = model(images)
# _, predict = torch.max(outputs.data, 1)
# ```
#
# With a dimension, `max` returns **two** tensors: the largest value in each row and the
# index where it is (the position of the largest score is the predicted class). They come
# as a named tuple `(values, indices)`: it unpacks like any tuple, and `_` is Python's
# usual name for the part one does not need — here the scores themselves. `ag.argmax`
# gives the indices alone. (`outputs.data` is the raw array inside the tensor, outside the
# computational graph; in the test loop `ag.no_grad()` already keeps the graph from being
# recorded.)
#
# Below, the state dict that `main` saved is loaded into a fresh `FCNet`, and the same line
# runs on the first five test images; then the whole test set is scored at once, which must
# give the accuracy of the last epoch again.

# %%
params = {"data dir": mnist_dir or None}
test_images, test_labels = fcnet.load_images(params, "test")
model = fcnet.FCNet(784, 500, 10)
model.load_state_dict(ag.load(os.path.join(workdir, "model.pth")))
model = model.eval()

with ag.no_grad():
    outputs = model(ag.tensor(test_images[:5].reshape(-1, 28 * 28), dtype=ag.float32))
    result = ag.max(outputs.data, 1)
    _, predict = result
print(result)
print("true labels:", test_labels[:5])
check("max |predict − result.indices|", np.abs(predict.data - result.indices.data).max(), 0)
check(
    "max |result.values − row maxima of the outputs|",
    np.abs(result.values.data - outputs.data.max(axis=1)).max(),
    0,
)
check(
    "max |predict − ag.argmax(outputs, 1)|",
    np.abs(predict.data - ag.argmax(outputs, 1).data).max(),
    0,
)

with ag.no_grad():
    all_outputs = model(ag.tensor(test_images.reshape(-1, 28 * 28), dtype=ag.float32))
    _, all_predict = ag.max(all_outputs.data, 1)
accuracy = (all_predict.data == test_labels).mean()
print(f"saved model, whole test set at once: accuracy {accuracy:.4f} (last epoch: {accs[-1]:.4f})")
check("|accuracy of the saved model − last epoch's accuracy|", abs(accuracy - accs[-1]), 0)

# %% [markdown]
# ## 2. Glossary: from the notes' terms to this library
#
# The notes' own words (as they appear in the lecture notes), the notation they use, and
# where to find the idea here. Where the notes write an English term next to the Chinese
# one, it is given too.
#
# | 课程笔记 (the notes) | meaning, the notes' notation | in this library |
# |---|---|---|
# | 前馈神经网络 | feed-forward network: layers connected one way, no cycles | `nn.Sequential`, a subclass of `nn.Module` (the FCNet above) |
# | 感知器 / 感知机 | Rosenblatt's perceptron, a single thresholded unit, its error-driven rule | `nn.Perceptron` |
# | 净输入 | net input $\mathbf{z}^{(l)} = W^{(l)}\mathbf{a}^{(l-1)} + \mathbf{b}^{(l)}$ | the output of a layer `nn.Linear` |
# | 活性值 | activation $\mathbf{a}^{(l)} = f_l(\mathbf{z}^{(l)})$ | the output of an activation module, e.g. `nn.ReLU`, `nn.Sigmoid`, `nn.Tanh` |
# | 激活函数 | activation function $f_l$ (Logistic, Tanh, ReLU, …) | `nn.ReLU`, `nn.Sigmoid`, `nn.Tanh`, `nn.LeakyReLU`, `nn.ELU`, `nn.Softplus`; functions `ag.relu`, `ag.sigmoid`, `ag.tanh` |
# | 损失函数 | loss $\mathcal{L}(\mathbf{y}, \hat{\mathbf{y}})$ | `nn.MSELoss`, `nn.CrossEntropyLoss`, `nn.BCELoss` |
# | 交叉熵 (Cross Entropy) | $\mathcal{L} = -\sum_c y_c\log\hat y_c$ on the Softmax output | `nn.CrossEntropyLoss` (takes the scores $\mathbf{z}$: the Softmax is inside it); on their own `ag.softmax`, `ag.log_softmax` |
# | 误差项 | $\delta^{(l)} = \partial\mathcal{L}/\partial\mathbf{z}^{(l)}$, the error term of layer $l$ | the gradient of the net input: `z.retain_grad()` before `loss.backward()`, then `z.grad` (`ag.Tensor.retain_grad`, `ag.Tensor.grad`) |
# | 反向传播 | backpropagation: $\delta^{(l)} = f_l'(\mathbf{z}^{(l)})\odot (W^{(l+1)})^\top\delta^{(l+1)}$ | `ag.Tensor.backward` (`loss.backward()`) |
# | 自动微分 | automatic differentiation (reverse mode, on the graph) | `ag.Tensor.backward`, `ag.grad`, `ag.jacobian`, `ag.hessian`; checked by `ag.gradcheck` |
# | 计算图 | computational graph | recorded on every operation; drawn by `viz.draw_graph` |
# | 动态计算图 / 静态计算图 | dynamic graph (built on every run, PyTorch) / static graph (built once, replayed) | eager mode is dynamic; `ag.compile` records a graph once and replays it |
# | 梯度消失 | vanishing gradient: $\delta$ shrinks layer by layer through saturated $f'$ | see it with `viz.plot_gradient_flow` |
# | 参数初始化 (权重初始化, Xavier初始化) | initial $W$: not all zeros; variance kept from layer to layer | `nn.init.xavier_uniform_`, `nn.init.xavier_normal_`, `nn.init.kaiming_normal_` |
# | 学习率 | learning rate $\alpha$ in $\theta \leftarrow \theta - \alpha\nabla_\theta\mathcal{L}$ | the argument `lr` of every optimizer, e.g. `nn.optim.SGD(lr=…)` |
# | 随机梯度下降 (SGD), Mini-Batch | minibatch gradient descent: the mean gradient of a random batch | `nn.data.DataLoader(batch_size=…)` with `nn.optim.SGD`; the loop `optimizer.zero_grad()`, `loss.backward()`, `optimizer.step()` (`nn.optim.Optimizer.step`), or `nn.fit` |
# | 动量（Momentum） | $v \leftarrow \rho v - \alpha g$, $\theta \leftarrow \theta + v$ | `nn.optim.SGD(momentum=…)` |
# | AdaGrad | per-parameter rate from the sum of squared gradients $r$ | `nn.optim.AdaGrad` |
# | RMSProp | the same with a decaying average of squared gradients | `nn.optim.RMSprop` |
# | Adam | Momentum and RMSProp together: first moment $r$, second moment $s$ | `nn.optim.Adam` (the FCNet's optimizer) |
# | 正则化, 正则项, L2正则化 | a penalty added to the loss, e.g. $\frac{\lambda}{2}\lVert W\rVert_F^2$ | `nn.optim.SGD(weight_decay=…)` (adds $\lambda W$ to the gradient); `nn.Dropout` |
# | 权重衰减 (the notes' code: `weight_decay`) | the L2 penalty as a term $\lambda W$ in the gradient | `nn.optim.SGD(weight_decay=…)`, `nn.optim.Adam(weight_decay=…)`, `nn.optim.AdamW` |
# | 批归一化 (Batch Normalization, BN) | normalise each unit over the batch before $f_l$, then scale $\gamma$ and shift $\beta$ | `nn.BatchNorm1d` |
# | 通用近似定理 | one hidden layer of enough units approximates any continuous function on a compact set | a one-hidden-layer `nn.Sequential`, e.g. `nn.Linear`, `nn.Sigmoid`, `nn.Linear` (notebook 07) |
# | 极端学习机 (Extreme Learning Machine) | random fixed hidden layer, output weights $\hat\beta = H^+T$ in closed form | `nn.ELM` (notebook 08) |
# | 自编码器 (降噪自编码器) | (denoising) autoencoder: encoder $h$, decoder $f$, minimise $\lVert f(h(\mathbf{x})) - \mathbf{x}\rVert^2$ | `nn.AutoEncoder` (notebook 08) |
#
# The check below reads the table from this notebook's source and resolves every API name
# in it (and, for `name(keyword=…)`, checks that the function takes that keyword), so a
# renamed or removed function stops the notebook instead of leaving the glossary wrong.

# %%
MODULES = {"ag": ag, "nn": nn, "viz": viz}
API_NAME = r"`((?:ag|nn|viz)(?:\.\w+)+)(?:\((\w+)=…\))?`"


def resolve(dotted):
    """The object a name such as ``nn.optim.Adam`` refers to (AttributeError if there is none)."""
    first, *rest = dotted.split(".")
    obj = MODULES[first]
    for attribute in rest:
        obj = getattr(obj, attribute)
    return obj


source = pathlib.Path("12_fcnet_on_mnist_and_glossary.py").read_text(encoding="utf-8")
table = [line for line in source.splitlines() if line.startswith("# | ")][1:]  # skip header
names = sorted({match for row in table for match in re.findall(API_NAME, row)})
missing = []
for dotted, keyword in names:
    try:
        obj = resolve(dotted)
    except AttributeError:
        missing.append(dotted)
        continue
    if keyword and keyword not in inspect.signature(obj).parameters:
        missing.append(f"{dotted}({keyword}=…)")
print(f"{len(table)} glossary rows, {len(names)} API names")
print(", ".join(dotted + (f"({keyword}=…)" if keyword else "") for dotted, keyword in names))
check("rows of the glossary without an API name", sum(not re.search(API_NAME, r) for r in table), 0)
check(f"API names in the glossary that do not exist {missing}", len(missing), 0)


# %% [markdown]
# Three rows of the table at work on the trained FCNet, in the notes' notation for two
# layers: 净输入 $\mathbf{z}^{(1)} = W^{(1)}\mathbf{x} + \mathbf{b}^{(1)}$, 活性值
# $\mathbf{a}^{(1)} = \mathrm{ReLU}(\mathbf{z}^{(1)})$, scores $\mathbf{z}^{(2)} = W^{(2)}\mathbf{a}^{(1)} + \mathbf{b}^{(2)}$,
# and the mean cross-entropy over a batch of $N$ test images. The 误差项 the engine
# computes (`z.grad` after `z.retain_grad()`) must equal the notes' formulas:
# $\delta^{(2)} = (\mathrm{softmax}(\mathbf{z}^{(2)}) - \mathbf{y})/N$ for Softmax with cross-entropy
# ($\mathbf{y}$ one-hot), the backpropagation step
# $\delta^{(1)} = f_1'(\mathbf{z}^{(1)}) \odot \bigl((W^{(2)})^\top\delta^{(2)}\bigr)$, and the weight
# gradient $\partial\mathcal{L}/\partial W^{(2)} = \sum_n \delta^{(2)}_n (\mathbf{a}^{(1)}_n)^\top$.

# %%
N = 20
x = ag.tensor(test_images[:N].reshape(-1, 28 * 28), dtype=ag.float32)
z1 = model.fc1(x)  # 净输入 of the hidden layer
a1 = model.relu(z1)  # 活性值
z2 = model.fc2(a1)  # 净输入 of the output layer: the scores
z1.retain_grad()
z2.retain_grad()
model.zero_grad()
loss = nn.CrossEntropyLoss()(z2, ag.tensor(test_labels[:N]))
loss.backward()

scores = z2.data - z2.data.max(axis=1, keepdims=True)
softmax = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
y_onehot = np.eye(10)[test_labels[:N]]
delta2 = (softmax - y_onehot) / N
delta1 = (z1.data > 0) * (delta2 @ model.fc2.weight.data)  # one row per image: (W²)ᵀδ² as rows
check("max |z2.grad − (softmax(z²) − y)/N|", np.abs(z2.grad.data - delta2).max(), 1e-6)
check("max |z1.grad − f'(z¹) ⊙ (W²)ᵀδ²|", np.abs(z1.grad.data - delta1).max(), 1e-6)
check(
    "max |fc2.weight.grad − Σₙ δ²ₙ (a¹ₙ)ᵀ|",
    np.abs(model.fc2.weight.grad.data - delta2.T @ a1.data).max(),
    1e-6,
)
