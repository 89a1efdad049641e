"""nn: layers, activations, losses, initialisers, optimisers and data tools (PyTorch-like).

    import nn
    import nn.functional as F
"""

from .parameter import Parameter

# --- modules, layers, activations, losses, init (section A) ---

# --- optimisers, data, checkpoints, training (section B) ---
