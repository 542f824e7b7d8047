"""Held-out quality of multiclass thresholds against plain argmax.

For each data set and seed ``s`` (``--seeds``, default 10):

1. one stratified 50/50 outer split,
   ``train_test_split(X, y, test_size=0.5, stratify=y, random_state=s)``;
2. every method wraps ``make_pipeline(StandardScaler(),
   LogisticRegression(max_iter=1000))`` and is fitted on the training half;
   the tuned ones use ``StratifiedKFold(5, shuffle=True, random_state=s)``;
3. the test half is scored once with macro F1 and balanced accuracy.

Methods:

- argmax: the pipeline's own ``predict``;
- prior rule: ``argmax_k p_k / prior_k`` (``ThresholdedClassifier(...,
  scoring="balanced_accuracy", threshold="bayes")``), no tuning;
- ours: ``ThresholdedClassifier(..., scoring=S)``, tuned for the objective
  ``S`` the column reports (``"f1_macro"`` or ``"balanced_accuracy"``);
- OvR: ``OneVsRestClassifier(ThresholdedClassifier(..., scoring=B))`` with the
  binary objective ``B`` (``"f1"`` or ``"balanced_accuracy"``): a threshold
  per class, settled by the argmax of the per-class margins.

Data sets, all imbalanced, none downloaded:

- synthetic 3: ``make_classification(n_samples=3000, n_classes=3,
  n_informative=4, weights=[0.75, 0.2, 0.05], class_sep=0.8, random_state=0)``;
- synthetic 5: ``make_classification(n_samples=5000, n_classes=5,
  n_informative=6, weights`` geometric from 1 to 1/10 (ratio 10)``,
  class_sep=0.7, random_state=1)``;
- digits: ``load_digits``, class ``k`` subsampled to ``174 / 10**(k / 9)``
  rows (174 down to 17: ratio 10.2), seeded;
- wine: ``load_wine``, classes subsampled to 59, 30 and 12 rows (ratio 5);
- iris: ``load_iris``, classes subsampled to 50, 20 and 10 rows (ratio 5).

One markdown table per objective: the mean test score of argmax, then for each
other method the mean paired difference from argmax with its standard error,
and the runs (of all seeds) better / worse than argmax; for ours also the
rule it kept (tuned, argmax or prior, see ``decision_rule_``). The last rows
average over data sets.

Run from the repository root::

    python benchmarks/bench_multiclass.py --n-jobs 2          # 10 seeds
    python benchmarks/bench_multiclass.py --seeds 2 --only wine
"""

import argparse
import collections
import platform
import time
import warnings

import numpy as np
import sklearn
from sklearn.datasets import load_digits, load_iris, load_wine, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.parallel import Parallel, delayed

import threshold_estimator
from threshold_estimator import ThresholdedClassifier, ThresholdWarning

OBJECTIVES = {
    "f1_macro": ("f1", lambda y, p: f1_score(y, p, average="macro")),
    "balanced_accuracy": ("balanced_accuracy", balanced_accuracy_score),
}
METHODS = ("prior rule", "ours", "OvR")
# Differences closer than this count as a tie.
TIE_TOL = 1e-12


def subsample(X, y, sizes, seed=0):
    """Keep ``sizes[k]`` rows of class ``k``, chosen at random."""
    rng = np.random.default_rng(seed)
    keep = np.concatenate(
        [
            rng.choice(np.flatnonzero(y == label), size, replace=False)
            for label, size in enumerate(sizes)
        ]
    )
    return X[np.sort(keep)], y[np.sort(keep)]


def synthetic_3():
    return make_classification(
        n_samples=3000,
        n_classes=3,
        n_informative=4,
        weights=[0.75, 0.2, 0.05],
        class_sep=0.8,
        random_state=0,
    )


def synthetic_5():
    weights = 10 ** -np.linspace(0, 1, 5)
    return make_classification(
        n_samples=5000,
        n_classes=5,
        n_informative=6,
        weights=list(weights / weights.sum()),
        class_sep=0.7,
        random_state=1,
    )


def digits():
    X, y = load_digits(return_X_y=True)
    sizes = np.round(174 / 10 ** (np.arange(10) / 9)).astype(int)
    return subsample(X, y, sizes)


def wine():
    X, y = load_wine(return_X_y=True)
    return subsample(X, y, [59, 30, 12])


def iris():
    X, y = load_iris(return_X_y=True)
    return subsample(X, y, [50, 20, 10])


DATASETS = {
    "synthetic 3": synthetic_3,
    "synthetic 5": synthetic_5,
    "digits": digits,
    "wine": wine,
    "iris": iris,
}


def model():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def one_split(name, seed):
    """Test scores per (objective, method) on one outer split, and rules kept."""
    X, y = DATASETS[name]()
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=seed
    )
    inner = StratifiedKFold(5, shuffle=True, random_state=seed)
    scores, kept = {}, {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ThresholdWarning)
        argmax = model().fit(X_train, y_train).predict(X_test)
        prior = ThresholdedClassifier(
            model(), scoring="balanced_accuracy", threshold="bayes"
        ).fit(X_train, y_train)
        prior = prior.predict(X_test)
        for objective, (binary, metric) in OBJECTIVES.items():
            ours = ThresholdedClassifier(
                model(), scoring=objective, cv=inner, random_state=seed
            ).fit(X_train, y_train)
            ovr = OneVsRestClassifier(
                ThresholdedClassifier(model(), scoring=binary, cv=inner)
            ).fit(X_train, y_train)
            predictions = {
                "argmax": argmax,
                "prior rule": prior,
                "ours": ours.predict(X_test),
                "OvR": ovr.predict(X_test),
            }
            for method, y_pred in predictions.items():
                scores[objective, method] = metric(y_test, y_pred)
            kept[objective] = ours.decision_rule_
    return scores, kept


def run(names, n_seeds, n_jobs):
    jobs = [(name, seed) for name in names for seed in range(n_seeds)]
    results = Parallel(n_jobs=n_jobs)(delayed(one_split)(*job) for job in jobs)
    scores = collections.defaultdict(list)
    kept = collections.defaultdict(collections.Counter)
    for (name, _), (split_scores, split_kept) in zip(jobs, results, strict=True):
        for (objective, method), score in split_scores.items():
            scores[name, objective, method].append(score)
        for objective, rule in split_kept.items():
            kept[name, objective][rule] += 1
    return scores, kept


def markdown_table(objective, names, scores, kept):
    lines = [
        "| data set | classes | ratio | argmax "
        + "".join(f"| {m} - argmax | better/worse " for m in METHODS)
        + "| ours kept |",
        "|---|---:|---:|---:|" + "---:|---:|" * len(METHODS) + "---|",
    ]
    means = collections.defaultdict(list)
    totals = collections.defaultdict(lambda: np.zeros(2, dtype=int))
    for name in names:
        _, y = DATASETS[name]()
        counts = np.bincount(y)
        base = np.array(scores[name, objective, "argmax"])
        means["argmax"].append(base.mean())
        cells = []
        for method in METHODS:
            diff = np.array(scores[name, objective, method]) - base
            se = diff.std(ddof=1) / np.sqrt(diff.size) if diff.size > 1 else np.nan
            better = int((diff > TIE_TOL).sum())
            worse = int((diff < -TIE_TOL).sum())
            totals[method] += (better, worse)
            means[method].append(diff.mean())
            cells.append(f"{diff.mean():+.4f} ({se:.4f}) | {better}/{worse}")
        rules = ", ".join(f"{r} {c}" for r, c in sorted(kept[name, objective].items()))
        lines.append(
            f"| {name} | {counts.size} | {counts.max() / counts.min():.1f} | "
            f"{base.mean():.4f} | " + " | ".join(cells) + f" | {rules} |"
        )
    lines.append(
        f"| **mean over {len(names)} data sets** | | | "
        f"{np.mean(means['argmax']):.4f} | "
        + " | ".join(
            f"{np.mean(means[m]):+.4f} | {totals[m][0]}/{totals[m][1]}" for m in METHODS
        )
        + " | |"
    )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seeds", type=int, default=10, help="outer splits, seeds 0..N-1"
    )
    parser.add_argument(
        "--only", nargs="+", choices=list(DATASETS), metavar="NAME", help="data sets"
    )
    parser.add_argument("--n-jobs", type=int, default=1, help="processes")
    args = parser.parse_args(argv)
    if args.seeds < 2:
        parser.error("--seeds must be at least 2 (for standard errors)")
    names = args.only or list(DATASETS)
    start = time.perf_counter()
    scores, kept = run(names, args.seeds, args.n_jobs)
    print(
        f"threshold_estimator {threshold_estimator.__version__}, scikit-learn "
        f"{sklearn.__version__}, numpy {np.__version__}, Python "
        f"{platform.python_version()}; {args.seeds} outer 50/50 splits, 5 inner "
        f"stratified folds; {time.perf_counter() - start:.0f} s. Mean paired "
        "difference of test scores from argmax over the seeds (standard error); "
        "better/worse: runs above/below argmax."
    )
    for objective in OBJECTIVES:
        print(f"\n### test {objective}, ours tuned for {objective}\n")
        print(markdown_table(objective, names, scores, kept))


if __name__ == "__main__":
    main()
