"""Objectives: what a tuned threshold maximises.

An objective maps the confusion counts ``(tn, fp, fn, tp)`` at many thresholds
to one value each, vectorised over all thresholds at once, larger is better.
Pass one as ``scoring=`` to :class:`~threshold_estimator.ThresholdedClassifier`,
either by name (``"f1"``) or as an object: :func:`fbeta`, :func:`cost` (costs
of the four cells, fixed or per sample), :func:`constrained` (the best of one
quantity subject to a bound on another, capacities included) or
:func:`from_counts` (any vectorised function of the counts). Every one is
evaluated at every distinct held-out score in one sorted pass. These return
the public types :class:`Metric`, :class:`Cost`, :class:`CostMatrix`,
:class:`Constrained` and :class:`FromCounts`, which model files name. A cost's
value is minus the expected cost, so that it too is maximised; its
``greater_is_better`` attribute is False, as in scikit-learn's
``make_scorer``, and reports show the cost itself.

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
``"positive_rate"``       ``(tp + fp) / n``, the share flagged         0
``"fpr"``                 ``fp / (fp + tn)``, false positive rate      0
``"fnr"``                 ``fn / (fn + tp)``, false negative rate      0
``"npv"``                 ``tn / (tn + fn)``                           0
========================  ===========================================  =====

The last four are meant as bounds of :func:`constrained` (a capacity is
``subject_to="positive_rate", at_most=0.05``); maximising them alone is rarely
what is wanted.

With more than two classes an objective is a function of the confusion matrix
(rows the true class, columns the predicted one), by scikit-learn's scorer
names: ``"accuracy"``, ``"balanced_accuracy"`` (the mean recall of the
classes), ``"mcc"`` (the multiclass Matthews correlation), ``"kappa"``,
``"f1_macro"``, ``"f1_weighted"``, ``"precision_macro"``,
``"precision_weighted"``, ``"recall_macro"`` and ``"recall_weighted"``
(``"f1_micro"``, ``"precision_micro"`` and ``"recall_micro"`` equal
accuracy), with 0 for a ratio whose denominator is 0, as scikit-learn's
``zero_division=0``. The same names work for two classes, where the macro
and weighted averages take both classes. Costs of every (truth, prediction)
pair are :func:`cost_matrix`. The objectives of the table above that only
make sense for a positive class (``"f1"``, ``"recall"``, :func:`cost`,
:func:`constrained`, ...) are refused for more than two classes, with the
multiclass name to use instead.

A ratio whose denominator is zero counts as 0 inside the composite values
(``balanced_accuracy``, ``youden``, ``gmean``). ``"fbeta"`` by name uses
``beta=1``; call :func:`fbeta` for another ``beta``. Aliases follow
scikit-learn's scorer names: ``"matthews_corrcoef"`` is ``"mcc"``,
``"sensitivity"`` and ``"tpr"`` are ``"recall"``, ``"tnr"`` is
``"specificity"``, ``"informedness"`` is ``"youden"``, ``"cohen_kappa"`` is
``"kappa"``.
"""

import numpy as np

__all__ = [
    "Constrained",
    "Cost",
    "CostMatrix",
    "FromCounts",
    "Metric",
    "Objective",
    "constrained",
    "cost",
    "cost_matrix",
    "fbeta",
    "from_counts",
    "get_objective",
    "objective_names",
]


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


def _positive_rate(tn, fp, fn, tp):
    return _ratio(tp + fp, tn + fp + fn + tp)


def _fpr(tn, fp, fn, tp):
    return _ratio(fp, fp + tn)


def _fnr(tn, fp, fn, tp):
    return _ratio(fn, fn + tp)


def _npv(tn, fp, fn, tp):
    return _ratio(tn, tn + fn)


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
    "positive_rate": _positive_rate,
    "fpr": _fpr,
    "fnr": _fnr,
    "npv": _npv,
}

# The metrics of two classes whose value stays the same when the classes swap
# roles; the others need to be told which class is the positive one.
_SYMMETRIC_METRICS = frozenset(
    {"balanced_accuracy", "youden", "gmean", "mcc", "accuracy", "kappa"}
)

_ALIASES = {
    "matthews_corrcoef": "mcc",
    "sensitivity": "recall",
    "tpr": "recall",
    "tnr": "specificity",
    "informedness": "youden",
    "cohen_kappa": "kappa",
}


def _matrix_parts(cm):
    """Correct, actual and predicted counts per class, the class axis first."""
    cm = np.asarray(cm, dtype=np.float64)
    correct = np.diagonal(cm, axis1=-2, axis2=-1)
    return correct.T, cm.sum(axis=-1).T, cm.sum(axis=-2).T


# The multiclass metrics, as functions of the correct, actual and predicted
# counts of each class (arrays of shape (n_classes, ...), broadcastable), which
# is all they read of a confusion matrix. The class axis comes first so that
# the sums over classes add whole rows.


def _m_accuracy(correct, actual, predicted):
    return _ratio(correct.sum(axis=0), actual.sum(axis=0))


def _m_recall_macro(correct, actual, predicted):
    # As scikit-learn's balanced accuracy: the mean over the classes present.
    present = (actual > 0).sum(axis=0)
    return _ratio(_ratio(correct, actual).sum(axis=0), present)


def _weighted(per_class, actual):
    return _ratio((per_class * actual).sum(axis=0), actual.sum(axis=0))


def _m_f1_macro(correct, actual, predicted):
    return _ratio(2 * correct, actual + predicted).mean(axis=0)


def _m_f1_weighted(correct, actual, predicted):
    return _weighted(_ratio(2 * correct, actual + predicted), actual)


def _m_precision_macro(correct, actual, predicted):
    return _ratio(correct, predicted).mean(axis=0)


def _m_precision_weighted(correct, actual, predicted):
    return _weighted(_ratio(correct, predicted), actual)


def _m_mcc(correct, actual, predicted):
    # The multiclass Matthews correlation, as scikit-learn computes it.
    n = actual.sum(axis=0)
    cov_true_pred = correct.sum(axis=0) * n - (actual * predicted).sum(axis=0)
    cov_pred = n**2 - (predicted**2).sum(axis=0)
    cov_true = n**2 - (actual**2).sum(axis=0)
    return _ratio(cov_true_pred, np.sqrt(cov_true * cov_pred))


def _m_kappa(correct, actual, predicted):
    n = actual.sum(axis=0)
    # (po - pe) / (1 - pe), multiplied through by n**2.
    chance = (actual * predicted).sum(axis=0)
    return _ratio(correct.sum(axis=0) * n - chance, n**2 - chance)


_MATRIX_METRICS = {
    "accuracy": _m_accuracy,
    "balanced_accuracy": _m_recall_macro,
    "mcc": _m_mcc,
    "kappa": _m_kappa,
    "f1_macro": _m_f1_macro,
    "f1_weighted": _m_f1_weighted,
    "precision_macro": _m_precision_macro,
    "precision_weighted": _m_precision_weighted,
    "recall_macro": _m_recall_macro,
    "recall_weighted": _m_accuracy,
    "f1_micro": _m_accuracy,
    "precision_micro": _m_accuracy,
    "recall_micro": _m_accuracy,
}

# The multiclass objective a binary-only name most likely meant.
_MULTICLASS_INSTEAD = {
    "f1": "'f1_macro' or 'f1_weighted'",
    "fbeta": "'f1_macro' or 'f1_weighted'",
    "precision": "'precision_macro'",
    "recall": "'recall_macro' or 'balanced_accuracy'",
    "youden": "'balanced_accuracy'",
    "gmean": "'balanced_accuracy'",
}


def _as_matrices(tn, fp, fn, tp):
    """Two-class confusion matrices, negative class first, from the counts."""
    row_negative = np.stack(np.broadcast_arrays(tn, fp), axis=-1)
    row_positive = np.stack(np.broadcast_arrays(fn, tp), axis=-1)
    return np.stack((row_negative, row_positive), axis=-2).astype(np.float64)


# Tolerance of a constraint's bound, so that rounding in weighted sums does not
# turn a threshold that meets the bound exactly into an infeasible one.
_BOUND_TOL = 1e-12


class Objective:
    """Base class of the objectives: a function of confusion counts to maximise.

    Objectives are made by :func:`get_objective` and :func:`fbeta`
    (a :class:`Metric`), :func:`cost` (:class:`Cost`), :func:`cost_matrix`
    (:class:`CostMatrix`), :func:`constrained` (:class:`Constrained`) and
    :func:`from_counts` (:class:`FromCounts`). Each is a small value object
    of plain attributes (numbers, strings, tuples), which pickle and skops
    files hold as they are. Two objectives made with the same arguments are
    equal, so they can be listed as ``scoring`` in a ``GridSearchCV``
    parameter grid.

    Attributes
    ----------
    metadata : tuple of str
        Names of the per-sample arrays the objective reads, passed to
        ``ThresholdedClassifier.fit`` as keyword arguments; empty for most.

    symmetric : bool
        Whether the objective's value is the same whichever of two classes is
        the positive one: true of ``"balanced_accuracy"``, ``"mcc"``,
        ``"accuracy"``, the multiclass names and :func:`cost_matrix`, false
        of ``"f1"``, ``"recall"``, most costs and constraints, and
        :func:`from_counts`. ``ThresholdedClassifier`` asks for ``pos_label``
        when the objective is not symmetric and the labels are not
        ``{0, 1}``, ``{-1, 1}`` or ``{False, True}``.

    greater_is_better : bool
        Whether the quantity the objective stands for is better larger, as in
        scikit-learn's ``make_scorer``. The objective's value is always
        maximised; a cost (:func:`cost`, :func:`cost_matrix`) has
        ``greater_is_better=False`` because its value is minus the expected
        cost per sample, so that a report shows ``-value``, the cost, smaller
        being better.

    See Also
    --------
    get_objective : A built-in objective by name.

    Examples
    --------
    >>> import numpy as np
    >>> from threshold_estimator.objectives import get_objective
    >>> f1 = get_objective("f1")
    >>> tn, fp, fn, tp = (np.array([5.0, 3.0]), np.array([0.0, 2.0]),
    ...                   np.array([3.0, 1.0]), np.array([2.0, 4.0]))
    >>> print([f"{v:.3f}" for v in f1(tn, fp, fn, tp)])
    ['0.571', '0.727']
    """

    metadata = ()
    symmetric = False
    greater_is_better = True

    def __call__(self, tn, fp, fn, tp):
        """The objective's value at each threshold.

        Parameters
        ----------
        tn, fp, fn, tp : ndarray of shape (n_thresholds,)
            Confusion counts, weighted or not.

        Returns
        -------
        values : ndarray of shape (n_thresholds,)
            Larger is better; ``-inf`` marks a threshold that is not allowed.
        """
        raise NotImplementedError

    def bind(self, y_true, sample_weight, metadata):
        """The objective and the counting weights for one set of samples.

        Most objectives are functions of the ordinary (weighted) counts and
        return themselves and ``sample_weight``; one that reads per-sample
        arrays (see :func:`cost`) folds them into the weights here.

        Parameters
        ----------
        y_true : ndarray of shape (n_samples,), dtype=bool
        sample_weight : ndarray of shape (n_samples,) or None
        metadata : dict of str to ndarray of shape (n_samples,)
            The arrays named in ``metadata``, for these samples.

        Returns
        -------
        objective : Objective
        weight : ndarray of shape (n_samples,) or None
        """
        return self, sample_weight

    def multiclass(self, confusion):
        """The objective's value for multiclass confusion matrices.

        Parameters
        ----------
        confusion : ndarray of shape (n_rules, n_classes, n_classes)
            Weighted confusion matrices, ``confusion[r, i, j]`` the weight of
            the samples of class ``i`` predicted as class ``j`` by rule ``r``.

        Returns
        -------
        values : ndarray of shape (n_rules,)
            Larger is better.
        """
        raise ValueError(
            f"scoring={self!r} is defined for two classes only. With more "
            "classes use a multiclass objective: one of "
            f"{sorted(_MATRIX_METRICS)}, cost_matrix(...), or a scikit-learn "
            "scorer of labels."
        )

    def _multiclass_steps(self, steps):
        """The objective along one class's breakpoints (see ``_counts``).

        Objectives that read less than the whole matrices override this with
        a cheaper view of ``steps``.
        """
        return np.concatenate([self.multiclass(block) for block in steps.matrices()])

    def infeasible_reason(self, tn, fp, fn, tp):
        """Why no threshold is allowed, given the counts at every threshold."""
        return f"{self!r} has no finite value at any threshold"

    def _bayes_weights(self, prior):
        """Class weights ``w`` of the Bayes rule ``argmax_k p_k w_k``, or None.

        The rule that is optimal for calibrated probabilities ``p``, in the
        order of the classes; ``prior`` is the class balance of the data
        the probabilities describe. A
        ``(n_classes, n_classes)`` array instead is a cost matrix ``C``, whose
        rule is ``argmin_j sum_k p_k C[k, j]``. ``None``: this objective has
        no such rule.
        """
        return None

    def _for_classes(self, n_classes, pos_index):
        """This objective as it applies to a target of ``n_classes`` classes.

        ``pos_index`` is the position of the positive class (two classes).
        Raises if the objective does not apply to that many classes.
        """
        if n_classes > 2:
            self.multiclass(np.zeros((1, n_classes, n_classes)))
        return self

    def _key(self):
        return (type(self), tuple(sorted(vars(self).items())))

    def __eq__(self, other):
        return isinstance(other, Objective) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())


class Metric(Objective):
    """A built-in objective, by name: F1, balanced accuracy, recall, ...

    What :func:`get_objective` and :func:`fbeta` return, and what a name
    given as ``scoring`` becomes.

    Parameters
    ----------
    name : str
        One of :func:`objective_names`, or an alias such as
        ``"matthews_corrcoef"``.
    **params : dict
        ``beta`` (a positive number, default 1.0) for ``"fbeta"``; the other
        objectives take none.

    Attributes
    ----------
    name : str
        The objective's name, aliases resolved.
    params : dict
        Its parameters: ``{"beta": beta}`` for ``"fbeta"``, else empty.

    See Also
    --------
    get_objective : The same, as a function.

    Examples
    --------
    >>> import numpy as np
    >>> from threshold_estimator.objectives import Metric
    >>> recall = Metric("sensitivity")
    >>> recall.name
    'recall'
    >>> tn, fp, fn, tp = (np.array([5.0]), np.array([2.0]),
    ...                   np.array([1.0]), np.array([3.0]))
    >>> print(f"{recall(tn, fp, fn, tp)[0]:.2f}")
    0.75
    """

    def __init__(self, name, **params):
        self.name = _ALIASES.get(name, name)
        if not _is_objective_name(self.name):
            raise ValueError(
                f"Unknown objective {name!r}. Use one of {objective_names()}, an "
                "Objective, or a scikit-learn scorer."
            )
        if self.name != "fbeta":
            if params:
                raise TypeError(
                    f"The objective {self.name!r} takes no parameters; got "
                    f"{sorted(params)}. Only 'fbeta' takes one, beta."
                )
        else:
            params = {"beta": 1.0, **params}
            if set(params) != {"beta"}:
                raise TypeError(
                    f"fbeta takes beta only; got {sorted(set(params) - {'beta'})}."
                )
            beta = params["beta"]
            if not _is_number(beta) or beta <= 0:
                raise ValueError(f"beta must be a positive number, got {beta!r}.")
            params["beta"] = float(beta)
        self.params = params

    @property
    def symmetric(self):
        # The multiclass names average over the classes, so swap with them.
        return self.name not in _METRICS or self.name in _SYMMETRIC_METRICS

    def __call__(self, tn, fp, fn, tp):
        if self.name in _METRICS:
            return _METRICS[self.name](tn, fp, fn, tp, **self.params)
        return _MATRIX_METRICS[self.name](*_matrix_parts(_as_matrices(tn, fp, fn, tp)))

    def multiclass(self, confusion):
        if self.name in _MATRIX_METRICS:
            return _MATRIX_METRICS[self.name](*_matrix_parts(confusion))
        instead = _MULTICLASS_INSTEAD.get(self.name)
        if instead is None:
            return super().multiclass(confusion)
        raise ValueError(
            f"scoring={self.name!r} needs a positive class, so it is defined for "
            f"two classes only; with more classes use {instead}."
        )

    def _multiclass_steps(self, steps):
        if self.name not in _MATRIX_METRICS:
            return super()._multiclass_steps(steps)
        correct, actual, predicted = steps.parts()
        return _MATRIX_METRICS[self.name](correct, actual, predicted)

    def _bayes_weights(self, prior):
        if self.name in ("accuracy", "recall_weighted", "f1_micro"):
            return np.ones_like(prior)
        if self.name in ("balanced_accuracy", "recall_macro"):
            return 1 / prior
        return None

    def _key(self):
        return (Metric, self.name, tuple(sorted(self.params.items())))

    def __repr__(self):
        if self.name == "fbeta":
            return f"fbeta(beta={self.params.get('beta', 1.0)!r})"
        return f"get_objective({self.name!r})"


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
    return sorted(set(_METRICS) | set(_MATRIX_METRICS))


def _is_objective_name(name):
    """Whether ``name`` is a built-in objective or one of its aliases."""
    name = _ALIASES.get(name, name)
    return name in _METRICS or name in _MATRIX_METRICS


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
    get_objective('mcc')
    """
    return Metric(name)


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
    return Metric("fbeta", beta=beta)


def _is_number(value):
    return (
        isinstance(value, int | float | np.number)
        and not isinstance(value, bool)
        and bool(np.isfinite(value))
    )


class Cost(Objective):
    """Minus the expected cost of the four outcomes, per unit of sample weight.

    What :func:`cost` returns, and what :func:`cost_matrix` becomes for two
    classes; see :func:`cost` for the method.

    Parameters
    ----------
    tn, fp, fn, tp : float or str, default=0.0
        The cost of a true negative, false positive, false negative and true
        positive, or the name of a per-sample array of them passed to
        ``fit``. At least one is not zero.

    Attributes
    ----------
    tn, fp, fn, tp : float or str
        The costs, as given.

    See Also
    --------
    cost : The same, as a function.

    Examples
    --------
    >>> import numpy as np
    >>> from threshold_estimator.objectives import Cost
    >>> miss_10 = Cost(fp=1, fn=10)
    >>> miss_10
    cost(fp=1, fn=10)
    >>> tn, fp, fn, tp = (np.array([90.0]), np.array([5.0]),
    ...                   np.array([2.0]), np.array([3.0]))
    >>> print(f"{miss_10(tn, fp, fn, tp)[0]:.2f}")
    -0.25
    >>> miss_10.greater_is_better  # the value is minus the cost
    False
    """

    _CELLS = ("tn", "fp", "fn", "tp")
    # The value is minus the cost.
    greater_is_better = False

    def __init__(self, tn=0.0, fp=0.0, fn=0.0, tp=0.0):
        values = {"tn": tn, "fp": fp, "fn": fn, "tp": tp}
        for cell, value in values.items():
            if not (_is_number(value) or (isinstance(value, str) and value)):
                raise ValueError(
                    f"cost {cell}={value!r} must be a finite number or the name of "
                    "a per-sample array passed to fit."
                )
        if all(_is_number(v) and v == 0 for v in values.values()):
            raise ValueError("cost needs at least one non-zero cost, such as fn=10.")
        self.tn, self.fp, self.fn, self.tp = tn, fp, fn, tp

    @property
    def symmetric(self):
        # Swapping the classes swaps tn with tp and fp with fn.
        return self.tn == self.tp and self.fp == self.fn

    @property
    def metadata(self):
        cells = (self.tn, self.fp, self.fn, self.tp)
        return tuple(dict.fromkeys(c for c in cells if isinstance(c, str)))

    def __call__(self, tn, fp, fn, tp):
        if self.metadata:
            raise ValueError(
                f"{self!r} reads per-sample costs {list(self.metadata)}; pass "
                "them to ThresholdedClassifier.fit as keyword arguments."
            )
        total = self.tn * tn + self.fp * fp + self.fn * fn + self.tp * tp
        return -_ratio(total, tn + fp + fn + tp)

    def bind(self, y_true, sample_weight, metadata):
        if not self.metadata:
            return self, sample_weight
        # Moving a negative sample to the predicted positives adds (fp - tn)
        # to the cost, a positive one (tp - fn). Weighing each sample by that
        # change makes the cost at every threshold a function of the weighted
        # fp and tp counts, so that per-sample costs keep the single pass.
        n = y_true.shape[0]
        weight = np.ones(n) if sample_weight is None else sample_weight
        tn, fp, fn, tp = (
            np.asarray(metadata[c], dtype=np.float64)
            if isinstance(c, str)
            else np.full(n, float(c))
            for c in (self.tn, self.fp, self.fn, self.tp)
        )
        nothing_flagged = np.sum(weight * np.where(y_true, fn, tn))
        delta = weight * np.where(y_true, fn - tp, fp - tn)
        return _ExampleCost(nothing_flagged, weight.sum(), repr(self)), delta

    def _bayes_weights(self, prior):
        if self.metadata:
            return None
        # With the negative class first: an error on a negative costs
        # fp - tn more than getting it right, one on a positive fn - tp.
        return _error_cost_weights(
            np.array([[self.tn, self.fp], [self.fn, self.tp]], dtype=np.float64)
        )

    def __repr__(self):
        cells = ", ".join(
            f"{c}={getattr(self, c)!r}" for c in self._CELLS if getattr(self, c) != 0
        )
        return f"cost({cells})"


def _error_cost_weights(matrix):
    """``a`` where every error on class ``k`` costs ``a_k`` more; else the matrix.

    When an error's extra cost depends only on the true class, the expected
    cost of predicting ``j`` is a constant minus ``p_j a_j``, so that the
    Bayes rule is ``argmax_j p_j a_j``, a rule of class weights (thresholds
    ``t_k`` proportional to ``1 / a_k``). Otherwise, or when an error costs
    nothing extra, the matrix itself is the rule.
    """
    extra = matrix - np.diagonal(matrix)[:, None]
    off_diagonal = ~np.eye(len(matrix), dtype=bool)
    per_truth = np.where(off_diagonal, extra, np.nan)
    first = np.nanmin(per_truth, axis=1)
    if np.allclose(np.nanmax(per_truth, axis=1), first) and (first > 0).all():
        return first
    return matrix


class _ExampleCost(Objective):
    """A per-sample cost bound to one set of samples.

    The counts it receives are weighted by each sample's change of cost when
    it is flagged: ``fp`` sums that of the flagged negatives and ``tp`` minus
    that of the flagged positives.
    """

    greater_is_better = False

    def __init__(self, nothing_flagged, total_weight, name):
        self.nothing_flagged = nothing_flagged
        self.total_weight = total_weight
        self.name = name

    def __call__(self, tn, fp, fn, tp):
        total = self.nothing_flagged + np.asarray(fp) - np.asarray(tp)
        return -total / self.total_weight if self.total_weight else -total

    def __repr__(self):
        return self.name


def cost(tn=0.0, fp=0.0, fn=0.0, tp=0.0):
    """Minimise the expected cost of the four outcomes.

    The objective is minus the expected cost per sample (per unit of sample
    weight), ``-(c_tn tn + c_fp fp + c_fn fn + c_tp tp) / n``, so that the
    best threshold maximises it. A negative cost is a gain.

    Each cost is a number, the same for every sample, or the name of a
    per-sample array passed to ``ThresholdedClassifier.fit`` as a keyword
    argument and sliced with the folds like ``sample_weight`` (a missed
    fraud costs its amount: ``cost(fp=5, fn="amount")`` and
    ``fit(X, y, amount=amount)``). Per-sample costs enter the same single
    sorted pass: each sample is weighted by the change of cost when it is
    flagged, so that the cost at every threshold is a running sum.

    In a ``GridSearchCV`` over ``scoring``, per-sample arrays reach ``fit``
    only when every candidate objective reads them; mix such a cost with
    objectives that do not, and the arrays go to the estimator's ``fit``.

    Parameters
    ----------
    tn, fp, fn, tp : float or str, default=0.0
        The cost of a true negative, false positive, false negative and true
        positive, or the name of a per-sample array of them.

    Returns
    -------
    objective : Objective

    See Also
    --------
    constrained : The best of one quantity subject to a bound on another.

    Notes
    -----
    With a fixed cost matrix and calibrated probabilities, the Bayes-optimal
    threshold is ``(c_fp - c_tn) / (c_fp - c_tn + c_fn - c_tp)`` [1]_, which
    ``ThresholdedClassifier(threshold="bayes")`` applies without tuning; the
    tuned threshold does not assume calibration.

    References
    ----------
    .. [1] C. Elkan, "The foundations of cost-sensitive learning", IJCAI 2001.

    Examples
    --------
    >>> import numpy as np
    >>> from threshold_estimator.objectives import cost
    >>> false_alarm_1_miss_10 = cost(fp=1, fn=10)
    >>> false_alarm_1_miss_10
    cost(fp=1, fn=10)
    >>> tn, fp = np.array([90.0]), np.array([5.0])
    >>> fn, tp = np.array([2.0]), np.array([3.0])
    >>> print(f"{false_alarm_1_miss_10(tn, fp, fn, tp)[0]:.2f}")  # (5 + 20) / 100
    -0.25
    """
    return Cost(tn, fp, fn, tp)


class CostMatrix(Objective):
    """Minus the expected cost of a matrix of costs per (truth, prediction).

    What :func:`cost_matrix` returns; see it for the method.

    Parameters
    ----------
    matrix : array-like of shape (n_classes, n_classes)
        ``matrix[i, j]`` the cost of predicting ``classes_[j]`` for a sample
        of ``classes_[i]``: finite, not all zero, the diagonal the cheapest
        cell of each row.

    Attributes
    ----------
    matrix : tuple of tuple of float
        The costs, row by row.

    See Also
    --------
    cost_matrix : The same, as a function.

    Examples
    --------
    >>> from threshold_estimator.objectives import CostMatrix
    >>> costs = CostMatrix([[0, 1], [10, 0]])
    >>> costs.matrix
    ((0.0, 1.0), (10.0, 0.0))
    """

    # Its rows and columns follow classes_, whichever class is positive.
    symmetric = True
    # The value is minus the cost.
    greater_is_better = False

    def __init__(self, matrix):
        # Nested tuples, so that the objective compares, hashes and pickles
        # as a plain value.
        array = _check_cost_matrix(matrix)
        self.matrix = tuple(tuple(float(c) for c in row) for row in array)

    def _array(self):
        return np.array(self.matrix, dtype=np.float64)

    def multiclass(self, confusion):
        confusion = np.asarray(confusion, dtype=np.float64)
        total = (confusion * self._array()).sum(axis=(-2, -1))
        return -_ratio(total, confusion.sum(axis=(-2, -1)))

    def __call__(self, tn, fp, fn, tp):
        return self.multiclass(_as_matrices(tn, fp, fn, tp))

    def _multiclass_steps(self, steps):
        # The cost is linear in the cells: one running sum.
        total = steps.totals(self._array())
        weight = steps.totals(np.ones_like(self._array()))
        return -_ratio(total, weight)

    def _bayes_weights(self, prior):
        return _error_cost_weights(self._array())

    def _for_classes(self, n_classes, pos_index):
        matrix = self._array()
        if matrix.shape != (n_classes, n_classes):
            raise ValueError(
                f"cost_matrix has shape {matrix.shape}, but y has {n_classes} "
                f"classes: give a ({n_classes}, {n_classes}) matrix, rows and "
                "columns in the order of the sorted classes (classes_)."
            )
        if n_classes > 2:
            return self
        # Two classes: the costs of the four cells, as seen from pos_label.
        p, n = pos_index, 1 - pos_index
        return Cost(
            tn=float(matrix[n, n]),
            fp=float(matrix[n, p]),
            fn=float(matrix[p, n]),
            tp=float(matrix[p, p]),
        )

    def __repr__(self):
        return f"cost_matrix({[list(row) for row in self.matrix]!r})"


def cost_matrix(matrix):
    """Minimise the expected cost of a matrix of costs per (truth, prediction).

    ``matrix[i, j]`` is the cost of predicting ``classes_[j]`` for a sample
    whose class is ``classes_[i]`` (the sorted classes, as
    ``ThresholdedClassifier.classes_``); a negative cost is a gain. The
    objective is minus the expected cost per sample (per unit of sample
    weight), for any number of classes. With two classes it is
    :func:`cost` of the four cells as seen from ``pos_label``.

    Parameters
    ----------
    matrix : array-like of shape (n_classes, n_classes)
        Finite costs; in each row the diagonal (the correct prediction) must
        be the cheapest cell.

    Returns
    -------
    objective : Objective

    See Also
    --------
    cost : The costs of the four outcomes of two classes, fixed or per sample.

    Notes
    -----
    For calibrated probabilities ``p`` the expected cost is smallest for the
    prediction ``argmin_j sum_k p_k C[k, j]`` [1]_, which
    ``ThresholdedClassifier(threshold="bayes")`` applies without tuning.

    References
    ----------
    .. [1] C. Elkan, "The foundations of cost-sensitive learning", IJCAI 2001.

    Examples
    --------
    >>> import numpy as np
    >>> from threshold_estimator.objectives import cost_matrix
    >>> costs = cost_matrix([[0, 1, 1], [5, 0, 1], [20, 5, 0]])
    >>> confusion = np.array([[[8.0, 1.0, 1.0], [1.0, 5.0, 0.0], [1.0, 0.0, 3.0]]])
    >>> print(f"{costs.multiclass(confusion)[0]:.2f}")  # (1 + 1 + 5 + 20) / 20
    -1.35
    """
    return CostMatrix(matrix)


def _check_cost_matrix(matrix):
    """``matrix`` as a float array, or an error that says what is wrong."""
    array = np.asarray(matrix)
    if array.ndim != 2 or array.shape[0] != array.shape[1] or array.shape[0] < 2:
        raise ValueError(
            "cost_matrix needs a square matrix with a row and a column per "
            f"class; got shape {array.shape}."
        )
    try:
        array = array.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"cost_matrix needs numbers; got {np.asarray(matrix).tolist()!r}."
        ) from None
    if not np.isfinite(array).all():
        raise ValueError(
            "cost_matrix holds NaN or infinite costs; give a finite cost for "
            "every (truth, prediction) pair."
        )
    cheaper = array < np.diagonal(array)[:, None]
    if cheaper.any():
        i, j = np.argwhere(cheaper)[0]
        raise ValueError(
            f"In cost_matrix row {i}, predicting class {j} costs {array[i, j]:g}, "
            f"less than the correct prediction ({array[i, i]:g}); the diagonal "
            "must be the cheapest cell of each row. Did you swap rows (truth) "
            "and columns (prediction)?"
        )
    if not array.any():
        raise ValueError(
            "cost_matrix holds no non-zero cost; give the cost of each error, "
            "such as [[0, 1], [10, 0]]."
        )
    return array


def _as_metric(value, parameter):
    if isinstance(value, Metric):
        return value
    if isinstance(value, str):
        if _ALIASES.get(value, value) not in _METRICS:
            raise ValueError(
                f"{parameter}={value!r} is not a built-in objective; use one of "
                f"{objective_names()}."
            )
        return Metric(value)
    raise TypeError(
        f"{parameter} must be a built-in objective or its name, such as "
        f"'precision'; got {value!r}."
    )


class Constrained(Objective):
    """The best of one quantity subject to a bound on another.

    What :func:`constrained` returns; see it for the method. Its value is
    ``maximize`` where ``subject_to`` meets the bound, ``-inf`` elsewhere.

    Parameters
    ----------
    maximize : str or Metric
        A built-in objective of two classes or its name.
    subject_to : str or Metric
        The bounded quantity, likewise.
    at_least, at_most : float, default=None
        The bound; give exactly one.

    Attributes
    ----------
    maximize, subject_to : Metric
        The two objectives.
    at_least, at_most : float or None
        The bound, and None.

    See Also
    --------
    constrained : The same, as a function.

    Examples
    --------
    >>> from threshold_estimator.objectives import Constrained
    >>> capacity = Constrained("recall", "positive_rate", at_most=0.05)
    >>> capacity.subject_to.name, capacity.at_most
    ('positive_rate', 0.05)
    """

    def __init__(self, maximize, subject_to, *, at_least=None, at_most=None):
        maximize = _as_metric(maximize, "maximize")
        subject_to = _as_metric(subject_to, "subject_to")
        if (at_least is None) == (at_most is None):
            raise ValueError("constrained needs exactly one of at_least= and at_most=.")
        bound = at_least if at_least is not None else at_most
        if not _is_number(bound):
            which = "at_least" if at_least is not None else "at_most"
            raise ValueError(f"{which} must be a finite number, got {bound!r}.")
        self.maximize = maximize
        self.subject_to = subject_to
        self.at_least = at_least
        self.at_most = at_most

    @property
    def symmetric(self):
        return self.maximize.symmetric and self.subject_to.symmetric

    def meets_bound(self, values):
        """Whether values of ``subject_to`` meet the bound.

        A value within ``1e-12`` of the bound meets it, so that rounding in
        weighted sums does not turn a threshold that meets the bound exactly
        into one that misses it.

        Parameters
        ----------
        values : float or ndarray
            Values of ``subject_to``, such as ``subject_to(tn, fp, fn, tp)``.

        Returns
        -------
        met : bool or ndarray of bool

        Examples
        --------
        >>> from threshold_estimator.objectives import Constrained
        >>> goal = Constrained("recall", "precision", at_least=0.9)
        >>> goal.meets_bound([0.95, 0.9, 0.85]).tolist()
        [True, True, False]
        """
        values = np.asarray(values, dtype=np.float64)
        if self.at_least is not None:
            return values >= self.at_least - _BOUND_TOL
        return values <= self.at_most + _BOUND_TOL

    def _feasible(self, tn, fp, fn, tp):
        bound = self.subject_to(tn, fp, fn, tp)
        return self.meets_bound(bound), bound

    def __call__(self, tn, fp, fn, tp):
        feasible, _ = self._feasible(tn, fp, fn, tp)
        return np.where(feasible, self.maximize(tn, fp, fn, tp), -np.inf)

    def infeasible_reason(self, tn, fp, fn, tp):
        _, bound = self._feasible(tn, fp, fn, tp)
        name = self.subject_to.name
        if self.at_least is not None:
            return (
                f"no threshold gives {name} at least {self.at_least}: the most "
                f"reachable is {bound.max():.4g}"
            )
        return (
            f"no threshold gives {name} at most {self.at_most}: the least "
            f"reachable is {bound.min():.4g}"
        )

    def _key(self):
        return (
            Constrained,
            self.maximize,
            self.subject_to,
            self.at_least,
            self.at_most,
        )

    def __repr__(self):
        bound = (
            f"at_least={self.at_least!r}"
            if self.at_least is not None
            else f"at_most={self.at_most!r}"
        )
        return (
            f"constrained(maximize={_short(self.maximize)}, "
            f"subject_to={_short(self.subject_to)}, {bound})"
        )


def _short(metric):
    return repr(metric.name) if metric.name != "fbeta" else repr(metric)


def constrained(maximize, subject_to, *, at_least=None, at_most=None):
    """The best of one quantity subject to a bound on another.

    Thresholds where ``subject_to`` misses its bound are not allowed (their
    value is ``-inf``); among the others, the one with the best
    ``maximize`` is chosen. A capacity ("we can review 5% of cases") is
    ``subject_to="positive_rate", at_most=0.05``. When no threshold of a
    fold meets the bound, fitting fails with an error that names the fold
    and the best value of ``subject_to`` reachable there.

    Parameters
    ----------
    maximize : str or built-in objective
        A built-in objective or its name (see :func:`objective_names`).
    subject_to : str or built-in objective
        The bounded quantity: a built-in objective or its name, such as
        ``"precision"``, ``"recall"``, ``"fpr"`` or ``"positive_rate"``.
    at_least, at_most : float, default=None
        The bound; give exactly one.

    Returns
    -------
    objective : Objective

    See Also
    --------
    cost : Minimise the expected cost of the four outcomes.

    Examples
    --------
    >>> import numpy as np
    >>> from threshold_estimator.objectives import constrained
    >>> goal = constrained("recall", "precision", at_least=0.9)
    >>> goal
    constrained(maximize='recall', subject_to='precision', at_least=0.9)
    >>> # Three thresholds: precision 1.0, 0.9 and 0.6; recall 0.2, 0.9, 1.0.
    >>> tn, fp = np.array([10.0, 9.0, 5.0]), np.array([0.0, 1.0, 5.0])
    >>> fn, tp = np.array([8.0, 1.0, 0.0]), np.array([2.0, 9.0, 7.5])
    >>> print([f"{v:.2f}" for v in goal(tn, fp, fn, tp)])
    ['0.20', '0.90', '-inf']
    """
    return Constrained(maximize, subject_to, at_least=at_least, at_most=at_most)


class FromCounts(Objective):
    """An objective from a vectorised function of the confusion counts.

    What :func:`from_counts` returns; see it for what ``func`` must do. A
    model file holds ``func`` by its module and name, so loading the model
    needs ``func`` importable; :func:`threshold_estimator.persistence.load`
    runs it only when its name is passed in ``trusted``.

    Parameters
    ----------
    func : callable
        ``func(tn, fp, fn, tp)``, arrays in, an array of the same shape out.

    Attributes
    ----------
    func : callable
        The function.

    See Also
    --------
    from_counts : The same, as a function.

    Examples
    --------
    >>> import numpy as np
    >>> from threshold_estimator.objectives import FromCounts
    >>> def tp_minus_fp(tn, fp, fn, tp):
    ...     return tp - fp
    >>> objective = FromCounts(tp_minus_fp)
    >>> objective(np.array([9.0]), np.array([2.0]), np.array([1.0]), np.array([3.0]))
    array([1.])
    """

    def __init__(self, func):
        if not callable(func):
            raise TypeError(f"from_counts needs a callable, got {func!r}.")
        self.func = func

    def __call__(self, tn, fp, fn, tp):
        values = np.asarray(self.func(tn, fp, fn, tp), dtype=np.float64)
        if values.shape != np.shape(tn):
            raise ValueError(
                f"{self!r} returned shape {values.shape} for counts of shape "
                f"{np.shape(tn)}; it must return one value per threshold."
            )
        if np.isnan(values).all():
            raise ValueError(
                f"{self!r} returned NaN at every threshold; make it return "
                "numbers (guard its divisions by zero)."
            )
        return values

    def __repr__(self):
        return f"from_counts({getattr(self.func, '__qualname__', self.func)!s})"


def from_counts(func):
    """An objective from your own function of the confusion counts.

    Parameters
    ----------
    func : callable
        ``func(tn, fp, fn, tp)`` takes four arrays of counts, one entry per
        threshold, and returns an array of the same shape, larger is better.
        Write it with numpy operations on whole arrays: it is called once per
        fold, as fast as a built-in objective. A module-level function keeps
        the estimator picklable; a lambda does not pickle.

    Returns
    -------
    objective : Objective

    Examples
    --------
    >>> import numpy as np
    >>> from threshold_estimator.objectives import from_counts
    >>> def net_gain(tn, fp, fn, tp):
    ...     return 40 * tp - 5 * fp
    >>> objective = from_counts(net_gain)
    >>> objective
    from_counts(net_gain)
    >>> value = objective(np.array([9.0]), np.array([2.0]), np.array([1.0]),
    ...                   np.array([3.0]))
    >>> print(f"{value[0]:.1f}")
    110.0
    """
    return FromCounts(func)


# The names these types had before they were public, so that models pickled
# then still load.
_Metric = Metric
_Cost = Cost
_CostMatrix = CostMatrix
_Constrained = Constrained
_FromCounts = FromCounts
