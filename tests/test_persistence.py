import collections
import importlib
import inspect
import io
import re
import sys
import warnings
import zipfile

import joblib
import numpy as np
import pytest
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import fbeta_score, make_scorer
from sklearn.model_selection import StratifiedKFold
from sklearn.utils._param_validation import InvalidParameterError

import threshold_estimator
from threshold_estimator import (
    ThresholdedClassifier,
    ThresholdWarning,
    TunedThreshold,
    objectives,
    persistence,
    tune_threshold,
)
from threshold_estimator.exceptions import UntrustedTypeError, VersionMismatchWarning

skops_io = pytest.importorskip("skops.io")


class _ForeignClassifier(LogisticRegression):
    """A classifier of no trusted package, counting how often it is built."""

    built = 0

    def __setstate__(self, state):
        type(self).built += 1
        super().__setstate__(state)


def _net_gain(tn, fp, fn, tp):
    return 40 * tp - 5 * fp


def _name(obj):
    return f"{obj.__module__}.{obj.__qualname__}"


@pytest.fixture
def three_classes():
    return make_classification(
        n_samples=900,
        n_features=6,
        n_informative=4,
        n_classes=3,
        weights=[0.6, 0.3, 0.1],
        random_state=0,
    )


def _fit(X, y, **params):
    params = {"cv": 3, "random_state": 0, **params}
    estimator = params.pop("estimator", LogisticRegression())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ThresholdWarning)
        return ThresholdedClassifier(estimator, **params).fit(X, y)


def _round_trip(model, tmp_path, name="model.skops", **load_params):
    path = tmp_path / name
    persistence.dump(model, path)
    return persistence.load(path, **load_params)


def _assert_same_classifier(loaded, clf, X):
    assert type(loaded) is type(clf)
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(loaded.decision_function(X), clf.decision_function(X))
    np.testing.assert_array_equal(loaded.decision_threshold_, clf.decision_threshold_)
    assert loaded.decision_rule_ == clf.decision_rule_
    assert repr(loaded) == repr(clf)


BINARY_CASES = {
    "f1": {"scoring": "f1"},
    "cost": {"scoring": objectives.cost(fp=1, fn=10)},
    "constraint": {
        "scoring": objectives.constrained("recall", "precision", at_least=0.8)
    },
    "scorer": {"scoring": make_scorer(fbeta_score, beta=2)},
    "splitter": {"cv": StratifiedKFold(3, shuffle=True, random_state=0)},
    "abstention": {"scoring": "f1", "abstention": {"precision": 0.9}},
    "class prior": {"scoring": "f1", "class_prior": [0.6, 0.4]},
    "calibrated": {
        "estimator": CalibratedClassifierCV(LogisticRegression(), cv=3),
        "threshold": "bayes",
        "scoring": objectives.cost(fp=1, fn=5),
    },
}


@pytest.mark.parametrize("params", BINARY_CASES.values(), ids=BINARY_CASES)
def test_binary_model_loads_with_identical_predictions(binary_data, tmp_path, params):
    X, y = binary_data
    clf = _fit(X, y, **params)
    loaded = _round_trip(clf, tmp_path)
    _assert_same_classifier(loaded, clf, X)
    if hasattr(clf, "abstention_band_"):
        assert loaded.abstention_band_ == clf.abstention_band_
        labels, coverage = loaded.predict_with_abstention(X)
        expected, expected_coverage = clf.predict_with_abstention(X)
        np.testing.assert_array_equal(labels, expected)
        assert coverage == expected_coverage


@pytest.mark.parametrize(
    "params",
    [
        {"scoring": "f1_macro"},
        {
            "scoring": objectives.cost_matrix([[0, 1, 1], [5, 0, 1], [20, 5, 0]]),
            "threshold": "bayes",
        },
        {"scoring": objectives.cost_matrix([[0, 1, 1], [5, 0, 1], [20, 5, 0]])},
    ],
    ids=["f1_macro", "cost matrix bayes", "cost matrix tuned"],
)
def test_multiclass_model_loads_with_identical_predictions(
    three_classes, tmp_path, params
):
    X, y = three_classes
    clf = _fit(X, y, **params)
    loaded = _round_trip(clf, tmp_path)
    _assert_same_classifier(loaded, clf, X)
    assert loaded.objective_ == clf.objective_


def test_string_labels_and_a_class_prior_copy_load(binary_data, tmp_path):
    X, y = binary_data
    labels = np.where(y == 1, "fraud", "ok")
    clf = _fit(X, labels, scoring="f1", pos_label="fraud")
    shifted = clf.with_class_prior([0.6, 0.4])
    loaded = _round_trip(shifted, tmp_path)
    _assert_same_classifier(loaded, shifted, X)
    assert loaded.pos_label_ == "fraud"
    assert loaded.decision_threshold_ != clf.decision_threshold_


@pytest.mark.parametrize(
    "params",
    [
        {"scoring": "f1", "random_state": 0},
        {"scoring": objectives.cost(fp=1, fn=4), "abstention": {"rate": 0.1}},
        {"scoring": make_scorer(fbeta_score, beta=2), "n_resamples": 0},
    ],
    ids=["f1 with interval", "cost with band", "scorer"],
)
def test_tuned_threshold_loads_with_identical_predictions(
    binary_data, tmp_path, params
):
    X, y = binary_data
    scores = LogisticRegression().fit(X, y).predict_proba(X)[:, 1]
    tuned = tune_threshold(y, scores, **params)
    loaded = _round_trip(tuned, tmp_path, "threshold.skops")
    assert type(loaded) is TunedThreshold
    np.testing.assert_array_equal(loaded.predict(scores), tuned.predict(scores))
    assert (loaded.threshold, loaded.interval, loaded.band) == (
        tuned.threshold,
        tuned.interval,
        tuned.band,
    )
    np.testing.assert_array_equal(loaded.curve.scores, tuned.curve.scores)
    if tuned.band is not None:
        np.testing.assert_array_equal(
            loaded.predict_with_abstention(scores)[0],
            tuned.predict_with_abstention(scores)[0],
        )


def test_load_trusts_only_listed_names_never_everything(
    binary_data, tmp_path, monkeypatch
):
    X, y = binary_data
    clf = _fit(X, y, scoring=make_scorer(fbeta_score, beta=2))
    given = []
    real_loads = skops_io.loads

    def spying_loads(data, trusted=None):
        given.append(trusted)
        return real_loads(data, trusted=trusted)

    monkeypatch.setattr(skops_io, "loads", spying_loads)
    _round_trip(clf, tmp_path)
    (trusted,) = given
    assert isinstance(trusted, list) and trusted
    assert set(trusted) <= set(persistence.TRUSTED_TYPES)
    assert "sklearn.metrics._classification.fbeta_score" in trusted


@pytest.mark.parametrize(
    "objective",
    [
        objectives.fbeta(2),
        objectives.cost(fp=1, fn="amount"),
        objectives.cost_matrix([[0, 1], [10, 0]]),
        objectives.constrained("recall", "positive_rate", at_most=0.05),
    ],
)
def test_objectives_save_as_plain_trusted_types(tmp_path, objective):
    path = tmp_path / "objective.skops"
    persistence.dump(objective, path)
    found = skops_io.get_untrusted_types(file=path)
    assert found and set(found) <= set(persistence.TRUSTED_TYPES)
    assert all(name.startswith("threshold_estimator.objectives.") for name in found)
    assert not any(name.split(".")[-1].startswith("_") for name in found)
    assert persistence.load(path) == objective


def test_a_foreign_type_is_refused_by_name_before_it_is_built(binary_data, tmp_path):
    X, y = binary_data
    clf = _fit(X, y, estimator=_ForeignClassifier(), scoring="f1")
    path = tmp_path / "model.skops"
    persistence.dump(clf, path)
    name = _name(_ForeignClassifier)
    _ForeignClassifier.built = 0
    with pytest.raises(UntrustedTypeError) as refused:
        persistence.load(path)
    message = str(refused.value)
    assert refused.value.types == [name]
    assert persistence.refused_types(path) == [name]
    assert persistence.refused_types(path, trusted=[name]) == []
    assert f"[{name!r}]" in message
    assert f"trusted=[{name!r}]" in message
    assert "run their code" in message
    assert _ForeignClassifier.built == 0
    loaded = persistence.load(path, trusted=[name])
    assert _ForeignClassifier.built == 2  # estimator and estimator_
    _assert_same_classifier(loaded, clf, X)


def test_a_user_function_in_an_objective_must_be_trusted(binary_data, tmp_path):
    X, y = binary_data
    clf = _fit(X, y, scoring=objectives.from_counts(_net_gain))
    path = tmp_path / "model.skops"
    persistence.dump(clf, path)
    name = _name(_net_gain)
    with pytest.raises(
        TypeError, match=rf"holds types that load does not trust: \['{name}'\]"
    ):
        persistence.load(path)
    _assert_same_classifier(persistence.load(path, trusted=(name,)), clf, X)


def test_a_forest_needs_the_tree_type_trusted_as_skops_says(binary_data, tmp_path):
    X, y = binary_data
    clf = _fit(X, y, estimator=RandomForestClassifier(n_estimators=3, random_state=0))
    path = tmp_path / "forest.skops"
    persistence.dump(clf, path)
    with pytest.raises(TypeError, match=r"\['sklearn.tree._tree.Tree'\]"):
        persistence.load(path)
    loaded = persistence.load(path, trusted=["sklearn.tree._tree.Tree"])
    _assert_same_classifier(loaded, clf, X)


def test_another_packages_model_of_trusted_types_loads(binary_data, tmp_path):
    X, y = binary_data
    plain = LogisticRegression().fit(X, y)
    loaded = _round_trip(plain, tmp_path)
    assert type(loaded) is LogisticRegression
    np.testing.assert_array_equal(loaded.predict(X), plain.predict(X))


@pytest.mark.parametrize(
    "trusted, error, match",
    [
        ("tests.Foreign", InvalidParameterError, "'trusted' parameter of load"),
        (True, InvalidParameterError, "'trusted' parameter of load"),
        ([3], TypeError, "trusted holds 3, not the full name of a type"),
        (["Foreign"], TypeError, "trusted holds 'Foreign', not the full name"),
    ],
)
def test_trusted_must_list_full_type_names(tmp_path, trusted, error, match):
    path = tmp_path / "model.skops"
    persistence.dump(objectives.fbeta(2), path)
    with pytest.raises(error, match=match):
        persistence.load(path, trusted=trusted)


@pytest.mark.parametrize("suffix", [".joblib", ".pkl", ".PICKLE"])
def test_pickle_files_load_only_when_allowed(binary_data, tmp_path, suffix):
    X, y = binary_data
    clf = _fit(X, y, scoring="f1")
    path = tmp_path / f"model{suffix}"
    persistence.dump(clf, path)
    with pytest.raises(ValueError, match="runs any code it holds.*allow_pickle=True"):
        persistence.load(path)
    _assert_same_classifier(persistence.load(path, allow_pickle=True), clf, X)
    _assert_same_classifier(joblib.load(path), clf, X)


@pytest.mark.parametrize("name", ["model.json", "model", "model.skops.gz"])
def test_an_unknown_extension_lists_the_accepted_ones(tmp_path, name):
    for call in (
        lambda path: persistence.dump(objectives.fbeta(2), path),
        persistence.load,
    ):
        with pytest.raises(
            ValueError, match=r"use \.skops .*\.joblib, \.pkl, \.pickle"
        ):
            call(tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_a_pickle_under_a_skops_name_is_refused(tmp_path):
    path = tmp_path / "model.skops"
    joblib.dump(objectives.fbeta(2), path)
    with pytest.raises(ValueError, match="is not a skops file"):
        persistence.load(path)


class _Unsaveable:
    def __reduce__(self):
        raise RuntimeError("cannot be saved")


@pytest.mark.parametrize("name", ["model.skops", "model.joblib"])
def test_a_failed_dump_leaves_the_old_file_and_no_other(tmp_path, name):
    path = tmp_path / name
    persistence.dump(objectives.fbeta(2), path)
    before = path.read_bytes()
    with pytest.raises(Exception, match="cannot be saved"):
        persistence.dump({"model": _Unsaveable()}, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [name]
    persistence.dump(objectives.fbeta(3), path)
    assert path.read_bytes() != before
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_a_dumped_file_gets_the_permissions_of_a_new_file(tmp_path):
    reference = tmp_path / "reference"
    reference.write_bytes(b"")
    path = tmp_path / "model.skops"
    persistence.dump(objectives.fbeta(2), path)
    assert path.stat().st_mode == reference.stat().st_mode


def test_dump_says_what_is_wrong_with_the_place(tmp_path):
    with pytest.raises(FileNotFoundError, match="directory .*missing.* does not"):
        persistence.dump(objectives.fbeta(2), tmp_path / "missing" / "model.skops")
    folder = tmp_path / "folder.skops"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match="is a directory; give a file name"):
        persistence.dump(objectives.fbeta(2), folder)


def test_compression_makes_smaller_files_that_load_alike(binary_data, tmp_path):
    X, y = binary_data
    clf = _fit(X, y, scoring="f1")
    sizes = {}
    for level in (0, 9):
        path = tmp_path / f"model{level}.skops"
        persistence.dump(clf, path, compression=level)
        sizes[level] = path.stat().st_size
        _assert_same_classifier(persistence.load(path), clf, X)
    assert sizes[9] < sizes[0] / 2
    with pytest.raises(InvalidParameterError, match="'compression' parameter"):
        persistence.dump(clf, tmp_path / "model.skops", compression=10)


def test_missing_skops_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "skops", None)
    monkeypatch.setitem(sys.modules, "skops.io", None)
    extra = r'pip install "threshold-estimator\[skops\]"'
    with pytest.raises(ImportError, match=extra):
        persistence.dump(objectives.fbeta(2), tmp_path / "model.skops")
    with pytest.raises(ImportError, match=extra):
        persistence.load(tmp_path / "model.skops")
    persistence.dump(objectives.fbeta(2), tmp_path / "model.joblib")


def test_loading_a_file_of_another_version_warns_with_both(
    binary_data, tmp_path, monkeypatch
):
    X, y = binary_data
    clf = _fit(X, y, scoring="f1")
    path = tmp_path / "model.skops"
    with monkeypatch.context() as patch:
        patch.setattr(threshold_estimator, "__version__", "0.0.9")
        persistence.dump(clf, path)
    with pytest.warns(VersionMismatchWarning) as caught:
        loaded = persistence.load(path)
    (warning,) = [w.message for w in caught if w.category is VersionMismatchWarning]
    assert warning.saved == {
        "threshold-estimator": "0.0.9",
        "scikit-learn": sklearn.__version__,
    }
    assert f"threshold-estimator {threshold_estimator.__version__}" in str(warning)
    _assert_same_classifier(loaded, clf, X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        persistence.dump(clf, path)
        persistence.load(path)


def _stored_arrays(path):
    """Every array of a skops file, and every number of its schema."""
    with zipfile.ZipFile(path) as archive:
        arrays = [
            np.load(io.BytesIO(archive.read(name)), allow_pickle=False)
            for name in archive.namelist()
            if name.endswith(".npy")
        ]
        schema = archive.read("schema.json").decode()
    numbers = re.findall(r"-?\d+\.\d+(?:e[-+]?\d+)?", schema)
    return arrays, np.array(numbers, dtype=np.float64)


def _holds_any_row(path, X):
    arrays, numbers = _stored_arrays(path)
    values = X.ravel()
    return (
        any(array.shape[-2:] == X.shape[-2:] for array in arrays if array.ndim >= 2)
        or any(
            np.isin(array.ravel(), values).any()
            for array in arrays
            if array.dtype.kind == "f"
        )
        or np.isin(numbers, values).any()
    )


def test_the_file_holds_no_training_row(tmp_path):
    X, y = make_classification(
        n_samples=3000, n_features=8, weights=[0.7], random_state=0
    )
    clf = _fit(X, y, scoring="f1", abstention={"rate": 0.1}, store_cv_results=True)
    path = tmp_path / "model.skops"
    persistence.dump(clf, path)
    assert not _holds_any_row(path, X)
    # The check finds rows that are there: one stored row is enough.
    clf.leaked_ = X[1234].copy()
    persistence.dump(clf, path)
    assert _holds_any_row(path, X)
    clf.leaked_ = X
    persistence.dump(clf, path)
    assert _holds_any_row(path, X)


def test_file_size_does_not_grow_with_the_samples(tmp_path):
    sizes = []
    for n_samples in (10_000, 60_000):
        X, y = make_classification(
            n_samples=n_samples, n_features=20, weights=[0.6], random_state=0
        )
        path = tmp_path / f"model{n_samples}.skops"
        persistence.dump(_fit(X, y, scoring="f1", cv=5), path)
        sizes.append(path.stat().st_size)
    # Beyond 2000 held-out points per class, the summary stops growing.
    assert sizes[1] < 1.05 * sizes[0]
    assert sizes[1] < 100_000


@pytest.mark.parametrize("name", persistence.TRUSTED_TYPES)
def test_every_trusted_name_is_a_class_or_a_label_metric_here(name):
    module_name, _, attribute = name.rpartition(".")
    found = getattr(importlib.import_module(module_name), attribute, None)
    if name == "sklearn.compose._column_transformer._RemainderColsList":
        # Only scikit-learn 1.6 has it: a UserList.
        assert found is None or issubclass(found, collections.UserList)
        return
    if inspect.isfunction(found):
        assert module_name == "sklearn.metrics._classification"
        assert getattr(sklearn.metrics, attribute) is found
        return
    assert inspect.isclass(found)
    if module_name.startswith("threshold_estimator"):
        # A former name is trusted only with the type it names today.
        assert _name(found) in persistence.TRUSTED_TYPES
        assert not found.__name__.startswith("_")
