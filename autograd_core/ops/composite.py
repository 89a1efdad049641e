"""Functions built from primitives: they need no derivative rules of their own."""

from .reduce import logsumexp


def log_softmax(a, axis=-1):
    """log softmax(a) = a - logsumexp(a): stable for any logits (not log(softmax(a)))."""
    return a - logsumexp(a, axis=axis, keepdims=True)


def softmax(a, axis=-1):
    """exp(a - logsumexp(a)): rows sum to 1, no overflow for logits of 1e4."""
    return log_softmax(a, axis).exp()
