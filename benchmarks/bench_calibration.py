"""Calibration quality of ThresholdedClassifier against CalibratedClassifierCV.

``ThresholdedClassifier(model, calibration=m)`` fits its calibration map on
the pooled out-of-fold scores it tunes the threshold on: the model is fitted
5 times for the folds and once on all the data. So is
``CalibratedClassifierCV(model, method=m, cv=5, ensemble=False)``; but
calibrating with it and then tuning a threshold on top fits the calibrated
model once per tuning fold and once more, 6 x 6 = 36 model fits. Are our
calibrated probabilities as good?

For each case and seed ``s`` (``--seeds``, default 20):

1. one stratified 50/50 split, ``train_test_split(X, y, test_size=0.5,
   stratify=y, random_state=s)``;
2. both get the same inner splitter ``StratifiedKFold(5, shuffle=True,
   random_state=s)`` and a model seeded with ``s``, and are fitted on the
   training half: ``ThresholdedClassifier(model, scoring=S, cv=splitter,
   calibration=m, random_state=s)`` with ``S`` "f1" (two classes) or
   "f1_macro", and ``CalibratedClassifierCV(model, method=m, cv=splitter,
   ensemble=False)``; ``ThresholdedClassifier`` also with
   ``calibration=None``, for the model's own probabilities and the F1 of the
   rule tuned on them;
3. on the test half: the expected calibration error of each
   ``predict_proba``, and the F1 (macro F1 for more classes) of each of our
   tuned rules.

ECE, ``sum_b n_b / n * |mean probability_b - mean outcome_b|``, with 15
bins: two classes, of the positive class's probability, in 15 equal-width
bins of [0, 1] (the reported one) and in 15 equal-mass bins (the test rows
sorted by the probability, ties in a stable order, cut into 15 runs of equal
count); more classes, top-label (the largest probability against whether its
class is right) in 15 equal-width bins (the reported one), in 15 equal-mass
bins, and classwise (each class's probability against its indicator, 15
equal-width bins, averaged over classes).

Cases, all on data that ships with scikit-learn (nothing downloaded):

- an overconfident network, ``MLPClassifier((100,), alpha=0,
  solver="lbfgs", max_iter=1000)`` (no regularisation: it fits the training
  rows exactly), on ``load_digits`` (pixels scaled to [0, 1]) as "8 or 9 vs
  rest" (20% positives) and as 10 classes;
- ``GaussianNB()`` on ``load_breast_cancer`` and on the 10 digits;
- ``HistGradientBoostingClassifier()`` on the digits "8 or 9 vs rest";
- ``make_pipeline(StandardScaler(), LinearSVC())`` on the breast cancer
  data, through ``decision_function`` (it has no probabilities).

Methods: "sigmoid" and "isotonic"; "temperature" too for 10 classes.

Model fits are counted by a subclass of each model whose ``fit`` counts its
calls. The calibrate-then-tune pipeline,
``ThresholdedClassifier(CalibratedClassifierCV(model, method=m,
cv=splitter, ensemble=False), scoring=S, cv=splitter)``, is only counted and
timed, on the first ``--tuner-seeds`` seeds (default 2).

Markdown tables: mean ECE (standard error over seeds) of the model's own
probabilities, ours and CalibratedClassifierCV's, the mean paired difference
ours - CalibratedClassifierCV and whether it meets ``<= +0.005``; the fits
and mean seconds per fit; the test F1 of the rule tuned without calibration
and the paired differences with each calibration.

BLAS runs on one thread: on a shared machine, two threads made an
``MLPClassifier`` fit fifty times slower.

Run from the repository root (about 7 minutes on 2 cores)::

    PYTHONPATH=$PWD python benchmarks/bench_calibration.py
    PYTHONPATH=$PWD python benchmarks/bench_calibration.py --seeds 2 --tuner-seeds 0
"""

import argparse
import datetime
import os
import platform
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.naive_bayes import GaussianNB
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

import threshold_estimator
from threshold_estimator import ThresholdedClassifier, ThresholdWarning

N_BINS = 15
TOLERANCE = 0.005
FRONT_ENDS = ("ours", "CalibratedClassifierCV", "CCV then tuner")

#: Calls to a counted model's fit.
FIT_CALLS = [0]
_COUNTED = {}


def counted(model):
    """``model`` as an instance of a subclass whose ``fit`` counts its calls.

    ``clone`` keeps the subclass, so every copy a front end fits is counted.
    """
    base = type(model)
    if base not in _COUNTED:

        def fit(self, *args, **kwargs):
            FIT_CALLS[0] += 1
            return base.fit(self, *args, **kwargs)

        _COUNTED[base] = type(base.__name__, (base,), {"fit": fit})
    return _COUNTED[base](**model.get_params(deep=False))


def mlp(seed):
    return counted(
        MLPClassifier(
            (100,), alpha=0.0, solver="lbfgs", max_iter=1000, random_state=seed
        )
    )


def naive_bayes(seed):
    return counted(GaussianNB())


def boosting(seed):
    return counted(HistGradientBoostingClassifier(random_state=seed))


def linear_svc(seed):
    return make_pipeline(StandardScaler(), counted(LinearSVC(random_state=seed)))


def load_data():
    X_digits, digit = load_digits(return_X_y=True)
    X_digits = X_digits / 16
    X_cancer, y_cancer = load_breast_cancer(return_X_y=True)
    return {
        "digits 8 or 9 vs rest": (X_digits, (digit >= 8).astype(int)),
        "digits, 10 classes": (X_digits, digit),
        "breast cancer": (X_cancer, y_cancer),
    }


CASES = {
    "MLP, digits 8 or 9 vs rest": (mlp, "digits 8 or 9 vs rest"),
    "MLP, digits 10 classes": (mlp, "digits, 10 classes"),
    "GaussianNB, breast cancer": (naive_bayes, "breast cancer"),
    "GaussianNB, digits 10 classes": (naive_bayes, "digits, 10 classes"),
    "HistGradientBoosting, digits 8 or 9 vs rest": (
        boosting,
        "digits 8 or 9 vs rest",
    ),
    "LinearSVC (decision_function), breast cancer": (linear_svc, "breast cancer"),
}


def calibration_error(proba, truth, binning="width"):
    """ECE of probabilities ``proba`` of outcomes ``truth`` (0 or 1)."""
    n = proba.size
    if binning == "width":
        bins = np.minimum((proba * N_BINS).astype(int), N_BINS - 1)
    else:
        bins = np.empty(n, dtype=int)
        bins[np.argsort(proba, kind="stable")] = np.arange(n) * N_BINS // n
    predicted = np.bincount(bins, weights=proba, minlength=N_BINS)
    observed = np.bincount(bins, weights=truth.astype(float), minlength=N_BINS)
    return np.abs(predicted - observed).sum() / n


def calibration_errors(proba, y, classes):
    """Each ECE of ``proba`` on labels ``y``: the reported one first."""
    if classes.size == 2:
        positive = y == classes[1]
        return {
            "equal-width": calibration_error(proba[:, 1], positive),
            "equal-mass": calibration_error(proba[:, 1], positive, "mass"),
        }
    top = proba.max(axis=1)
    right = classes[proba.argmax(axis=1)] == y
    classwise = np.mean(
        [calibration_error(proba[:, k], y == c) for k, c in enumerate(classes)]
    )
    return {
        "top-label equal-width": calibration_error(top, right),
        "top-label equal-mass": calibration_error(top, right, "mass"),
        "classwise equal-width": classwise,
    }


def timed_fit(estimator, X, y):
    FIT_CALLS[0] = 0
    start = time.perf_counter()
    estimator.fit(X, y)
    return estimator, FIT_CALLS[0], time.perf_counter() - start


def methods_of(classes):
    return ("sigmoid", "isotonic") + (("temperature",) if classes.size > 2 else ())


def test_f1(y, predicted, classes):
    if classes.size == 2:
        return f1_score(y, predicted, pos_label=classes[1])
    return f1_score(y, predicted, average="macro")


def one_split(make_model, X, y, seed, with_tuner):
    """Every measure of one case on one outer split."""
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=seed
    )
    classes = np.unique(y)
    scoring = "f1" if classes.size == 2 else "f1_macro"
    splitter = StratifiedKFold(5, shuffle=True, random_state=seed)

    def ours(method):
        return ThresholdedClassifier(
            make_model(seed),
            scoring=scoring,
            cv=splitter,
            calibration=method,
            random_state=seed,
            n_jobs=1,
        )

    def reference(method):
        return CalibratedClassifierCV(
            make_model(seed), method=method, cv=splitter, ensemble=False
        )

    found = {}
    plain, fits, seconds = timed_fit(ours(None), X_train, y_train)
    found["none"] = {
        "f1": test_f1(y_test, plain.predict(X_test), classes),
        "fits": fits,
        "seconds": seconds,
    }
    if hasattr(plain, "predict_proba"):
        found["none"]["ece"] = calibration_errors(
            plain.predict_proba(X_test), y_test, classes
        )
    for method in methods_of(classes):
        record = {}
        clf, record["ours fits"], record["ours seconds"] = timed_fit(
            ours(method), X_train, y_train
        )
        (
            ccv,
            record["CalibratedClassifierCV fits"],
            record["CalibratedClassifierCV seconds"],
        ) = timed_fit(reference(method), X_train, y_train)
        record["ours ece"] = calibration_errors(
            clf.predict_proba(X_test), y_test, classes
        )
        record["CalibratedClassifierCV ece"] = calibration_errors(
            ccv.predict_proba(X_test), y_test, classes
        )
        record["f1"] = test_f1(y_test, clf.predict(X_test), classes)
        if with_tuner:
            tuner = ThresholdedClassifier(
                reference(method), scoring=scoring, cv=splitter, random_state=seed
            )
            _, record["CCV then tuner fits"], record["CCV then tuner seconds"] = (
                timed_fit(tuner, X_train, y_train)
            )
        found[method] = record
    return found


def mean_se(values):
    values = np.asarray(values, dtype=np.float64)
    if values.size < 2:
        return values.mean(), np.nan
    return values.mean(), values.std(ddof=1) / np.sqrt(values.size)


def format_mean(values, digits=3, sign=""):
    mean, se = mean_se(values)
    return f"{mean:{sign}.{digits}f} ({se:.{digits}f})"


def print_ece_table(results):
    print(
        "| case | method | ECE: model's own | ours | CalibratedClassifierCV | "
        f"ours - CCV | within +{TOLERANCE} | ours - CCV, other ECEs |"
    )
    print("|---|---|---:|---:|---:|---:|---|---|")
    for case, runs in results.items():
        for method in [m for m in runs[0] if m != "none"]:
            kinds = list(runs[0][method]["ours ece"])

            def ece(front_end, kind, method=method, runs=runs):
                return np.array([run[method][f"{front_end} ece"][kind] for run in runs])

            reported = kinds[0]
            ours, reference = (
                ece("ours", reported),
                ece("CalibratedClassifierCV", reported),
            )
            difference = ours - reference
            own = (
                format_mean([run["none"]["ece"][reported] for run in runs])
                if "ece" in runs[0]["none"]
                else "-"
            )
            others = "; ".join(
                f"{kind}: "
                + format_mean(
                    ece("ours", kind) - ece("CalibratedClassifierCV", kind), 4, "+"
                )
                for kind in kinds[1:]
            )
            meets = "yes" if difference.mean() <= TOLERANCE else "no"
            print(
                f"| {case} | {method} | {own} | {format_mean(ours)} | "
                f"{format_mean(reference)} | {format_mean(difference, 4, '+')} | "
                f"{meets} | {others} |"
            )


def print_cost_table(results):
    print(
        "| case | method | fits: ours, CCV, CCV then tuner | "
        "seconds per fit call: ours (no calibration), ours, CCV, CCV then tuner |"
    )
    print("|---|---|---|---|")
    for case, runs in results.items():
        plain = np.mean([run["none"]["seconds"] for run in runs])
        for method in [m for m in runs[0] if m != "none"]:
            fits, seconds = [], []
            for front_end in FRONT_ENDS:
                counts = [
                    run[method][f"{front_end} fits"]
                    for run in runs
                    if f"{front_end} fits" in run[method]
                ]
                times = [
                    run[method][f"{front_end} seconds"]
                    for run in runs
                    if f"{front_end} seconds" in run[method]
                ]
                fits.append("/".join(str(c) for c in sorted(set(counts))) or "-")
                seconds.append(f"{np.mean(times):.2f}" if times else "-")
            print(
                f"| {case} | {method} | {', '.join(fits)} | "
                f"{plain:.2f}, {', '.join(seconds)} |"
            )


def print_f1_table(results):
    methods = ("sigmoid", "isotonic", "temperature")
    print(
        "| case | F1, no calibration | "
        + " | ".join(f"{m} - none" for m in methods)
        + " |"
    )
    print("|---|---:|" + "---:|" * len(methods))
    for case, runs in results.items():
        plain = np.array([run["none"]["f1"] for run in runs])
        cells = [
            format_mean(np.array([run[m]["f1"] for run in runs]) - plain, sign="+")
            if m in runs[0]
            else "-"
            for m in methods
        ]
        print(f"| {case} | {format_mean(plain)} | " + " | ".join(cells) + " |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument(
        "--tuner-seeds",
        type=int,
        default=2,
        help="seeds on which calibrate-then-tune is counted and timed",
    )
    parser.add_argument(
        "--only", nargs="+", choices=list(CASES), metavar="CASE", default=list(CASES)
    )
    args = parser.parse_args(argv)
    # Fragility warnings and LinearSVC's convergence are not the subject here.
    warnings.simplefilter("ignore", ThresholdWarning)
    warnings.simplefilter("ignore", ConvergenceWarning)
    data = load_data()
    start = time.perf_counter()
    with threadpool_limits(1):
        results = {
            case: [
                one_split(
                    CASES[case][0],
                    *data[CASES[case][1]],
                    seed,
                    with_tuner=seed < args.tuner_seeds,
                )
                for seed in range(args.seeds)
            ]
            for case in args.only
        }
    print(
        f"Command: `PYTHONPATH=$PWD python {' '.join(sys.argv)}`; "
        f"{platform.platform()}, {os.cpu_count()} CPUs, "
        f"{datetime.date.today().isoformat()}; threshold_estimator "
        f"{threshold_estimator.__version__}, scikit-learn {sklearn.__version__}, "
        f"numpy {np.__version__}; {args.seeds} seeds, 50/50 outer splits, 5 "
        f"stratified inner folds; {time.perf_counter() - start:.0f} s.\n"
    )
    print("### Expected calibration error on the test half\n")
    print_ece_table(results)
    print(
        "\nECE: mean (standard error over seeds); ours - CCV: mean paired "
        "difference. Reported: two classes, the positive class's probability "
        "in 15 equal-width bins; more classes, top-label in 15 equal-width "
        "bins. Other ECEs: equal-mass bins (15 runs of equal count) and, for "
        "more classes, classwise (15 equal-width bins, mean over classes)."
    )
    print("\n### Model fits and wall time\n")
    print_cost_table(results)
    print(
        f"\nCCV then tuner: ThresholdedClassifier(CalibratedClassifierCV(...)), "
        f"counted and timed on the first {args.tuner_seeds} seeds."
    )
    print("\n### Test F1 of the tuned rule, by calibration\n")
    print_f1_table(results)
    print(
        "\nMean F1 (macro F1 for 10 classes) with no calibration (standard "
        "error); the others: mean paired difference from it."
    )


if __name__ == "__main__":
    main()
