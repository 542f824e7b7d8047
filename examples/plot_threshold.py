"""Draw a tuned threshold: the fold curves, ROC and precision-recall points.

On the demo data (10,000 rows, 1% positives), tunes F1 on the training half
with 5 x 4 repeated stratified folds, prints the summary, and saves three
figures: the objective against the threshold for every fold with their mean
and the chosen threshold, and the ROC and precision-recall curves of the test
half with the chosen operating point.

Run it with ``python examples/plot_threshold.py [output folder]``; it needs
matplotlib (``pip install "threshold-estimator[plot]"``).
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import (  # noqa: E402
    RepeatedStratifiedKFold,
    train_test_split,
)

from threshold_estimator import ThresholdCurveDisplay, ThresholdedClassifier  # noqa: E402
from threshold_estimator.cli import demo_data  # noqa: E402


def main(out_dir="."):
    """Fit, print the summary, save the figures; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    X, y = demo_data()
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=4
    )
    clf = ThresholdedClassifier(
        LogisticRegression(),
        scoring="f1",
        cv=RepeatedStratifiedKFold(n_splits=5, n_repeats=4, random_state=0),
        store_cv_results=True,
    ).fit(X_train, y_train)
    print(clf.summary())
    paths = []
    for kind in ("objective", "roc", "precision_recall"):
        fig, ax = plt.subplots(figsize=(6, 4.5))
        if kind == "objective":
            ThresholdCurveDisplay.from_estimator(clf, ax=ax)
            ax.set_xlim(0, 1)
        else:
            ThresholdCurveDisplay.from_estimator(clf, X_test, y_test, kind=kind, ax=ax)
        data = "folds of the training half" if kind == "objective" else "test half"
        ax.set_title(f"{kind.replace('_', '-')}: demo data, {data}")
        path = out / f"threshold_{kind}.png"
        fig.savefig(path, dpi=100, bbox_inches="tight")
        plt.close(fig)
        paths.append(path)
    return paths


if __name__ == "__main__":
    for path in main(sys.argv[1] if len(sys.argv) > 1 else "."):
        print(f"saved {path}")
