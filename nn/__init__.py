"""nn: layers, activations, losses, initialisers, optimisers and data tools (PyTorch-like).

    import nn
    import nn.functional as F
"""

from .parameter import Parameter

# modules, layers, activations, losses, initialisers
from . import functional, init
from .activations import (
    DyT, ELU, GELU, HardLogistic, HardTanh, LeakyReLU, Logistic, LogSoftmax, PReLU, ReLU,
    SiLU, Sigmoid, Softmax, Softplus, Swish, Tanh,
)
from .layers import BatchNorm1d, Dropout, Flatten, Linear, Maxout
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .module import Module, ModuleList, Sequential
from .models import AutoEncoder, ELM, Perceptron

# optimisers, data, checkpoints, training
from . import data, optim
from .serialization import load, save
from .training import Callback, EarlyStopping, fit

__all__ = [
    "Parameter", "functional", "init",
    "DyT", "ELU", "GELU", "HardLogistic", "HardTanh", "LeakyReLU", "Logistic", "LogSoftmax",
    "PReLU", "ReLU", "SiLU", "Sigmoid", "Softmax", "Softplus", "Swish", "Tanh",
    "BatchNorm1d", "Dropout", "Flatten", "Linear", "Maxout",
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "MSELoss", "NLLLoss",
    "Module", "ModuleList", "Sequential", "AutoEncoder", "ELM", "Perceptron",
    "data", "optim", "load", "save", "Callback", "EarlyStopping", "fit",
]
