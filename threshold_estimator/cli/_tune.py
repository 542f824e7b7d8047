"""``threshold-estimator tune``: tune a rule on a table, write the model file.

With ``--model`` (the default), a classifier is fitted on the table's
features and its threshold tuned in cross-validation folds: a
``ThresholdedClassifier``. With ``--score-column``, the threshold is tuned
on scores that some other model wrote into the table (a network's sigmoid or
softmax outputs, or logits), by ``tune_threshold``: a ``TunedThreshold``,
which keeps the names of the score columns for ``predict``.
"""

import contextlib
import shlex
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from threshold_estimator import (
    ThresholdedClassifier,
    objectives,
    persistence,
    tune_threshold,
)
from threshold_estimator.cli._common import (
    check_model_output,
    class_shares,
    format_threshold,
    has_matplotlib,
    held_out_facts,
    in_command_words,
    json_text,
    load_model,
    missed_constraint,
    plain,
    progress,
    score_facts,
    tell_what_loading_needs,
    versions,
)
from threshold_estimator.cli._files import (
    InputError,
    atomic_outputs,
    check_columns,
    check_number_columns,
    check_output,
    explain_number_error,
    note,
    one_line,
    read_table,
)
from threshold_estimator.cli._inputs import check_score_count, read_scores
from threshold_estimator.cli._models import MODELS, default_model, without_identifiers
from threshold_estimator.cli._objectives import (
    CostMatrixFile,
    class_prior_of,
    objective_of,
    pos_label_of,
)
from threshold_estimator.exceptions import ThresholdWarning

# Options that tune a model in folds, and mean nothing for scores.
_MODEL_OPTIONS = {
    "cv": "--cv",
    "drop": "--drop",
    "allow_missed_constraint": "--allow-missed-constraint",
}


def tune(args):
    """``threshold-estimator tune``: tune, and write the model and report."""
    _resolve_options(args)
    out = check_model_output(args.out)
    scoring = objective_of(args)
    if args.score_column:
        return _tune_on_scores(args, out, scoring)
    outputs = _outputs(args, out, plot=has_matplotlib())
    progress(args, f"reading {args.data}")
    X, y = _target(read_table(args.data, args.sep, args.decimal), args)
    check_number_columns(X, args.data, args.decimal)
    if args.model in MODELS:
        X = without_identifiers(X)
    if isinstance(scoring, CostMatrixFile):
        scoring = scoring.objective(np.unique(y))
    start = time.perf_counter()
    clf, warned = _fit(args, X, y, scoring, curves=len(outputs) == 3)
    missed = missed_constraint(clf)
    if missed and not args.allow_missed_constraint:
        raise InputError(
            f"{missed}, so the constraint may not hold on new data either: "
            "loosen the bound, or pass --allow-missed-constraint to write the "
            "model anyway"
        )
    _warn(warned)
    report = _report(args, clf, y, warned, time.perf_counter() - start)
    with atomic_outputs(*outputs, force=args.force) as temporaries:
        if len(outputs) == 3:
            _plot(clf, temporaries[2])
        # The curves serve the plot; the model file keeps no per-fold curve.
        clf.__dict__.pop("cv_results_", None)
        clf.set_params(store_cv_results=False)
        persistence.dump(clf, temporaries[0])
        temporaries[1].write_text(json_text(report) + "\n")
    tell_what_loading_needs(out)
    if not has_matplotlib():
        note('no PNG: pip install "threshold-estimator[plot]" for one')
    print(
        f"threshold {format_threshold(report['decision_threshold'])}, "
        f"{_held_out_text(report['held_out'])}; wrote {', '.join(map(str, outputs))}"
    )
    return 0


def _resolve_options(args):
    """Refuse the options that mean nothing with the others given, and fill
    in the defaults that depend on them."""
    if args.score_column:
        given = [name for key, name in _MODEL_OPTIONS.items() if getattr(args, key)]
        if given:
            raise InputError(
                f"{' and '.join(given)} {'is' if len(given) == 1 else 'are'} for "
                "fitting a model in folds; --score-column tunes the threshold on "
                "the scores as given: leave "
                f"{'it' if len(given) == 1 else 'them'} out"
            )
        args.score_type = args.score_type or "probability"
        return
    if args.score_type is not None:
        raise InputError(
            "--score-type says what the --score-column columns hold; without "
            "--score-column, a model is fitted and its own scores are used"
        )
    args.model = args.model or MODELS[0]
    args.cv = 5 if args.cv is None else args.cv


def _outputs(args, out, plot):
    """The model file, the report and, with ``plot``, the PNG; each checked."""
    report = Path(args.report) if args.report else out.with_suffix(".json")
    outputs = [out, report] + ([out.with_suffix(".png")] if plot else [])
    if len({p.resolve() for p in outputs}) < len(outputs):
        raise InputError(
            f"--report {report} would overwrite another output; give it its own name"
        )
    for path in outputs:
        check_output(path, args.force, inputs=_inputs(args))
    return outputs


def _warn(warned):
    for message in warned:
        print(f"threshold-estimator: warning: {message}", file=sys.stderr)


def _held_out_text(held_out):
    """``held-out f1 0.605``; a cost as a cost; a missed constraint said."""
    text = f"held-out {held_out['quantity']}"
    if held_out["value"] is None:
        return f"{text}: none, {held_out['reason']}"
    return f"{text} {held_out['value']:.4g}"


def _inputs(args):
    """The files ``tune`` reads, which its outputs must not overwrite."""
    model = [args.model] if args.model not in (None, *MODELS) else []
    costs = [args.cost_matrix] if args.cost_matrix else []
    return [args.data, *model, *costs]


def _estimator(args, X):
    """The unfitted classifier ``--model`` names, or loads from a file."""
    if args.model in MODELS:
        return default_model(args.model, X, args.seed)
    path = Path(args.model)
    if not path.is_file():
        raise InputError(
            f"--model {args.model!r} is neither one of {', '.join(MODELS)} nor a "
            "model file"
        )
    model = load_model(path, max_bytes=args.max_bytes)
    if not (is_classifier(model) and not _is_fitted(model)):
        raise InputError(
            f"--model {path} holds {type(model).__name__}, not an unfitted "
            "scikit-learn classifier"
        )
    return model


def _is_fitted(model):
    try:
        check_is_fitted(model)
    except NotFittedError:
        return False
    return True


def _target(frame, args):
    """Features and labels of the table, checked for the command's needs."""
    check_columns(args.drop, frame.columns, args.data, "")
    y = _labels(frame, args)
    X = frame.drop(columns=[args.target, *args.drop])
    if X.shape[1] == 0:
        raise InputError(f"{args.data} has no feature column besides the target")
    return X, y


def _labels(frame, args):
    """The target column's labels: none missing, two classes or more, and
    no more than two for the objectives of two."""
    check_columns([args.target], frame.columns, args.data, "")
    y = frame[args.target]
    missing = int(y.isna().sum())
    if missing:
        raise InputError(
            f"{args.data}: the target column {args.target!r} has {missing} missing "
            "values; drop those rows or fill them"
        )
    classes = y.unique()
    if classes.size < 2:
        raise InputError(
            f"{args.data}: the target column {args.target!r} holds one class "
            f"({plain(classes[0])!r}); tuning needs at least two"
        )
    if classes.size > 2 and (args.cost or args.constraint):
        option = "--cost" if args.cost else "--constraint"
        raise InputError(
            f"{option} is for two classes, but {args.target!r} has "
            f"{classes.size}; use --cost-matrix FILE, or --scoring f1_macro, "
            "balanced_accuracy, ..."
        )
    return y.to_numpy()


def _fit(args, X, y, scoring, curves):
    """The tuned classifier, its warnings shown on standard error."""
    pos_label = pos_label_of(args.pos_label, y)
    clf = ThresholdedClassifier(
        _estimator(args, X),
        scoring=scoring,
        cv=args.cv,
        pos_label=pos_label,
        class_prior=class_prior_of(args.class_prior, np.unique(y)),
        calibration=args.calibration,
        random_state=args.seed,
        store_cv_results=curves,
        verbose=1 if args.progress else 0,
    )
    # The classifier's progress lines go where the command's go.
    progress = contextlib.redirect_stdout(sys.stderr)
    with warnings.catch_warnings(record=True) as caught, progress:
        warnings.simplefilter("always", ThresholdWarning)
        try:
            clf.fit(X, y)
        except (ValueError, TypeError) as exc:
            raise InputError(_fit_error(exc, X, clf.estimator, args)) from None
    # Shown by the caller, once it knows that the command goes on.
    return clf, [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def _fit_error(exc, X, estimator, args):
    message = in_command_words(one_line(exc))
    if "NaN" in message and X.isna().to_numpy().any():
        columns = [str(c) for c in X.columns[X.isna().any()]][:5]
        return (
            f"the data has missing values (in {', '.join(columns)}), which "
            f"{type(estimator).__name__} cannot take: fill them, or use --model "
            "logistic, hgb or forest, which impute them"
        )
    return explain_number_error(exc, X, args.data, args.decimal) or message


def _report(args, clf, y, warned, seconds):
    """What ``tune`` found, as plain JSON values."""
    model = type(clf.estimator).__name__ if args.model not in MODELS else args.model
    return _framed(
        args,
        clf,
        y,
        warned,
        seconds,
        model=model,
        objective=repr(clf.objective_),
        pos_label=plain(clf.pos_label_),
        decision_threshold=plain(clf.decision_threshold_),
        decision_rule=clf.decision_rule_,
        fold_thresholds=plain(clf.fold_thresholds_),
        threshold_spread=plain(clf.threshold_spread_),
        threshold_interval=plain(clf.threshold_interval_),
        held_out=held_out_facts(clf),
        calibration=clf.calibration,
    )


def _framed(args, fitted, y, warned, seconds, **found):
    """A report: the command and its data, what was ``found``, then the class
    balance, the run's warnings and versions."""
    classes, counts = np.unique(y, return_counts=True)
    return {
        "command": shlex.join(["threshold-estimator", *args.argv]),
        "data": str(args.data),
        "target": args.target,
        **found,
        "class_balance": {
            str(plain(label)): int(count)
            for label, count in zip(classes, counts, strict=True)
        },
        "class_prior": class_shares(fitted.classes_, fitted.class_prior_),
        "n_samples": int(len(y)),
        "fit_seconds": round(seconds, 3),
        "warnings": warned,
        "versions": versions(),
    }


def _plot(clf, path):
    """The held-out objective curve of each fold, with the threshold; for more
    than two classes, each fold's objective under each rule."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from threshold_estimator import ThresholdCurveDisplay

    kind = "rules" if clf.classes_.size > 2 else "objective"
    display = ThresholdCurveDisplay.from_estimator(clf, kind=kind)
    display.figure_.savefig(path, dpi=100, format="png")
    plt.close(display.figure_)


# Tuning on scores: a TunedThreshold.


def _tune_on_scores(args, out, scoring):
    """``tune --score-column``: the threshold of the scores as given."""
    progress(args, f"reading {args.data}")
    frame = read_table(args.data, args.sep, args.decimal)
    columns = args.score_column
    check_columns(columns, frame.columns, args.data, "score")
    if args.target in columns:
        raise InputError(
            f"--score-column {args.target} is the target column; name the "
            "columns of scores"
        )
    y = _labels(frame, args)
    classes = np.unique(y)
    check_score_count(columns, classes, args.score_type, f"{args.target!r}")
    scores = read_scores(frame, args.data, columns, args.score_type, args.decimal)
    if isinstance(scoring, CostMatrixFile):
        scoring = scoring.objective(classes)
    why_no_plot = _why_no_plot(classes, scoring)
    outputs = _outputs(args, out, plot=not why_no_plot)
    start = time.perf_counter()
    tuned, warned = _fit_scores(args, y, scores, scoring)
    tuned.score_columns_ = tuple(columns)
    _warn(warned)
    report = _scores_report(args, tuned, y, warned, time.perf_counter() - start)
    with atomic_outputs(*outputs, force=args.force) as temporaries:
        if len(outputs) == 3:
            _plot_scores(tuned, y, scores, temporaries[2])
        persistence.dump(tuned, temporaries[0])
        temporaries[1].write_text(json_text(report) + "\n")
    if why_no_plot:
        note(f"no PNG: {why_no_plot}")
    facts = report["score"]
    print(
        f"threshold {format_threshold(report['decision_threshold'])}, "
        f"{facts['quantity']} {facts['value']:.4g} on the scores tuned on; "
        f"wrote {', '.join(map(str, outputs))}"
    )
    return 0


def _fit_scores(args, y, scores, scoring):
    """``tune_threshold`` on the scores, and the warnings it gave."""
    pos_label = pos_label_of(args.pos_label, y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ThresholdWarning)
        try:
            tuned = tune_threshold(
                y,
                scores,
                scoring=scoring,
                pos_label=pos_label,
                score_type=args.score_type,
                class_prior=class_prior_of(args.class_prior, np.unique(y)),
                calibration=args.calibration,
                random_state=args.seed,
            )
        except (ValueError, TypeError) as exc:
            raise InputError(in_command_words(one_line(exc))) from None
    return tuned, [
        in_command_words(one_line(w.message))
        for w in caught
        if issubclass(w.category, UserWarning)
    ]


def _why_no_plot(classes, scoring):
    """Why ``tune --score-column`` draws no curve, or ``""``."""
    if not has_matplotlib():
        return 'pip install "threshold-estimator[plot]" for one'
    if classes.size > 2:
        return (
            "the curve is of one threshold, for two classes; the report holds "
            "the thresholds of the classes"
        )
    if isinstance(scoring, str):
        try:
            objectives.get_objective(scoring)
        except ValueError:
            return (
                f"--scoring {scoring} is a scikit-learn scorer, which the curve "
                "does not draw"
            )
    return ""


def _plot_scores(tuned, y, scores, path):
    """The objective against the threshold on the scores tuned on, on the
    scale the threshold applies to, weighted to the balance it is tuned for."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from threshold_estimator import ThresholdCurveDisplay

    pos = int(np.flatnonzero(tuned.classes_ == tuned.pos_label_)[0])
    if getattr(tuned, "calibration_", None) is not None:
        scores = tuned.predict_proba(scores)[:, pos]
    elif scores.ndim == 2:
        scores = scores[:, pos]
    codes = np.searchsorted(tuned.classes_, y)
    weight = (tuned.class_prior_ / tuned.training_prior_)[codes]
    display = ThresholdCurveDisplay.from_predictions(
        y,
        scores,
        scoring=tuned.objective_,
        threshold=tuned.threshold,
        pos_label=tuned.pos_label_,
        sample_weight=weight,
        name=", ".join(tuned.score_columns_),
    )
    display.figure_.savefig(path, dpi=100, format="png")
    plt.close(display.figure_)


def _scores_report(args, tuned, y, warned, seconds):
    """What ``tune --score-column`` found, as plain JSON values."""
    return _framed(
        args,
        tuned,
        y,
        warned,
        seconds,
        model=type(tuned).__name__,
        score_columns=list(tuned.score_columns_),
        score_type=tuned.score_type,
        calibration=tuned.calibration,
        objective=repr(tuned.objective_),
        pos_label=plain(tuned.pos_label_),
        decision_threshold=plain(tuned.threshold),
        decision_rule=tuned.decision_rule_,
        threshold_interval=plain(tuned.interval),
        confidence_level=tuned.confidence_level,
        score=score_facts(tuned),
    )
