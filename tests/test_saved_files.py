"""Model files written by release 0.1.0 still load and predict the same.

The files in ``tests/data`` were saved by threshold-estimator 0.1.0 (its
``ThresholdedClassifier`` with an abstention band, and a ``TunedThreshold``),
with what they predicted then in ``expected-0.1.0.json``. The classes they
record must stay importable from the paths they were saved under.
"""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import sklearn
from sklearn.exceptions import InconsistentVersionWarning
from sklearn.utils.fixes import parse_version

from threshold_estimator import ThresholdedClassifier, TunedThreshold
from threshold_estimator.exceptions import VersionMismatchWarning
from threshold_estimator.persistence import load

DATA = Path(__file__).resolve().parent / "data"

# The files hold scikit-learn 1.9.1's LogisticRegression, whose state an
# older scikit-learn cannot use (as with any scikit-learn model file).
pytestmark = pytest.mark.skipif(
    parse_version(sklearn.__version__) < parse_version("1.9.1"),
    reason="the files were saved with scikit-learn 1.9.1",
)
EXPECTED = json.loads((DATA / "expected-0.1.0.json").read_text())


def _load(name):
    # Under another scikit-learn the files warn that they were saved with
    # 1.9.1; what is checked here is that they still load and predict.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VersionMismatchWarning)
        warnings.simplefilter("ignore", InconsistentVersionWarning)
        return load(DATA / name, allow_pickle=name.endswith(".pkl"))


@pytest.mark.parametrize("suffix", ["skops", "pkl"])
def test_a_classifier_saved_by_0_1_0_loads_and_predicts_the_same(suffix):
    clf = _load(f"classifier-0.1.0.{suffix}")
    assert isinstance(clf, ThresholdedClassifier)
    X = np.array(EXPECTED["X"])
    assert clf.decision_threshold_ == EXPECTED["decision_threshold"]
    assert clf.predict(X).tolist() == EXPECTED["predict"]
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], EXPECTED["proba"])
    labels, coverage = clf.predict_with_abstention(X, marker=-1)
    assert set(labels.tolist()) <= {-1, 0, 1} and 0 < coverage <= 1
    # Fewer positives than in training: a higher threshold.
    shifted = clf.with_class_prior([0.95, 0.05])
    assert shifted.decision_threshold_ > clf.decision_threshold_ + 0.1


@pytest.mark.parametrize("suffix", ["skops", "pkl"])
def test_a_threshold_saved_by_0_1_0_loads_and_predicts_the_same(suffix):
    tuned = _load(f"threshold-0.1.0.{suffix}")
    assert isinstance(tuned, TunedThreshold)
    scores = np.array(EXPECTED["scores"])
    assert tuned.threshold == EXPECTED["threshold"]
    assert list(tuned.interval) == EXPECTED["interval"]
    assert list(tuned.band) == EXPECTED["band"]
    assert tuned.predict(scores).tolist() == EXPECTED["threshold_predict"]
    labels, _ = tuned.predict_with_abstention(scores, marker="?")
    assert "?" in labels.tolist()
