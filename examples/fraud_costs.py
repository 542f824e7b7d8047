"""Example-dependent costs: a missed fraud costs its amount.

A card issuer reviews flagged transactions at a fixed cost of 5 each; a fraud
that is not flagged costs the issuer its amount. Amounts are skewed: a few
large frauds matter more than many small ones, so the best threshold depends
on the amounts, not only on the class balance. ``cost(fp=5, tp=5,
fn="amount")`` (every flag is reviewed) reads the amounts passed to ``fit``
and tunes the threshold to the lowest expected cost on held-out folds.

Run it with ``python examples/fraud_costs.py``.
"""

import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from threshold_estimator import ThresholdedClassifier
from threshold_estimator.objectives import cost

REVIEW_COST = 5.0


def make_transactions(n_samples=20_000, random_state=0):
    """Transactions with 2% frauds and log-normal amounts, larger for frauds."""
    X, y = make_classification(
        n_samples=n_samples,
        n_features=10,
        n_informative=4,
        weights=[0.98],
        flip_y=0.01,
        class_sep=0.8,
        random_state=random_state,
    )
    rng = np.random.default_rng(random_state)
    amount = rng.lognormal(mean=np.where(y == 1, 4.5, 3.5), sigma=1.0)
    # The amount is known when the transaction is scored: it is a feature too.
    return np.c_[X, np.log(amount)], y, amount


def total_cost(y_true, flagged, amount):
    """Review fees for every flag plus the amount of every missed fraud."""
    return REVIEW_COST * flagged.sum() + amount[(y_true == 1) & ~flagged].sum()


def main(random_state=0, verbose=True):
    """Compare the 0.5 cut-off with the cost-tuned threshold on held-out data.

    Returns
    -------
    result : dict
        ``default_cost``, ``tuned_cost`` (on the test half) and ``threshold``.
    """
    X, y, amount = make_transactions(random_state=random_state)
    X_train, X_test, y_train, y_test, amount_train, amount_test = train_test_split(
        X, y, amount, test_size=0.5, stratify=y, random_state=random_state
    )
    model = make_pipeline(StandardScaler(), LogisticRegression())
    default = model.fit(X_train, y_train).predict(X_test) == 1
    tuned = ThresholdedClassifier(
        model,
        scoring=cost(fp=REVIEW_COST, tp=REVIEW_COST, fn="amount"),
        random_state=random_state,
    ).fit(X_train, y_train, amount=amount_train)
    flagged = tuned.predict(X_test) == 1
    result = {
        "default_cost": total_cost(y_test, default, amount_test),
        "tuned_cost": total_cost(y_test, flagged, amount_test),
        "threshold": tuned.decision_threshold_,
    }
    if verbose:
        print(f"test half: {y_test.size} transactions, {y_test.sum()} frauds")
        for name, flags, paid in (
            ("0.5 cut-off", default, result["default_cost"]),
            (f"tuned ({result['threshold']:.3f})", flagged, result["tuned_cost"]),
        ):
            print(f"{name:<16}{flags.sum():6d} flagged, cost {paid:10.0f}")
        saving = 1 - result["tuned_cost"] / result["default_cost"]
        print(f"saving: {saving:.1%}")
    return result


if __name__ == "__main__":
    main()
