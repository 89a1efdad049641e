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

import dis
import functools
import math
import random
import sys
import types

import numpy as np

from ..errors import CompileError
from ..tensor import Tensor

__all__ = ["Guards", "collect", "RandomStates"]

MAX_ITEMS = 10_000  # a container compared on every call may hold at most this many items
MAX_ELEMENTS = 2**20  # and a numpy array at most this many elements (8 MiB of float64)


class _Missing:
    __slots__ = ()

    def __repr__(self):
        return "<missing>"


MISSING = _Missing()  # what a guard reads where a name or attribute does not exist

_OURS = frozenset({"autograd_core", "nn", "viz"})
_LIBRARY = _OURS | {"numpy", "builtins"} | frozenset(getattr(sys, "stdlib_module_names", ()))
_SCALARS = (type(None), bool, int, float, complex, str, bytes, np.generic, np.dtype, range,
            type(Ellipsis), slice)
_LOADS = {"LOAD_GLOBAL": "global", "LOAD_NAME": "global", "LOAD_DEREF": "free",
          "LOAD_CLASSDEREF": "free", "LOAD_FAST": "local", "LOAD_FAST_CHECK": "local"}
_ATTRIBUTES = frozenset({"LOAD_ATTR", "LOAD_METHOD"})
_BOUND_BUILTINS = (types.BuiltinMethodType, types.MethodWrapperType)


class Guards:
    """The guard function of one trace: ``check(args, kwargs)`` returns None when every
    guard holds, else the description of the first that failed."""

    def __init__(self, source, namespace, descriptions):
        self.source = source
        self.descriptions = descriptions
        exec(compile(source, "<ag.compile guards>", "exec"), namespace)  # noqa: S102
        self._check = namespace["check"]

    def check(self, args, kwargs):
        try:
            failed = self._check(args, kwargs)
        except Exception:  # noqa: BLE001 - a value that cannot be read as before has changed
            return "a value the function reads can no longer be read as it was when traced"
        return None if failed is None else self.descriptions[failed]

    def __len__(self):
        return len(self.descriptions)


def collect(fn, args, kwargs):
    """What a call ``fn(*args, **kwargs)`` depends on: what ``fn`` reads (closures,
    globals, the attribute chains on them, modules) and what its non-Tensor arguments hold,
    in a collector whose ``finish(captured)`` makes the ``Guards``, and whose ``rngs`` are
    the random generators the function reaches."""
    collector = _Collector()
    names = _parameters(fn)
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


def _parameters(fn):
    """The names of ``fn``'s positional parameters, as a caller fills them."""
    if isinstance(fn, types.MethodType):
        return _parameters(fn.__func__)[1:]
    if isinstance(fn, functools.partial):
        return _parameters(fn.func)[len(fn.args):]
    code = getattr(fn, "__code__", None)
    return code.co_varnames[:code.co_argcount] if code is not None else ()


# ---------------------------------------------------------------------------- collecting
class _Var:
    """A value the generated check reads: its variable, its path as the user writes it
    (for messages), and the value it held when traced."""

    __slots__ = ("name", "path", "value")

    def __init__(self, name, path, value):
        self.name, self.path, self.value = name, path, value


class _Collector:
    def __init__(self):
        self.lines = []  # the body of check(args, kwargs)
        self.descriptions = []  # guard k's description (what changed when it fails)
        self.namespace = {"MISSING": MISSING, "copysign": math.copysign, "freeze": _freeze}
        self._names = {}  # id(object) -> its name in the namespace
        self._vars = {}  # (parent variable, accessor) -> _Var: each value read once
        self._explored = set()  # objects and code already explored
        self._tests = set()  # (variable, test) of every guard made
        self.rngs = []  # random generators reached (tracing must not draw from them)
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

    def finish(self, captured=()):
        """The Guards, with those of the Tensors the trace read from outside (``captured``:
        read afresh on every call, they must keep their shape, dtype and requires_grad)."""
        for t in captured:
            var = _Var(self.ref(t, "o"), f"a Tensor of shape {t.shape} read from outside", t)
            self._guard_value(var, t)
        body = "\n".join("    " + line for line in self.lines) or "    pass"
        return Guards(f"def check(args, kwargs):\n{body}\n    return None\n", self.namespace,
                      self.descriptions)

    def argument(self, holder, accessor, name, a):
        """A non-Tensor argument's variable (None for a Tensor or a number: the signature
        has those); an object is explored (a module's attributes, the chains read from a
        config through its name)."""
        if isinstance(a, Tensor) or _static(a):
            return None
        var = self.child(holder, accessor, name, a)
        self.value(var, a)
        return var

    # ------------------------------------------------------------------ values
    def value(self, var, value, guard=True):
        """Guard ``var`` (which holds ``value`` now) and explore what it holds."""
        if guard:
            self._guard_value(var, value)
        if isinstance(value, (Tensor, *_SCALARS)) or id(value) in self._explored:
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
            self.value(self.child(var, f".{type(value)._guard_wraps}", var.path, wrapped),
                       wrapped)
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                if _explorable(item):
                    self.value(self.child(var, f"[{i}]", f"{var.path}[{i}]", item), item)
        elif isinstance(value, dict):
            for key, item in value.items():
                if _explorable(item) and isinstance(key, (str, int)):
                    self.value(self.child(var, f"[{key!r}]", f"{var.path}[{key!r}]", item),
                               item)
        elif isinstance(value, (np.random.Generator, np.random.RandomState, random.Random)):
            self.rngs.append((var.path, value))

    def _guard_value(self, var, value):
        if isinstance(value, Tensor):  # (its tangent too: a replay would not see one)
            meta = self.ref((value._data.shape, value._data.dtype, value._requires_grad,
                             value._tangent is None), "m")
            obj = self.ref(value, "o")
            same = "" if var.name == obj else f"{{v}} is {obj} and "
            self.guard(var, f"{same}({{v}}._data.shape, {{v}}._data.dtype, "
                            f"{{v}}._requires_grad, {{v}}._tangent is None) == {meta}",
                       f"is no longer the same Tensor of shape {value.shape}, dtype "
                       f"{value.dtype}, requires_grad={value.requires_grad}, "
                       f"{'without' if value._tangent is None else 'with'} a tangent")
        elif isinstance(value, _SCALARS):
            self.guard(var, self._scalar_test(value), f"changed (it was {value!r})")
        elif isinstance(value, types.MethodType):
            self.guard(var, f"{{v}}.__func__ is {self.ref(value.__func__, 'o')} and "
                            f"{{v}}.__self__ is {self.ref(value.__self__, 'o')}",
                       "is no longer the same method")
        elif isinstance(value, _BOUND_BUILTINS) and \
                not isinstance(value.__self__, types.ModuleType):
            self.guard(var, f"{{v}}.__self__ is {self.ref(value.__self__, 'o')} and "
                            f"{{v}}.__name__ == {value.__name__!r}",
                       "is no longer the same method")
        elif _mutable(value) or _static(value):
            frozen = _freeze(value, var.path)
            self.guard(var, f"freeze({{v}}) == {self.ref(frozen, 'k')}",
                       "changed (its contents differ from when the function was traced)")
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
                self.guard(registry, f"len({{v}}) == {len(item)}",
                           f"gained or lost {key.strip('_')}")
                for name, member in item.items():
                    path = f"{var.path}.{name}"
                    self.value(self.child(registry, f".get({name!r}, MISSING)", path, member),
                               member)
            else:
                path = f"{var.path}.{key}"
                self.value(self.child(state, f".get({key!r}, MISSING)", path, item), item)
        for cls in type(module).__mro__:
            if not _library(cls):
                self._methods(cls, var)

    def _methods(self, cls, instance):
        for attr in vars(cls).values():
            if isinstance(attr, (staticmethod, classmethod)):
                attr = attr.__func__
            elif isinstance(attr, property):
                attr = attr.fget
            if isinstance(attr, types.FunctionType):
                params = _parameters(attr)
                self.function(attr, {params[0]: instance} if params else {})

    def method(self, var, method, local=None):
        """A bound method: its object (explored) and its code, with ``self`` its object
        (and ``local``: more parameters' variables)."""
        fn, receiver = method.__func__, method.__self__
        if getattr(receiver, "_compile_live", False) or not isinstance(fn, types.FunctionType):
            return
        this = self.child(var, ".__self__", var.path.rpartition(".")[0] or var.path, receiver)
        if not isinstance(receiver, type):
            self.value(this, receiver, guard=False)  # (the method's guard checks identity)
        params = _parameters(fn)
        self.function(fn, {**(local or {}), **({params[0]: this} if params else {})})

    def partial(self, var, partial, local=None):
        """A functools.partial: its function, with the arguments it binds."""
        fn = partial.func
        self.value(self.child(var, ".func", var.path, fn), fn)
        params = _parameters(fn)
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
        user = not _library(fn)
        if not user and _top(fn) not in _OURS:  # numpy, the standard library, a package:
            return  # its objects are guarded by identity, their insides are not read
        cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
        for kind, name, attrs in _reads(fn.__code__):
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
                if _mutable(default):
                    holder = _Var(self.ref(fn, "f"), fn.__name__, fn)
                    self.value(self.child(holder, f".__defaults__[{i}]",
                                          f"a default argument of {fn.__name__}", default),
                               default)

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
            if isinstance(value, (Tensor, *_SCALARS)) or \
                    getattr(value, "_compile_live", False) or \
                    (isinstance(value, types.ModuleType) and _library(value)):
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


@functools.lru_cache(maxsize=4096)
def _reads(code):
    """``(kind, name, attributes)`` for each load of a global, closure or local variable
    in ``code`` (and the code nested in it), with the attribute names read right after.
    A local assigned straight from such a chain (``c = self.cfg``) continues it: a later
    ``c.scale`` reads ``self.cfg.scale``."""
    reads, chain, aliases = [], None, {}
    for ins in dis.get_instructions(code):
        kind = _LOADS.get(ins.opname)
        if kind is not None and isinstance(ins.argval, str):
            alias = aliases.get(ins.argval) if kind == "local" else None
            chain = (kind, ins.argval, []) if alias is None else (alias[0], alias[1],
                                                                  list(alias[2]))
            reads.append(chain)
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
            for kind, name, attrs in _reads(const):
                if kind == "global" or (kind == "free" and name in code.co_freevars):
                    reads.append((kind, name, list(attrs)))
    return tuple((kind, name, tuple(attrs)) for kind, name, attrs in reads)


def _library(obj):
    """Is ``obj`` (a function, class or Python module) part of a library rather than the
    user's code: autograd_core, nn, viz, numpy, the standard library, an installed package?"""
    if _top(obj) in _LIBRARY:
        return True
    path = getattr(sys.modules.get(_module_name(obj)), "__file__", None) or ""
    return "site-packages" in path or "dist-packages" in path


def _module_name(obj):
    return obj.__name__ if isinstance(obj, types.ModuleType) else \
        getattr(obj, "__module__", None) or ""


def _top(obj):
    return _module_name(obj).partition(".")[0]


def _explorable(value):
    return not isinstance(value, (Tensor, *_SCALARS))


def _static(value):
    """Is ``value`` a number, string or the like, or a tuple of such (a signature holds
    it by value)?"""
    if isinstance(value, (tuple, frozenset)):
        return all(_static(v) for v in value)
    return isinstance(value, _SCALARS)


def _mutable(value):
    """Can ``value`` change in place (so that its contents are compared)?"""
    if isinstance(value, (list, dict, set, np.ndarray)):
        return True
    if isinstance(value, (tuple, frozenset)):
        return any(_mutable(v) for v in value)
    return False


class _Same:
    """An object inside a frozen container: equal only to the very same object."""

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def __eq__(self, other):
        return type(other) is _Same and other.obj is self.obj

    def __hash__(self):
        return id(self.obj)


def _freeze(value, path="a value", budget=None):
    """A comparable snapshot of ``value``'s contents: equal snapshots mean equal types,
    bits and object identities throughout."""
    budget = [MAX_ITEMS] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0:
        raise CompileError(
            f"ag.compile: the function reads {path}, which holds more than {MAX_ITEMS} items; "
            "comparing them on every call would cost more than the call. Pass the data as an "
            "argument (a Tensor), or read it outside the function")
    kind = type(value)
    if isinstance(value, (list, tuple)):
        return kind, tuple(_freeze(v, path, budget) for v in value)
    if isinstance(value, dict):
        return kind, tuple((_freeze(k, path, budget), _freeze(v, path, budget))
                           for k, v in value.items())
    if isinstance(value, (set, frozenset)):
        return kind, frozenset(_freeze(v, path, budget) for v in value)
    if isinstance(value, np.ndarray):
        if value.size > MAX_ELEMENTS:
            raise CompileError(
                f"ag.compile: the function reads {path}, a numpy array of shape "
                f"{value.shape}; comparing it with its traced value on every call would cost "
                "more than the call. Pass it as an argument, or wrap it in a Tensor (a Tensor "
                "read from outside is read afresh on every call)")
        return kind, value.dtype.str, value.shape, value.tobytes()
    if isinstance(value, (float, complex, np.generic)):
        return kind, np.asarray(value).tobytes()
    if isinstance(value, (type(None), bool, int, str, bytes)):
        return kind, value
    return _Same(value)


# ---------------------------------------------------------------------------- randomness
class RandomStates:
    """The states of numpy's and Python's global generators and of the generators a
    function reaches: a trace that draws from one would freeze its numbers."""

    def __init__(self, rngs):
        self.rngs = [("numpy's global generator (np.random.*)", np.random.mtrand._rand),
                     ("Python's random module", random._inst), *rngs]
        self.states = [_state_of(rng) for _, rng in self.rngs]

    def drawn(self):
        """The name of the first generator whose state changed, or None."""
        for (name, rng), state in zip(self.rngs, self.states):
            if not _same_state(_state_of(rng), state):
                return name
        return None


def _state_of(rng):
    if isinstance(rng, np.random.Generator):
        return rng.bit_generator.state
    if isinstance(rng, np.random.RandomState):
        return rng.get_state(legacy=False)
    return rng.getstate()


def _same_state(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same_state(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same_state(x, y) for x, y in zip(a, b))
    return a == b
