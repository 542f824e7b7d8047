"""The command's parser and entry point.

:func:`main` turns bad input into one line and exit status 1, and SIGINT,
SIGTERM and SIGHUP into one line and status 128 + the signal's number, after
the command's unfinished outputs are removed.
"""

import argparse
import os
import signal
import sys
from contextlib import contextmanager

import threshold_estimator
from threshold_estimator.cli import (
    _demo,
    _evaluate,
    _inspect,
    _predict,
    _shift,
    _tune,
)
from threshold_estimator.cli._files import InputError, one_line
from threshold_estimator.cli._models import MODELS

_EXAMPLES = {
    "demo": "example:\n  threshold-estimator demo --scoring f1",
    "tune": (
        "examples:\n"
        "  threshold-estimator tune data.csv --target churn --model logistic "
        "--scoring f1 --out model.skops\n"
        "  threshold-estimator tune data.parquet --target fraud --cost fp=1,fn=20 "
        "--out model.skops\n"
        "  threshold-estimator tune data.csv --target churn "
        "--constraint recall:precision>=0.9 --out model.skops\n"
        "  threshold-estimator tune data.csv --target triage "
        "--cost-matrix costs.csv --out model.skops\n"
        "  threshold-estimator tune val.csv --target fraud --score-column p "
        "--scoring f1 --out threshold.skops\n"
        "  threshold-estimator tune val.csv --target triage --score-column "
        "z_high z_low z_mid \\\n"
        "      --score-type logit --out threshold.skops\n"
        "\n"
        "--score-column tunes the threshold of scores another model wrote "
        "(a network's\nsigmoid or softmax outputs, or with --score-type logit "
        "its logits): one column,\nthe positive class's score, or one per "
        "class in the order of the sorted classes.\n"
        "\n"
        "costs.csv names the classes in its header and first column; the cost "
        "of\npredicting the column's class for a row of the row's class:\n"
        "  ,low,mid,high\n  low,0,1,1\n  mid,5,0,1\n  high,20,5,0\n"
        "\n"
        "A constraint that the tuned threshold misses in some held-out fold "
        "stops tune\n(exit status 1) unless --allow-missed-constraint."
    ),
    "predict": (
        "examples:\n  threshold-estimator predict model.skops new.csv --id customer "
        "--scores --out predictions.csv\n"
        "  threshold-estimator predict model.skops new.csv --sep ';' --decimal , "
        "--out predictions.parquet\n"
        "  threshold-estimator predict threshold.skops scores.csv --id case "
        "--out predictions.csv\n"
        "\n"
        "A model tuned on scores (tune --score-column) reads the score columns "
        "it was\ntuned on, by name; --score-column names others, in the same "
        "order."
    ),
    "inspect": "example:\n  threshold-estimator inspect model.skops --json",
    "shift": (
        "examples:\n"
        "  threshold-estimator shift model.skops new.csv --out shifted.skops\n"
        "  threshold-estimator shift threshold.skops new_scores.csv "
        "--out shifted.skops\n"
        "\n"
        "The new rows' scores are first compared with those the model was "
        "tuned on: if\nthey changed beyond a change of class balance, no "
        "threshold fixes the model, and\nshift stops (exit status 1) unless "
        "--allow-changed-scores. It needs enough rows\nto judge (about 50) "
        "and to estimate the balance (100)."
    ),
    "evaluate": (
        "examples:\n"
        "  threshold-estimator evaluate model.skops test.csv --target churn\n"
        "  threshold-estimator evaluate model.skops test.csv --target churn --json\n"
        "\n"
        "The default rule is what the classifier does untuned: a probability of "
        "0.5\n(a margin of 0 for decision_function, a logit of 0) for two "
        "classes, the most\nprobable class for more."
    ),
}


#: Each command's function, taking the parsed arguments and returning the status.
COMMANDS = {
    "demo": _demo.run,
    "tune": _tune.tune,
    "predict": _predict.predict,
    "inspect": _inspect.inspect,
    "evaluate": _evaluate.evaluate,
    "shift": _shift.shift,
}


class Stopped(BaseException):
    """A signal stopped the command; raised so that its cleanup runs.

    Not an ``Exception``, like ``KeyboardInterrupt``: no ``except Exception``
    on the way up swallows it.
    """

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


#: The signals that stop a command cleanly: Ctrl-C, kill, a closed terminal.
STOP_SIGNALS = tuple(
    getattr(signal, name)
    for name in ("SIGINT", "SIGTERM", "SIGHUP")
    if hasattr(signal, name)
)


@contextmanager
def _stop_on_signals():
    """Raise ``Stopped`` on the stop signals, then restore their handlers.

    A signal ignored when the command starts (``nohup``) stays ignored; off
    the main thread, where handlers cannot be set, nothing changes.
    """

    def stop(signum, frame):
        raise Stopped(signum)

    previous = {}
    try:
        for signum in STOP_SIGNALS:
            if signal.getsignal(signum) is not signal.SIG_IGN:
                previous[signum] = signal.signal(signum, stop)
    except ValueError:
        pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)


def _positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30}


def _size(text):
    """``500M``, ``2G`` or a number of bytes."""
    number, unit = text.upper().rstrip("B"), ""
    if number and number[-1] in "KMG":
        number, unit = number[:-1], number[-1]
    try:
        value = int(float(number) * _UNITS[unit])
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"{text} is not a size; write e.g. 500M, 2G or a number of bytes"
        )
    return value


def _separator(text):
    sep = {"\\t": "\t", "tab": "\t"}.get(text.lower(), text)
    if len(sep) != 1 or sep in '"\r\n':
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a separator; write e.g. --sep ';' or --sep tab"
        )
    return sep


def _add_table_options(sub):
    """``--sep`` and ``--decimal``, for the commands that read a CSV table."""
    sub.add_argument(
        "--sep",
        type=_separator,
        help="column separator of a CSV table: ',', ';', tab, ... (default: "
        "told by the header, tab for .tsv)",
    )
    sub.add_argument(
        "--decimal",
        choices=[".", ","],
        default=".",
        metavar="MARK",
        help="decimal mark of a CSV table's numbers, '.' or ',' (default: '.')",
    )


def build_parser():
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

    tuner = command(
        "tune", "fit a model on a table and tune its threshold, or tune scores"
    )
    tuner.add_argument(
        "data", help="table: CSV (.csv, .tsv) or Parquet (.parquet, .pq) file"
    )
    tuner.add_argument("--target", required=True, help="the column to predict")
    source = tuner.add_mutually_exclusive_group()
    source.add_argument(
        "--model",
        help=f"{', '.join(MODELS)}, or a file holding an unfitted scikit-learn "
        "classifier (default: logistic)",
    )
    source.add_argument(
        "--score-column",
        nargs="+",
        action="extend",
        default=[],
        metavar="COLUMN",
        help="tune the threshold of scores in the table instead of fitting a "
        "model: the positive class's score, or one column per class in the "
        "order of the sorted classes (a softmax's)",
    )
    tuner.add_argument(
        "--score-type",
        choices=["probability", "logit"],
        help="what --score-column holds: probabilities in [0, 1] (a sigmoid's "
        "or softmax's output) or logits, unbounded (default: probability)",
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
    objective.add_argument(
        "--cost-matrix",
        metavar="FILE",
        help="CSV of costs, the classes in its header and first column: the "
        "cost of predicting the column's class for a row of the row's class "
        "(any number of classes)",
    )
    tuner.add_argument("--cv", type=int, help="internal folds (default: 5)")
    tuner.add_argument("--pos-label", help="the positive class (two classes)")
    tuner.add_argument(
        "--class-prior",
        metavar="SHARES",
        help="the class balance the rule will meet, if not the table's: "
        "no=0.9,yes=0.1, shares in the order of the sorted classes, or the "
        "positive class's share",
    )
    tuner.add_argument(
        "--calibration",
        choices=["sigmoid", "isotonic", "temperature"],
        help="calibrate the scores first and tune on the calibrated "
        "probabilities (temperature: more than two classes)",
    )
    tuner.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the folds or the bootstrap interval (default: 0)",
    )
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
    tuner.add_argument(
        "--force",
        action="store_true",
        help="replace outputs that exist (never an input)",
    )
    tuner.add_argument(
        "--allow-missed-constraint",
        action="store_true",
        help="write the model even if the tuned threshold misses --constraint "
        "in some held-out fold (the report says where)",
    )
    _add_table_options(tuner)

    predictor = command("predict", "predict a table's labels with a model file")
    predictor.add_argument("model", help="model file written by tune")
    predictor.add_argument(
        "data", help="table: CSV (.csv, .tsv) or Parquet (.parquet, .pq) file"
    )
    predictor.add_argument(
        "--out",
        required=True,
        help="table to write, its format told by its extension: .csv, .tsv "
        "(tab-separated), .parquet or .pq",
    )
    predictor.add_argument(
        "--id",
        nargs="+",
        action="extend",
        default=[],
        metavar="COLUMN",
        help="columns to carry over (not named like an added column)",
    )
    predictor.add_argument("--scores", action="store_true", help="add probabilities")
    predictor.add_argument(
        "--margin",
        action="store_true",
        help="add the margin (not for a model tuned on scores)",
    )
    predictor.add_argument(
        "--chunk-rows", type=_positive, default=100_000, help="rows per chunk"
    )
    predictor.add_argument(
        "--force",
        action="store_true",
        help="replace --out if it exists (never an input)",
    )
    _add_table_options(predictor)

    inspector = command("inspect", "show what a model file holds")
    inspector.add_argument("model", help="model file written by tune")
    inspector.add_argument("--json", action="store_true", help="JSON for machines")

    evaluator = command(
        "evaluate",
        "score a model file's rule on a labelled table, beside the default rule",
    )
    evaluator.add_argument("model", help="model file written by tune")
    evaluator.add_argument("data", help="CSV or Parquet (.parquet) file")
    evaluator.add_argument("--target", required=True, help="the column of labels")
    evaluator.add_argument("--json", action="store_true", help="JSON for machines")
    evaluator.add_argument(
        "--chunk-rows", type=_positive, default=100_000, help="rows per chunk"
    )
    _add_table_options(evaluator)

    shifter = command(
        "shift",
        "re-derive a model file's threshold for a new table's class balance",
    )
    shifter.add_argument("model", help="model file written by tune")
    shifter.add_argument(
        "data",
        help="new rows, unlabelled: the model's features, or its score columns "
        "(CSV or Parquet)",
    )
    shifter.add_argument(
        "--out", required=True, help="model file to write (.skops), not the input"
    )
    shifter.add_argument(
        "--allow-changed-scores",
        action="store_true",
        help="write the re-derived model even if the scores changed beyond a "
        "change of balance, which no threshold fixes",
    )
    shifter.add_argument(
        "--force",
        action="store_true",
        help="replace --out if it exists (never an input)",
    )
    _add_table_options(shifter)
    for sub in (predictor, evaluator, shifter):
        sub.add_argument(
            "--score-column",
            nargs="+",
            action="extend",
            default=[],
            metavar="COLUMN",
            help="for a model tuned on scores: the columns to read, in the "
            "order it was tuned on (default: the names it was tuned on)",
        )
    for sub in (predictor, inspector, evaluator, shifter):
        sub.add_argument(
            "--trust",
            action="append",
            default=[],
            metavar="TYPE",
            help="types the model file may build beyond the trusted ones "
            "(only for a file you wrote or trust)",
        )
    for sub in (tuner, predictor, inspector, evaluator, shifter):
        sub.add_argument(
            "--max-bytes",
            type=_size,
            default=None,
            metavar="SIZE",
            help="the most a model file may unpack to, such as 500M or 2G "
            "(default: 100 times its size, at least 64M)",
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
        The exit status: 0, or 1 for bad input (a usage error exits with 2),
        or 128 + the signal's number if SIGINT (130), SIGTERM (143) or
        SIGHUP (129) stopped it.

    Examples
    --------
    >>> from threshold_estimator.cli import main
    >>> main(["--version"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    SystemExit: 0
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    # Progress is for a person watching: not with -q, not into a file or pipe.
    args.progress = not args.quiet and sys.stderr.isatty()
    try:
        with _stop_on_signals():
            return COMMANDS[args.command](args)
    except (Stopped, KeyboardInterrupt) as exc:
        signum = exc.signum if isinstance(exc, Stopped) else signal.SIGINT
        print(
            f"threshold-estimator: stopped by {signal.Signals(signum).name}",
            file=sys.stderr,
        )
        return 128 + signum
    except InputError as exc:
        print(f"threshold-estimator: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        # A full disk, a missing permission: the file system's words, one line.
        print(f"threshold-estimator: error: {one_line(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:
        # A fault of this program, not of the input: one line still, and the
        # traceback for a report on request. Outputs were already cleaned up.
        if os.environ.get("THRESHOLD_ESTIMATOR_TRACEBACK"):
            raise
        print(
            f"threshold-estimator: internal error: {type(exc).__name__}: "
            f"{one_line(exc)} (set THRESHOLD_ESTIMATOR_TRACEBACK=1 for the "
            "traceback, and please report it)",
            file=sys.stderr,
        )
        return 1
