"""``ag.device``: PyTorch's device objects, for code written for PyTorch.

This engine computes with numpy on the CPU, so there is one device, ``device("cpu")``;
every tensor is on it. Code that picks a device the PyTorch way runs unchanged:

    device = ag.device("cuda" if ag.cuda.is_available() else "cpu")   # device(type='cpu')
    x = ag.zeros(3, device=device)

Asking for any other device (``"cuda"``, ``"mps"``, an index like ``0``) raises a
``RuntimeError`` at once, rather than quietly computing on the CPU the user did not ask for.
"""

from __future__ import annotations

__all__ = ["device", "check_device", "no_gpu_error", "CPU"]


class device:  # lower case, as PyTorch's torch.device
    """A device: ``device("cpu")`` or ``device("cpu:0")`` (the only one here); ``.type`` is
    ``"cpu"``, ``.index`` the number after the colon (None without one)."""

    __slots__ = ("type", "index")

    def __init__(self, spec: str | device, index: int | None = None) -> None:
        if isinstance(spec, device):
            spec = str(spec)
        self.type, parsed = _parse(spec)
        if index is None:
            index = parsed
        elif parsed is not None:
            raise RuntimeError(f"device: {spec!r} already has an index; got index={index!r} too")
        elif isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise RuntimeError(f"device: the index must be a non-negative int, got {index!r}")
        self.index = index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        """Equal to a device or a string naming the same device (``"cpu"``, ``"cpu:0"``)."""
        if isinstance(other, str):
            return str(self) == other.strip()
        if isinstance(other, device):
            return (self.type, self.index) == (other.type, other.index)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.type, self.index))


def check_device(spec: str | device | None, where: str) -> None:
    """Accept ``device=`` when it names the CPU (None, ``"cpu"``, ``device("cpu")``);
    raise the no-GPU error of ``device()`` otherwise."""
    if spec is None or spec is CPU:
        return
    try:
        device(spec)
    except (RuntimeError, TypeError) as exc:
        raise type(exc)(f"{where}: {exc}") from None


# PyTorch's other device types: each names hardware this engine does not compute on
_OTHER_DEVICES = ("cuda", "mps", "xpu", "xla", "hip", "meta", "vulkan", "ipu", "hpu", "mtia")


def _parse(spec: object) -> tuple[str, int | None]:
    """``"cpu"`` -> ("cpu", None), ``"cpu:0"`` -> ("cpu", 0); any other device raises."""
    if not isinstance(spec, str):
        if isinstance(spec, int) and not isinstance(spec, bool):
            raise no_gpu_error(f"device {spec}")  # PyTorch reads a bare index as a CUDA device
        raise TypeError(f"device: expected a string like 'cpu' or a device, got {spec!r}")
    kind, colon, number = spec.strip().partition(":")
    if kind in _OTHER_DEVICES:
        raise no_gpu_error(repr(spec))
    if kind != "cpu":
        raise RuntimeError(f"device: invalid device string {spec!r} (expected 'cpu' or 'cpu:0')")
    if not colon:
        return kind, None
    if not number.isdigit():
        raise RuntimeError(f"device: invalid device string {spec!r} (expected 'cpu' or 'cpu:0')")
    return kind, int(number)


def no_gpu_error(what: str) -> RuntimeError:
    """The error for a request of a GPU (``what`` names it)."""
    return RuntimeError(
        f"{what} is not available: there is no GPU backend, this engine runs on numpy on the "
        "CPU. Use 'cpu' (or ag.device('cuda' if ag.cuda.is_available() else 'cpu'))"
    )


CPU = device("cpu")  # the device of every tensor
