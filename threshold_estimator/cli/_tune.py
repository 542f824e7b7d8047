"""``threshold-estimator tune``: fit a model on a table, tune, write it."""

import contextlib
import csv
import shlex
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from threshold_estimator import ThresholdedClassifier, objectives, persistence
from threshold_estimator.cli._common import (
    format_threshold,
    has_matplotlib,
    held_out_facts,
    json_text,
    load_model,
    missed_constraint,
    plain,
    progress,
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
from threshold_estimator.cli._models import MODELS, default_model, without_identifiers
from threshold_estimator.exceptions import ThresholdWarning


def tune(args):
    """``threshold-estimator tune``: fit, tune and write the model and report."""
    out = Path(args.out)
    if out.suffix != ".skops":
        raise InputError(
            f"--out {out}: a model file ends in .skops, which the commands load "
            "without running code from it"
        )
    report_path = Path(args.report) if args.report else out.with_suffix(".json")
    plot_path = out.with_suffix(".png") if has_matplotlib() else None
    outputs = [p for p in (out, report_path, plot_path) if p is not None]
    if len({p.resolve() for p in outputs}) < len(outputs):
        raise InputError(
            f"--report {report_path} would overwrite another output; give it "
            "its own name"
        )
    for path in outputs:
        check_output(path, args.force, inputs=_inputs(args))
    scoring = _objective(args)
    progress(args, f"reading {args.data}")
    X, y = _target(read_table(args.data, args.sep, args.decimal), args)
    check_number_columns(X, args.data, args.decimal)
    if args.model in MODELS:
        X = without_identifiers(X)
    if isinstance(scoring, _CostMatrixFile):
        scoring = scoring.objective(np.unique(y))
    start = time.perf_counter()
    clf, warned = _fit(args, X, y, scoring, curves=plot_path is not None)
    missed = missed_constraint(clf)
    if missed and not args.allow_missed_constraint:
        raise InputError(
            f"{missed}, so the constraint may not hold on new data either: "
            "loosen the bound, or pass --allow-missed-constraint to write the "
            "model anyway"
        )
    for message in warned:
        print(f"threshold-estimator: warning: {message}", file=sys.stderr)
    report = _report(args, clf, y, warned, time.perf_counter() - start)
    with atomic_outputs(*outputs, force=args.force) as temporaries:
        if plot_path is not None:
            _plot(clf, temporaries[2])
        # The curves serve the plot; the model file keeps no per-fold curve.
        clf.__dict__.pop("cv_results_", None)
        clf.set_params(store_cv_results=False)
        persistence.dump(clf, temporaries[0])
        temporaries[1].write_text(json_text(report) + "\n")
    _tell_what_loading_needs(out)
    if not has_matplotlib():
        note('no PNG: pip install "threshold-estimator[plot]" for one')
    print(
        f"threshold {format_threshold(report['decision_threshold'])}, "
        f"{_held_out_text(report['held_out'])}; wrote {', '.join(map(str, outputs))}"
    )
    return 0


def _held_out_text(held_out):
    """``held-out f1 0.605``; a cost as a cost; a missed constraint said."""
    text = f"held-out {held_out['quantity']}"
    if held_out["value"] is None:
        return f"{text}: none, {held_out['reason']}"
    return f"{text} {held_out['value']:.4g}"


def _inputs(args):
    """The files ``tune`` reads, which its outputs must not overwrite."""
    return [args.data] + ([args.model] if args.model not in MODELS else [])


def _objective(args):
    """The ``scoring`` of ``--scoring``, ``--cost``, ``--constraint`` or
    ``--cost-matrix`` (read here, matched to the classes once they are known).
    """
    if args.cost_matrix:
        return _CostMatrixFile.read(args.cost_matrix)
    if args.cost:
        cells = {}
        for part in args.cost.split(","):
            name, _, value = part.partition("=")
            try:
                cells[name.strip()] = float(value)
            except ValueError:
                raise InputError(
                    f"--cost {args.cost!r}: {part!r} is not cell=number; write "
                    "e.g. --cost fp=1,fn=10 (cells tn, fp, fn, tp)"
                ) from None
        try:
            return objectives.cost(**cells)
        except TypeError:
            raise InputError(
                f"--cost {args.cost!r}: the cells are tn, fp, fn and tp"
            ) from None
        except ValueError as exc:
            raise InputError(f"--cost {args.cost!r}: {one_line(exc)}") from None
    if args.constraint:
        maximize, _, bound = args.constraint.partition(":")
        for sign, keyword in ((">=", "at_least"), ("<=", "at_most")):
            name, found, value = bound.partition(sign)
            if found:
                try:
                    return objectives.constrained(
                        maximize.strip(), name.strip(), **{keyword: float(value)}
                    )
                except ValueError as exc:
                    raise InputError(f"--constraint: {one_line(exc)}") from None
        raise InputError(
            f"--constraint {args.constraint!r} is not maximize:metric>=value; "
            "write e.g. --constraint recall:precision>=0.9"
        )
    return args.scoring


class _CostMatrixFile:
    """The costs of ``--cost-matrix``: a CSV of the classes by the classes.

    Its header and its first column name the classes; ``costs[i, j]`` is the
    cost of predicting the class of column ``j`` for a row of the class of
    row ``i``. Every problem names the row and column at fault.
    """

    def __init__(self, path, labels, costs):
        self.path = path
        self.labels = labels
        self.costs = costs

    @classmethod
    def read(cls, path):
        """The labels and costs of the file, checked cell by cell."""
        path = Path(path)
        where = f"--cost-matrix {path}"
        if not path.is_file():
            raise InputError(f"{where}: no such file")
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                rows = [row for row in csv.reader(handle) if any(map(str.strip, row))]
        except (UnicodeError, csv.Error) as exc:
            raise InputError(f"{where} could not be read: {one_line(exc)}") from None
        if len(rows) < 3:
            raise InputError(
                f"{where} needs a header row of class labels and one row per "
                "class, each starting with its label, such as:  ,no,yes / "
                "no,0,1 / yes,10,0"
            )
        columns = [cell.strip() for cell in rows[0][1:]]
        labels = [row[0].strip() for row in rows[1:]]
        for what, names in (("column", columns), ("row", labels)):
            twice = [name for name in names if names.count(name) > 1]
            if twice:
                raise InputError(
                    f"{where}: the {what} label {twice[0]!r} appears twice"
                )
        if sorted(columns) != sorted(labels):
            raise InputError(
                f"{where}: its rows name the classes {', '.join(map(repr, labels))} "
                f"and its columns {', '.join(map(repr, columns))}; both must list "
                "the same classes"
            )
        costs = np.empty((len(labels), len(labels)))
        for i, row in enumerate(rows[1:]):
            cells = row[1:]
            if len(cells) != len(columns):
                raise InputError(
                    f"{where}: row {labels[i]!r} has {len(cells)} costs, but the "
                    f"header names {len(columns)} classes"
                )
            for j, cell in enumerate(cells):
                costs[i, labels.index(columns[j])] = _cost_cell(
                    cell, f"{where}: row {labels[i]!r}, column {columns[j]!r}"
                )
        return cls(path, labels, costs)

    def objective(self, classes):
        """``objectives.cost_matrix``, rows and columns in the order of ``classes``."""
        names = [str(plain(label)) for label in classes]
        if sorted(names) != sorted(self.labels):
            unknown = [label for label in self.labels if label not in names]
            missing = [name for name in names if name not in self.labels]
            said = [
                f"names {', '.join(map(repr, unknown))}, which the target does not hold"
                if unknown
                else "",
                f"lacks {', '.join(map(repr, missing))}" if missing else "",
            ]
            raise InputError(
                f"--cost-matrix {self.path} {' and '.join(filter(None, said))}; "
                f"the target's classes are {', '.join(map(repr, names))}"
            )
        order = [self.labels.index(name) for name in names]
        try:
            return objectives.cost_matrix(self.costs[np.ix_(order, order)])
        except ValueError as exc:
            counted = ", ".join(f"{i} is {name!r}" for i, name in enumerate(names))
            raise InputError(
                f"--cost-matrix {self.path}: {one_line(exc)} (class {counted})"
            ) from None


def _cost_cell(text, where):
    """One cost of ``--cost-matrix``: a finite number, not negative."""
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{where} holds {text.strip()!r}, not a number") from None
    if not np.isfinite(value) or value < 0:
        raise InputError(
            f"{where} is {text.strip()}: a cost must be a finite number, 0 or more"
        )
    return value


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
    check_columns([args.target, *args.drop], frame.columns, args.data, "")
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
    X = frame.drop(columns=[args.target, *args.drop])
    if X.shape[1] == 0:
        raise InputError(f"{args.data} has no feature column besides the target")
    return X, y.to_numpy()


def _pos_label(text, y):
    """``--pos-label`` as a label of ``y``: a number where the labels are."""
    if text is None or y.dtype.kind not in "iufb":
        return text
    if y.dtype.kind == "b":
        truth = {"true": True, "1": True, "false": False, "0": False}
        if text.lower() not in truth:
            raise InputError(f"--pos-label {text!r}: the labels are True and False")
        return truth[text.lower()]
    try:
        value = float(text)
    except ValueError:
        raise InputError(
            f"--pos-label {text!r}: the labels are numbers, {np.unique(y).tolist()}"
        ) from None
    return int(value) if value.is_integer() and y.dtype.kind in "iub" else value


def _fit(args, X, y, scoring, curves):
    """The tuned classifier, its warnings shown on standard error."""
    clf = ThresholdedClassifier(
        _estimator(args, X),
        scoring=scoring,
        cv=args.cv,
        pos_label=_pos_label(args.pos_label, y),
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
    message = one_line(exc)
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
    classes, counts = np.unique(y, return_counts=True)
    threshold = clf.decision_threshold_
    return {
        "command": shlex.join(["threshold-estimator", *args.argv]),
        "data": str(args.data),
        "target": args.target,
        "model": type(clf.estimator).__name__
        if args.model not in MODELS
        else args.model,
        "objective": repr(clf.objective_),
        "pos_label": plain(clf.pos_label_),
        "decision_threshold": plain(threshold),
        "decision_rule": clf.decision_rule_,
        "fold_thresholds": plain(clf.fold_thresholds_),
        "threshold_spread": plain(clf.threshold_spread_),
        "threshold_interval": plain(clf.threshold_interval_),
        "held_out": held_out_facts(clf),
        "class_balance": {
            str(plain(label)): int(count)
            for label, count in zip(classes, counts, strict=True)
        },
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


def _tell_what_loading_needs(path):
    """Say which types ``predict`` will need trusted: a forest's trees, say."""
    refused = persistence.refused_types(path)
    if refused:
        trust = " ".join(f"--trust {name}" for name in refused)
        note(
            f"{path} holds {' '.join(refused)}, which model files do not trust "
            f"by default; predict and inspect it with {trust}"
        )
