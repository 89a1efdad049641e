"""Train here, predict in PyTorch: a checkpoint written by nn.save is a safetensors file.

A small MLP (64-32-10, ReLU) learns the handwritten digits that ship with ``nn`` for a few
epochs (seconds), ``nn.save(model.state_dict(), path)`` writes it, and PyTorch reads it with
``safetensors.torch.load_file`` into its twin, ``torch.nn.Sequential(Linear, ReLU, Linear)``,
whose state dict has the same keys. Both models then classify the test digits; the script
prints the largest difference between their outputs and whether every prediction agrees.

    python examples/to_pytorch.py              # writes ./digits_mlp.safetensors
    python examples/to_pytorch.py --out DIR    # writes DIR/digits_mlp.safetensors

Needs PyTorch (``pip install torch``); nothing else here does.
"""

import argparse
import os

import numpy as np

import autograd_core as ag
import nn

TEST_SIZE = 400  # the digits' last 400 images are the test set, the rest train
EPOCHS, BATCH_SIZE, LR = 5, 32, 0.01


def digits():
    """(X_train, y_train, X_test, y_test): pixels scaled to [0, 1], float64."""
    X, y = nn.data.load_digits()
    X = np.asarray(X, np.float64) / 16.0
    return X[:-TEST_SIZE], y[:-TEST_SIZE], X[-TEST_SIZE:], y[-TEST_SIZE:]


def train(X, y):
    """The MLP after EPOCHS epochs of Adam on minibatches of cross-entropy."""
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)).double()
    loss_fn = nn.CrossEntropyLoss()
    optimizer = nn.optim.Adam(model.parameters(), lr=LR)
    order = np.random.default_rng(0)
    for epoch in range(EPOCHS):
        for batch in np.array_split(order.permutation(len(X)), len(X) // BATCH_SIZE):
            optimizer.zero_grad()
            loss = loss_fn(model(ag.tensor(X[batch])), ag.tensor(y[batch]))
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch + 1}/{EPOCHS}  loss {loss.item():.4f}")
    return model.eval()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="folder for digits_mlp.safetensors")
    args = parser.parse_args(argv)
    import safetensors.torch  # PyTorch is needed from here on only
    import torch

    X_train, y_train, X_test, y_test = digits()
    model = train(X_train, y_train)
    path = os.path.join(args.out, "digits_mlp.safetensors")
    nn.save(model.state_dict(), path)
    print(f"saved {path}: {', '.join(model.state_dict())}")

    twin = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    twin = twin.double()
    twin.load_state_dict(safetensors.torch.load_file(path), strict=True)
    with ag.no_grad():
        ours = model(ag.tensor(X_test)).data
    with torch.no_grad():
        theirs = twin(torch.from_numpy(X_test)).numpy()
    difference = float(np.abs(ours - theirs).max())
    same = np.array_equal(ours.argmax(axis=1), theirs.argmax(axis=1))
    accuracy = float(np.mean(ours.argmax(axis=1) == y_test))
    print(f"test accuracy {accuracy:.3f} (ours and PyTorch's)")
    print(f"max |ours - PyTorch| over {len(X_test)} test digits: {difference:.3g}")
    print(f"same predicted digit for every test image: {same}")
    return difference


if __name__ == "__main__":
    main()
