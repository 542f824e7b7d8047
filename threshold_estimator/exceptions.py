"""Warnings about a tuned threshold or a loaded model, and the errors of an
objective no rule meets and of a model file that is refused.

Every warning about a tuned threshold is a subclass of
:class:`ThresholdWarning`, itself a ``UserWarning``, so that one filter
silences them all. :class:`VersionMismatchWarning`, about a model loaded with
other versions than it was saved with, is apart from them, so that silencing
the threshold's warnings does not silence it.
"""

__all__ = [
    "FewSamplesWarning",
    "FoldDisagreementWarning",
    "InfeasibleFoldsWarning",
    "InfeasibleObjectiveError",
    "InvalidModelFileError",
    "PositiveRateWarning",
    "SaturatedScoresWarning",
    "ThresholdAtEdgeWarning",
    "ThresholdWarning",
    "UntrustedTypeError",
    "VersionMismatchWarning",
]


class InfeasibleObjectiveError(ValueError):
    """No decision threshold gives the objective a finite value.

    Raised, for example, by a constraint that no threshold of a held-out fold
    meets. A subclass of ``ValueError``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from threshold_estimator import ThresholdedClassifier, objectives
    >>> from threshold_estimator.exceptions import InfeasibleObjectiveError
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(300, 2)), (rng.random(300) < 0.2).astype(int)
    >>> perfect = objectives.constrained("recall", "precision", at_least=1.0)
    >>> clf = ThresholdedClassifier(LogisticRegression(), scoring=perfect)
    >>> try:
    ...     clf.fit(X, y)
    ... except InfeasibleObjectiveError as exc:
    ...     print(str(exc)[:60])
    scoring=constrained(maximize='recall', subject_to='precision
    """


class ThresholdWarning(UserWarning):
    """Base class of the warnings about a tuned threshold.

    Filter this class to silence them all.

    Examples
    --------
    A decision stump gives two distinct scores, which warns; silenced here,
    while any other warning would still stop the fit:

    >>> import warnings
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from threshold_estimator import ThresholdedClassifier, ThresholdWarning
    >>> X, y = make_classification(n_samples=500, random_state=0)
    >>> stump = ThresholdedClassifier(
    ...     DecisionTreeClassifier(max_depth=1), random_state=0
    ... )
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error")
    ...     warnings.simplefilter("ignore", ThresholdWarning)
    ...     stump = stump.fit(X, y)
    >>> stump.predict(X[:4]).tolist()
    [0, 1, 1, 1]
    """


class SaturatedScoresWarning(ThresholdWarning):
    """Many held-out scores are equal, where the threshold needs them apart.

    Raised when a fold's held-out scores (or ``tune_threshold``'s) take fewer
    than 10 distinct values, when more than half of them share one value, or
    when at least 5% of them (and 5 samples) share the value just above or
    just below the threshold tuned on them, so that moving the threshold past
    it flips them all at once. Tied samples fall on the same side of any
    threshold, and the tuned threshold is decided by a handful of ties.
    Distinct scores never raise it, however close to 0 or 1: a float32
    sigmoid rounds its outputs monotonically, merging some but never
    swapping two, so distinct ones keep the model's order.

    The message says what applies: for probabilities tied within 1e-6 of 0 or
    1 (a float32 sigmoid is exactly 1 above a logit of 17), the estimator's
    ``decision_function`` (unbounded margins) where it has one, else the
    model's logits or a less confident model; for other ties, a model with
    finer scores.

    Examples
    --------
    >>> import warnings
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from threshold_estimator import ThresholdedClassifier
    >>> X, y = make_classification(n_samples=500, random_state=0)
    >>> stump = ThresholdedClassifier(
    ...     DecisionTreeClassifier(max_depth=1), random_state=0
    ... )
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     stump = stump.fit(X, y)
    >>> [w.category.__name__ for w in caught]
    ['SaturatedScoresWarning']
    """


class FoldDisagreementWarning(ThresholdWarning):
    """The folds' thresholds disagree strongly.

    Raised when the fold thresholds would predict shares of the held-out data
    positive (or negative) that differ by more than a factor of two. The
    threshold then rests on few samples; ``aggregation="pooled"``, more folds
    (``RepeatedStratifiedKFold``) or more data make it steadier.

    Examples
    --------
    Noisy labels and 20 positives: each fold's F1 optimum rests on a few.

    >>> import warnings
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from threshold_estimator import ThresholdedClassifier
    >>> X, y = make_classification(
    ...     n_samples=400, weights=[0.95], flip_y=0.1, class_sep=0.3, random_state=1
    ... )
    >>> clf = ThresholdedClassifier(
    ...     LogisticRegression(), scoring="f1", aggregation="median", random_state=0
    ... )
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     clf = clf.fit(X, y)
    >>> [w.category.__name__ for w in caught]
    ['FoldDisagreementWarning']
    """


class InfeasibleFoldsWarning(ThresholdWarning):
    """The decision threshold misses a constraint on some held-out data.

    With a constraint (:func:`~threshold_estimator.objectives.constrained`),
    each fold's own threshold meets the bound, but the threshold that
    aggregates them need not meet it on every fold's held-out samples (or,
    with ``aggregation="median"`` or ``"mean"``, on all of them pooled). The
    message names the folds, counted from 1, the bound and the value reached
    in each. The fitted classifier then has ``fold_scores_`` of ``-inf`` in
    those folds, ``best_score_`` of ``None``, and the values reached in
    ``constraint_values_``.

    Examples
    --------
    >>> import warnings
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from threshold_estimator import ThresholdedClassifier, objectives
    >>> X, y = make_classification(n_samples=600, weights=[0.8], class_sep=0.5,
    ...                            random_state=1)
    >>> goal = objectives.constrained("recall", "precision", at_least=0.6)
    >>> clf = ThresholdedClassifier(LogisticRegression(), scoring=goal,
    ...                             random_state=0)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     clf = clf.fit(X, y)
    >>> missed = [w for w in caught if w.category is InfeasibleFoldsWarning]
    >>> print(str(missed[0].message)[:60])
    The decision threshold misses precision >= 0.6 in folds 2 an
    >>> print(clf.best_score_)
    None
    >>> print([f"{v:.2f}" for v in clf.constraint_values_["folds"]])
    ['0.63', '0.54', '0.63', '0.57', '0.64']
    """


class ThresholdAtEdgeWarning(ThresholdWarning):
    """The tuned threshold lies beyond every held-out score.

    The classifier then predicts one class for all the held-out data: the
    objective prefers no decision at all, which usually means the scores
    carry little information for it.

    Examples
    --------
    Features without signal and 5% positives: accuracy is best when
    nothing is predicted positive.

    >>> import warnings
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from threshold_estimator import ThresholdedClassifier
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(500, 2)), (rng.random(500) < 0.05).astype(int)
    >>> clf = ThresholdedClassifier(
    ...     LogisticRegression(), scoring="accuracy", random_state=0
    ... )
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     clf = clf.fit(X, y)
    >>> "ThresholdAtEdgeWarning" in [w.category.__name__ for w in caught]
    True
    >>> int(clf.predict(X).sum())
    0
    """


class PositiveRateWarning(ThresholdWarning):
    """The tuned threshold predicts far more or far fewer positives than exist.

    Raised when the share of held-out samples predicted positive is more
    than ten times the share of positives, or less than a tenth of it; with
    ``sample_weight``, both shares are of the weight, as the objective counts
    them. A
    swapped ``pos_label`` or an objective that does not say what was meant
    are the usual causes; a cost or a capacity can make it intended.

    Examples
    --------
    A capacity of 1% on data with half positives is one such case:

    >>> import warnings
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from threshold_estimator import ThresholdedClassifier, objectives
    >>> X, y = make_classification(n_samples=500, random_state=0)
    >>> capacity = objectives.constrained("recall", "positive_rate", at_most=0.01)
    >>> clf = ThresholdedClassifier(
    ...     LogisticRegression(), scoring=capacity, random_state=0
    ... )
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     clf = clf.fit(X, y)
    >>> "PositiveRateWarning" in [w.category.__name__ for w in caught]
    True
    """


class FewSamplesWarning(ThresholdWarning):
    """A held-out fold holds fewer than 5 samples of a class.

    That fold's best threshold is decided by those few samples. Fewer folds,
    a ``RepeatedStratifiedKFold`` or more data give each threshold more to
    rest on; the default ``aggregation="pooled"`` already tunes on all folds
    at once.

    Examples
    --------
    Twenty positives in five folds leave four in each held-out part:

    >>> import warnings
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from threshold_estimator import ThresholdedClassifier
    >>> X, y = make_classification(n_samples=400, weights=[0.95], random_state=0)
    >>> y[np.flatnonzero(y)[20:]] = 0
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     clf = ThresholdedClassifier(LogisticRegression(), random_state=0)
    ...     clf = clf.fit(X, y)
    >>> "FewSamplesWarning" in [w.category.__name__ for w in caught]
    True
    >>> clf.aggregation_
    'pooled'
    """


class VersionMismatchWarning(UserWarning):
    """A model is loaded with other versions than it was saved with.

    A fitted :class:`~threshold_estimator.ThresholdedClassifier` or
    :class:`~threshold_estimator.TunedThreshold` records the versions of
    threshold-estimator and scikit-learn it is saved with (pickle, joblib or
    skops); loading it where either differs warns once with both. Its
    predictions may then differ from those it made before, or fail. Refit
    the model with the installed versions, or load it where the versions it
    was saved with are installed. scikit-learn's own
    ``InconsistentVersionWarning`` may come too, for each scikit-learn
    estimator inside.

    Parameters
    ----------
    owner : str
        The name of the loaded object's class.
    saved, installed : dict of str to str or None
        The versions of ``"threshold-estimator"`` and ``"scikit-learn"`` the
        model was saved with (None where the file does not say) and those
        installed.

    Attributes
    ----------
    owner : str
    saved : dict of str to str or None
    installed : dict of str to str

    Examples
    --------
    A model saved by an older threshold-estimator, simulated by editing its
    recorded version:

    >>> import warnings
    >>> from threshold_estimator import TunedThreshold, tune_threshold
    >>> tuned = tune_threshold([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], n_resamples=0)
    >>> state = tuned.__getstate__()
    >>> state["_threshold_estimator_version"] = "0.0.9"
    >>> loaded = TunedThreshold.__new__(TunedThreshold)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     loaded.__setstate__(state)
    >>> [w.category.__name__ for w in caught]
    ['VersionMismatchWarning']
    >>> caught[0].message.saved["threshold-estimator"]
    '0.0.9'
    """

    def __init__(self, owner, saved, installed):
        super().__init__(owner, saved, installed)
        self.owner = owner
        self.saved = saved
        self.installed = installed

    def __str__(self):
        def versions(found):
            return " and ".join(
                f"{package} {version or '(version not recorded)'}"
                for package, version in found.items()
            )

        return (
            f"This {self.owner} was saved with {versions(self.saved)}, and is "
            f"loaded with {versions(self.installed)}. Its predictions may differ "
            "from those it made before, or fail: refit it with the installed "
            "versions, or load it where those it was saved with are installed."
        )


class UntrustedTypeError(TypeError):
    """A model file names types that :func:`persistence.load` does not trust.

    Building a type runs its code, so ``load`` refuses a file holding any
    type outside Python's, numpy's and scipy's plain types and
    ``persistence.TRUSTED_TYPES``, unless the caller names it in
    ``trusted=[...]``. Unlike skops, it does not trust every scikit-learn
    estimator: only those of ``TRUSTED_TYPES``, whose state it checks.

    Attributes
    ----------
    types : list of str
        The full names of the refused types.

    Examples
    --------
    >>> from threshold_estimator.exceptions import UntrustedTypeError
    >>> error = UntrustedTypeError("refused", ["mypackage.Model"])
    >>> error.types
    ['mypackage.Model']
    >>> isinstance(error, TypeError)
    True
    """

    def __init__(self, message, types):
        super().__init__(message)
        self.types = list(types)


class InvalidModelFileError(ValueError):
    """A model file that :func:`persistence.load` refuses for what it holds.

    Raised before anything is built when the archive is not one that
    ``dump`` writes, or is larger than ``max_bytes`` once decompressed; and
    after the objects are built when one of them is not in a state that
    fitting leaves it in, such as a NaN threshold or support-vector indices
    beyond the support vectors. A subclass of ``ValueError``.

    Parameters
    ----------
    message : str
    attribute : str, default=None
        Where in the loaded object the inconsistency lies, such as
        ``"estimator_.steps[1][1].support_"``; ``None`` when the archive
        itself is refused.

    Attributes
    ----------
    attribute : str or None

    Examples
    --------
    >>> from threshold_estimator.exceptions import InvalidModelFileError
    >>> error = InvalidModelFileError(
    ...     "decision_threshold_ is nan", attribute="decision_threshold_"
    ... )
    >>> error.attribute
    'decision_threshold_'
    >>> isinstance(error, ValueError)
    True
    """

    def __init__(self, message, attribute=None):
        super().__init__(message)
        self.attribute = attribute
