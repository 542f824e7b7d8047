"""ThresholdedClassifier: a classifier whose decision rule is tuned."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.utils import Bunch, check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, RealNotInt, StrOptions
from sklearn.utils.metadata_routing import (
    MetadataRequest,
    MetadataRouter,
    MethodMapping,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import (
    check_is_fitted,
    indexable,
)

from threshold_estimator._abstention import check_abstention, tune_band
from threshold_estimator._calibration import calibrate_record
from threshold_estimator._checks import (
    check_class_prior,
    check_fixed_threshold,
    check_response_method,
    check_target,
    check_weights,
    class_shares,
    pop_objective_params,
    weighted_by,
)
from threshold_estimator._cv import (
    check_held_out_scores,
    fit_and_score_fold,
    make_splits,
    make_splitter,
    pool_folds,
    response_scores,
    route_fit_params,
)
from threshold_estimator._diagnostics import (
    check_fragility,
    missed_constraint,
)
from threshold_estimator._report import format_fold_lines, format_summary
from threshold_estimator._rule import DecisionRuleMixin
from threshold_estimator._scoring import check_pos_label, resolve_scoring, routed_scorer
from threshold_estimator._search import log_probabilities, margin_to_threshold
from threshold_estimator._shift import shifted_weights, summarize
from threshold_estimator._tuning import (
    Binder,
    bayes_rule,
    compute_spread,
    constraint_values,
    tune_binary,
    tune_multiclass,
)
from threshold_estimator._versions import check_versions, with_versions
from threshold_estimator._warnings import warn_at_caller
from threshold_estimator.objectives import Constrained, Objective


def _has_probabilities(clf):
    """predict_proba is there when the estimator has it or it is calibrated."""
    return clf.calibration is not None or hasattr(clf.estimator, "predict_proba")


def _has_log_probabilities(clf):
    return clf.calibration is not None or hasattr(clf.estimator, "predict_log_proba")


class ThresholdedClassifier(
    DecisionRuleMixin, ClassifierMixin, MetaEstimatorMixin, BaseEstimator
):
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
        for more than two classes). Pooling is the default: a single fold's
        optimum often rests on one sample, which the median or mean of the
        folds then discards.

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

    class_prior : float or array-like of shape (n_classes,), default=None
        The class balance the classifier will meet, when it differs from
        ``y``'s (say 5% positives in production, 1% in the training data):
        positive shares in the order of ``classes_``, rescaled to sum to 1,
        or, for two classes, ``pos_label``'s share as a float in (0, 1).
        The held-out samples are reweighted by class so that the rule is
        tuned as if they had that balance, which is exact for every objective
        of counts (and passed as ``sample_weight`` to a scikit-learn scorer);
        the estimator itself is fitted on the data as it is. ``None`` means
        ``y``'s balance. See also :meth:`with_class_prior`, which re-derives
        the rule of a fitted classifier without refitting.

    calibration : {"sigmoid", "isotonic", "temperature"}, default=None
        Calibrate the probabilities on the pooled held-out scores the tuning
        already has (out of fold: no extra model fit), then tune the rule on
        the calibrated scale: :meth:`predict_proba` returns calibrated
        probabilities and, for two classes, ``decision_threshold_`` is a
        calibrated probability. ``"sigmoid"``: a logistic map of the logit
        (of ``logit(p)`` for probabilities, of the margin for a
        ``decision_function``), which keeps the order of the scores and so
        the decisions; ``"isotonic"``: a non-decreasing step map, whose ties
        coarsen the thresholds the search can choose; ``"temperature"``
        (more classes): ``softmax(log p / T + b)``, one temperature and a
        bias per class. With more classes, ``"sigmoid"`` and ``"isotonic"``
        map each class against the rest and renormalise, as
        ``CalibratedClassifierCV`` does. ``None`` leaves the estimator's
        output as it is. Whatever it says, :meth:`estimate_class_prior` and
        :meth:`check_drift` read probabilities calibrated on the held-out
        pairs. Only for a tuned rule (``threshold="auto"``).

    abstention : dict, default=None
        Also tune a band of "not sure" around the threshold (two classes):
        ``{"precision": p}``, the widest band at which the predictions of
        both classes reach precision ``p`` on the held-out samples, or
        ``{"rate": r}``, the band abstaining on at most that share with the
        fewest errors. The band always contains ``decision_threshold_``; see
        :meth:`predict_with_abstention`, ``abstention_band_`` and
        ``abstention_coverage_``.

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

    calibration_ : dict or None
        The calibration map learned on the held-out pairs, when
        ``calibration`` is set: ``"method"`` and its parameters, plain
        numbers and arrays. Only when tuned.

    prior_calibration_ : dict
        When ``calibration`` is None, the map that calibrates the
        probabilities :meth:`estimate_class_prior` and :meth:`check_drift`
        read: a logistic map of the logit (two classes) or a temperature
        with a bias per class (more). Only when tuned.

    abstention_band_ : tuple of float
        With ``abstention``: the ``(low, high)`` scores between which
        :meth:`predict_with_abstention` abstains.

    abstention_coverage_ : float
        With ``abstention``: the share of the held-out samples the band
        predicts a class for.

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
    The search is exact: with ``k`` distinct held-out scores a fold has
    ``k + 1`` ways to split its samples, whose confusion counts come from one
    sort and cumulative sums (``O(n log n)``). On a plateau of equal best
    values the middle of the widest run is taken, and the threshold lies
    midway between adjacent distinct scores. With more classes, each step of
    the coordinate ascent is the same exact search over the breakpoints of
    one ``t_k``, from the better of plain argmax and the prior rule
    ``argmax_k p_k / prior_k``; with ``aggregation="pooled"`` the tuned
    vector is kept only when it beats both in a 3-fold cross-validation over
    the pooled held-out probabilities (no model refitted), and
    ``decision_rule_`` says which rule was kept. The user guide has the
    measurements behind these choices.

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
        "class_prior": [Interval(Real, 0, 1, closed="neither"), "array-like", None],
        "calibration": [StrOptions({"sigmoid", "isotonic", "temperature"}), None],
        "abstention": [dict, None],
        "refit": ["boolean"],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "store_cv_results": ["boolean"],
        "verbose": ["verbose"],
    }

    # What a re-derived copy drops: these describe the folds of the fit.
    _fold_attributes = (
        "aggregation_",
        "fold_thresholds_",
        "fold_scores_",
        "best_score_",
        "constraint_values_",
        "threshold_spread_",
        "threshold_interval_",
        "cv_results_",
    )

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
        calibration=None,
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
        self.calibration = calibration
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
        given = self._check_fit_input(X, y, sample_weight, fit_params)
        state = {"training_prior": given.training_prior, "class_prior": given.prior}
        if not (isinstance(self.threshold, str) and self.threshold == "auto"):
            state.update(self._untuned_rule(given))
            estimator = clone(self.estimator).fit(X, y, **given.routed.estimator.fit)
            return self._set_fitted(estimator, given, **state)
        check_pos_label(given.objective, self.scoring, given.target, self.pos_label)
        record = self._fit_folds(X, y, given)
        score_type = (
            "probability" if given.response_method == "predict_proba" else "logit"
        )
        record, calibration = calibrate_record(
            self.calibration, record, given.target, score_type
        )
        tuned, found = self._tune_rule(record, given)
        for category, message in found:
            warn_at_caller(message, category)
        if self.refit:
            self._progress(f"refitting on all {len(y)} samples")
            estimator = clone(self.estimator).fit(X, y, **given.routed.estimator.fit)
        else:
            estimator = record.model
        summary = summarize(
            record.scores,
            record.codes,
            given.target.classes.size,
            record.weight,
            fold=record.fold_id,
        )
        return self._set_fitted(
            estimator, given, summary=summary, **calibration, **tuned, **state
        )

    def _check_fit_input(self, X, y, sample_weight, fit_params):
        """Everything fit reads, checked once: a Bunch."""
        target = check_target(y, self.pos_label)
        if sample_weight is not None:
            sample_weight = check_weights(sample_weight, X)
        training_prior = class_shares(target, sample_weight)
        objective = resolve_scoring(self.scoring, target.classes, target.pos_label)
        fit_params = dict(fit_params)
        tune = isinstance(self.threshold, str) and self.threshold == "auto"
        objective_params = pop_objective_params(
            objective, fit_params, len(y), required=tune
        )
        check_abstention(self.abstention, target, self.threshold)
        if self.calibration is not None and not tune:
            raise ValueError(
                f"calibration={self.calibration!r} is learned from the held-out "
                f"pairs of a tuned rule, but threshold={self.threshold!r} fits "
                "no folds. Use threshold='auto', or wrap the estimator in "
                "sklearn.calibration.CalibratedClassifierCV."
            )
        return Bunch(
            target=target,
            sample_weight=sample_weight,
            training_prior=training_prior,
            prior=check_class_prior(
                self.class_prior, target.classes, training_prior, target.pos_label
            ),
            objective=objective,
            objective_params=objective_params,
            routed=route_fit_params(self, sample_weight, fit_params),
            response_method=check_response_method(
                self.estimator, self.response_method, target, self.threshold
            ),
        )

    def _untuned_rule(self, given):
        """The rule of ``threshold="bayes"`` or of a fixed threshold."""
        target = given.target
        if isinstance(self.threshold, str):  # "bayes"
            check_pos_label(given.objective, self.scoring, target, self.pos_label)
            return bayes_rule(
                given.objective,
                target.classes,
                target.pos_label,
                given.training_prior,
                given.prior,
            )
        return check_fixed_threshold(
            self.threshold, target, given.response_method, self.estimator
        )

    def _tune_rule(self, record, given):
        """The tuned rule's fitted state, and the warnings it deserves."""
        target, objective = given.target, given.objective
        weight = given.sample_weight
        if self.class_prior is not None:
            weight = shifted_weights(weight, target.codes, record, given.prior)
        # A scikit-learn scorer reads its routed metadata; an objective, the
        # per-sample arrays it names.
        params = given.objective_params
        if hasattr(objective, "score_labels"):
            params = dict(given.routed.scorer.score)
            if weight is not None:
                params["sample_weight"] = weight
        bind = Binder(objective, target.truth, weight, params)
        if target.is_binary:
            tuned = tune_binary(record, bind, self.aggregation, self.store_cv_results)
        else:
            seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
            tuned = tune_multiclass(
                record,
                bind,
                given.training_prior,
                self.aggregation,
                seed,
                self.store_cv_results,
            )
        self._report_folds(record, tuned, objective)
        state = {
            "threshold": tuned.threshold,
            "rule": tuned.rule,
            "objective": objective,
            "tuned": tuned,
        }
        if self.abstention is not None:
            state["band"] = tune_band(
                target.truth[record.index],
                record.scores,
                None if weight is None else weight[record.index],
                tuned.threshold,
                self.abstention,
            )
        found = check_fragility(
            record,
            tuned,
            target,
            objective,
            # Calibrated scores are probabilities, whatever the estimator's.
            "predict_proba" if self.calibration else given.response_method,
            self.estimator,
            self.aggregation,
            weight,
            weighted_by(given.sample_weight, self.class_prior),
        )
        if isinstance(objective, Constrained):
            state["constraint"] = constraint_values(
                objective, record, bind, tuned.threshold
            )
            found += missed_constraint(
                objective,
                state["constraint"]["folds"],
                state["constraint"]["pooled"],
                self.aggregation,
            )
        return state, found

    def _set_fitted(
        self,
        estimator,
        given,
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
        calibration=None,
        prior_calibration=None,
    ):
        """Set every fitted attribute at once, at the end of a successful fit."""
        self.estimator_ = estimator
        self.classes_ = given.target.classes
        self.pos_label_ = given.target.pos_label
        self.response_method_ = given.response_method
        self.training_prior_ = training_prior
        self.class_prior_ = class_prior
        if tuned is not None:
            self.calibration_ = calibration
        if prior_calibration is not None:
            self.prior_calibration_ = prior_calibration
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
            self.threshold_spread_, self.threshold_interval_ = compute_spread(
                tuned.fold_thresholds
            )
            if self.store_cv_results:
                self.cv_results_ = tuned.cv_results
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(estimator, name):
                setattr(self, name, getattr(estimator, name))
        return self

    def _fit_folds(self, X, y, given):
        """The held-out record of the folds, each fitted and scored in parallel."""
        splitter = make_splitter(self.cv, self.random_state)
        target = given.target
        splits = make_splits(
            self.cv,
            splitter,
            X,
            target,
            given.routed.splitter.split,
            given.sample_weight,
            self.refit,
        )
        self._progress(f"fitting {len(splits)} folds")
        parallel = Parallel(n_jobs=self.n_jobs, verbose=max(self.verbose - 1, 0))
        folds = parallel(
            delayed(fit_and_score_fold)(
                clone(self.estimator),
                X,
                y,
                train=train,
                test=test,
                fit_params=given.routed.estimator.fit,
                response_method=given.response_method,
                pos_label=target.pos_label,
                keep=not self.refit,
            )
            for train, test in splits
        )
        check_held_out_scores(folds, given.response_method)
        return pool_folds(folds, target, given.sample_weight)

    def _progress(self, message):
        if self.verbose:
            print(f"[ThresholdedClassifier] {message}")

    def _report_folds(self, record, tuned, objective):
        if self.verbose:
            for line in format_fold_lines(record, tuned, objective, self.aggregation):
                self._progress(line)

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
        return format_summary(self)

    def _check_rule_fitted(self):
        check_is_fitted(self, "estimator_")

    def _raw_scores(self, X):
        """The estimator's output on ``X`` before calibration: pos_label's
        score (two classes) or the class probabilities."""
        check_is_fitted(self, "estimator_")
        if self.classes_.size > 2:
            return np.asarray(self.estimator_.predict_proba(X), dtype=np.float64)
        return response_scores(
            self.estimator_, X, self.response_method_, self.pos_label_
        )

    @property
    def _raw_score_type(self):
        if self.response_method_ == "predict_proba":
            return "probability"
        return "logit"

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
            when the rule reads probabilities (calibrated ones with
            ``calibration``); ``score - threshold`` for a
            ``decision_function``. A margin is not a probability nor a
            confidence: :meth:`predict_proba`, calibrated with
            ``calibration``, is the probability. With
            ``pos_label=classes_[0]`` the margin of ``pos_label``'s score is
            negated, so that it still points to ``classes_[1]``. More
            classes: ``log p_k - log t_k`` per class, whose argmax is
            :meth:`predict` (for the Bayes rule of a cost matrix, minus the
            expected cost of predicting each class).
        """
        check_is_fitted(self, "estimator_")
        if self.classes_.size > 2:
            proba = self._rule_scores(X)
            if self.decision_threshold_ is None:
                return -(proba @ self.cost_matrix_)
            return log_probabilities(proba) - np.log(self.decision_threshold_)
        margin = margin_to_threshold(
            self._binary_scores(X),
            self.decision_threshold_,
            log_odds=self._reads_probabilities(),
        )
        return margin if self.pos_label_ == self.classes_[1] else -margin

    def _reads_probabilities(self):
        """Whether the rule's scores are probabilities (or calibrated ones)."""
        calibrated = getattr(self, "calibration_", None) is not None
        return calibrated or self.response_method_ == "predict_proba"

    @available_if(_has_probabilities)
    def predict_proba(self, X):
        """The class probabilities: the estimator's, calibrated if asked.

        The threshold does not move them: with two classes,
        ``predict_proba(X)[:, pos] >= decision_threshold_`` is
        :meth:`predict` when the rule reads probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, n_features)
            Samples, as the estimator accepts them.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``; with ``calibration``, the
            map learned on the held-out pairs applied to the estimator's
            output.
        """
        check_is_fitted(self, "estimator_")
        if getattr(self, "calibration_", None) is None:
            return self.estimator_.predict_proba(X)
        proba = self._rule_scores(X)
        if proba.ndim == 2:
            return proba
        pos = self.classes_ == self.pos_label_
        return np.where(pos, proba[:, None], 1 - proba[:, None])

    @available_if(_has_log_probabilities)
    def predict_log_proba(self, X):
        """The log of :meth:`predict_proba`.

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
        if getattr(self, "calibration_", None) is None:
            return self.estimator_.predict_log_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

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
                splitter=make_splitter(self.cv, self.random_state),
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
        state = check_versions(state, type(self).__name__)
        # Parameters added since 0.1.0, at their defaults for older files.
        state.setdefault("calibration", None)
        super().__setstate__(state)
