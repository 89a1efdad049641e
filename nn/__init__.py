"""nn: layers, activations, losses, initialisers, optimisers and data tools (PyTorch-like)."""
