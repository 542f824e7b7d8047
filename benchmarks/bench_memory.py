"""Size of a fitted ThresholdedClassifier beyond its base estimator.

Fits ``ThresholdedClassifier(LogisticRegression(), store_cv_results=True)``
on 1,000,000 x 2 samples (5 folds) and reports the pickled size of the whole
fitted object, of its ``estimator_`` alone, and of ``cv_results_``: the
difference is what tuning, the fold curves included, adds to the model file.

Run from the repository root::

    python benchmarks/bench_memory.py
"""

import argparse
import pickle
import warnings

from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from threshold_estimator import ThresholdedClassifier, ThresholdWarning


def main(n_samples):
    X, y = make_classification(
        n_samples=n_samples,
        n_features=2,
        n_informative=2,
        n_redundant=0,
        weights=[0.9],
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ThresholdWarning)
        clf = ThresholdedClassifier(
            LogisticRegression(), scoring="f1", store_cv_results=True, random_state=0
        ).fit(X, y)
    whole = len(pickle.dumps(clf))
    base = len(pickle.dumps(clf.estimator_))
    curves = len(pickle.dumps(clf.cv_results_))
    points = sum(t.size for t in clf.cv_results_["thresholds"])
    print(f"{n_samples:,} samples, 5 folds, {points:,} stored curve points\n")
    print("| pickled | bytes |")
    print("|---|---:|")
    print(f"| whole fitted ThresholdedClassifier | {whole:,} |")
    print(f"| its estimator_ | {base:,} |")
    print(f"| its cv_results_ | {curves:,} |")
    print(f"| whole minus estimator_ | {whole - base:,} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    main(parser.parse_args().samples)
