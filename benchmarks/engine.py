"""How fast is autodiff_numpy? Each workload against a hand-written NumPy version of the same step.

    python benchmarks/engine.py [--repeats N] [--quick]

For every workload the script builds the engine's version (used as a student would:
``nn.Sequential``, ``nn.*Loss``, ``optim.SGD``, ``loss.backward()``) and a hand-written NumPy
forward + backward of exactly the same computation (same shapes, same initial weights, same
maths): the speed the engine could reach if it cost nothing on top of NumPy. It checks once that
both give the same gradients (and updated weights), then times them interleaved, repetition by
repetition, on one BLAS thread, after a warm-up, and prints the median time per step and the
ratio engine / NumPy.

When they can be imported, PyTorch (CPU, eager, one thread) runs the same workloads as well, and
micrograd runs the scalar workload W5, whose reference is micrograd rather than NumPy.
"""

import argparse
import ctypes
import gc
import os
import platform
import statistics
import sys
import time
from pathlib import Path

# One BLAS thread for everyone, set before NumPy (or PyTorch) is first imported.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled

import numpy as np  # noqa: E402
from common import checkout_version  # noqa: E402

from autodiff_numpy import Tensor, nn, optim  # noqa: E402
from autodiff_numpy.data import make_moons  # noqa: E402

try:
    import torch
except ImportError:
    torch = None
else:
    torch.set_num_threads(1)

try:
    import micrograd.engine  # noqa: F401  (the package imports nothing by itself)
    import micrograd.nn as micrograd_nn
except ImportError:
    micrograd_nn = None

try:
    from autodiff_numpy.nn.scalar import MLP as ScalarMLP
except ImportError as error:
    ScalarMLP = None
    SCALAR_IMPORT_ERROR = str(error)


# ---------------------------------------------------------------------------------------- helpers


def initial_weights(sizes, rng, dtype=np.float64):
    """``[(W, b), ...]`` for a dense network, ``W`` as ``(in, out)``, uniform in +-1/sqrt(in)."""
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        bound = 1 / np.sqrt(n_in)
        W = rng.uniform(-bound, bound, (n_in, n_out)).astype(dtype)
        b = rng.uniform(-bound, bound, n_out).astype(dtype)
        layers.append((W, b))
    return layers


def engine_mlp(weights, last_activation=None):
    """``nn.Sequential(Linear, ReLU, ..., Linear[, last_activation])`` holding ``weights``."""
    modules = []
    for i, (W, _) in enumerate(weights):
        modules.append(nn.Linear(W.shape[0], W.shape[1], dtype=W.dtype))
        if i < len(weights) - 1:
            modules.append(nn.ReLU())
    if last_activation is not None:
        modules.append(last_activation)
    model = nn.Sequential(*modules)
    state = {}
    for i, (W, b) in enumerate(weights):
        state[f"{2 * i}.weight"], state[f"{2 * i}.bias"] = W, b
    model.load_state_dict(state)
    return model


def torch_mlp(weights, last_activation=None):
    """The same network in PyTorch (whose Linear stores the weight as ``(out, in)``)."""
    modules = []
    for i, (W, b) in enumerate(weights):
        linear = torch.nn.Linear(W.shape[0], W.shape[1], dtype=torch.from_numpy(W).dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W.T.copy()))
            linear.bias.copy_(torch.from_numpy(b))
        modules.append(linear)
        if i < len(weights) - 1:
            modules.append(torch.nn.ReLU())
    if last_activation is not None:
        modules.append(last_activation)
    return torch.nn.Sequential(*modules)


def copied(weights):
    return [(W.copy(), b.copy()) for W, b in weights]


def engine_arrays(model):
    """Gradients, then values, of the engine model's parameters (W, b per layer)."""
    parameters = model.parameters()
    return [p.grad for p in parameters] + [p.data for p in parameters]


def torch_arrays(model):
    """The same for a PyTorch model, weights transposed back to ``(in, out)``."""
    parameters = list(model.parameters())

    def as_numpy(t):
        array = t.detach().numpy()
        return array.T if array.ndim == 2 else array

    return [as_numpy(p.grad) for p in parameters] + [as_numpy(p) for p in parameters]


def numpy_arrays(weights, grads):
    return [a for pair in grads for a in pair] + [a for pair in weights for a in pair]


def compare(got, expected, dtype):
    """``(ok, worst relative difference)`` of two lists of arrays."""
    rtol, atol = (1e-4, 1e-6) if dtype == np.float32 else (1e-7, 1e-10)
    if len(got) != len(expected):
        return False, float("inf")
    ok, worst = True, 0.0
    for a, b in zip(got, expected, strict=True):
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        if a.shape != b.shape:
            return False, float("inf")
        ok &= bool(np.allclose(a, b, rtol=rtol, atol=atol))
        worst = max(worst, float(np.max(np.abs(a - b)) / (np.max(np.abs(b)) + 1e-300)))
    return ok, worst


class Workload:
    """One row of the table: the implementations' step functions and the correctness checks."""

    def __init__(self, name, description, target, reference="numpy"):
        self.name, self.description = name, description
        self.target, self.reference = target, reference
        self.checks = {}  # implementation -> (ok, worst relative difference) against the reference
        self.skipped = None
        self.full_repeats, self.quick_repeats = 31, 3  # unless --repeats says otherwise
        self.samples, self.medians, self.ratios, self.spreads, self.inner = {}, {}, {}, {}, None


# ------------------------------------------------------------------------------------ workloads


def three_layer_step_factories(weights, X, target, lr, engine_loss, numpy_loss, torch_loss):
    """The engine, NumPy and PyTorch versions of one SGD step of a ReLU MLP with three layers.

    ``numpy_loss(z)`` returns the loss of the scores ``z`` and its gradient with respect to them;
    the hidden layers' backprop below it is the same for every loss.
    """

    def make_engine():
        model = engine_mlp(copied(weights))
        optimizer = optim.SGD(model.parameters(), lr=lr)
        x = Tensor(X)
        y = Tensor(target) if target.dtype.kind == "f" else target

        def step():
            optimizer.zero_grad()
            loss = engine_loss(model(x), y)
            loss.backward()
            optimizer.step()
            return loss

        return step, lambda: engine_arrays(model)

    def make_numpy():
        (W1, b1), (W2, b2), (W3, b3) = params = copied(weights)
        grads = []

        def step():
            h1 = X @ W1 + b1
            a1 = np.maximum(h1, 0)
            h2 = a1 @ W2 + b2
            a2 = np.maximum(h2, 0)
            loss, g_z = numpy_loss(a2 @ W3 + b3)
            gW3, gb3 = a2.T @ g_z, g_z.sum(axis=0)
            g_h2 = (g_z @ W3.T) * (h2 > 0)
            gW2, gb2 = a1.T @ g_h2, g_h2.sum(axis=0)
            g_h1 = (g_h2 @ W2.T) * (h1 > 0)
            gW1, gb1 = X.T @ g_h1, g_h1.sum(axis=0)
            grads[:] = [(gW1, gb1), (gW2, gb2), (gW3, gb3)]
            for (W, b), (gW, gb) in zip(params, grads, strict=True):
                W -= lr * gW
                b -= lr * gb
            return loss

        return step, lambda: numpy_arrays(params, grads)

    def make_torch():
        model = torch_mlp(copied(weights))
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        x, y = torch.from_numpy(X), torch.from_numpy(target)

        def step():
            optimizer.zero_grad()
            loss = torch_loss(model(x), y)
            loss.backward()
            optimizer.step()
            return loss

        return step, lambda: torch_arrays(model)

    return {"engine": make_engine, "numpy": make_numpy, "torch": make_torch}


def w1_mlp_batch(rng):
    """W1: MLP 2-16-16-1, ReLU, batch 32, MSE, one SGD step."""
    work = Workload("W1", "MLP 2-16-16-1 ReLU, batch 32, MSE, SGD step", 2.5)
    weights = initial_weights([2, 16, 16, 1], rng)
    X = rng.normal(size=(32, 2))
    Y = rng.normal(size=(32, 1))

    def mse(z):
        diff = z - Y
        return np.mean(diff**2), diff * (2 / diff.size)

    factories = three_layer_step_factories(
        weights, X, Y, 0.05, nn.MSELoss(), mse, torch.nn.MSELoss() if torch else None
    )
    return work, factories, np.float64


def w2_per_sample_epoch(rng):
    """W2: MLP 2-10-1, ReLU then sigmoid, BCE, one epoch of per-sample SGD on 200 samples."""
    work = Workload("W2", "MLP 2-10-1 ReLU+sigmoid, BCE, per-sample SGD epoch (200)", 3.0)
    weights = initial_weights([2, 10, 1], rng)
    X, labels = make_moons(200, noise=0.1, rng=rng)
    Y = labels.astype(np.float64)[:, None]
    lr = 0.1
    n = len(X)

    def make_engine():
        model = engine_mlp(copied(weights), nn.Sigmoid())
        optimizer = optim.SGD(model.parameters(), lr=lr)
        loss_fn = nn.BCELoss()

        def step():
            for i in range(n):
                x, y = Tensor(X[i : i + 1]), Tensor(Y[i : i + 1])
                loss = loss_fn(model(x), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            return loss

        return step, lambda: engine_arrays(model)

    def make_numpy():
        # The engine's Sigmoid module and BCELoss are separate operations (it fuses only
        # BCEWithLogitsLoss), so this baseline does not fuse them either: dL/dp, then dp/dz.
        # The loss clamps its logs at -100 and the gradient's denominator at 1e-12, as the engine's.
        (W1, b1), (W2, b2) = params = copied(weights)
        grads = []

        def step():
            nonlocal W1, b1, W2, b2  # updated in place
            for i in range(n):
                x, y = X[i : i + 1], Y[i : i + 1]
                h = x @ W1 + b1
                a = np.maximum(h, 0)
                z = a @ W2 + b2
                p = 1 / (1 + np.exp(-z))
                log_p, log_q = np.maximum(np.log(p), -100), np.maximum(np.log(1 - p), -100)
                loss = -np.mean(y * log_p + (1 - y) * log_q)
                g_p = (p - y) / np.maximum(p * (1 - p), 1e-12) / p.size
                g_z = g_p * p * (1 - p)
                gW2, gb2 = a.T @ g_z, g_z.sum(axis=0)
                g_h = (g_z @ W2.T) * (h > 0)
                gW1, gb1 = x.T @ g_h, g_h.sum(axis=0)
                W1 -= lr * gW1
                b1 -= lr * gb1
                W2 -= lr * gW2
                b2 -= lr * gb2
            grads[:] = [(gW1, gb1), (gW2, gb2)]
            return loss

        return step, lambda: numpy_arrays(params, grads)

    def make_torch():
        model = torch_mlp(copied(weights), torch.nn.Sigmoid())
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        loss_fn = torch.nn.BCELoss()

        def step():
            for i in range(n):
                x, y = torch.from_numpy(X[i : i + 1]), torch.from_numpy(Y[i : i + 1])
                loss = loss_fn(model(x), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            return loss

        return step, lambda: torch_arrays(model)

    return work, {"engine": make_engine, "numpy": make_numpy, "torch": make_torch}, np.float64


def w3_mnist_sized(rng, dtype):
    """W3: MLP 784-256-128-10, ReLU, softmax cross-entropy, batch 128, one SGD step."""
    bits = np.dtype(dtype).itemsize * 8
    work = Workload(f"W3 f{bits}", f"MLP 784-256-128-10 ReLU, CE, batch 128, float{bits}", 1.10)
    weights = initial_weights([784, 256, 128, 10], rng, dtype)
    X = rng.random((128, 784)).astype(dtype)
    labels = rng.integers(0, 10, 128)
    rows = np.arange(len(labels))

    def cross_entropy(z):
        # The fused softmax cross-entropy gradient, (softmax - onehot) / N, as the engine's.
        shifted = z - z.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        g_z = e / total
        g_z[rows, labels] -= 1
        g_z /= len(labels)
        return np.mean(np.log(total[:, 0]) - shifted[rows, labels]), g_z

    factories = three_layer_step_factories(
        weights,
        X,
        labels,
        0.01,
        nn.CrossEntropyLoss(),
        cross_entropy,
        torch.nn.CrossEntropyLoss() if torch else None,
    )
    return work, factories, dtype


def w4_elementwise_chain(rng):
    """W4: 1,000 cycles of (* w, + b, tanh, exp, log) on a (100,) tensor, then sum and backward."""
    work = Workload("W4", "5,000 elementwise ops on (100,), sum, backward", 3.0)
    x0 = rng.normal(size=100)
    w0 = rng.uniform(0.9, 1.1, 100)  # near 1, and tanh keeps every value in (-1, 1)
    b0 = rng.normal(scale=0.1, size=100)
    cycles = 1000

    def chain_on(leaf, gradients):
        """The chain written once for any engine with PyTorch's API: ``leaf(array)`` makes an input
        that requires grad, ``gradients(tensors)`` reads their gradients as arrays."""

        def make():
            x, w, b = (leaf(a) for a in (x0, w0, b0))

            def step():
                x.grad = w.grad = b.grad = None
                y = x
                for _ in range(cycles):
                    y = y * w
                    y = y + b
                    y = y.tanh()
                    y = y.exp()
                    y = y.log()
                total = y.sum()
                total.backward()
                return total

            return step, lambda: gradients((x, w, b))

        return make

    def make_numpy():
        # Forward keeps what backward needs; backward applies each op's rule in reverse
        # (exp and log are not simplified away: the same maths as the engine).
        grads = []

        def step():
            y = x0
            saved = []
            for _ in range(cycles):
                y_in = y
                t = np.tanh(y * w0 + b0)
                e = np.exp(t)
                y = np.log(e)
                saved.append((y_in, t, e))
            total = y.sum()
            g = np.ones_like(y)
            gw = np.zeros_like(w0)
            gb = np.zeros_like(b0)
            for y_in, t, e in reversed(saved):
                g = g / e  # log
                g = g * e  # exp
                g = g * (1 - t * t)  # tanh
                gb += g  # + b
                gw += g * y_in  # * w
                g = g * w0
            grads[:] = [g, gw, gb]
            return total

        return step, lambda: list(grads)

    factories = {
        "engine": chain_on(
            lambda a: Tensor(a, requires_grad=True), lambda ts: [t.grad for t in ts]
        ),
        "numpy": make_numpy,
        "torch": chain_on(
            lambda a: torch.tensor(a, requires_grad=True), lambda ts: [t.grad.numpy() for t in ts]
        ),
    }
    return work, factories, np.float64


def scalar_training_step(model, parameters, points, targets, lr):
    """One full-batch step of week 1's training loop, the same code for any scalar engine:
    hinge loss ``mean(relu(1 - y * score))`` plus ``1e-4 * sum(p * p)``, backward, SGD."""
    scores = [model(point) for point in points]
    losses = [(1 - y * score).relu() for y, score in zip(targets, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in parameters)
    total = data_loss + reg_loss
    model.zero_grad()
    total.backward()
    for p in parameters:
        p.data -= lr * p.grad
    return total


def w5_scalar_engine(rng):
    """W5: the scalar Value engine, MLP 2-16-16-1 on 100 two-moons points, one full-batch step."""
    description = "Value MLP 2-16-16-1, 100 moons, hinge+L2, full-batch step"
    work = Workload("W5", description, 0.4, "micrograd")
    work.full_repeats, work.quick_repeats = 11, 1  # a repetition takes seconds here
    if ScalarMLP is None:
        work.skipped = f"autodiff_numpy.nn.scalar.MLP does not import ({SCALAR_IMPORT_ERROR})"
        return work, {}, np.float64
    if micrograd_nn is None:
        work.skipped = "micrograd is not installed (pip install micrograd): W5's reference"
        return work, {}, np.float64
    X, labels = make_moons(100, noise=0.1, rng=rng)
    points = X.tolist()
    targets = (2.0 * labels - 1).tolist()
    lr = 0.1
    seed = int(rng.integers(2**31))
    initial = [p.data for p in ScalarMLP(2, [16, 16, 1], rng=seed).parameters()]

    def make(model):
        parameters = model.parameters()
        for p, value in zip(parameters, initial, strict=True):
            p.data = value

        def step():
            return scalar_training_step(model, parameters, points, targets, lr)

        def arrays():
            return [np.array([p.grad for p in parameters]), np.array([p.data for p in parameters])]

        return step, arrays

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))  # micrograd's sort recurses
    return (
        work,
        {
            "engine": lambda: make(ScalarMLP(2, [16, 16, 1], rng=seed)),
            "micrograd": lambda: make(micrograd_nn.MLP(2, [16, 16, 1])),
        },
        np.float64,
    )


# ------------------------------------------------------------------------------------- measuring


def measure(steps, repeats, sample_seconds, warmup):
    """Seconds per call of each step, ``repeats`` samples each, timed interleaved: every repetition
    times each implementation once (in a rotating order) for ``inner`` calls, the same ``inner``
    for all. Returns ``({name: [seconds per call, one per repetition]}, inner)``."""
    names = list(steps)
    single = {}
    for name in names:
        # Warm-up: ``warmup`` calls, or fewer (at least one) once they have taken half a second.
        start = time.perf_counter()
        for _ in range(warmup):
            steps[name]()
            if time.perf_counter() - start > 0.5:
                break
        start = time.perf_counter()
        steps[name]()
        single[name] = time.perf_counter() - start
    inner = max(1, round(sample_seconds / max(single.values())))
    samples = {name: [] for name in names}
    for r in range(repeats):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            step = steps[name]
            # Start each sample from a clean heap (untimed); collections that the step's own
            # allocations trigger are timed. micrograd's graph is a reference cycle, so most of its
            # freeing happens here, untimed: this favours micrograd.
            gc.collect()
            start = time.perf_counter()
            for _ in range(inner):
                step()
            samples[name].append((time.perf_counter() - start) / inner)
    return samples, inner


def run_workload(work, factories, dtype, args):
    """Check every implementation against the reference once, then time them."""
    available = dict(factories)
    if torch is None:
        available.pop("torch", None)
    if work.skipped:
        return
    # Correctness: fresh copies of the initial state, one step each, arrays compared.
    results = {}
    for name, factory in available.items():
        step, arrays = factory()
        step()
        results[name] = arrays()
    reference = results[work.reference]
    for name, arrays in results.items():
        if name != work.reference:
            work.checks[name] = compare(arrays, reference, dtype)
    # Timing on other fresh copies (each keeps training, step after step).
    steps = {name: factory()[0] for name, factory in available.items()}
    repeats = args.repeats or (work.quick_repeats if args.quick else work.full_repeats)
    samples, work.inner = measure(steps, repeats, args.sample_seconds, args.warmup)
    work.samples = samples
    work.medians = {name: statistics.median(values) for name, values in samples.items()}
    # Ratios to the reference: the median over repetitions of the ratio within each repetition
    # (the two samples of one repetition were taken moments apart, so they share the noise).
    ref = samples[work.reference]
    work.ratios, work.spreads = {}, {}
    for name, values in samples.items():
        ratios = sorted(a / b for a, b in zip(values, ref, strict=True))
        work.ratios[name] = statistics.median(ratios)
        work.spreads[name] = (ratios[len(ratios) // 4], ratios[(3 * len(ratios)) // 4])


def format_time(seconds):
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def format_check(check):
    if check is None:
        return "-"
    ok, worst = check
    return f"yes ({worst:.0e})" if ok else f"NO ({worst:.1e})"


def print_table(rows):
    header = [
        "workload", "engine", "NumPy", "ratio", "target", "meets", "grads = ref",
        "torch", "torch ratio", "torch = ref", "micrograd",
    ]  # fmt: skip
    table = [header]
    for work in rows:
        if work.skipped:
            table.append([work.name, "skipped"] + [""] * (len(header) - 2))
            continue
        ratio = work.ratios["engine"]
        low, high = work.spreads["engine"]
        suffix = "" if work.reference == "numpy" else " mg"
        torch_ratio = f"{work.ratios['torch']:.2f}x" if "torch" in work.ratios else "-"
        table.append(
            [
                work.name,
                format_time(work.medians.get("engine")),
                format_time(work.medians.get("numpy")),
                f"{ratio:.3f}x{suffix} ({low:.2f}-{high:.2f})",
                f"<= {work.target:.2f}x{suffix}",
                "yes" if ratio <= work.target else "NO",
                format_check(work.checks.get("engine")),
                format_time(work.medians.get("torch")),
                torch_ratio,
                format_check(work.checks.get("torch")),
                format_time(work.medians.get("micrograd")),
            ]
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for i, row in enumerate(table):
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
        if i == 0:
            print("  ".join("-" * width for width in widths))


def keep_freed_memory():
    """Ask glibc's malloc to keep freed memory instead of handing it back to the system.

    By default glibc returns large freed blocks to the system (munmap, heap trimming) with
    thresholds that move with the allocation history. A step that frees its arrays and allocates
    them again then sometimes pays hundreds of page faults (0.5-2 ms for the MNIST-sized step) and
    sometimes none, depending on what ran before it: interleaving the implementations makes this
    random, and it swamps differences of a few percent. With fixed, high thresholds every step
    reuses memory, as in a long training loop. Returns whether it worked (glibc only).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        return bool(
            libc.mallopt(m_trim_threshold, 1 << 30) and libc.mallopt(m_mmap_threshold, 1 << 25)
        )
    except (OSError, AttributeError):
        return False


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="timed repetitions per workload (default 31, and 11 for the slow W5; 3 with --quick)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="few repetitions: a smoke test, not a measurement"
    )
    parser.add_argument(
        "--default-malloc",
        action="store_true",
        help="leave glibc's malloc thresholds alone (timings then depend on heap history)",
    )
    args = parser.parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be at least 1")
    malloc_note = "default malloc"
    if not args.default_malloc:
        malloc_note = "malloc keeps freed memory" if keep_freed_memory() else "default malloc"
    args.sample_seconds = 0.005 if args.quick else 0.02
    args.warmup = 1 if args.quick else 5

    print(
        f"autodiff_numpy at {checkout_version('autodiff_numpy')}; "
        f"Python {platform.python_version()}, NumPy {np.__version__}, "
        f"torch {torch.__version__ if torch else 'not installed'}, "
        f"micrograd {'installed' if micrograd_nn else 'not installed'}; one BLAS thread; "
        f"{malloc_note}."
    )
    print(
        "Times: median per step. ratio: median over repetitions of engine / hand-written NumPy\n"
        "(W5: engine / micrograd, 'mg') within each repetition, with its quartiles.\n"
        "'grads = ref': gradients and updated weights allclose to the reference "
        "(worst relative difference).\n"
    )

    # Move everything imported so far (PyTorch's many objects above all) out of the collector's
    # sight: collections then cost what they would in a script that imported only the engine.
    gc.collect()
    gc.freeze()

    rng = np.random.default_rng(20240601)
    builders = [
        w1_mlp_batch,
        w2_per_sample_epoch,
        lambda r: w3_mnist_sized(r, np.float32),
        lambda r: w3_mnist_sized(r, np.float64),
        w4_elementwise_chain,
        w5_scalar_engine,
    ]
    rows = []
    started = time.perf_counter()
    for build in builders:
        began = time.perf_counter()
        work, factories, dtype = build(rng)
        run_workload(work, factories, dtype, args)
        rows.append(work)
        if work.skipped:
            print(f"{work.name}: SKIPPED: {work.skipped}", flush=True)
        else:
            repeats = len(next(iter(work.samples.values())))
            print(
                f"{work.name}: {work.description}: {repeats} repetitions of {work.inner} "
                f"step(s) ({time.perf_counter() - began:.1f} s)",
                flush=True,
            )
    print()
    print_table(rows)
    print(f"\n(total {time.perf_counter() - started:.1f} s)")

    mismatched = [
        f"{work.name} ({name})"
        for work in rows
        for name, (ok, _) in work.checks.items()
        if not ok and name == "engine"
    ]
    if mismatched:
        print(
            f"\nFAILED: the engine's results differ from the reference in {', '.join(mismatched)}"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
