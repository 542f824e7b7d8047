"""The ``threshold-estimator`` command.

``threshold-estimator demo`` runs the classic threshold-moving experiment on
data it generates (no download) and prints the default 0.5 cut-off,
scikit-learn's ``TunedThresholdClassifierCV`` and ``ThresholdedClassifier``
side by side. The threshold is tuned on the training half only; the test half
is scored once, at the end.

``tune``, ``predict`` and ``inspect`` work on files: a CSV or Parquet table
in, a model file and a report out; a model file and a table in, predictions
out, in chunks; a model file in, what it holds out. Bad input is one line on
standard error and exit status 1; a usage error exits with 2.
"""

import argparse
import contextlib
import json
import platform
import shlex
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.base import is_classifier
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import get_scorer
from sklearn.model_selection import (
    StratifiedKFold,
    TunedThresholdClassifierCV,
    train_test_split,
)
from sklearn.utils.validation import check_is_fitted

import threshold_estimator
from threshold_estimator import objectives, persistence
from threshold_estimator._estimator import ThresholdedClassifier
from threshold_estimator._files import (
    InputError,
    atomic_outputs,
    check_columns,
    check_output,
    iter_table,
    read_table,
    table_columns,
)
from threshold_estimator.exceptions import ThresholdWarning, UntrustedTypeError


def demo_data(random_state=4):
    """The classic experiment's data: 10,000 rows, 1% positives, 2 features.

    Parameters
    ----------
    random_state : int, default=4
        Seed of ``make_classification``.

    Returns
    -------
    X : ndarray of shape (10000, 2)
    y : ndarray of shape (10000,)

    Examples
    --------
    >>> from threshold_estimator.cli import demo_data
    >>> X, y = demo_data()
    >>> print(X.shape, int(y.sum()))
    (10000, 2) 100
    """
    return make_classification(
        n_samples=10_000,
        n_features=2,
        n_redundant=0,
        n_clusters_per_class=1,
        weights=[0.99],
        flip_y=0,
        random_state=random_state,
    )


def run_demo(scoring="f1", n_folds=5, random_state=0, data_seed=4, out=None):
    """Run the side-by-side comparison and print its table.

    Parameters
    ----------
    scoring : str, default="f1"
        Objective, by a name both tuners accept.
    n_folds : int, default=5
        Internal folds, the same for both tuners.
    random_state : int, default=0
        Seed of the folds.
    data_seed : int, default=4
        Seed of the data and of the 50/50 split.
    out : file-like, default=None
        Where the table goes; ``None`` means standard output.

    Returns
    -------
    rows : list of dict
        One per method: ``method``, ``threshold``, ``test_score``,
        ``fit_seconds``, and, where the method has them, ``fold_thresholds``,
        ``summary`` and the ``warnings`` its fit raised.

    Examples
    --------
    >>> import io
    >>> from threshold_estimator.cli import run_demo
    >>> rows = run_demo(out=io.StringIO())
    >>> [row["method"] for row in rows]
    ['default 0.5', 'TunedThresholdClassifierCV', 'ThresholdedClassifier']
    >>> ours = rows[-1]
    >>> bool(ours["test_score"] >= rows[0]["test_score"])
    True
    """
    X, y = demo_data(data_seed)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=data_seed
    )
    folds = StratifiedKFold(n_folds, shuffle=True, random_state=random_state)
    scorer = get_scorer(scoring)
    methods = {
        "default 0.5": LogisticRegression(),
        "TunedThresholdClassifierCV": TunedThresholdClassifierCV(
            LogisticRegression(), scoring=scoring, cv=folds
        ),
        "ThresholdedClassifier": ThresholdedClassifier(
            LogisticRegression(), scoring=scoring, cv=folds
        ),
    }
    rows = []
    for name, model in methods.items():
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ThresholdWarning)
            model.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        rows.append(
            {
                "method": name,
                "threshold": getattr(
                    model, "decision_threshold_", getattr(model, "best_threshold_", 0.5)
                ),
                "fold_thresholds": getattr(model, "fold_thresholds_", None),
                "summary": model.summary() if hasattr(model, "summary") else None,
                "test_score": scorer(model, X_test, y_test),
                "fit_seconds": seconds,
                "warnings": [str(w.message) for w in caught],
            }
        )
    _print_table(rows, scoring, n_folds, int(y_train.sum()), out or sys.stdout)
    return rows


def _print_table(rows, scoring, n_folds, n_positive, out):
    print(
        "Threshold moving, 10,000 rows, 1% positives, logistic regression.\n"
        f"Tuned on the training half ({n_positive} positives, {n_folds} "
        f"stratified folds); {scoring} scored once on the test half.\n",
        file=out,
    )
    score = f"test {scoring}"
    width = max(12, len(score) + 2)
    header = f"{'method':<28}{'threshold':>10}{score:>{width}}{'fit s':>9}"
    print(header, file=out)
    print("-" * len(header), file=out)
    for row in rows:
        print(
            f"{row['method']:<28}{row['threshold']:>10.4f}"
            f"{row['test_score']:>{width}.4f}{row['fit_seconds']:>9.3f}",
            file=out,
        )
    ours = rows[-1]
    print("\nThresholdedClassifier.summary():", file=out)
    for line in ours["summary"].splitlines():
        print(f"  {line}", file=out)
    for message in ours["warnings"]:
        print(f"  warning: {message}", file=out)


MODELS = ("logistic", "hgb", "forest")


def default_model(name, X, random_state=None):
    """One of the command's models by name, behind its preprocessing.

    Non-numeric columns are one-hot encoded (at most 50 categories each, the
    rarest grouped, unseen ones ignored) after their missing values are
    filled with the most frequent one; numeric columns are imputed with the
    median where the model cannot take missing values (``logistic`` also
    scales them). ``hgb`` takes them as they are.

    Parameters
    ----------
    name : {"logistic", "hgb", "forest"}
        Logistic regression, histogram gradient boosting or a random forest.
    X : DataFrame
        The features, whose numeric and other columns are named in the
        model (plain lists, which model files store without code).
    random_state : int, default=None
        Seed of the models that draw at random.

    Returns
    -------
    model : Pipeline

    Examples
    --------
    >>> import pandas as pd
    >>> from threshold_estimator.cli import default_model
    >>> X = pd.DataFrame({"tenure": [1.0, 2.0], "plan": ["basic", "pro"]})
    >>> model = default_model("logistic", X)
    >>> model.steps[-1][1]
    LogisticRegression(max_iter=1000)
    >>> [(name, columns) for name, _, columns in model.steps[0][1].transformers]
    [('numbers', ['tenure']), ('categories', ['plan'])]
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        RandomForestClassifier,
    )
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = {
        "logistic": make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
        "hgb": "passthrough",
        "forest": SimpleImputer(strategy="median"),
    }[name]
    classifier = {
        "logistic": LogisticRegression(max_iter=1000),
        "hgb": HistGradientBoostingClassifier(random_state=random_state),
        "forest": RandomForestClassifier(random_state=random_state),
    }[name]
    categories = make_pipeline(
        SimpleImputer(strategy="most_frequent"),
        OneHotEncoder(
            handle_unknown="infrequent_if_exist",
            max_categories=50,
            sparse_output=False,
        ),
    )
    numbers = [str(c) for c in X.select_dtypes(include="number").columns]
    others = [str(c) for c in X.columns if str(c) not in numbers]
    preprocess = ColumnTransformer(
        [("numbers", numeric, numbers), ("categories", categories, others)]
    )
    return make_pipeline(preprocess, classifier)


def _objective(args):
    """The ``scoring`` of ``--scoring``, ``--cost`` or ``--constraint``."""
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
            raise InputError(f"--cost {args.cost!r}: {_one_line(exc)}") from None
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
                    raise InputError(f"--constraint: {_one_line(exc)}") from None
        raise InputError(
            f"--constraint {args.constraint!r} is not maximize:metric>=value; "
            "write e.g. --constraint recall:precision>=0.9"
        )
    return args.scoring


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
    model = _load(path)
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


def _load(path, trust=()):
    """``persistence.load``, its refusals as bad input, its warnings one line."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = persistence.load(path, trusted=trust)
        for warning in caught:
            message = _one_line(warning.message)
            print(f"threshold-estimator: warning: {message}", file=sys.stderr)
        return model
    except UntrustedTypeError as exc:
        trust = " ".join(f"--trust {name}" for name in exc.types)
        raise InputError(
            f"{path} holds types that are not trusted by default, because a "
            f"crafted file could abuse them: {' '.join(exc.types)}. If you wrote "
            f"it or trust its source, pass {trust}"
        ) from None
    except Exception as exc:
        # Whatever stops a file from loading (not a model file, an untrusted
        # type, a broken archive) is the file's fault, said in one line.
        raise InputError(f"{path}: {_one_line(exc)}") from None


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
            f"({_plain(classes[0])!r}); tuning needs at least two"
        )
    if classes.size > 2 and (args.cost or args.constraint):
        option = "--cost" if args.cost else "--constraint"
        raise InputError(
            f"{option} is for two classes, but {args.target!r} has "
            f"{classes.size}; use --scoring f1_macro, balanced_accuracy, ..."
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


def _progress(args, message):
    if args.progress:
        print(f"threshold-estimator: {message}", file=sys.stderr, flush=True)


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
            raise InputError(_fit_error(exc, X, clf.estimator)) from None
    shown = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    for message in shown:
        print(f"threshold-estimator: warning: {message}", file=sys.stderr)
    return clf, shown


def _fit_error(exc, X, estimator):
    message = _one_line(exc)
    if "NaN" in message and X.isna().to_numpy().any():
        columns = [str(c) for c in X.columns[X.isna().any()]][:5]
        return (
            f"the data has missing values (in {', '.join(columns)}), which "
            f"{type(estimator).__name__} cannot take: fill them, or use --model "
            "logistic, hgb or forest, which impute them"
        )
    return message


def _has_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


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
        "pos_label": _plain(clf.pos_label_),
        "decision_threshold": _plain(threshold),
        "decision_rule": clf.decision_rule_,
        "fold_thresholds": _plain(clf.fold_thresholds_),
        "threshold_spread": _plain(clf.threshold_spread_),
        "threshold_interval": _plain(clf.threshold_interval_),
        "held_out_score": _plain(clf.best_score_),
        "fold_scores": _plain(clf.fold_scores_),
        "class_balance": {
            str(_plain(label)): int(count)
            for label, count in zip(classes, counts, strict=True)
        },
        "n_samples": int(len(y)),
        "fit_seconds": round(seconds, 3),
        "warnings": warned,
        "versions": _versions(),
    }


def _plain(value):
    """numpy values as the JSON types they stand for."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _versions():
    return {
        "threshold_estimator": threshold_estimator.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def _plot(clf, path):
    """The held-out objective curve of each fold, with the threshold."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from threshold_estimator import ThresholdCurveDisplay

    display = ThresholdCurveDisplay.from_estimator(clf)
    display.figure_.savefig(path, dpi=100, format="png")
    plt.close(display.figure_)


def tune(args):
    """``threshold-estimator tune``: fit, tune and write the model and report."""
    out = Path(args.out)
    if out.suffix != ".skops":
        raise InputError(
            f"--out {out}: a model file ends in .skops, which the commands load "
            "without running code from it"
        )
    report_path = Path(args.report) if args.report else out.with_suffix(".json")
    plot_path = out.with_suffix(".png") if _has_matplotlib() else None
    outputs = [p for p in (out, report_path, plot_path) if p is not None]
    if len({p.resolve() for p in outputs}) < len(outputs):
        raise InputError(
            f"--report {report_path} would overwrite another output; give it "
            "its own name"
        )
    for path in outputs:
        check_output(path, args.force)
    scoring = _objective(args)
    _progress(args, f"reading {args.data}")
    X, y = _target(read_table(args.data), args)
    if args.model in MODELS:
        X = _without_identifiers(X)
    start = time.perf_counter()
    clf, warned = _fit(args, X, y, scoring, curves=plot_path is not None)
    report = _report(args, clf, y, warned, time.perf_counter() - start)
    if clf.classes_.size > 2:
        outputs, plot_path = outputs[:2], None
    with atomic_outputs(*outputs) as temporaries:
        if plot_path is not None:
            _plot(clf, temporaries[2])
        # The curves serve the plot; the model file keeps no per-fold curve.
        clf.__dict__.pop("cv_results_", None)
        clf.set_params(store_cv_results=False)
        persistence.dump(clf, temporaries[0])
        temporaries[1].write_text(json.dumps(report, indent=2) + "\n")
    _tell_what_loading_needs(out)
    if not _has_matplotlib():
        _note('no PNG: pip install "threshold-estimator[plot]" for one')
    name = getattr(clf.objective_, "name", report["objective"])
    print(
        f"threshold {_shown(report['decision_threshold'])}, held-out {name} "
        f"{report['held_out_score']:.4g}; wrote {', '.join(map(str, outputs))}"
    )
    return 0


def _without_identifiers(X):
    """``X`` without text columns that would only memorise rows.

    A text column whose values are all different (an e-mail, an order
    number) or that has more than 1,000 of them would put every value into
    the model file and teach the model nothing.
    """
    text = X.select_dtypes(exclude="number")
    counts = text.nunique()
    dropped = [
        str(name)
        for name, count in counts.items()
        if count > 1000 or (count > 1 and count == text[name].notna().sum())
    ]
    if dropped:
        _note(
            f"left out {', '.join(dropped)}: text with a different value in "
            "(nearly) every row, which the model would only memorise; "
            "--drop them to silence this"
        )
    return X.drop(columns=dropped)


def _note(message):
    print(f"threshold-estimator: note: {message}", file=sys.stderr)


def _tell_what_loading_needs(path):
    """Say which types ``predict`` will need trusted: a forest's trees, say."""
    refused = persistence.refused_types(path)
    if refused:
        trust = " ".join(f"--trust {name}" for name in refused)
        _note(
            f"{path} holds {' '.join(refused)}, which model files do not trust "
            f"by default; predict and inspect it with {trust}"
        )


def _shown(threshold):
    if isinstance(threshold, list):
        return "[" + " ".join(f"{t:.4g}" for t in threshold) + "]"
    return f"{threshold:.4g}"


def _model(path, trust=()):
    """The tuned classifier in a model file, or bad input."""
    model = _load(path, trust)
    if not isinstance(model, ThresholdedClassifier):
        raise InputError(
            f"{path} holds a {type(model).__name__}, not a model written by "
            "threshold-estimator tune"
        )
    return model


def predict(args):
    """``threshold-estimator predict``: labels for a table, written in chunks."""
    check_output(args.out, args.force)
    model = _model(args.model, args.trust)
    present = table_columns(args.data)
    features = [str(c) for c in getattr(model, "feature_names_in_", [])]
    if not features:
        raise InputError(f"{args.model} does not record its feature names")
    check_columns(features, present, args.data, "feature")
    check_columns(args.id, present, args.data, "identifier")
    wanted = list(dict.fromkeys([*args.id, *features]))
    n_rows = 0
    chunks = iter_table(args.data, wanted, args.chunk_rows, _text_columns(model))
    with atomic_outputs(args.out) as (temporary,):
        for i, chunk in enumerate(chunks):
            frame = _predictions(model, chunk, features, args, n_rows)
            frame.to_csv(temporary, mode="a" if i else "w", header=not i, index=False)
            n_rows += len(chunk)
            _progress(args, f"predicted {n_rows:,} rows")
    print(f"wrote {n_rows:,} predictions to {args.out}")
    return 0


def _text_columns(model):
    """The columns a model made by ``tune`` one-hot encodes: read as text."""
    steps = getattr(model.estimator_, "steps", [])
    for _, step in steps:
        for name, _, columns in getattr(step, "transformers_", []):
            if name == "categories":
                return list(columns)
    return []


def _predictions(model, chunk, features, args, first_row):
    """One chunk's output columns: identifiers, label, then scores or margin."""
    X = chunk[features]
    frame = chunk[args.id].copy()
    try:
        frame["prediction"] = model.predict(X)
        if args.scores:
            proba = model.predict_proba(X)
            for label, column in zip(model.classes_, proba.T, strict=True):
                frame[f"proba_{label}"] = column
        if args.margin:
            margin = model.decision_function(X)
            if margin.ndim == 1:
                frame["margin"] = margin
            else:
                for label, column in zip(model.classes_, margin.T, strict=True):
                    frame[f"margin_{label}"] = column
    except (ValueError, TypeError) as exc:
        rows = f"rows {first_row + 1:,} to {first_row + len(chunk):,}"
        raise InputError(f"{args.data}, {rows}: {_one_line(exc)}") from None
    return frame


def inspect(args):
    """``threshold-estimator inspect``: what a model file holds."""
    model = _model(args.model, args.trust)
    facts = {
        "model": _describe(model.estimator_),
        "objective": repr(getattr(model, "objective_", None)),
        "classes": _plain(model.classes_),
        "pos_label": _plain(model.pos_label_),
        "decision_threshold": _plain(model.decision_threshold_),
        "decision_rule": model.decision_rule_,
        "fold_thresholds": _plain(getattr(model, "fold_thresholds_", None)),
        "threshold_spread": _plain(getattr(model, "threshold_spread_", None)),
        "held_out_score": _plain(getattr(model, "best_score_", None)),
        "class_balance": _shares(model.classes_, model.training_prior_),
        "class_prior": _shares(model.classes_, model.class_prior_),
        "features": [str(c) for c in getattr(model, "feature_names_in_", [])],
        "versions": _saved_versions(args.model),
    }
    if args.json:
        print(json.dumps(facts, indent=2))
        return 0
    print(model.summary())
    for key in ("model", "classes", "class_balance", "class_prior", "versions"):
        print(f"{key:<20}{facts[key]}")
    return 0


def _demo(args):
    try:
        run_demo(scoring=args.scoring, n_folds=args.folds, random_state=args.seed)
    except (ValueError, TypeError) as exc:
        raise InputError(f"--scoring {args.scoring!r}: {_one_line(exc)}") from None
    return 0


def _saved_versions(path):
    try:
        return persistence.saved_versions(path)
    except ValueError:
        return None


def _describe(estimator):
    """``Pipeline(ColumnTransformer, LogisticRegression)``, or the class name."""
    steps = getattr(estimator, "steps", None)
    if not steps:
        return type(estimator).__name__
    inner = ", ".join(type(step).__name__ for _, step in steps)
    return f"{type(estimator).__name__}({inner})"


def _shares(classes, shares):
    return {
        str(_plain(label)): round(float(share), 4)
        for label, share in zip(classes, shares, strict=True)
    }


def _one_line(exc):
    return " ".join(str(exc).split())


_EXAMPLES = {
    "demo": "example:\n  threshold-estimator demo --scoring f1",
    "tune": (
        "examples:\n"
        "  threshold-estimator tune data.csv --target churn --model logistic "
        "--scoring f1 --out model.skops\n"
        "  threshold-estimator tune data.parquet --target fraud --cost fp=1,fn=20 "
        "--out model.skops\n"
        "  threshold-estimator tune data.csv --target churn "
        "--constraint recall:precision>=0.9 --out model.skops"
    ),
    "predict": (
        "example:\n  threshold-estimator predict model.skops new.csv --id customer "
        "--scores --out predictions.csv"
    ),
    "inspect": "example:\n  threshold-estimator inspect model.skops --json",
}


def _positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def _parser():
    parser = argparse.ArgumentParser(
        prog="threshold-estimator",
        description="Tune a classifier's decision threshold, and apply it to files.",
        epilog="example:\n  threshold-estimator tune data.csv --target churn "
        "--scoring f1 --out model.skops",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=threshold_estimator.__version__
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name, help):
        sub = commands.add_parser(
            name,
            help=help,
            description=help[0].upper() + help[1:] + ".",
            epilog=_EXAMPLES[name],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.add_argument(
            "-q", "--quiet", action="store_true", help="no progress on stderr"
        )
        return sub

    demo = command(
        "demo", "compare 0.5, scikit-learn's tuner and ThresholdedClassifier"
    )
    demo.add_argument("--scoring", default="f1", help="objective (default: f1)")
    demo.add_argument("--folds", type=int, default=5, help="internal folds")
    demo.add_argument("--seed", type=int, default=0, help="seed of the folds")

    tuner = command("tune", "fit a model on a table and tune its threshold")
    tuner.add_argument("data", help="CSV or Parquet (.parquet) file")
    tuner.add_argument("--target", required=True, help="the column to predict")
    tuner.add_argument(
        "--model",
        default="logistic",
        help=f"{', '.join(MODELS)}, or a file holding an unfitted scikit-learn "
        "classifier (default: logistic)",
    )
    objective = tuner.add_mutually_exclusive_group()
    objective.add_argument(
        "--scoring",
        default="balanced_accuracy",
        help="objective by name: f1, balanced_accuracy, f1_macro, ... "
        "(default: balanced_accuracy)",
    )
    objective.add_argument("--cost", help="costs of the outcomes, e.g. fp=1,fn=10")
    objective.add_argument(
        "--constraint",
        help="best of one subject to another, e.g. recall:precision>=0.9",
    )
    tuner.add_argument("--cv", type=int, default=5, help="internal folds (default: 5)")
    tuner.add_argument("--pos-label", help="the positive class (two classes)")
    tuner.add_argument("--seed", type=int, default=0, help="seed (default: 0)")
    tuner.add_argument(
        "--drop",
        nargs="+",
        action="extend",
        default=[],
        metavar="COLUMN",
        help="columns not to use",
    )
    tuner.add_argument("--out", required=True, help="model file to write (.skops)")
    tuner.add_argument("--report", help="JSON report (default: beside --out)")
    tuner.add_argument("--force", action="store_true", help="overwrite outputs")

    predictor = command("predict", "predict a table's labels with a model file")
    predictor.add_argument("model", help="model file written by tune")
    predictor.add_argument("data", help="CSV or Parquet (.parquet) file")
    predictor.add_argument("--out", required=True, help="CSV file to write")
    predictor.add_argument(
        "--id",
        nargs="+",
        action="extend",
        default=[],
        metavar="COLUMN",
        help="columns to carry over",
    )
    predictor.add_argument("--scores", action="store_true", help="add probabilities")
    predictor.add_argument("--margin", action="store_true", help="add the margin")
    predictor.add_argument(
        "--chunk-rows", type=_positive, default=100_000, help="rows per chunk"
    )
    predictor.add_argument("--force", action="store_true", help="overwrite --out")

    inspector = command("inspect", "show what a model file holds")
    inspector.add_argument("model", help="model file written by tune")
    inspector.add_argument("--json", action="store_true", help="JSON for machines")
    for sub in (predictor, inspector):
        sub.add_argument(
            "--trust",
            action="append",
            default=[],
            metavar="TYPE",
            help="types the model file may build beyond the trusted ones "
            "(only for a file you wrote or trust)",
        )
    return parser


def main(argv=None):
    """Entry point of the ``threshold-estimator`` command.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments; ``None`` reads the command line.

    Returns
    -------
    status : int
        The exit status: 0, or 1 for bad input (a usage error exits with 2).

    Examples
    --------
    >>> from threshold_estimator.cli import main
    >>> main(["--version"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    SystemExit: 0
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser().parse_args(argv)
    args.argv = argv
    # Progress is for a person watching: not with -q, not into a file or pipe.
    args.progress = not args.quiet and sys.stderr.isatty()
    try:
        if args.command == "demo":
            return _demo(args)
        return {"tune": tune, "predict": predict, "inspect": inspect}[args.command](
            args
        )
    except InputError as exc:
        print(f"threshold-estimator: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        # A full disk, a missing permission: the file system's words, one line.
        print(f"threshold-estimator: error: {_one_line(exc)}", file=sys.stderr)
        return 1
