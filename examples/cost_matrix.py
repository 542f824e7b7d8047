"""Three classes with unequal costs: plain argmax, the Bayes rule, a tuned rule.

A triage model sorts cases into "routine", "urgent" and "critical" (70%, 22%
and 8% of them). Sending an urgent case to routine costs 5, a critical one to
routine 50 and to urgent 10; escalating a case one step too far costs 1 or 2.
``objectives.cost_matrix(C)``, with ``C[i, j]`` the cost of predicting class
``j`` for a case of class ``i``, turns that into an objective.

Three rules, on the same fitted model, scored by the mean cost per case on
held-out data, over 10 random 50/50 splits:

- plain argmax of the probabilities (the model's own ``predict``);
- the Bayes rule, ``argmin_j sum_k p_k C[k, j]``
  (``ThresholdedClassifier(threshold="bayes")``): optimal if the
  probabilities are calibrated, no tuning;
- the tuned rule ``argmax_k p_k / t_k`` (``threshold="auto"``), tuned on
  held-out probabilities in internal folds.

Both cut the cost far below plain argmax's. Which of the two is better
depends on the probabilities. A logistic regression's are close to
calibrated, and the Bayes rule, which assumes calibration, is clearly the
better one; it also chooses among rules no thresholds express, since these
costs depend on the predicted class as well as the true one. Gaussian naive
Bayes counts the five correlated features of this data as independent
evidence, so its probabilities are overconfident: there the tuned rule,
which assumes nothing of them, draws level with the Bayes rule (slightly
ahead, within the noise of 10 splits). The script prints the paired
difference with its standard error.

Run it with ``python examples/cost_matrix.py``.
"""

import warnings

import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB

from threshold_estimator import ThresholdedClassifier, ThresholdWarning
from threshold_estimator.objectives import cost_matrix

CLASSES = ["routine", "urgent", "critical"]
COSTS = np.array(
    [
        [0, 1, 2],  # a routine case predicted routine, urgent, critical
        [5, 0, 1],  # an urgent case
        [50, 10, 0],  # a critical case
    ]
)


def data():
    X, y = make_classification(
        n_samples=4000,
        n_features=10,
        n_informative=3,
        n_redundant=5,
        n_classes=3,
        weights=[0.7, 0.22, 0.08],
        class_sep=0.8,
        random_state=0,
    )
    return X, np.array(CLASSES)[y]


def mean_cost(y_true, y_pred):
    """Mean cost per case; labels in the order of CLASSES (sorted: see below)."""
    order = sorted(CLASSES)  # classes_ sorts the labels: critical, routine, urgent
    index = {label: CLASSES.index(label) for label in order}
    truth = np.array([index[label] for label in y_true])
    predicted = np.array([index[label] for label in y_pred])
    return COSTS[truth, predicted].mean()


def matrix_in_sorted_order():
    """COSTS with rows and columns in the sorted order of the labels."""
    order = [CLASSES.index(label) for label in sorted(CLASSES)]
    return COSTS[np.ix_(order, order)]


def main(n_splits=10, verbose=True):
    """Mean held-out cost of the three rules for two models.

    Returns
    -------
    result : dict
        Per model name and rule: the mean cost over the splits, and the
        paired difference from argmax with its standard error; under
        ``"tuned - Bayes"`` the paired difference of those two.
    """
    X, y = data()
    objective = cost_matrix(matrix_in_sorted_order())
    result = {}
    for name, model in (
        ("logistic regression", LogisticRegression()),
        ("Gaussian naive Bayes", GaussianNB()),
    ):
        costs = {"argmax": [], "Bayes rule": [], "tuned rule": []}
        for seed in range(n_splits):
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, test_size=0.5, stratify=y, random_state=seed
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ThresholdWarning)
                bayes = ThresholdedClassifier(
                    model, scoring=objective, threshold="bayes"
                ).fit(X_train, y_train)
                tuned = ThresholdedClassifier(
                    model, scoring=objective, random_state=seed
                ).fit(X_train, y_train)
            costs["argmax"].append(mean_cost(y_test, bayes.estimator_.predict(X_test)))
            costs["Bayes rule"].append(mean_cost(y_test, bayes.predict(X_test)))
            costs["tuned rule"].append(mean_cost(y_test, tuned.predict(X_test)))
        argmax = np.array(costs["argmax"])
        summary = {}
        for rule, values in costs.items():
            diff = np.array(values) - argmax
            summary[rule] = {
                "cost": float(np.mean(values)),
                "minus_argmax": float(diff.mean()),
                "se": float(diff.std(ddof=1) / np.sqrt(n_splits)),
            }
        tuned_minus_bayes = np.array(costs["tuned rule"]) - np.array(
            costs["Bayes rule"]
        )
        summary["tuned - Bayes"] = {
            "cost": float(tuned_minus_bayes.mean()),
            "se": float(tuned_minus_bayes.std(ddof=1) / np.sqrt(n_splits)),
        }
        result[name] = summary
        if verbose:
            print(f"\n{name}: mean cost per case on the test half, {n_splits} splits")
            for rule in ("argmax", "Bayes rule", "tuned rule"):
                row = summary[rule]
                change = (
                    ""
                    if rule == "argmax"
                    else f"  ({row['minus_argmax']:+.3f} +/- {row['se']:.3f} "
                    "against argmax)"
                )
                print(f"  {rule:<12}{row['cost']:.3f}{change}")
            paired = summary["tuned - Bayes"]
            print(
                f"  tuned - Bayes, paired: {paired['cost']:+.3f} +/- {paired['se']:.3f}"
            )
    return result


if __name__ == "__main__":
    main()
