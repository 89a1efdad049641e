"""nn: layers, activations, losses, initialisers, optimisers and data tools (PyTorch-like).

import nn
import nn.functional as F
"""

# modules, layers, activations, losses, initialisers
# optimisers, data, checkpoints, training
from autograd_core.serialization import load, save

from . import data, functional, init, optim, utils
from .activations import (
    ELU,
    GELU,
    DyT,
    HardLogistic,
    HardTanh,
    LeakyReLU,
    Logistic,
    LogSoftmax,
    PReLU,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Swish,
    Tanh,
)
from .layers import BatchNorm1d, Dropout, Flatten, Identity, Linear, Maxout
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .models import ELM, AutoEncoder, Perceptron
from .module import Module, ModuleList, Sequential
from .onnx_export import export_onnx
from .parameter import Parameter
from .training import Callback, EarlyStopping, fit

__all__ = [
    "Parameter",
    "functional",
    "init",
    "DyT",
    "ELU",
    "GELU",
    "HardLogistic",
    "HardTanh",
    "LeakyReLU",
    "Logistic",
    "LogSoftmax",
    "PReLU",
    "ReLU",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Swish",
    "Tanh",
    "BatchNorm1d",
    "Dropout",
    "Flatten",
    "Identity",
    "Linear",
    "Maxout",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "MSELoss",
    "NLLLoss",
    "Module",
    "ModuleList",
    "Sequential",
    "export_onnx",
    "AutoEncoder",
    "ELM",
    "Perceptron",
    "data",
    "optim",
    "utils",
    "load",
    "save",
    "Callback",
    "EarlyStopping",
    "fit",
]
