import collections
import importlib
import inspect
import io
import json
import re
import struct
import sys
import tracemalloc
import warnings
import zipfile

import joblib
import numpy as np
import pytest
import sklearn
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.impute import SimpleImputer
from sklearn.linear_model import (
    LogisticRegression,
    Perceptron,
    RidgeClassifier,
    RidgeClassifierCV,
    SGDClassifier,
)
from sklearn.metrics import fbeta_score, make_scorer
from sklearn.model_selection import StratifiedKFold
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    MaxAbsScaler,
    MinMaxScaler,
    OneHotEncoder,
    OrdinalEncoder,
    PolynomialFeatures,
    RobustScaler,
    StandardScaler,
)
from sklearn.svm import SVC, LinearSVC, NuSVC
from sklearn.utils._param_validation import InvalidParameterError

import threshold_estimator
from threshold_estimator import (
    ThresholdedClassifier,
    ThresholdWarning,
    TunedThreshold,
    _model_checks,
    objectives,
    persistence,
    tune_threshold,
)
from threshold_estimator.exceptions import (
    InvalidModelFileError,
    UntrustedTypeError,
    VersionMismatchWarning,
)

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


def test_a_tuned_threshold_re_derived_for_a_new_balance_loads(binary_data, tmp_path):
    X, y = binary_data
    scores = LogisticRegression().fit(X, y).predict_proba(X)[:, 1]
    tuned = tune_threshold(y, scores, scoring="f1", random_state=0)
    tuned.score_columns_ = ("p",)
    shifted = tuned.with_class_prior([0.9, 0.1])
    loaded = _round_trip(shifted, tmp_path, "shifted.skops")
    assert loaded.threshold == shifted.threshold != tuned.threshold
    assert loaded.score_columns_ == ("p",)
    assert not hasattr(loaded, "score") and not hasattr(loaded, "curve")
    np.testing.assert_array_equal(loaded.predict(scores), shifted.predict(scores))


@pytest.mark.parametrize(
    "columns, match",
    [
        (["p"], "score_columns_ is a list, not a tuple"),
        (("p", 1), "score_columns_ holds something other than column names"),
        (("p", "p"), "score_columns_ repeats a column"),
        (("a", "b", "c"), "score_columns_ names 3 columns for 2 classes"),
    ],
)
def test_score_columns_are_distinct_names_one_per_score(
    binary_data, tmp_path, columns, match
):
    X, y = binary_data
    scores = LogisticRegression().fit(X, y).predict_proba(X)[:, 1]
    tuned = tune_threshold(y, scores, n_resamples=0)
    tuned.score_columns_ = columns
    with pytest.raises(InvalidModelFileError, match=match):
        _round_trip(tuned, tmp_path)


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
    if module_name == "_loss":
        # scikit-learn 1.6's name of its compiled losses, which later
        # versions name sklearn._loss._loss: the same class.
        assert f"sklearn._loss._loss.{attribute}" in persistence.TRUSTED_TYPES
        return
    found = getattr(importlib.import_module(module_name), attribute, None)
    if name == "sklearn.compose._column_transformer._RemainderColsList":
        # Only scikit-learn 1.6 has it: a UserList.
        assert found is None or issubclass(found, collections.UserList)
        return
    if name == "sklearn.calibration._TemperatureScaling":
        # Only scikit-learn 1.8 and later have it.
        assert found is None or found in _model_checks.CHECKS
        return
    if inspect.isfunction(found):
        assert module_name == "sklearn.metrics._classification"
        assert getattr(sklearn.metrics, attribute) is found
        return
    assert inspect.isclass(found)
    if issubclass(found, BaseEstimator):
        # load checks the state of every estimator it builds unasked.
        assert found in _model_checks.CHECKS
    if module_name.startswith("threshold_estimator"):
        # A former name is trusted only with the type it names today.
        assert _name(found) in persistence.TRUSTED_TYPES
        assert not found.__name__.startswith("_")


# Files edited as an attacker would: each built here from a real dumped file.


def _members(path):
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _write_members(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def _edit_schema(path, change):
    """Rewrite ``path`` after ``change(schema, members)`` edits them in place."""
    members = _members(path)
    schema = json.loads(members["schema.json"])
    change(schema, members)
    members["schema.json"] = json.dumps(schema).encode()
    _write_members(path, members)


def _content(state):
    """What a state holds: an object's attributes, a dict's or a list's items."""
    if state["__loader__"] == "ObjectNode":
        return state["content"]["content"]
    return state["content"]


def _node(schema, keys):
    """The state of the object at ``keys``: attribute names and item indices."""
    for key in keys:
        schema = _content(schema)[key]
    return schema


def _replace(keys, state):
    """An edit setting the state at ``keys``, shared with no other object."""

    def change(schema, members):
        parent = _node(schema, keys[:-1])
        content = _content(parent)
        if keys[-1] not in content:
            # A new attribute: skops builds as many as its key types.
            owner = (
                parent["content"] if parent["__loader__"] == "ObjectNode" else parent
            )
            owner["key_types"]["content"].append(
                {"__class__": "str", "__module__": "builtins", "__loader__": "TypeNode"}
            )
        content[keys[-1]] = state

    return change


def _json_state(value):
    return {
        "__class__": type(value).__name__,
        "__module__": "builtins",
        "__loader__": "JsonNode",
        "content": json.dumps(value),
        "is_json": True,
    }


def _array_state(member):
    """The state of an array read from ``member``."""
    return {
        "__class__": "ndarray",
        "__module__": "numpy",
        "__loader__": "NdArrayNode",
        "type": "numpy",
        "file": member,
    }


def _npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _set_array(*keys, value):
    def change(schema, members):
        name = f"edited{len(members)}.npy"
        members[name] = _npy(value)
        _replace(keys, _array_state(name))(schema, members)

    return change


def _set_value(*keys, value):
    return _replace(keys, _json_state(value))


def _array_member(members):
    """The name of the largest array member."""
    return max(
        (n for n in members if n.endswith(".npy")), key=lambda n: len(members[n])
    )


def _swap_in_zeros(path, n_bytes, declared=None):
    """Rewrite ``path`` with its largest array member replaced by zeros.

    The zeros are deflated as they are written, never held whole; with
    ``declared``, the archive claims that size for them instead.
    """
    members = _members(path)
    target = _array_member(members)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            if name != target:
                archive.writestr(name, data)
                continue
            with archive.open(name, "w") as member:
                for _ in range(n_bytes // 2**20):
                    member.write(bytes(2**20))
    if declared is not None:
        data = bytearray(path.read_bytes())
        _set_declared_size(data, target, declared)
        path.write_bytes(bytes(data))


def _set_declared_size(data, name, size):
    """Make the central directory claim ``size`` bytes for member ``name``."""
    end = data.rfind(b"PK\x05\x06")
    (offset,) = struct.unpack_from("<I", data, end + 16)
    while data[offset : offset + 4] == b"PK\x01\x02":
        name_length, extra, comment = struct.unpack_from("<HHH", data, offset + 28)
        found = bytes(data[offset + 46 : offset + 46 + name_length]).decode()
        if found == name:
            struct.pack_into("<I", data, offset + 24, size)
            return
        offset += 46 + name_length + extra + comment
    raise AssertionError(f"no member {name!r}")


def _add_members(**named):
    def change(path):
        members = _members(path)
        members.update(named)
        _write_members(path, members)

    return change


def _with_raw_members(*pairs):
    """An archive of the file's members followed by ``pairs`` (duplicates kept)."""

    def change(path):
        members = _members(path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # zipfile's duplicate name
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
                for name, data in [*members.items(), *pairs]:
                    archive.writestr(name, data)

    return change


def _bzip2_member(path):
    members = _members(path)
    target = _array_member(members)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(
                name,
                data,
                zipfile.ZIP_BZIP2 if name == target else zipfile.ZIP_DEFLATED,
            )


def _schema_text(text):
    def change(path):
        members = _members(path)
        members["schema.json"] = text
        _write_members(path, members)

    return change


def _pad_schema(padding):
    def change(path):
        _edit_schema(path, lambda schema, members: schema.update(padding=padding))

    return change


def _nested(depth):
    padding = []
    for _ in range(depth):
        padding = [padding]
    return padding


def _reread_member(path):
    """One member of 1 MiB read by a hundred objects."""

    def change(schema, members):
        members["zeros.npy"] = _npy(np.zeros(2**17))
        state = {"__class__": "list", "__module__": "builtins"}
        state.update(__loader__="ListNode", content=[_array_state("zeros.npy")] * 100)
        _replace(("extra_",), state)(schema, members)

    _edit_schema(path, change)


def _shared_objects(path):
    """A list of three uses of a list of three uses of ... fifteen deep."""
    node = {"__class__": "list", "__module__": "builtins", "__loader__": "ListNode"}
    node = {**node, "__id__": 1, "content": []}
    for i in range(2, 17):
        node = {**node, "__id__": i, "content": [node, *[{"__id__": i - 1}] * 2]}
    _edit_schema(path, _replace(("extra_",), node))


def _missing_member(path):
    _edit_schema(path, _replace(("extra_",), _array_state("gone.npy")))


@pytest.fixture
def tuned_file(tmp_path):
    """A real file: a TunedThreshold, its curve two array members."""
    rng = np.random.default_rng(0)
    y = rng.random(400) < 0.3
    tuned = tune_threshold(
        y, np.clip(0.3 * y + rng.random(400) * 0.7, 0, 1), scoring="f1", n_resamples=0
    )
    path = tmp_path / "threshold.skops"
    persistence.dump(tuned, path)
    return path


ARCHIVE_CASES = {
    "an array member of 80 MB, deflated": (
        lambda path: _swap_in_zeros(path, 80 * 2**20),
        r"decompresses to 8\d,\d{3},\d{3} bytes, more than max_bytes=67,108,864",
    ),
    "an absolute member name": (
        _add_members(**{"/etc/evil.npy": b"x"}),
        r"member '/etc/evil.npy' is a path outside the archive",
    ),
    "a member name with ..": (
        _add_members(**{"../evil.npy": b"x"}),
        r"member '../evil.npy' is a path outside the archive",
    ),
    "two members of one name": (
        _with_raw_members(("schema.json", b"{}")),
        r"two members named 'schema.json'",
    ),
    "a bzip2 member": (_bzip2_member, r"compressed with method 12"),
    "no schema": (
        lambda path: _write_members(
            path, {k: v for k, v in _members(path).items() if k != "schema.json"}
        ),
        r"holds no schema.json",
    ),
    "a schema of 70,000 objects": (
        _pad_schema([{}] * 70_000),
        r"70,0\d\d JSON objects and lists, more than the 65,536",
    ),
    "a schema nested 300 deep": (_pad_schema(_nested(300)), r"nests deeper than 200"),
    "a schema nested 5,000 deep": (
        _schema_text(b"[" * 5000 + b"]" * 5000),
        r"nests deeper than 200",
    ),
    "a schema that is a list": (_schema_text(b"[]"), r"holds a list, not the JSON"),
    "a schema that is not JSON": (_schema_text(b'{"protocol": '), r"is not JSON"),
    "a member read 100 times": (_reread_member, r"read the same members over"),
    "shared objects visited 3**15 times": (
        _shared_objects,
        r"counted at each use of a shared one, are [\d,]+, more than",
    ),
    "a missing member": (_missing_member, r"reads a member 'gone.npy' it does not"),
}


@pytest.mark.parametrize(
    "mutation, match", ARCHIVE_CASES.values(), ids=list(ARCHIVE_CASES)
)
def test_an_unbounded_or_malformed_archive_is_refused_before_building(
    tuned_file, monkeypatch, mutation, match
):
    mutation(tuned_file)
    built = []
    monkeypatch.setattr(skops_io, "loads", lambda *args, **kw: built.append(args))
    for read in (persistence.load, persistence.refused_types):
        with pytest.raises(InvalidModelFileError, match=match) as refused:
            read(tuned_file)
        assert "is refused before anything is built" in str(refused.value)
        assert refused.value.attribute is None
    assert not built


def test_an_inflating_member_is_refused_without_decompressing(tuned_file):
    _swap_in_zeros(tuned_file, 200 * 2**20)
    assert tuned_file.stat().st_size < 300_000
    tracemalloc.start()
    try:
        with pytest.raises(InvalidModelFileError, match="decompresses to 209,"):
            persistence.load(tuned_file)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20
    with pytest.raises(InvalidModelFileError, match="decompresses to 209,"):
        persistence.saved_versions(tuned_file)


def test_a_member_lying_about_its_size_is_read_no_further_than_it_claims(
    tuned_file,
):
    # zipfile's read() decompresses up to 1 GiB of such a member before it
    # cuts it to the size declared; load reads it by chunks.
    members = _members(tuned_file)
    declared = members[_array_member(members)]
    _swap_in_zeros(tuned_file, 200 * 2**20, declared=len(declared))
    tracemalloc.start()
    try:
        with pytest.raises(InvalidModelFileError, match=r"member '.*\.npy' is dam"):
            persistence.load(tuned_file)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20


@pytest.mark.parametrize(
    "read",
    [persistence.load, persistence.refused_types, persistence.saved_versions],
)
def test_max_bytes_must_be_a_positive_integer(tuned_file, read):
    with pytest.raises(InvalidParameterError, match="'max_bytes' parameter"):
        read(tuned_file, max_bytes=0)
    with pytest.raises(InvalidModelFileError, match="more than max_bytes=1,000"):
        read(tuned_file, max_bytes=1000)


@pytest.fixture(scope="module")
def binary_models():
    """Fitted classifiers of each kind the fitted-state cases edit."""
    X, y = make_classification(
        n_samples=300, n_features=5, weights=[0.7], random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ThresholdWarning)
        return {
            "logistic": ThresholdedClassifier(
                LogisticRegression(), scoring="f1", cv=3, random_state=0
            ).fit(X, y),
            "svc": ThresholdedClassifier(
                make_pipeline(StandardScaler(), SVC()), cv=3, random_state=0
            ).fit(X, y),
            "tuned": tune_threshold(
                y, LogisticRegression().fit(X, y).predict_proba(X)[:, 1], n_resamples=0
            ),
        }


SVC_AT = ("estimator_", "steps", 1, 1)


def _svc(model):
    return model.estimator_[-1]


# Each case: the model edited, the edit (a function of the fitted model), the
# attribute named and what the error says of it.
STATE_CASES = {
    # Arrays that libsvm reads without bounds checks: 1,000 indices for some
    # 50 support vectors crash the process in predict.
    "1,000 support indices": (
        "svc",
        lambda model: _set_array(
            *SVC_AT, "support_", value=np.arange(1000, dtype=np.int32) % 40
        ),
        "estimator_.steps[1][1].support_",
        r"has shape \(1000,\) instead of \(\d+,\): one per support vector",
    ),
    "support indices beyond the samples": (
        "svc",
        lambda model: _set_array(
            *SVC_AT, "support_", value=np.full(_svc(model).support_.size, 999, np.int32)
        ),
        "estimator_.steps[1][1].support_",
        r"holds indices from 999 to 999, beyond the 300 training samples",
    ),
    # A short _dual_coef_ makes every prediction the same class.
    "a short _dual_coef_": (
        "svc",
        lambda model: _set_array(
            *SVC_AT, "_dual_coef_", value=_svc(model)._dual_coef_[:, :10]
        ),
        "estimator_.steps[1][1]._dual_coef_",
        r"has shape \(1, 10\) instead of \(1, \d+\)",
    ),
    "intercepts of three pairs": (
        "svc",
        lambda model: _set_array(*SVC_AT, "_intercept_", value=np.zeros(3)),
        "estimator_.steps[1][1]._intercept_",
        r"has shape \(3,\) instead of \(1,\): one per pair of classes",
    ),
    "a NaN threshold": (
        "logistic",
        lambda model: _set_value("decision_threshold_", value=float("nan")),
        "decision_threshold_",
        "is nan, not a finite number",
    ),
    "a probability threshold of 2": (
        "logistic",
        lambda model: _set_value("decision_threshold_", value=2.0),
        "decision_threshold_",
        r"is 2.0, outside \[-0.5, 1.5\]",
    ),
    "response_method_='predict_log_proba'": (
        "logistic",
        lambda model: _set_value("response_method_", value="predict_log_proba"),
        "response_method_",
        "is 'predict_log_proba', not one of",
    ),
    "three classes_ of two": (
        "logistic",
        lambda model: _set_array("classes_", value=np.array([0, 1, 2])),
        "classes_",
        r"is array\(\[0, 1, 2\]\), but estimator_.classes_ is array\(\[0, 1\]\)",
    ),
    "a pos_label_ that is no class": (
        "logistic",
        lambda model: _set_value("pos_label_", value=7),
        "pos_label_",
        "is 7, not a class",
    ),
    "coefficients of three features": (
        "logistic",
        lambda model: _set_array("estimator_", "coef_", value=np.ones((1, 3))),
        "estimator_.coef_",
        r"has shape \(1, 3\) instead of \(1, 5\)",
    ),
    "a held-out summary of class 5": (
        "logistic",
        lambda model: _set_array(
            "held_out_summary_",
            "class_index",
            value=np.full(model.held_out_summary_["class_index"].size, 5),
        ),
        "held_out_summary_['class_index']",
        r"holds class indices from 5 to 5, beyond \[0, 2\)",
    ),
    "a NaN fold distance, which hides every drift": (
        "logistic",
        lambda model: _set_value(
            "held_out_summary_", "fold_distance", value=float("nan")
        ),
        "held_out_summary_['fold_distance']",
        "is nan, not a finite number",
    ),
    "a fold distance beyond 1": (
        "logistic",
        lambda model: _set_value("held_out_summary_", "fold_distance", value=5.0),
        "held_out_summary_['fold_distance']",
        r"is 5.0, outside \[0, 1\]",
    ),
    "a held-out summary with a key it never has": (
        "logistic",
        lambda model: _set_value("held_out_summary_", "extra", value=1),
        "held_out_summary_",
        r"holds keys \['extra'\] besides",
    ),
    "a held-out summary of one class": (
        "logistic",
        lambda model: _set_array(
            "held_out_summary_",
            "class_index",
            value=np.zeros(model.held_out_summary_["class_index"].size, np.int64),
        ),
        "held_out_summary_['weight']",
        "gives a class no weight",
    ),
    "an objective that is a name": (
        "tuned",
        lambda model: _set_value("objective_", value="f1"),
        "objective_",
        "is a str, not a Objective or ScorerObjective",
    ),
    "a class prior that does not sum to 1": (
        "logistic",
        lambda model: _set_array("class_prior_", value=np.array([100.0, 1.0])),
        "class_prior_",
        "is not positive shares summing to 1",
    ),
    "a training prior without a class": (
        "tuned",
        lambda model: _set_array("training_prior_", value=np.array([1.0, 0.0])),
        "training_prior_",
        "is not positive shares summing to 1",
    ),
    "an invalid parameter": (
        "logistic",
        lambda model: _set_value("estimator_", "C", value=-1.0),
        "estimator_.C",
        "is invalid: The 'C' parameter of LogisticRegression must be",
    ),
    "an attribute hiding predict": (
        "logistic",
        lambda model: _replace(
            ("estimator_", "predict"),
            {
                "__class__": "negative",
                "__module__": "numpy",
                "__loader__": "FunctionNode",
            },
        ),
        "estimator_.predict",
        "is set on the object, hiding LogisticRegression.predict",
    ),
    "an attribute hiding TunedThreshold.predict": (
        "tuned",
        lambda model: _replace(
            ("predict",),
            {"__class__": "rint", "__module__": "numpy", "__loader__": "FunctionNode"},
        ),
        "predict",
        "is set on the object, hiding TunedThreshold.predict",
    ),
    "a NaN TunedThreshold": (
        "tuned",
        lambda model: _set_value("decision_threshold_", value=float("nan")),
        "decision_threshold_",
        "is nan, not a finite number",
    ),
    "a TunedThreshold of three classes with one threshold": (
        "tuned",
        lambda model: _set_array("classes_", value=np.array([0, 1, 2])),
        "pos_label_",
        "is not None, with more classes",
    ),
}


@pytest.mark.parametrize(
    "kind, mutation, attribute, match", STATE_CASES.values(), ids=list(STATE_CASES)
)
def test_a_state_that_fit_cannot_leave_is_refused_naming_the_attribute(
    binary_models, tmp_path, kind, mutation, attribute, match
):
    model = binary_models[kind]
    path = tmp_path / "model.skops"
    persistence.dump(model, path)
    _edit_schema(path, mutation(model))
    # Never predicted here: a check that misses must fail the test, not crash
    # the test run.
    with pytest.raises(InvalidModelFileError) as refused:
        persistence.load(path)
    message = str(refused.value)
    assert refused.value.attribute == attribute, message
    assert message.startswith(f"{str(path)!r} is refused: {attribute} "), message
    assert re.search(match, message), message
    assert "trusted=[" in message


def test_a_type_trusted_by_name_is_built_without_checks(binary_models, tmp_path):
    model = binary_models["svc"]
    path = tmp_path / "model.skops"
    persistence.dump(model, path)
    _edit_schema(path, STATE_CASES["a short _dual_coef_"][1](model))
    loaded = persistence.load(path, trusted=[_name(SVC)])
    assert loaded.estimator_[-1]._dual_coef_.shape == (1, 10)


def test_a_pipeline_that_would_cache_to_a_directory_is_refused(binary_data, tmp_path):
    X, y = binary_data
    cache = tmp_path / "cache"
    cache.mkdir()
    pipeline = Pipeline(
        [("scale", StandardScaler()), ("model", LogisticRegression())],
        memory=str(cache),
    )
    clf = _fit(X, y, estimator=pipeline, scoring="f1")
    assert list(cache.iterdir())  # fitting did cache
    path = tmp_path / "model.skops"
    persistence.dump(clf, path)
    with pytest.raises(InvalidModelFileError, match="memory is '.*cache'") as refused:
        persistence.load(path)
    assert refused.value.attribute == "estimator.memory"
    assert "unpickle" in str(refused.value)
    loaded = persistence.load(path, trusted=[_name(Pipeline)])
    assert loaded.estimator_.memory == str(cache)


def _double(X):
    return 2 * X


@pytest.mark.parametrize(
    "estimator, refused",
    [
        (GaussianNB(), [_name(GaussianNB)]),
        (
            make_pipeline(FunctionTransformer(_double), LogisticRegression()),
            [_name(_double)],
        ),
    ],
    ids=["an estimator off the list", "a function"],
)
def test_types_off_the_list_are_refused_by_name_and_load_when_trusted(
    binary_data, tmp_path, estimator, refused
):
    X, y = binary_data
    clf = _fit(X, y, estimator=estimator, scoring="f1")
    path = tmp_path / "model.skops"
    persistence.dump(clf, path)
    with pytest.raises(UntrustedTypeError) as error:
        persistence.load(path)
    assert error.value.types == refused
    assert persistence.refused_types(path) == refused
    _assert_same_classifier(persistence.load(path, trusted=refused), clf, X)


def test_a_column_selector_is_a_type_to_trust(tmp_path):
    selector = make_column_selector(dtype_include="number")
    transformer = ColumnTransformer([("numbers", StandardScaler(), selector)])
    path = tmp_path / "transformer.skops"
    persistence.dump(transformer, path)
    with pytest.raises(UntrustedTypeError) as error:
        persistence.load(path)
    assert error.value.types == [_name(make_column_selector)]
    loaded = persistence.load(path, trusted=error.value.types)
    assert loaded.transformers[0][2].dtype_include == "number"


def _with_missing(X):
    X = X.copy()
    X[::7, 0] = np.nan
    return X


def _categories(X):
    return np.where(X[:, :2] > 0, "high", np.where(X[:, :2] > -1, "mid", "low"))


# Each case: the estimator, how its data is made from binary_data, and the
# types it needs trusted (skops trusts scipy's sparse base type, not CSR).
LISTED_CASES = {
    "sgd hinge": (SGDClassifier(random_state=0), None, ()),
    "sgd log_loss": (SGDClassifier(loss="log_loss", random_state=0), None, ()),
    "sgd modified_huber": (
        SGDClassifier(loss="modified_huber", random_state=0),
        None,
        (),
    ),
    "perceptron": (Perceptron(random_state=0), None, ()),
    "ridge": (RidgeClassifier(), None, ()),
    "ridge cv without intercept": (RidgeClassifierCV(fit_intercept=False), None, ()),
    "linear svc": (LinearSVC(), None, ()),
    "svc": (SVC(), None, ()),
    "nu svc": (NuSVC(nu=0.1), None, ()),
    "svc of sparse data": (SVC(), sparse.csr_matrix, ["scipy.sparse._csr.csr_matrix"]),
    "scalers": (
        make_pipeline(
            MinMaxScaler(), RobustScaler(), MaxAbsScaler(), LogisticRegression()
        ),
        None,
        (),
    ),
    "polynomial features": (
        make_pipeline(PolynomialFeatures(2), LogisticRegression(max_iter=500)),
        None,
        (),
    ),
    "imputer with indicator": (
        make_pipeline(SimpleImputer(add_indicator=True), LogisticRegression()),
        _with_missing,
        (),
    ),
    "a ufunc transformer": (
        make_pipeline(FunctionTransformer(np.tanh), LogisticRegression()),
        None,
        (),
    ),
    "encoders": (
        make_pipeline(
            ColumnTransformer(
                [
                    ("onehot", OneHotEncoder(max_categories=2, drop="first"), [0]),
                    ("ordinal", OrdinalEncoder(), [1]),
                ]
            ),
            LogisticRegression(),
        ),
        _categories,
        (),
    ),
    "isotonic calibration": (
        CalibratedClassifierCV(LinearSVC(), method="isotonic", cv=3),
        None,
        (),
    ),
    "frozen": (FrozenEstimator(LogisticRegression()), None, ()),
}
if "temperature" in str(CalibratedClassifierCV._parameter_constraints["method"]):
    # scikit-learn 1.8 and later.
    LISTED_CASES["temperature calibration"] = (
        CalibratedClassifierCV(LogisticRegression(), method="temperature", cv=3),
        None,
        (),
    )


@pytest.mark.parametrize(
    "estimator, prepare, trusted", LISTED_CASES.values(), ids=list(LISTED_CASES)
)
def test_every_kind_of_listed_estimator_loads_without_trust(
    binary_data, tmp_path, estimator, prepare, trusted
):
    X, y = binary_data
    X = X if prepare is None else prepare(X)
    if isinstance(estimator, FrozenEstimator):
        estimator.estimator.fit(X, y)
    clf = _fit(X, y, estimator=estimator, scoring="f1")
    loaded = _round_trip(clf, tmp_path, trusted=trusted)
    _assert_same_decisions(loaded, clf, X)


def _assert_same_decisions(loaded, clf, X):
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    np.testing.assert_array_equal(loaded.decision_function(X), clf.decision_function(X))
    assert repr(loaded) == repr(clf)


@pytest.mark.parametrize("inner", [SVC(), LinearSVC()], ids=["svc", "linear svc"])
def test_multiclass_support_vectors_and_calibration_load(
    three_classes, tmp_path, inner
):
    X, y = three_classes
    clf = _fit(X, y, estimator=CalibratedClassifierCV(inner, cv=3), scoring="f1_macro")
    _assert_same_classifier(_round_trip(clf, tmp_path), clf, X)


def test_a_threshold_beyond_every_probability_loads(tmp_path):
    # Accuracy is best predicting no positive: the threshold lies half the
    # last gap beyond the highest probability, above 1.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ThresholdWarning)
        tuned = tune_threshold(
            [1, 0, 0, 0, 0],
            [0.1, 0.2, 0.4, 0.6, 1.0],
            scoring="accuracy",
            n_resamples=0,
        )
    assert tuned.threshold > 1
    assert _round_trip(tuned, tmp_path).threshold == tuned.threshold


@pytest.mark.parametrize(
    "name, needs",
    [
        ("logistic", []),
        ("hgb", ["sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"]),
        ("forest", ["sklearn.tree._tree.Tree"]),
    ],
)
def test_the_command_lines_models_load_trusting_only_their_trees(
    binary_data, tmp_path, name, needs
):
    pd = pytest.importorskip("pandas")
    cli = pytest.importorskip("threshold_estimator.cli")
    X, y = binary_data
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    frame["plan"] = np.where(X[:, 0] > 0, "pro", "basic")
    model = cli.default_model(name, frame, random_state=0)
    if name == "forest":
        model.set_params(randomforestclassifier__n_estimators=5)
    clf = _fit(frame, y, estimator=model, scoring="f1")
    path = tmp_path / "model.skops"
    persistence.dump(clf, path)
    assert persistence.refused_types(path) == needs
    _assert_same_classifier(persistence.load(path, trusted=needs), clf, frame)
