"""nn.save / nn.load: safetensors files with flat dotted keys and the structure in the
metadata, bit-exact round trips, foreign safetensors files, no pickle, atomic writes."""

import json
import os
import pickle
import struct

import numpy as np
import pytest
import safetensors.numpy

import autograd_core as ag
import nn
from autograd_core import checkpoint_tree, serialization


def nan_with_payload():
    return np.array([0x7FF8_0000_0000_0ABC, 0xFFF0_0000_0000_0001], np.uint64).view(np.float64)


def header_of(path):
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8 : 8 + n])


ARRAYS = {
    "f64": np.random.default_rng(0).standard_normal((3, 4)),
    "f32": np.random.default_rng(1).standard_normal(5).astype(np.float32),
    "f16": np.array([1.5, -2.0], np.float16),
    "i64": np.arange(-3, 3),
    "i8": np.array([-128, 127], np.int8),
    "u8": np.arange(250, 256, dtype=np.uint8),
    "u64": np.array([2**64 - 1], np.uint64),
    "bool": np.array([True, False]),
    "zero_d": np.array(3.25),
    "empty": np.zeros((0, 3)),
    "non_contiguous": np.arange(20.0).reshape(4, 5)[::2, 1::2],
    "fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
    "big_endian": np.arange(4, dtype=">i4"),
    "big_endian_float": np.array([1.5, -0.25], ">f8"),
    "specials": np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324]),
    "nan_payloads": nan_with_payload(),
}


@pytest.mark.parametrize("name", list(ARRAYS))
def test_arrays_round_trip_bit_exactly(name, tmp_path):
    array = ARRAYS[name]
    nn.save({"a": array}, tmp_path / "x.safetensors")
    loaded = nn.load(tmp_path / "x.safetensors")["a"]
    assert loaded.shape == array.shape and loaded.dtype == array.dtype.newbyteorder("=")
    assert loaded.tobytes() == np.ascontiguousarray(array, loaded.dtype).tobytes()
    assert loaded.flags.writeable and loaded.flags.c_contiguous


@pytest.mark.parametrize("name", ["non_contiguous", "fortran", "big_endian", "big_endian_float"])
def test_awkward_layouts_are_stored_as_plain_safetensors(name, tmp_path):
    array = ARRAYS[name]
    nn.save({"a": array}, tmp_path / "x.safetensors")
    stored = safetensors.numpy.load_file(tmp_path / "x.safetensors")["a"]
    np.testing.assert_array_equal(stored, array)
    assert stored.dtype == array.dtype.newbyteorder("<")


def test_nested_structures_round_trip_with_their_types(tmp_path):
    obj = {
        "model": {"w": nn.Parameter(np.ones((2, 2), np.float32)), "t": ag.tensor([1.0, 2.0])},
        "optimizer": {"state": {0: {"step": 3}}, "param_groups": [{"betas": (0.9, 0.999)}]},
        "epoch": 7,
        "huge": 2**100,
        "meta": {"name": "réseau ✓", "ok": True, "none": None},
        "floats": [0.1, float("nan"), float("inf"), -float("inf")],
        "scalars": (np.float32(0.5), np.int64(-4), np.bool_(True)),
        "zero_d": np.array(2.5),
        1.5: "float key",
        None: "none key",
        False: "bool key",
    }
    nn.save(obj, tmp_path / "c.safetensors")
    back = nn.load(tmp_path / "c.safetensors")
    assert list(back) == list(obj)
    w = back["model"]["w"]
    assert isinstance(w, nn.Parameter) and w.requires_grad and w.dtype == np.float32
    t = back["model"]["t"]
    assert type(t) is ag.Tensor and not t.requires_grad
    assert back["optimizer"] == obj["optimizer"]
    assert isinstance(back["optimizer"]["param_groups"][0]["betas"], tuple)
    assert back["epoch"] == 7 and back["huge"] == 2**100 and back["meta"] == obj["meta"]
    assert back["floats"][0] == 0.1 and np.isnan(back["floats"][1])
    assert back["floats"][2:] == [float("inf"), -float("inf")]
    assert [type(s) for s in back["scalars"]] == [np.float32, np.int64, np.bool_]
    assert type(back["zero_d"]) is np.ndarray and back["zero_d"].shape == ()
    assert back[1.5] == "float key" and back[None] == "none key" and back[False] == "bool key"


def test_loaded_arrays_do_not_alias_the_saved_ones(tmp_path):
    source = np.zeros(3)
    nn.save(source, tmp_path / "a.safetensors")
    first, second = nn.load(tmp_path / "a.safetensors"), nn.load(tmp_path / "a.safetensors")
    first[0] = 1.0
    assert source[0] == 0.0 and second[0] == 0.0


@pytest.mark.parametrize(
    "obj, message",
    [
        ({"f": len}, r"obj\['f'\] is a builtin_function_or_method"),
        ({"x": [1, {2, 3}]}, r"obj\['x'\]\[1\] is a set"),
        ({(1, 2): 0}, "keys must be"),
        ({"o": np.array([object()])}, r"obj\['o'\] has dtype object"),
        ({"c": [np.array([1 + 2j])]}, r"obj\['c'\]\[0\] has dtype complex128"),
        ({"d": np.array(["2024-01-01"], "datetime64[D]")}, r"obj\['d'\] has dtype datetime64"),
    ],
)
def test_unsupported_objects_are_refused_with_their_location(obj, message, tmp_path):
    with pytest.raises(TypeError, match=message):
        nn.save(obj, tmp_path / "x.safetensors")
    assert os.listdir(tmp_path) == []


def test_nesting_deeper_than_the_cap_is_refused_on_save(tmp_path):
    obj = []
    for _ in range(checkpoint_tree.MAX_DEPTH + 1):
        obj = [obj]
    with pytest.raises(ValueError, match="nests deeper than 100 levels"):
        nn.save(obj, tmp_path / "x.safetensors")


# ---------------------------------------------------------------- the file layout
def mlp():
    return nn.Sequential(nn.Linear(3, 4, rng=0), nn.ReLU(), nn.BatchNorm1d(4), nn.Linear(4, 2))


def test_a_state_dict_is_stored_under_exactly_its_keys(tmp_path):
    model = mlp()
    nn.save(model.state_dict(), tmp_path / "m.safetensors")
    stored = safetensors.numpy.load_file(tmp_path / "m.safetensors")
    assert sorted(stored) == sorted(model.state_dict())
    for name, array in model.state_dict().items():
        assert stored[name].dtype == array.dtype
        np.testing.assert_array_equal(stored[name], array)


def test_a_checkpoint_is_stored_under_dotted_paths(tmp_path):
    model = mlp()
    opt = nn.optim.Adam(model.parameters())
    model(np.ones((2, 3))).sum().backward()
    opt.step()
    nn.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, tmp_path / "c.st")
    keys = set(header_of(tmp_path / "c.st")) - {"__metadata__"}
    assert {"model.0.weight", "model.2.running_mean", "model.2.num_batches_tracked"} <= keys
    assert {"optimizer.state.0.exp_avg", "optimizer.state.5.exp_avg_sq"} <= keys
    assert len(keys) == len(model.state_dict()) + 2 * len(list(model.parameters()))


def test_the_structure_is_json_in_the_metadata(tmp_path):
    nn.save({"w": nn.Parameter([1.0]), "epoch": 3, "pair": (1, None)}, tmp_path / "c.st")
    metadata = header_of(tmp_path / "c.st")["__metadata__"]
    assert set(metadata) == {"format", "version", "tree"}
    assert metadata["format"] == "autograd-core" and metadata["version"] == "2"
    assert json.loads(metadata["tree"]) == {
        "dict": [
            ["w", {"parameter": "w", "requires_grad": True}],
            ["epoch", 3],
            ["pair", {"tuple": [1, None]}],
        ]
    }


def test_colliding_paths_get_distinct_deterministic_keys(tmp_path):
    obj = {
        "a.b": np.array([1.0]),
        "a": {"b": np.array([2.0])},
        0: np.array([3.0]),
        "0": np.array([4.0]),
        "lone": [np.array([5.0]), np.array([6.0])],
    }
    nn.save(obj, tmp_path / "one.st")
    nn.save(obj, tmp_path / "two.st")
    # (safetensors writes the metadata's entries in any order: compare the parsed headers)
    assert header_of(tmp_path / "one.st") == header_of(tmp_path / "two.st")
    stored = safetensors.numpy.load_file(tmp_path / "one.st")
    assert {k: v.tolist() for k, v in stored.items()} == {
        "a.b": [1.0],
        "a.b#2": [2.0],
        "0": [3.0],
        "0#2": [4.0],
        "lone.0": [5.0],
        "lone.1": [6.0],
    }
    back = nn.load(tmp_path / "one.st")
    assert back["a"]["b"].tolist() == [2.0] and back["0"].tolist() == [4.0]


def test_a_lone_array_is_stored_as_tensor(tmp_path):
    nn.save(np.arange(3), tmp_path / "a.st")
    assert list(safetensors.numpy.load_file(tmp_path / "a.st")) == ["tensor"]


def test_a_state_dict_from_before_batch_norm_counted_batches_still_loads_strictly(tmp_path):
    model = mlp()
    old = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    nn.save(old, tmp_path / "old.st")
    copy = mlp()
    copy[2].num_batches_tracked.data[...] = 5
    assert copy.load_state_dict(nn.load(tmp_path / "old.st"), strict=True) == ([], [])
    assert copy[2].num_batches_tracked.data == 5
    np.testing.assert_array_equal(copy[3].weight.data, model[3].weight.data)
    with pytest.raises(RuntimeError, match=r"Missing key\(s\) in state_dict: \"2.running_var\""):
        copy.load_state_dict({k: v for k, v in old.items() if k != "2.running_var"})


# ---------------------------------------------------------------- files from elsewhere
@pytest.mark.parametrize("metadata", [None, {"format": "pt"}])
def test_a_foreign_safetensors_file_loads_as_a_flat_dict(metadata, tmp_path):
    model = mlp()
    state = {k: v for k, v in model.state_dict().items()}
    safetensors.numpy.save_file(state, tmp_path / "m.safetensors", metadata=metadata)
    loaded = nn.load(tmp_path / "m.safetensors")
    assert type(loaded) is dict and sorted(loaded) == sorted(state)
    copy = mlp()
    copy[0].weight.data[...] = 0.0
    assert copy.load_state_dict(loaded) == ([], [])
    x = np.random.default_rng(0).standard_normal((5, 3))
    np.testing.assert_array_equal(copy.eval()(x).data, model.eval()(x).data)


def test_the_legacy_file_loads_exactly_as_it_was_saved():
    checkpoint = nn.load(os.path.join(os.path.dirname(__file__), "data", "legacy_nn_save_v1.ckpt"))
    assert list(checkpoint) == ["model", "optimizer", "loss", "shape", "by_epoch", "w"] + [
        "zero_d",
        "scalar",
    ]
    model = checkpoint["model"]
    assert list(model) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert model["0.weight"].dtype == np.float64 and model["2.weight"].dtype == np.float32
    assert model["0.weight"].tolist() == [
        [0.17529685158939567, -0.3071745259893194],
        [-0.6691559369637036, -0.6637387056490738],
        [0.46303656434994245, 0.6037300777484681],
    ]
    assert model["0.bias"].tolist() == [
        0.13240953355618745,
        0.3045626800356134,
        0.08170059845780295,
    ]
    assert model["2.weight"].tolist() == [
        [-0.006334846839308739, 0.5001627802848816, -0.4308975040912628]
    ]
    assert model["2.bias"].tolist() == [0.49805575609207153]
    optimizer = checkpoint["optimizer"]
    assert optimizer["param_groups"] == [
        {
            "lr": 0.01,
            "betas": (0.9, 0.999),
            "eps": 1e-08,
            "weight_decay": 0.0,
            "amsgrad": False,
            "params": [0, 1, 2, 3],
        }
    ]
    state = optimizer["state"]
    assert list(state) == [0, 1, 2, 3] and all(s["step"] == 2 for s in state.values())
    assert state[1]["exp_avg"].tolist() == [
        0.0031871657073497765,
        0.0978286266326904,
        -0.07906892597675322,
    ]
    assert state[3]["exp_avg"].dtype == np.float32
    assert state[3]["exp_avg"].tolist() == [0.3799999952316284]
    assert state[3]["exp_avg_sq"].tolist() == [0.007996000349521637]
    assert isinstance(checkpoint["loss"], float) and np.isnan(checkpoint["loss"])
    assert checkpoint["shape"] == (2, 3) and checkpoint["by_epoch"] == {1: 0.5, 2: 0.25}
    w = checkpoint["w"]
    assert isinstance(w, nn.Parameter) and w.requires_grad and w.data.tolist() == [1.5, -2.0]
    assert w.dtype == np.float32
    zero_d = checkpoint["zero_d"]
    assert type(zero_d) is np.ndarray and zero_d.shape == () and zero_d.dtype == np.int64
    assert zero_d == 7
    assert type(checkpoint["scalar"]) is np.float32 and checkpoint["scalar"] == 0.125


def test_a_legacy_checkpoint_resaved_is_a_safetensors_file_with_the_same_content(tmp_path):
    legacy = os.path.join(os.path.dirname(__file__), "data", "legacy_nn_save_v1.ckpt")
    nn.save(nn.load(legacy), tmp_path / "new.st")
    assert "__metadata__" in header_of(tmp_path / "new.st")
    old, new = nn.load(legacy), nn.load(tmp_path / "new.st")
    assert new["optimizer"]["state"][2]["exp_avg"].tobytes() == (
        old["optimizer"]["state"][2]["exp_avg"].tobytes()
    )
    assert isinstance(new["w"], nn.Parameter) and new["scalar"] == old["scalar"]


# ---------------------------------------------------------------- hostile and corrupt files
class Payload:
    def __init__(self, sentinel):
        self.sentinel = sentinel

    def __reduce__(self):
        return (open, (self.sentinel, "w"))


def test_a_pickle_with_a_payload_is_refused_and_never_run(tmp_path):
    sentinel = tmp_path / "pwned"
    path = tmp_path / "model.pt"
    path.write_bytes(pickle.dumps({"weights": Payload(str(sentinel))}))
    with pytest.raises(ValueError, match="looks like a Python pickle"):
        nn.load(path)
    assert not sentinel.exists()


def test_bad_paths(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "missing.st")
    with pytest.raises(IsADirectoryError):
        nn.save({}, tmp_path)


# ---------------------------------------------------------------- atomic writes
class FailingFile:
    """Wraps the temp file: the first write puts half its bytes on disk, then fails."""

    def __init__(self, f):
        self.f = f

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()

    def write(self, chunk):
        self.f.write(bytes(chunk)[: len(chunk) // 2])
        raise OSError(28, "No space left on device")

    def __getattr__(self, name):
        return getattr(self.f, name)


def test_a_write_failing_halfway_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "checkpoint.ckpt"
    nn.save({"epoch": 1, "w": np.ones(1000)}, path)
    before = path.read_bytes()
    real_fdopen = os.fdopen
    monkeypatch.setattr(serialization.os, "fdopen", lambda *a: FailingFile(real_fdopen(*a)))
    with pytest.raises(OSError, match="No space left"):
        nn.save({"epoch": 2, "w": np.zeros(1000)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["checkpoint.ckpt"]
    assert nn.load(path)["epoch"] == 1


def test_a_failing_rename_leaves_no_temp_and_success_replaces(tmp_path, monkeypatch):
    path = tmp_path / "checkpoint.ckpt"
    nn.save({"epoch": 1}, path)

    def refuse(src, dst):
        raise PermissionError("rename refused")

    with monkeypatch.context() as m:
        m.setattr(serialization.os, "replace", refuse)
        with pytest.raises(PermissionError):
            nn.save({"epoch": 2}, path)
    assert os.listdir(tmp_path) == ["checkpoint.ckpt"] and nn.load(path)["epoch"] == 1
    nn.save({"epoch": 3}, path)
    assert os.listdir(tmp_path) == ["checkpoint.ckpt"] and nn.load(path)["epoch"] == 3
