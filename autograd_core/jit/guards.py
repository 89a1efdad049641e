"""Guards: the Python values a traced program depended on, checked before every replay.

``ag.compile`` records the primitives a function calls, not the Python around them: a float
it closes over, a global flag, a list of coefficients, a module's training mode or its
hyperparameters are read once, while tracing, and their values are baked into the program.
So each program keeps *guards*, as torch.compile does: before a replay it checks that every
Python value the function could have read is still what it was when traced, and a call
that fails a guard is traced again.

What the function could read is found in its bytecode: each global it loads, each closure
variable, and the attribute chains read from them (``cfg.scale``, ``self.gamma``); the same
for every user function, method and ``nn.Module`` reached that way. Values are compared by
kind:

* numbers, strings, None, dtypes: same type and value (``1`` is not ``True``, ``-0.0`` is
  not ``0.0``);
* lists, dicts, sets, numpy arrays, tuples holding them: same contents (they change in
  place);
* Tensors: the same object, with the same shape, dtype and requires_grad (their values are
  read afresh on every call);
* nn.Modules: the same object with the same attributes (training flag, hyperparameters,
  parameters, buffers, submodules), recursively;
* functions, classes, Python modules and other objects: the same object, and the attribute
  chains read from them.

The guards of a program are one generated Python function (``Compiled.guards`` shows it):
one assignment and one test per value, each value reached from its parent's variable.
Library code (autograd_core, nn, numpy, the standard library, installed packages) is not
read: it keeps no hidden state but its modules' attributes, which are guarded as above.
Objects whose methods run live on every replay (optimisers, schedulers: their steps are
recorded side effects) set ``_compile_live = True`` and are guarded by identity only.
"""

from __future__ import annotations

import functools
import math
import random
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .reads import OURS, is_library, parameter_names, reads, top_module
from .snapshots import SCALARS, explorable, freeze, is_mutable, is_static

__all__ = ["Guards", "collect"]


class _Missing:
    __slots__ = ()

    def __repr__(self):
        return "<missing>"


MISSING = _Missing()  # what a guard reads where a name or attribute does not exist

_BOUND_BUILTINS = (types.BuiltinMethodType, types.MethodWrapperType)


class Guards:
    """The guard function of one trace: ``check(args, kwargs)`` returns None when every
    guard holds, else the description of the first that failed."""

    def __init__(self, source: str, namespace: dict, descriptions: list[str]):
        self.source = source
        self.descriptions = descriptions
        exec(compile(source, "<ag.compile guards>", "exec"), namespace)  # noqa: S102
        self._check = namespace["check"]

    def check(self, args: tuple, kwargs: dict) -> str | None:
        try:
            failed = self._check(args, kwargs)
        except Exception:  # noqa: BLE001 - a value that cannot be read as before has changed
            return "a value the function reads can no longer be read as it was when traced"
        return None if failed is None else self.descriptions[failed]

    def __len__(self) -> int:
        return len(self.descriptions)


def collect(fn: Callable, args: tuple, kwargs: dict) -> _Collector:
    """What a call ``fn(*args, **kwargs)`` depends on: what ``fn`` reads (closures,
    globals, the attribute chains on them, modules) and what its non-Tensor arguments hold,
    in a collector whose ``finish(captured)`` makes the ``Guards``, and whose ``rngs`` are
    the random generators the function reaches."""
    collector = _Collector()
    names = parameter_names(fn)
    local = {}
    for i, a in enumerate(args):
        name = names[i] if i < len(names) else f"args[{i}]"
        local[name] = collector.argument(collector.args, f"[{i}]", name, a)
    for name, a in kwargs.items():
        local[name] = collector.argument(collector.kwargs, f"[{name!r}]", name, a)
    local = {name: var for name, var in local.items() if var is not None}
    root = _Var("fn", "the compiled function", fn)
    collector.namespace["fn"] = fn
    if isinstance(fn, types.FunctionType):
        collector.function(fn, local)
    elif isinstance(fn, types.MethodType):
        collector.method(root, fn, local)
    elif isinstance(fn, functools.partial):
        collector.partial(root, fn, local)
    else:
        collector.value(root, fn, guard=False)
    return collector


# ---------------------------------------------------------------------------- collecting
class _Var:
    """A value the generated check reads: its variable, its path as the user writes it
    (for messages), and the value it held when traced."""

    __slots__ = ("name", "path", "value")

    def __init__(self, name: str, path: str, value: Any):
        self.name, self.path, self.value = name, path, value


class _Collector:
    def __init__(self):
        self.lines = []  # the body of check(args, kwargs)
        self.descriptions = []  # guard k's description (what changed when it fails)
        self.namespace = {"MISSING": MISSING, "copysign": math.copysign, "freeze": freeze}
        self._names = {}  # id(object) -> its name in the namespace
        self._vars = {}  # (parent variable, accessor) -> _Var: each value read once
        self._explored = set()  # objects and code already explored
        self._tests = set()  # (variable, test) of every guard made
        self.rngs = []  # random generators reached (tracing must not draw from them)
        self.tensor_paths = {}  # id(Tensor) -> the first path it was reached by
        self.args = _Var("args", "args", None)
        self.kwargs = _Var("kwargs", "kwargs", None)

    def ref(self, obj, prefix):
        """A global name of the generated code for ``obj`` (kept alive by the guards)."""
        name = self._names.get(id(obj))
        if name is None:
            name = self._names[id(obj)] = f"{prefix}{len(self._names)}"
            self.namespace[name] = obj
        return name

    def child(self, parent, accessor, path, value):
        """The value ``parent`` + ``accessor`` (``.x``, ``['k']``, ``.get('k', MISSING)``)
        in a variable of its own, read once however many paths reach it."""
        key = (parent.name, accessor)
        var = self._vars.get(key)
        if var is None:
            var = self._vars[key] = _Var(f"v{len(self._vars)}", path, value)
            self.lines.append(f"{var.name} = {parent.name}{accessor}")
        return var

    def guard(self, var, test, what):
        """Add a test of ``var`` (``{v}`` in ``test``); ``what`` says what failed."""
        if (var.name, test) in self._tests:
            return
        self._tests.add((var.name, test))
        self.lines.append(f"if not ({test.format(v=var.name)}): return {len(self.descriptions)}")
        self.descriptions.append(f"{var.path} {what}")

    def finish(self, captured: list | tuple = ()) -> Guards:
        """The Guards, with those of the Tensors the trace read from outside (``captured``:
        read afresh on every call, they must keep their shape, dtype and requires_grad)."""
        for t in captured:
            var = _Var(self.ref(t, "o"), f"a Tensor of shape {t.shape} read from outside", t)
            self._guard_value(var, t)
        body = "\n".join("    " + line for line in self.lines) or "    pass"
        return Guards(
            f"def check(args, kwargs):\n{body}\n    return None\n",
            self.namespace,
            self.descriptions,
        )

    def argument(self, holder, accessor, name, a):
        """A non-Tensor argument's variable (None for a Tensor or a number: the signature
        has those); an object is explored (a module's attributes, the chains read from a
        config through its name)."""
        if isinstance(a, Tensor) or is_static(a):
            return None
        var = self.child(holder, accessor, name, a)
        self.value(var, a)
        return var

    # ------------------------------------------------------------------ values
    def value(self, var, value, guard=True):
        """Guard ``var`` (which holds ``value`` now) and explore what it holds."""
        if guard:
            self._guard_value(var, value)
        if isinstance(value, Tensor):
            self.tensor_paths.setdefault(id(value), var.path)
        if isinstance(value, (Tensor, *SCALARS)) or id(value) in self._explored:
            return
        self._explored.add(id(value))
        if getattr(value, "_guard_attributes", False):  # an nn.Module
            self._module(var, value)
        elif getattr(value, "_compile_live", False):  # runs live on every replay
            return
        elif isinstance(value, types.FunctionType):
            self.function(value, {})
        elif isinstance(value, types.MethodType):
            self.method(var, value)
        elif isinstance(value, functools.partial):
            self.partial(var, value)
        elif getattr(type(value), "_guard_wraps", None):  # an ag.compile'd function
            wrapped = getattr(value, type(value)._guard_wraps)
            self.value(self.child(var, f".{type(value)._guard_wraps}", var.path, wrapped), wrapped)
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                if explorable(item):
                    self.value(self.child(var, f"[{i}]", f"{var.path}[{i}]", item), item)
        elif isinstance(value, dict):
            for key, item in value.items():
                if explorable(item) and isinstance(key, (str, int)):
                    self.value(self.child(var, f"[{key!r}]", f"{var.path}[{key!r}]", item), item)
        elif isinstance(value, (np.random.Generator, np.random.RandomState, random.Random)):
            self.rngs.append((var.path, value))

    def _guard_value(self, var, value):
        if isinstance(value, Tensor):  # (its tangent too: a replay would not see one)
            meta = self.ref(
                (
                    value._data.shape,
                    value._data.dtype,
                    value._requires_grad,
                    value._tangent is None,
                ),
                "m",
            )
            obj = self.ref(value, "o")
            same = "" if var.name == obj else f"{{v}} is {obj} and "
            self.guard(
                var,
                f"{same}({{v}}._data.shape, {{v}}._data.dtype, "
                f"{{v}}._requires_grad, {{v}}._tangent is None) == {meta}",
                f"is no longer the same Tensor of shape {value.shape}, dtype "
                f"{value.dtype}, requires_grad={value.requires_grad}, "
                f"{'without' if value._tangent is None else 'with'} a tangent",
            )
        elif isinstance(value, SCALARS):
            self.guard(var, self._scalar_test(value), f"changed (it was {value!r})")
        elif isinstance(value, types.MethodType):
            self.guard(
                var,
                f"{{v}}.__func__ is {self.ref(value.__func__, 'o')} and "
                f"{{v}}.__self__ is {self.ref(value.__self__, 'o')}",
                "is no longer the same method",
            )
        elif isinstance(value, _BOUND_BUILTINS) and not isinstance(
            value.__self__, types.ModuleType
        ):
            self.guard(
                var,
                f"{{v}}.__self__ is {self.ref(value.__self__, 'o')} and "
                f"{{v}}.__name__ == {value.__name__!r}",
                "is no longer the same method",
            )
        elif is_mutable(value) or is_static(value):
            frozen = freeze(value, var.path)
            self.guard(
                var,
                f"freeze({{v}}) == {self.ref(frozen, 'k')}",
                "changed (its contents differ from when the function was traced)",
            )
        else:
            self.guard(var, f"{{v}} is {self.ref(value, 'o')}", "is no longer the same object")

    def _scalar_test(self, value):
        """``{v}`` is ``value``: same type and value; -0.0 is not 0.0 and NaN is NaN."""
        if value is None or value is True or value is False or value is Ellipsis:
            return f"{{v}} is {value!r}"
        kind = self.ref(type(value), "t")
        if isinstance(value, (float, np.floating)) and math.isnan(value):
            return f"type({{v}}) is {kind} and {{v}} != {{v}}"
        test = f"type({{v}}) is {kind} and {{v}} == {self.ref(value, 'k')}"
        if isinstance(value, (float, np.floating)) and value == 0:
            test += f" and copysign(1.0, {{v}}) == {math.copysign(1.0, value)}"
        return test

    def _module(self, var, module):
        """An nn.Module: its attributes (the dict's length, each value), its parameters,
        buffers and submodules, and the code of its methods where its class is the user's."""
        attrs = vars(module)
        state = self.child(var, ".__dict__", var.path, attrs)
        self.guard(state, f"len({{v}}) == {len(attrs)}", "gained or lost attributes")
        for key, item in attrs.items():
            if key in ("_parameters", "_buffers", "_modules"):
                registry = self.child(state, f"[{key!r}]", var.path, item)
                self.guard(
                    registry, f"len({{v}}) == {len(item)}", f"gained or lost {key.strip('_')}"
                )
                for name, member in item.items():
                    path = f"{var.path}.{name}"
                    self.value(
                        self.child(registry, f".get({name!r}, MISSING)", path, member), member
                    )
            else:
                path = f"{var.path}.{key}"
                self.value(self.child(state, f".get({key!r}, MISSING)", path, item), item)
        for cls in type(module).__mro__:
            if not is_library(cls):
                self._methods(cls, var)

    def _methods(self, cls, instance):
        for attr in vars(cls).values():
            if isinstance(attr, (staticmethod, classmethod)):
                attr = attr.__func__
            elif isinstance(attr, property):
                attr = attr.fget
            if isinstance(attr, types.FunctionType):
                params = parameter_names(attr)
                self.function(attr, {params[0]: instance} if params else {})

    def method(self, var, method, local=None):
        """A bound method: its object (explored) and its code, with ``self`` its object
        (and ``local``: more parameters' variables)."""
        fn, receiver = method.__func__, method.__self__
        if getattr(receiver, "_compile_live", False) or not isinstance(fn, types.FunctionType):
            return
        params = parameter_names(fn)
        path = var.path.rpartition(".")[0] or (params[0] if params else var.path)  # (self)
        this = self.child(var, ".__self__", path, receiver)
        if not isinstance(receiver, type):
            self.value(this, receiver, guard=False)  # (the method's guard checks identity)
        self.function(fn, {**(local or {}), **({params[0]: this} if params else {})})

    def partial(self, var, partial, local=None):
        """A functools.partial: its function, with the arguments it binds."""
        fn = partial.func
        self.value(self.child(var, ".func", var.path, fn), fn)
        params = parameter_names(fn)
        local = dict(local or {})
        for i, a in enumerate(partial.args):
            name = params[i] if i < len(params) else f"{var.path}.args[{i}]"
            arg = self.argument(var, f".args[{i}]", name, a)
            if arg is not None:
                local[name] = arg
        if isinstance(fn, types.FunctionType):
            self.function(fn, local)

    # ------------------------------------------------------------------ code
    def function(self, fn, local):
        """What ``fn`` reads: for the user's code its globals and closure variables and the
        attribute chains on them; for any code, the chains on ``local`` (``self``, the
        arguments of the compiled function)."""
        key = (fn.__code__, tuple(sorted((k, v.name) for k, v in local.items())))
        if key in self._explored:
            return
        self._explored.add(key)
        user = not is_library(fn)
        if not user and top_module(fn) not in OURS:  # numpy, the standard library, a package:
            return  # its objects are guarded by identity, their insides are not read
        cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
        for kind, name, attrs in reads(fn.__code__):
            if kind == "local":
                base = local.get(name)
            elif not user:
                continue
            elif kind == "global":
                base = self._global(fn, name)
            else:
                base = self._cell(cells.get(name), name)
            if base is not None:
                self._chain(base, attrs)
        if user:
            for i, default in enumerate(fn.__defaults__ or ()):
                if is_mutable(default):
                    holder = _Var(self.ref(fn, "f"), fn.__name__, fn)
                    self.value(
                        self.child(
                            holder,
                            f".__defaults__[{i}]",
                            f"a default argument of {fn.__name__}",
                            default,
                        ),
                        default,
                    )

    def _global(self, fn, name):
        scope = _Var(self.ref(fn.__globals__, "g"), name, fn.__globals__)
        value = fn.__globals__.get(name, MISSING)
        var = self.child(scope, f".get({name!r}, MISSING)", name, value)
        if value is MISSING:  # a builtin (or a global defined later): must stay undefined
            self.guard(var, "{v} is MISSING", "is now defined as a global")
            return None
        self.value(var, value)
        return var

    def _cell(self, cell, name):
        try:
            value = cell.cell_contents
        except (AttributeError, ValueError):  # not a closure cell, or not yet assigned
            return None
        var = self.child(_Var(self.ref(cell, "c"), name, cell), ".cell_contents", name, value)
        self.value(var, value)
        return var

    def _chain(self, var, attrs):
        """Guard ``var.a.b...`` as far as the chain reads plain objects (a Tensor and a
        library's Python module are guarded as wholes)."""
        value = var.value
        for attr in attrs:
            if (
                isinstance(value, (Tensor, *SCALARS))
                or getattr(value, "_compile_live", False)
                or (isinstance(value, types.ModuleType) and is_library(value))
            ):
                return
            try:
                value = getattr(value, attr, MISSING)
            except Exception:  # noqa: BLE001 - a property that fails: nothing to guard
                return
            accessor = f".{attr}" if attr.isidentifier() else f".__getattribute__({attr!r})"
            var = self.child(var, accessor, f"{var.path}.{attr}", value)
            if value is MISSING:
                self.guard(var, "{v} is MISSING", "is now defined")
                return
            self.value(var, value)
