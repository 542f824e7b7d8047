"""Fit time of ThresholdedClassifier against a floor and scikit-learn's tuner.

Three timings per case, each the median of ``--repeats`` runs (default 3),
with ``time.perf_counter``:

- **floor**: the work no cross-validated tuner can avoid, done by hand with
  the same folds: the splits are made, a clone of the estimator is fitted on
  each training part and ``predict_proba`` is called on each held-out part,
  then the estimator is refitted once on all the data. No threshold search.
- **ours**: ``ThresholdedClassifier(estimator, scoring=..., cv=splitter)``.
- **sklearn**: ``TunedThresholdClassifierCV(estimator, scoring=..., cv=splitter)``.

The splitter is ``StratifiedKFold(5, shuffle=True, random_state=0)`` for all
three; everything runs sequentially (``n_jobs=None``).

Cases:

(i) ``LogisticRegression`` on ``make_classification(n_samples=200_000,
    n_features=20, weights=[0.9], random_state=0)``: fitting dominates, so
    ours/floor shows the overhead of the exact search on top of it.
(ii) a ``LogisticRegression`` already fitted on a separate sample of 10,000
    rows of the same distribution, wrapped in ``sklearn.frozen.FrozenEstimator``,
    on 2,000,000 x 2 data (``n_informative=2, n_redundant=0, weights=[0.9]``).
    Its ``fit`` is a no-op, so the floor is the ``predict_proba`` calls on the
    held-out parts and the threshold search dominates. Timed with
    ``scoring="f1"`` and ``scoring="balanced_accuracy"`` (the floor does not
    depend on the scoring and is measured once).

``ThresholdWarning`` is silenced during the timings. The ratios are printed
as a markdown table.

Run from the repository root::

    python benchmarks/bench_fit_time.py            # full sizes, a few minutes
    python benchmarks/bench_fit_time.py --quick    # 1/10 of the sizes
"""

import argparse
import os
import platform
import statistics
import time
import warnings

import numpy as np
import sklearn
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, TunedThresholdClassifierCV

import threshold_estimator
from threshold_estimator import ThresholdedClassifier, ThresholdWarning

N_FOLDS = 5
FROZEN_FIT_SAMPLES = 10_000


def splitter():
    """The folds shared by the floor and both tuners."""
    return StratifiedKFold(N_FOLDS, shuffle=True, random_state=0)


def floor_fit(estimator, X, y, cv):
    """Fit per fold, score each held-out part, refit on all: no search."""
    for train, test in cv.split(X, y):
        model = clone(estimator).fit(X[train], y[train])
        model.predict_proba(X[test])
    return clone(estimator).fit(X, y)


def case_i_data(scale):
    X, y = make_classification(
        n_samples=int(200_000 * scale), n_features=20, weights=[0.9], random_state=0
    )
    return LogisticRegression(), X, y


def case_ii_data(scale):
    n_samples = int(2_000_000 * scale)
    X, y = make_classification(
        n_samples=n_samples + FROZEN_FIT_SAMPLES,
        n_features=2,
        n_informative=2,
        n_redundant=0,
        weights=[0.9],
        random_state=0,
    )
    # The frozen model learns on rows the timed fits never see.
    fitted = LogisticRegression().fit(X[n_samples:], y[n_samples:])
    return FrozenEstimator(fitted), X[:n_samples], y[:n_samples]


def time_once(fit):
    start = time.perf_counter()
    fit()
    return time.perf_counter() - start


def median_times(fits, repeats):
    """Median seconds of each named fit; the repeats are interleaved."""
    times = {name: [] for name in fits}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ThresholdWarning)
        for _ in range(repeats):
            for name, fit in fits.items():
                times[name].append(time_once(fit))
    return {name: statistics.median(values) for name, values in times.items()}


def tuner_fits(estimator, X, y, scoring):
    return {
        f"ours {scoring}": lambda: ThresholdedClassifier(
            estimator, scoring=scoring, cv=splitter()
        ).fit(X, y),
        f"sklearn {scoring}": lambda: TunedThresholdClassifierCV(
            estimator, scoring=scoring, cv=splitter()
        ).fit(X, y),
    }


def run(scale, repeats):
    """The table rows: (case, floor s, ours s, sklearn s)."""
    rows = []

    estimator, X, y = case_i_data(scale)
    label = f"(i) LogisticRegression, {X.shape[0]:,} x {X.shape[1]}, f1"
    print(f"timing {label} ...", flush=True)
    fits = {"floor": lambda: floor_fit(estimator, X, y, splitter())}
    fits.update(tuner_fits(estimator, X, y, "f1"))
    t = median_times(fits, repeats)
    rows.append((label, t["floor"], t["ours f1"], t["sklearn f1"]))

    estimator, X, y = case_ii_data(scale)
    fits = {"floor": lambda: floor_fit(estimator, X, y, splitter())}
    scorings = ("f1", "balanced_accuracy")
    for scoring in scorings:
        fits.update(tuner_fits(estimator, X, y, scoring))
    print(f"timing (ii) frozen LogisticRegression, {X.shape[0]:,} x 2 ...", flush=True)
    t = median_times(fits, repeats)
    for scoring in scorings:
        label = (
            f"(ii) frozen LogisticRegression, {X.shape[0]:,} x {X.shape[1]}, {scoring}"
        )
        rows.append((label, t["floor"], t[f"ours {scoring}"], t[f"sklearn {scoring}"]))
    return rows


def markdown_table(rows):
    header = (
        "| case | floor s | ours s | sklearn s | ours/floor | sklearn/ours "
        "| sklearn/floor |"
    )
    lines = [header, "|---|---:|---:|---:|---:|---:|---:|"]
    for label, floor, ours, skl in rows:
        lines.append(
            f"| {label} | {floor:.3f} | {ours:.3f} | {skl:.3f} "
            f"| {ours / floor:.2f} | {skl / ours:.2f} | {skl / floor:.2f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="use 1/10 of the sizes (smoke run)"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs per timing; the median is kept"
    )
    args = parser.parse_args(argv)
    scale = 0.1 if args.quick else 1.0

    rows = run(scale, args.repeats)
    print()
    print(
        f"threshold_estimator {threshold_estimator.__version__}, "
        f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs; "
        f"{N_FOLDS} stratified folds, median of {args.repeats} runs"
        f"{', --quick' if args.quick else ''}."
    )
    print()
    print(markdown_table(rows))


if __name__ == "__main__":
    main()
