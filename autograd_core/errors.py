"""The library's error types: what went wrong, named for the user."""

__all__ = ["OpError", "OpTypeError", "CompileError"]


class OpError(ValueError):
    """A clear error raised by an op about its inputs (shapes, values)."""


class OpTypeError(TypeError):
    """A clear error raised by an op about the type of an argument."""


class CompileError(RuntimeError):
    """The function does something a captured graph cannot replay.

    Most are raised while tracing, before the function has finished. Those found after it
    ran to its end (a side effect on a value it reads, a random draw) have ``ran`` True and
    the call's return value in ``result``: the call happened, uncompiled."""

    ran = False
    result = None
