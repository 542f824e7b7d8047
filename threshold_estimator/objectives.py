"""Objectives: what a tuned threshold maximises.

An objective maps the confusion counts ``(tn, fp, fn, tp)`` at many thresholds
to one value each, vectorised over all thresholds at once, larger is better.
Pass one as ``scoring=`` to :class:`~threshold_estimator.ThresholdedClassifier`,
either by name (``"f1"``) or as an object (``fbeta(2)``).

The built-in objectives, by name, with the value they take where their
denominator is zero (0/0):

========================  ===========================================  =====
name                      value                                        0/0
========================  ===========================================  =====
``"f1"``                  ``2 tp / (2 tp + fp + fn)``                  0
``"fbeta"``               ``(1+b²) tp / ((1+b²) tp + b² fn + fp)``     0
``"balanced_accuracy"``   ``(recall + specificity) / 2``               0
``"youden"``              ``recall + specificity - 1``                 -1
``"gmean"``               ``sqrt(recall * specificity)``               0
``"mcc"``                 Matthews correlation coefficient             0
``"accuracy"``            ``(tp + tn) / n``                            0
``"precision"``           ``tp / (tp + fp)``                           0
``"recall"``              ``tp / (tp + fn)``                           0
``"specificity"``         ``tn / (tn + fp)``                           0
``"kappa"``               Cohen's kappa                                0
========================  ===========================================  =====

A ratio whose denominator is zero counts as 0 inside the composite values
(``balanced_accuracy``, ``youden``, ``gmean``). ``"fbeta"`` by name uses
``beta=1``; call :func:`fbeta` for another ``beta``. Aliases follow
scikit-learn's scorer names: ``"matthews_corrcoef"`` is ``"mcc"``,
``"sensitivity"`` and ``"tpr"`` are ``"recall"``, ``"tnr"`` is
``"specificity"``, ``"informedness"`` is ``"youden"``, ``"cohen_kappa"`` is
``"kappa"``.
"""

import numpy as np

__all__ = ["Objective", "fbeta", "get_objective", "objective_names"]


def _ratio(numerator, denominator):
    """``numerator / denominator``, 0 where the denominator is 0."""
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    out = np.zeros(np.broadcast(numerator, denominator).shape)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def _recall(tn, fp, fn, tp):
    return _ratio(tp, tp + fn)


def _specificity(tn, fp, fn, tp):
    return _ratio(tn, tn + fp)


def _precision(tn, fp, fn, tp):
    return _ratio(tp, tp + fp)


def _fbeta(tn, fp, fn, tp, beta=1.0):
    beta2 = beta * beta
    return _ratio((1 + beta2) * tp, (1 + beta2) * tp + beta2 * fn + fp)


def _f1(tn, fp, fn, tp):
    return _fbeta(tn, fp, fn, tp, beta=1.0)


def _balanced_accuracy(tn, fp, fn, tp):
    return (_recall(tn, fp, fn, tp) + _specificity(tn, fp, fn, tp)) / 2


def _youden(tn, fp, fn, tp):
    return _recall(tn, fp, fn, tp) + _specificity(tn, fp, fn, tp) - 1


def _gmean(tn, fp, fn, tp):
    return np.sqrt(_recall(tn, fp, fn, tp) * _specificity(tn, fp, fn, tp))


def _mcc(tn, fp, fn, tp):
    # Each factor is a sum of counts; their product can overflow float64 only
    # for weights far beyond any data set, so no rescaling is done.
    denominator = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return _ratio(tp * tn - fp * fn, denominator)


def _accuracy(tn, fp, fn, tp):
    return _ratio(tp + tn, tn + fp + fn + tp)


def _kappa(tn, fp, fn, tp):
    # Cohen's kappa of a 2x2 table, written without the total so that
    # (po - pe) / (1 - pe) needs no second division.
    denominator = (tp + fp) * (fp + tn) + (tp + fn) * (fn + tn)
    return _ratio(2 * (tp * tn - fn * fp), denominator)


_METRICS = {
    "f1": _f1,
    "fbeta": _fbeta,
    "balanced_accuracy": _balanced_accuracy,
    "youden": _youden,
    "gmean": _gmean,
    "mcc": _mcc,
    "accuracy": _accuracy,
    "precision": _precision,
    "recall": _recall,
    "specificity": _specificity,
    "kappa": _kappa,
}

_ALIASES = {
    "matthews_corrcoef": "mcc",
    "sensitivity": "recall",
    "tpr": "recall",
    "tnr": "specificity",
    "informedness": "youden",
    "cohen_kappa": "kappa",
}


class Objective:
    """A function of confusion counts to maximise over thresholds.

    Objectives are built by name with :func:`get_objective` or by the
    functions of this module (:func:`fbeta`). Each is a small, picklable value
    object: two objectives with the same name and parameters are equal, so
    they can be used as ``scoring`` in ``GridSearchCV`` parameter grids.

    Parameters
    ----------
    name : str
        One of :func:`objective_names`.
    **params : dict
        Parameters of the metric, such as ``beta`` for ``"fbeta"``.

    Attributes
    ----------
    name : str
        The metric's name.
    params : dict
        The metric's parameters.

    See Also
    --------
    get_objective : The objective with a given name.
    fbeta : The F-beta objective.

    Examples
    --------
    >>> import numpy as np
    >>> from threshold_estimator.objectives import Objective
    >>> f1 = Objective("f1")
    >>> tn, fp, fn, tp = (np.array([5.0, 3.0]), np.array([0.0, 2.0]),
    ...                   np.array([3.0, 1.0]), np.array([2.0, 4.0]))
    >>> print([f"{v:.3f}" for v in f1(tn, fp, fn, tp)])
    ['0.571', '0.727']
    """

    def __init__(self, name, **params):
        name = _ALIASES.get(name, name)
        if name not in _METRICS:
            raise ValueError(
                f"Unknown objective {name!r}. Use one of {objective_names()}, an "
                "Objective, or a scikit-learn scorer."
            )
        self.name = name
        self.params = params

    def __call__(self, tn, fp, fn, tp):
        """The objective's value at each threshold.

        Parameters
        ----------
        tn, fp, fn, tp : ndarray of shape (n_thresholds,)
            Confusion counts, weighted or not.

        Returns
        -------
        values : ndarray of shape (n_thresholds,)
            Larger is better.
        """
        return _METRICS[self.name](tn, fp, fn, tp, **self.params)

    def __eq__(self, other):
        return (
            type(other) is type(self)
            and other.name == self.name
            and other.params == self.params
        )

    def __hash__(self):
        return hash((self.name, tuple(sorted(self.params.items()))))

    def __repr__(self):
        if self.name == "fbeta":
            return f"fbeta(beta={self.params.get('beta', 1.0)!r})"
        return f"Objective({self.name!r})"


def objective_names():
    """The names of the built-in objectives.

    Returns
    -------
    names : list of str
        Sorted names accepted by :func:`get_objective` and as ``scoring``.

    Examples
    --------
    >>> from threshold_estimator.objectives import objective_names
    >>> "f1" in objective_names()
    True
    """
    return sorted(_METRICS)


def get_objective(name):
    """The built-in objective with a given name.

    Parameters
    ----------
    name : str
        One of :func:`objective_names`, or an alias such as
        ``"matthews_corrcoef"``.

    Returns
    -------
    objective : Objective

    Raises
    ------
    ValueError
        If no objective has that name.

    Examples
    --------
    >>> from threshold_estimator.objectives import get_objective
    >>> get_objective("matthews_corrcoef")
    Objective('mcc')
    """
    return Objective(name)


def fbeta(beta=1.0):
    """The F-beta objective: recall counts ``beta`` times as much as precision.

    Parameters
    ----------
    beta : float, default=1.0
        Positive weight of recall against precision; ``beta=1`` is F1.

    Returns
    -------
    objective : Objective

    Examples
    --------
    >>> import numpy as np
    >>> from threshold_estimator.objectives import fbeta
    >>> f2 = fbeta(2)
    >>> value = f2(np.array([5.0]), np.array([2.0]), np.array([1.0]), np.array([4.0]))
    >>> print(f"{value[0]:.3f}")
    0.769
    """
    if not (isinstance(beta, int | float) and np.isfinite(beta) and beta > 0):
        raise ValueError(f"beta must be a positive number, got {beta!r}.")
    return Objective("fbeta", beta=float(beta))
