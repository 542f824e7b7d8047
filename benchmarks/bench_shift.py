"""A threshold tuned at one class balance, deployed at another.

For each seed ``s`` (``--seeds``, default 20) and deployment rate ``r``
(``--rates``, default 5% and 20%):

1. training data: 20,000 samples at 1% positives; the classes are Gaussian
   in 6 dimensions, the positives' spread 1.5 times the negatives' (so a
   logistic regression is close to, not exactly, calibrated); their look is
   the same at every balance, only the balance shifts;
2. ``ThresholdedClassifier(LogisticRegression(), scoring="f1",
   random_state=s)`` is fitted on it;
3. two deployment samples of 20,000 at rate ``r``, one to tune the oracle
   and one to score every threshold on (F1 of its labels).

Thresholds compared, all on the same fitted model:

- stale: the one tuned at 1%;
- re-derived, true prior: ``clf.with_class_prior([1 - r, r])``;
- re-derived, EM prior: ``clf.with_class_prior(clf.estimate_class_prior(X))``
  with ``X`` the scoring sample's features (unlabelled);
- oracle: ``tune_threshold`` on the model's scores of the first deployment
  sample, with its labels.

A markdown table: mean test F1 (standard error over seeds) of each, and the
mean paired gain over stale. Then the held-out summary: its bytes after a fit
on 1e4 and 1e6 rows, and how far its re-derived threshold lies from the exact
one (``class_prior=`` at fit): the thresholds, the share of samples between
them and the F1 lost on a deployment sample.

Run: ``python benchmarks/bench_shift.py`` (about 3 minutes on 2 cores).
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from threshold_estimator import ThresholdedClassifier, ThresholdWarning, tune_threshold

N_FEATURES = 6


def draw(n, rate, rng):
    """Samples at a balance of ``rate`` positives; the classes' look is fixed."""
    y = (rng.random(n) < rate).astype(int)
    centre = np.r_[1.0, 0.8, 0.6, 0.4, 0.2, 0.0]
    X = rng.normal(size=(n, N_FEATURES)) * (1 + 0.5 * y[:, None]) + y[:, None] * centre
    return X, y


def one_run(seed, rates):
    rng = np.random.default_rng(seed)
    X, y = draw(20_000, 0.01, rng)
    clf = ThresholdedClassifier(
        LogisticRegression(), scoring="f1", random_state=seed
    ).fit(X, y)
    found = {}
    for rate in rates:
        X_tune, y_tune = draw(20_000, rate, rng)
        X_test, y_test = draw(20_000, rate, rng)
        p_test = clf.predict_proba(X_test)[:, 1]
        oracle = tune_threshold(
            y_tune, clf.predict_proba(X_tune)[:, 1], scoring="f1", n_resamples=0
        ).threshold
        estimated = clf.estimate_class_prior(X_test)
        thresholds = {
            "stale": clf.decision_threshold_,
            "re-derived, true prior": clf.with_class_prior(
                [1 - rate, rate]
            ).decision_threshold_,
            "re-derived, EM prior": clf.with_class_prior(estimated).decision_threshold_,
            "oracle": oracle,
        }
        found[rate] = {
            name: f1_score(y_test, p_test >= t) for name, t in thresholds.items()
        }
        found[rate]["EM estimate"] = estimated[1]
    return found


def shift_table(seeds, rates):
    runs = [one_run(seed, rates) for seed in range(seeds)]
    names = ["stale", "re-derived, true prior", "re-derived, EM prior", "oracle"]
    print(f"Tuned at 1% positives, F1 on deployment data; {seeds} seeds.\n")
    print("| deployed at | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for rate in rates:
        cells = []
        for name in names:
            values = np.array([run[rate][name] for run in runs])
            gain = values - np.array([run[rate]["stale"] for run in runs])
            cell = f"{values.mean():.3f} ({values.std(ddof=1) / np.sqrt(seeds):.3f})"
            if name != "stale":
                cell += (
                    f", {gain.mean():+.3f} ({gain.std(ddof=1) / np.sqrt(seeds):.3f})"
                )
            cells.append(cell)
        em = np.array([run[rate]["EM estimate"] for run in runs])
        print(
            f"| {rate:.0%} (EM: {em.mean():.3f} ± {em.std(ddof=1):.3f}) | "
            + " | ".join(cells)
            + " |"
        )
    print(
        "\nEach cell: mean F1 (standard error); after the comma, the mean paired "
        "gain over stale (standard error)."
    )


def summary_table(sizes, rate, seed=0):
    print(
        "\n| rows | summary points | summary bytes | threshold: summary | exact | "
        "samples between | F1 lost |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        rng = np.random.default_rng(seed)
        X, y = draw(n, 0.01, rng)
        start = time.perf_counter()
        clf = ThresholdedClassifier(
            LogisticRegression(), scoring="f1", random_state=seed
        ).fit(X, y)
        seconds = time.perf_counter() - start
        summary = clf.held_out_summary_
        nbytes = sum(summary[key].nbytes for key in ("scores", "class_index", "weight"))
        shifted = clf.with_class_prior([1 - rate, rate]).decision_threshold_
        exact = (
            ThresholdedClassifier(
                LogisticRegression(),
                scoring="f1",
                random_state=seed,
                class_prior=[1 - rate, rate],
            )
            .fit(X, y)
            .decision_threshold_
        )
        X_test, y_test = draw(200_000, rate, rng)
        p = clf.predict_proba(X_test)[:, 1]
        low, high = sorted([shifted, exact])
        between = np.mean((p >= low) & (p < high))
        lost = f1_score(y_test, p >= exact) - f1_score(y_test, p >= shifted)
        print(
            f"| {n:.0e} | {summary['weight'].size} | {nbytes:,} | {shifted:.5f} | "
            f"{exact:.5f} | {between:.3%} | {lost:+.4f} |"
        )
    print(
        f"\nRe-derived for {rate:.0%} positives from a fit at 1%; F1 lost: exact "
        "threshold's F1 minus the summary's, on 200,000 deployment samples "
        f"(fit of the largest: {seconds:.0f} s)."
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--rates", type=float, nargs="+", default=[0.05, 0.2])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    args = parser.parse_args()
    # Fragility warnings are the subject of other benchmarks.
    warnings.simplefilter("ignore", ThresholdWarning)
    shift_table(args.seeds, args.rates)
    summary_table(args.sizes, rate=args.rates[-1])


if __name__ == "__main__":
    main()
