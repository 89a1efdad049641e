"""``nn.Module`` and its containers ``Sequential`` and ``ModuleList``.

A Module owns three ordered registries, filled by attribute assignment: parameters
(``nn.Parameter``), buffers (non-learnable state such as BatchNorm's running statistics,
added with ``register_buffer``) and submodules. Everything else (naming, traversal,
train/eval, state dicts, repr) walks those registries.
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd_core import Tensor
from autograd_core.device import check_device
from autograd_core.device import device as Device
from autograd_core.dtypes import as_dtype
from autograd_core.grad_mode import current
from autograd_core.hooks import RemovableHandle
from autograd_core.jit.capture import refuse, side_effect

from .parameter import Parameter

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["Module", "Sequential", "ModuleList"]

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class of every layer and model.

    Subclasses call ``super().__init__()`` first, assign their Parameters and submodules as
    attributes (registered in that order) and define ``forward``; calling the module calls
    ``forward``.

    Examples
    --------
    >>> class MLP(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc1 = nn.Linear(4, 8)
    ...         self.fc2 = nn.Linear(8, 3)
    ...     def forward(self, x):
    ...         return self.fc2(self.fc1(x).relu())
    >>> [name for name, _ in MLP().named_parameters()]
    ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
    """

    # ag.compile guards every attribute of a module (training mode, hyperparameters,
    # parameters, buffers and submodules): a change traces the function again
    _guard_attributes = True
    # buffers a state dict may lack because they came after it was written (BatchNorm1d's
    # num_batches_tracked): load_state_dict does not require them (PyTorch's BatchNorm
    # accepts such state dicts too) and leaves them as they are
    _optional_state: tuple[str, ...] = ()

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_modules", {})

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__} has no forward(); a Module subclass must define forward(...)"
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        st = current()
        outer, st.module = st.module, self  # nodes made now belong to this module
        try:
            out = self.forward(*args, **kwargs)
        finally:
            st.module = outer
        hooks = self.__dict__.get("_forward_hooks")
        if hooks:
            refuse(
                f"a forward hook of {type(self).__name__} (Python run on every call would "
                "run only while tracing)"
            )
            for hook in list(hooks.values()):
                replaced = hook(self, args, out)
                if replaced is not None:
                    out = replaced
        return out

    def register_forward_hook(
        self, hook: Callable[[Module, tuple[Any, ...], Any], Any]
    ) -> RemovableHandle:
        """Call ``hook(module, inputs, output)`` after every forward; a value it returns
        replaces the output. Returns a handle whose ``remove()`` detaches the hook."""
        if not callable(hook):
            raise TypeError(
                f"register_forward_hook: hook must be callable, got {type(hook).__name__}"
            )
        if "_forward_hooks" not in self.__dict__:
            object.__setattr__(self, "_forward_hooks", {})
        key = object()
        self._forward_hooks[key] = hook
        return RemovableHandle(self._forward_hooks, key)

    # ----------------------------------------------------------------- registration
    def __setattr__(self, name: str, value: Any) -> None:
        registries = self.__dict__.get("_parameters")
        if isinstance(value, (Parameter, Module)):
            if registries is None:
                raise AttributeError(
                    f"cannot assign {name!r} before Module.__init__() call; call "
                    "super().__init__() first in the subclass's __init__"
                )
            registry = self._parameters if isinstance(value, Parameter) else self._modules
            self._forget(name, keep=registry)
            registry[name] = value
        elif registries is not None and name in self._parameters:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as parameter {name!r} "
                    "(nn.Parameter or None expected)"
                )
            self._parameters[name] = None
        elif registries is not None and name in self._modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as child module {name!r} "
                    "(nn.Module or None expected)"
                )
            self._modules[name] = None
        elif registries is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign {type(value).__name__} as buffer {name!r} "
                    "(Tensor or None expected)"
                )
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:  # only called when ordinary lookup fails
        entries = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in entries and name in entries[registry]:
                return entries[registry][name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                return
        object.__delattr__(self, name)

    def _forget(self, name, keep=None):
        """Drop ``name`` from every registry but ``keep`` (where it keeps its position)."""
        for registry in (self._parameters, self._buffers, self._modules):
            if registry is not keep:
                registry.pop(name, None)
        self.__dict__.pop(name, None)

    def _check_name(self, name, kind):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot register a {kind} before Module.__init__() call")
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"{kind} name must be a non-empty string without '.', got {name!r}")
        if name in self.__dict__:
            raise KeyError(f"attribute {name!r} already exists")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a Parameter (or None: a declared but absent one, like ``bias=False``)."""
        self._check_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot register {type(param).__name__} as parameter {name!r} "
                "(nn.Parameter or None expected)"
            )
        self._forget(name)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None) -> None:
        """Add a non-learnable Tensor that is part of the state dict (e.g. running statistics)."""
        self._check_name(name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot register {type(tensor).__name__} as buffer {name!r} "
                "(Tensor or None expected)"
            )
        self._forget(name)
        self._buffers[name] = tensor

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a submodule under ``name`` (what attribute assignment does)."""
        self._check_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{name!r} is a {type(module).__name__}, not an nn.Module")
        self._forget(name)
        self._modules[name] = module

    # ----------------------------------------------------------------- traversal
    def named_modules(
        self, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """``(dotted name, module)`` for this module and every descendant, depth first."""
        seen = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in seen:
                    continue
                seen.add(id(module))
            yield name, module
            children = [
                (f"{name}.{key}" if name else key, child)
                for key, child in module._modules.items()
                if child is not None
            ]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """This module and all its descendants."""
        return (module for _, module in self.named_modules())

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """``(name, module)`` for each direct submodule."""
        return ((name, m) for name, m in self._modules.items() if m is not None)

    def children(self) -> Iterator[Module]:
        """The direct submodules."""
        return (module for _, module in self.named_children())

    def _named_members(self, registry, prefix, recurse, remove_duplicate=True):
        seen = set()
        modules = self.named_modules(prefix, remove_duplicate) if recurse else [(prefix, self)]
        for module_name, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{module_name}.{name}" if module_name else name), value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, Parameter)`` pairs, in registration order; shared ones once."""
        return self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """The Parameters of this module and (with ``recurse``) of its descendants."""
        return (p for _, p in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        """``(dotted name, Tensor)`` pairs of the registered buffers."""
        return self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        return (b for _, b in self.named_buffers(recurse=recurse))

    def apply(self, fn: Callable[[Module], object]) -> Module:
        """Call ``fn(module)`` on every submodule and then on self (e.g. to initialise)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ----------------------------------------------------------------- modes, gradients
    def train(self, mode: bool = True) -> Module:
        """Set training mode (``mode=True``) or evaluation mode on self and all descendants."""
        if not isinstance(mode, bool):
            raise TypeError(f"train(mode): mode must be a bool, got {type(mode).__name__}")
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        """Evaluation mode: Dropout is the identity, BatchNorm uses its running statistics."""
        return self.train(False)

    # ----------------------------------------------------------------- dtype and device
    def to(self, *args: Any, **kwargs: Any) -> Module:
        """Cast the floating parameters and buffers to a dtype, in place; returns self.

        PyTorch's forms: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(tensor)``
        (its dtype), and ``dtype=`` / ``device=`` / ``non_blocking=`` keywords. Each Parameter
        stays the same object with new data (and its ``.grad`` cast too), so an optimiser built
        before ``to`` still updates it. The only device is the CPU: "cpu" changes nothing and
        "cuda" raises. Integer and bool buffers keep their dtype, as in PyTorch.
        """
        device, dtype = _to_arguments(args, kwargs)
        check_device(device, "Module.to")  # the CPU passes; any other device raises
        if dtype is not None:
            self._cast(dtype)
        return self

    def _cast(self, dtype):
        for t in list(self.parameters()) + list(self.buffers()):
            if t.dtype.kind == "f" and t.dtype != dtype:
                t.data = t._data.astype(dtype)
                if t._grad is not None:
                    t._grad = Tensor(t._grad._data.astype(dtype))

    def float(self) -> Module:
        """Cast floating parameters and buffers to float32 (``to(float32)``); returns self."""
        return self.to(np.float32)

    def double(self) -> Module:
        """Cast floating parameters and buffers to float64; returns self."""
        return self.to(np.float64)

    def half(self) -> Module:
        """Cast floating parameters and buffers to float16; returns self."""
        return self.to(np.float16)

    def cpu(self) -> Module:
        """Every tensor already lives on the CPU: returns self."""
        return self

    def cuda(self, device: Any = None) -> Module:
        """There is no GPU backend: raises the device error (as ``to("cuda")``)."""
        check_device("cuda" if device is None else device, "Module.cuda")
        return self

    def zero_grad(self) -> None:
        """Set the ``.grad`` of every parameter to None (replayed on every call of a
        function ``ag.compile`` captures)."""
        side_effect(self._zero_grad)

    def _zero_grad(self):
        for p in self.parameters():
            p.grad = None

    # ----------------------------------------------------------------- state dict
    def _state_entries(self):
        """name -> Tensor for every parameter and buffer: per module its parameters, then its
        buffers, then its submodules' entries (PyTorch's order); shared tensors under every name."""
        entries = OrderedDict()
        for module_name, module in self.named_modules(remove_duplicate=False):
            for registry in (module._parameters, module._buffers):
                for name, value in registry.items():
                    if value is not None:
                        entries[f"{module_name}.{name}" if module_name else name] = value
        return entries

    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """An OrderedDict mapping dotted names to numpy copies of every parameter and buffer."""
        return OrderedDict((name, t.data.copy()) for name, t in self._state_entries().items())

    def load_state_dict(
        self, state_dict: Mapping[str, Tensor | ArrayLike], strict: bool = True
    ) -> IncompatibleKeys:
        """Copy the arrays of ``state_dict`` into the parameters and buffers, in place.

        Parameters stay leaves and keep ``requires_grad``; the values are copied (cast to the
        parameter's dtype), never aliased. With ``strict`` every key must match; a shape
        mismatch is always an error. Raises RuntimeError listing every problem at once.

        Returns
        -------
        IncompatibleKeys
            Named tuple ``(missing_keys, unexpected_keys)``.
        """
        if not hasattr(state_dict, "keys"):
            raise TypeError(
                f"load_state_dict expects a dict of arrays, got {type(state_dict).__name__}"
            )
        entries = self._state_entries()
        optional = {
            f"{prefix}.{name}" if prefix else name
            for prefix, module in self.named_modules(remove_duplicate=False)
            for name in module._optional_state
        }
        missing = [k for k in entries if k not in state_dict and k not in optional]
        unexpected = [k for k in state_dict if k not in entries]
        errors = []
        if strict and unexpected:
            errors.append("Unexpected key(s) in state_dict: " + _quoted(unexpected) + ".")
        if strict and missing:
            errors.append("Missing key(s) in state_dict: " + _quoted(missing) + ".")
        arrays = {}
        for name, tensor in entries.items():
            if name not in state_dict:
                continue
            value = state_dict[name]
            array = value.data if isinstance(value, Tensor) else np.asarray(value)
            if array.dtype.kind not in "biuf":
                errors.append(f"value for {name} is not numeric (dtype {array.dtype}).")
            elif array.shape != tensor.shape:
                errors.append(
                    f"size mismatch for {name}: copying a param with shape {array.shape} from "
                    f"checkpoint, the shape in current model is {tensor.shape}."
                )
            else:
                arrays[name] = array
        if errors:
            header = f"Error(s) in loading state_dict for {type(self).__name__}:"
            raise RuntimeError("\n\t".join([header] + errors))
        for name, array in arrays.items():
            entries[name].data[...] = array
        return IncompatibleKeys(missing, unexpected)

    # ----------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        """The configuration shown inside the parentheses of repr (override in layers)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [
            f"({name}): " + repr(child).replace("\n", "\n  ")
            for name, child in self._modules.items()
        ]
        lines = extra_lines + child_lines
        if not lines:
            return f"{type(self).__name__}()"
        if len(extra_lines) == 1 and not child_lines:
            return f"{type(self).__name__}({extra})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


def _to_arguments(args, kwargs):
    """(device, dtype) from ``Module.to``'s arguments, either possibly None."""
    unknown = set(kwargs) - {"device", "dtype", "non_blocking"}
    if unknown:
        raise TypeError(f"to() got unexpected keyword argument(s) {sorted(unknown)}")
    device, dtype = kwargs.get("device"), kwargs.get("dtype")
    for arg in args:
        if isinstance(arg, Tensor):
            dtype = arg.dtype
        elif isinstance(arg, bool):  # non_blocking, given by position
            continue
        elif isinstance(arg, (str, Device, int)):  # an int is a CUDA index in PyTorch
            device = arg
        else:
            dtype = arg
    if dtype is not None:
        dtype = as_dtype(dtype, "Module.to")
        if dtype.kind != "f":
            raise TypeError(f"Module.to only accepts floating dtypes, got {dtype}")
    return device, dtype


def _quoted(names):
    return ", ".join(f'"{n}"' for n in names)


class Sequential(Module):
    """Modules applied one after the other: ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    Built from modules (named "0", "1", ...) or from one OrderedDict of name -> module.
    Supports ``len``, iteration, indexing (negative too) and slicing (a new Sequential).
    """

    def __init__(self, *modules: Module | OrderedDict[str, Module]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(modules):
                self.add_module(str(index), module)

    def forward(self, x: Any) -> Any:
        for module in self._modules.values():
            x = module(x)
        return x

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self)), module)
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Module:
        items = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(items[index]))
        return items[_position(index, len(items), "Sequential")][1]


class ModuleList(Module):
    """A list of modules whose parameters are registered (a plain list's are not)."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        items = list(self._modules.values())
        items.insert(index, module)
        self._modules.clear()
        self.extend(items)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Module:
        items = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(items[index])
        return items[_position(index, len(items), "ModuleList")]

    def __setitem__(self, index: int, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList holds nn.Modules, got {type(module).__name__}")
        self._modules[str(_position(index, len(self), "ModuleList"))] = module


def _position(index, length, where):
    if not isinstance(index, (int, np.integer)):
        raise TypeError(f"{where} indices must be integers or slices, got {type(index).__name__}")
    if not -length <= index < length:
        raise IndexError(f"{where} index {index} is out of range for length {length}")
    return int(index) % length
