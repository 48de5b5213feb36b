"""Sweeps and one model at scale, measured in one run on this machine.

    nice python bench/scale.py            # both parts (about 15 minutes on 2 busy cores)
    nice python bench/scale.py sweep      # 8 digits variants: serial, --jobs 2, --ray (local)
    nice python bench/scale.py jobs       # the same as whole processes, serial and --jobs 2 in turns (--rounds 3,
                                          # --epochs 20: each variant's epochs)
    nice python bench/scale.py workers    # one Fashion-MNIST model on 1 and 2 workers

Every figure is a ratio or a count measured in this one invocation (docs/performance.md
says why wall-clock seconds on a shared machine are only comparable that way), and
each parallel engine's per-variant numbers are compared with the serial run's.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nnspec

ROOT = Path(__file__).resolve().parent.parent
SWEEP = """# 8 variants of a digits MLP
data digits test=0.25 seed=0
let units = 16 | 32 | 64 | 128
dense $units relu init=he|xavier
dense 10 softmax
train adam lr=0.001 epochs=20 batch=32
"""
WORKER_SPEC = ROOT / "specs" / "fashion_mnist_keras.nn"
WORKER_EPOCHS = 2


def numbers(runs) -> dict:
    return {r.label: (r.metrics, r.history) for r in [*runs, *runs.failures]}


def timed(**engine):
    out = Path(tempfile.mkdtemp(prefix="nnspec-bench-")) / "sweep"
    started = time.perf_counter()
    runs = nnspec.run(SWEEP, out=out, progress="none", report=False, **engine)
    return time.perf_counter() - started, runs


def sweep_part() -> None:
    print("## A sweep of 8 digits variants (20 epochs each)\n")
    serial_s, serial = timed()
    rows = [("serial", serial_s, True)]
    jobs_s, jobs = timed(jobs=2)
    rows.append(("--jobs 2", jobs_s, numbers(jobs) == numbers(serial)))
    from nnspec.training.parallel import connect_ray

    started = time.perf_counter()
    ray = connect_ray(None, num_cpus=2)
    ray_start = time.perf_counter() - started
    ray_s, on_ray = timed(ray=True)
    rows.append(("--ray (local, 2 CPUs)", ray_s, numbers(on_ray) == numbers(serial)))
    ray.shutdown()
    print("| engine | wall time / serial | per-variant metrics and curves equal to serial |")
    print("| --- | --- | --- |")
    for name, seconds, same in rows:
        print(f"| {name} | {seconds / serial_s:.2f} | {'yes' if same else 'NO'} |")
    print(f"\nRay's start-up (not in the ratio): {ray_start / serial_s:.2f} of the serial sweep's time.")
    best = serial.best
    print(f"Best variant: {best.label}, test accuracy {best.metrics['accuracy']:.4f}.\n")


COLD_SWEEP = """
import sys
import nnspec
nnspec.run(sys.argv[1], out=sys.argv[2], progress="none", report=False, jobs=int(sys.argv[3]) or None)
"""


def cold(jobs: int, folder: Path, epochs: int = 20) -> float:
    """The sweep in a fresh Python process, as a user waits for it (the imports of TensorFlow included)."""
    spec = folder.parent / "sweep.nn"
    spec.write_text(SWEEP.replace("epochs=20", f"epochs={epochs}"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", COLD_SWEEP, str(spec), str(folder), str(jobs)], env=env, check=True)
    return time.perf_counter() - started


def folder_numbers(folder: Path) -> dict:
    out = {}
    for path in sorted(folder.glob("*/results.json")):
        saved = json.loads(path.read_text())
        out[saved["label"]] = (saved["metrics"], saved["history"])
    return out


def cold_import() -> float:
    """A bare `import tensorflow` in a fresh Python process."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import tensorflow"], env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
                   check=True, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def jobs_part(rounds: int, epochs: int = 20) -> None:
    print(f"## --jobs 2 against serial: the 8 digits variants ({epochs} epochs each), whole processes, "
          f"{rounds} rounds in turns\n")
    serial_times, jobs_times, imports, same = [], [], [], True
    for _ in range(rounds):
        tmp = Path(tempfile.mkdtemp(prefix="nnspec-bench-"))
        serial_times.append(cold(0, tmp / "serial", epochs))
        jobs_times.append(cold(2, tmp / "jobs", epochs))
        imports.append(cold_import())
        serial, jobs = folder_numbers(tmp / "serial"), folder_numbers(tmp / "jobs")
        same = same and len(serial) == 8 and serial == jobs
    ratios = [j / s for s, j in zip(serial_times, jobs_times)]
    print("| round | serial s | --jobs 2 s | ratio |")
    print("| --- | --- | --- | --- |")
    for i, (s, j, r) in enumerate(zip(serial_times, jobs_times, ratios), 1):
        print(f"| {i} | {s:.1f} | {j:.1f} | {r:.2f} |")
    print(f"\n--jobs 2 / serial: {statistics.median(ratios):.2f} (median of {rounds} rounds; target <= 0.67)")
    print(f"per-variant metrics and curves equal to serial in every round: {'yes' if same else 'NO'}")
    # Two workers each import TensorFlow (one core each); the rest of the serial time
    # halves at best on 2 cores: --jobs 2 takes at least (import + serial) / 2.
    imported, serial = statistics.median(imports), statistics.median(serial_times)
    print(f"a bare import tensorflow: {imported:.1f} s (median); the floor on 2 cores, (import + serial) / 2 / serial: "
          f"{(imported + serial) / 2 / serial:.2f}\n")


def workers_part() -> None:
    print(f"## One Fashion-MNIST model ({WORKER_SPEC.name}, {WORKER_EPOCHS} epochs) on 1 and 2 workers\n")
    rows = []
    for workers in (None, 1, 2):
        out = Path(tempfile.mkdtemp(prefix="nnspec-bench-")) / "run"
        started = time.perf_counter()
        run = nnspec.run(WORKER_SPEC, "keras", epochs=WORKER_EPOCHS, out=out, progress="none", report=False,
                         workers=workers).best
        wall = time.perf_counter() - started
        steps = WORKER_EPOCHS * math.ceil(60000 / run.batch)
        rows.append((workers, steps / run.train_seconds, run.history["loss"][-1], run.metrics["accuracy"], wall))
    base = rows[0][1]
    print("| training | steps/s relative to the keras backend alone | final training loss | test accuracy |")
    print("| --- | --- | --- | --- |")
    for workers, rate, loss, accuracy, _ in rows:
        name = "keras backend, one process" if workers is None else f"--workers {workers}"
        print(f"| {name} | {rate / base:.2f} | {loss:.4f} | {accuracy:.4f} |")
    print()


def main(argv: list[str]) -> None:
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 3
    parts = [a for a in argv if not a.startswith("--") and not a.isdigit()] or ["sweep", "workers"]
    if "sweep" in parts:
        sweep_part()
    if "jobs" in parts:
        jobs_part(rounds, int(argv[argv.index("--epochs") + 1]) if "--epochs" in argv else 20)
    if "workers" in parts:
        workers_part()


if __name__ == "__main__":
    main(sys.argv[1:])
