"""What the commands share: loading model files, progress, JSON values."""

import platform
import sys
import warnings

import numpy as np
import sklearn

import threshold_estimator
from threshold_estimator import persistence
from threshold_estimator._estimator import ThresholdedClassifier
from threshold_estimator.cli._files import (
    InputError,
    check_file,
    looks_like_table,
    one_line,
)
from threshold_estimator.exceptions import UntrustedTypeError


def progress(args, message):
    if args.progress:
        print(f"threshold-estimator: {message}", file=sys.stderr, flush=True)


def load_model(path, trust=()):
    """``persistence.load``, its refusals as bad input, its warnings one line."""
    check_file(path)
    if looks_like_table(path):
        raise InputError(f"{path} is a table, not a model file")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = persistence.load(path, trusted=trust)
        for warning in caught:
            message = one_line(warning.message)
            print(f"threshold-estimator: warning: {message}", file=sys.stderr)
        return model
    except UntrustedTypeError as exc:
        trust = " ".join(f"--trust {name}" for name in exc.types)
        raise InputError(
            f"{path} holds types that are not trusted by default, because a "
            f"crafted file could abuse them: {' '.join(exc.types)}. If you wrote "
            f"it or trust its source, pass {trust}"
        ) from None
    except Exception as exc:
        # Whatever stops a file from loading (not a model file, an untrusted
        # type, a broken archive) is the file's fault, said in one line.
        raise InputError(f"{path}: {one_line(exc)}") from None


def load_tuned(path, trust=()):
    """The tuned classifier in a model file, or bad input."""
    if looks_like_table(path):
        raise InputError(
            f"{path} is a table, not a model file (model and data swapped?); "
            "give the .skops file that tune wrote"
        )
    model = load_model(path, trust)
    if not isinstance(model, ThresholdedClassifier):
        raise InputError(
            f"{path} holds a {type(model).__name__}, not a model written by "
            "threshold-estimator tune"
        )
    return model


def has_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def plain(value):
    """numpy values as the JSON types they stand for."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def versions():
    return {
        "threshold_estimator": threshold_estimator.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def format_threshold(threshold):
    if isinstance(threshold, list):
        return "[" + " ".join(f"{t:.4g}" for t in threshold) + "]"
    return f"{threshold:.4g}"
