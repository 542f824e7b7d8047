"""ThresholdedClassifier: a classifier whose decision threshold is tuned."""

import time
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.model_selection import StratifiedKFold, StratifiedShuffleSplit, check_cv
from sklearn.utils import Bunch, _safe_indexing, get_tags
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

from threshold_estimator._counts import confusion_counts
from threshold_estimator._scoring import resolve_scoring
from threshold_estimator._search import (
    aggregate,
    best_cut,
    objective_curve,
    value_at,
)
from threshold_estimator.exceptions import (
    FewSamplesWarning,
    FoldDisagreementWarning,
    InfeasibleObjectiveError,
    PositiveRateWarning,
    SaturatedScoresWarning,
    ThresholdAtEdgeWarning,
)
from threshold_estimator.objectives import Objective, get_objective

# Points kept per fold curve in cv_results_.
_MAX_CURVE_POINTS = 1000
# Percentiles of the fold thresholds that bound threshold_interval_.
_INTERVAL = (5, 95)
# Fewer distinct held-out scores than this in a fold means saturated scores.
_MIN_DISTINCT_SCORES = 10
# Fold thresholds disagree when their predicted shares differ by this factor.
_DISAGREEMENT_RATIO = 2.0
# Fewer samples of a class than this in a held-out fold is too few to tune on.
_FEW_SAMPLES = 5
# Probabilities this close to 0 or 1 count as saturated.
_EXTREME = 1e-7
# A predicted positive rate this many times the base rate, or below its
# inverse, is worth a warning.
_RATE_RATIO = 10.0


def _fit_fold(
    estimator, X, y, train, test, fit_params, response_method, pos_label, keep_model
):
    """Fit on a fold's training part; score its held-out part.

    The fitted model is sent back only when asked for (``refit=False``): from
    a worker process it would be pickled for nothing.
    """
    start = time.perf_counter()
    fit_params = _check_method_params(X, fit_params, indices=train)
    estimator.fit(_safe_indexing(X, train), _safe_indexing(y, train), **fit_params)
    scores, _ = _get_response_values_binary(
        estimator, _safe_indexing(X, test), response_method, pos_label=pos_label
    )
    model = estimator if keep_model else None
    seconds = time.perf_counter() - start
    return model, np.asarray(scores, dtype=np.float64).ravel(), seconds


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
    """Binary classifier whose decision threshold is tuned by cross-validation.

    The wrapped estimator is fitted on the training part of each internal
    stratified fold and scores the fold's held-out part. On those held-out
    scores, the threshold that maximises ``scoring`` is found exactly, over
    every distinct score (no grid). The fold thresholds are aggregated into
    ``decision_threshold_``, which :meth:`predict` applies to the estimator
    refitted on all the data.

    Parameters
    ----------
    estimator : estimator instance
        A binary classifier with ``predict_proba`` or ``decision_function``.
        It is cloned, never modified. A fitted model wrapped in
        ``sklearn.frozen.FrozenEstimator`` is used as it is.

    scoring : str, Objective or callable, default="balanced_accuracy"
        What the threshold maximises: the name of a built-in objective (see
        :mod:`threshold_estimator.objectives`), an
        :class:`~threshold_estimator.objectives.Objective`, or a
        scikit-learn scorer (a name or ``make_scorer`` of a metric of
        predicted labels). Built-in objectives are evaluated at every
        distinct held-out score at once. A scorer is called once per
        candidate: on every distinct score when a fold has at most 64;
        beyond, on 64 candidates evenly spread in rank, then 64 more around
        the best of them, and so on until every score near the best has
        been tried. Scorers of scores or probabilities (ROC AUC, log loss,
        ...) do not depend on the threshold and are refused.

    cv : int, float, cross-validation generator or iterable, default=5
        The internal folds. An int is the number of folds of
        ``StratifiedKFold(cv, shuffle=True, random_state=random_state)``; a
        float in (0, 1) is one stratified holdout of that fraction; a
        splitter or an iterable of ``(train, test)`` index pairs is used as
        given. Every fold's training and held-out parts must hold both
        classes.

    aggregation : {"pooled", "median", "mean"}, default="pooled"
        How the folds become ``decision_threshold_``: ``"pooled"``, one exact
        search over the held-out scores of all folds together (what averaging
        the folds' objective curves does, without a grid), or the median or
        mean of the fold thresholds. Pooling is the default because it was
        the only rule ahead of scikit-learn's tuner on both F1 and balanced
        accuracy, on 16 public tasks and on 72 imbalanced data sets: a single
        fold's optimum often rests on one sample, such as its lowest-scoring
        positive, which the median or mean of the folds then discards.

    threshold : "auto" or float, default="auto"
        ``"auto"`` tunes the threshold. A number fixes it, in the units of the
        response (a probability for ``predict_proba``): the estimator is
        fitted once on all the data, with no folds. This lets
        ``GridSearchCV`` search the threshold itself.

    response_method : {"auto", "predict_proba", "decision_function"}, \
            default="auto"
        The estimator's method whose output is thresholded; ``"auto"``
        prefers ``predict_proba``.

    pos_label : int, float, bool or str, default=None
        The class predicted where the score reaches the threshold, and the
        positive class of the objective. ``None`` means ``classes_[1]``.

    refit : bool, default=True
        Refit the estimator on all the data after tuning. ``False`` needs a
        single split (``cv`` a float, or a splitter with one split) and keeps
        that split's model, the one the threshold was tuned on.

    n_jobs : int, default=None
        Folds fitted in parallel, through ``sklearn.utils.parallel``. ``None``
        means 1 unless in a ``joblib.parallel_backend`` context.

    random_state : int, RandomState instance or None, default=None
        Shuffles the folds made from an int or float ``cv``. Pass an int for
        the same folds, hence the same threshold, at every fit.

    store_cv_results : bool, default=False
        Keep each fold's objective curve in ``cv_results_``.

    verbose : int, default=0
        ``1`` prints a line per fold (its threshold, its objective and the
        seconds its fit took) and the refit; ``2`` and more add joblib's
        progress messages.

    Attributes
    ----------
    estimator_ : estimator instance
        The fitted estimator whose scores :meth:`predict` thresholds.

    decision_threshold_ : float
        The threshold :meth:`predict` applies, in the units of the response.

    fold_thresholds_ : ndarray of shape (n_folds,)
        The exact best threshold of each fold. Only when tuned.

    fold_scores_ : ndarray of shape (n_folds,)
        The objective of each held-out fold at ``decision_threshold_``. Only
        when tuned.

    best_score_ : float
        The mean of ``fold_scores_``. Only when tuned. With a constraint
        (:func:`~threshold_estimator.objectives.constrained`), a fold where
        ``decision_threshold_`` misses the bound scores ``-inf``, and so does
        the mean: the bound held in each fold at that fold's own threshold,
        not necessarily at the aggregated one.

    aggregation_ : {"pooled", "median", "mean"}
        The aggregation used. Only when tuned.

    objective_ : Objective or ScorerObjective
        The objective maximised. Only when tuned.

    threshold_spread_ : float
        Standard deviation of ``fold_thresholds_`` (0 for a single fold).
        Only when tuned.

    threshold_interval_ : tuple of float
        The 5th and 95th percentiles of ``fold_thresholds_``. With many
        folds, such as ``cv=RepeatedStratifiedKFold(n_splits=5,
        n_repeats=20)``, the fold thresholds form a resampling distribution
        and this is a 90% interval for the threshold. Only when tuned.

    cv_results_ : dict of lists
        With ``store_cv_results=True``, one array per fold under each key,
        the points in order of decreasing threshold: ``"thresholds"``,
        ``"scores"`` (the objective), ``"precision"``, ``"recall"`` (also
        under ``"tpr"``) and ``"fpr"`` of the held-out samples predicted
        positive at each threshold. At most 1000 points per fold, evenly
        spread in rank, always including the fold's optimum and
        ``decision_threshold_``. With a scikit-learn scorer, the points are
        the candidates the scorer was called on, denser near the optimum.

    classes_ : ndarray of shape (2,)
        The class labels.

    n_features_in_ : int
        Number of features seen during fit, when the estimator records it.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when the estimator records them.

    See Also
    --------
    sklearn.model_selection.TunedThresholdClassifierCV : Tunes the threshold
        on a grid of 100 points of the mean fold curve.
    sklearn.model_selection.FixedThresholdClassifier : Applies a given
        threshold.

    Notes
    -----
    With ``k`` distinct held-out scores ``s_1 > ... > s_k``, a fold has
    ``k + 1`` distinct ways to split its samples, each reached by a
    threshold between two adjacent scores. The confusion counts of all of
    them come from one sort and cumulative sums, so the search is exact and
    costs ``O(n log n)`` per fold. Where several consecutive splits reach the
    best value (a plateau, common in small folds), the middle of the widest
    such run is taken, and the threshold is placed midway between the two
    adjacent distinct scores rather than on a score, so that it does not
    depend on which side of a tie a new sample falls.

    Moving the threshold of a probabilistic classifier, rather than
    resampling or reweighting its training data, is the approach studied in
    [1]_ for unequal error costs and in [2]_ for the F1 measure, whose best
    threshold on calibrated probabilities is half the best F1 reached.

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
            StrOptions({"auto"}),
            Interval(Real, None, None, closed="neither"),
        ],
        "response_method": [StrOptions({"auto", "predict_proba", "decision_function"})],
        "pos_label": [Real, str, "boolean", None],
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
        """Fit the estimator and tune the decision threshold.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, n_features)
            Training data, as the estimator accepts it.

        y : array-like of shape (n_samples,)
            Binary target.

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
        y = self._check_target(y)
        if sample_weight is not None:
            sample_weight = check_weights(sample_weight, X)
        objective, scorer = resolve_scoring(self.scoring, self.classes_, self._pos)
        fit_params = dict(fit_params)
        objective_params = _pop_objective_params(
            objective, fit_params, len(y), required=self.threshold == "auto"
        )
        routed = self._route_params(sample_weight, fit_params)
        self._response_method = self._check_response_method()

        if self.threshold != "auto":
            self.estimator_ = clone(self.estimator).fit(X, y, **routed.estimator.fit)
            self.decision_threshold_ = float(self.threshold)
            return self._record_features()

        self.objective_ = objective
        splits = self._make_splits(X, y, routed.splitter.split, sample_weight)
        keep_model = not self.refit
        self._progress(f"fitting {len(splits)} folds")
        fitted = Parallel(n_jobs=self.n_jobs, verbose=max(self.verbose - 1, 0))(
            delayed(_fit_fold)(
                clone(self.estimator),
                X,
                y,
                train,
                test,
                routed.estimator.fit,
                self._response_method,
                self._pos,
                keep_model,
            )
            for train, test in splits
        )
        folds = self._held_out_folds(y, splits, fitted)
        bind = _Binder(
            objective,
            y == self._pos,
            sample_weight,
            routed.scorer.score if scorer is not None else objective_params,
        )
        self._tune(folds, bind)
        self._report_folds(folds, [seconds for *_, seconds in fitted])
        self._warn_if_fragile(folds, bind.is_positive)
        if keep_model:
            self.estimator_ = fitted[0][0]
        else:
            self._progress(f"refitting on all {len(y)} samples")
            self.estimator_ = clone(self.estimator).fit(X, y, **routed.estimator.fit)
        return self._record_features()

    def _progress(self, message):
        if self.verbose:
            print(f"[ThresholdedClassifier] {message}")

    def _report_folds(self, folds, seconds):
        name = getattr(self.objective_, "name", "objective")
        n_folds = len(folds)
        for i, ((test, _), t) in enumerate(
            zip(folds, self.fold_thresholds_, strict=True)
        ):
            self._progress(
                f"fold {i + 1}/{n_folds}: {len(test)} held-out samples, threshold "
                f"{t:.4g}, {name} at the decision threshold "
                f"{self.fold_scores_[i]:.4g} ({seconds[i]:.2f} s)"
            )
        self._progress(
            f"decision threshold {self.decision_threshold_:.4g} ({self.aggregation_})"
        )

    def _check_target(self, y):
        """Validate a binary ``y``; set ``classes_``; return ``y`` as 1d."""
        y = column_or_1d(y, warn=True)
        y_type = type_of_target(y, input_name="y")
        if y_type != "binary":
            # scikit-learn's own message for a target that is not classes.
            check_classification_targets(y)
        classes = np.unique(y)
        if y_type != "binary" or classes.size != 2:
            raise ValueError(
                "Only binary classification is supported by ThresholdedClassifier; "
                f"y is {y_type} with {classes.size} class(es) {classes.tolist()}."
            )
        if self.pos_label is None:
            self._pos = classes[1]
        elif self.pos_label in classes.tolist():
            self._pos = classes[classes.tolist().index(self.pos_label)]
        else:
            raise ValueError(
                f"pos_label={self.pos_label!r} is not a class of y; use one of "
                f"{classes.tolist()}."
            )
        self.classes_ = classes
        return y

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

    def _check_response_method(self):
        if self.response_method == "auto":
            if hasattr(self.estimator, "predict_proba"):
                return "predict_proba"
            return "decision_function"
        if not hasattr(self.estimator, self.response_method):
            raise ValueError(
                f"response_method={self.response_method!r}, but "
                f"{type(self.estimator).__name__} has no {self.response_method} "
                "method. Use response_method='auto' to take the one it has."
            )
        return self.response_method

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

    def _make_splits(self, X, y, split_params, sample_weight):
        """The folds as a list of (train, test) index arrays, checked."""
        if isinstance(self.cv, Integral):
            counts = [np.sum(y == c) for c in self.classes_]
            minority = min(counts)
            if minority < self.cv:
                label = self.classes_[np.argmin(counts)].tolist()
                raise ValueError(
                    f"y has {minority} samples of class {label!r}, fewer than "
                    f"cv={self.cv} folds: every held-out fold needs one. "
                    + (
                        f"Use cv={minority} or fewer, or more samples of that class."
                        if minority >= 2
                        else "Tuning needs at least 2 samples of each class."
                    )
                )
        cv = self._splitter()
        splits = list(cv.split(X, y, **split_params))
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
        positive = y == self._pos
        for i, (train, test) in enumerate(splits):
            for part, index in (("training", train), ("held-out", test)):
                n_positive = np.count_nonzero(positive[index])
                present = n_positive, len(index) - n_positive
                if sample_weight is not None:
                    # Samples of zero weight count as absent, as if removed.
                    weight, is_positive = sample_weight[index], positive[index]
                    present = weight[is_positive].sum(), weight[~is_positive].sum()
                if min(present) <= 0:
                    raise ValueError(
                        f"The {part} part of fold {i} of cv holds only one class "
                        f"of non-zero weight ({n_positive} positive of "
                        f"{len(index)}); every fold needs both classes. Use fewer "
                        "folds or a stratified splitter."
                    )
        return splits

    def _held_out_folds(self, y, splits, fitted):
        """Per fold: the held-out indices and their checked scores."""
        folds = []
        for i, ((_, test), (_, scores, _)) in enumerate(
            zip(splits, fitted, strict=True)
        ):
            if not np.isfinite(scores).all():
                raise ValueError(
                    f"The estimator's {self._response_method} gave NaN or infinite "
                    f"scores on the held-out part of fold {i}; no threshold can be "
                    "tuned on them. Check the estimator and its input for NaN."
                )
            if scores.min() == scores.max():
                raise ValueError(
                    f"The estimator's {self._response_method} is constant "
                    f"({scores[0].tolist()!r}) on the held-out part of fold {i}, so no "
                    "threshold separates its samples. Check that the estimator "
                    "learns from the features."
                )
            folds.append((np.asarray(test), scores))
        return folds

    def _tune(self, folds, bind):
        """Set the fold thresholds, the aggregated one and the scores."""
        curves, bound = [], []
        for i, (test, scores) in enumerate(folds):
            objective, y_true, weight = bind(test)
            thresholds, values, best = self._search(
                objective, y_true, scores, weight, f"fold {i}"
            )
            curves.append((thresholds, values, best))
            bound.append((objective, y_true, scores, weight))
        self.fold_thresholds_ = np.array([t[best] for t, _, best in curves])

        self.aggregation_ = self.aggregation
        if self.aggregation_ == "pooled":
            objective, y_true, weight = bind(np.concatenate([t for t, _ in folds]))
            scores = np.concatenate([s for _, s in folds])
            thresholds, _, best = self._search(
                objective, y_true, scores, weight, "the pooled folds"
            )
            threshold = thresholds[best]
        else:
            threshold = aggregate(self.fold_thresholds_, self.aggregation_)
        self.decision_threshold_ = float(threshold)
        self.fold_scores_ = np.array(
            [value_at(o, y, s, w, self.decision_threshold_) for o, y, s, w in bound]
        )
        self.best_score_ = float(self.fold_scores_.mean())
        n_folds = self.fold_thresholds_.size
        self.threshold_spread_ = (
            float(np.std(self.fold_thresholds_, ddof=1)) if n_folds > 1 else 0.0
        )
        self.threshold_interval_ = tuple(
            float(q) for q in np.percentile(self.fold_thresholds_, _INTERVAL)
        )
        if self.store_cv_results:
            self.cv_results_ = _curve_results(
                curves, folds, bind, self.decision_threshold_, self.fold_scores_
            )

    def _search(self, objective, y_true, scores, weight, where):
        """The curve and best cut of one set of held-out samples."""
        try:
            thresholds, values = objective_curve(objective, y_true, scores, weight)
            return thresholds, values, best_cut(values)
        except InfeasibleObjectiveError as exc:
            raise InfeasibleObjectiveError(
                f"scoring={self.objective_!r} allows no threshold on the held-out "
                f"part of {where}: {exc}. Loosen the bound, use fewer folds (more "
                "samples per fold), or choose another objective."
            ) from None

    def _warn_if_fragile(self, folds, is_positive):
        """Warn about each sign that the tuned threshold is fragile."""
        for category, message in self._fragility(folds, is_positive):
            # Past this method, fit and scikit-learn's fit wrapper: the caller.
            warnings.warn(message, category, stacklevel=4)

    def _fragility(self, folds, is_positive):
        """(warning class, message) for each sign of a fragile threshold."""
        found = []
        minorities = _held_out_minorities(folds, is_positive)
        few = np.flatnonzero(minorities < _FEW_SAMPLES)
        if few.size:
            found.append(
                (
                    FewSamplesWarning,
                    f"The held-out part of fold {few[0]} holds only "
                    f"{minorities[few[0]]} samples of one class, so its threshold "
                    "rests on them. Use fewer folds, a RepeatedStratifiedKFold, or "
                    "more data.",
                )
            )
        for i, (_, scores) in enumerate(folds):
            reason = self._saturation(scores)
            if reason:
                found.append(
                    (
                        SaturatedScoresWarning,
                        f"The held-out scores of fold {i} are saturated: {reason}, "
                        "so moving the threshold changes few predictions. Try "
                        "response_method='decision_function' or a calibrated "
                        "classifier.",
                    )
                )
                break
        pooled = np.concatenate([scores for _, scores in folds])
        n = pooled.size
        shares = np.array([(pooled >= t).sum() for t in self.fold_thresholds_])
        positive = (shares + 0.5) / (n + 1)
        negative = 1 - positive
        ratio = max(positive.max() / positive.min(), negative.max() / negative.min())
        if ratio > _DISAGREEMENT_RATIO:
            spread = ", ".join(f"{t:.4g}" for t in self.fold_thresholds_)
            advice = (
                "more folds or more data steady it."
                if self.aggregation_ == "pooled"
                else "aggregation='pooled', more folds or more data steady it."
            )
            found.append(
                (
                    FoldDisagreementWarning,
                    f"The fold thresholds disagree strongly ({spread}): they "
                    f"predict between {shares.min()} and {shares.max()} of {n} "
                    "held-out samples positive. The threshold rests on few "
                    f"samples; {advice}",
                )
            )
        if not pooled.min() < self.decision_threshold_ <= pooled.max():
            side = "above" if self.decision_threshold_ > pooled.max() else "below"
            found.append(
                (
                    ThresholdAtEdgeWarning,
                    f"The tuned threshold {self.decision_threshold_:.4g} lies "
                    f"{side} every held-out score, so the classifier predicts one "
                    f"class throughout: {self.objective_!r} prefers no decision "
                    "on these scores.",
                )
            )
            return found
        predicted = np.mean(pooled >= self.decision_threshold_)
        base = np.mean(is_positive[np.concatenate([test for test, _ in folds])])
        if not 1 / _RATE_RATIO <= predicted / base <= _RATE_RATIO:
            found.append(
                (
                    PositiveRateWarning,
                    f"At the tuned threshold {predicted:.2%} of the held-out "
                    f"samples are predicted positive, against {base:.2%} "
                    "positive: more than ten times apart. Check pos_label and "
                    "the objective; a cost or a capacity may mean it.",
                )
            )
        return found

    def _saturation(self, scores):
        """Why a fold's scores are saturated, or an empty string."""
        _, counts = np.unique(scores, return_counts=True)
        if counts.size < min(_MIN_DISTINCT_SCORES, scores.size / 2):
            return f"{counts.size} distinct values in {scores.size} samples"
        if counts.max() > scores.size / 2:
            return f"{counts.max()} of {scores.size} samples share one value"
        if self._response_method == "predict_proba":
            extreme = np.mean((scores <= _EXTREME) | (scores >= 1 - _EXTREME))
            if extreme > 0.5:
                return f"{extreme:.0%} of the probabilities are within 1e-7 of 0 or 1"
        return ""

    def summary(self):
        """A short report of the tuned threshold and how steady it is.

        Returns
        -------
        report : str
            The threshold and how it was aggregated, the fold thresholds, their
            spread and 90% interval, and the held-out objective.

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
        check_is_fitted(self, "decision_threshold_")
        threshold = f"{self.decision_threshold_:.3g}"
        if not hasattr(self, "fold_thresholds_"):
            return f"decision threshold  {threshold} (fixed, not tuned)"
        n_folds = self.fold_thresholds_.size
        how = {
            "median": f"median of {n_folds} fold thresholds",
            "mean": f"mean of {n_folds} fold thresholds",
            "pooled": f"one search over the {n_folds} folds pooled",
        }[self.aggregation_]
        low, high = self.threshold_interval_
        name = getattr(self.objective_, "name", repr(self.objective_))
        scores = self.fold_scores_
        held_out = (
            f"{self.best_score_:.3f} (folds {scores.min():.3f} to {scores.max():.3f})"
        )
        if np.isneginf(scores).any():
            # A constraint missed at the aggregated threshold scores -inf there.
            held_out = (
                f"constraint missed in {np.isneginf(scores).sum()} of "
                f"{scores.size} folds at this threshold"
            )
        rows = [
            ("decision threshold", f"{threshold} ({how})"),
            ("fold thresholds", " ".join(f"{t:.3g}" for t in self.fold_thresholds_)),
            ("spread (std)", f"{self.threshold_spread_:.3g}"),
            ("90% interval", f"[{low:.3g}, {high:.3g}]"),
            (f"held-out {name}", held_out),
        ]
        width = max(len(label) for label, _ in rows) + 2
        return "\n".join(f"{label:<{width}}{value}" for label, value in rows)

    def _record_features(self):
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(self.estimator_, name):
                setattr(self, name, getattr(self.estimator_, name))
        return self

    def _scores(self, X):
        check_is_fitted(self, "decision_threshold_")
        scores, _ = _get_response_values_binary(
            self.estimator_, X, self._response_method, pos_label=self._pos
        )
        return np.asarray(scores, dtype=np.float64).ravel()

    def predict(self, X):
        """Predict ``pos_label`` where the score reaches the threshold.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, n_features)
            Samples, as the estimator accepts them.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            ``pos_label`` where the estimator's score is at least
            ``decision_threshold_``, the other class elsewhere.
        """
        positive = self._scores(X) >= self.decision_threshold_
        pos_index = int(np.flatnonzero(self.classes_ == self._pos)[0])
        return self.classes_[np.where(positive, pos_index, 1 - pos_index)]

    def decision_function(self, X):
        """Signed margin of each sample's score to the threshold.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, n_features)
            Samples, as the estimator accepts them.

        Returns
        -------
        margin : ndarray of shape (n_samples,)
            Positive exactly where :meth:`predict` says ``classes_[1]``,
            negative elsewhere, as scikit-learn's scorers and curves read a
            ``decision_function``. Its size is the distance to the
            threshold: in log-odds, ``logit(p) - logit(threshold)``, when the
            response is a probability; ``score - threshold`` for a
            ``decision_function``. With ``pos_label=classes_[0]`` the margin
            of ``pos_label``'s score is negated, so that it still points to
            ``classes_[1]``.
        """
        margin = _margin(
            self._scores(X),
            self.decision_threshold_,
            log_odds=self._response_method == "predict_proba",
        )
        return margin if self._pos == self.classes_[1] else -margin

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """The estimator's class probabilities, unchanged.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, n_features)
            Samples, as the estimator accepts them.

        Returns
        -------
        proba : ndarray of shape (n_samples, 2)
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
        log_proba : ndarray of shape (n_samples, 2)
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
        if not isinstance(self.scoring, Objective):
            try:
                _, scorer = resolve_scoring(self.scoring, np.array([0, 1]), 1)
            except (ValueError, TypeError):
                scorer = None
            if scorer is not None:
                router.add(
                    scorer=scorer,
                    method_mapping=MethodMapping().add(caller="fit", callee="score"),
                )
        return router

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.sparse = get_tags(self.estimator).input_tags.sparse
        return tags


def _held_out_minorities(folds, is_positive):
    """The number of samples of the smaller class in each held-out part."""
    n_positive = np.array([np.count_nonzero(is_positive[test]) for test, _ in folds])
    n_samples = np.array([len(test) for test, _ in folds])
    return np.minimum(n_positive, n_samples - n_positive)


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

    def __init__(self, objective, is_positive, sample_weight, params):
        self.objective = objective
        self.is_positive = is_positive
        self.sample_weight = sample_weight
        self.params = params

    def __call__(self, indices):
        y_true = self.is_positive[indices]
        weight = None if self.sample_weight is None else self.sample_weight[indices]
        params = _check_method_params(self.is_positive, self.params, indices=indices)
        objective, weight = self.objective.bind(y_true, weight, params)
        return objective, y_true, weight


def _curve_results(curves, folds, bind, decision_threshold, fold_scores):
    """Each fold's curve, thinned, with its rates; see ``cv_results_``."""
    results = {
        key: [] for key in ("thresholds", "scores", "precision", "recall", "fpr")
    }
    for (thresholds, values, best), (test, scores), at_decision in zip(
        curves, folds, fold_scores, strict=True
    ):
        keep = np.arange(thresholds.size)
        if keep.size > _MAX_CURVE_POINTS - 2:
            spread = np.linspace(0, keep.size - 1, _MAX_CURVE_POINTS - 2).round()
            keep = np.union1d(spread.astype(np.intp), [best])
        kept, values = thresholds[keep], values[keep]
        if decision_threshold not in kept:
            # The aggregated threshold, with the fold's exact value there.
            where = np.searchsorted(-kept, -decision_threshold)
            kept = np.insert(kept, where, decision_threshold)
            values = np.insert(values, where, at_decision)
        y_true = bind.is_positive[test]
        weight = None if bind.sample_weight is None else bind.sample_weight[test]
        distinct, tn, fp, fn, tp = confusion_counts(y_true, scores, weight)
        cut = np.searchsorted(-distinct, -kept, side="right")
        counts = (tn[cut], fp[cut], fn[cut], tp[cut])
        results["thresholds"].append(kept)
        results["scores"].append(values)
        for rate in ("precision", "recall", "fpr"):
            results[rate].append(get_objective(rate)(*counts))
    results["tpr"] = results["recall"]
    return results
