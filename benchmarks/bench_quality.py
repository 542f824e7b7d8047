"""Held-out quality of ThresholdedClassifier against TunedThresholdClassifierCV.

For each data set, scoring and seed ``s`` (``--seeds``, default 10):

1. one stratified 50/50 outer split,
   ``train_test_split(X, y, test_size=0.5, stratify=y, random_state=s)``;
2. both tuners wrap ``make_pipeline(StandardScaler(),
   LogisticRegression(max_iter=1000))``, get the same inner splitter
   ``StratifiedKFold(5, shuffle=True, random_state=s)`` and the same scoring,
   and are fitted on the outer training half;
3. the outer test half is scored once with ``sklearn.metrics.get_scorer``.

``ThresholdedClassifier`` is run with ``aggregation`` "pooled" (the
default), "median" and "mean". Scorings: "f1" and "balanced_accuracy". Data
sets, 16 binary tasks that need no download:

- demo: ``threshold_estimator.cli.demo_data()``, 10,000 x 2, 1% positives;
- breast cancer: ``load_breast_cancer``, positive class malignant;
- digits k vs rest, k = 0..9: ``load_digits``, about 10% positives each;
- wine k vs rest, k = 0..2: ``load_wine``, 178 rows, 27% to 40% positives;
- synthetic: ``make_classification(n_samples=5000, n_features=20,
  n_informative=5, weights=[0.95], flip_y=0.02, class_sep=0.8,
  random_state=1)``.

One markdown table per scoring. Per data set: the mean test score of
scikit-learn's tuner over the seeds; for each of our aggregations the mean
paired difference (ours - sklearn) with its standard error in brackets; and
the wins/ties/losses of ours "pooled" (a tie is an equal test score). The last
rows give the mean over data sets and, per method, on
how many data sets it is behind, and behind by more than two standard errors.

Run from the repository root::

    python benchmarks/bench_quality.py                   # 10 seeds, ~10 minutes
    python benchmarks/bench_quality.py --n-jobs 2        # the same, 2 processes
    python benchmarks/bench_quality.py --seeds 2 --only demo "breast cancer"
"""

import argparse
import collections
import platform
import time
import warnings

import numpy as np
import sklearn
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_wine,
    make_classification,
)
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import get_scorer
from sklearn.model_selection import (
    StratifiedKFold,
    TunedThresholdClassifierCV,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.parallel import Parallel, delayed

import threshold_estimator
from threshold_estimator import ThresholdedClassifier, ThresholdWarning
from threshold_estimator.cli import demo_data

SCORINGS = ("f1", "balanced_accuracy")
AGGREGATIONS = ("pooled", "median", "mean")
OURS = tuple(f"ours {a}" for a in AGGREGATIONS)
N_FOLDS = 5
# Test scores closer than this count as a tie.
TIE_TOL = 1e-12


def breast_cancer():
    data = load_breast_cancer()
    # target 0 is malignant; make it the positive class.
    return data.data, 1 - data.target


def one_vs_rest(load, label):
    def task():
        data = load()
        return data.data, (data.target == label).astype(int)

    return task


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
    **{f"digits {k} vs rest": one_vs_rest(load_digits, k) for k in range(10)},
    **{f"wine {k} vs rest": one_vs_rest(load_wine, k) for k in range(3)},
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


def one_split(name, seed):
    """Test scores of every (scoring, method) on one outer split of a data set.

    Returns the scores and the ThresholdWarnings our fits raised, counted by
    class instead of shown.
    """
    X, y = DATASETS[name]()
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=seed
    )
    scores, warning_counts = {}, collections.Counter()
    for scoring in SCORINGS:
        scorer = get_scorer(scoring)
        for method, estimator in tuners(scoring, seed).items():
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ThresholdWarning)
                estimator.fit(X_train, y_train)
            for w in caught:
                if issubclass(w.category, ThresholdWarning):
                    warning_counts[w.category.__name__] += 1
                else:
                    warnings.showwarning(w.message, w.category, w.filename, w.lineno)
            scores[scoring, method] = scorer(estimator, X_test, y_test)
    return scores, warning_counts


def run(names, n_seeds, n_jobs):
    """Test scores per (data set, scoring, method), one per seed."""
    jobs = [(name, seed) for name in names for seed in range(n_seeds)]
    results = Parallel(n_jobs=n_jobs)(delayed(one_split)(*job) for job in jobs)
    scores = collections.defaultdict(list)
    warning_counts = collections.Counter()
    for (name, _), (split_scores, split_warnings) in zip(jobs, results, strict=True):
        for (scoring, method), score in split_scores.items():
            scores[name, scoring, method].append(score)
        warning_counts.update(split_warnings)
    return scores, warning_counts


def wins_ties_losses(diff):
    return (
        int((diff > TIE_TOL).sum()),
        int((np.abs(diff) <= TIE_TOL).sum()),
        int((diff < -TIE_TOL).sum()),
    )


def paired(scores, name, scoring, method):
    """Mean and standard error of (method - sklearn) over the seeds."""
    diff = np.array(scores[name, scoring, method]) - np.array(
        scores[name, scoring, "sklearn"]
    )
    se = diff.std(ddof=1) / np.sqrt(diff.size) if diff.size > 1 else np.nan
    return diff, diff.mean(), se


def markdown_table(scoring, names, scores):
    lines = [
        "| data set | rows x features | positives | sklearn "
        + "".join(f"| {m} - sklearn " for m in OURS)
        + "| W/T/L pooled |",
        "|---|---:|---:|---:|" + "---:|" * len(OURS) + "---:|",
    ]
    means = collections.defaultdict(list)
    behind = collections.Counter()
    clearly_behind = collections.Counter()
    wtl = np.zeros(3, dtype=int)
    for name in names:
        X, y = DATASETS[name]()
        sklearn_mean = float(np.mean(scores[name, scoring, "sklearn"]))
        means["sklearn"].append(sklearn_mean)
        cells = []
        for method in OURS:
            diff, mean, se = paired(scores, name, scoring, method)
            means[method].append(mean)
            behind[method] += mean < -TIE_TOL
            clearly_behind[method] += mean < -max(2 * se, TIE_TOL)
            cells.append(f"{mean:+.4f} ({se:.4f})")
            if method == "ours pooled":
                pooled_wtl = wins_ties_losses(diff)
                wtl += pooled_wtl
        lines.append(
            f"| {name} | {X.shape[0]:,} x {X.shape[1]} | {y.mean():.1%} | "
            f"{sklearn_mean:.4f} | " + " | ".join(cells) + " | "
            f"{'/'.join(map(str, pooled_wtl))} |"
        )
    lines.append(
        f"| **mean over {len(names)} data sets** | | | "
        f"{np.mean(means['sklearn']):.4f} | "
        + " | ".join(f"{np.mean(means[m]):+.4f}" for m in OURS)
        + f" | {'/'.join(map(str, wtl))} |"
    )
    lines.append(
        "| **behind sklearn (by > 2 SE)** | | | | "
        + " | ".join(f"{behind[m]} ({clearly_behind[m]})" for m in OURS)
        + " | |"
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
    parser.add_argument(
        "--only",
        nargs="+",
        choices=list(DATASETS),
        metavar="NAME",
        help=f"data sets to run (default all): {', '.join(DATASETS)}",
    )
    parser.add_argument(
        "--n-jobs", type=int, default=1, help="processes running the splits"
    )
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error("--seeds must be at least 1")
    names = args.only or list(DATASETS)

    start = time.perf_counter()
    scores, warning_counts = run(names, args.seeds, args.n_jobs)
    print(
        f"threshold_estimator {threshold_estimator.__version__}, "
        f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, "
        f"Python {platform.python_version()}; {args.seeds} seeds, "
        f"{N_FOLDS} inner stratified folds, 50/50 outer split; "
        f"{time.perf_counter() - start:.0f} s. Mean paired difference of test "
        "scores over the seeds (standard error); W/T/L: ours pooled against "
        "sklearn."
    )
    for scoring in SCORINGS:
        print()
        print(f"### scoring = {scoring}")
        print()
        print(markdown_table(scoring, names, scores))
    print()
    if warning_counts:
        counts = ", ".join(f"{k} x{v}" for k, v in sorted(warning_counts.items()))
        print(f"ThresholdWarnings raised by our fits (not shown): {counts}.")
    else:
        print("No ThresholdWarning was raised by our fits.")


if __name__ == "__main__":
    main()
