"""ONNX export: the graph's labels are predict's, its probabilities
predict_proba's, on data the classifier was not fitted on."""

import sys
import warnings

import numpy as np
import onnxruntime
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import (
    LogisticRegression,
    Perceptron,
    RidgeClassifier,
    RidgeClassifierCV,
    SGDClassifier,
)
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC, NuSVC
from sklearn.utils._param_validation import InvalidParameterError

from threshold_estimator import ThresholdedClassifier, ThresholdWarning
from threshold_estimator.objectives import cost_matrix
from threshold_estimator.persistence import to_onnx

# A row whose rule is decided by less than this may get the other class
# from float32 arithmetic; the test data must have none.
NEAR = 1e-6
# skl2onnx reads SVC's probA_ and probB_, which scikit-learn 1.9 deprecates.
READS_PROBA = pytest.mark.filterwarnings(
    "ignore:Attribute `prob[AB]_` was deprecated:FutureWarning"
)


def make_halves(n_classes=2, labels=None):
    """float32 samples, fitted on one half and compared on the other."""
    X, y = make_classification(
        n_samples=3000,
        n_features=8,
        n_informative=4,
        n_classes=n_classes,
        weights=[0.9] if n_classes == 2 else [0.6, 0.3, 0.1],
        flip_y=0.05,
        random_state=0,
    )
    if labels is not None:
        y = np.asarray(labels)[y]
    return train_test_split(
        X.astype(np.float32), y, test_size=0.5, stratify=y, random_state=0
    )


@pytest.fixture(scope="module")
def binary():
    return make_halves()


@pytest.fixture(scope="module")
def three_classes():
    return make_halves(n_classes=3)


def fit(estimator, X, y, **params):
    params = {"scoring": "f1", "random_state": 0, **params}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ThresholdWarning)
        return ThresholdedClassifier(estimator, **params).fit(X, y)


def run(onx, X):
    """The graph's ``label`` and ``probabilities`` outputs on ``X``."""
    session = onnxruntime.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    label, probabilities = session.run(None, {session.get_inputs()[0].name: X})
    return label, probabilities


def near_the_rule(clf, X):
    """Rows whose class the rule decides by less than ``NEAR``."""
    margin = clf.decision_function(X)
    if margin.ndim == 1:
        return np.abs(margin) < NEAR
    best, second = np.sort(margin, axis=1)[:, [-1, -2]].T
    return best - second < NEAR


def assert_labels_are_predict(clf, X, label):
    near = near_the_rule(clf, X)
    assert near.sum() == 0, "a row lies within 1e-6 of the rule"
    np.testing.assert_array_equal(label[~near], clf.predict(X)[~near])


def assert_probabilities_are_predict_proba(clf, X, probabilities):
    np.testing.assert_allclose(probabilities, clf.predict_proba(X), atol=1e-6)


def test_binary_labels_apply_the_tuned_threshold(binary):
    X_train, X_test, y_train, _ = binary
    clf = fit(LogisticRegression(), X_train, y_train)
    assert abs(clf.decision_threshold_ - 0.5) > 0.1
    label, probabilities = run(to_onnx(clf, X_train[:1]), X_test)
    assert_labels_are_predict(clf, X_test, label)
    # The threshold matters: at 0.5 these rows would get the other class.
    assert (label != clf.estimator_.predict(X_test)).sum() > 10
    assert_probabilities_are_predict_proba(clf, X_test, probabilities)


def test_multiclass_labels_apply_the_tuned_vector(three_classes):
    X_train, X_test, y_train, _ = three_classes
    clf = fit(LogisticRegression(), X_train, y_train, scoring="f1_macro")
    assert clf.decision_rule_ == "tuned"
    label, probabilities = run(to_onnx(clf, X_train[:1]), X_test)
    assert_labels_are_predict(clf, X_test, label)
    assert (label != clf.estimator_.predict(X_test)).sum() > 10
    assert_probabilities_are_predict_proba(clf, X_test, probabilities)


def test_multiclass_cost_matrix_rule_is_the_least_expected_cost(three_classes):
    X_train, X_test, y_train, _ = three_classes
    matrix = np.array([[0, 1, 4], [2, 0, 1], [9, 3, 0]])
    clf = fit(
        LogisticRegression(),
        X_train,
        y_train,
        scoring=cost_matrix(matrix),
        threshold="bayes",
    )
    assert clf.decision_threshold_ is None
    label, _ = run(to_onnx(clf, X_train[:1]), X_test)
    assert_labels_are_predict(clf, X_test, label)
    assert (label != clf.estimator_.predict(X_test)).sum() > 10


@pytest.mark.parametrize(
    "estimator",
    [
        make_pipeline(StandardScaler(), LogisticRegression()),
        RandomForestClassifier(n_estimators=20, random_state=0),
        HistGradientBoostingClassifier(max_iter=10, max_leaf_nodes=8, random_state=0),
    ],
    ids=["pipeline", "forest", "hgb"],
)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_inner_estimators_convert_with_the_rule(estimator, n_classes):
    X_train, X_test, y_train, _ = make_halves(n_classes)
    scoring = "f1" if n_classes == 2 else "f1_macro"
    clf = fit(estimator, X_train, y_train, scoring=scoring)
    label, probabilities = run(to_onnx(clf, X_train[:1]), X_test)
    assert_labels_are_predict(clf, X_test, label)
    assert_probabilities_are_predict_proba(clf, X_test, probabilities)


@pytest.mark.parametrize(
    "labels, pos_label",
    [
        # "churn" sorts first: pos_label_ is classes_[0].
        (["stay", "churn"], "churn"),
        (["a", "b", "c"], None),
        ([False, True], True),
        ([0.0, 1.0], 1.0),
    ],
)
def test_labels_are_the_classes(labels, pos_label):
    X_train, X_test, y_train, _ = make_halves(len(labels), labels)
    scoring = "f1" if len(labels) == 2 else "f1_macro"
    clf = fit(
        LogisticRegression(), X_train, y_train, scoring=scoring, pos_label=pos_label
    )
    label, _ = run(to_onnx(clf, X_train[:1]), X_test)
    assert_labels_are_predict(clf, X_test, label)


@pytest.mark.parametrize(
    "estimator",
    [
        LinearSVC(),
        RidgeClassifier(),
        RidgeClassifierCV(),
        SGDClassifier(random_state=0),
        Perceptron(random_state=0),
        pytest.param(SVC(), marks=READS_PROBA),
        pytest.param(NuSVC(nu=0.1), marks=READS_PROBA),
    ],
    ids=lambda estimator: type(estimator).__name__,
)
@pytest.mark.parametrize("pos_label", [0, 1])
def test_decision_function_threshold(binary, estimator, pos_label):
    X_train, X_test, y_train, _ = binary
    clf = fit(estimator, X_train, y_train, pos_label=pos_label)
    assert clf.response_method_ == "decision_function"
    label, _ = run(to_onnx(clf, X_train[:1]), X_test)
    assert_labels_are_predict(clf, X_test, label)


def test_decision_scores_are_the_probabilities_output(binary):
    X_train, X_test, y_train, _ = binary
    clf = fit(LinearSVC(), X_train, y_train)
    _, scores = run(to_onnx(clf, X_train[:1]), X_test)
    np.testing.assert_allclose(
        scores[:, 0], clf.estimator_.decision_function(X_test), rtol=1e-5, atol=1e-5
    )


def test_float64_samples_make_a_double_graph(binary):
    X_train, X_test, y_train, _ = binary
    clf = fit(make_pipeline(StandardScaler(), LogisticRegression()), X_train, y_train)
    X_test = X_test.astype(np.float64)
    label, probabilities = run(to_onnx(clf, X_test[:1]), X_test)
    assert probabilities.dtype == np.float64
    np.testing.assert_array_equal(label, clf.predict(X_test))
    np.testing.assert_allclose(probabilities, clf.predict_proba(X_test), atol=1e-12)


def test_target_opset_reaches_skl2onnx(binary):
    X_train, X_test, y_train, _ = binary
    clf = fit(LogisticRegression(), X_train, y_train)
    onx = to_onnx(clf, X_train[:1], target_opset=21)
    assert {o.domain: o.version for o in onx.opset_import}[""] == 21
    label, _ = run(onx, X_test)
    assert_labels_are_predict(clf, X_test, label)


def test_abstention_band_is_left_out(binary):
    X_train, X_test, y_train, _ = binary
    clf = fit(LogisticRegression(), X_train, y_train, abstention={"rate": 0.2})
    label, _ = run(to_onnx(clf, X_train[:1]), X_test)
    assert_labels_are_predict(clf, X_test, label)


def test_zipmap_option_gives_a_dictionary_per_sample(binary):
    X_train, X_test, y_train, _ = binary
    clf = fit(LogisticRegression(), X_train, y_train)
    label, probabilities = run(
        to_onnx(clf, X_train[:1], options={"zipmap": True}), X_test[:3]
    )
    assert_labels_are_predict(clf, X_test[:3], label)
    assert sorted(probabilities[0]) == [0, 1]


class _MarginOnly(LinearSVC):
    """A decision_function estimator whose converter's layout is unknown."""


class _NoConverter(LogisticRegression):
    """An estimator skl2onnx has no converter for."""


@pytest.mark.parametrize(
    "estimator, params, error, match",
    [
        (
            LogisticRegression(),
            {"response_method": "decision_function"},
            ValueError,
            "LogisticRegression, which also has predict_proba.*"
            "response_method='predict_proba'",
        ),
        (
            _MarginOnly(),
            {},
            ValueError,
            "decision_function of _MarginOnly.*not known here.*LinearSVC",
        ),
        (
            _NoConverter(),
            {},
            RuntimeError,
            "ThresholdedClassifier of a _NoConverter: Unable to find alias",
        ),
    ],
    ids=["proba-and-margin", "unknown-margin", "no-converter"],
)
def test_unexportable_models_are_refused(binary, estimator, params, error, match):
    X_train, _, y_train, _ = binary
    clf = fit(estimator, X_train, y_train, **params)
    with pytest.raises(error, match=match):
        to_onnx(clf, X_train[:1])


def test_unfitted_or_other_models_are_refused(binary):
    X_train, _, y_train, _ = binary
    with pytest.raises(NotFittedError):
        to_onnx(ThresholdedClassifier(LogisticRegression()), X_train[:1])
    with pytest.raises(InvalidParameterError, match="ThresholdedClassifier"):
        to_onnx(LogisticRegression().fit(X_train, y_train), X_train[:1])


def test_missing_skl2onnx_names_the_extra(binary, monkeypatch):
    X_train, _, y_train, _ = binary
    clf = fit(LogisticRegression(), X_train, y_train)
    monkeypatch.setitem(sys.modules, "skl2onnx", None)
    with pytest.raises(ImportError, match=r'pip install "threshold-estimator\[onnx\]"'):
        to_onnx(clf, X_train[:1])
