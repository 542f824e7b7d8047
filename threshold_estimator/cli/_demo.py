"""``threshold-estimator demo``: the classic threshold-moving experiment."""

import sys
import time
import warnings

from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import get_scorer
from sklearn.model_selection import (
    StratifiedKFold,
    TunedThresholdClassifierCV,
    train_test_split,
)

from threshold_estimator import ThresholdedClassifier
from threshold_estimator.cli._files import InputError, one_line
from threshold_estimator.exceptions import ThresholdWarning


def demo_data(random_state=4):
    """The classic experiment's data: 10,000 rows, 1% positives, 2 features.

    Parameters
    ----------
    random_state : int, default=4
        Seed of ``make_classification``.

    Returns
    -------
    X : ndarray of shape (10000, 2)
    y : ndarray of shape (10000,)

    Examples
    --------
    >>> from threshold_estimator.cli import demo_data
    >>> X, y = demo_data()
    >>> print(X.shape, int(y.sum()))
    (10000, 2) 100
    """
    return make_classification(
        n_samples=10_000,
        n_features=2,
        n_redundant=0,
        n_clusters_per_class=1,
        weights=[0.99],
        flip_y=0,
        random_state=random_state,
    )


def run_demo(scoring="f1", n_folds=5, random_state=0, data_seed=4, out=None):
    """Run the side-by-side comparison and print its table.

    Parameters
    ----------
    scoring : str, default="f1"
        Objective, by a name both tuners accept.
    n_folds : int, default=5
        Internal folds, the same for both tuners.
    random_state : int, default=0
        Seed of the folds.
    data_seed : int, default=4
        Seed of the data and of the 50/50 split.
    out : file-like, default=None
        Where the table goes; ``None`` means standard output.

    Returns
    -------
    rows : list of dict
        One per method: ``method``, ``threshold``, ``test_score``,
        ``fit_seconds``, and, where the method has them, ``fold_thresholds``,
        ``summary`` and the ``warnings`` its fit raised.

    Examples
    --------
    >>> import io
    >>> from threshold_estimator.cli import run_demo
    >>> rows = run_demo(out=io.StringIO())
    >>> [row["method"] for row in rows]
    ['default 0.5', 'TunedThresholdClassifierCV', 'ThresholdedClassifier']
    >>> ours = rows[-1]
    >>> bool(ours["test_score"] >= rows[0]["test_score"])
    True
    """
    X, y = demo_data(data_seed)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=data_seed
    )
    folds = StratifiedKFold(n_folds, shuffle=True, random_state=random_state)
    scorer = get_scorer(scoring)
    methods = {
        "default 0.5": LogisticRegression(),
        "TunedThresholdClassifierCV": TunedThresholdClassifierCV(
            LogisticRegression(), scoring=scoring, cv=folds
        ),
        "ThresholdedClassifier": ThresholdedClassifier(
            LogisticRegression(), scoring=scoring, cv=folds
        ),
    }
    rows = []
    for name, model in methods.items():
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ThresholdWarning)
            model.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        rows.append(
            {
                "method": name,
                "threshold": getattr(
                    model, "decision_threshold_", getattr(model, "best_threshold_", 0.5)
                ),
                "fold_thresholds": getattr(model, "fold_thresholds_", None),
                "summary": model.summary() if hasattr(model, "summary") else None,
                "test_score": scorer(model, X_test, y_test),
                "fit_seconds": seconds,
                "warnings": [str(w.message) for w in caught],
            }
        )
    _print_table(rows, scoring, n_folds, int(y_train.sum()), out or sys.stdout)
    return rows


def _print_table(rows, scoring, n_folds, n_positive, out):
    print(
        "Threshold moving, 10,000 rows, 1% positives, logistic regression.\n"
        f"Tuned on the training half ({n_positive} positives, {n_folds} "
        f"stratified folds); {scoring} scored once on the test half.\n",
        file=out,
    )
    score = f"test {scoring}"
    width = max(12, len(score) + 2)
    header = f"{'method':<28}{'threshold':>10}{score:>{width}}{'fit s':>9}"
    print(header, file=out)
    print("-" * len(header), file=out)
    for row in rows:
        print(
            f"{row['method']:<28}{row['threshold']:>10.4f}"
            f"{row['test_score']:>{width}.4f}{row['fit_seconds']:>9.3f}",
            file=out,
        )
    ours = rows[-1]
    print("\nThresholdedClassifier.summary():", file=out)
    for line in ours["summary"].splitlines():
        print(f"  {line}", file=out)
    for message in ours["warnings"]:
        print(f"  warning: {message}", file=out)


def run(args):
    try:
        run_demo(scoring=args.scoring, n_folds=args.folds, random_state=args.seed)
    except (ValueError, TypeError) as exc:
        raise InputError(f"--scoring {args.scoring!r}: {one_line(exc)}") from None
    return 0
