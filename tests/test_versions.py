import copy
import pickle
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression

import threshold_estimator
from threshold_estimator import ThresholdedClassifier, tune_threshold
from threshold_estimator.exceptions import VersionMismatchWarning


@pytest.fixture
def models(binary_data):
    X, y = binary_data
    clf = ThresholdedClassifier(
        LogisticRegression(), scoring="f1", cv=3, random_state=0
    ).fit(X, y)
    tuned = tune_threshold(y, clf.predict_proba(X)[:, 1], n_resamples=0)
    return clf, tuned


def test_state_records_both_versions(models):
    for model in models:
        state = model.__getstate__()
        assert state["_threshold_estimator_version"] == threshold_estimator.__version__
        assert state["_sklearn_version"] == sklearn.__version__
        assert "_threshold_estimator_version" not in vars(model)


def test_same_versions_load_silently_without_the_stamp_in_the_object(models):
    clf, tuned = models
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        restored = [pickle.loads(pickle.dumps(model)) for model in models]
        copied = copy.copy(clf)
        shifted = clf.with_class_prior([0.5, 0.5])
    for model in [*restored, copied, shifted]:
        assert "_threshold_estimator_version" not in vars(model)
        assert "_sklearn_version" not in vars(model)
    assert restored[1].threshold == tuned.threshold


@pytest.mark.parametrize(
    "key, package", [("threshold_estimator", "0.0.9"), ("sklearn", "1.0.2")]
)
def test_another_version_warns_with_both_versions(models, monkeypatch, key, package):
    module = threshold_estimator if key == "threshold_estimator" else sklearn
    for model in models:
        with monkeypatch.context() as patch:
            patch.setattr(module, "__version__", package)
            saved = pickle.dumps(model)
        with pytest.warns(VersionMismatchWarning) as caught:
            pickle.loads(saved)
        mine = [w.message for w in caught if w.category is VersionMismatchWarning]
        assert len(mine) == 1
        warning = mine[0]
        assert warning.owner == type(model).__name__
        assert warning.installed == {
            "threshold-estimator": threshold_estimator.__version__,
            "scikit-learn": sklearn.__version__,
        }
        name = "threshold-estimator" if key == "threshold_estimator" else "scikit-learn"
        assert warning.saved[name] == package
        assert f"{name} {package}" in str(warning)
        assert f"{name} {warning.installed[name]}" in str(warning)


def test_a_state_without_versions_loads_and_says_they_are_unknown(models):
    _, tuned = models
    state = dict(vars(tuned))
    old = type(tuned).__new__(type(tuned))
    with pytest.warns(VersionMismatchWarning, match=r"\(version not recorded\)"):
        old.__setstate__(state)
    np.testing.assert_array_equal(old.predict([0.1, 0.9]), tuned.predict([0.1, 0.9]))
