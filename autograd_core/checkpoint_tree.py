"""The tree of a checkpoint: what ``ag.save`` writes as JSON besides the arrays themselves.

A saved object (a state dict, an optimiser state, a checkpoint dict) is split in two: every
array goes to a flat table of tensors, and the structure around them becomes a JSON *tree*
that refers to the tensors by their name in that table. JSON says lists, strings, finite
numbers, booleans and null by itself; everything else is a one-key tag object:

    {"dict": [[key, value], ...]}        keys may be str, int, float, bool or None
    {"tuple": [...]}
    {"float": "nan"}                     also "inf" and "-inf"
    {"ndarray": ref}                     a numpy array
    {"scalar": ref}                      a numpy scalar (np.float32(0.5)), saved as a 0-d array
    {"tensor": ref, "requires_grad": b}  an autograd Tensor
    {"parameter": ref, "requires_grad": b}  an nn.Parameter

In a safetensors checkpoint ``ref`` is the tensor's key (a str); in the legacy format it was
the array's index (an int). A tag names a Tensor subclass through a small registry rather
than an import, because the engine may not import ``nn``: ``nn.parameter`` registers
``("parameter", nn.Parameter)`` when it is imported. A parameter tag loaded while ``nn`` is
not imported gives a plain Tensor that requires grad (same values, same ``requires_grad``).

Decoding reads data only: no tag names code, and every node is checked (known tag, exact
keys, references that exist and are used exactly once, nesting at most MAX_DEPTH).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = ["register_tensor_class", "encode", "decode", "MAX_DEPTH"]

MAX_DEPTH = 100  # nesting of containers, on save and on load
ROOT_KEY = "tensor"  # the key of a lone array saved as the whole object

# dtypes a checkpoint holds: those of safetensors that numpy and the engine have
SAVABLE = frozenset(
    np.dtype(t) for t in ("?", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f2", "f4", "f8")
)

_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_ARRAY_TAGS = ("ndarray", "scalar", "tensor", "parameter")
_TAGS = frozenset(("dict", "tuple", "float") + _ARRAY_TAGS)

# tag -> the Tensor subclass saved and loaded under it ("tensor" itself is fixed)
_TENSOR_CLASSES: dict[str, type[Tensor]] = {}


def register_tensor_class(tag: str, cls: type[Tensor]) -> None:
    """Save instances of ``cls`` under ``tag`` and load that tag back as ``cls``.

    Only the tags of the format can be registered ("parameter" is the one there is); until
    its class is registered, a tag loads as a plain Tensor.
    """
    if tag not in _ARRAY_TAGS or tag in ("ndarray", "scalar", "tensor"):
        raise ValueError(f"register_tensor_class: {tag!r} is not a Tensor-subclass tag")
    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise TypeError(f"register_tensor_class: {cls!r} is not a Tensor subclass")
    _TENSOR_CLASSES[tag] = cls


def _tag_of(tensor):
    """The tag a Tensor is saved under: its registered subclass's, else "tensor"."""
    for tag, cls in _TENSOR_CLASSES.items():
        if isinstance(tensor, cls):
            return tag
    return "tensor"


# ---------------------------------------------------------------------- encoding
def encode(obj: Any) -> tuple[Any, dict[str, np.ndarray]]:
    """(tree, tensors): the JSON tree of ``obj`` and its arrays, little-endian and C-ordered,
    under flat dotted keys that follow their path (``{"model": {"0.weight": w}}`` puts ``w``
    under ``model.0.weight``). A key already taken gets the first free suffix ``#2``,
    ``#3``, ...; a lone array saved as the whole object is named ``tensor``."""
    tensors: dict[str, np.ndarray] = {}
    tree = _encode(obj, tensors, [], "obj", 0)
    return tree, tensors


def _encode(obj, tensors, path, where, depth):
    if depth > MAX_DEPTH:
        raise ValueError(f"nn.save: {where} nests deeper than {MAX_DEPTH} levels")
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, np.generic):  # before int/float: np.float64 subclasses float
        return {"scalar": _add_array(np.asarray(obj), tensors, path, where)}
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj) if math.isfinite(obj) else {"float": repr(float(obj))}
    if isinstance(obj, Tensor):
        key = _add_array(obj.data, tensors, path, where)
        return {_tag_of(obj): key, "requires_grad": obj.requires_grad}
    if isinstance(obj, np.ndarray):
        return {"ndarray": _add_array(obj, tensors, path, where)}
    if isinstance(obj, dict):
        return {"dict": [_encode_item(k, v, tensors, path, where, depth) for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        values = [
            _encode(v, tensors, path + [str(i)], f"{where}[{i}]", depth + 1)
            for i, v in enumerate(obj)
        ]
        return values if isinstance(obj, list) else {"tuple": values}
    raise TypeError(
        f"nn.save: {where} is a {type(obj).__name__}; only dicts, lists, tuples, str, numbers, "
        "bool, None, numpy arrays and Tensors can be saved"
    )


def _encode_item(key, value, tensors, path, where, depth):
    if not (key is None or isinstance(key, (str, int, float))):
        raise TypeError(
            f"nn.save: {where} has a key of type {type(key).__name__}; "
            "keys must be str, int, float, bool or None"
        )
    encoded_key = _encode(key, tensors, path, where, depth + 1)
    segment = repr(key) if isinstance(key, float) else str(key)
    return [encoded_key, _encode(value, tensors, path + [segment], f"{where}[{key!r}]", depth + 1)]


def _add_array(a, tensors, path, where):
    if a.dtype.newbyteorder("=") not in SAVABLE:
        raise TypeError(
            f"nn.save: {where} has dtype {a.dtype}, which a safetensors checkpoint cannot "
            "hold (bool, int8 to int64, uint8 to uint64, float16, float32 and float64 can)"
        )
    key = ".".join(path) if path else ROOT_KEY
    if key in tensors:
        key = next(f"{key}#{n}" for n in range(2, len(tensors) + 3) if f"{key}#{n}" not in tensors)
    # np.asarray keeps a 0-d array 0-d (np.ascontiguousarray would make it 1-d)
    tensors[key] = np.asarray(a, dtype=a.dtype.newbyteorder("<"), order="C")
    return key


# ---------------------------------------------------------------------- decoding
def decode(
    tree: Any,
    arrays: dict[Any, np.ndarray],
    ref_type: type,
    bad: Callable[[str], str],
) -> Any:
    """The object ``tree`` describes, its references (of type ``ref_type``) looked up in
    ``arrays``; every array must be referenced exactly once. Errors are ValueErrors with the
    message ``bad(what is wrong)``."""
    used: set = set()
    obj = _decode(tree, _Refs(arrays, ref_type, used, bad), 0)
    unused = [ref for ref in arrays if ref not in used]
    if unused:
        names = ", ".join(_name(ref) for ref in unused[:5]) + (", ..." if len(unused) > 5 else "")
        raise ValueError(bad(f"{len(unused)} array(s) are not referenced by the tree: {names}"))
    return obj


class _Refs:
    """What ``_decode`` needs besides the node: the arrays and the references used so far."""

    def __init__(self, arrays, ref_type, used, bad):
        self.arrays, self.ref_type, self.used, self.bad = arrays, ref_type, used, bad

    def take(self, ref):
        """The array ``ref`` names, or None when it names none; refuses a second use."""
        if type(ref) is not self.ref_type or ref not in self.arrays:
            return None
        if ref in self.used:
            raise ValueError(self.bad(f"array {_name(ref)} is referenced twice"))
        self.used.add(ref)
        return self.arrays[ref]


def _decode(node, refs, depth):
    if depth > MAX_DEPTH:
        raise ValueError(refs.bad(f"tree nests deeper than {MAX_DEPTH} levels"))
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, list):
        return [_decode(v, refs, depth + 1) for v in node]
    tags = set(node) & _TAGS if isinstance(node, dict) else set()
    if len(tags) != 1:
        raise ValueError(refs.bad(f"unknown tree node {node!r:.80}"))
    (tag,) = tags
    value = node[tag]
    extra = {"requires_grad"} if tag in ("tensor", "parameter") else set()
    if set(node) != {tag} | extra:
        raise ValueError(refs.bad(f"unexpected keys in tree node {node!r:.80}"))
    if tag == "dict" and isinstance(value, list):
        return _decode_dict(value, refs, depth)
    if tag == "tuple" and isinstance(value, list):
        return tuple(_decode(v, refs, depth + 1) for v in value)
    if tag == "float" and isinstance(value, str) and value in _FLOATS:
        return _FLOATS[value]
    array = refs.take(value) if tag in _ARRAY_TAGS else None
    if array is None:
        raise ValueError(refs.bad(f"bad {tag!r} node {node!r:.80}"))
    return _array_node(tag, node, value, array, refs)


def _decode_dict(items, refs, depth):
    out = {}
    for item in items:
        if not (isinstance(item, list) and len(item) == 2):
            raise ValueError(refs.bad("a dict item is not a [key, value] pair"))
        key = _decode(item[0], refs, depth + 1)
        if not (key is None or isinstance(key, (str, int, float))):
            raise ValueError(refs.bad(f"dict key {key!r:.80} is not a str or a number"))
        out[key] = _decode(item[1], refs, depth + 1)
    return out


def _array_node(tag, node, ref, array, refs):
    if tag == "ndarray":
        return array
    if tag == "scalar":
        if array.ndim != 0:
            raise ValueError(refs.bad(f"scalar array {_name(ref)} has shape {array.shape}"))
        return array[()]
    requires_grad = node["requires_grad"]
    if not isinstance(requires_grad, bool) or (requires_grad and array.dtype.kind != "f"):
        raise ValueError(refs.bad(f"bad requires_grad for array {_name(ref)} ({array.dtype})"))
    if array.dtype.kind not in "biuf":  # Tensors hold bool, integers and floats only
        raise ValueError(
            refs.bad(f"{tag} {_name(ref)} has dtype {array.dtype}, which a Tensor cannot hold")
        )
    return _TENSOR_CLASSES.get(tag, Tensor)(array, requires_grad=requires_grad)


def _name(ref):
    return repr(ref) if isinstance(ref, str) else str(ref)


def short(value: Any) -> str:
    """``repr`` cut to a readable length: a crafted header can hold huge numbers."""
    text = repr(value)
    return text if len(text) <= 120 else text[:100] + "..."


def is_count(n: Any) -> bool:
    """Is ``n`` a non-negative int (and not a bool)?"""
    return isinstance(n, int) and not isinstance(n, bool) and n >= 0
