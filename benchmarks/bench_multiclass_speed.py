"""Cost of multiclass tuning against the binary search and the model fits.

Data: ``make_classification(n_samples=200_000, n_features=20,
n_informative=8, n_classes=5, weights`` geometric from 1 to 1/10``,
random_state=0)``, and ``StratifiedKFold(5, shuffle=True, random_state=0)``.

1. **Fold fits** (the floor): a ``LogisticRegression`` fitted on each
   training part, ``predict_proba`` on each held-out part. This gives the
   200,000 held-out probabilities everything below reads.
2. **One sweep**: one step of the coordinate ascent per class from plain
   argmax (``_search.class_curve`` and the best cut) on all 200,000 rows,
   against **the binary search** on the same rows (``objective_curve`` of F1
   for the smallest class against the rest, and the best cut).
3. **Whole tuning**, as ``fit`` does it: the ascent of each fold's held-out
   part, then on the pooled rows the choice of rule (three inner ascents on
   two thirds each, and the final ascent when the tuned rule is kept).
4. **Fit**: ``ThresholdedClassifier(LogisticRegression(), cv=folds).fit``
   against the floor of the fold fits plus one refit on all the data.

Every timing is the median of ``--repeats`` runs (default 3). The ratios are
printed as a markdown table, per objective.

Run from the repository root::

    python benchmarks/bench_multiclass_speed.py            # about 3 minutes
    python benchmarks/bench_multiclass_speed.py --quick    # 1/10 of the rows
"""

import argparse
import os
import platform
import statistics
import time
import warnings

import numpy as np
import sklearn
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

import threshold_estimator
from threshold_estimator import ThresholdedClassifier, ThresholdWarning
from threshold_estimator._search import (
    ascend,
    best_cut,
    choose_rule,
    class_curve,
    log_probabilities,
    objective_curve,
    tune_rule,
)
from threshold_estimator.objectives import get_objective

N_CLASSES = 5
OBJECTIVES = ("f1_macro", "balanced_accuracy")


def data(scale):
    weights = 10 ** -np.linspace(0, 1, N_CLASSES)
    return make_classification(
        n_samples=int(200_000 * scale),
        n_features=20,
        n_informative=8,
        n_classes=N_CLASSES,
        weights=list(weights / weights.sum()),
        random_state=0,
    )


def median_seconds(run, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fold_fits(X, y, folds):
    """Each fold's held-out indices and probabilities."""
    held_out = []
    for train, test in folds.split(X, y):
        model = LogisticRegression().fit(X[train], y[train])
        held_out.append((test, model.predict_proba(X[test])))
    return held_out


def one_sweep(objective, y, log_proba_by_class):
    start = np.log(np.full(N_CLASSES, 1 / N_CLASSES))
    for k in range(N_CLASSES):
        _, values = class_curve(objective, y, log_proba_by_class, start, k)
        best_cut(values)


def binary_search(y, proba):
    smallest = np.argmin(np.bincount(y))
    _, values = objective_curve(get_objective("f1"), y == smallest, proba[:, smallest])
    best_cut(values)


def whole_tuning(objective, y, held_out, prior):
    for test, proba in held_out:
        tune_rule(objective, y[test], log_probabilities(proba), prior)
    test = np.concatenate([t for t, _ in held_out])
    proba = np.concatenate([p for _, p in held_out])
    return choose_rule(objective, y[test], log_probabilities(proba), prior, seed=0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1/10 of the rows")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    scale = 0.1 if args.quick else 1.0
    X, y = data(scale)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    prior = np.bincount(y) / y.size

    held_out = fold_fits(X, y, folds)
    fits = median_seconds(lambda: fold_fits(X, y, folds), args.repeats)
    refit = median_seconds(lambda: LogisticRegression().fit(X, y), args.repeats)
    test = np.concatenate([t for t, _ in held_out])
    proba = np.concatenate([p for _, p in held_out])
    pooled_y = y[test]
    by_class = np.ascontiguousarray(log_probabilities(proba).T)
    binary = median_seconds(lambda: binary_search(pooled_y, proba), args.repeats * 3)

    rows = []
    for name in OBJECTIVES:
        objective = get_objective(name)
        sweep = median_seconds(
            lambda objective=objective: one_sweep(objective, pooled_y, by_class),
            args.repeats * 3,
        )
        _, _, n_sweeps = ascend(
            objective,
            pooled_y,
            log_probabilities(proba),
            np.log(np.full(N_CLASSES, 1 / N_CLASSES)),
        )
        rule, _ = whole_tuning(objective, y, held_out, prior)
        tuning = median_seconds(
            lambda objective=objective: whole_tuning(objective, y, held_out, prior),
            args.repeats,
        )

        def ours(name=name):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ThresholdWarning)
                ThresholdedClassifier(
                    LogisticRegression(), scoring=name, cv=folds, random_state=0
                ).fit(X, y)

        fit = median_seconds(ours, args.repeats)
        rows.append((name, sweep, n_sweeps, tuning, rule, fit))

    print(
        f"threshold_estimator {threshold_estimator.__version__}, scikit-learn "
        f"{sklearn.__version__}, numpy {np.__version__}, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs; {len(y):,} rows x "
        f"{X.shape[1]}, {N_CLASSES} classes (ratio 10), 5 folds; medians of "
        f"{args.repeats} runs (binary search and sweep: {args.repeats * 3}).\n"
    )
    print(
        f"fold fits {fits:.3f} s, refit {refit:.3f} s, binary search on the "
        f"{len(pooled_y):,} held-out rows {binary * 1000:.1f} ms\n"
    )
    print(
        "| objective | one sweep ms | sweep / binary search | sweeps to converge | "
        "whole tuning s | tuning / fold fits | rule kept | fit s | "
        "fit / (fold fits + refit) |"
    )
    print("|---|---:|---:|---:|---:|---:|---|---:|---:|")
    for name, sweep, n_sweeps, tuning, rule, fit in rows:
        print(
            f"| {name} | {sweep * 1000:.0f} | {sweep / binary:.1f} | {n_sweeps} | "
            f"{tuning:.2f} | {tuning / fits:.2f} | {rule} | {fit:.2f} | "
            f"{fit / (fits + refit):.2f} |"
        )


if __name__ == "__main__":
    main()
