"""Threads: grad mode, anomaly mode and ag.compile's tracer are per thread, so threads that
each drive their own graphs get exactly the gradients a single thread gets."""

import sys
import threading

import numpy as np
import pytest

import autograd_core as ag
import nn


@pytest.fixture(autouse=True)
def _switch_often():
    """Make the interpreter switch threads every 10 microseconds, inside every op."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(previous)


def _run_threads(targets):
    errors = []

    def guarded(target):
        try:
            target()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def _model_gradients(seed, passes):
    """The gradients of ``passes`` forward+backward passes of a small MLP of its own."""
    rng = np.random.default_rng(seed)
    model = nn.Sequential(nn.Linear(4, 8, rng=seed), nn.Tanh(), nn.Linear(8, 3, rng=seed + 1))
    x = ag.tensor(rng.normal(size=(5, 4)))
    y = ag.tensor(rng.integers(0, 3, size=5))
    grads = []
    for _ in range(passes):
        model.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        grads.append([p.grad.numpy().tobytes() for p in model.parameters()])
    return grads


def test_threads_training_their_own_graphs_get_the_single_threaded_gradients():
    expected = {seed: _model_gradients(seed, 30) for seed in range(4)}
    got = {}
    _run_threads([lambda s=seed: got.__setitem__(s, _model_gradients(s, 30)) for seed in range(4)])
    assert got == expected


def test_a_thread_in_no_grad_does_not_switch_recording_off_elsewhere():
    stop = threading.Event()
    wrong = []

    def monitor():
        while not stop.is_set():
            with ag.no_grad():
                (ag.tensor([1.0, 2.0], requires_grad=True) * 2).sum()

    def train():
        try:
            for _ in range(300):
                w = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
                loss = (w * w).sum()
                if not loss.requires_grad:
                    wrong.append("not recorded")
                    continue
                loss.backward()
                if w.grad.tolist() != [2.0, 4.0, 6.0]:
                    wrong.append(w.grad.tolist())
        finally:
            stop.set()

    _run_threads([monitor, train])
    assert wrong == []


def test_set_grad_enabled_and_anomaly_mode_belong_to_the_calling_thread():
    seen = {}

    def other():
        seen["grad"] = ag.is_grad_enabled()
        seen["records"] = (ag.tensor(1.0, requires_grad=True) * 2).requires_grad
        x = ag.tensor(0.0, requires_grad=True)
        with np.errstate(divide="ignore"):
            ag.log(x).backward()  # -inf forward, inf gradient: anomaly mode would raise
        seen["anomaly"] = False

    ag.set_grad_enabled(False)
    try:
        with ag.detect_anomaly():
            _run_threads([other])
    finally:
        ag.set_grad_enabled(True)
    assert seen == {"grad": True, "records": True, "anomaly": False}


def test_compiling_in_one_thread_never_records_another_thread_s_ops():
    w = ag.tensor([0.5, -1.0, 2.0], requires_grad=True)
    traced = threading.Event()
    eager_ran = threading.Event()

    def slow_square(x):
        traced.set()
        eager_ran.wait(5)  # the other thread computes while this trace is open
        return (x * w).sum()

    compiled = ag.compile(slow_square)
    x = ag.tensor([1.0, 2.0, 3.0])

    def compiling():
        compiled(x)

    def eager():
        traced.wait(5)
        for _ in range(50):
            v = ag.tensor([1.0, 1.0, 1.0], requires_grad=True)
            (ag.exp(v) * 3).sum().backward()
        eager_ran.set()

    _run_threads([compiling, eager])
    assert "exp" not in compiled.code.lower()
    w.grad = None
    compiled(x).backward()
    assert w.grad.tolist() == [1.0, 2.0, 3.0]


def test_one_compiled_function_called_from_several_threads_equals_eager():
    w = ag.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)

    def loss(x):
        return ag.tanh(x @ w.T).sum()

    compiled = ag.compile(loss)
    inputs = [ag.tensor(np.full((4, 3), k / 7)) for k in range(4)]
    expected = [ag.grad(loss(x), [w])[0].numpy().tobytes() for x in inputs]
    got = {}

    def worker(k):
        for _ in range(20):
            got[k] = ag.grad(compiled(inputs[k]), [w])[0].numpy().tobytes()

    _run_threads([lambda k=k: worker(k) for k in range(4)])
    assert [got[k] for k in range(4)] == expected
