"""Save a fitted model to a file, and load it back checking what it holds.

:func:`dump` writes a ``.skops`` file (the format of `skops
<https://skops.readthedocs.io>`_, which a loader can inspect before it builds
anything) or, when the extension says so, a joblib pickle (``.joblib``,
``.pkl``, ``.pickle``). :func:`load` reads them back.

A skops file is a zip archive: arrays, and a ``schema.json`` naming the type
of every object and its values. :func:`load` treats it as hostile until
checked, in three steps (its docstring says each in full):

1. It reads no more than ``max_bytes`` (by default 100 times the file's
   size, at least 64 MiB) before deciding anything: the sizes the archive
   declares are checked before a byte is decompressed, and members are read
   by chunks up to those sizes, since ``ZipFile.read`` decompresses up to
   1 GiB of a member before cutting it to its declared size. The schema is
   bounded too: objects, depth, and the arrays its objects read.
2. Building an object runs its type's code with values from the file, so it
   builds only types it trusts: Python's, numpy's and scipy's plain types
   that skops trusts, and ``TRUSTED_TYPES``: this package's types, and the
   scikit-learn estimators whose fitted state step 3 checks. Any other type
   is refused by name before anything is built; passing its name in
   ``trusted=`` allows it deliberately.
3. Once built, each object of this package and each scikit-learn estimator
   of ``TRUSTED_TYPES`` must be in a state that fitting leaves it in: a
   crafted file can give an ``SVC`` support-vector indices that
   scikit-learn's compiled code reads without bounds checks, crashing the
   process, or a ``ThresholdedClassifier`` a NaN threshold. A parameter
   that would make the model touch files, ``Pipeline(memory=...)``, is
   refused.

A pickle file cannot be inspected that way: loading one runs whatever code
it holds, so :func:`load` reads one only with ``allow_pickle=True``.

``TRUSTED_TYPES`` leaves out on purpose:

- scikit-learn's estimators at large, which skops trusts: only those whose
  state load checks are listed. Others load with their names in
  ``trusted=``, unchecked.
- scikit-learn's functions at large: a trusted function is one the file can
  make the model call, with keyword arguments the file chooses (a scorer's),
  and scikit-learn has functions that write files
  (``sklearn.datasets.dump_svmlight_file``) or download data. Only its
  metrics of predicted labels, what ``make_scorer`` wraps for a threshold,
  are trusted. So a ``FunctionTransformer``'s ``func`` or a column selector
  loads unasked only when it is one of numpy's or scipy's ufuncs.
- the trees of trees, forests and boosting: skops does not trust
  ``sklearn.tree._tree.Tree`` (inside every tree and forest) or
  ``sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor``,
  whose node indices scikit-learn's compiled code reads without bounds
  checks, so that a crafted file can crash the process or read its memory.
  A model holding them needs their names in ``trusted=``, as it does with
  skops; the estimators around them are checked.
"""

import io
import json
import os
import secrets
import zipfile
import zlib
from numbers import Integral
from pathlib import Path

import joblib
from sklearn.utils._param_validation import Interval, validate_params

from threshold_estimator._model_checks import check_model
from threshold_estimator._onnx import to_onnx
from threshold_estimator._versions import STATE_KEYS
from threshold_estimator.exceptions import InvalidModelFileError, UntrustedTypeError

__all__ = [
    "TRUSTED_TYPES",
    "dump",
    "load",
    "refused_types",
    "saved_versions",
    "to_onnx",
]

TRUSTED_TYPES = (
    # This package's models and what they hold.
    "threshold_estimator._estimator.ThresholdedClassifier",
    "threshold_estimator._scores.TunedThreshold",
    "threshold_estimator._scoring.ScorerObjective",
    "threshold_estimator.objectives.Constrained",
    "threshold_estimator.objectives.Cost",
    "threshold_estimator.objectives.CostMatrix",
    "threshold_estimator.objectives.FromCounts",
    "threshold_estimator.objectives.Metric",
    # The same objectives by the names they had before they were public.
    "threshold_estimator.objectives._Constrained",
    "threshold_estimator.objectives._Cost",
    "threshold_estimator.objectives._CostMatrix",
    "threshold_estimator.objectives._FromCounts",
    "threshold_estimator.objectives._Metric",
    # TunedThreshold.curve.
    "sklearn.utils._bunch.Bunch",
    # scikit-learn 1.6 keeps a ColumnTransformer's remainder columns in this
    # UserList of column names (later versions in a plain list).
    "sklearn.compose._column_transformer._RemainderColsList",
    # A dtype given as a parameter, such as OneHotEncoder(dtype=np.float64):
    # built from its name, it runs no code of the file.
    "numpy.dtype",
    # A make_scorer(...) scoring and its metric. The metric's keyword
    # arguments come from the file, so only metrics that compute a number
    # from labels are trusted.
    "sklearn.metrics._scorer._Scorer",
    "sklearn.metrics._classification.accuracy_score",
    "sklearn.metrics._classification.balanced_accuracy_score",
    "sklearn.metrics._classification.cohen_kappa_score",
    "sklearn.metrics._classification.f1_score",
    "sklearn.metrics._classification.fbeta_score",
    "sklearn.metrics._classification.hamming_loss",
    "sklearn.metrics._classification.jaccard_score",
    "sklearn.metrics._classification.matthews_corrcoef",
    "sklearn.metrics._classification.precision_score",
    "sklearn.metrics._classification.recall_score",
    "sklearn.metrics._classification.zero_one_loss",
    # Splitters given as cv=: integers, booleans and a random state.
    "sklearn.model_selection._split.GroupKFold",
    "sklearn.model_selection._split.KFold",
    "sklearn.model_selection._split.PredefinedSplit",
    "sklearn.model_selection._split.RepeatedKFold",
    "sklearn.model_selection._split.RepeatedStratifiedKFold",
    "sklearn.model_selection._split.ShuffleSplit",
    "sklearn.model_selection._split.StratifiedGroupKFold",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.model_selection._split.StratifiedShuffleSplit",
    # scikit-learn's estimators that load builds, each checked once built
    # for the state fitting leaves it in (shapes that agree, indices within
    # bounds, see _model_checks). skops trusts every estimator of
    # scikit-learn; load trusts only these, whose state it can check.
    "sklearn.pipeline.Pipeline",
    "sklearn.compose._column_transformer.ColumnTransformer",
    "sklearn.frozen._frozen.FrozenEstimator",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.calibration._TemperatureScaling",
    "sklearn.isotonic.IsotonicRegression",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.linear_model._stochastic_gradient.SGDClassifier",
    "sklearn.linear_model._perceptron.Perceptron",
    "sklearn.linear_model._ridge.RidgeClassifier",
    "sklearn.linear_model._ridge.RidgeClassifierCV",
    "sklearn.svm._classes.LinearSVC",
    "sklearn.svm._classes.SVC",
    "sklearn.svm._classes.NuSVC",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.preprocessing._data.MinMaxScaler",
    "sklearn.preprocessing._data.RobustScaler",
    "sklearn.preprocessing._data.MaxAbsScaler",
    "sklearn.preprocessing._encoders.OneHotEncoder",
    "sklearn.preprocessing._encoders.OrdinalEncoder",
    "sklearn.preprocessing._polynomial.PolynomialFeatures",
    "sklearn.preprocessing._function_transformer.FunctionTransformer",
    "sklearn.preprocessing._label.LabelBinarizer",
    "sklearn.preprocessing._label.LabelEncoder",
    "sklearn.impute._base.SimpleImputer",
    "sklearn.impute._base.MissingIndicator",
    # The command line's other models. Their trees are not trusted (see the
    # module's docstring): they load only with the tree types in trusted=.
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting."
    "HistGradientBoostingClassifier",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.ensemble._forest.RandomForestClassifier",
    "sklearn.tree._classes.DecisionTreeClassifier",
    # The losses and links of those estimators: classes of a few numbers,
    # built from the file's numbers.
    "sklearn._loss.link.Interval",
    "sklearn._loss.link.LogitLink",
    "sklearn._loss.link.MultinomialLogit",
    "sklearn._loss.loss.HalfBinomialLoss",
    "sklearn._loss.loss.HalfMultinomialLoss",
    # The same, as scikit-learn 1.6's compiled module names them.
    "_loss.CyHalfBinomialLoss",
    "_loss.CyHalfMultinomialLoss",
    "sklearn._loss._loss.CyHalfBinomialLoss",
    "sklearn._loss._loss.CyHalfMultinomialLoss",
    "sklearn._loss._loss.CyHalfSquaredError",
    "sklearn._loss._loss.CyHuberLoss",
    "sklearn.linear_model._sgd_fast.EpsilonInsensitive",
    "sklearn.linear_model._sgd_fast.Hinge",
    "sklearn.linear_model._sgd_fast.ModifiedHuber",
    "sklearn.linear_model._sgd_fast.SquaredEpsilonInsensitive",
    "sklearn.linear_model._sgd_fast.SquaredHinge",
)

_SKOPS_SUFFIXES = (".skops",)
_PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")


def _check_format(path):
    """``"skops"`` or ``"pickle"``, from the extension of ``path``."""
    suffix = path.suffix.lower()
    if suffix in _SKOPS_SUFFIXES:
        return "skops"
    if suffix in _PICKLE_SUFFIXES:
        return "pickle"
    raise ValueError(
        f"Cannot tell the format of {str(path)!r} from its extension "
        f"{suffix or '(none)'}: use .skops (loads without running code from the "
        f"file), or {', '.join(_PICKLE_SUFFIXES)} for a joblib pickle."
    )


def _import_skops():
    try:
        import skops.io
    except ImportError as exc:
        raise ImportError(
            ".skops files need skops: pip install "
            '"threshold-estimator[skops]". Or save to a .joblib file, which '
            "only load(..., allow_pickle=True) reads back."
        ) from exc
    return skops.io


@validate_params(
    {
        "model": "no_validation",
        "path": [str, os.PathLike],
        "compression": [Interval(Integral, 0, 9, closed="both")],
    },
    prefer_skip_nested_validation=True,
)
def dump(model, path, *, compression=6):
    """Save a fitted model to a file: skops, or joblib by the extension.

    The file is written beside ``path`` under a temporary name, then moved
    over ``path`` (which is overwritten): a failed save leaves no partial
    file, and a reader never sees one.

    Parameters
    ----------
    model : object
        What to save, such as a fitted
        :class:`~threshold_estimator.ThresholdedClassifier` or
        :class:`~threshold_estimator.TunedThreshold`. It holds no training
        sample: the held-out scores it keeps are bounded summaries.

    path : str or path-like
        The file. ``.skops`` writes the skops format, which :func:`load`
        reads without running code from the file (needs the ``skops`` extra,
        ``pip install "threshold-estimator[skops]"``); ``.joblib``, ``.pkl``
        or ``.pickle`` a joblib pickle, which ``joblib.load`` reads too.

    compression : int, default=6
        Deflate level from 0 (none) to 9 (smallest, slowest): the skops zip
        archive's or joblib's zlib level.

    See Also
    --------
    load : Reads the file back.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from threshold_estimator import ThresholdedClassifier
    >>> from threshold_estimator.persistence import dump, load
    >>> X, y = make_classification(n_samples=1000, weights=[0.9], random_state=0)
    >>> clf = ThresholdedClassifier(LogisticRegression(), scoring="f1",
    ...                             random_state=0).fit(X, y)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "model.skops"
    ...     dump(clf, path)
    ...     loaded = load(path)
    >>> print(f"{loaded.decision_threshold_:.3f}")
    0.462
    >>> bool((loaded.predict(X) == clf.predict(X)).all())
    True
    """
    path = Path(path)
    if _check_format(path) == "skops":
        skops_io = _import_skops()
        data = skops_io.dumps(
            model,
            compression=zipfile.ZIP_DEFLATED if compression else zipfile.ZIP_STORED,
            compresslevel=compression or None,
        )
        _write_atomically(path, lambda file: file.write(data))
    else:
        _write_atomically(
            path, lambda file: joblib.dump(model, file, compress=compression)
        )


def _write_atomically(path, write):
    """Call ``write(file)`` on a new file beside ``path``, then move it there."""
    if path.is_dir():
        raise IsADirectoryError(
            f"{str(path)!r} is a directory; give a file name, such as "
            f"{str(path / 'model.skops')!r}."
        )
    if not path.parent.is_dir():
        raise FileNotFoundError(
            f"Cannot save to {str(path)!r}: the directory {str(path.parent)!r} "
            "does not exist."
        )
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    # os.open's mode, unlike tempfile's, is filtered by the umask, so that the
    # file gets the permissions of any other new file.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@validate_params(
    {
        "path": [str, os.PathLike],
        "trusted": [list, tuple],
        "allow_pickle": ["boolean"],
        "max_bytes": [Interval(Integral, 1, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
def load(path, *, trusted=(), allow_pickle=False, max_bytes=None):
    """Load a model saved by :func:`dump`, building only types it can check.

    A ``.skops`` file is read in three steps, and refused at the first that
    fails:

    1. **Bounded.** Before anything is decompressed, the sizes the archive
       declares for its members must add up to at most ``max_bytes``, its
       member names be plain and distinct, its ``schema.json`` (the
       description of the objects) a JSON object of at most one object or
       list per KiB of ``max_bytes``, nested at most 200 deep, and the arrays
       its objects read again at most ``max_bytes``. Members are then read no
       further than their declared sizes.
    2. **Trusted.** Every type the file names must be trusted: Python's,
       numpy's and scipy's plain types that skops trusts, or
       ``TRUSTED_TYPES`` (this package's types, and the scikit-learn
       estimators whose fitted state step 3 checks), or ``trusted``.
       Otherwise nothing is built and the error names the other types.
       Unlike skops, load does not trust every scikit-learn estimator: a
       crafted file can give one arrays that scikit-learn's compiled code
       reads without bounds checks.
    3. **Checked.** Once built, the objects of this package and of the
       scikit-learn estimators in ``TRUSTED_TYPES`` must be in a state that
       fitting leaves them in, wherever they are (inside pipelines, column
       transformers, calibration, ``estimator_``): a finite threshold,
       within [-0.5, 1.5] for probabilities (fit puts a threshold beyond
       every held-out score at most half a gap past 0 or 1); a known
       ``response_method_``; ``classes_`` agreeing with the estimator's and
       the thresholds'; coefficients agreeing with ``classes_`` and
       ``n_features_in_``; support-vector indices within bounds; parameters
       that scikit-learn accepts. A ``Pipeline`` with ``memory`` set is
       refused: fitting it again would write cache files in that directory
       and unpickle those found there. Types named in ``trusted`` are built
       without these checks.

    Functions in a model (a ``FunctionTransformer``'s ``func``, a column
    selector, a scorer's metric) are types like any other: only numpy's and
    scipy's ufuncs and the label metrics of ``TRUSTED_TYPES`` load without
    being named in ``trusted``.

    A pickle file (``.joblib``, ``.pkl``, ``.pickle``) cannot be inspected:
    loading one runs any code it holds. It is refused unless
    ``allow_pickle=True``, then read with ``joblib.load``.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`dump` (or by ``skops.io.dump`` or
        ``joblib.dump``), the format told by its extension.

    trusted : list or tuple of str, default=()
        Further types to build, by the full names the refusal lists, such as
        ``["mypackage.MyClassifier"]``, or types of ``TRUSTED_TYPES`` to
        build without the checks of step 3. Trusting a type lets the file
        run its code with values the file chooses: name only types you
        know, from a file whose source you trust. Not used for pickle files.

    allow_pickle : bool, default=False
        Whether to load a pickle file, running any code it holds. Pass
        ``True`` only for a file you wrote or whose source you trust.

    max_bytes : int, default=None
        The most a ``.skops`` file may decompress to. ``None`` means 100
        times the file's size, and at least 64 MiB: model files that
        :func:`dump` writes decompress to at most 10 times their size. Not
        used for pickle files.

    Returns
    -------
    model : object
        What the file holds. It may be any object made of trusted types, a
        scikit-learn estimator say; check its type when only this package's
        models will do. Loading a model saved with other versions of
        threshold-estimator or scikit-learn warns
        (:class:`~threshold_estimator.exceptions.VersionMismatchWarning`).

    Raises
    ------
    UntrustedTypeError
        If a ``.skops`` file holds a type that is not trusted (a
        ``TypeError``; its ``types`` lists them).
    InvalidModelFileError
        If a ``.skops`` file is not a bounded skops archive (step 1), or
        holds an object in a state fitting cannot leave (step 3; its
        ``attribute`` names where). A ``ValueError``.
    ValueError
        If the file is a pickle and ``allow_pickle=False``, or its extension
        is neither ``.skops`` nor a pickle's.

    See Also
    --------
    dump : Saves a model.
    refused_types : The types a file holds that load would refuse.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from threshold_estimator import tune_threshold
    >>> from threshold_estimator.persistence import dump, load
    >>> y = np.array([0, 0, 0, 1, 0, 1, 1, 1])
    >>> scores = np.array([0.1, 0.2, 0.3, 0.35, 0.4, 0.6, 0.8, 0.9])
    >>> tuned = tune_threshold(y, scores, scoring="f1", n_resamples=0)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     dump(tuned, Path(folder) / "threshold.skops")
    ...     loaded = load(Path(folder) / "threshold.skops")
    ...     dump(tuned, Path(folder) / "threshold.joblib")
    ...     try:
    ...         load(Path(folder) / "threshold.joblib")
    ...     except ValueError as exc:
    ...         print(str(exc).split(":")[0])
    A pickle file runs any code it holds when loaded
    >>> loaded.predict([0.2, 0.5])
    array([0, 1])

    A file whose model was edited is refused, the attribute named:

    >>> from threshold_estimator.exceptions import InvalidModelFileError
    >>> tuned.decision_threshold_ = float("nan")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     dump(tuned, Path(folder) / "threshold.skops")
    ...     try:
    ...         load(Path(folder) / "threshold.skops")
    ...     except InvalidModelFileError as exc:
    ...         print(exc.attribute)
    decision_threshold_
    """
    path = Path(path)
    names = list(trusted)
    for name in names:
        if not isinstance(name, str) or "." not in name:
            raise TypeError(
                f"trusted holds {name!r}, not the full name of a type, such as "
                "'mypackage.MyClassifier'."
            )
    if _check_format(path) == "pickle":
        if not allow_pickle:
            raise ValueError(
                "A pickle file runs any code it holds when loaded: "
                f"{str(path)!r} is one ({path.suffix}). Pass allow_pickle=True "
                "only for a file you wrote or whose source you trust; a .skops "
                "file loads without running code from it."
            )
        return joblib.load(path)
    skops_io = _import_skops()
    data, types = _read_skops(path, max_bytes)
    reported, refused = _sort_types(skops_io, data, types, names)
    if refused:
        raise UntrustedTypeError(_explain_refusal(path, refused), refused)
    model = skops_io.loads(data, trusted=reported)
    check_model(model, repr(str(path)), unchecked=names)
    return model


@validate_params(
    {
        "path": [str, os.PathLike],
        "trusted": [list, tuple],
        "max_bytes": [Interval(Integral, 1, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
def refused_types(path, trusted=(), *, max_bytes=None):
    """The types of a ``.skops`` file that :func:`load` would refuse.

    Nothing is built: the file is read as :func:`load` reads it before it
    builds anything, within ``max_bytes``.

    Parameters
    ----------
    path : str or path-like
    trusted : sequence of str, default=()
        As in :func:`load`.
    max_bytes : int, default=None
        As in :func:`load`.

    Returns
    -------
    refused : list of str
        Full names, empty when the file holds only trusted types.

    Raises
    ------
    InvalidModelFileError
        As :func:`load` before it builds anything.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from threshold_estimator.persistence import dump, refused_types
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "tree.skops"
    ...     dump(DecisionTreeClassifier().fit([[0], [1]], [0, 1]), path)
    ...     print(refused_types(path))
    ['sklearn.tree._tree.Tree']
    """
    data, types = _read_skops(Path(path), max_bytes)
    return _sort_types(_import_skops(), data, types, list(trusted))[1]


@validate_params(
    {
        "path": [str, os.PathLike],
        "max_bytes": [Interval(Integral, 1, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
def saved_versions(path, *, max_bytes=None):
    """The threshold-estimator and scikit-learn versions a model was saved with.

    Read from the ``.skops`` file's description of its top object, without
    building anything from the file.

    Parameters
    ----------
    path : str or path-like
        A ``.skops`` file of this package's model.
    max_bytes : int, default=None
        As in :func:`load`.

    Returns
    -------
    versions : dict
        ``{"threshold-estimator": ..., "scikit-learn": ...}``; a version the
        file does not record is ``None``.

    Raises
    ------
    InvalidModelFileError
        As :func:`load` before it builds anything.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import sklearn
    >>> from threshold_estimator import tune_threshold
    >>> from threshold_estimator.persistence import dump, saved_versions
    >>> tuned = tune_threshold([0, 1, 0, 1], [0.1, 0.8, 0.3, 0.6], n_resamples=0)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     dump(tuned, Path(folder) / "threshold.skops")
    ...     versions = saved_versions(Path(folder) / "threshold.skops")
    >>> versions["scikit-learn"] == sklearn.__version__
    True
    """
    if _check_format(Path(path)) != "skops":
        raise ValueError(
            f"saved_versions reads .skops files; {str(path)!r} is a pickle, "
            "whose versions show only when it is loaded."
        )
    content = _SkopsArchive(Path(path), max_bytes).schema.get("content")
    state = content.get("content") if isinstance(content, dict) else None
    found = {}
    for package, key in STATE_KEYS.items():
        node = state.get(key) if isinstance(state, dict) else None
        found[package] = (
            json.loads(node["content"])
            if isinstance(node, dict) and node.get("is_json")
            else None
        )
    return found


# What load reads before it builds anything, at most: model files decompress
# to 1.5 to 10 times their size (benchmarks/bench_file_size.py, the command
# line's models, forests of 100 to 500 trees); a crafted one to 1,000 times.
_MIN_MAX_BYTES = 64 * 2**20
_MAX_BYTES_PER_FILE_BYTE = 100
# A JSON object or list of schema.json costs skops up to 3 KB once parsed
# and turned into its node; a real file holds one per 400 bytes or more.
_SCHEMA_OBJECTS_PER_BYTE = 1 / 1024
# Real files nest 8 to 34 deep (the command line's pipelines); skops reads
# the schema recursively, and reads 100 nested lists (200 deep) well within
# Python's recursion limit.
_MAX_SCHEMA_DEPTH = 200
_TOO_DEEP = f"its schema.json nests deeper than {_MAX_SCHEMA_DEPTH}"
_CHUNK_BYTES = 2**20


def _read_skops(path, max_bytes):
    """A skops file's archive as skops may read it, and the types it names.

    Raises InvalidModelFileError if it is not within ``max_bytes``.
    """
    archive = _SkopsArchive(path, max_bytes)
    return archive.repacked(), archive.types


class _SkopsArchive:
    """A skops archive, read within ``max_bytes`` and checked as it is read.

    Parameters
    ----------
    path : Path
        The file, read once: what is checked is what is loaded.
    max_bytes : int or None
        The most the archive may decompress to; None for the default.

    Attributes
    ----------
    schema : dict
        The parsed ``schema.json``.
    types : set of str
        The full name of every type the schema names.
    reads : list of str
        The members skops reads, once for each object that reads one.
    """

    def __init__(self, path, max_bytes):
        self.path = path
        data = path.read_bytes()
        self.max_bytes = (
            max(_MIN_MAX_BYTES, _MAX_BYTES_PER_FILE_BYTE * len(data))
            if max_bytes is None
            else max_bytes
        )
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise InvalidModelFileError(
                f"{str(path)!r} is not a skops file (a zip archive); was it saved "
                "with another format under a .skops name?"
            )
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as exc:
            raise self._refusal(f"its zip archive is damaged ({exc})") from None
        self.members = self._check_members()
        self.schema = self._read_schema()
        walk = _SchemaWalk(self._refusal)
        visits = walk.visit(self.schema, 0)
        self.types, self.reads = walk.types, walk.reads
        self._check_objects(visits)

    def _refusal(self, reason):
        return InvalidModelFileError(
            f"{str(self.path)!r} is refused before anything is built: {reason}."
        )

    def _check_members(self):
        """The members by name: plain names, stored or deflated, bounded."""
        members = {}
        for info in self.zip.infolist():
            name = info.filename
            parts = name.replace("\\", "/").split("/")
            if name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
                raise self._refusal(
                    f"its member {name!r} is a path outside the archive"
                )
            if name in members:
                raise self._refusal(f"it holds two members named {name!r}")
            if info.flag_bits & 0x1:
                raise self._refusal(f"its member {name!r} is encrypted")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise self._refusal(
                    f"its member {name!r} is compressed with method "
                    f"{info.compress_type}; skops files are deflated or stored"
                )
            members[name] = info
        total = sum(info.file_size for info in members.values())
        if total > self.max_bytes:
            raise self._refusal(
                f"it decompresses to {total:,} bytes, more than max_bytes="
                f"{self.max_bytes:,} (by default 100 times the file's size, at "
                "least 64 MiB). Pass a larger max_bytes only for a file whose "
                "source you trust"
            )
        if "schema.json" not in members:
            raise self._refusal("it holds no schema.json, which every skops file has")
        return members

    def _read(self, name):
        """A member, decompressed no further than its declared size.

        ``ZipFile.read`` would decompress up to 1 GiB of a member before
        cutting it to its declared size; reading by chunks does not.
        """
        info = self.members[name]
        content = bytearray()
        try:
            with self.zip.open(info) as member:
                while chunk := member.read(_CHUNK_BYTES):
                    content += chunk
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise self._refusal(f"its member {name!r} is damaged ({exc})") from None
        return bytes(content)

    def _read_schema(self):
        text = self._read("schema.json")
        # Counted before parsing: parsing and skops' nodes cost per object.
        limit = int(self.max_bytes * _SCHEMA_OBJECTS_PER_BYTE)
        n_objects = text.count(b"{") + text.count(b"[")
        if n_objects > limit:
            raise self._refusal(
                f"its schema.json holds {n_objects:,} JSON objects and lists, "
                f"more than the {limit:,} that max_bytes={self.max_bytes:,} "
                "allows (one per KiB)"
            )
        try:
            schema = json.loads(text)
        except RecursionError:
            raise self._refusal(_TOO_DEEP) from None
        except ValueError as exc:
            raise self._refusal(f"its schema.json is not JSON ({exc})") from None
        if not isinstance(schema, dict):
            raise self._refusal(
                f"its schema.json holds a {type(schema).__name__}, not the "
                "JSON object that describes a skops file's content"
            )
        return schema

    def _check_objects(self, visits):
        """The schema's objects, visited ``visits`` times, and their reads."""
        limit = int(self.max_bytes * _SCHEMA_OBJECTS_PER_BYTE)
        if visits > limit:
            raise self._refusal(
                f"its schema's objects, counted at each use of a shared one, "
                f"are {visits:,}, more than the {limit:,} that max_bytes="
                f"{self.max_bytes:,} allows"
            )
        for name in self.reads:
            if name not in self.members:
                raise self._refusal(
                    f"its schema reads a member {name!r} it does not hold"
                )
        read = sum(self.members[name].file_size for name in self.reads)
        if read > self.max_bytes:
            raise self._refusal(
                f"its objects read {read:,} bytes of its members, more than "
                f"max_bytes={self.max_bytes:,}: they read the same members over "
                "and over"
            )

    def repacked(self):
        """The archive's schema and read members, as a stored zip archive.

        skops reads members with ``ZipFile.read``; stored, a member cannot
        decompress to more than its declared size.
        """
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as copy:
            for name in ["schema.json", *dict.fromkeys(self.reads)]:
                copy.writestr(name, self._read(name))
        return buffer.getvalue()


class _SchemaWalk:
    """Walks ``schema.json`` as skops will, collecting types and reads.

    skops turns each JSON object with an ``__id__`` it has seen before into
    the node it already made, without reading that object again; but its
    audit then visits the shared node at each use, so a small schema can
    make it visit exponentially many. ``visit`` counts those visits.
    """

    def __init__(self, refusal):
        self.refusal = refusal
        self.types = set()
        self.reads = []
        self.visits_by_id = {}

    def visit(self, value, depth):
        """The number of nodes skops' audit visits in ``value``."""
        if depth > _MAX_SCHEMA_DEPTH:
            raise self.refusal(_TOO_DEEP)
        if isinstance(value, list):
            return sum(self.visit(item, depth + 1) for item in value)
        if not isinstance(value, dict):
            return 0
        saved_id = value.get("__id__")
        shared = bool(saved_id) and isinstance(saved_id, (int, str, float))
        if shared and saved_id in self.visits_by_id:
            # None while its own content is visited: a cycle, which the
            # audit does not follow.
            return self.visits_by_id[saved_id] or 0
        if shared:
            self.visits_by_id[saved_id] = None
        is_node = "__loader__" in value
        module, name = value.get("__module__"), value.get("__class__")
        if is_node and isinstance(module, str) and isinstance(name, str):
            self.types.add(f"{module}.{name}")
        if is_node and isinstance(value.get("file"), str):
            self.reads.append(value["file"])
        visits = is_node + sum(self.visit(v, depth + 1) for v in value.values())
        if shared:
            self.visits_by_id[saved_id] = visits
        return visits


# The packages of the plain types skops trusts by default, besides
# scikit-learn's: of the other types of a file, load builds only those of
# TRUSTED_TYPES and trusted=.
_PLAIN_PACKAGES = ("builtins", "collections", "numpy", "scipy")


def _sort_types(skops_io, data, types, trusted):
    """The types a file names beyond skops' defaults, and those refused.

    ``data`` is the file's archive, ``types`` the names its schema holds.

    Returns
    -------
    reported : list of str
        The types skops' audit does not trust by default and load does:
        what skops is told to trust.
    refused : list of str
    """
    allowed = set(TRUSTED_TYPES).union(trusted)
    found = set(skops_io.get_untrusted_types(data=data))
    # skops trusts every scikit-learn estimator; load only those it checks.
    found.update(name for name in types if name.split(".")[0] not in _PLAIN_PACKAGES)
    refused = sorted(found - allowed)
    return sorted(found - set(refused)), refused


def _explain_refusal(path, refused):
    """The message refusing ``refused``, with skops' reasons where it has any."""
    from skops.io import exceptions

    reasons = getattr(exceptions, "UNTRUSTED_TYPE_REASONS", {})
    notes = "".join(f"\n\n{reasons[name]}" for name in refused if name in reasons)
    return (
        f"{str(path)!r} holds types that load does not trust: {refused}. "
        "Building a type runs its code with values from the file; load "
        "trusts Python's and numpy's plain types and "
        "threshold_estimator.persistence.TRUSTED_TYPES, this package's types "
        "and the scikit-learn estimators whose state it checks. If you know "
        "these types and trust the file's source, load it with "
        f"load({str(path)!r}, trusted={refused!r}), which lets the file run "
        f"their code.{notes}"
    )
