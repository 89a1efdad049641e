"""Hooks: functions the user attaches to a tensor, run by backward when it reaches it.

A gradient hook (``t.register_hook(fn)``) sees the gradient of t and may replace it; a
post-accumulate hook (``t.register_post_accumulate_grad_hook(fn)``) runs after a leaf's
``.grad`` was updated. A leaf keeps its hooks in ``t._hooks``; the result of an op keeps
them on its node, which outlives the Tensor object. The engine runs them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .jit import capture

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["RemovableHandle", "PostAccumulateHook", "add_grad_hook", "add_post_accumulate_hook"]


class RemovableHandle:
    """Returned by ``register_hook``; ``handle.remove()`` detaches the hook."""

    __slots__ = ("_hooks", "_key")

    def __init__(self, hooks: dict, key: object):
        self._hooks, self._key = hooks, key

    def remove(self) -> None:
        self._hooks.pop(self._key, None)


class PostAccumulateHook:
    """A leaf hook that runs after ``.grad`` was updated (it gets the tensor, not a grad)."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[Tensor], None]):
        self.fn = fn


def add_grad_hook(t: Tensor, fn: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
    """``t.register_hook(fn)``: keep ``fn`` where backward finds it for t."""
    if not t.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if capture.traced(t):
        capture.refuse(
            "a gradient hook on a tensor of the function (it would run only while tracing)"
        )
    if t.grad_fn is None:
        if t._hooks is None:
            t._hooks = {}
        hooks = t._hooks
    else:
        hooks = t.grad_fn._output_hooks(t._output_nr)
    key = object()
    hooks[key] = fn
    return RemovableHandle(hooks, key)


def add_post_accumulate_hook(t: Tensor, fn: Callable[[Tensor], None]) -> RemovableHandle:
    """``t.register_post_accumulate_grad_hook(fn)``: keep ``fn`` among t's leaf hooks,
    marked to run after ``.grad`` is updated."""
    if t.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    if not t.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if t._hooks is None:
        t._hooks = {}
    key = object()
    t._hooks[key] = PostAccumulateHook(fn)
    return RemovableHandle(t._hooks, key)
