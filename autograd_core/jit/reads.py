"""What a function's code reads, found in its bytecode, and which code is a library's.

``reads(code)`` lists each global, closure variable and local a function loads, with the
attribute chain read from it (``cfg.scale``, ``self.gamma``); the guards are made from
these. Library code (autograd_core, nn, viz, numpy, the standard library, installed
packages) is not read: it keeps no hidden state but its modules' attributes.
"""

from __future__ import annotations

import dis
import functools
import sys
import types
from collections.abc import Callable
from typing import Any

__all__ = ["OURS", "reads", "is_library", "top_module", "parameter_names"]

OURS = frozenset({"autograd_core", "nn", "viz"})
_LIBRARY = OURS | {"numpy", "builtins"} | frozenset(getattr(sys, "stdlib_module_names", ()))
_LOADS = {
    "LOAD_GLOBAL": "global",
    "LOAD_NAME": "global",
    "LOAD_DEREF": "free",
    "LOAD_CLASSDEREF": "free",
    "LOAD_FAST": "local",
    "LOAD_FAST_CHECK": "local",
}
_ATTRIBUTES = frozenset({"LOAD_ATTR", "LOAD_METHOD"})


def parameter_names(fn: Callable) -> tuple:
    """The names of ``fn``'s positional parameters, as a caller fills them."""
    if isinstance(fn, types.MethodType):
        return parameter_names(fn.__func__)[1:]
    if isinstance(fn, functools.partial):
        return parameter_names(fn.func)[len(fn.args) :]
    code = getattr(fn, "__code__", None)
    return code.co_varnames[: code.co_argcount] if code is not None else ()


@functools.lru_cache(maxsize=4096)
def reads(code: types.CodeType) -> tuple:
    """``(kind, name, attributes)`` for each load of a global, closure or local variable
    in ``code`` (and the code nested in it), with the attribute names read right after.
    A local assigned straight from such a chain (``c = self.cfg``) continues it: a later
    ``c.scale`` reads ``self.cfg.scale``."""
    found, chain, aliases = [], None, {}
    for ins in dis.get_instructions(code):
        kind = _LOADS.get(ins.opname)
        if kind is not None and isinstance(ins.argval, str):
            alias = aliases.get(ins.argval) if kind == "local" else None
            chain = (
                (kind, ins.argval, []) if alias is None else (alias[0], alias[1], list(alias[2]))
            )
            found.append(chain)
        elif ins.opname in _ATTRIBUTES and chain is not None:
            chain[2].append(ins.argval)
        elif ins.opname == "STORE_FAST":
            if chain is not None:
                aliases[ins.argval] = chain
            else:
                aliases.pop(ins.argval, None)
            chain = None
        elif ins.opname not in ("CACHE", "EXTENDED_ARG"):
            chain = None
    for const in code.co_consts:
        if isinstance(const, types.CodeType):  # a nested function, lambda or comprehension
            for kind, name, attrs in reads(const):
                if kind == "global" or (kind == "free" and name in code.co_freevars):
                    found.append((kind, name, list(attrs)))
    return tuple((kind, name, tuple(attrs)) for kind, name, attrs in found)


def is_library(obj: Any) -> bool:
    """Is ``obj`` (a function, class or Python module) part of a library rather than the
    user's code: autograd_core, nn, viz, numpy, the standard library, an installed package?"""
    if top_module(obj) in _LIBRARY:
        return True
    path = getattr(sys.modules.get(_module_name(obj)), "__file__", None) or ""
    return "site-packages" in path or "dist-packages" in path


def _module_name(obj: Any) -> str:
    return (
        obj.__name__
        if isinstance(obj, types.ModuleType)
        else getattr(obj, "__module__", None) or ""
    )


def top_module(obj: Any) -> str:
    return _module_name(obj).partition(".")[0]
