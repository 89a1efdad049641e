"""``nn.optim``: gradient-descent optimisers and, in ``nn.optim.lr_scheduler``, learning-rate
schedulers (also importable from ``nn.optim`` itself, as before).

opt = nn.optim.Adam(model.parameters(), lr=1e-3)
sched = nn.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
"""

from . import lr_scheduler
from .lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LRScheduler,
    MultiStepLR,
    ReduceLROnPlateau,
    StepLR,
)
from .optimizer import SGD, AdaGrad, Adagrad, Adam, AdamW, Optimizer, RMSProp, RMSprop

__all__ = [
    "Optimizer",
    "SGD",
    "AdaGrad",
    "Adagrad",
    "RMSProp",
    "RMSprop",
    "Adam",
    "AdamW",
    "lr_scheduler",
    "LRScheduler",
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "LambdaLR",
    "ReduceLROnPlateau",
]
