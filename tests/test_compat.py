"""ThresholdedClassifier inside the scikit-learn toolbox and with other data."""

import io
import pickle

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from threshold_estimator import ThresholdedClassifier

FOLDS = StratifiedKFold(3, shuffle=True, random_state=0)


@pytest.fixture
def fitted(binary_data):
    X, y = binary_data
    return ThresholdedClassifier(LogisticRegression(), cv=FOLDS).fit(X, y), X


def test_works_as_a_pipeline_step(binary_data):
    X, y = binary_data
    pipe = make_pipeline(StandardScaler(), ThresholdedClassifier(LogisticRegression()))
    pipe.fit(X, y)
    tuned = pipe[-1]
    proba = tuned.predict_proba(pipe[0].transform(X))[:, 1]
    np.testing.assert_array_equal(
        pipe.predict(X), (proba >= tuned.decision_threshold_).astype(int)
    )


def test_wraps_a_pipeline(binary_data):
    X, y = binary_data
    clf = ThresholdedClassifier(make_pipeline(StandardScaler(), LogisticRegression()))
    clf.fit(X, y)
    assert clf.n_features_in_ == X.shape[1]


def test_grid_search_over_nested_params_and_the_threshold(binary_data):
    X, y = binary_data
    search = GridSearchCV(
        ThresholdedClassifier(LogisticRegression(), cv=FOLDS),
        {"estimator__C": [0.01, 1.0], "threshold": ["auto", 0.2, 0.8]},
        scoring="balanced_accuracy",
        cv=3,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 6
    scores = search.cv_results_["mean_test_score"]
    assert np.unique(np.round(scores, 12)).size > 1
    best = search.best_estimator_
    if search.best_params_["threshold"] == "auto":
        assert best.aggregation_ == "pooled"
        assert best.fold_thresholds_.shape == (3,)
    else:
        assert best.decision_threshold_ == search.best_params_["threshold"]


def test_cross_val_score_reflects_the_tuned_threshold(binary_data):
    X, y = binary_data
    tuned = cross_val_score(
        ThresholdedClassifier(LogisticRegression(), scoring="f1", cv=FOLDS),
        X,
        y,
        scoring="f1",
        cv=3,
    )
    default = cross_val_score(LogisticRegression(), X, y, scoring="f1", cv=3)
    assert tuned.shape == (3,)
    assert tuned.mean() > default.mean()


def test_clone_gives_an_unfitted_copy_with_the_same_params(fitted):
    clf, _ = fitted
    copy = clone(clf)
    assert repr(copy) == repr(clf)
    assert not hasattr(copy, "decision_threshold_")


@pytest.mark.parametrize("dump, load", [("pickle", "pickle"), ("joblib", "joblib")])
def test_round_trip_keeps_predictions(fitted, dump, load):
    clf, X = fitted
    if dump == "pickle":
        restored = pickle.loads(pickle.dumps(clf))
    else:
        buffer = io.BytesIO()
        joblib.dump(clf, buffer)
        buffer.seek(0)
        restored = joblib.load(buffer)
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))
    np.testing.assert_array_equal(
        restored.decision_function(X), clf.decision_function(X)
    )
    assert restored.decision_threshold_ == clf.decision_threshold_


def test_skops_round_trip_keeps_predictions(binary_data):
    sio = pytest.importorskip("skops.io")
    from threshold_estimator.objectives import cost

    X, y = binary_data
    clf = ThresholdedClassifier(
        LogisticRegression(), scoring=cost(fp=1, fn=4), cv=3, random_state=0
    ).fit(X, y)
    data = sio.dumps(clf)
    untrusted = sio.get_untrusted_types(data=data)
    # Only this package's own types need the user's trust.
    assert all(name.startswith("threshold_estimator.") for name in untrusted)
    restored = sio.loads(data, trusted=untrusted)
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))
    assert restored.decision_threshold_ == clf.decision_threshold_


def test_pandas_frame_and_series(binary_data):
    pd = pytest.importorskip("pandas")
    X, y = binary_data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    labels = pd.Series(np.where(y == 1, "yes", "no"))
    clf = ThresholdedClassifier(LogisticRegression(), pos_label="yes", cv=FOLDS)
    clf.fit(frame, labels)
    assert list(clf.feature_names_in_) == list(frame.columns)
    assert set(clf.predict(frame)) == {"yes", "no"}
    numeric = ThresholdedClassifier(LogisticRegression(), cv=FOLDS).fit(X, y)
    assert clf.decision_threshold_ == pytest.approx(numeric.decision_threshold_)


def test_polars_frame(binary_data):
    pl = pytest.importorskip("polars")
    X, y = binary_data
    frame = pl.DataFrame({f"f{i}": X[:, i] for i in range(X.shape[1])})
    clf = ThresholdedClassifier(LogisticRegression(), cv=FOLDS).fit(frame, pl.Series(y))
    numeric = ThresholdedClassifier(LogisticRegression(), cv=FOLDS).fit(X, y)
    assert clf.decision_threshold_ == pytest.approx(numeric.decision_threshold_)
    np.testing.assert_array_equal(clf.predict(frame), numeric.predict(X))


def test_sparse_input(binary_data):
    X, y = binary_data
    dense = ThresholdedClassifier(LogisticRegression(), cv=FOLDS).fit(X, y)
    sparse = ThresholdedClassifier(LogisticRegression(), cv=FOLDS).fit(
        sp.csr_matrix(X), y
    )
    assert sparse.decision_threshold_ == pytest.approx(dense.decision_threshold_)
    np.testing.assert_array_equal(sparse.predict(sp.csr_matrix(X)), dense.predict(X))


def test_string_labels_and_pos_label_choice(binary_data):
    X, y = binary_data
    labels = np.array(["benign", "malignant"])[y]
    for pos in ("benign", "malignant"):
        clf = ThresholdedClassifier(
            LogisticRegression(), scoring="f1", pos_label=pos, cv=FOLDS
        ).fit(X, labels)
        proba = clf.predict_proba(X)[:, list(clf.classes_).index(pos)]
        np.testing.assert_array_equal(
            clf.predict(X) == pos, proba >= clf.decision_threshold_
        )


def test_same_result_for_any_n_jobs(binary_data):
    X, y = binary_data
    one = ThresholdedClassifier(LogisticRegression(), n_jobs=1, random_state=0)
    two = ThresholdedClassifier(LogisticRegression(), n_jobs=2, random_state=0)
    np.testing.assert_array_equal(
        one.fit(X, y).fold_thresholds_, two.fit(X, y).fold_thresholds_
    )
    assert one.decision_threshold_ == two.decision_threshold_


def test_user_estimator_and_arrays_are_not_mutated(binary_data):
    X, y = binary_data
    weight = np.linspace(1, 2, y.size)
    estimator = LogisticRegression(C=0.5)
    copies = X.copy(), y.copy(), weight.copy()
    params = estimator.get_params()
    ThresholdedClassifier(estimator, cv=FOLDS).fit(X, y, sample_weight=weight)
    assert estimator.get_params() == params
    assert not hasattr(estimator, "coef_")
    for before, after in zip(copies, (X, y, weight), strict=True):
        np.testing.assert_array_equal(before, after)


def test_frozen_estimator_is_used_as_it_is(binary_data):
    from sklearn.frozen import FrozenEstimator

    X, y = binary_data
    model = LogisticRegression().fit(X[:300], y[:300])
    clf = ThresholdedClassifier(FrozenEstimator(model), cv=FOLDS).fit(X[300:], y[300:])
    np.testing.assert_array_equal(clf.predict_proba(X), model.predict_proba(X))
