"""Peak memory and speed of ``threshold-estimator predict`` on a large CSV.

1. Writes a CSV of at least ``--gigabytes`` (default 1.0) into ``--dir``
   (default: a temporary folder, removed at the end): an identifier, eight
   numeric columns, a category and a binary target, in chunks (the writer
   never holds the file in memory).
2. Tunes a model on its first 20,000 rows with ``threshold-estimator tune``
   (logistic regression, F1).
3. Runs ``threshold-estimator predict model.skops data.csv --id id --scores
   -q --out predictions.csv`` under ``/usr/bin/time -v`` and prints the
   command's peak resident memory, its wall time and the rows per second.

Run: ``python benchmarks/bench_predict_file.py`` (a few minutes; about 2.3 GB
of disk for the data and the predictions).
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROWS_PER_CHUNK = 500_000


def write_csv(path, gigabytes, seed=0):
    """Chunks of synthetic rows until the file reaches ``gigabytes``."""
    rng = np.random.default_rng(seed)
    rows, first = 0, True
    while first or path.stat().st_size < gigabytes * 1e9:
        n = ROWS_PER_CHUNK
        y = rng.random(n) < 0.05
        numbers = rng.normal(size=(n, 8)) + 0.8 * y[:, None] * np.linspace(1, 0, 8)
        frame = pd.DataFrame(numbers.round(6), columns=[f"x{i}" for i in range(8)])
        frame.insert(0, "id", np.arange(rows, rows + n))
        frame["segment"] = rng.choice(["north", "south", "east", "west"], size=n)
        frame["churn"] = y.astype(int)
        frame.to_csv(path, mode="w" if first else "a", header=first, index=False)
        rows, first = rows + n, False
    return rows


def peak_memory(command):
    """Run ``command`` under /usr/bin/time -v: (peak RSS in MB, seconds)."""
    start = time.perf_counter()
    result = subprocess.run(
        ["/usr/bin/time", "-v", *command], capture_output=True, text=True, check=True
    )
    seconds = time.perf_counter() - start
    kilobytes = int(
        re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)[1]
    )
    return kilobytes / 1024, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=1.0)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench_predict_"))
    command = [sys.executable, "-m", "threshold_estimator"]
    try:
        data = folder / "data.csv"
        start = time.perf_counter()
        rows = write_csv(data, args.gigabytes)
        print(
            f"wrote {data.stat().st_size / 1e9:.2f} GB, {rows:,} rows in "
            f"{time.perf_counter() - start:.0f} s"
        )
        sample = folder / "sample.csv"
        pd.read_csv(data, nrows=20_000).to_csv(sample, index=False)
        model = folder / "model.skops"
        subprocess.run(
            [
                *command,
                "tune",
                str(sample),
                "--target",
                "churn",
                "--drop",
                "id",
                "--scoring",
                "f1",
                "--out",
                str(model),
                "-q",
            ],
            check=True,
            capture_output=True,
        )
        out = folder / "predictions.csv"
        megabytes, seconds = peak_memory(
            [
                *command,
                "predict",
                str(model),
                str(data),
                "--id",
                "id",
                "--scores",
                "-q",
                "--out",
                str(out),
            ]
        )
        print(
            f"predict: peak RSS {megabytes:.0f} MB, {seconds:.0f} s, "
            f"{rows / seconds:,.0f} rows/s; predictions "
            f"{out.stat().st_size / 1e9:.2f} GB"
        )
    finally:
        if args.dir is None:
            shutil.rmtree(folder)


if __name__ == "__main__":
    main()
