"""The versions a fitted object is saved with, checked when it is loaded.

A fitted object's state (what pickle, joblib and skops store) carries the
versions of threshold-estimator and scikit-learn, under the keys
scikit-learn uses for its own (``_sklearn_version``).
"""

import warnings

import sklearn

from threshold_estimator.exceptions import VersionMismatchWarning

STATE_KEYS = {
    "threshold-estimator": "_threshold_estimator_version",
    "scikit-learn": "_sklearn_version",
}


def installed_versions():
    """The installed versions of threshold-estimator and scikit-learn."""
    # Imported here: the package's __init__ imports the modules that call this.
    from threshold_estimator import __version__

    return {"threshold-estimator": __version__, "scikit-learn": sklearn.__version__}


def with_versions(state):
    """A copy of ``state`` that records the installed versions."""
    installed = installed_versions()
    return {
        **state,
        **{key: installed[package] for package, key in STATE_KEYS.items()},
    }


def check_versions(state, owner):
    """``state`` without its recorded versions; warns if they are not installed.

    Parameters
    ----------
    state : dict
        A state made by :func:`with_versions`, or an older one without versions.
    owner : str
        The class name the warning names.

    Returns
    -------
    state : dict
        The same dict, its version keys removed.
    """
    saved = {package: state.pop(key, None) for package, key in STATE_KEYS.items()}
    installed = installed_versions()
    if saved != installed:
        warnings.warn(VersionMismatchWarning(owner, saved, installed), stacklevel=3)
    return state
