"""ThresholdedClassifier: a classifier whose decision rule is tuned."""

import copy
import time
import warnings
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import (
    GroupKFold,
    GroupShuffleSplit,
    LeaveOneGroupOut,
    LeavePGroupsOut,
    RepeatedStratifiedKFold,
    StratifiedGroupKFold,
    StratifiedKFold,
    StratifiedShuffleSplit,
    check_cv,
)
from sklearn.utils import Bunch, _safe_indexing, check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, RealNotInt, StrOptions
from sklearn.utils._response import _get_response_values_binary
from sklearn.utils.metadata_routing import (
    MetadataRequest,
    MetadataRouter,
    MethodMapping,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import (
    _check_method_params,
    _check_sample_weight,
    _estimator_has,
    check_is_fitted,
    column_or_1d,
    has_fit_parameter,
    indexable,
)

from threshold_estimator import _diagnostics
from threshold_estimator._counts import confusion_counts
from threshold_estimator._scoring import (
    check_pos_label,
    resolve_scoring,
    routed_scorer,
)
from threshold_estimator._search import (
    abstention_band,
    aggregate,
    best_cut,
    choose_rule,
    counts_at,
    fixed_rules,
    log_probabilities,
    objective_curve,
    predict_classes,
    rule_value,
    thinned,
    tune_rule,
    value_at,
)
from threshold_estimator._shift import (
    ScoreSummary,
    effective_size,
    estimate_prior,
    ks_p_value,
    ks_statistic,
    summarize,
)
from threshold_estimator._versions import check_versions, with_versions
from threshold_estimator.exceptions import InfeasibleObjectiveError
from threshold_estimator.objectives import Constrained, Objective, get_objective

# Points kept per fold curve in cv_results_.
_MAX_CURVE_POINTS = 1000
# What a re-derived rule cannot claim: these describe the folds of the fit.
_FOLD_ATTRIBUTES = (
    "aggregation_",
    "fold_thresholds_",
    "fold_scores_",
    "best_score_",
    "constraint_values_",
    "threshold_spread_",
    "threshold_interval_",
    "cv_results_",
)
# Percentiles of the fold thresholds that bound threshold_interval_.
_INTERVAL = (5, 95)


class _Target(NamedTuple):
    """The checked target: labels, classes and what the objectives see."""

    y: np.ndarray
    classes: np.ndarray
    # Binary: the class predicted where the score reaches the threshold;
    # multiclass: None.
    pos_label: object
    # Binary: True for pos_label; multiclass: the index of each class.
    truth: np.ndarray
    # The index of each sample's class in classes.
    codes: np.ndarray

    @property
    def is_binary(self):
        return self.classes.size == 2


class _Fold(NamedTuple):
    """One internal fold: its held-out part and what its model said there."""

    test: np.ndarray
    # Binary: the score of pos_label, shape (n_test,); multiclass: the class
    # probabilities, shape (n_test, n_classes).
    scores: np.ndarray
    seconds: float
    # The fitted model, kept only for refit=False.
    model: object


class _Tuned(NamedTuple):
    """What tuning found: the decision rule and the folds' view of it."""

    threshold: object
    fold_thresholds: np.ndarray
    fold_scores: np.ndarray
    # "tuned", or the fixed rule a multiclass tuning kept: "argmax", "prior".
    rule: str
    cv_results: dict


def _fit_and_score_fold(
    estimator, X, y, *, train, test, fit_params, response_method, pos_label, keep
):
    """Fit on a fold's training part; score its held-out part.

    The fitted model is sent back only when asked for (``refit=False``): from
    a worker process it would be pickled for nothing.
    """
    start = time.perf_counter()
    fit_params = _check_method_params(X, fit_params, indices=train)
    estimator.fit(_safe_indexing(X, train), _safe_indexing(y, train), **fit_params)
    scores = _response(estimator, _safe_indexing(X, test), response_method, pos_label)
    return _Fold(
        np.asarray(test),
        scores,
        time.perf_counter() - start,
        estimator if keep else None,
    )


def _response(estimator, X, response_method, pos_label):
    """Binary: the score of ``pos_label``; multiclass: the probabilities."""
    if pos_label is None:
        return np.asarray(estimator.predict_proba(X), dtype=np.float64)
    scores, _ = _get_response_values_binary(
        estimator, X, response_method, pos_label=pos_label
    )
    return np.asarray(scores, dtype=np.float64).ravel()


def _margin(scores, threshold, log_odds):
    """Signed distance to the threshold: ``> 0`` exactly where score >= it.

    Never exactly 0, so that the sign alone says the side, as scikit-learn's
    linear models' ``decision_function`` does.
    """
    positive = scores >= threshold
    if log_odds:
        # Probabilities are clipped so that 0, 1 and thresholds outside (0, 1)
        # keep a finite log-odds; the sign is then restored from the comparison.
        eps = np.finfo(np.float64).eps
        p = np.clip(scores, eps, 1 - eps)
        t = np.clip(threshold, eps, 1 - eps)
        raw = np.log(p) - np.log1p(-p) - (np.log(t) - np.log1p(-t))
    else:
        raw = scores - threshold
    tiny = np.finfo(np.float64).tiny
    return np.where(positive, np.maximum(raw, tiny), np.minimum(raw, -tiny))


class ThresholdedClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Classifier whose decision threshold is tuned by cross-validation.

    The wrapped estimator is fitted on the training part of each internal
    stratified fold and scores the fold's held-out part. On those held-out
    scores, the decision rule that maximises ``scoring`` is found exactly (no
    grid), and :meth:`predict` applies it to the estimator refitted on all
    the data.

    Two classes: ``predict`` says ``pos_label`` where its score reaches
    ``decision_threshold_``, a float, the exact best over every distinct
    held-out score. More classes: ``predict`` says ``classes_[argmax_k p_k /
    t_k]`` on the probabilities ``p``, with ``decision_threshold_`` the
    vector ``t``, positive and summing to 1 (equal thresholds are plain
    argmax; with two classes the vector ``(1 - t, t)`` is the threshold
    ``t``), tuned by an exact coordinate ascent (see Notes).

    Parameters
    ----------
    estimator : estimator instance
        A classifier with ``predict_proba``, or, for two classes, with
        ``decision_function``. It is cloned, never modified. A fitted model
        wrapped in ``sklearn.frozen.FrozenEstimator`` is used as it is.

    scoring : str, Objective or callable, default="balanced_accuracy"
        What the rule maximises: the name of a built-in objective (see
        :mod:`threshold_estimator.objectives`; with more than two classes
        scikit-learn's names such as ``"f1_macro"``), an
        :class:`~threshold_estimator.objectives.Objective` such as
        :func:`~threshold_estimator.objectives.cost_matrix`, or a
        scikit-learn scorer (a name or ``make_scorer`` of a metric of
        predicted labels). Built-in objectives are evaluated at every
        candidate at once. A scorer is called once per candidate: on every
        candidate when there are at most 64; beyond, on 64 candidates evenly
        spread in rank, then 64 more around the best of them, and so on
        until every candidate near the best has been tried. Scorers of scores
        or probabilities (ROC AUC, log loss, ...) do not depend on the
        threshold and are refused.

    cv : int, float, cross-validation generator or iterable, default=5
        The internal folds. An int is the number of folds of
        ``StratifiedKFold(cv, shuffle=True, random_state=random_state)``; a
        float in (0, 1) is one stratified holdout of that fraction; a
        splitter or an iterable of ``(train, test)`` index pairs is used as
        given. Every fold's training and held-out parts must hold every
        class.

    aggregation : {"pooled", "median", "mean"}, default="pooled"
        How the folds become ``decision_threshold_``: ``"pooled"``, one exact
        search over the held-out scores of all folds together (what averaging
        the folds' objective curves does, without a grid), or the median or
        mean of the fold thresholds (per class, then rescaled to sum to 1,
        for more than two classes). Pooling is the default because it was
        the only rule ahead of scikit-learn's tuner on both F1 and balanced
        accuracy, on 16 public tasks and on 72 imbalanced data sets: a single
        fold's optimum often rests on one sample, such as its lowest-scoring
        positive, which the median or mean of the folds then discards.

    threshold : "auto", "bayes", float or array-like of shape (n_classes,), \
            default="auto"
        ``"auto"`` tunes the rule. ``"bayes"`` applies, untuned, the rule
        that is optimal for calibrated probabilities where the objective has
        one: for a cost (:func:`~threshold_estimator.objectives.cost`,
        :func:`~threshold_estimator.objectives.cost_matrix`) the least
        expected cost, ``argmin_j sum_k p_k C[k, j]``; for
        ``"balanced_accuracy"`` the prior rule ``argmax_k p_k / prior_k``
        (prior: the class shares of ``y``); for ``"accuracy"`` plain argmax.
        A number (two classes; in [0, 1] when it is compared with
        probabilities) or a vector of positive numbers, one per class in the
        order of ``classes_`` (more classes), fixes the rule. Fixed
        and Bayes rules fit the estimator once on all the data, with no
        folds, which lets ``GridSearchCV`` search the threshold itself.

    response_method : {"auto", "predict_proba", "decision_function"}, \
            default="auto"
        The estimator's method whose output is thresholded; ``"auto"``
        prefers ``predict_proba``. More than two classes, and
        ``threshold="bayes"``, need ``predict_proba``.

    pos_label : int, float, bool or str, default=None
        Two classes only: the class predicted where the score reaches the
        threshold, and the positive class of the objective. ``None`` means
        ``classes_[1]``, which fit takes without asking only where it goes
        without saying: labels ``{0, 1}``, ``{-1, 1}`` or ``{False, True}``,
        an objective symmetric in the classes (``"balanced_accuracy"``,
        ``"mcc"``, :func:`~threshold_estimator.objectives.cost_matrix`, ...;
        see ``Objective.symmetric``), or a fixed number as ``threshold``.
        Otherwise, as for ``scoring="f1"`` on labels ``"ham"`` and
        ``"spam"``, fit asks for it. A scikit-learn scorer takes its positive
        class from its own ``pos_label``, as in ``make_scorer(f1_score,
        pos_label="spam")``.

    class_prior : array-like of shape (n_classes,), default=None
        The class balance the classifier will meet, when it differs from
        ``y``'s (say 5% positives in production, 1% in the training data):
        positive shares in the order of ``classes_``, rescaled to sum to 1.
        The held-out samples are reweighted by class so that the rule is
        tuned as if they had that balance, which is exact for every objective
        of counts (and passed as ``sample_weight`` to a scikit-learn scorer);
        the estimator itself is fitted on the data as it is. ``None`` means
        ``y``'s balance. See also :meth:`with_class_prior`, which re-derives
        the rule of a fitted classifier without refitting.

    refit : bool, default=True
        Refit the estimator on all the data after tuning. ``False`` needs a
        single split (``cv`` a float, or a splitter with one split) and keeps
        that split's model, the one the threshold was tuned on.

    n_jobs : int, default=None
        Folds fitted in parallel, through ``sklearn.utils.parallel``. ``None``
        means 1 unless in a ``joblib.parallel_backend`` context.

    random_state : int, RandomState instance or None, default=None
        Shuffles the folds made from an int or float ``cv``, and the inner
        split that decides whether a multiclass rule is kept tuned. Pass an
        int for the same folds, hence the same rule, at every fit.

    store_cv_results : bool, default=False
        Keep each fold's objective curve (two classes) or each fold's
        objective under plain argmax, the prior rule and the decision rule
        (more classes) in ``cv_results_``.

    verbose : int, default=0
        ``1`` prints a line per fold (its threshold, its objective and the
        seconds its fit took) and the refit; ``2`` and more add joblib's
        progress messages.

    Attributes
    ----------
    estimator_ : estimator instance
        The fitted estimator whose scores :meth:`predict` thresholds.

    decision_threshold_ : float, ndarray of shape (n_classes,) or None
        The rule :meth:`predict` applies. Two classes: the threshold of
        ``pos_label``'s score, in the units of the response. More classes:
        the thresholds ``t`` of ``argmax_k p_k / t_k``, positive, summing
        to 1, in the order of ``classes_``. ``None`` only for the Bayes rule
        of a cost matrix that no thresholds express (see ``cost_matrix_``).

    decision_rule_ : {"tuned", "argmax", "prior", "bayes", "fixed"}
        How ``decision_threshold_`` came about: tuned; plain argmax or the
        prior rule, kept because tuning did not validate better (more
        classes, see Notes); ``threshold="bayes"``; or a fixed threshold.

    cost_matrix_ : ndarray of shape (n_classes, n_classes)
        With ``threshold="bayes"`` and a cost matrix whose error costs depend
        on the predicted class too: :meth:`predict` takes
        ``argmin_j sum_k p_k C[k, j]`` with this ``C``.

    fold_thresholds_ : ndarray of shape (n_folds,) or (n_folds, n_classes)
        The best rule of each fold's held-out samples alone. Only when tuned.

    fold_scores_ : ndarray of shape (n_folds,)
        The objective of each held-out fold at ``decision_threshold_``. Only
        when tuned. With a constraint
        (:func:`~threshold_estimator.objectives.constrained`), ``-inf`` in a
        fold where ``decision_threshold_`` misses the bound: the bound held
        in each fold at that fold's own threshold, not necessarily at the
        aggregated one. A cost's value is minus the cost (see
        ``Objective.greater_is_better``).

    best_score_ : float or None
        The mean of ``fold_scores_``. Only when tuned. ``None`` when
        ``decision_threshold_`` misses a constraint in some fold, which then
        has no value; fit warns
        (:class:`~threshold_estimator.exceptions.InfeasibleFoldsWarning`)
        and ``constraint_values_`` holds the values reached.

    constraint_values_ : dict
        With a constraint objective, the bounded quantity (``subject_to``)
        at ``decision_threshold_``: ``"folds"``, an ndarray of shape
        (n_folds,), its value on each fold's held-out samples, and
        ``"pooled"``, a float, on all of them together, counted as the
        objective counts them (weighted by ``sample_weight`` and
        ``class_prior``). Only when tuned.

    aggregation_ : {"pooled", "median", "mean"}
        The aggregation used. Only when tuned.

    objective_ : Objective or ScorerObjective
        The objective maximised. Only when tuned or ``threshold="bayes"``.

    threshold_spread_ : float or ndarray of shape (n_classes,)
        Standard deviation of ``fold_thresholds_`` (per class for more
        classes; 0 for a single fold). Only when tuned.

    threshold_interval_ : tuple of float or ndarray of shape (n_classes, 2)
        The 5th and 95th percentiles of ``fold_thresholds_`` (per class for
        more classes). With many folds, such as
        ``cv=RepeatedStratifiedKFold(n_splits=5, n_repeats=20)``, the fold
        thresholds form a resampling distribution and this is a 90% interval
        for the threshold. Only when tuned.

    cv_results_ : dict
        With ``store_cv_results=True``. Two classes: one array per fold
        under each key, the points in order of decreasing threshold:
        ``"thresholds"``, ``"scores"`` (the objective), ``"precision"``,
        ``"recall"`` (also under ``"tpr"``) and ``"fpr"`` of the held-out
        samples predicted positive at each threshold. At most 1000 points
        per fold, evenly spread in rank, always including the fold's optimum
        and ``decision_threshold_``. With a scikit-learn scorer, the points
        are the candidates the scorer was called on, denser near the
        optimum. More classes: ``"argmax"``, ``"prior"`` and ``"decision"``,
        each fold's objective under plain argmax, the prior rule and
        ``decision_threshold_``.

    classes_ : ndarray of shape (n_classes,)
        The class labels.

    training_prior_ : ndarray of shape (n_classes,)
        The (weighted) class shares of ``y``, which the estimator's
        probabilities reflect.

    class_prior_ : ndarray of shape (n_classes,)
        The class balance the rule is tuned for: ``class_prior``, or
        ``training_prior_``.

    held_out_summary_ : dict
        A bounded summary of the pooled held-out scores of each class, from
        which :meth:`with_class_prior` re-derives the rule and
        :meth:`check_drift` compares new scores: ``"scores"`` (two classes:
        ``pos_label``'s score; more: the probabilities), ``"class_index"``
        (the class in ``classes_`` each point stands for), ``"weight"`` (how
        many held-out samples it stands for), ``"n_samples"`` and
        ``"fold_distance"`` (see :meth:`check_drift`). A class of at most
        2000 distinct held-out scores is kept whole (ties merged); a larger
        one as 2000 points, each the middle of a run of equal weight (for
        two classes, a quantile; for more, a row stratified by the class's
        own probability), so the summary never exceeds ``2000 * n_classes``
        points whatever the number of samples. It holds scores, no feature.
        Only when tuned.

    pos_label_ : object or None
        The class predicted where the score reaches the threshold (two
        classes); ``None`` for more classes.

    response_method_ : {"predict_proba", "decision_function"}
        The estimator's method whose output the rule reads.

    n_features_in_ : int
        Number of features seen during fit, when the estimator records it.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when the estimator records them.

    See Also
    --------
    sklearn.model_selection.TunedThresholdClassifierCV : Tunes a binary
        threshold on a grid of 100 points of the mean fold curve.
    sklearn.model_selection.FixedThresholdClassifier : Applies a given
        binary threshold.

    Notes
    -----
    With ``k`` distinct held-out scores ``s_1 > ... > s_k``, a fold of two
    classes has ``k + 1`` distinct ways to split its samples, each reached by
    a threshold between two adjacent scores. The confusion counts of all of
    them come from one sort and cumulative sums, so the search is exact and
    costs ``O(n log n)`` per fold. Where several consecutive splits reach the
    best value (a plateau, common in small folds), the middle of the widest
    such run is taken, and the threshold is placed midway between the two
    adjacent distinct scores rather than on a score, so that it does not
    depend on which side of a tie a new sample falls.

    With more classes, holding every threshold but ``t_k`` fixed, each
    sample's prediction changes at one breakpoint of ``t_k`` (where
    ``p_k / t_k`` meets the best of the other classes), so one step of the
    coordinate ascent is the same exact search over the sorted breakpoints,
    in ``log t_k``, with the same tie rules; a threshold moves only for a
    gain of more than ``1e-6`` (relative). The ascent sweeps the classes
    until a sweep moves no threshold, or for 20 sweeps. It starts from the
    better, on
    the held-out data, of plain argmax and the prior rule
    ``argmax_k p_k / prior_k`` (the Bayes rule of balanced accuracy for
    calibrated probabilities). With classes of a dozen samples, the
    ``n_classes - 1`` free thresholds can fit the held-out noise: on a suite
    of 14 multiclass data sets a tuned macro F1 gained on average but lost
    on nearly half the runs. So with ``aggregation="pooled"`` the tuned
    vector is kept only when it beats both plain argmax and the prior rule
    in a 3-fold cross-validation over the pooled held-out probabilities
    (tuned on two thirds, scored on the rest; no model is refitted; drawn 5
    times up to 10,000 rows, fewer above, once from 25,000 rows);
    otherwise the better of the two is kept, and ``decision_rule_`` says
    which.

    Moving the threshold of a probabilistic classifier, rather than
    resampling or reweighting its training data, is the approach studied in
    [1]_ for unequal error costs and in [2]_ for the F1 measure, whose best
    threshold on calibrated probabilities is half the best F1 reached.

    A fitted classifier saved with pickle, joblib or
    :mod:`threshold_estimator.persistence` records the versions of
    threshold-estimator and scikit-learn it was saved with; loading it with
    others warns
    (:class:`~threshold_estimator.exceptions.VersionMismatchWarning`).

    References
    ----------
    .. [1] V. S. Sheng and C. X. Ling, "Thresholding for making classifiers
       cost-sensitive", Proceedings of AAAI, 2006.
    .. [2] Z. C. Lipton, C. Elkan and B. Naryanaswamy, "Optimal thresholding
       of classifiers to maximize F1 measure", ECML PKDD, 2014.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from threshold_estimator import ThresholdedClassifier
    >>> X, y = make_classification(n_samples=2000, weights=[0.9], random_state=0)
    >>> clf = ThresholdedClassifier(LogisticRegression(), scoring="f1",
    ...                             random_state=0).fit(X, y)
    >>> print(f"{clf.decision_threshold_:.2f}")
    0.38
    >>> print(clf.aggregation_, len(clf.fold_thresholds_))
    pooled 5
    >>> clf.predict(X[:5])
    array([1, 0, 0, 0, 0])

    Three classes, one of them rare:

    >>> X, y = make_classification(n_samples=5000, n_classes=3, n_informative=4,
    ...                            weights=[0.6, 0.3, 0.1], random_state=0)
    >>> clf = ThresholdedClassifier(LogisticRegression(), scoring="f1_macro",
    ...                             random_state=0).fit(X, y)
    >>> print(clf.decision_rule_, [f"{t:.2f}" for t in clf.decision_threshold_])
    tuned ['0.44', '0.34', '0.22']
    >>> clf.predict(X[:5])
    array([2, 0, 0, 0, 0])
    """

    _parameter_constraints: dict = {
        "estimator": [
            HasMethods(["fit", "predict_proba"]),
            HasMethods(["fit", "decision_function"]),
        ],
        "scoring": [str, Objective, callable],
        "cv": ["cv_object", Interval(RealNotInt, 0.0, 1.0, closed="neither")],
        "aggregation": [StrOptions({"pooled", "median", "mean"})],
        # An interval, unlike Real, refuses NaN and infinities.
        "threshold": [
            StrOptions({"auto", "bayes"}),
            Interval(Real, None, None, closed="neither"),
            "array-like",
        ],
        "response_method": [StrOptions({"auto", "predict_proba", "decision_function"})],
        "pos_label": [Real, str, "boolean", None],
        "class_prior": ["array-like", None],
        "abstention": [dict, None],
        "refit": ["boolean"],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "store_cv_results": ["boolean"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator,
        *,
        scoring="balanced_accuracy",
        cv=5,
        aggregation="pooled",
        threshold="auto",
        response_method="auto",
        pos_label=None,
        class_prior=None,
        abstention=None,
        refit=True,
        n_jobs=None,
        random_state=None,
        store_cv_results=False,
        verbose=0,
    ):
        self.estimator = estimator
        self.scoring = scoring
        self.cv = cv
        self.aggregation = aggregation
        self.threshold = threshold
        self.response_method = response_method
        self.pos_label = pos_label
        self.class_prior = class_prior
        self.abstention = abstention
        self.refit = refit
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.store_cv_results = store_cv_results
        self.verbose = verbose

    @_fit_context(
        # The estimator's own parameters are validated by its own fit.
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit the estimator and tune the decision rule.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, n_features)
            Training data, as the estimator accepts it.

        y : array-like of shape (n_samples,)
            Target: two classes or more.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights. They weigh the objective, and reach the
            estimator's ``fit`` when it accepts ``sample_weight`` (with
            metadata routing enabled: when it requests it).

        **fit_params : dict
            Passed to the estimator's ``fit``, sliced per fold. With metadata
            routing enabled, routed to the estimator, the splitter and a
            scikit-learn scorer as they request.

        Returns
        -------
        self : object
            The fitted classifier.
        """
        # A refit with other parameters must not keep the last fit's results.
        for name in [n for n in vars(self) if n.endswith("_") and n[0] != "_"]:
            delattr(self, name)
        X, y = indexable(X, y)
        target = _check_target(y, self.pos_label)
        if sample_weight is not None:
            sample_weight = check_weights(sample_weight, X)
        training_prior = _class_shares(target, sample_weight)
        prior = _check_class_prior(self.class_prior, target.classes, training_prior)
        objective = resolve_scoring(self.scoring, target.classes, target.pos_label)
        # A fixed threshold may be an array, which == would compare elementwise.
        tune = isinstance(self.threshold, str) and self.threshold == "auto"
        fit_params = dict(fit_params)
        objective_params = _pop_objective_params(
            objective, fit_params, len(y), required=tune
        )
        routed = self._route_params(sample_weight, fit_params)
        response_method = _check_response_method(
            self.estimator, self.response_method, target, self.threshold
        )
        priors = {"training_prior": training_prior, "class_prior": prior}
        _check_abstention(self.abstention, target, self.threshold)
        if not tune:
            fixed = self._fixed_rule(
                objective, target, training_prior, prior, response_method
            )
            estimator = clone(self.estimator).fit(X, y, **routed.estimator.fit)
            return self._set_fitted(
                estimator, target, response_method, **priors, **fixed
            )

        check_pos_label(self.scoring, target.y, self.pos_label)
        splits = self._make_splits(X, target, routed.splitter.split, sample_weight)
        folds = self._fit_folds(
            X, y, splits, routed.estimator.fit, target, response_method
        )
        _check_held_out_scores(folds, response_method)
        weight = sample_weight
        if self.class_prior is not None:
            weight = _shifted_weights(sample_weight, target, folds, prior)
        # A scikit-learn scorer reads its routed metadata; an objective, the
        # per-sample arrays it names.
        params = objective_params
        if hasattr(objective, "score_labels"):
            params = dict(routed.scorer.score)
            if weight is not None:
                params["sample_weight"] = weight
        bind = _Binder(objective, target.truth, weight, params)
        tuned = (
            self._tune_binary(folds, bind)
            if target.is_binary
            else self._tune_multiclass(folds, bind, training_prior)
        )
        self._report_folds(folds, tuned, objective)
        constraint = (
            _constraint_values(objective, folds, bind, tuned.threshold)
            if isinstance(objective, Constrained)
            else None
        )
        band = None
        if self.abstention is not None:
            test = np.concatenate([f.test for f in folds])
            band = tune_band(
                target.truth[test],
                np.concatenate([f.scores for f in folds]),
                None if weight is None else weight[test],
                tuned.threshold,
                self.abstention,
            )
        found = self._fragility(
            folds,
            tuned,
            target,
            objective,
            response_method,
            weight,
            _weighted_by(sample_weight, self.class_prior),
        )
        if constraint is not None:
            found += _diagnostics.missed_constraint(
                objective, constraint["folds"], constraint["pooled"], self.aggregation
            )
        for category, message in found:
            # Past this method, fit and scikit-learn's fit wrapper: the caller.
            warnings.warn(message, category, stacklevel=3)
        if self.refit:
            self._progress(f"refitting on all {len(y)} samples")
            estimator = clone(self.estimator).fit(X, y, **routed.estimator.fit)
        else:
            estimator = folds[0].model
        return self._set_fitted(
            estimator,
            target,
            response_method,
            threshold=tuned.threshold,
            rule=tuned.rule,
            objective=objective,
            tuned=tuned,
            summary=_summarize_folds(folds, target, sample_weight),
            band=band,
            constraint=constraint,
            **priors,
        )

    def _set_fitted(
        self,
        estimator,
        target,
        response_method,
        *,
        threshold,
        rule,
        training_prior,
        class_prior,
        objective=None,
        tuned=None,
        summary=None,
        band=None,
        cost_matrix=None,
        constraint=None,
    ):
        """Set every fitted attribute at once, at the end of a successful fit."""
        self.estimator_ = estimator
        self.classes_ = target.classes
        self.pos_label_ = target.pos_label
        self.response_method_ = response_method
        self.training_prior_ = training_prior
        self.class_prior_ = class_prior
        if summary is not None:
            # Plain arrays, so that model files need no private type.
            self.held_out_summary_ = summary._asdict()
        if band is not None:
            *self.abstention_band_, self.abstention_coverage_ = band
            self.abstention_band_ = tuple(self.abstention_band_)
        self.decision_threshold_ = threshold
        self.decision_rule_ = rule
        if cost_matrix is not None:
            self.cost_matrix_ = cost_matrix
        if objective is not None:
            self.objective_ = objective
        if tuned is not None:
            self.aggregation_ = self.aggregation
            self.fold_thresholds_ = tuned.fold_thresholds
            self.fold_scores_ = tuned.fold_scores
            # A fold where the threshold misses a constraint has no value
            # (-inf), and so has their mean: None, rather than -inf.
            missed = np.isneginf(tuned.fold_scores).any()
            self.best_score_ = None if missed else float(tuned.fold_scores.mean())
            if constraint is not None:
                self.constraint_values_ = constraint
            self.threshold_spread_, self.threshold_interval_ = _spread(
                tuned.fold_thresholds
            )
            if self.store_cv_results:
                self.cv_results_ = tuned.cv_results
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(estimator, name):
                setattr(self, name, getattr(estimator, name))
        return self

    def _fixed_rule(self, objective, target, training_prior, prior, response_method):
        """The untuned rule of ``threshold``: a number, a vector or "bayes"."""
        n_classes = target.classes.size
        if isinstance(self.threshold, str):  # "bayes"
            check_pos_label(self.scoring, target.y, self.pos_label)
            return _bayes_rule(
                objective, target.classes, target.pos_label, training_prior, prior
            )
        if np.ndim(self.threshold) == 0:
            if n_classes > 2:
                raise ValueError(
                    f"threshold={self.threshold!r} is the threshold of two "
                    f"classes, but y has {n_classes}: give a vector of "
                    f"{n_classes} positive thresholds, one per class in the "
                    "order of classes_, or threshold='auto' to tune them."
                )
            if response_method == "predict_proba" and not 0 <= self.threshold <= 1:
                margins = (
                    ", or response_method='decision_function' for a threshold of "
                    "the estimator's margins"
                    if hasattr(self.estimator, "decision_function")
                    else ""
                )
                raise ValueError(
                    f"threshold={self.threshold!r} is compared with "
                    f"{type(self.estimator).__name__}'s predict_proba, a "
                    "probability, so it would predict one class for every "
                    f"sample. Give a probability in [0, 1]{margins}."
                )
            return {"threshold": float(self.threshold), "rule": "fixed"}
        if n_classes == 2:
            raise ValueError(
                "With two classes, threshold is the threshold of pos_label's "
                f"score, a number such as 0.3; got {self.threshold!r}."
            )
        try:
            vector = np.asarray(self.threshold, dtype=np.float64)
        except (TypeError, ValueError):
            vector = np.full(1, np.nan)
        if (
            vector.shape != (n_classes,)
            or not (np.isfinite(vector) & (vector > 0)).all()
        ):
            raise ValueError(
                f"threshold must hold {n_classes} positive finite numbers, one "
                f"per class of {target.classes.tolist()}; got {self.threshold!r}."
            )
        return {"threshold": vector / vector.sum(), "rule": "fixed"}

    def _progress(self, message):
        if self.verbose:
            print(f"[ThresholdedClassifier] {message}")

    def _report_folds(self, folds, tuned, objective):
        if not self.verbose:
            return
        name = _diagnostics.format_quantity(objective)
        sign = _diagnostics.objective_sign(objective)
        for i, (fold, threshold, score) in enumerate(
            zip(folds, tuned.fold_thresholds, tuned.fold_scores, strict=True)
        ):
            self._progress(
                _diagnostics.fold_line(
                    i,
                    len(folds),
                    len(fold.test),
                    threshold,
                    name,
                    sign * score,
                    fold.seconds,
                )
            )
        shown = _diagnostics.shown_threshold(tuned.threshold)
        self._progress(f"decision threshold {shown} ({self.aggregation}, {tuned.rule})")

    def _route_params(self, sample_weight, fit_params):
        """The metadata for estimator, splitter and scorer, as a Bunch."""
        if _routing_enabled():
            if sample_weight is not None:
                fit_params = {"sample_weight": sample_weight, **fit_params}
            routed = process_routing(self, "fit", **fit_params)
            # An iterable of splits is not routed to (see get_metadata_routing).
            return Bunch(
                estimator=routed.estimator,
                splitter=getattr(routed, "splitter", Bunch(split={})),
                scorer=getattr(routed, "scorer", Bunch(score={})),
            )
        estimator_params = dict(fit_params)
        # As scikit-learn's searches did before metadata routing: groups go to
        # the splitter.
        split_params = {}
        if "groups" in estimator_params:
            split_params["groups"] = estimator_params.pop("groups")
        if sample_weight is not None:
            if has_fit_parameter(self.estimator, "sample_weight"):
                estimator_params["sample_weight"] = sample_weight
            else:
                warnings.warn(
                    f"{type(self.estimator).__name__}.fit does not accept "
                    "sample_weight, so the weights only weigh the threshold's "
                    "objective. To weigh a Pipeline's steps, enable metadata "
                    "routing (sklearn.set_config(enable_metadata_routing=True)) "
                    "and request the weights.",
                    UserWarning,
                    stacklevel=4,
                )
        scorer_params = (
            {} if sample_weight is None else {"sample_weight": sample_weight}
        )
        return Bunch(
            estimator=Bunch(fit=estimator_params),
            splitter=Bunch(split=split_params),
            scorer=Bunch(score=scorer_params),
        )

    def _splitter(self):
        """The cross-validation splitter that ``cv`` stands for."""
        if isinstance(self.cv, Real) and not isinstance(self.cv, Integral):
            return StratifiedShuffleSplit(
                n_splits=1, test_size=self.cv, random_state=self.random_state
            )
        if isinstance(self.cv, Integral):
            return StratifiedKFold(
                n_splits=self.cv, shuffle=True, random_state=self.random_state
            )
        return check_cv(self.cv, classifier=True)

    def _make_splits(self, X, target, split_params, sample_weight):
        """The folds as a list of (train, test) index arrays, checked."""
        n_classes = target.classes.size
        if isinstance(self.cv, Integral):
            counts = np.bincount(target.codes, minlength=n_classes)
            smallest = counts.min()
            if smallest < self.cv:
                label = target.classes[np.argmin(counts)].tolist()
                raise ValueError(
                    f"y has {smallest} samples of class {label!r}, fewer than "
                    f"cv={self.cv} folds: every held-out fold needs one. "
                    + (
                        f"Use cv={smallest} or fewer, or more samples of that class."
                        if smallest >= 2
                        else "Tuning needs at least 2 samples of each class."
                    )
                )
        splitter = self._splitter()
        splits = list(splitter.split(X, target.y, **split_params))
        if not splits:
            raise ValueError(
                "cv made no splits; pass a splitter or at least one (train, test) "
                "pair of indices."
            )
        if not self.refit and len(splits) != 1:
            raise ValueError(
                f"refit=False keeps the model of a single split, but cv makes "
                f"{len(splits)} splits. Use refit=True, or a single split such as "
                "cv=0.2."
            )
        # The samples of each class in y that a fold can hold (non-zero weight).
        in_y = np.bincount(
            target.codes,
            weights=None if sample_weight is None else sample_weight > 0,
            minlength=n_classes,
        ).astype(np.intp)
        for i, (train, test) in enumerate(splits):
            for part, index in (("training", train), ("held-out", test)):
                # Samples of zero weight count as absent, as if removed.
                present = np.bincount(
                    target.codes[index],
                    weights=None if sample_weight is None else sample_weight[index],
                    minlength=n_classes,
                )
                if (present <= 0).any():
                    missing = int(np.argmin(present))
                    label = target.classes[missing].tolist()
                    of = "" if sample_weight is None else " (of non-zero weight)"
                    raise ValueError(
                        f"The {part} part of fold {i} of cv holds no sample of "
                        f"class {label!r}{of}; every fold needs every class. "
                        + _missing_class_advice(
                            self.cv,
                            splitter,
                            label,
                            in_y[missing],
                            weighted=sample_weight is not None,
                        )
                    )
        return splits

    def _fit_folds(self, X, y, splits, fit_params, target, response_method):
        """Each fold's model fitted and its held-out part scored, in parallel."""
        self._progress(f"fitting {len(splits)} folds")
        parallel = Parallel(n_jobs=self.n_jobs, verbose=max(self.verbose - 1, 0))
        return parallel(
            delayed(_fit_and_score_fold)(
                clone(self.estimator),
                X,
                y,
                train=train,
                test=test,
                fit_params=fit_params,
                response_method=response_method,
                pos_label=target.pos_label,
                keep=not self.refit,
            )
            for train, test in splits
        )

    def _tune_binary(self, folds, bind):
        """Each fold's exact threshold, and the aggregated one."""
        curves, bound = [], []
        for i, fold in enumerate(folds):
            objective, y_true, weight = bind(fold.test)
            thresholds, values, best = _search_fold(
                objective,
                y_true,
                fold.scores,
                weight,
                f"the held-out part of fold {i}",
                bind.objective,
            )
            curves.append((thresholds, values, best))
            bound.append((objective, y_true, fold.scores, weight))
        fold_thresholds = np.array([t[best] for t, _, best in curves])
        if self.aggregation == "pooled":
            objective, y_true, weight = bind(np.concatenate([f.test for f in folds]))
            scores = np.concatenate([f.scores for f in folds])
            thresholds, _, best = _search_fold(
                objective,
                y_true,
                scores,
                weight,
                "the held-out parts of the folds pooled",
                bind.objective,
            )
            threshold = float(thresholds[best])
        else:
            threshold = aggregate(fold_thresholds, self.aggregation)
        fold_scores = np.array(
            [value_at(o, y, s, w, threshold) for o, y, s, w in bound]
        )
        cv_results = (
            _curve_results(curves, folds, bind, threshold, fold_scores)
            if self.store_cv_results
            else None
        )
        return _Tuned(threshold, fold_thresholds, fold_scores, "tuned", cv_results)

    def _tune_multiclass(self, folds, bind, prior):
        """Each fold's tuned vector, and the rule kept for all the folds.

        ``prior`` is the training data's class balance, which the
        probabilities reflect: the prior rule divides by it.
        """
        per_fold = []
        for fold in folds:
            objective, y_true, weight = bind(fold.test)
            log_proba = log_probabilities(fold.scores)
            thresholds, _ = tune_rule(objective, y_true, log_proba, prior, weight)
            per_fold.append((thresholds, objective, y_true, log_proba, weight))
        fold_thresholds = np.array([t for t, *_ in per_fold])
        if self.aggregation == "pooled":
            objective, y_true, weight = bind(np.concatenate([f.test for f in folds]))
            log_proba = log_probabilities(np.concatenate([f.scores for f in folds]))
            seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
            rule, threshold = choose_rule(
                objective, y_true, log_proba, prior, weight, seed=seed
            )
        else:
            rule, threshold = "tuned", aggregate(fold_thresholds, self.aggregation)
        fixed = fixed_rules(prior)
        results = {
            name: np.array(
                [
                    rule_value(o, y, lp, np.log(thresholds), w)
                    for _, o, y, lp, w in per_fold
                ]
            )
            for name, thresholds in (*fixed.items(), ("decision", threshold))
        }
        cv_results = results if self.store_cv_results else None
        return _Tuned(threshold, fold_thresholds, results["decision"], rule, cv_results)

    def _fragility(
        self,
        folds,
        tuned,
        target,
        objective,
        response_method,
        sample_weight=None,
        weighted_by="",
    ):
        """(warning class, message) for each sign of a fragile rule.

        ``sample_weight`` weighs the samples as the objective does;
        ``weighted_by`` says what it comes from.
        """
        classes = target.classes
        held_out_counts = np.array(
            [np.bincount(target.codes[f.test], minlength=classes.size) for f in folds]
        )
        pooled = np.concatenate([f.scores for f in folds])
        test = np.concatenate([f.test for f in folds])
        # Shares are compared as the objective sees them: weighted, if weights.
        weight = None if sample_weight is None else sample_weight[test]
        actual = np.bincount(target.codes[test], weights=weight, minlength=classes.size)
        found = _diagnostics.few_samples(held_out_counts, classes)
        name = type(self.estimator).__name__
        if target.is_binary:
            if response_method == "predict_proba" and hasattr(
                self.estimator, "decision_function"
            ):
                advice = (
                    "Use response_method='decision_function': "
                    f"{name}'s margins are not squashed into [0, 1]."
                )
            else:
                # Read only for probabilities: margins are checked for ties, whose
                # advice is the diagnostics' own.
                advice = (
                    f"{name} has no decision_function to read instead. If the "
                    "model has logits (a network's output before its sigmoid), "
                    "tune on them: threshold_estimator.tune_threshold(y, logits, "
                    "score_type='logit'). Otherwise make it less confident (more "
                    "regularisation, fewer epochs, label smoothing): calibrating "
                    "its probabilities cannot separate values tied at 0 or 1."
                )
            found += _diagnostics.saturated_scores(
                [f.scores for f in folds],
                response_method == "predict_proba",
                advice,
                tuned.fold_thresholds,
            )
            pos = int(np.flatnonzero(classes == target.pos_label)[0])
            # Counts in the order of classes_: pos_label's column is pos.
            fold_counts = np.array(
                [_binary_counts(pooled >= t, pos) for t in tuned.fold_thresholds]
            )
            decision = np.where(pooled >= tuned.threshold, pos, 1 - pos)
            side = "above" if tuned.threshold > pooled.max() else "below"
            edge = f"{_diagnostics.shown_number(tuned.threshold, 4)} lies {side}"
        else:
            advice = (
                f"Wrap {name} in sklearn.calibration.CalibratedClassifierCV, which "
                "calibrates its decision_function, whose margins are not squashed."
                if hasattr(self.estimator, "decision_function")
                else f"Make {name} less confident (more regularisation, fewer "
                "epochs, label smoothing): calibrating its probabilities cannot "
                "separate values tied at 0 or 1."
            )
            found += _diagnostics.saturated_scores(
                [f.scores.max(axis=1) for f in folds], True, advice
            )
            log_proba = log_probabilities(pooled)
            fold_counts = np.array(
                [
                    np.bincount(
                        predict_classes(log_proba, np.log(t)), minlength=classes.size
                    )
                    for t in tuned.fold_thresholds
                ]
            )
            decision = predict_classes(log_proba, np.log(tuned.threshold))
            pos, edge = None, None
        found += _diagnostics.fold_disagreement(
            fold_counts, tuned.fold_thresholds, self.aggregation, classes
        )
        decision_counts = np.bincount(decision, minlength=classes.size)
        at_edge = _diagnostics.one_class_predicted(decision_counts, objective, edge)
        if at_edge:
            return found + at_edge
        # For two classes only pos_label's rate is checked.
        checked = [pos] if pos is not None else range(classes.size)
        return found + _diagnostics.predicted_rate(
            np.bincount(decision, weights=weight, minlength=classes.size),
            actual,
            classes,
            checked,
            weighted=weighted_by,
        )

    def summary(self):
        """A short report of the tuned rule and how steady it is.

        Returns
        -------
        report : str
            The threshold (per class for more classes) and how it was
            aggregated, the fold thresholds, their spread and 90% interval,
            and the held-out objective: a cost as the expected cost per
            sample, and where the threshold misses a constraint, which folds.

        Examples
        --------
        >>> from sklearn.datasets import make_classification
        >>> from sklearn.linear_model import LogisticRegression
        >>> from threshold_estimator import ThresholdedClassifier
        >>> X, y = make_classification(n_samples=2000, weights=[0.9], random_state=0)
        >>> clf = ThresholdedClassifier(LogisticRegression(), scoring="f1",
        ...                             random_state=0).fit(X, y)
        >>> print(clf.summary())
        decision threshold  0.379 (one search over the 5 folds pooled)
        fold thresholds     0.176 0.157 0.212 0.341 0.522
        spread (std)        0.152
        90% interval        [0.161, 0.486]
        held-out f1         0.963 (folds 0.938 to 0.988)
        """
        check_is_fitted(self, "estimator_")
        multiclass = self.classes_.size > 2
        if not hasattr(self, "fold_thresholds_"):
            if self.decision_rule_ == "bayes":
                how = f"Bayes rule of {self.objective_!r}"
            elif self.decision_rule_ == "fixed":
                how = "fixed, not tuned"
            else:
                shares = " ".join(f"{share:.3g}" for share in self.class_prior_)
                how = f"re-derived for class_prior [{shares}]"
            if self.decision_threshold_ is None:
                return f"decision rule  least expected cost ({how})"
            if not multiclass:
                shown = _diagnostics.shown_number(self.decision_threshold_)
                return f"decision threshold  {shown} ({how})"
            rows = [("decision rule", f"argmax_k p_k / t_k ({how})")]
            rows += [
                (f"t[{label}]", _diagnostics.shown_number(t))
                for label, t in zip(
                    self.classes_, self.decision_threshold_, strict=True
                )
            ]
            return _diagnostics.format_rows(rows)
        how = _diagnostics.how_aggregated(
            self.aggregation_, len(self.fold_thresholds_), self.decision_rule_
        )
        if multiclass:
            rows = _diagnostics.multiclass_summary_rows(
                self.classes_,
                self.decision_threshold_,
                self.fold_thresholds_,
                self.threshold_spread_,
                how,
            )
        else:
            rows = _diagnostics.binary_summary_rows(
                self.decision_threshold_,
                self.fold_thresholds_,
                self.threshold_spread_,
                self.threshold_interval_,
                how,
            )
        objective = self.objective_
        sign = _diagnostics.objective_sign(objective)
        missed = (
            _diagnostics.format_missed_constraint(
                objective,
                self.constraint_values_["folds"],
                self.constraint_values_["pooled"],
            )
            if hasattr(self, "constraint_values_")
            else ""
        )
        rows.append(
            _diagnostics.held_out_row(
                _diagnostics.format_quantity(objective),
                None if self.best_score_ is None else sign * self.best_score_,
                sign * self.fold_scores_,
                missed,
            )
        )
        return _diagnostics.format_rows(rows)

    def with_class_prior(self, class_prior):
        """A fitted copy whose rule suits another class balance, not refitted.

        The held-out scores of each class, summarised at fit
        (``held_out_summary_``), are reweighted to the shares
        ``class_prior`` and the rule is searched on them again, exactly as
        ``fit`` with that ``class_prior`` and ``aggregation="pooled"`` would
        (up to the summary's bound, see ``held_out_summary_``): the summary
        pools the folds, so the re-derived rule is the pooled one whatever
        ``aggregation``. A Bayes rule
        (``threshold="bayes"``) is recomputed for the new balance. The
        estimator is shared with this classifier, not copied or refitted.

        Parameters
        ----------
        class_prior : array-like of shape (n_classes,)
            Positive shares of the classes in the order of ``classes_``,
            such as the output of :meth:`estimate_class_prior`.

        Returns
        -------
        shifted : ThresholdedClassifier
            A fitted copy with the new ``decision_threshold_``,
            ``decision_rule_`` and ``class_prior_``. The fold attributes
            (``fold_thresholds_``, ``best_score_``, ...) describe the old
            balance's folds, so the copy has none.

        Examples
        --------
        >>> from sklearn.datasets import make_classification
        >>> from sklearn.linear_model import LogisticRegression
        >>> from threshold_estimator import ThresholdedClassifier
        >>> X, y = make_classification(n_samples=5000, weights=[0.95],
        ...                            random_state=0)
        >>> clf = ThresholdedClassifier(LogisticRegression(), scoring="f1",
        ...                             random_state=0).fit(X, y)
        >>> shifted = clf.with_class_prior([0.8, 0.2])
        >>> print(f"{clf.decision_threshold_:.2f}, {shifted.decision_threshold_:.2f}")
        0.46, 0.26
        """
        check_is_fitted(self, "estimator_")
        prior = _check_class_prior(class_prior, self.classes_, self.training_prior_)
        if self.decision_rule_ == "fixed":
            raise ValueError(
                "with_class_prior re-derives a tuned or Bayes rule, but this "
                f"classifier's threshold is fixed ({self.threshold!r}), the same "
                "for any class balance. Fit with threshold='auto' (tuned) or "
                "'bayes' to let the balance move it."
            )
        if self.decision_rule_ == "bayes":
            rule = _bayes_rule(
                self.objective_,
                self.classes_,
                self.pos_label_,
                self.training_prior_,
                prior,
            )
            threshold, name = rule["threshold"], "bayes"
        else:
            name, threshold = self._rederive(prior)
        shifted = copy.copy(self)
        for attribute in _FOLD_ATTRIBUTES + ("cost_matrix_",):
            shifted.__dict__.pop(attribute, None)
        if self.decision_rule_ == "bayes" and threshold is None:
            shifted.cost_matrix_ = rule["cost_matrix"]
        if hasattr(self, "abstention_band_"):
            summary = ScoreSummary(**self.held_out_summary_)
            *band, shifted.abstention_coverage_ = tune_band(
                summary.class_index
                == np.flatnonzero(self.classes_ == self.pos_label_)[0],
                summary.scores,
                summary.reweighted(prior),
                threshold,
                self.abstention,
                "At this class balance, fit with a lower abstention precision.",
            )
            shifted.abstention_band_ = tuple(band)
        shifted.class_prior = prior
        shifted.class_prior_ = prior
        shifted.decision_threshold_ = threshold
        shifted.decision_rule_ = name
        return shifted

    def _rederive(self, prior):
        """The rule searched on the held-out summary reweighted to ``prior``."""
        objective = self.objective_
        if objective.metadata:
            raise ValueError(
                f"scoring={objective!r} reads per-sample arrays "
                f"({', '.join(objective.metadata)}), which the held-out summary "
                "does not keep, so with_class_prior cannot re-derive the rule. "
                "Fit again with class_prior=... instead."
            )
        summary = ScoreSummary(**self.held_out_summary_)
        weight = summary.reweighted(prior)
        scorer = hasattr(objective, "score_labels")
        params = {"sample_weight": weight} if scorer else {}
        if self.classes_.size == 2:
            truth = (
                summary.class_index
                == np.flatnonzero(self.classes_ == self.pos_label_)[0]
            )
            bound, weight = objective.bind(truth, weight, params)
            thresholds, _, best = _search_fold(
                bound,
                truth,
                summary.scores,
                weight,
                "the held-out scores reweighted to class_prior",
                objective,
                "At this class balance no threshold meets the bound: fit with a "
                "looser bound in scoring, or another objective.",
            )
            return "tuned", float(thresholds[best])
        bound, weight = objective.bind(summary.class_index, weight, params)
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        return choose_rule(
            bound,
            summary.class_index,
            log_probabilities(summary.scores),
            self.training_prior_,
            weight,
            seed=seed,
        )

    def estimate_class_prior(
        self, X, *, sample_weight=None, max_iter=100, tol=1e-6, return_n_iter=False
    ):
        """The class balance of new, unlabelled data.

        The EM method of Saerens, Latinne and Decaestecker [1]_: the
        estimator's probabilities on ``X`` are adjusted to a candidate
        balance, ``p_k prior_k / training_prior_k`` rescaled, and the balance
        is replaced by the mean adjusted probability, until it moves by less
        than ``tol``. It assumes that only the balance changed (each class's
        features look as in training) and that the probabilities are
        calibrated; see :meth:`check_drift` for the first.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, n_features)
            New samples, as the estimator accepts them.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the new samples.

        max_iter : int, default=100
            The most EM iterations.

        tol : float, default=1e-6
            Stop when no class's share moves by more than this.

        return_n_iter : bool, default=False
            Also return the number of iterations run.

        Returns
        -------
        class_prior : ndarray of shape (n_classes,)
            The estimated shares, in the order of ``classes_``; pass it to
            :meth:`with_class_prior`.

        n_iter : int
            The iterations run; only with ``return_n_iter=True``.

        Warns
        -----
        ConvergenceWarning
            If the balance still moved by more than ``tol`` after
            ``max_iter`` iterations.

        References
        ----------
        .. [1] M. Saerens, P. Latinne and C. Decaestecker, "Adjusting the
           outputs of a classifier to new a priori probabilities: a simple
           procedure", Neural Computation 14(1), 2002.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import make_classification
        >>> from sklearn.linear_model import LogisticRegression
        >>> from threshold_estimator import ThresholdedClassifier
        >>> X, y = make_classification(n_samples=20000, weights=[0.95],
        ...                            class_sep=2, random_state=0)
        >>> clf = ThresholdedClassifier(LogisticRegression(), scoring="f1",
        ...                             random_state=0).fit(X[:10000], y[:10000])
        >>> # New data with a third positives instead of 5%.
        >>> X_new, y_new = X[10000:], y[10000:]
        >>> new = np.r_[np.flatnonzero(y_new == 1), np.flatnonzero(y_new == 0)[:1000]]
        >>> prior = clf.estimate_class_prior(X_new[new])
        >>> print(f"true {y_new[new].mean():.3f}, estimated {prior[1]:.3f}")
        true 0.359, estimated 0.370
        """
        check_is_fitted(self, "estimator_")
        if not (isinstance(max_iter, Integral) and max_iter >= 1):
            raise ValueError(f"max_iter must be an int >= 1; got {max_iter!r}.")
        if not (isinstance(tol, Real) and tol > 0):
            raise ValueError(f"tol must be a positive number; got {tol!r}.")
        proba = self._probabilities(X, "estimate_class_prior")
        if sample_weight is not None:
            sample_weight = check_weights(sample_weight, X)
        prior, n_iter, converged = estimate_prior(
            proba, self.training_prior_, sample_weight, max_iter, tol
        )
        if not converged:
            warnings.warn(
                f"The class balance did not converge in max_iter={max_iter} EM "
                "iterations; its last estimate is returned. Increase max_iter.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return (prior, n_iter) if return_n_iter else prior

    def check_drift(self, X, *, alpha=0.01):
        """Whether new data's scores still look like the held-out scores.

        The estimator's scores on ``X`` are compared with the held-out
        scores summarised at fit (``held_out_summary_``), mixed in the
        class balance that :meth:`estimate_class_prior` finds for ``X``, by
        the largest distance between the two distribution functions (the
        Kolmogorov-Smirnov statistic; with more classes, the largest over
        each class's probability, Bonferroni-corrected). If they match after
        that allowance, any change is one of balance, which
        :meth:`with_class_prior` adjusts the rule for. If they do not, the
        scores themselves changed (new kinds of samples, a broken feature),
        and no threshold fixes that: retrain on data like the new data.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, n_features)
            New samples, as the estimator accepts them.

        alpha : float, default=0.01
            The significance level of both comparisons.

        Returns
        -------
        report : Bunch
            ``verdict``: ``"no drift"``, ``"balance shift"`` or ``"scores
            changed"``; ``message``: the verdict and what to do, in words;
            ``class_prior``: the estimated balance of ``X``; ``statistic``
            and ``p_value``: the distance after allowing for that balance;
            ``stale_statistic`` and ``stale_p_value``: the distance at the
            balance the rule is tuned for, ``tuned_class_prior`` (that is,
            ``class_prior_``); ``fold_distance``: the largest distance
            between one fold's held-out scores and the other folds' (see
            Notes); ``n_samples``.

        Notes
        -----
        The held-out scores come from the fold models and the new ones from
        ``estimator_``, refitted on all the data; the distribution functions
        are compared between consecutive distinct held-out scores, so that a
        model with few distinct scores, whose values move a little at the
        refit, is compared value for value. Models also differ from one fit
        to the next (trees and boosting more than linear models): a distance
        counts as drift only when it is both significant at ``alpha`` and
        larger than ``fold_distance``, how far one fold's held-out scores lie
        from the other folds' at fit. The p-values are the asymptotic
        Kolmogorov distribution's, with the held-out side counted as its
        effective number of samples once reweighted (Kish's), and for more
        classes at most the points its summary keeps. Fitting the balance to
        ``X`` first makes the adjusted comparison conservative. With a few
        hundred new samples, only large changes are detected.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import make_classification
        >>> from sklearn.linear_model import LogisticRegression
        >>> from threshold_estimator import ThresholdedClassifier
        >>> X, y = make_classification(n_samples=20000, weights=[0.9],
        ...                            random_state=0)
        >>> clf = ThresholdedClassifier(LogisticRegression(), scoring="f1",
        ...                             random_state=0).fit(X[:10000], y[:10000])
        >>> X_new, y_new = X[10000:], y[10000:]
        >>> print(clf.check_drift(X_new).verdict)
        no drift
        >>> more_positives = np.r_[np.flatnonzero(y_new == 1),
        ...                        np.flatnonzero(y_new == 0)[:3000]]
        >>> print(clf.check_drift(X_new[more_positives]).verdict)
        balance shift
        >>> print(clf.check_drift(X_new * 0.5).verdict)
        scores changed
        """
        check_is_fitted(self, "estimator_")
        if not (isinstance(alpha, Real) and 0 < alpha < 1):
            raise ValueError(f"alpha must be in (0, 1); got {alpha!r}.")
        if not hasattr(self, "held_out_summary_"):
            raise ValueError(
                "check_drift compares with the held-out scores kept by a tuned "
                f"fit, but this classifier's rule is {self.decision_rule_!r}, "
                "fitted without folds. Fit with threshold='auto'."
            )
        proba = self._probabilities(X, "check_drift")
        prior = estimate_prior(proba, self.training_prior_)[0]
        # Two classes: pos_label's probability, the score the summary holds.
        columns = proba
        if self.classes_.size == 2:
            columns = proba[:, self.classes_ == self.pos_label_]
        summary = ScoreSummary(**self.held_out_summary_)
        points = summary.scores.reshape(summary.weight.size, -1)
        found = {}
        # "stale": the balance the rule is tuned for.
        for name, shares in (("stale", self.class_prior_), ("adjusted", prior)):
            reference = effective_size(summary, shares)
            if points.shape[1] > 2:
                # A sample of rows, not quantiles: it is no larger than itself.
                reference = min(reference, summary.weight.size)
            weight = summary.reweighted(shares)
            statistic = max(
                ks_statistic(columns[:, k], points[:, k], weight)
                for k in range(columns.shape[1])
            )
            p_value = min(
                1.0, columns.shape[1] * ks_p_value(statistic, len(columns), reference)
            )
            found[name] = (statistic, p_value)
        return _drift_report(
            found,
            prior,
            self.class_prior_,
            self.classes_,
            len(columns),
            alpha,
            summary.fold_distance,
        )

    def predict_with_abstention(self, X, *, marker="abstain"):
        """Predict a class where the score is clear, ``marker`` in the band.

        Scores of ``pos_label`` at or above the band's upper threshold are
        predicted ``pos_label``, below its lower threshold the other class,
        and in between (``low <= score < high``) ``marker``. :meth:`predict`
        is unchanged: it always answers.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, n_features)
            Samples, as the estimator accepts them.

        marker : object, default="abstain"
            What marks an abstention; not a class. With numeric classes and
            a numeric marker (such as ``-1`` or ``np.nan``) the result stays
            numeric; otherwise it has dtype object.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The classes, with ``marker`` where the classifier abstains.
        coverage : float
            The share of ``X`` given a class.

        Examples
        --------
        >>> from sklearn.datasets import make_classification
        >>> from sklearn.linear_model import LogisticRegression
        >>> from threshold_estimator import ThresholdedClassifier
        >>> X, y = make_classification(n_samples=4000, weights=[0.7],
        ...                            random_state=0)
        >>> clf = ThresholdedClassifier(LogisticRegression(), random_state=0,
        ...                             abstention={"precision": 0.95}).fit(X, y)
        >>> print([f"{t:.2f}" for t in clf.abstention_band_],
        ...       f"{clf.abstention_coverage_:.2f}")
        ['0.28', '0.98'] 0.65
        >>> y_pred, coverage = clf.predict_with_abstention(X[:12], marker=-1)
        >>> y_pred
        array([ 0,  0,  0,  0,  0,  0, -1, -1,  0,  0, -1,  0])
        >>> print(f"{coverage:.2f}")
        0.75
        """
        check_is_fitted(self, "estimator_")
        if not hasattr(self, "abstention_band_"):
            raise ValueError(
                "predict_with_abstention needs a band tuned at fit: fit with "
                "abstention={'precision': 0.95} or {'rate': 0.1}, say."
            )
        return label_with_abstentions(
            self._binary_scores(X),
            self.abstention_band_,
            self.classes_,
            self.pos_label_,
            marker,
        )

    def _probabilities(self, X, caller):
        """The estimator's probabilities, or an error naming ``caller``."""
        if self.response_method_ == "predict_proba":
            return np.asarray(self.estimator_.predict_proba(X), dtype=np.float64)
        advice = (
            "Fit with response_method='predict_proba'."
            if hasattr(self.estimator_, "predict_proba")
            else "Wrap the estimator in sklearn.calibration.CalibratedClassifierCV "
            "to get them."
        )
        raise ValueError(
            f"{caller} needs class probabilities, but this classifier thresholds "
            f"the estimator's {self.response_method_}. {advice}"
        )

    def _binary_scores(self, X):
        check_is_fitted(self, "estimator_")
        return _response(self.estimator_, X, self.response_method_, self.pos_label_)

    def predict(self, X):
        """Predict the class the decision rule chooses.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, n_features)
            Samples, as the estimator accepts them.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Two classes: ``pos_label_`` where the estimator's score is at
            least ``decision_threshold_``, the other class elsewhere. More
            classes: ``classes_[argmax_k p_k / t_k]``, the argmax of
            :meth:`decision_function`.
        """
        check_is_fitted(self, "estimator_")
        if self.classes_.size > 2:
            return self.classes_[np.argmax(self.decision_function(X), axis=1)]
        positive = self._binary_scores(X) >= self.decision_threshold_
        pos_index = int(np.flatnonzero(self.classes_ == self.pos_label_)[0])
        return self.classes_[np.where(positive, pos_index, 1 - pos_index)]

    def decision_function(self, X):
        """Signed margin of each sample to the decision rule.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, n_features)
            Samples, as the estimator accepts them.

        Returns
        -------
        margin : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Two classes: positive exactly where :meth:`predict` says
            ``classes_[1]``, negative elsewhere, as scikit-learn's scorers
            and curves read a ``decision_function``. Its size is the distance
            to the threshold: in log-odds, ``logit(p) - logit(threshold)``,
            when the response is a probability; ``score - threshold`` for a
            ``decision_function``. With ``pos_label=classes_[0]`` the margin
            of ``pos_label``'s score is negated, so that it still points to
            ``classes_[1]``. More classes: ``log p_k - log t_k`` per class,
            whose argmax is :meth:`predict` (for the Bayes rule of a cost
            matrix, minus the expected cost of predicting each class).
        """
        check_is_fitted(self, "estimator_")
        if self.classes_.size > 2:
            proba = self.estimator_.predict_proba(X)
            if self.decision_threshold_ is None:
                return -(proba @ self.cost_matrix_)
            return log_probabilities(proba) - np.log(self.decision_threshold_)
        margin = _margin(
            self._binary_scores(X),
            self.decision_threshold_,
            log_odds=self.response_method_ == "predict_proba",
        )
        return margin if self.pos_label_ == self.classes_[1] else -margin

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """The estimator's class probabilities, unchanged.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, n_features)
            Samples, as the estimator accepts them.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """The estimator's log class probabilities, unchanged.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, n_features)
            Samples, as the estimator accepts them.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_log_proba(X)

    def get_metadata_routing(self):
        """Get metadata routing of this object.

        Returns
        -------
        routing : MetadataRouter
            Routes ``fit`` metadata to the estimator's ``fit``, the splitter's
            ``split`` and a scikit-learn scorer's ``score``.
        """
        # The objective always consumes sample_weight, whatever the children
        # request, so that passing it is never an error.
        request = MetadataRequest(owner=self.__class__.__name__)
        request.fit.add_request(param="sample_weight", alias=True)
        # So do the per-sample arrays of an objective, such as cost amounts.
        for name in getattr(self.scoring, "metadata", ()):
            request.fit.add_request(param=name, alias=True)
        router = MetadataRouter(owner=self.__class__.__name__)
        router.add_self_request(request)
        router.add(
            estimator=self.estimator,
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        )
        # An iterable of splits consumes no metadata, and check_cv would use
        # up a generator before fit could.
        if hasattr(self.cv, "split") or isinstance(self.cv, Real):
            router.add(
                splitter=self._splitter(),
                method_mapping=MethodMapping().add(caller="fit", callee="split"),
            )
        scorer = routed_scorer(self.scoring)
        if scorer is not None:
            router.add(
                scorer=scorer,
                method_mapping=MethodMapping().add(caller="fit", callee="score"),
            )
        return router

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = get_tags(self.estimator).input_tags.sparse
        return tags

    def __getstate__(self):
        return with_versions(super().__getstate__())

    def __setstate__(self, state):
        super().__setstate__(check_versions(state, type(self).__name__))


def _check_target(y, pos_label):
    """The target as a ``_Target``: labels, classes, positive class, truth."""
    y = column_or_1d(y, warn=True)
    y_type = type_of_target(y, input_name="y")
    # scikit-learn's own message for a target that is not classes.
    check_classification_targets(y)
    classes = np.unique(y)
    # Against the few classes: cheaper than unique's inverse, a sort of y.
    codes = np.searchsorted(classes, y)
    if classes.size == 0:
        raise ValueError(
            "y is empty, but a decision rule needs samples of at least two classes."
        )
    if classes.size == 1:
        raise ValueError(
            f"y has one class, {classes.tolist()[0]!r} (all {y.size} samples), but a "
            "decision rule needs samples of at least two classes. Pass a y with "
            "two classes or more; under an outer cross-validation (GridSearchCV, "
            "cross_val_score), split with a stratified splitter such as "
            "StratifiedKFold, so that every training part holds every class."
        )
    if y_type != "binary":
        if pos_label is not None:
            raise ValueError(
                f"pos_label={pos_label!r} chooses the positive one of two "
                f"classes, but y has {classes.size}: {classes.tolist()}. Leave "
                "pos_label=None."
            )
        return _Target(y, classes, None, codes, codes)
    if pos_label is None:
        pos_label = classes[1]
    elif pos_label in classes.tolist():
        pos_label = classes[classes.tolist().index(pos_label)]
    else:
        raise ValueError(
            f"pos_label={pos_label!r} is not a class of y; use one of "
            f"{classes.tolist()}."
        )
    return _Target(y, classes, pos_label, y == pos_label, codes)


def _check_response_method(estimator, response_method, target, threshold):
    """The estimator's method the rule reads, checked against the target."""
    name = type(estimator).__name__
    needs_proba = not target.is_binary or (
        isinstance(threshold, str) and threshold == "bayes"
    )
    why = (
        "the rule argmax_k p_k / t_k of more than two classes"
        if not target.is_binary
        else "threshold='bayes'"
    )
    if needs_proba:
        if response_method == "decision_function":
            raise ValueError(
                f"{why} needs probabilities, but response_method="
                "'decision_function'. Use response_method='auto' or "
                "'predict_proba'."
            )
        if not hasattr(estimator, "predict_proba"):
            raise ValueError(
                f"{why} needs probabilities, but {name} has no predict_proba. "
                "Wrap it in sklearn.calibration.CalibratedClassifierCV to get "
                "them."
            )
        return "predict_proba"
    if response_method == "auto":
        if hasattr(estimator, "predict_proba"):
            return "predict_proba"
        return "decision_function"
    if not hasattr(estimator, response_method):
        raise ValueError(
            f"response_method={response_method!r}, but {name} has no "
            f"{response_method} method. Use response_method='auto' to take the "
            "one it has."
        )
    return response_method


def _check_held_out_scores(folds, response_method):
    """Refuse NaN, infinite or constant held-out scores, naming the fold."""
    for i, fold in enumerate(folds):
        if not np.isfinite(fold.scores).all():
            raise ValueError(
                f"The estimator's {response_method} gave NaN or infinite scores "
                f"on the held-out part of fold {i}; no threshold can be tuned on "
                "them. Check the estimator and its input for NaN."
            )
        if (np.ptp(fold.scores, axis=0) == 0).all():
            first = fold.scores[0].tolist()
            raise ValueError(
                f"The estimator's {response_method} is constant ({first!r}) on "
                f"the held-out part of fold {i}, so no threshold separates its "
                "samples. Check that the estimator learns from the features."
            )


# The splitters that keep every class's share in every fold, and those that
# keep groups apart, whose stratified form is StratifiedGroupKFold.
_STRATIFIED = (
    StratifiedKFold,
    StratifiedShuffleSplit,
    RepeatedStratifiedKFold,
    StratifiedGroupKFold,
)
_GROUPED = (GroupKFold, GroupShuffleSplit, LeaveOneGroupOut, LeavePGroupsOut)


def _missing_class_advice(cv, splitter, label, in_y, weighted):
    """What to do about a fold without ``label``, of which y has ``in_y``.

    ``in_y`` counts the samples of non-zero weight when ``weighted``.
    """
    of = " of non-zero weight" if weighted else ""
    if in_y == 0:
        return (
            f"sample_weight is zero for every sample of class {label!r}: give some "
            "of them a weight, or leave the class out of y."
        )
    if in_y == 1:
        return (
            f"y has 1 sample{of} of class {label!r}; tuning needs at least 2 of "
            "each class, one for each part of a fold."
        )
    if isinstance(splitter, _STRATIFIED):
        name = type(splitter).__name__
        given = name if hasattr(cv, "split") else f"cv={cv!r} makes a {name}"
        if not isinstance(splitter, StratifiedShuffleSplit):
            fewer = "fewer folds"
        elif hasattr(cv, "split"):
            fewer = "a larger test_size"
        else:
            fewer = "a larger cv, the held-out fraction"
        return (
            f"cv is already stratified ({given}), but y has only {in_y} samples{of} "
            f"of class {label!r}: use {fewer}, or more samples of that class."
        )
    if isinstance(splitter, _GROUPED):
        return (
            f"{type(cv).__name__} keeps groups apart but does not stratify by "
            "class: use StratifiedGroupKFold, which does both, or fewer folds."
        )
    given = f"{type(cv).__name__} does" if hasattr(cv, "split") else "The splits do"
    return (
        f"{given} not stratify by class: use a stratified splitter such as "
        "StratifiedKFold(n_splits, shuffle=True), or fewer folds."
    )


def _class_shares(target, sample_weight):
    """The (weighted) share of each class in y, in the order of classes_."""
    counts = np.bincount(
        target.codes, weights=sample_weight, minlength=target.classes.size
    )
    return counts / counts.sum()


def _weighted_by(sample_weight, class_prior):
    """What weighs the held-out samples, in words: "" if nothing."""
    return " and ".join(
        name
        for name, given in (
            ("sample_weight", sample_weight is not None),
            ("class_prior", class_prior is not None),
        )
        if given
    )


def _check_class_prior(class_prior, classes, training_prior):
    """``class_prior`` as shares summing to 1; the training shares if None."""
    if class_prior is None:
        return training_prior
    try:
        prior = np.asarray(class_prior, dtype=np.float64)
    except (TypeError, ValueError):
        prior = np.full(1, np.nan)
    if prior.shape != classes.shape or not (np.isfinite(prior) & (prior > 0)).all():
        raise ValueError(
            f"class_prior must hold {classes.size} positive shares, one per class "
            f"of {classes.tolist()} in that order; got {class_prior!r}."
        )
    return prior / prior.sum()


def _shifted_weights(sample_weight, target, folds, prior):
    """Sample weights under which the pooled held-out classes have the shares
    ``prior``.

    Every count the objectives read is a sum of weights by class, so
    multiplying each class's weights by ``prior_k / held_out_k`` (its share
    of the pooled held-out weight) gives exactly the counts of held-out data
    of that balance, as ``with_class_prior`` does with the summary.
    """
    test = np.concatenate([f.test for f in folds])
    held_out = np.bincount(
        target.codes[test],
        weights=None if sample_weight is None else sample_weight[test],
        minlength=prior.size,
    )
    ratio = (prior / (held_out / held_out.sum()))[target.codes]
    return ratio if sample_weight is None else sample_weight * ratio


def _summarize_folds(folds, target, sample_weight):
    """The bounded summary of the pooled held-out scores (see ``_shift``)."""
    test = np.concatenate([f.test for f in folds])
    return summarize(
        np.concatenate([f.scores for f in folds]),
        target.codes[test],
        target.classes.size,
        None if sample_weight is None else sample_weight[test],
        fold=np.repeat(np.arange(len(folds)), [f.test.size for f in folds]),
    )


def _bayes_rule(objective, classes, pos_label, training_prior, prior):
    """The Bayes rule of ``objective`` for calibrated probabilities.

    The probabilities reflect ``training_prior``; on data of balance
    ``prior`` they would be ``p_k prior_k / training_prior_k``, rescaled, so
    the rule for that data weighs each class's probability by that ratio.
    """
    ratio = prior / training_prior
    if pos_label is not None:
        # The objective sees the classes as (negative, positive).
        pos = int(np.flatnonzero(classes == pos_label)[0])
        prior, ratio = prior[[1 - pos, pos]], ratio[[1 - pos, pos]]
    rule = objective._bayes_weights(prior)
    if rule is not None:
        rule = ratio[:, None] * rule if rule.ndim == 2 else ratio * rule
    if rule is None:
        raise ValueError(
            "threshold='bayes' applies the Bayes rule of a cost (cost(...), "
            "cost_matrix(...)), 'balanced_accuracy' or 'accuracy', but "
            f"scoring={objective!r} has none. Use threshold='auto' to tune it."
        )
    fitted = {"rule": "bayes", "objective": objective}
    if rule.ndim == 2 and pos_label is not None:
        # Errors that cost nothing extra: the rule is still one threshold.
        extra = np.array([rule[0, 1] - rule[0, 0], rule[1, 0] - rule[1, 1]])
        if extra.sum() <= 0:
            raise ValueError(
                f"threshold='bayes': {objective!r} gives every decision the "
                "same cost, so no rule is better than another."
            )
        return {"threshold": float(extra[0] / extra.sum()), **fitted}
    if rule.ndim == 2:
        return {"threshold": None, "cost_matrix": rule, **fitted}
    if pos_label is not None:
        # Predict positive where p w_pos >= (1 - p) w_neg.
        return {"threshold": float(rule[0] / rule.sum()), **fitted}
    inverse = 1 / rule
    return {"threshold": inverse / inverse.sum(), **fitted}


def _search_fold(objective, y_true, scores, weight, where, scoring, advice=None):
    """The curve and best cut of one set of binary samples; ``where`` and
    ``advice`` complete the error of an objective that allows no threshold."""
    try:
        thresholds, values = objective_curve(objective, y_true, scores, weight)
        return thresholds, values, best_cut(values)
    except InfeasibleObjectiveError as exc:
        advice = advice or (
            "Loosen the bound, use fewer folds (more samples per fold), or "
            "choose another objective."
        )
        raise InfeasibleObjectiveError(
            f"scoring={scoring!r} allows no threshold on {where}: {exc}. {advice}"
        ) from None


def _constraint_values(objective, folds, bind, threshold):
    """A constraint's bounded quantity at ``threshold``: per fold and pooled.

    Counted as the objective counts (weighted, and reweighted to
    ``class_prior``), from each fold's held-out counts: nothing is refitted.
    """

    def value_on(indices, scores):
        _, y_true, weight = bind(indices)
        counts = counts_at(y_true, scores, weight, threshold)
        return float(objective.subject_to(*(np.array([c]) for c in counts))[0])

    return {
        "folds": np.array([value_on(f.test, f.scores) for f in folds]),
        "pooled": value_on(
            np.concatenate([f.test for f in folds]),
            np.concatenate([f.scores for f in folds]),
        ),
    }


def _binary_counts(positive, pos):
    """Predicted counts in the order of classes_, pos_label at index ``pos``."""
    n_positive = int(np.count_nonzero(positive))
    counts = [positive.size - n_positive, n_positive]
    return np.array(counts if pos == 1 else counts[::-1])


def _spread(fold_thresholds):
    """Standard deviation and 5th-95th percentile interval of the folds."""
    n_folds = len(fold_thresholds)
    spread = (
        np.std(fold_thresholds, axis=0, ddof=1)
        if n_folds > 1
        else np.zeros_like(fold_thresholds[0])
    )
    interval = np.percentile(fold_thresholds, _INTERVAL, axis=0)
    if np.ndim(fold_thresholds) == 1:
        return float(spread), tuple(float(q) for q in interval)
    return spread, interval.T


def check_weights(sample_weight, X):
    """``sample_weight`` as float64, checked: finite, non-negative, not all 0."""
    sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
    if (sample_weight < 0).any():
        raise ValueError(
            "sample_weight must be non-negative; its smallest value is "
            f"{sample_weight.min()!r}."
        )
    if not sample_weight.any():
        raise ValueError(
            "sample_weight is zero everywhere; give some samples a weight."
        )
    return sample_weight


def _pop_objective_params(objective, fit_params, n_samples, required=True):
    """Take the per-sample arrays the objective reads out of ``fit_params``.

    With a fixed threshold the objective is not used: its arrays are taken
    out when given (they are not the estimator's), but not required.
    """
    params = {}
    for name in objective.metadata:
        if name not in fit_params and not required:
            continue
        if name not in fit_params:
            raise ValueError(
                f"scoring={objective!r} reads the per-sample array {name!r}: pass "
                f"it as fit(X, y, {name}=...), one value per sample."
            )
        value = np.asarray(fit_params.pop(name), dtype=np.float64)
        if value.shape != (n_samples,):
            raise ValueError(
                f"{name} has shape {value.shape}; scoring={objective!r} needs one "
                f"value per sample, shape ({n_samples},)."
            )
        if not np.isfinite(value).all():
            raise ValueError(
                f"The fit argument {name} contains NaN or infinite values; "
                f"scoring={objective!r} needs a finite value for every sample."
            )
        params[name] = value
    return params


class _Binder:
    """The objective, truths and weights of any set of held-out samples.

    Per-sample metadata (a scorer's routed parameters, an objective's cost
    arrays) is sliced with the same indices as the scores, so that a fold and
    the pooled folds are handled alike.
    """

    def __init__(self, objective, truth, sample_weight, params):
        self.objective = objective
        self.truth = truth
        self.sample_weight = sample_weight
        self.params = params

    def __call__(self, indices):
        y_true = self.truth[indices]
        weight = None if self.sample_weight is None else self.sample_weight[indices]
        params = _check_method_params(self.truth, self.params, indices=indices)
        objective, weight = self.objective.bind(y_true, weight, params)
        return objective, y_true, weight


def _curve_results(curves, folds, bind, decision_threshold, fold_scores):
    """Each fold's curve, thinned, with its rates; see ``cv_results_``."""
    results = {
        key: [] for key in ("thresholds", "scores", "precision", "recall", "fpr")
    }
    for (thresholds, values, best), fold, at_decision in zip(
        curves, folds, fold_scores, strict=True
    ):
        # One point is left for the decision threshold.
        keep = thinned(thresholds.size, best, _MAX_CURVE_POINTS - 1)
        kept, values = thresholds[keep], values[keep]
        if decision_threshold not in kept:
            # The aggregated threshold, with the fold's exact value there.
            where = np.searchsorted(-kept, -decision_threshold)
            kept = np.insert(kept, where, decision_threshold)
            values = np.insert(values, where, at_decision)
        y_true = bind.truth[fold.test]
        weight = None if bind.sample_weight is None else bind.sample_weight[fold.test]
        distinct, tn, fp, fn, tp = confusion_counts(y_true, fold.scores, weight)
        cut = np.searchsorted(-distinct, -kept, side="right")
        counts = (tn[cut], fp[cut], fn[cut], tp[cut])
        results["thresholds"].append(kept)
        results["scores"].append(values)
        for rate in ("precision", "recall", "fpr"):
            results[rate].append(get_objective(rate)(*counts))
    results["tpr"] = results["recall"]
    return results


def _check_abstention(abstention, target, threshold):
    """The keyword of ``abstention_band`` that ``abstention`` asks for."""
    if abstention is None:
        return None
    key, value = next(iter(abstention.items()), (None, None))
    valid = {"precision": (0, 1, "(0, 1]"), "rate": (0, 1, "[0, 1)")}
    if (
        len(abstention) != 1
        or key not in valid
        or not isinstance(value, Real)
        or not (0 < value <= 1 if key == "precision" else 0 <= value < 1)
    ):
        raise ValueError(
            "abstention must be {'precision': p} with p in (0, 1] (the widest "
            "band at which both classes' predictions reach precision p) or "
            "{'rate': r} with r in [0, 1) (the band abstaining on at most that "
            f"share with the fewest errors); got {abstention!r}."
        )
    if target is not None and not target.is_binary:
        raise ValueError(
            f"abstention bands are two thresholds on one score, for two "
            f"classes; y has {target.classes.size}. Leave abstention=None."
        )
    if not (isinstance(threshold, str) and threshold == "auto"):
        raise ValueError(
            "abstention is tuned on held-out scores, which a fit with "
            f"threshold={threshold!r} does not make; use threshold='auto'."
        )
    return {key: float(value)}


def tune_band(truth, scores, weight, threshold, abstention, advice=None):
    """``abstention_band`` for the checked ``abstention``, errors named."""
    try:
        return abstention_band(
            truth,
            scores,
            weight,
            threshold=threshold,
            **_check_abstention(abstention, None, "auto"),
        )
    except InfeasibleObjectiveError as exc:
        raise InfeasibleObjectiveError(
            f"abstention={abstention!r} cannot be met on the held-out scores: "
            f"{exc}. {advice or 'Ask for a lower precision.'}"
        ) from None


def label_with_abstentions(scores, band, classes, pos_label, marker):
    """Labels of binary scores, ``marker`` inside ``band``; and the coverage."""
    if any(marker == label for label in classes.tolist()):
        raise ValueError(
            f"marker={marker!r} is a class of y; choose a value that is not, "
            "such as 'abstain' or -1."
        )
    low, high = band
    pos = int(np.flatnonzero(classes == pos_label)[0])
    labels = classes[np.where(scores >= high, pos, 1 - pos)]
    abstain = (scores >= low) & (scores < high)
    kind = np.asarray(marker).dtype.kind
    # Booleans and bytes stay apart from numbers and text: -1 is no boolean.
    same_kind = (labels.dtype.kind in "iuf" and kind in "iuf") or (
        labels.dtype.kind == "U" and kind == "U"
    )
    dtype = np.result_type(labels, np.asarray(marker)) if same_kind else object
    labels = labels.astype(dtype)
    labels[abstain] = marker
    return labels, float(1 - abstain.mean()) if abstain.size else 1.0


def _drift_report(found, prior, tuned_for, classes, n_samples, alpha, tolerance):
    """The verdict of check_drift and its figures, as a Bunch.

    A distance counts only when significant and larger than ``tolerance``,
    how far the folds' own scores lie apart.
    """
    (stale, stale_p), (statistic, p_value) = found["stale"], found["adjusted"]
    shares = ", ".join(
        f"{_diagnostics._shown(label)!r}: {share:.3g}"
        for label, share in zip(classes, prior, strict=True)
    )
    if p_value < alpha and statistic > tolerance:
        verdict = "scores changed"
        message = (
            f"The scores themselves changed: even at the new data's estimated "
            f"balance ({shares}) their distribution differs from the held-out "
            f"one (KS {statistic:.3f}, p = {p_value:.2g}; the folds differ by "
            f"up to {tolerance:.3f}). A threshold cannot fix this; retrain on "
            "data like the new data."
        )
    elif stale_p < alpha and stale > tolerance:
        verdict = "balance shift"
        message = (
            f"Balance shift: the new data's class balance is about {shares}. "
            f"At that balance the scores match the held-out ones (KS "
            f"{statistic:.3f}, p = {p_value:.2g}); at the old one they do not "
            f"(KS {stale:.3f}, p = {stale_p:.2g}). Re-derive the threshold: "
            "clf.with_class_prior(clf.estimate_class_prior(X_new))."
        )
    else:
        verdict = "no drift"
        message = (
            f"No drift detected: the scores match the held-out ones (KS "
            f"{stale:.3f}, p = {stale_p:.2g}; the folds differ by up to "
            f"{tolerance:.3f}, so smaller changes cannot be told from a "
            "refit); the threshold still applies."
        )
    return Bunch(
        verdict=verdict,
        message=message,
        class_prior=prior,
        tuned_class_prior=tuned_for,
        statistic=statistic,
        p_value=p_value,
        stale_statistic=stale,
        stale_p_value=stale_p,
        fold_distance=tolerance,
        n_samples=n_samples,
    )
