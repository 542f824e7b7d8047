"""What a loaded model must be like before anything uses it.

:func:`threshold_estimator.persistence.load` builds a model from a file
without running code from the file, but every value the model holds is the
file's. A crafted file can give a fitted ``SVC`` more support-vector indices
than support vectors, which scikit-learn's compiled code reads without bounds
checks (the process crashes), or a ``ThresholdedClassifier`` a NaN threshold
(every prediction is silently one class). :func:`check_model` walks the
loaded objects and checks each one of the types ``load`` trusts for the state
fitting leaves it in: shapes that agree with one another, with ``classes_``
and with ``n_features_in_``; indices within bounds; finite numbers where a
decision reads them; parameters that scikit-learn's own validation accepts;
no attribute hiding a method; and no ``Pipeline(memory=...)``, which would
make the model write files and unpickle what it finds there.
"""

import functools
import inspect
import math
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.calibration import (
    CalibratedClassifierCV,
    _CalibratedClassifier,
    _SigmoidCalibration,
)
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.ensemble._hist_gradient_boosting.binning import _BinMapper
from sklearn.frozen import FrozenEstimator
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import (
    LogisticRegression,
    Perceptron,
    RidgeClassifier,
    RidgeClassifierCV,
    SGDClassifier,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    LabelBinarizer,
    LabelEncoder,
    MaxAbsScaler,
    MinMaxScaler,
    OneHotEncoder,
    OrdinalEncoder,
    PolynomialFeatures,
    RobustScaler,
    StandardScaler,
)
from sklearn.svm import SVC, LinearSVC, NuSVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils._param_validation import (
    InvalidParameterError,
    validate_parameter_constraints,
)

from threshold_estimator import ThresholdedClassifier, TunedThreshold
from threshold_estimator._scoring import ScorerObjective
from threshold_estimator.exceptions import InvalidModelFileError
from threshold_estimator.objectives import (
    Constrained,
    Cost,
    CostMatrix,
    FromCounts,
    Metric,
    Objective,
)

try:  # scikit-learn >= 1.8
    from sklearn.calibration import _TemperatureScaling
except ImportError:  # pragma: no cover
    _TemperatureScaling = None

# The widest range of a threshold of probabilities that fit sets: a tuned
# threshold beyond every held-out score lies half the neighbouring gap beyond
# it (_search.cut_thresholds), and probabilities lie in [0, 1].
_PROBABILITY_THRESHOLDS = {"low": -0.5, "high": 1.5}
_LABEL_KINDS = "biufUO"


def check_model(model, source, unchecked=()):
    """Raise at the first object of ``model`` in a state fit cannot leave.

    Parameters
    ----------
    model : object
        What a model file held, as built.
    source : str
        The file, as the error names it.
    unchecked : collection of str
        Full names of the types not to check: those trusted by name.

    Raises
    ------
    InvalidModelFileError
        Naming the attribute, from ``model``, and what is wrong with it.
    """
    _Walk(source, frozenset(unchecked)).visit(model, "")


class _Walk:
    """Visits every object reachable from the model once, checking each."""

    def __init__(self, source, unchecked):
        self.source = source
        self.unchecked = unchecked
        self.seen = set()

    def visit(self, value, at):
        is_container = isinstance(value, (dict, list, tuple))
        if not (is_container or _holds_state(value)) or id(value) in self.seen:
            return
        self.seen.add(id(value))
        if not is_container:
            self.check(value, at)
        for key, child in _items(value):
            self.visit(child, _where(value, key, at))

    def check(self, obj, at):
        cls = type(obj)
        name = f"{cls.__module__}.{cls.__qualname__}"
        if name in self.unchecked:
            return
        try:
            # Every object, not only estimators: a TunedThreshold's or an
            # objective's attribute could otherwise replace its predict.
            _check_no_shadowing(obj, at)
            CHECKS.get(cls, _check_nothing)(obj, at)
            return
        except _UnsafeParameter as exc:
            detail, attribute, why = str(exc), exc.attribute, ""
        except InvalidModelFileError as exc:
            detail, attribute, why = str(exc), exc.attribute, _NO_FIT
        except (ArithmeticError, LookupError, TypeError, ValueError) as exc:
            # A state so far from a fitted one that checking it fails.
            detail = f"{at or 'the model'} cannot be checked ({exc!r})"
            attribute, why = at, _NO_FIT
        raise InvalidModelFileError(
            f"{self.source} is refused: {detail}.{why} If you trust its source, "
            f"trusted=[{name!r}] builds its {cls.__name__} without checks.",
            attribute=attribute,
        )


_NO_FIT = (
    " No fit leaves it so: the file was edited or damaged, or written by another "
    "version of scikit-learn."
)


class _UnsafeParameter(InvalidModelFileError):
    """A parameter that fitting sets, but with which the model touches files."""


def _holds_state(value):
    """Whether ``value`` is an object with attributes, not code or a type."""
    return (
        hasattr(value, "__dict__")
        and not isinstance(value, type)
        and not inspect.isroutine(value)
        and not inspect.ismodule(value)
    )


def _check_nothing(obj, at):
    """Plain Python and numpy types, and the small types that hold only them."""


# Reading the loaded state: an attribute of an object, an item of a dict or
# of a sequence, each named by its path from the model.


def _items(container):
    if isinstance(container, dict):
        return container.items()
    if isinstance(container, (list, tuple)):
        return enumerate(container)
    return vars(container).items()


def _where(container, key, at):
    if isinstance(container, dict):
        return f"{at}[{key!r}]"
    if isinstance(container, (list, tuple)):
        return f"{at}[{key}]"
    return f"{at}.{key}" if at else key


def _fail(where, problem):
    raise InvalidModelFileError(f"{where or 'the model'} {problem}", attribute=where)


def _has(container, key):
    if isinstance(container, (list, tuple)):
        return 0 <= key < len(container)
    return key in (container if isinstance(container, dict) else vars(container))


def _get(container, key, at):
    """``container``'s attribute or item ``key``; fails if it has none."""
    if not _has(container, key):
        _fail(_where(container, key, at), "is missing")
    if isinstance(container, (dict, list, tuple)):
        return container[key]
    return vars(container)[key]


def _array(obj, key, at, *, ndim, kinds="f", shape=None, why="", finite=True):
    """An array of ``ndim`` dimensions and a dtype kind among ``kinds``.

    ``shape`` entries of None match any length; ``why`` says where the
    expected shape comes from.
    """
    value, where = _get(obj, key, at), _where(obj, key, at)
    if not isinstance(value, np.ndarray):
        _fail(where, f"is a {type(value).__name__}, not an array")
    if value.ndim != ndim:
        _fail(where, f"has {value.ndim} dimensions instead of {ndim}")
    if value.dtype.kind not in kinds:
        _fail(where, f"has dtype {value.dtype}, not one of the kinds {kinds!r}")
    if shape is not None and any(
        want is not None and got != want
        for got, want in zip(value.shape, shape, strict=True)
    ):
        expected = tuple("any" if n is None else n for n in shape)
        _fail(where, f"has shape {value.shape} instead of {expected}{why}")
    if finite and value.dtype.kind == "f" and not np.isfinite(value).all():
        _fail(where, "holds NaN or infinite values")
    return value


def _integer(obj, key, at, *, low=0, high=None):
    """An integer within ``[low, high]``."""
    value = _get(obj, key, at)
    if not isinstance(value, Integral) or isinstance(value, bool):
        _fail(_where(obj, key, at), f"is {value!r}, not an integer")
    if value < low or (high is not None and value > high):
        bounds = f"at least {low}" if high is None else f"from {low} to {high}"
        _fail(_where(obj, key, at), f"is {value}, not {bounds}")
    return int(value)


def _number(obj, key, at, *, low=-math.inf, high=math.inf):
    """A finite real number within ``[low, high]``."""
    value = _get(obj, key, at)
    if (
        not isinstance(value, Real)
        or isinstance(value, bool)
        or not math.isfinite(value)
    ):
        _fail(_where(obj, key, at), f"is {value!r}, not a finite number")
    if not low <= value <= high:
        _fail(_where(obj, key, at), f"is {value!r}, outside [{low}, {high}]")
    return float(value)


def _choice(obj, key, at, options):
    value = _get(obj, key, at)
    if not isinstance(value, str) or value not in options:
        _fail(_where(obj, key, at), f"is {value!r}, not one of {list(options)}")
    return value


def _instance(obj, key, at, types):
    value = _get(obj, key, at)
    if not isinstance(value, types):
        names = " or ".join(
            t.__name__ for t in (types if isinstance(types, tuple) else (types,))
        )
        _fail(_where(obj, key, at), f"is a {type(value).__name__}, not a {names}")
    return value


def _classes(obj, key, at, *, n_classes=None):
    """Class labels: a vector of at least two distinct labels."""
    classes = _array(obj, key, at, ndim=1, kinds=_LABEL_KINDS)
    where = _where(obj, key, at)
    if classes.size < 2:
        _fail(where, f"holds {classes.size} class; a classifier has at least 2")
    if n_classes is not None and classes.size != n_classes:
        _fail(where, f"holds {classes.size} classes instead of {n_classes}")
    try:
        distinct = np.unique(classes).size
    except TypeError:
        _fail(where, "mixes labels of types that do not compare")
    if distinct != classes.size:
        _fail(where, "repeats a class")
    return classes


def _same_classes(inner, inner_at, classes, classes_at):
    """``inner.classes_``, when it has them, are ``classes``."""
    found = getattr(inner, "classes_", None)
    if found is not None and not (
        np.shape(found) == classes.shape and np.array_equal(found, classes)
    ):
        _fail(classes_at, f"is {classes!r}, but {inner_at}.classes_ is {found!r}")


def _n_features(obj, at):
    """``n_features_in_``, and ``feature_names_in_`` when there, agreeing."""
    n_features = _integer(obj, "n_features_in_", at)
    if _has(obj, "feature_names_in_"):
        names = _array(obj, "feature_names_in_", at, ndim=1, kinds="O")
        if names.size != n_features or not all(isinstance(n, str) for n in names):
            _fail(
                _where(obj, "feature_names_in_", at),
                f"is not {n_features} names, one per feature (n_features_in_)",
            )
    return n_features


def _indices(obj, key, at, size, *, what="indices", low=0):
    """Integer indices within ``[low, size)``."""
    found = _array(obj, key, at, ndim=1, kinds="iu")
    if found.size and (found.min() < low or found.max() >= size):
        _fail(
            _where(obj, key, at),
            f"holds {what} from {found.min()} to {found.max()}, beyond [{low}, {size})",
        )
    return found


# What every scikit-learn estimator of the list is checked for.


def _sklearn_check(fitted_check):
    """The check of an estimator type: its parameters, then its fitted state."""

    def check(estimator, at):
        _check_no_shadowing(estimator, at)
        _check_params(estimator, at)
        if _is_fitted(estimator):
            fitted_check(estimator, at)

    return check


def _is_fitted(estimator):
    # scikit-learn's rule (check_is_fitted): an attribute ending with "_".
    return any(k.endswith("_") and not k.startswith("__") for k in vars(estimator))


def _check_no_shadowing(obj, at):
    """No attribute from the file may hide a method or constant of the class.

    An object's own attributes take precedence over its class's methods, so
    a file could otherwise replace ``predict`` with any function it holds.
    """
    hidden = _class_attributes(type(obj)).intersection(vars(obj))
    if hidden:
        name = sorted(hidden)[0]
        _fail(
            _where(obj, name, at),
            f"is set on the object, hiding {type(obj).__name__}.{name}",
        )


@functools.cache
def _class_attributes(cls):
    return frozenset(name for klass in cls.__mro__ for name in vars(klass))


def _check_params(estimator, at):
    """The parameters the file holds, by scikit-learn's own constraints."""
    constraints = getattr(type(estimator), "_parameter_constraints", {})
    state = vars(estimator)
    for name in type(estimator)._get_param_names():
        if name not in state:
            continue
        try:
            validate_parameter_constraints(
                constraints, {name: state[name]}, type(estimator).__name__
            )
        except InvalidParameterError as exc:
            _fail(_where(estimator, name, at), f"is invalid: {exc}")
    if isinstance(estimator, Pipeline) and state.get("memory") is not None:
        where = _where(estimator, "memory", at)
        raise _UnsafeParameter(
            f"{where} is {state['memory']!r}: fitting the model again would write "
            "cache files there and unpickle those it finds, which runs their "
            "code. Save the pipeline with memory=None",
            attribute=where,
        )


# Linear models.


def _check_linear_classifier(model, at, classes=None):
    if classes is None:
        classes = _classes(model, "classes_", at)
    n_features = _n_features(model, at)
    rows = 1 if classes.size == 2 else classes.size
    if rows == 1 and np.ndim(_get(model, "coef_", at)) == 1:
        # A binary RidgeClassifier keeps a vector.
        _array(model, "coef_", at, ndim=1, shape=(n_features,), why=" (features)")
    else:
        why = f": a row per class, or one for two classes ({classes.size} here)"
        _array(model, "coef_", at, ndim=2, shape=(rows, n_features), why=why)
    if isinstance(_get(model, "intercept_", at), np.ndarray):
        _array(model, "intercept_", at, ndim=1, shape=(rows,), why=" as coef_")
    else:
        # Without an intercept, some models keep the number 0.0.
        _number(model, "intercept_", at)


def _check_ridge_classifier(model, at):
    binarizer = _instance(model, "_label_binarizer", at, LabelBinarizer)
    where = _where(model, "_label_binarizer", at)
    if not _has(model, "classes_"):
        # Before scikit-learn 1.7, classes_ is read from the binarizer.
        classes = _classes(binarizer, "classes_", where)
        _check_linear_classifier(model, at, classes)
        return
    _check_linear_classifier(model, at)
    _same_classes(binarizer, where, model.classes_, _where(model, "classes_", at))


# Support vector machines.


def _check_libsvm_classifier(model, at):
    """SVC and NuSVC: the arrays libsvm reads without bounds checks.

    libsvm takes the number of support vectors from ``support_``, then reads
    that many rows of ``support_vectors_`` (or, for a precomputed kernel,
    that many columns of X at the indices of ``support_``) and of each row of
    ``_dual_coef_``, ``n_classes * (n_classes - 1) / 2`` intercepts and
    probability pairs, and ``_n_support`` to find each class's vectors.
    """
    if vars(model).get("_impl", type(model)._impl) != type(model)._impl:
        _fail(_where(model, "_impl", at), f"is not {type(model)._impl!r}")
    n_classes = _classes(model, "classes_", at).size
    n_features = _n_features(model, at)
    pairs = n_classes * (n_classes - 1) // 2
    n_samples, fit_features = _check_fit_shape(model, at)
    is_sparse = _instance(model, "_sparse", at, bool)
    precomputed = model.kernel == "precomputed"
    n_support = _array(
        model,
        "_n_support",
        at,
        ndim=1,
        kinds="i",
        shape=(n_classes,),
        why=" (classes_)",
    )
    if (n_support < 0).any():
        _fail(_where(model, "_n_support", at), "holds negative counts")
    n_vectors = int(n_support.sum())
    per_vector = f": one per support vector ({n_vectors}, the sum of _n_support)"
    support = _array(
        model, "support_", at, ndim=1, kinds="i", shape=(n_vectors,), why=per_vector
    )
    if support.size and (support.min() < 0 or support.max() >= n_samples):
        _fail(
            _where(model, "support_", at),
            f"holds indices from {support.min()} to {support.max()}, beyond the "
            f"{n_samples} training samples (shape_fit_)",
        )
    if is_sparse:
        _check_csr(model, "support_vectors_", at, (n_vectors, n_features))
    elif precomputed:
        _array(model, "support_vectors_", at, ndim=2, shape=(0, 0))
    else:
        if fit_features != n_features:
            _fail(_where(model, "shape_fit_", at), "differs from n_features_in_")
        _array(
            model,
            "support_vectors_",
            at,
            ndim=2,
            shape=(n_vectors, n_features),
            why=f"{per_vector} and feature",
        )
    for name in ("_dual_coef_", "dual_coef_"):
        if is_sparse:
            _check_csr(model, name, at, (n_classes - 1, n_vectors), full=True)
        else:
            why = ": a row per class but one, a column per support vector"
            _array(model, name, at, ndim=2, shape=(n_classes - 1, n_vectors), why=why)
    for name in ("_intercept_", "intercept_"):
        _array(model, name, at, ndim=1, shape=(pairs,), why=": one per pair of classes")
    for name in ("_probA", "_probB"):
        found = _array(model, name, at, ndim=1).size
        if found not in (0, pairs):
            _fail(
                _where(model, name, at),
                f"holds {found} values, not 0 or one per pair of classes ({pairs})",
            )
    if _has(model, "class_weight_"):
        _array(model, "class_weight_", at, ndim=1, shape=(n_classes,))
    _number(model, "_gamma", at)


def _check_fit_shape(model, at):
    fit_shape = _get(model, "shape_fit_", at)
    if not (
        isinstance(fit_shape, tuple)
        and len(fit_shape) == 2
        and all(isinstance(n, Integral) and n >= 0 for n in fit_shape)
    ):
        _fail(
            _where(model, "shape_fit_", at),
            f"is {fit_shape!r}, not (n_samples, n_features)",
        )
    return fit_shape


def _check_csr(obj, key, at, shape, *, full=False):
    """A CSR matrix of ``shape``, by scipy's full check; ``full``: all stored."""
    value, where = _get(obj, key, at), _where(obj, key, at)
    if not (sparse.issparse(value) and value.format == "csr"):
        _fail(where, "is not a sparse CSR matrix, as a fit on sparse data leaves it")
    try:
        value.check_format(full_check=True)
    except ValueError as exc:
        _fail(where, f"is not a valid sparse matrix: {exc}")
    if value.shape != shape or (full and value.data.size != shape[0] * shape[1]):
        _fail(where, f"has shape {value.shape} instead of a full {shape}")
    if not np.isfinite(value.data).all():
        _fail(where, "holds NaN or infinite values")


# Transformers. Their statistics may hold NaN (a column of missing values):
# only their shapes are checked.


def _vectors_of_features(*names, optional=False):
    """The check of a transformer whose ``names`` hold one value per feature."""

    def check(transformer, at):
        n = _n_features(transformer, at)
        for name in names:
            if not (optional and vars(transformer).get(name, 0) is None):
                _array(
                    transformer,
                    name,
                    at,
                    ndim=1,
                    kinds=_LABEL_KINDS,
                    shape=(n,),
                    why=" (n_features_in_)",
                    finite=False,
                )

    return check


def _check_simple_imputer(imputer, at):
    _vectors_of_features("statistics_")(imputer, at)
    if vars(imputer).get("indicator_") is not None:
        _instance(imputer, "indicator_", at, MissingIndicator)


def _check_missing_indicator(indicator, at):
    n = _n_features(indicator, at)
    _indices(indicator, "features_", at, n, what="feature indices")
    _integer(indicator, "_n_features", at, low=n, high=n)


def _check_categories(encoder, at):
    """One non-empty vector of categories per feature, numbers sorted."""
    n = _n_features(encoder, at)
    categories = _instance(encoder, "categories_", at, list)
    if len(categories) != n:
        _fail(
            _where(encoder, "categories_", at),
            f"has {len(categories)} entries, not one per feature ({n})",
        )
    for i in range(n):
        found = _array(
            categories,
            i,
            _where(encoder, "categories_", at),
            ndim=1,
            kinds=_LABEL_KINDS,
            finite=False,
        )
        numbers = found[~np.isnan(found)] if found.dtype.kind == "f" else found
        if found.size == 0 or (
            found.dtype.kind in "iuf" and (np.diff(numbers) <= 0).any()
        ):
            _fail(
                _where(categories, i, _where(encoder, "categories_", at)),
                "is not a non-empty vector of categories, numbers sorted",
            )
    return [c.size for c in categories]


def _optional_indices(obj, key, at, sizes, *, length=None):
    """A list of None or index vectors, the ``i``-th within ``[0, sizes[i])``."""
    found = _instance(obj, key, at, list)
    where = _where(obj, key, at)
    if len(found) != len(sizes):
        _fail(where, f"has {len(found)} entries, not one per feature")
    for i, size in enumerate(sizes):
        if found[i] is not None:
            indices = _indices(found, i, where, size)
            if length is not None and indices.size != length[i]:
                _fail(
                    _where(found, i, where),
                    f"has {indices.size} entries, not {length[i]}",
                )
    return found


def _check_one_hot_encoder(encoder, at):
    """Every output column index within the output, which scipy does not check.

    ``transform`` builds a sparse matrix from indices that
    ``_default_to_infrequent_mappings``, ``_drop_idx_after_grouping`` and
    ``_n_features_outs`` decide; scipy checks none against the shape, and
    writing the dense output from indices out of range corrupts memory.
    """
    sizes = _check_categories(encoder, at)
    grouped = sizes
    if _instance(encoder, "_infrequent_enabled", at, (bool, np.bool_)):
        rare = _optional_indices(encoder, "_infrequent_indices", at, sizes)
        grouped = [
            n if r is None else n - r.size + 1 for n, r in zip(sizes, rare, strict=True)
        ]
        _optional_indices(
            encoder, "_default_to_infrequent_mappings", at, grouped, length=sizes
        )
    for name, bounds in (("drop_idx_", sizes), ("_drop_idx_after_grouping", grouped)):
        if vars(encoder).get(name) is None:
            continue
        dropped = _array(encoder, name, at, ndim=1, kinds="iuO", shape=(len(sizes),))
        for i, (index, size) in enumerate(zip(dropped, bounds, strict=True)):
            if index is not None and not (
                isinstance(index, Integral) and 0 <= index < size
            ):
                _fail(
                    _where(dropped.tolist(), i, _where(encoder, name, at)),
                    f"is {index!r}, not None or in [0, {size})",
                )
    outputs = _instance(encoder, "_n_features_outs", at, list)
    expected = encoder._compute_n_features_outs()
    if [int(n) for n in outputs] != [int(n) for n in expected]:
        _fail(
            _where(encoder, "_n_features_outs", at),
            f"is {outputs}, but the categories give {list(expected)}",
        )


def _check_ordinal_encoder(encoder, at):
    sizes = _check_categories(encoder, at)
    missing = _instance(encoder, "_missing_indices", at, dict)
    for feature, index in missing.items():
        if not (
            isinstance(feature, Integral)
            and 0 <= feature < len(sizes)
            and isinstance(index, Integral)
            and 0 <= index < sizes[feature]
        ):
            _fail(
                _where(encoder, "_missing_indices", at),
                f"maps feature {feature!r} to category {index!r}",
            )


def _check_polynomial_features(poly, at):
    n = _n_features(poly, at)
    low = _integer(poly, "_min_degree", at)
    high = _integer(poly, "_max_degree", at, low=low)
    for name, start in (("n_output_features_", low), ("_n_out_full", 0)):
        if _has(poly, name):
            expected = PolynomialFeatures._num_combinations(
                n_features=n,
                min_degree=start,
                max_degree=high,
                interaction_only=poly.interaction_only,
                include_bias=poly.include_bias,
            )
            _integer(poly, name, at, low=expected, high=expected)


def _check_labels(encoder, at):
    _array(encoder, "classes_", at, ndim=1, kinds=_LABEL_KINDS)
    if isinstance(encoder, LabelBinarizer):
        _choice(
            encoder, "y_type_", at, ("binary", "multiclass", "multilabel-indicator")
        )


# Composition.


def _check_pipeline(pipeline, at):
    # Its steps are fitted in place, and the walk checks them as it does
    # any estimator; here, what the pipeline itself holds.
    _check_no_shadowing(pipeline, at)
    _check_params(pipeline, at)
    steps = _instance(pipeline, "steps", at, list)
    for i, step in enumerate(steps):
        if not (
            isinstance(step, tuple) and len(step) == 2 and isinstance(step[0], str)
        ):
            _fail(
                _where(steps, i, _where(pipeline, "steps", at)),
                "is not a (name, estimator) pair",
            )
    names = [name for name, _ in steps]
    if len(set(names)) != len(names):
        _fail(_where(pipeline, "steps", at), f"repeats a step name: {names}")


def _check_column_transformer(transformer, at):
    n = _n_features(transformer, at)
    fitted = _instance(transformer, "transformers_", at, list)
    where = _where(transformer, "transformers_", at)
    for i, entry in enumerate(fitted):
        if not (
            isinstance(entry, tuple) and len(entry) == 3 and isinstance(entry[0], str)
        ):
            _fail(
                _where(fitted, i, where), "is not a (name, transformer, columns) triple"
            )
        if isinstance(entry[1], str) and entry[1] not in ("drop", "passthrough"):
            _fail(_where(fitted, i, where), f"holds {entry[1]!r}, not a transformer")
        _check_columns(entry[2], n, f"{where}[{i}][2]")
    given = [entry[0] for entry in _instance(transformer, "transformers", at, list)]
    names = [entry[0] for entry in fitted]
    if names[: len(given)] != given:
        _fail(where, f"names {names}, not those of transformers, {given}")
    _instance(transformer, "sparse_output_", at, (bool, np.bool_))
    columns = _instance(transformer, "_columns", at, list)
    for i, found in enumerate(columns):
        _check_columns(
            found, n, _where(columns, i, _where(transformer, "_columns", at))
        )


def _check_columns(columns, n_features, where):
    """Column names, indices within the features, a slice or a mask."""
    if isinstance(columns, (str, slice)):
        return
    values = np.atleast_1d(np.asarray(columns if columns is not None else []))
    if values.dtype.kind == "b":
        if values.size != n_features:
            _fail(where, f"is a mask of {values.size} columns, not {n_features}")
    elif values.dtype.kind in "iu":
        if values.size and (values.min() < -n_features or values.max() >= n_features):
            _fail(where, f"holds column indices beyond the {n_features} features")
    elif not all(isinstance(c, str) for c in values.tolist()):
        _fail(where, f"is {columns!r}, not column names, indices or a mask")


def _check_frozen_estimator(frozen, at):
    # The frozen estimator is fitted; the walk checks it.
    _check_no_shadowing(frozen, at)
    if not hasattr(_get(frozen, "estimator", at), "predict"):
        _fail(_where(frozen, "estimator", at), "is not a fitted estimator")


# Calibration.


def _check_calibrated_classifier_cv(model, at):
    classes = _classes(model, "classes_", at)
    _n_features(model, at)
    parts = _instance(model, "calibrated_classifiers_", at, list)
    if not parts:
        _fail(_where(model, "calibrated_classifiers_", at), "is empty")
    for i in range(len(parts)):
        where = _where(parts, i, _where(model, "calibrated_classifiers_", at))
        part = _instance(
            parts,
            i,
            _where(model, "calibrated_classifiers_", at),
            _CalibratedClassifier,
        )
        _check_calibrated_part(part, where, classes)


def _check_calibrated_part(part, at, classes):
    """One fold's estimator and calibrators, for the classes of the whole."""
    found = _get(part, "classes", at)
    if not (np.shape(found) == classes.shape and np.array_equal(found, classes)):
        _fail(
            _where(part, "classes", at), f"is {found!r}, not the classes_ {classes!r}"
        )
    inner = getattr(_get(part, "estimator", at), "classes_", None)
    if inner is None or not np.isin(inner, classes).all():
        _fail(
            _where(part, "estimator", at),
            f"has classes {inner!r}, not among {classes!r}",
        )
    method = _choice(part, "method", at, tuple(_CALIBRATORS))
    calibrators = _instance(part, "calibrators", at, list)
    expected = 1 if classes.size == 2 or method == "temperature" else len(inner)
    if len(calibrators) != expected:
        _fail(
            _where(part, "calibrators", at), f"holds {len(calibrators)}, not {expected}"
        )
    for i in range(expected):
        _instance(calibrators, i, _where(part, "calibrators", at), _CALIBRATORS[method])


_CALIBRATORS = {"sigmoid": _SigmoidCalibration, "isotonic": IsotonicRegression}
if _TemperatureScaling is not None:
    _CALIBRATORS["temperature"] = _TemperatureScaling


def _numbers(*names):
    """The check of an estimator whose ``names`` hold finite numbers."""

    def check(estimator, at):
        for name in names:
            _number(estimator, name, at)

    return check


def _check_isotonic_regression(regression, at):
    x = _array(regression, "X_thresholds_", at, ndim=1)
    _array(regression, "y_thresholds_", at, ndim=1, shape=x.shape, why=" as X")
    if (np.diff(x) < 0).any():
        _fail(_where(regression, "X_thresholds_", at), "is not sorted")
    _numbers("X_min_", "X_max_")(regression, at)


# Trees and boosting, whose trees are built only when trusted by name: what
# surrounds the trees.


def _check_decision_tree(tree, at):
    n_classes = _classes(tree, "classes_", at).size
    n = _n_features(tree, at)
    _integer(tree, "n_outputs_", at, low=1, high=1)
    _integer(tree, "n_classes_", at, low=n_classes, high=n_classes)
    _integer(tree, "max_features_", at, low=0, high=n)
    nodes = _get(tree, "tree_", at)
    if (
        getattr(nodes, "n_features", None) != n
        or getattr(nodes, "n_outputs", None) != 1
        or list(getattr(nodes, "n_classes", [])) != [n_classes]
    ):
        _fail(
            _where(tree, "tree_", at),
            f"is not a tree of {n} features and {n_classes} classes",
        )


def _check_random_forest(forest, at):
    classes = _classes(forest, "classes_", at)
    _n_features(forest, at)
    _integer(forest, "n_outputs_", at, low=1, high=1)
    _integer(forest, "n_classes_", at, low=classes.size, high=classes.size)
    trees = _instance(forest, "estimators_", at, list)
    if not trees:
        _fail(_where(forest, "estimators_", at), "is empty")
    for i in range(len(trees)):
        _instance(trees, i, _where(forest, "estimators_", at), DecisionTreeClassifier)
        _same_classes(
            trees[i],
            _where(trees, i, _where(forest, "estimators_", at)),
            classes,
            _where(forest, "classes_", at),
        )


def _check_hist_gradient_boosting(model, at):
    n_classes = _classes(model, "classes_", at).size
    _n_features(model, at)
    columns = 1 if n_classes == 2 else n_classes
    _integer(model, "n_trees_per_iteration_", at, low=columns, high=columns)
    _array(model, "_baseline_prediction", at, ndim=2, shape=(1, columns))
    iterations = _instance(model, "_predictors", at, list)
    for i, trees in enumerate(iterations):
        if not (isinstance(trees, list) and len(trees) == columns):
            _fail(
                _where(iterations, i, _where(model, "_predictors", at)),
                f"is not a list of {columns} trees, one per score column",
            )
    _instance(model, "_bin_mapper", at, _BinMapper)
    if getattr(_get(model, "_loss", at), "n_classes", None) != n_classes:
        _fail(_where(model, "_loss", at), f"is not a loss of {n_classes} classes")


def _check_bin_mapper(mapper, at):
    thresholds = _instance(mapper, "bin_thresholds_", at, list)
    for i in range(len(thresholds)):
        _array(thresholds, i, _where(mapper, "bin_thresholds_", at), ndim=1)
    _array(
        mapper, "n_bins_non_missing_", at, ndim=1, kinds="iu", shape=(len(thresholds),)
    )
    _integer(mapper, "missing_values_bin_idx_", at)


# This package's objects.


def _check_thresholded_classifier(clf, at):
    _check_no_shadowing(clf, at)
    _check_params(clf, at)
    if not _is_fitted(clf):
        return
    estimator = _get(clf, "estimator_", at)
    classes = _classes(clf, "classes_", at)
    _same_classes(
        estimator, _where(clf, "estimator_", at), classes, _where(clf, "classes_", at)
    )
    response = _choice(
        clf, "response_method_", at, ("predict_proba", "decision_function")
    )
    if not hasattr(estimator, response):
        _fail(_where(clf, "estimator_", at), f"has no {response} (response_method_)")
    rule = _choice(
        clf, "decision_rule_", at, ("tuned", "argmax", "prior", "bayes", "fixed")
    )
    pos_label = _get(clf, "pos_label_", at)
    if classes.size == 2:
        if np.ndim(pos_label) or pos_label not in classes.tolist():
            _fail(_where(clf, "pos_label_", at), f"is {pos_label!r}, not a class")
        calibrated = _check_calibrations(clf, at, classes.size)
        _check_binary_rule(clf, at, "probability" if calibrated else response)
    else:
        if pos_label is not None:
            _fail(_where(clf, "pos_label_", at), "is not None, with more classes")
        if response != "predict_proba":
            _fail(
                _where(clf, "response_method_", at),
                "is not 'predict_proba', which the rule of more classes reads",
            )
        _check_class_rule(clf, at, rule, classes.size)
        _check_calibrations(clf, at, classes.size)
    _check_objective_type(clf, at)
    for name in ("training_prior_", "class_prior_"):
        _check_prior(clf, name, at, classes)
    if _has(clf, "held_out_summary_"):
        _check_summary(clf, at, classes.size)
    if _has(clf, "n_features_in_"):
        n_features = _n_features(clf, at)
        if getattr(estimator, "n_features_in_", n_features) != n_features:
            _fail(_where(clf, "n_features_in_", at), "differs from estimator_'s")


def _check_prior(model, name, at, classes):
    """Positive shares of the classes summing to 1, as fit leaves them: the
    class-balance methods divide by them and weigh the summary with them."""
    prior = _array(model, name, at, ndim=1, shape=classes.shape, why=" (classes_)")
    if (prior <= 0).any() or not math.isclose(prior.sum(), 1, rel_tol=1e-6):
        _fail(_where(model, name, at), "is not positive shares summing to 1")


def _threshold_bounds(scores):
    """The range of the thresholds fit sets on ``scores``."""
    return _PROBABILITY_THRESHOLDS if scores in ("predict_proba", "probability") else {}


def _check_binary_rule(clf, at, response):
    bounds = _threshold_bounds(response)
    threshold = _number(clf, "decision_threshold_", at, **bounds)
    if _has(clf, "abstention_band_"):
        _check_band(clf, "abstention_band_", at, threshold, bounds)
        _number(clf, "abstention_coverage_", at, low=0, high=1)


def _check_band(obj, key, at, threshold, bounds):
    """``(low, high)`` around ``threshold``."""
    band, where = _get(obj, key, at), _where(obj, key, at)
    if not (isinstance(band, tuple) and len(band) == 2):
        _fail(where, f"is {band!r}, not a pair (low, high)")
    low, high = (_number(band, i, where, **bounds) for i in range(2))
    if not low <= threshold <= high:
        _fail(where, f"is {band!r}, which does not hold the threshold {threshold!r}")


def _check_class_rule(clf, at, rule, n_classes):
    """Positive thresholds summing to 1, or the cost matrix of a Bayes rule."""
    if _has(clf, "cost_matrix_"):
        shape = (n_classes, n_classes)
        _array(clf, "cost_matrix_", at, ndim=2, shape=shape, why=" (classes_)")
    if _get(clf, "decision_threshold_", at) is None:
        if rule != "bayes" or not _has(clf, "cost_matrix_"):
            _fail(
                _where(clf, "decision_threshold_", at), "is None, with no cost matrix"
            )
        return
    threshold = _array(
        clf,
        "decision_threshold_",
        at,
        ndim=1,
        shape=(n_classes,),
        why=": one per class (classes_)",
    )
    if (threshold <= 0).any() or not math.isclose(threshold.sum(), 1, rel_tol=1e-6):
        _fail(
            _where(clf, "decision_threshold_", at),
            "is not positive thresholds summing to 1",
        )


def _check_summary(clf, at, n_classes):
    """``held_out_summary_``, which with_class_prior and check_drift read."""
    summary = _instance(clf, "held_out_summary_", at, dict)
    where = _where(clf, "held_out_summary_", at)
    shape = (None,) if n_classes == 2 else (None, n_classes)
    n_points = _array(summary, "scores", where, ndim=len(shape), shape=shape).shape[0]
    _indices(summary, "class_index", where, n_classes, what="class indices")
    _array(summary, "class_index", where, ndim=1, kinds="iu", shape=(n_points,))
    weight = _array(summary, "weight", where, ndim=1, shape=(n_points,))
    if (weight < 0).any():
        _fail(_where(summary, "weight", where), "holds negative weights")
    totals = np.bincount(summary["class_index"], weights=weight, minlength=n_classes)
    if not (totals > 0).all():
        # The class-balance methods divide by each class's share.
        _fail(_where(summary, "weight", where), "gives a class no weight")
    _integer(summary, "n_samples", where)
    # A distance between distributions of scores: check_drift reports no
    # drift smaller than it, so a NaN or a 5 would hide every drift.
    if _has(summary, "fold_distance"):
        _number(summary, "fold_distance", where, low=0, high=1)
    unknown = set(summary).difference(_SUMMARY_KEYS)
    if unknown:
        _fail(where, f"holds keys {sorted(map(str, unknown))} besides {_SUMMARY_KEYS}")


_SUMMARY_KEYS = ("scores", "class_index", "weight", "n_samples", "fold_distance")


def _check_tuned_threshold(tuned, at):
    classes = _classes(tuned, "classes_", at)
    score_type = _choice(tuned, "score_type", at, ("probability", "logit"))
    rule = _choice(tuned, "decision_rule_", at, ("tuned", "argmax", "prior"))
    calibrated = vars(tuned).get("calibration_") is not None
    # with_class_prior drops what describes the given samples' balance:
    # the objective's value there, the interval and the curve.
    if _has(tuned, "score"):
        _number(tuned, "score", at)
    _integer(tuned, "n_samples", at, low=1)
    level = _number(tuned, "confidence_level", at, low=0, high=1)
    if level in (0, 1):
        _fail(_where(tuned, "confidence_level", at), f"is {level!r}, not in (0, 1)")
    interval = vars(tuned).get("interval")
    pos_label = _get(tuned, "pos_label_", at)
    if classes.size > 2:
        if pos_label is not None:
            _fail(_where(tuned, "pos_label_", at), "is not None, with more classes")
        _check_class_rule(tuned, at, rule, classes.size)
        if interval is not None:
            _array(tuned, "interval", at, ndim=2, shape=(classes.size, 2))
    else:
        if np.ndim(pos_label) or pos_label not in classes.tolist():
            _fail(_where(tuned, "pos_label_", at), f"is not one of {classes!r}")
        bounds = _threshold_bounds("probability" if calibrated else score_type)
        threshold = _number(tuned, "decision_threshold_", at, **bounds)
        if interval is not None:
            if not (isinstance(interval, tuple) and len(interval) == 2):
                _fail(_where(tuned, "interval", at), "is not None or (low, high)")
            for i in range(2):
                _number(interval, i, _where(tuned, "interval", at), **bounds)
        if _has(tuned, "abstention_band_"):
            _check_band(tuned, "abstention_band_", at, threshold, bounds)
            _number(tuned, "abstention_coverage_", at, low=0, high=1)
        if _has(tuned, "curve"):
            curve = _instance(tuned, "curve", at, dict)
            where = _where(tuned, "curve", at)
            n_points = _array(curve, "thresholds", where, ndim=1).size
            _array(curve, "scores", where, ndim=1, shape=(n_points,), finite=False)
    for name in ("training_prior_", "class_prior_"):
        if _has(tuned, name):
            _check_prior(tuned, name, at, classes)
    _check_objective_type(tuned, at)
    if _has(tuned, "held_out_summary_"):
        _check_summary(tuned, at, classes.size)
    _check_calibrations(tuned, at, classes.size)
    if _has(tuned, "score_columns_"):
        _check_score_columns(tuned, at, classes.size, score_type)


def _check_score_columns(tuned, at, n_classes, score_type):
    """The table columns the command line read the scores from: distinct
    names, as many as the rule reads (two classes: pos_label's score, or a
    softmax's two probabilities)."""
    columns = _instance(tuned, "score_columns_", at, tuple)
    where = _where(tuned, "score_columns_", at)
    if not all(isinstance(name, str) for name in columns):
        _fail(where, "holds something other than column names")
    if len(set(columns)) != len(columns):
        _fail(where, "repeats a column")
    counts = {n_classes} if n_classes > 2 else {1, 2}
    if n_classes == 2 and score_type == "logit":
        counts = {1}
    if len(columns) not in counts:
        _fail(where, f"names {len(columns)} columns for {n_classes} classes")


def _check_calibrations(model, at, n_classes):
    """``calibration_`` and ``prior_calibration_``, where present: maps of
    ``_calibration``. Whether the rule reads calibrated probabilities."""
    calibrated = False
    for name in ("calibration_", "prior_calibration_"):
        if not _has(model, name) or _get(model, name, at) is None:
            continue
        calibrated |= name == "calibration_"
        found = _instance(model, name, at, dict)
        where = _where(model, name, at)
        method = _choice(found, "method", where, ("sigmoid", "isotonic", "temperature"))
        if method == "temperature":
            _number(found, "temperature", where, low=1e-12)
            _array(found, "bias", where, ndim=1, shape=(n_classes,))
        elif n_classes == 2:
            _check_binary_map(method, found, where)
        else:
            maps = _instance(found, "classes", where, list)
            if len(maps) != n_classes:
                _fail(_where(found, "classes", where), "is not one map per class")
            for k, one in enumerate(maps):
                _check_binary_map(
                    method, one, f"{_where(found, 'classes', where)}[{k}]"
                )
    return calibrated


def _check_binary_map(method, found, where):
    if method == "sigmoid":
        _number(found, "a", where)
        _number(found, "b", where)
        return
    x = _array(found, "x", where, ndim=1)
    y = _array(found, "y", where, ndim=1, shape=x.shape, why=" as x")
    if x.size == 0 or (np.diff(x) < 0).any():
        _fail(_where(found, "x", where), "is not a non-decreasing, non-empty array")
    if ((y < 0) | (y > 1)).any() or (np.diff(y) < 0).any():
        _fail(_where(found, "y", where), "is not non-decreasing probabilities")


def _check_objective_type(model, at):
    """``objective_``, which with_class_prior re-derives the rule with."""
    if _has(model, "objective_"):
        _instance(model, "objective_", at, (Objective, ScorerObjective))


def _check_objective(objective, at):
    """An objective as its constructor makes it from the same values."""
    try:
        rebuilt = _REBUILD[type(objective)](objective)
    except (AttributeError, TypeError, ValueError) as exc:
        _fail(at, f"is not an objective its constructor accepts: {exc}")
    if rebuilt != objective or set(vars(rebuilt)) != set(vars(objective)):
        _fail(at, "holds other values than its constructor sets")


_REBUILD = {
    Metric: lambda o: Metric(o.name, **o.params),
    Cost: lambda o: Cost(tn=o.tn, fp=o.fp, fn=o.fn, tp=o.tp),
    CostMatrix: lambda o: CostMatrix(o.matrix),
    Constrained: lambda o: Constrained(
        o.maximize, o.subject_to, at_least=o.at_least, at_most=o.at_most
    ),
    FromCounts: lambda o: FromCounts(o.func),
}


def _check_scorer_objective(objective, at):
    classes = _array(objective, "classes", at, ndim=1, kinds=_LABEL_KINDS)
    _array(objective, "labels", at, ndim=1, kinds=_LABEL_KINDS, shape=classes.shape)
    _instance(objective, "params", at, dict)


# The check of each type load builds, by type: a scikit-learn estimator has
# its parameters checked, then its fitted state if it is fitted.
CHECKS = {
    **{
        cls: _sklearn_check(fitted_check)
        for cls, fitted_check in [
            (LogisticRegression, _check_linear_classifier),
            (SGDClassifier, _check_linear_classifier),
            (Perceptron, _check_linear_classifier),
            (LinearSVC, _check_linear_classifier),
            (RidgeClassifier, _check_ridge_classifier),
            (RidgeClassifierCV, _check_ridge_classifier),
            (SVC, _check_libsvm_classifier),
            (NuSVC, _check_libsvm_classifier),
            (
                StandardScaler,
                _vectors_of_features("mean_", "var_", "scale_", optional=True),
            ),
            (
                MinMaxScaler,
                _vectors_of_features(
                    "min_", "scale_", "data_min_", "data_max_", "data_range_"
                ),
            ),
            (RobustScaler, _vectors_of_features("center_", "scale_", optional=True)),
            (MaxAbsScaler, _vectors_of_features("max_abs_", "scale_")),
            (SimpleImputer, _check_simple_imputer),
            (MissingIndicator, _check_missing_indicator),
            (OneHotEncoder, _check_one_hot_encoder),
            (OrdinalEncoder, _check_ordinal_encoder),
            (PolynomialFeatures, _check_polynomial_features),
            (FunctionTransformer, _n_features),
            (LabelEncoder, _check_labels),
            (LabelBinarizer, _check_labels),
            (ColumnTransformer, _check_column_transformer),
            (CalibratedClassifierCV, _check_calibrated_classifier_cv),
            (_SigmoidCalibration, _numbers("a_", "b_")),
            (IsotonicRegression, _check_isotonic_regression),
            (DecisionTreeClassifier, _check_decision_tree),
            (RandomForestClassifier, _check_random_forest),
            (HistGradientBoostingClassifier, _check_hist_gradient_boosting),
            (_BinMapper, _check_bin_mapper),
        ]
    },
    Pipeline: _check_pipeline,
    FrozenEstimator: _check_frozen_estimator,
    ThresholdedClassifier: _check_thresholded_classifier,
    TunedThreshold: _check_tuned_threshold,
    ScorerObjective: _check_scorer_objective,
    **dict.fromkeys(_REBUILD, _check_objective),
}
if _TemperatureScaling is not None:
    CHECKS[_TemperatureScaling] = _sklearn_check(_numbers("beta_"))
