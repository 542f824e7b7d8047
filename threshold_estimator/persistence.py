"""Save a fitted model to a file, and load it back trusting only known types.

:func:`dump` writes a ``.skops`` file (the format of `skops
<https://skops.readthedocs.io>`_, which a loader can inspect before it builds
anything) or, when the extension says so, a joblib pickle (``.joblib``,
``.pkl``, ``.pickle``). :func:`load` reads them back.

A skops file names the type of every object it holds, and building an object
runs its type's code; so :func:`load` builds only types it trusts: skops'
defaults (Python's and numpy's plain types, scikit-learn's estimators) and
the names in ``TRUSTED_TYPES``, this package's types and the few other
scikit-learn types that fitted models hold. Any other type is refused by
name before anything is built; passing its name in ``trusted=`` allows it
deliberately. A pickle file cannot be inspected that way: loading one runs
whatever code it holds, so :func:`load` reads one only with
``allow_pickle=True``.

``TRUSTED_TYPES`` leaves out on purpose:

- scikit-learn's functions at large: a trusted function is one the file can
  make the model call, with keyword arguments the file chooses (a scorer's),
  and scikit-learn has functions that write files
  (``sklearn.datasets.dump_svmlight_file``) or download data. Only its
  metrics of predicted labels, what ``make_scorer`` wraps for a threshold,
  are trusted.
- scikit-learn's classes at large: skops does not trust some of them on
  purpose, such as ``sklearn.tree._tree.Tree`` (inside every tree and
  forest) and ``sklearn.neighbors._kd_tree.KDTree``, whose node indices
  scikit-learn's compiled code reads without bounds checks, so that a
  crafted file can crash the process or read its memory. A model holding
  them needs their names in ``trusted=``, as it does with skops.
"""

import io
import json
import os
import secrets
import zipfile
from numbers import Integral
from pathlib import Path

import joblib
from sklearn.utils._param_validation import Interval, validate_params

from threshold_estimator._onnx import to_onnx
from threshold_estimator._versions import _STATE_KEYS
from threshold_estimator.exceptions import UntrustedTypeError

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
    # What a fitted CalibratedClassifierCV holds: estimators, numbers and
    # arrays that numpy indexes with bounds checks.
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
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
    },
    prefer_skip_nested_validation=True,
)
def load(path, *, trusted=(), allow_pickle=False):
    """Load a model saved by :func:`dump`, building only trusted types.

    A ``.skops`` file is inspected before anything is built: every type it
    names must be trusted, by skops (Python's and numpy's plain types,
    scikit-learn's estimators), by ``TRUSTED_TYPES`` (this package's types
    and the other scikit-learn types its models hold), or by ``trusted``.
    Otherwise nothing is loaded and the error names the other types.

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
        ``["mypackage.MyClassifier"]``. Trusting a type lets the file run
        its code: name only types you know, from a file whose source you
        trust. Not used for pickle files.

    allow_pickle : bool, default=False
        Whether to load a pickle file, running any code it holds. Pass
        ``True`` only for a file you wrote or whose source you trust.

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
    ValueError
        If the file is a pickle and ``allow_pickle=False``, or its extension
        is neither ``.skops`` nor a pickle's.

    See Also
    --------
    dump : Saves a model.

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
    data = path.read_bytes()
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ValueError(
            f"{str(path)!r} is not a skops file (a zip archive); was it saved "
            "with another format under a .skops name?"
        )
    found, refused = _sort_types(skops_io, data, names)
    if refused:
        raise UntrustedTypeError(_explain_refusal(path, refused), refused)
    return skops_io.loads(data, trusted=[name for name in found if name not in refused])


def refused_types(path, trusted=()):
    """The types of a ``.skops`` file that :func:`load` would refuse.

    Parameters
    ----------
    path : str or path-like
    trusted : sequence of str, default=()
        As in :func:`load`.

    Returns
    -------
    refused : list of str
        Full names, empty when the file loads as it is.

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
    return _sort_types(_import_skops(), Path(path).read_bytes(), list(trusted))[1]


def saved_versions(path):
    """The threshold-estimator and scikit-learn versions a model was saved with.

    Read from the ``.skops`` file's description of its top object, without
    building anything from the file.

    Parameters
    ----------
    path : str or path-like
        A ``.skops`` file of this package's model.

    Returns
    -------
    versions : dict
        ``{"threshold-estimator": ..., "scikit-learn": ...}``; a version the
        file does not record is ``None``.

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
    with zipfile.ZipFile(path) as archive:
        schema = json.loads(archive.read("schema.json"))
    state = schema.get("content", {}).get("content", {})
    found = {}
    for package, key in _STATE_KEYS.items():
        node = state.get(key)
        found[package] = (
            json.loads(node["content"])
            if isinstance(node, dict) and node.get("is_json")
            else None
        )
    return found


def _sort_types(skops_io, data, trusted):
    """The file's types beyond skops' defaults, and those refused of them."""
    allowed = set(TRUSTED_TYPES).union(trusted)
    found = skops_io.get_untrusted_types(data=data)
    return found, [name for name in found if name not in allowed]


def _explain_refusal(path, refused):
    """The message refusing ``refused``, with skops' reasons where it has any."""
    from skops.io import exceptions

    reasons = getattr(exceptions, "UNTRUSTED_TYPE_REASONS", {})
    notes = "".join(f"\n\n{reasons[name]}" for name in refused if name in reasons)
    return (
        f"{str(path)!r} holds types that load does not trust: {refused}. "
        "Building a type runs its code, and a file can name any type; load "
        "trusts this package's types, scikit-learn's estimators and "
        "threshold_estimator.persistence.TRUSTED_TYPES. If you know these "
        "types and trust the file's source, load it with "
        f"load({str(path)!r}, trusted={refused!r}), which lets the file run "
        f"their code.{notes}"
    )
