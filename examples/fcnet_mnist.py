"""The course notes' PyTorch program (FCNet 784-500-10 on MNIST), run on this library.

The program below is the notes' own, line for line, with PyTorch's names mapped:

    import torch                          ->  import autograd_core as ag     (torch.X -> ag.X)
    import torch.nn as nn                 ->  import nn
    torch.optim                           ->  nn.optim
    from torch.utils.data import ...      ->  from nn.data import Dataset, DataLoader

Two things differ because the notes read PNG files from a Windows path: ``MyData`` and
``MyTestData`` read the MNIST IDX files when ``--data-dir`` names a folder holding them, and
otherwise the handwritten digits that ship with ``nn`` (8x8 images, resized to 28x28 as the
notes' ``transforms.Resize((28, 28))`` does). On the digits the batch is 10 rather than 100,
so that an epoch has more than the 100 steps between two printed losses.

    python examples/fcnet_mnist.py                    # the shipped digits, 10 epochs
    python examples/fcnet_mnist.py --data-dir ~/mnist --epochs 2
"""

import argparse

import matplotlib.pyplot as plt
import numpy as np

import autograd_core as ag
import nn
from nn.data import DataLoader, Dataset

DIGITS_TEST_SIZE = 400  # the digits' last 400 images are the test set, the rest train


# ------------------------------------------------------------------- the data (see above)
def load_images(params, kind):
    """(images, labels): images (n, 28, 28) in [0, 1], labels (n,) integers."""
    if params["data dir"] is not None:
        X, y = nn.data.load_mnist(params["data dir"], kind)
        return X.reshape(-1, 28, 28), y
    X, y = nn.data.load_digits()
    X = resize(X.reshape(-1, 8, 8) / 16.0, 28, 28)
    split = len(X) - DIGITS_TEST_SIZE
    return (X[:split], y[:split]) if kind == "train" else (X[split:], y[split:])


def resize(images, height, width):
    """Bilinear resize of (n, h, w) images (pixel centres aligned, as torchvision's Resize)."""
    n, h, w = images.shape
    rows = np.clip((np.arange(height) + 0.5) * h / height - 0.5, 0, h - 1)
    cols = np.clip((np.arange(width) + 0.5) * w / width - 0.5, 0, w - 1)
    r0, c0 = np.floor(rows).astype(int), np.floor(cols).astype(int)
    r1, c1 = np.minimum(r0 + 1, h - 1), np.minimum(c0 + 1, w - 1)
    fr, fc = (rows - r0)[:, None], (cols - c0)[None, :]
    top = images[:, r0][:, :, c0] * (1 - fc) + images[:, r0][:, :, c1] * fc
    bottom = images[:, r1][:, :, c0] * (1 - fc) + images[:, r1][:, :, c1] * fc
    return top * (1 - fr) + bottom * fr


class MyData(Dataset):
    def __init__(self, params):
        super(MyData, self).__init__()
        self.train_images, self.train_labels = load_images(params, "train")
        self.train_im_num = len(self.train_labels)

    def __len__(self):
        return self.train_im_num

    def __getitem__(self, index):
        im = self.transform(self.train_images[index])
        lb = int(self.train_labels[index])
        return im, lb

    def transform(self, img):
        # ToTensor: a float32 tensor of shape (1, 28, 28) with values in [0, 1]
        return ag.tensor(img, dtype=ag.float32).reshape(1, 28, 28)


class MyTestData(Dataset):
    def __init__(self, params):
        super(MyTestData, self).__init__()
        self.test_images, self.test_labels = load_images(params, "test")
        self.test_im_num = len(self.test_labels)

    def __len__(self):
        return self.test_im_num

    def __getitem__(self, index):
        im = self.transform(self.test_images[index])
        lb = int(self.test_labels[index])
        return im, lb

    def transform(self, img):
        return ag.tensor(img, dtype=ag.float32).reshape(1, 28, 28)


# ------------------------------------------------------------------- the notes' program
class FCNet(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(FCNet, self).__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        out = self.fc1(x)
        out = self.relu(out)
        out = self.fc2(out)
        return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="a folder with the four MNIST IDX files")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--out", default="model.pth", help="where to save the state dict")
    args = parser.parse_args(argv)

    ag.manual_seed(0)
    device = ag.device("cuda" if ag.cuda.is_available() else "cpu")

    # 参数设置
    params = {}
    params["data dir"] = args.data_dir
    params["INPUT SIZE"] = 784
    params["HIDDEN SIZE"] = 500
    params["OUTPUT SIZE"] = 10
    params["NUM_EPOCHES"] = args.epochs
    params["BATCH_SIZE"] = 100 if args.data_dir else 10
    params["LEARNING RATE"] = 0.001
    # load dataset
    train_loader = DataLoader(MyData(params), shuffle=True, batch_size=params["BATCH_SIZE"])
    test_loader = DataLoader(MyTestData(params), shuffle=False, batch_size=1)
    model = FCNet(params["INPUT SIZE"], params["HIDDEN SIZE"], params["OUTPUT SIZE"]).to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = nn.optim.Adam(model.parameters(), lr=params["LEARNING RATE"])

    total_step = len(train_loader)
    losses, accs = [], []
    for epoch in range(params["NUM_EPOCHES"]):
        model = model.train()
        for i, (images, labels) in enumerate(train_loader):
            # Move tensors to the configured device
            images = images.reshape(-1, 28 * 28).to(device)
            labels = labels.to(device)
            # 前向传播
            outputs = model(images)
            loss = criterion(outputs, labels)
            # 反向传播和优化
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if (i + 1) % 100 == 0:
                print(
                    "Epoch [{}/{}], Step [{}/{}], Loss: {:.4f}".format(
                        epoch + 1, params["NUM_EPOCHES"], i + 1, total_step, loss.item()
                    )
                )
                losses.append(loss.item())

        # 在测试阶段,不用计算梯度
        with ag.no_grad():
            correct = 0
            total = 0
            model = model.eval()
            for images, labels in test_loader:
                images = images.reshape(-1, 28 * 28).to(device)
                labels = labels.to(device)
                outputs = model(images)
                _, predict = ag.max(outputs.data, 1)
                total += labels.size(0)  # 更新测试图片的数量 size(0),返回行数
                correct += (predict == labels).sum().item()
            accuracy = correct / total
            accs.append(accuracy)
            print(
                "Accuracy of the network on the {} test images: {} %".format(total, 100 * accuracy)
            )

    # plot loss figure and accuracy figure
    plt.figure()
    plt.title("loss")
    plt.plot(losses)
    plt.figure()
    plt.title("accuracy")
    plt.plot(accs)
    plt.show()
    ag.save(model.state_dict(), args.out)
    return accs


if __name__ == "__main__":
    main()
