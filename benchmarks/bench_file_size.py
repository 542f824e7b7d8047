"""Size of a saved ThresholdedClassifier(LogisticRegression()) as samples grow.

Fits ``ThresholdedClassifier(LogisticRegression(), scoring="f1")`` (5 folds)
on binary data of 20 features, saves it with
``threshold_estimator.persistence.dump`` as ``.skops`` without and with
compression and as ``.joblib``, and reports the file sizes and that of the
saved ``estimator_`` alone. The held-out summary keeps at most 2,000 points
per class, so the size stops growing beyond 2,000 samples of each class.

Run from the repository root::

    python benchmarks/bench_file_size.py --samples 10000 1000000
"""

import argparse
import tempfile
import warnings
from pathlib import Path

from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from threshold_estimator import ThresholdedClassifier, ThresholdWarning, persistence


def _saved_size(model, path, **params):
    persistence.dump(model, path, **params)
    return path.stat().st_size


def main(sample_sizes):
    print(
        "| samples | .skops, compression=0 | .skops (default) | .joblib | estimator_ |"
    )
    print("|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        for n_samples in sample_sizes:
            X, y = make_classification(
                n_samples=n_samples, n_features=20, random_state=0
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ThresholdWarning)
                clf = ThresholdedClassifier(
                    LogisticRegression(), scoring="f1", random_state=0
                ).fit(X, y)
            sizes = [
                _saved_size(clf, folder / "model.skops", compression=0),
                _saved_size(clf, folder / "model.skops"),
                _saved_size(clf, folder / "model.joblib"),
                _saved_size(clf.estimator_, folder / "estimator.skops"),
            ]
            print(
                f"| {n_samples:,} x 20 | " + " | ".join(f"{s:,}" for s in sizes) + " |"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, nargs="+", default=[10_000, 1_000_000])
    main(parser.parse_args().samples)
