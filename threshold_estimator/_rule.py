"""The methods every decision rule has, whatever made its held-out scores.

``DecisionRuleMixin`` gives ``ThresholdedClassifier`` (held-out scores from
cross-validation folds of an estimator) and ``TunedThreshold`` (the user's
validation scores) the same class-balance and abstention methods, with the
same semantics and errors. The host provides:

- the fitted attributes ``classes_``, ``pos_label_``, ``training_prior_``,
  ``class_prior_``, ``held_out_summary_``, ``objective_``,
  ``decision_rule_``, ``decision_threshold_`` (and, with a band,
  ``abstention_band_``), and the parameters ``abstention`` and
  ``random_state``;
- ``_check_rule_fitted()``; ``_raw_scores(X)``, what the model says of new
  input before any calibration (two classes: pos_label's score, of
  ``_raw_score_type`` "probability" or "logit"; more: the probabilities);
  and, when tuned, ``calibration_`` (the map of the ``calibration``
  parameter, or None) and ``prior_calibration_`` (the map fitted for the
  class-balance methods when ``calibration`` is None);
- ``_fold_attributes``: what a re-derived copy drops, since it describes the
  tuning data's folds or samples.
"""

import copy
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import Bunch, check_random_state

from threshold_estimator._abstention import label_with_abstentions, tune_band
from threshold_estimator._calibration import calibrate
from threshold_estimator._checks import check_class_prior, check_weights
from threshold_estimator._search import choose_rule, log_probabilities
from threshold_estimator._shift import (
    MAX_UNDETECTABLE_DISTANCE,
    MIN_PRIOR_ROWS,
    ClassPrior,
    ScoreSummary,
    check_estimate_size,
    detectable_distance,
    drift_report,
    effective_size,
    estimate_prior,
    format_interval,
    ks_p_value,
    ks_statistic,
    prior_interval,
    rows_to_detect,
)
from threshold_estimator._tuning import bayes_rule, search_fold
from threshold_estimator.exceptions import FewSamplesWarning


class DecisionRuleMixin:
    """Class-balance shift and abstention for a fitted decision rule."""

    _fold_attributes = ()

    def _rule_scores(self, X):
        """pos_label's score (two classes) or the class probabilities, on the
        rule's scale: calibrated when ``calibration`` is set."""
        raw = self._raw_scores(X)
        calibration = getattr(self, "calibration_", None)
        if calibration is None:
            return raw
        return calibrate(calibration, raw, self._raw_score_type)

    def _binary_scores(self, X):
        return self._rule_scores(X)

    def _shift_probabilities(self, X, caller):
        """The class probabilities of ``X`` calibrated on the held-out pairs,
        and the class balance they reflect: what EM reads."""
        raw = self._raw_scores(X)
        calibration = getattr(self, "calibration_", None) or getattr(
            self, "prior_calibration_", None
        )
        if calibration is not None:
            proba = calibrate(calibration, raw, self._raw_score_type)
            summary = ScoreSummary(**self.held_out_summary_)
            shares = np.bincount(
                summary.class_index, summary.weight, minlength=self.classes_.size
            )
            reference = shares / shares.sum()
        elif self._raw_score_type == "probability":
            # A rule without held-out pairs: the model's own probabilities.
            proba, reference = raw, self.training_prior_
        else:
            raise ValueError(
                f"{caller} needs class probabilities, but this rule thresholds "
                "scores that are not probabilities and keeps no held-out pairs "
                "to calibrate them on. Tune it (threshold='auto'), or use a "
                "model with predict_proba."
            )
        if proba.ndim == 1:
            pos = self.classes_ == self.pos_label_
            proba = np.where(pos, proba[:, None], 1 - proba[:, None])
        return proba, reference

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
            such as the output of :meth:`estimate_class_prior`. An estimate
            from fewer than 100 rows is refused: its shares are mostly
            noise. A balance known from elsewhere is given as numbers.

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
        self._check_rule_fitted()
        check_estimate_size(class_prior)
        prior = check_class_prior(
            class_prior, self.classes_, self.training_prior_, self.pos_label_
        )
        if self.decision_rule_ == "fixed":
            raise ValueError(
                "with_class_prior re-derives a tuned or Bayes rule, but this "
                f"classifier's threshold is fixed ({self.threshold!r}), the same "
                "for any class balance. Fit with threshold='auto' (tuned) or "
                "'bayes' to let the balance move it."
            )
        if self.decision_rule_ == "bayes":
            rule = bayes_rule(
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
        for attribute in (*self._fold_attributes, "cost_matrix_"):
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
            thresholds, _, best = search_fold(
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
        self,
        X,
        *,
        sample_weight=None,
        max_iter=100,
        tol=1e-6,
        confidence_level=0.9,
        return_n_iter=False,
    ):
        """The class balance of new, unlabelled data.

        The EM method of Saerens, Latinne and Decaestecker [1]_: the
        probabilities of ``X`` are adjusted to a candidate balance,
        ``p_k prior_k / reference_k`` rescaled, and the balance is replaced
        by the mean adjusted probability, until it moves by less than
        ``tol``. It assumes that only the balance changed (each class's
        features look as in training; see :meth:`check_drift`) and that the
        probabilities are calibrated. So, as Alexandari, Kundaje and
        Shrikumar recommend [2]_, they are calibrated on the held-out pairs
        the rule was tuned on, whatever ``calibration`` says: by the map of
        ``calibration`` when it is set, else by a logistic map of the logit
        (two classes) or a temperature with a bias per class (more), and
        ``reference`` is the held-out pairs' balance. An overconfident
        network's raw probabilities can otherwise read a 50% balance as
        0.3%.

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

        confidence_level : float, default=0.9
            The confidence of the interval recorded on the estimate.

        return_n_iter : bool, default=False
            Also return the number of iterations run.

        Returns
        -------
        class_prior : ndarray of shape (n_classes,)
            The estimated shares, in the order of ``classes_``; pass it to
            :meth:`with_class_prior`. It also records how sure it is:
            ``class_prior.interval``, of shape (2, n_classes), each share's
            profile likelihood interval at ``confidence_level``, and
            ``class_prior.n_samples``, the rows it rests on.

        n_iter : int
            The iterations run; only with ``return_n_iter=True``.

        Warns
        -----
        ConvergenceWarning
            If the balance still moved by more than ``tol`` after
            ``max_iter`` iterations.
        FewSamplesWarning
            If ``X`` has fewer than 100 rows, too few to move the rule:
            :meth:`with_class_prior` refuses such an estimate.

        References
        ----------
        .. [1] M. Saerens, P. Latinne and C. Decaestecker, "Adjusting the
           outputs of a classifier to new a priori probabilities: a simple
           procedure", Neural Computation 14(1), 2002.
        .. [2] A. Alexandari, A. Kundaje and A. Shrikumar, "Maximum
           likelihood with bias-corrected calibration is hard-to-beat at
           label shift adaptation", ICML 2020.

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
        true 0.359, estimated 0.372
        >>> low, high = prior.interval[:, 1]
        >>> print(f"90% interval [{low:.3f}, {high:.3f}] from {prior.n_samples} rows")
        90% interval [0.350, 0.395] from 1560 rows
        """
        self._check_rule_fitted()
        if not (isinstance(max_iter, Integral) and max_iter >= 1):
            raise ValueError(f"max_iter must be an int >= 1; got {max_iter!r}.")
        if not (isinstance(tol, Real) and tol > 0):
            raise ValueError(f"tol must be a positive number; got {tol!r}.")
        if not (isinstance(confidence_level, Real) and 0 < confidence_level < 1):
            raise ValueError(
                f"confidence_level must be in (0, 1); got {confidence_level!r}."
            )
        proba, reference = self._shift_probabilities(X, "estimate_class_prior")
        if sample_weight is not None:
            sample_weight = check_weights(sample_weight, proba)
        prior, n_iter, converged = estimate_prior(
            proba, reference, sample_weight, max_iter, tol
        )
        if not converged:
            warnings.warn(
                f"The class balance did not converge in max_iter={max_iter} EM "
                "iterations; its last estimate is returned. Increase max_iter.",
                ConvergenceWarning,
                stacklevel=2,
            )
        interval = prior_interval(
            proba, reference, prior, sample_weight, confidence_level
        )
        prior = ClassPrior.from_estimate(prior, interval, confidence_level, len(proba))
        if len(proba) < MIN_PRIOR_ROWS:
            warnings.warn(
                f"The class balance is estimated from {len(proba)} rows, fewer "
                f"than the {MIN_PRIOR_ROWS} that with_class_prior accepts: "
                f"{format_interval(prior, self.classes_)}. Estimate it on "
                f"at least {MIN_PRIOR_ROWS} new rows.",
                FewSamplesWarning,
                stacklevel=2,
            )
        return (prior, n_iter) if return_n_iter else prior

    def check_drift(self, X, *, alpha=0.01):
        """Whether new data's scores still look like the held-out scores.

        The estimator's scores on ``X`` are compared with the held-out
        scores summarised at fit (``held_out_summary_``) by the largest
        distance between the two distribution functions (the
        Kolmogorov-Smirnov statistic; with more classes, the largest over
        each class's probability, Bonferroni-corrected), twice: with the
        held-out classes mixed in the balance that
        :meth:`estimate_class_prior` finds for ``X``, and in the balance the
        rule is tuned for. If they differ even at the new balance, the scores
        themselves changed (new kinds of samples, a broken feature), and no
        threshold fixes that: retrain on data like the new data. If they
        match there but not at the tuned balance, the balance changed, which
        :meth:`with_class_prior` adjusts the rule for. If they match at both,
        there is no drift. The message quotes the distance, p-value and
        yardsticks of each comparison that decided.

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
            changed"``; ``message``: the verdict, its figures and what to
            do, in words; ``class_prior``: the estimated balance of ``X``;
            ``statistic``, ``p_value`` and ``detectable_distance``: the
            distance at that balance, its p-value, and the smallest distance
            that ``n_samples`` new rows can show to be significant there;
            ``stale_statistic``, ``stale_p_value`` and
            ``stale_detectable_distance``: the same at the balance the rule
            is tuned for, ``tuned_class_prior`` (that is, ``class_prior_``);
            ``fold_distance``: how far one fold's held-out scores lie from
            the other folds' beyond sampling (see Notes); ``n_samples``.

        Raises
        ------
        ValueError
            If ``X`` has too few rows to detect that a quarter of the
            scores' distribution moved (at ``alpha=0.01``, about 45); the
            message says how many are needed.

        Notes
        -----
        The held-out scores come from the fold models and the new ones from
        ``estimator_``, refitted on all the data; the distribution functions
        are compared between consecutive distinct held-out scores, so that a
        model with few distinct scores, whose values move a little at the
        refit, is compared value for value. Models also differ from one fit
        to the next (trees and boosting more than linear models): a distance
        counts only when it is both significant at ``alpha`` and larger than
        ``fold_distance``. That is the largest distance between one fold's
        held-out scores and the other folds', less the distance that
        sampling alone puts between that many scores on average
        (``sqrt(pi / 2) log 2`` over the root of their effective number, the
        mean of the Kolmogorov distribution): sampling is what the p-values
        allow for, and left in, it would make the allowance as large as the
        changes a few hundred new rows can detect. The p-values are the
        asymptotic Kolmogorov distribution's, with the held-out side counted
        as its effective number of samples once reweighted (Kish's), and for
        more classes at most the points its summary keeps. Fitting the
        balance to ``X`` makes the comparison at that balance conservative.
        With a few hundred new samples, only large changes are detected: 300
        rows detect a distance of about 0.1 at ``alpha=0.01``, 1,000 rows
        0.06 (``detectable_distance``).

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
        self._check_rule_fitted()
        if not (isinstance(alpha, Real) and 0 < alpha < 1):
            raise ValueError(f"alpha must be in (0, 1); got {alpha!r}.")
        if not hasattr(self, "held_out_summary_"):
            raise ValueError(
                "check_drift compares with the held-out scores kept by a tuned "
                f"fit, but this classifier's rule is {self.decision_rule_!r}, "
                "fitted without folds. Fit with threshold='auto'."
            )
        proba, reference = self._shift_probabilities(X, "check_drift")
        prior = estimate_prior(proba, reference)[0]
        # The scores the summary holds: the rule's (calibrated when it is).
        columns = self._rule_scores(X).reshape(len(proba), -1)
        summary = ScoreSummary(**self.held_out_summary_)
        points = summary.scores.reshape(summary.weight.size, -1)
        corrected = alpha / columns.shape[1]
        found = {}
        # "stale": the balance the rule is tuned for.
        for name, shares in (("stale", self.class_prior_), ("adjusted", prior)):
            reference = effective_size(summary, shares)
            if points.shape[1] > 2:
                # A sample of rows, not quantiles: it is no larger than itself.
                reference = min(reference, summary.weight.size)
            found[name] = Bunch(
                shares=shares,
                reference=reference,
                detectable=detectable_distance(len(columns), reference, corrected),
            )
        adjusted = found["adjusted"]
        if adjusted.detectable > MAX_UNDETECTABLE_DISTANCE:
            needed = rows_to_detect(
                MAX_UNDETECTABLE_DISTANCE, adjusted.reference, corrected
            )
            raise ValueError(
                f"check_drift got {len(columns)} rows, too few to judge: on them "
                f"only a change of {adjusted.detectable:.2f} or more in the "
                f"scores' distribution could be detected at alpha={alpha}. Pass "
                f"at least {needed} rows."
            )
        for comparison in found.values():
            weight = summary.reweighted(comparison.shares)
            comparison.statistic = max(
                ks_statistic(columns[:, k], points[:, k], weight)
                for k in range(columns.shape[1])
            )
            comparison.p_value = min(
                1.0,
                columns.shape[1]
                * ks_p_value(comparison.statistic, len(columns), comparison.reference),
            )
        return drift_report(
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
        self._check_rule_fitted()
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
