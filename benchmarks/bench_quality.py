"""Held-out quality of ThresholdedClassifier against TunedThresholdClassifierCV.

For each data set, scoring and seed ``s`` (``--seeds``, default 10):

1. one stratified 50/50 outer split,
   ``train_test_split(X, y, test_size=0.5, stratify=y, random_state=s)``;
2. both tuners wrap ``make_pipeline(StandardScaler(),
   LogisticRegression(max_iter=1000))``, get the same inner splitter
   ``StratifiedKFold(5, shuffle=True, random_state=s)`` and the same scoring,
   and are fitted on the outer training half;
3. the outer test half is scored once with ``sklearn.metrics.get_scorer``.

``ThresholdedClassifier`` is run with ``aggregation`` "auto", "median" and
"pooled". Scorings: "f1" and "balanced_accuracy". Data sets (no download):

- demo: ``threshold_estimator.cli.demo_data()``, 10,000 x 2, 1% positives;
- breast cancer: ``load_breast_cancer``, positive class malignant;
- digits 0 vs rest: ``load_digits``, about 10% positives;
- synthetic: ``make_classification(n_samples=5000, n_features=20,
  n_informative=5, weights=[0.95], flip_y=0.02, class_sep=0.8,
  random_state=1)``.

One markdown table per scoring: mean test score of each method over the
seeds, the mean of (ours auto - sklearn), wins/ties/losses of ours auto
against sklearn over the seeds (a tie is an equal test score), the
aggregation "auto" chose, and a last row averaged over the data sets (W/T/L
summed).

Run from the repository root::

    python benchmarks/bench_quality.py             # 10 seeds, a few minutes
    python benchmarks/bench_quality.py --seeds 2   # smoke run
"""

import argparse
import collections
import platform
import time
import warnings

import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import get_scorer
from sklearn.model_selection import (
    StratifiedKFold,
    TunedThresholdClassifierCV,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import threshold_estimator
from threshold_estimator import ThresholdedClassifier, ThresholdWarning
from threshold_estimator.cli import demo_data

SCORINGS = ("f1", "balanced_accuracy")
AGGREGATIONS = ("auto", "median", "pooled")
METHODS = ("sklearn", *(f"ours {a}" for a in AGGREGATIONS))
N_FOLDS = 5
# Test scores closer than this count as a tie.
TIE_TOL = 1e-12


def breast_cancer():
    data = load_breast_cancer()
    # target 0 is malignant; make it the positive class.
    return data.data, 1 - data.target


def digits_zero_vs_rest():
    data = load_digits()
    return data.data, (data.target == 0).astype(int)


def synthetic():
    return make_classification(
        n_samples=5000,
        n_features=20,
        n_informative=5,
        weights=[0.95],
        flip_y=0.02,
        class_sep=0.8,
        random_state=1,
    )


DATASETS = {
    "demo": demo_data,
    "breast cancer": breast_cancer,
    "digits 0 vs rest": digits_zero_vs_rest,
    "synthetic": synthetic,
}


def model():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def tuners(scoring, seed):
    """The tuners compared, by method name, sharing one inner splitter."""
    inner = StratifiedKFold(N_FOLDS, shuffle=True, random_state=seed)
    methods = {
        "sklearn": TunedThresholdClassifierCV(model(), scoring=scoring, cv=inner)
    }
    for aggregation in AGGREGATIONS:
        methods[f"ours {aggregation}"] = ThresholdedClassifier(
            model(), scoring=scoring, cv=inner, aggregation=aggregation
        )
    return methods


def fit_quietly(estimator, X, y, warning_counts):
    """Fit, counting ThresholdWarnings by class instead of showing them."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ThresholdWarning)
        estimator.fit(X, y)
    for w in caught:
        if issubclass(w.category, ThresholdWarning):
            warning_counts[w.category.__name__] += 1
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    return estimator


def run(n_seeds):
    """Test scores per (data set, scoring, method), one per seed."""
    scores = collections.defaultdict(list)
    chosen = collections.defaultdict(collections.Counter)
    warning_counts = collections.Counter()
    shapes = {}
    for name, load in DATASETS.items():
        X, y = load()
        shapes[name] = (X.shape[0], X.shape[1], y.mean())
        start = time.perf_counter()
        for seed in range(n_seeds):
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, test_size=0.5, stratify=y, random_state=seed
            )
            for scoring in SCORINGS:
                scorer = get_scorer(scoring)
                for method, estimator in tuners(scoring, seed).items():
                    fit_quietly(estimator, X_train, y_train, warning_counts)
                    scores[name, scoring, method].append(
                        scorer(estimator, X_test, y_test)
                    )
                    if method == "ours auto":
                        chosen[name, scoring][estimator.aggregation_] += 1
        print(
            f"{name}: {n_seeds} seeds in {time.perf_counter() - start:.1f} s",
            flush=True,
        )
    return scores, chosen, warning_counts, shapes


def wins_ties_losses(diff):
    return (
        int((diff > TIE_TOL).sum()),
        int((np.abs(diff) <= TIE_TOL).sum()),
        int((diff < -TIE_TOL).sum()),
    )


def markdown_table(scoring, scores, chosen, shapes):
    lines = [
        "| data set | rows x features | positives | sklearn | ours auto "
        "| ours median | ours pooled | auto - sklearn | W/T/L | auto chose |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    means = {method: [] for method in METHODS}
    diffs, wtl = [], np.zeros(3, dtype=int)
    for name in DATASETS:
        row_means = {m: float(np.mean(scores[name, scoring, m])) for m in METHODS}
        diff = np.array(scores[name, scoring, "ours auto"]) - np.array(
            scores[name, scoring, "sklearn"]
        )
        w, t, lo = wins_ties_losses(diff)
        wtl += (w, t, lo)
        diffs.append(diff.mean())
        for method in METHODS:
            means[method].append(row_means[method])
        n_rows, n_features, positives = shapes[name]
        auto = ", ".join(f"{a} {c}" for a, c in sorted(chosen[name, scoring].items()))
        lines.append(
            f"| {name} | {n_rows:,} x {n_features} | {positives:.1%} | "
            + " | ".join(f"{row_means[m]:.4f}" for m in METHODS)
            + f" | {diff.mean():+.4f} | {w}/{t}/{lo} | {auto} |"
        )
    lines.append(
        "| **mean over data sets** | | | "
        + " | ".join(f"{np.mean(means[m]):.4f}" for m in METHODS)
        + f" | {np.mean(diffs):+.4f} | {wtl[0]}/{wtl[1]}/{wtl[2]} | |"
    )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seeds",
        type=int,
        default=10,
        help="number of outer splits, seeds 0..N-1 (default 10)",
    )
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error("--seeds must be at least 1")

    scores, chosen, warning_counts, shapes = run(args.seeds)
    print()
    print(
        f"threshold_estimator {threshold_estimator.__version__}, "
        f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, "
        f"Python {platform.python_version()}; {args.seeds} seeds, "
        f"{N_FOLDS} inner stratified folds, 50/50 outer split. Mean test score "
        "over the seeds; W/T/L: ours auto against sklearn."
    )
    for scoring in SCORINGS:
        print()
        print(f"### scoring = {scoring}")
        print()
        print(markdown_table(scoring, scores, chosen, shapes))
    print()
    if warning_counts:
        counts = ", ".join(f"{k} x{v}" for k, v in sorted(warning_counts.items()))
        print(f"ThresholdWarnings raised by our fits (not shown): {counts}.")
    else:
        print("No ThresholdWarning was raised by our fits.")


if __name__ == "__main__":
    main()
